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

TOKEN = "123456789:TEST-token-for-the-local-stand-in-0000"
_started = itertools.count()
ROOT = str(Path(__file__).resolve().parent.parent)


async def start_bot(
    api: FakeBotApi, database_url: str, workdir: Path, **env: str
) -> asyncio.subprocess.Process:
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
        sys.executable, "-m", "bot.cli", "run", env=environment, cwd=workdir, stdout=log, stderr=log
    )


async def stop(process: asyncio.subprocess.Process, *, hard: bool = False) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 20)


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
