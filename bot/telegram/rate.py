"""Sending within Telegram's limits: about 30 messages a second overall, and what a 429 asks for.

Telegram lets a chat receive short bursts and answers 429 (with the seconds to wait) beyond its limits; one
limiter, shared by replies, notices and alerts, spaces messages evenly under the overall limit, keeps
`per_chat_interval` between two messages of one chat when asked to, and holds back a chat that got a 429 for
the time Telegram said — everyone, when several chats got one at about the same time (the overall limit).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

GLOBAL_WHEN = 3  # 429s for this many chats within a second: the overall limit was hit, everyone waits


class Limiter:
    """`per_second`: the overall pace (0: none, Telegram's 429s alone pace the messages). Bulk messages (alerts)
    also keep `per_chat_interval` between two of them in one chat; a reply someone waits for is not held."""

    def __init__(self, per_second: float = 28.0, per_chat_interval: float = 1.1) -> None:
        self.spacing = 1.0 / per_second if per_second else 0.0
        self.per_chat_interval = per_chat_interval
        self._next_free = 0.0  # the next moment a message may leave, for everyone
        self._chat_free: dict[int, float] = {}  # chat -> the next moment a message may leave for it
        self._recent_429: deque[tuple[float, int]] = deque()
        self._lock = asyncio.Lock()

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram answered 429 for this chat: nothing more for it (or for anyone, see above) for a while."""
        now = time.monotonic()
        until = now + seconds
        self._chat_free[chat_id] = max(self._chat_free.get(chat_id, 0.0), until)
        self._recent_429.append((now, chat_id))
        while self._recent_429 and self._recent_429[0][0] < now - 1.0:
            self._recent_429.popleft()
        if len({chat for _, chat in self._recent_429}) >= GLOBAL_WHEN:
            self._next_free = max(self._next_free, until)

    def pause(self, seconds: float) -> None:
        """Nothing leaves for anyone for a while."""
        self._next_free = max(self._next_free, time.monotonic() + seconds)

    async def wait(self, chat_id: int, *, bulk: bool = False) -> None:
        """Wait for this chat's turn, then for a slot of the overall pace."""
        now = time.monotonic()
        if (
            self._chat_free.get(chat_id, 0.0) <= now
            and self._next_free <= now
            and not self.spacing
            and not bulk
        ):
            return  # nothing to wait for (no overall pace set)
        await asyncio.sleep(max(0.0, self._chat_free.get(chat_id, 0.0) - time.monotonic()))
        async with self._lock:
            slot = max(time.monotonic(), self._next_free)
            self._next_free = slot + self.spacing
        await asyncio.sleep(max(0.0, slot - time.monotonic()))
        if bulk:
            self._chat_free[chat_id] = max(self._chat_free.get(chat_id, 0.0), slot + self.per_chat_interval)
        if len(self._chat_free) > 10_000:  # forget the chats whose turn came
            self._chat_free = {chat: free for chat, free in self._chat_free.items() if free > slot}
