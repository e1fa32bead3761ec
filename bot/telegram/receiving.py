"""Receiving updates: stored in the inbox (committed) before Telegram is told they arrived.

Long polling confirms updates with the next `getUpdates` offset, so `Poller` asks for the next ones only after
the previous batch is committed; a webhook answers 200 only after storing (`webhook.py`). Either way a crash
loses nothing: what was not stored was not confirmed, and Telegram sends it again (recognised by its id).
Someone sending much more than a person types is told once to slow down, and the excess is dropped (stored as
such, so that it is acknowledged and not handled).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, RetryAfter, TelegramError

from bot.chat.messages import Reply
from bot.i18n import language_from_telegram, translator
from bot.telegram.gateway import chat_of
from bot.telegram.pipeline import FloodRule, owed
from storage import inbox, outbox, users
from storage.db import Database

log = logging.getLogger(__name__)
LONG_POLL_SECONDS = 10
ERROR_PAUSE_SECONDS = 1.0


async def store_updates(
    database: Database, updates: Sequence[dict[str, Any]], now: datetime, flood: FloodRule, bot: Bot
) -> tuple[int, set[int]]:
    """Store what arrived, as Telegram sent it (committed when this returns): how many were new, and the ids
    of the dropped ones that owe nothing."""
    arrivals: list[inbox.Arrival] = []
    async with database.transaction() as session:
        counts = (
            await inbox.recent_counts(session, {chat_of(u) for u in updates}, now - flood.window)
            if flood.enabled
            else {}
        )
        slow_down: list[dict[str, Any]] = []
        for update in updates:
            chat = chat_of(update)
            counts[chat] = counts.get(chat, 0) + 1
            dropped = flood.enabled and chat != 0 and counts[chat] > flood.updates
            if dropped and counts[chat] == flood.updates + 1:
                slow_down.append(update)  # the first one over the limit in the window: say it once
            arrivals.append(inbox.Arrival(update["update_id"], chat, update, dropped))
        new = await inbox.store(session, arrivals, now)
        told = set()
        for update in slow_down:
            if update["update_id"] in new:
                log.info("a chat sends too fast: its updates are dropped for a while")
                if await _ask_to_slow_down(session, Update.de_json(update, bot), now):
                    told.add(update["update_id"])
    return len(new), {
        arrival.update_id for arrival in arrivals if arrival.dropped and arrival.update_id in new
    } - told


async def _ask_to_slow_down(session: object, update: Update, now: datetime) -> bool:
    if update.effective_user is None:
        return False
    user = await users.find(session, update.effective_user.id)  # type: ignore[arg-type]
    language = user.language if user else language_from_telegram(update.effective_user.language_code)[0]
    t = translator(language)
    reply = Reply(t._("You are sending messages faster than I can read them: I skip the ones sent in the last "
                      "seconds. Please wait a moment, then send again what you need."))  # fmt: skip
    await outbox.add(session, owed([reply], update.effective_user.id, update.update_id, None), now)  # type: ignore[arg-type]
    return True


class Poller:
    """Long polling: fetch, store, and only then ask for more (which confirms what was stored)."""

    def __init__(self, bot: Bot, database: Database, clock: Callable[[], datetime], flood: FloodRule,
                 stored: Callable[[int, set[int]], None]) -> None:  # fmt: skip
        self.bot, self.database, self.clock, self.flood, self.stored = bot, database, clock, flood, stored
        self.offset: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self._run(), name="poller")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                # Raw, as Telegram sends them: they are stored as they are, and read once, by the worker.
                updates = await self.bot.do_api_request(
                    "getUpdates",
                    api_kwargs={
                        "offset": self.offset,
                        "timeout": LONG_POLL_SECONDS,
                        "allowed_updates": Update.ALL_TYPES,
                    },
                    read_timeout=LONG_POLL_SECONDS + 10,
                )
            except RetryAfter as error:
                await asyncio.sleep(
                    float(error.retry_after if isinstance(error.retry_after, int | float) else 1)
                )
                continue
            except Conflict:
                log.error("another process polls with this token; polling again in a moment")
                await asyncio.sleep(ERROR_PAUSE_SECONDS * 5)
                continue
            except TelegramError as error:
                log.warning("could not get updates: %s", error)
                await asyncio.sleep(ERROR_PAUSE_SECONDS)
                continue
            if not updates:
                continue
            try:
                new, dropped = await store_updates(self.database, updates, self.clock(), self.flood, self.bot)
            except Exception:  # not stored: not confirmed either; the same updates come again
                log.exception("could not store updates")
                await asyncio.sleep(ERROR_PAUSE_SECONDS)
                continue
            self.offset = updates[-1]["update_id"] + 1
            self.stored(new, dropped)
