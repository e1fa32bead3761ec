"""Faults the tests inject: errors, late answers, and Telegram's flood limits (429 Too Many Requests)."""

from __future__ import annotations

import collections
import math
import time
from dataclasses import dataclass

from bot.sandbox.botapi.errors import DEFAULT_DESCRIPTIONS, ApiError

# Methods that count as "sending a message" for the rate limiter.
_RATE_LIMITED = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendLocation"})


@dataclass
class _Delay:
    seconds: float
    chat_id: int | None  # None: whatever the chat


class RateLimiter:
    """Answers 429 when the bot sends more messages than allowed in any one-second window."""

    def __init__(self) -> None:
        self._limits: tuple[int, int] | None = None
        self._sent_overall: collections.deque[float] = collections.deque()
        self._sent_per_chat: dict[int, collections.deque[float]] = {}

    def enforce(self, per_second_overall: int, per_chat_per_second: int) -> None:
        self._limits = (per_second_overall, per_chat_per_second)
        self._sent_overall.clear()
        self._sent_per_chat.clear()

    def disable(self) -> None:
        self._limits = None

    def check(self, method: str, chat_id: int | None) -> None:
        """Count one call, or raise the 429 Telegram would answer."""
        if self._limits is None or method not in _RATE_LIMITED:
            return
        overall, per_chat = self._limits
        now = time.monotonic()
        chat_window = self._sent_per_chat.setdefault(chat_id or 0, collections.deque())
        for window in (self._sent_overall, chat_window):
            while window and window[0] <= now - 1.0:
                window.popleft()
        for window, limit in ((self._sent_overall, overall), (chat_window, per_chat)):
            if len(window) >= limit:
                retry_after = max(1, math.ceil(window[0] + 1.0 - now))
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        self._sent_overall.append(now)
        chat_window.append(now)


class Faults:
    """What goes wrong with the next calls, by method name (case-insensitive)."""

    def __init__(self) -> None:
        self.limiter = RateLimiter()
        self._failures: dict[str, collections.deque[ApiError]] = {}
        self._delays: dict[str, list[_Delay]] = {}

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail with that error (429 carries retry_after)."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        queue = self._failures.setdefault(method.lower(), collections.deque())
        for _ in range(count):
            queue.append(ApiError(error_code, description, retry_after))

    def delay_next(self, method: str, seconds: float, count: int = 1, chat_id: int | None = None) -> None:
        """Answer the next ``count`` calls of ``method`` (to ``chat_id`` only, if given) ``seconds`` late.

        The call is carried out at once: a client that gives up before the answer sees a timeout
        although the message was delivered, as happens with the real Telegram.
        """
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        self._delays.setdefault(method.lower(), []).extend(_Delay(seconds, chat_id) for _ in range(count))

    def take_delay(self, method: str, chat_id: int | None) -> float:
        """The delay of this call (0 when none is planned); it is used up."""
        delays = self._delays.get(method.lower(), [])
        for index, delay in enumerate(delays):
            if delay.chat_id is None or delay.chat_id == chat_id:
                del delays[index]
                return delay.seconds
        return 0.0

    def check(self, method: str, chat_id: int | None) -> None:
        """Raise the planned failure of this call, if any, else the 429 of the rate limiter, if any."""
        failures = self._failures.get(method.lower())
        if failures:
            raise failures.popleft()
        self.limiter.check(method, chat_id)
