"""Sending within Telegram's limits: about 30 messages a second overall, one a second per chat."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict


class Limiter:
    """Messages leave evenly spaced (at most `per_second` in any second) and at least `per_chat_interval`
    apart in one chat; a 429 pauses everything for the time Telegram asked. Waiting for one chat never holds
    up the others. The defaults keep a margin under Telegram's limits, since requests arrive a little bunched."""

    def __init__(self, per_second: float = 28.0, per_chat_interval: float = 1.1) -> None:
        self.spacing, self.per_chat_interval = 1.0 / per_second, per_chat_interval
        self._next_free = 0.0
        self._last_in_chat: dict[int, float] = {}
        self._chat_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        self._next_free = max(self._next_free, time.monotonic() + seconds)

    async def wait(self, chat_id: int) -> None:
        async with self._chat_locks[chat_id]:
            earliest = self._last_in_chat.get(chat_id, float("-inf")) + self.per_chat_interval
            await asyncio.sleep(max(0.0, earliest - time.monotonic()))
            async with self._lock:
                slot = max(time.monotonic(), self._next_free)
                self._next_free = slot + self.spacing
            await asyncio.sleep(max(0.0, slot - time.monotonic()))
            self._last_in_chat[chat_id] = slot
