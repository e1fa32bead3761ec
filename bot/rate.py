"""Sending within Telegram's limits: about 30 messages a second overall, one a second per chat."""

from __future__ import annotations

import asyncio
import time
from collections import deque


class Limiter:
    """At most `per_second` messages overall and one a second per chat; a 429 pauses everything."""

    def __init__(self, per_second: float = 25.0, per_chat_interval: float = 1.0) -> None:
        self.per_second, self.per_chat_interval = per_second, per_chat_interval
        self._sent: deque[float] = deque()
        self._last_in_chat: dict[int, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def wait(self, chat_id: int) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= 1.0:
                    self._sent.popleft()
                waits = [
                    self._paused_until - now,
                    self._last_in_chat.get(chat_id, -1e9) + self.per_chat_interval - now,
                    (self._sent[0] + 1.0 - now) if len(self._sent) >= self.per_second else 0.0,
                ]
                delay = max(waits)
                if delay <= 0:
                    self._sent.append(now)
                    self._last_in_chat[chat_id] = now
                    return
                await asyncio.sleep(delay)
