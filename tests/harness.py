"""Talking to the real bot as simulated Telegram users, and knowing when it has finished answering."""

from __future__ import annotations

import asyncio
import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application

from bot.app import Runtime, polling
from bot.sandbox.botapi import FakeBotApi
from bot.settings import Settings
from storage.db import Database

Message = dict[str, Any]


class Clock:
    """The bot's clock: it runs as time does from where the tests put it, and tests move it (a retry after a
    429 waits real seconds, a stay ends after days moved)."""

    def __init__(self, current: datetime) -> None:
        self._base, self._since = current, time.monotonic()

    @property
    def current(self) -> datetime:
        return self._base + timedelta(seconds=time.monotonic() - self._since)

    @current.setter
    def current(self, value: datetime) -> None:
        self._base, self._since = value, time.monotonic()

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current = self.current + timedelta(**delta)

    def just_now(self, moment: datetime, seconds: float = 10.0) -> bool:
        """Whether `moment` is now, give or take the seconds a test takes."""
        return abs(self.current - moment) <= timedelta(seconds=seconds)


class BotUnderTest:
    """The real bot process (workers, sender), polling the stand-in over HTTP, on a real database."""

    def __init__(self, api: FakeBotApi, settings: Settings, database: Database, clock: Clock) -> None:
        self.api, self.settings, self.database, self.clock = api, settings, database, clock
        self._handled: dict[int, asyncio.Event] = {}
        self._users: dict[int, User] = {}
        self.runtime = self._build()
        self._running: AbstractAsyncContextManager[Any] | None = None

    @property
    def application(self) -> Application:  # type: ignore[type-arg]
        return self.runtime.application

    def _build(self) -> Runtime:
        runtime = Runtime(self.settings, self.database, clock=self.clock)
        # An update is settled when it was handled and every message it owes was sent (or given up).
        runtime.pipeline.settled = runtime.sender.settled = self._mark_handled
        return runtime

    async def start(self) -> None:
        self._running = polling(self.runtime)
        await self._running.__aenter__()

    async def stop(self) -> None:
        if self._running is not None:
            await self._running.__aexit__(None, None, None)
            self._running = None

    async def restart(self) -> None:
        """Stop the bot and start a new process's worth of it on the same database, as after a deploy."""
        await self.stop()
        self.runtime = self._build()
        await self.start()

    async def run_alerts(self) -> None:
        """One round of alerts, as the periodic job runs it, and the messages it queued sent."""
        await self.runtime.alerts_round()
        await self.runtime.sender.drain()

    def _mark_handled(self, update_id: int) -> None:
        self._handled.setdefault(update_id, asyncio.Event()).set()

    async def handled(self, update_id: int, timeout: float = 10.0) -> None:
        event = self._handled.setdefault(update_id, asyncio.Event())
        await asyncio.wait_for(event.wait(), timeout)

    def user(self, user_id: int = 1001, language: str = "fr", name: str = "Camille") -> User:
        """The simulated Telegram user (the same object each time for one id)."""
        if user_id not in self._users:
            self.api.add_user(user_id, name, language_code=language)
            self._users[user_id] = User(self, user_id)
        return self._users[user_id]


class Running(Protocol):
    """What simulated users need of a running bot: the stand-in they talk through, its database, and when an
    update of theirs is handled (BotUnderTest in this process, BotProcess in another)."""

    api: FakeBotApi
    database: Database

    async def handled(self, update_id: int, timeout: float = 10.0) -> None: ...


@dataclass
class User:
    bot: Running
    user_id: int
    seen: int = field(default=0)

    @property
    def api(self) -> FakeBotApi:
        return self.bot.api

    async def _after(self, update_id: int) -> list[Message]:
        await self.bot.handled(update_id)
        messages = [m for m in self.api.bot_messages(self.user_id)]
        new = messages[self.seen :]
        self.seen = len(messages)
        return new

    async def send(self, text: str) -> list[Message]:
        return await self._after(self.api.send_text(self.user_id, text))

    async def location(self, lat: float, lon: float) -> list[Message]:
        return await self._after(self.api.send_location(self.user_id, lat, lon))

    async def contact(self, phone: str) -> list[Message]:
        return await self._after(self.api.send_contact(self.user_id, phone))

    async def photo(self, data: bytes) -> list[Message]:
        return await self._after(self.api.send_photo(self.user_id, data))

    async def press_data(self, data: str) -> list[Message]:
        """Press a button carrying any `data`, as a modified client may forge it (or an old message carry it).

        The button comes on a message sent for the purpose; the bot's answer is returned: its new messages, and
        that message if the answer replaced it.
        """
        assert isinstance(self.bot, BotUnderTest), "a message with any button is sent from this process"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("…", callback_data=data)]])
        sent = await self.bot.application.bot.send_message(self.user_id, "…", reply_markup=markup)
        self.seen = len(self.api.bot_messages(self.user_id))
        new = await self._after(self.api.press_button(self.user_id, sent.message_id, data))
        pressed = self.api.message(self.user_id, sent.message_id)
        return [pressed, *new] if pressed["edited"] else new

    def last(self) -> Message:
        message = self.api.last_bot_message(self.user_id)
        assert message is not None, "the bot has not said anything"
        return message

    def buttons(self, message: Message | None = None) -> list[tuple[str, str]]:
        """(label, callback data) of the inline buttons of a message (the last one with buttons by default)."""
        if message is None:
            with_buttons = [
                m for m in self.api.bot_messages(self.user_id) if _inline(m) and not m.get("deleted")
            ]
            assert with_buttons, "no message with buttons"
            message = with_buttons[-1]
        return [(b["text"], b.get("callback_data", "")) for b in _inline(message)]

    async def press(self, label: str, message: Message | None = None) -> list[Message]:
        """Press the button whose label contains `label` (the newest message offering it by default)."""
        candidates = [message] if message else list(reversed(self.api.bot_messages(self.user_id)))
        for candidate in candidates:
            for text, data in [(b["text"], b.get("callback_data", "")) for b in _inline(candidate)]:
                if data and (
                    label in text or label[:1].upper() + label[1:] in text
                ):  # buttons start with a capital
                    return await self._after(
                        self.api.press_button(self.user_id, candidate["message_id"], data)
                    )
        raise AssertionError(f"no button {label!r}; last buttons: {self.buttons() if candidates else []}")


def _inline(message: Message) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def texts(messages: list[Message]) -> str:
    return "\n".join(m.get("text") or m.get("caption") or "" for m in messages)
