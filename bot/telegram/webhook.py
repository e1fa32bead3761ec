"""Serve Telegram webhooks from an aiohttp server (production), checking Telegram's secret token header."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.settings import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
APPLICATION_KEY = web.AppKey("application", Application)


def make_web_app(application: Application, path: str, secret: str) -> web.Application:  # type: ignore[type-arg]
    async def receive(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            log.warning("webhook call without the right secret token from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), application.bot)
        except (json.JSONDecodeError, ValueError, TypeError, KeyError):
            return web.Response(status=400, text="not an update")
        await application.update_queue.put(update)
        return web.Response(text="ok")

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[APPLICATION_KEY] = application
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", health)
    return app


async def serve_webhook(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    assert settings.webhook_url and settings.webhook_secret
    path = urlsplit(settings.webhook_url).path or "/"
    runner = web.AppRunner(make_web_app(application, path, settings.webhook_secret))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.bot.set_webhook(
            settings.webhook_url, secret_token=settings.webhook_secret, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
        log.info("serving webhooks on %s:%s%s", settings.webhook_listen, settings.webhook_port, path)
        await stop.wait()
        await runner.cleanup()
        await application.stop()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
