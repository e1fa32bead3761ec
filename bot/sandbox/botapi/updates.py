"""The update queue the bot long-polls with getUpdates, and the signal that wakes whoever waits."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import Callable
from typing import Any

from bot.sandbox.botapi.errors import DEFAULT_DESCRIPTIONS, ApiError

JsonDict = dict[str, Any]

# A long poll wakes up at least this often to notice that its client went away.
_CLIENT_CHECK_SECONDS = 0.5


class Signal:
    """Wakes every waiter when something changes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        event = self._event
        with contextlib.suppress(TimeoutError):  # not wait_for: in 3.11 it can swallow a cancel
            async with asyncio.timeout(max(seconds, 0.0)):
                await event.wait()


class UpdateQueue:
    """Updates wait here until the bot confirms them (with the offset of a later getUpdates)."""

    def __init__(self) -> None:
        self.pending: list[JsonDict] = []
        self.allowed_updates: list[str] = []
        self.webhook_url = ""
        self.closed = False
        self._next_update_id = 1
        self._poll_generation = 0
        self._arrived = Signal()

    def push(self, kind: str, payload: JsonDict) -> int:
        """Queue an update (``kind`` is "message", "callback_query"...); returns its update_id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        self.pending.append({"update_id": update_id, kind: payload})
        self._arrived.fire()
        return update_id

    def drop_pending(self) -> None:
        self.pending.clear()

    def close(self) -> None:
        """Answer the pending long poll at once, and the next ones too."""
        self.closed = True
        self._arrived.fire()

    async def poll(
        self, offset: int | None, limit: int, timeout: float, client_gone: Callable[[], bool]
    ) -> list[JsonDict]:
        """getUpdates: confirm what is before ``offset``, then wait up to ``timeout`` for something new.

        As with Telegram, a newer poll ends an older one with a 409 Conflict.
        """
        if offset is not None:
            if offset < 0:
                del self.pending[: max(0, len(self.pending) + offset)]
            else:
                self.pending = [u for u in self.pending if u["update_id"] >= offset]
        if self.allowed_updates:
            self.pending = [u for u in self.pending if any(kind in u for kind in self.allowed_updates)]
        self._poll_generation += 1
        generation = self._poll_generation
        self._arrived.fire()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, DEFAULT_DESCRIPTIONS[409])
            if self.pending or self.closed:
                return copy.deepcopy(self.pending[:limit])
            if client_gone():
                return []  # nothing is delivered, nothing is lost
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self._arrived.wait(min(remaining, _CLIENT_CHECK_SECONDS))
