"""Running the bot as separate processes (`python -m bot.cli run`), as production does."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.sandbox.botapi import FakeBotApi
from storage import inbox, outbox
from storage.db import Database
from tests.harness import User

TOKEN = "123456789:TEST-token-for-the-local-stand-in-0000"
_started = itertools.count()
ROOT = str(Path(__file__).resolve().parent.parent)


async def start_bot(
    api: FakeBotApi, database_url: str, workdir: Path, *options: str, **env: str
) -> asyncio.subprocess.Process:
    """`python -m bot.cli [options] run` (e.g. `-v`); what it prints goes to bot-<n>.log in `workdir`."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(workdir)),
        "PYTHONPATH": ROOT,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.bot_base_url,
        "DATABASE_URL": database_url,
        **env,
    }
    log = (workdir / f"bot-{next(_started)}.log").open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *options, "run", env=environment, cwd=workdir, stdout=log, stderr=log
    )


async def stop(process: asyncio.subprocess.Process, *, hard: bool = False) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:  # its log tells what it was waiting for
            process.send_signal(signal.SIGUSR1)
            await asyncio.sleep(1)
            process.kill()
            raise


async def wait_until(condition: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll until `condition()` is truthy (a separate process gives no other signal that it has answered)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = condition()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the bot did not answer in time")
        await asyncio.sleep(0.05)


def bot_texts(api: FakeBotApi, user_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in api.bot_messages(user_id)]


def log_of(workdir: Path) -> str:
    """What the bot processes started in `workdir` printed."""
    return "".join(path.read_text() for path in sorted(workdir.glob("bot-*.log")))


def said(api: FakeBotApi, user_id: int, fragment: str, after: int = 0) -> bool:
    return any(fragment in text for text in bot_texts(api, user_id)[after:])


def last_button(api: FakeBotApi, user_id: int, label: str) -> tuple[int, str] | None:
    """(message id, data) of the newest button whose label contains `label`."""
    for message in reversed(api.bot_messages(user_id)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if label in button["text"]:
                    return message["message_id"], button["callback_data"]
    return None


async def press_and_wait(api: FakeBotApi, user_id: int, label: str, expect: str) -> None:
    # The question with the button may still be on its way (another process sends it).
    button = await wait_until(lambda: last_button(api, user_id, label))
    before = len(bot_texts(api, user_id))
    api.press_button(user_id, *button)
    await wait_until(lambda: said(api, user_id, expect, before) or said(api, user_id, expect, before - 1))


async def send_and_wait(api: FakeBotApi, user_id: int, text: str, expect: str) -> None:
    before = len(bot_texts(api, user_id))
    api.send_text(user_id, text)
    await wait_until(lambda: said(api, user_id, expect, before))


class BotProcess:
    """A bot running as its own process, driven as tests drive `BotUnderTest` (`tests.harness.User`): an update
    is handled once its row is no longer new and no reply to it waits in the outbox (read in the database)."""

    def __init__(self, api: FakeBotApi, database: Database) -> None:
        self.api, self.database = api, database
        self._users: dict[int, User] = {}

    async def handled(self, update_id: int, timeout: float = 15.0) -> None:
        async def settled() -> bool:
            async with self.database.transaction() as session:
                status = await inbox.status_of(session, update_id)
                return status not in (None, inbox.NEW) and not await outbox.updates_still_owed(
                    session, {update_id}
                )

        deadline = asyncio.get_running_loop().time() + timeout
        while not await settled():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"update {update_id} was not handled in time")
            await asyncio.sleep(0.05)

    def user(
        self, user_id: int, language: str = "fr", name: str = "Camille", username: str | None = None
    ) -> User:
        if user_id not in self._users:
            self.api.add_user(user_id, name, language_code=language, username=username)
            self._users[user_id] = User(self, user_id)
        return self._users[user_id]
