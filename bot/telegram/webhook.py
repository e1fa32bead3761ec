"""Serve Telegram webhooks from an aiohttp server (production): an update is answered 200 once it is stored.

Anything else gets a plain refusal and no traceback: 403 without the right secret header (whatever bytes it
holds), 400 for a body that is not an update object (not JSON, `[]`, `null`, `5`, deeply nested…), 413 for a
body over 2 MB.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram import Bot, Update

from bot.telegram.gateway import incoming_from

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 2 * 1024 * 1024
MAX_DEPTH = 64  # updates are a few levels deep; a body nested deeper is not one


def _depth(value: Any, limit: int) -> int:
    """How deeply `value` nests (stops counting past `limit`)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            return level
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return deepest


def _update_from(body: bytes, bot: Bot) -> dict[str, Any] | None:
    """The update as Telegram sent it, if the body is one (python-telegram-bot can read it)."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if (
        not isinstance(data, dict)
        or type(data.get("update_id")) is not int
        or _depth(data, MAX_DEPTH) > MAX_DEPTH
    ):
        return None
    try:
        Update.de_json(data, bot)
        incoming_from(data)  # the fields the bot reads, of the types Telegram sends
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None
    return data


def make_web_app(
    bot: Bot, path: str, secret: str, store: Callable[[dict[str, Any]], Awaitable[None]]
) -> web.Application:
    """The webhook's aiohttp application: `store` commits the update to the inbox before the answer."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, expected):
            log.warning("webhook call without the right secret token")
            return web.Response(status=403, text="forbidden")
        update = _update_from(await request.read(), bot)
        if update is None:
            return web.Response(status=400, text="not an update")
        await store(update)  # raises (500, Telegram retries) if it could not be stored
        return web.Response(text="ok")

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", health)
    return app
