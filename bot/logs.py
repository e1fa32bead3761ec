"""What the bot writes to its log: how it runs, never who its users are or what they said, at any level.

Our own log calls name a person by `who()` (a keyed hash that holds for one run and reveals nothing) and never
log what people typed. Libraries are not so careful below WARNING: httpx logs each request's URL (the token, a
file's path), python-telegram-bot the parameters of every Bot API call and the updates it gets (names,
usernames, texts, phone numbers), SQLAlchemy and aiosqlite the values of statements. So below WARNING only our
own modules' records pass, and the libraries known to be talkative are held at WARNING even with `-v`.
An exception's message may quote what it choked on (a phone number, a text): tracebacks are logged with the
place and the kind of each error, never its message.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import traceback
from typing import Any, TextIO

OURS = frozenset({"bot", "storage", "conversations", "__main__"})
TALKATIVE = ("httpx", "httpcore", "telegram", "sqlalchemy", "aiosqlite", "asyncpg", "aiohttp", "apscheduler",
             "alembic", "asyncio", "matplotlib", "PIL", "openpyxl")  # fmt: skip
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_KEY = secrets.token_bytes(16)  # a new one each run: the same person is recognisable within a run only


def who(user_id: int | None) -> str:
    """A person as the log names them: the same within one run, and no way back to their Telegram id."""
    if user_id is None:
        return "nobody"
    return "u" + hmac.new(_KEY, str(user_id).encode(), hashlib.sha256).hexdigest()[:10]


class OnlyOurDetails(logging.Filter):
    """Below WARNING, only the records of our own modules (libraries log personal data at INFO and DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.split(".")[0] in OURS


class WithoutMessages(logging.Formatter):
    """Tracebacks with where and what kind of error, never the error's message (it may quote personal data)."""

    def format(self, record: logging.LogRecord) -> str:
        cached, record.exc_text = record.exc_text, None  # another handler may have kept the whole traceback
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: Any) -> str:
        chain: list[BaseException] = []
        error = ei[1]
        while error is not None and all(error is not seen for seen in chain):
            chain.append(error)
            error = error.__cause__ or error.__context__
        return "\n\nthen, while handling it:\n".join(
            "Traceback (most recent call last):\n"
            + "".join(traceback.format_tb(error.__traceback__))
            + f"{type(error).__module__}.{type(error).__qualname__} (its message is not logged)"
            for error in reversed(chain)
        )


def configure(verbose: bool, stream: TextIO | None = None) -> logging.Handler:
    """Log to `stream` (standard error by default): INFO, or DEBUG with `verbose`; returns the handler."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(WithoutMessages(FORMAT))
    handler.addFilter(OnlyOurDetails())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in TALKATIVE:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
