"""Webhook mode: the secret token is required, and two bot processes can serve one user's dialogue in turns."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.i18n import translator
from bot.sandbox.botapi import FakeBotApi
from storage import dialogues, users
from storage.db import Database
from tests.processes import bot_texts, said, start_bot, stop, wait_until

FR = translator("fr")
SECRET = "s3cret-token_for-tests"
USER = {"id": 1001, "is_bot": False, "first_name": "Camille", "language_code": "fr"}
update_ids = itertools.count(500)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def text_update(text: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(update_ids), "date": int(time.time()), "text": text, "from": USER,
        "chat": {"id": USER["id"], "type": "private", "first_name": USER["first_name"]},
    }  # fmt: skip
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(update_ids), "message": message}


def button_update(data: str) -> dict[str, Any]:
    query = {"id": str(next(update_ids)), "from": USER, "chat_instance": "1", "data": data}
    return {"update_id": next(update_ids), "callback_query": query}


async def post(
    session: aiohttp.ClientSession, url: str, update: dict[str, Any], secret: str | None = SECRET
) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with session.post(url, json=update, headers=headers) as response:
        return response.status


async def test_two_webhook_processes_continue_the_same_dialogue(
    api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    api.add_user(1001, "Camille", language_code="fr")
    database = Database(database_url)
    await database.upgrade()
    async with database.transaction() as session:  # already accepted the privacy notice
        await users.register(session, 1001, "fr", datetime.now(UTC))

    urls = []
    processes = []
    for _ in range(2):
        port = free_port()
        url = f"http://127.0.0.1:{port}/telegram/hook"  # behind the TLS proxy that Telegram calls
        env = {
            "WEBHOOK_URL": "https://bot.example.org/telegram/hook",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
        }
        processes.append(await start_bot(api, database_url, tmp_path, **env))
        urls.append(url)
    try:
        async with aiohttp.ClientSession() as http:

            async def reachable() -> bool:
                for url in urls:
                    try:
                        async with http.get(url.replace("/telegram/hook", "/healthz")) as response:
                            if response.status != 200:
                                return False
                    except aiohttp.ClientError:
                        return False
                return True

            deadline = time.monotonic() + 20
            while not await reachable():
                assert time.monotonic() < deadline, "webhook servers did not start"
                await asyncio.sleep(0.1)

            # Without the secret header, or with a wrong one: refused, nothing handled.
            assert await post(http, urls[0], text_update("/start"), secret=None) == 403
            assert await post(http, urls[1], text_update("/start"), secret="wrong") == 403
            assert bot_texts(api, 1001) == []

            steps = [
                (button_update("menu:host"), FR._("What kind of place do you offer?")),
                (button_update("d:kind:room"), FR._("For example: Nantes, 44000 or Saint-Denis 93.")),
                (
                    text_update("Nantes"),
                    FR._("The exact address (optional). Only authorised social workers will see it."),
                ),
                (button_update("d:address:-skip"), FR._("How many people can you welcome?")),
                (text_update("4"), FR._("How many beds?")),
            ]
            for turn, (update, expected) in enumerate(steps):
                before = len(bot_texts(api, 1001))
                assert await post(http, urls[turn % 2], update) == 200  # processes take turns
                await wait_until(lambda expected=expected, before=before: said(api, 1001, expected, before))

            # The same update delivered twice (a webhook retry) is handled once.
            repeated = text_update("4")  # a bed each: nothing to confirm
            before = len(bot_texts(api, 1001))
            assert await post(http, urls[0], repeated) == 200
            await wait_until(lambda: said(api, 1001, FR._("How many bedrooms?"), before))
            assert await post(http, urls[1], repeated) == 200
            await asyncio.sleep(1.0)
            assert len(bot_texts(api, 1001)) == before + 1
    finally:
        for process in processes:
            await stop(process)

    webhook_calls = [params for method, params in api.calls if method == "setWebhook"]
    assert webhook_calls and webhook_calls[-1]["secret_token"] == SECRET
    async with database.transaction() as session:
        state = await dialogues.current(session, 1001)
    await database.close()
    assert state is not None and state.step == "bedrooms"
    assert (state.answers["people"], state.answers["beds"], state.answers["commune_insee"]) == (4, 4, "44109")
