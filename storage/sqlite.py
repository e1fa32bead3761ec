"""SQLite as the bot uses it: one real transaction at a time, run on the event loop's own thread.

aiosqlite hands every statement to a thread of its own and waits for the event loop to take the answer back: a
transaction of six statements waited six times behind everything else the loop had to do, while holding the
only write lock. SQLite on a local file answers in microseconds, so `InlineConnection` keeps aiosqlite's
interface (what SQLAlchemy's `sqlite+aiosqlite` dialect drives) but runs each call at once, on the loop's
thread. Only the wait for another process's write lock could block the loop: that one is waited for
asynchronously (`begin_immediately`).
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite
from sqlalchemy.engine import Connection
from sqlalchemy.util import await_

BUSY_TIMEOUT_MS = 10_000  # how long a transaction waits for another process's write lock
# A statement that meets a lock once the transaction holds the write lock (rare in WAL mode: recovery after a
# crash, the last connection closing) waits at most this long, blocking the loop.
STATEMENT_BUSY_TIMEOUT_MS = 200
LOCKED_PAUSES = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05)  # then 0.05 s, until BUSY_TIMEOUT_MS


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, each call run at once on the calling (event loop's) thread."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def connect(path: str) -> InlineConnection:
    """A connection to the database file at `path` (opened by aiosqlite's thread, then used on the loop's)."""

    def opened() -> sqlite3.Connection:
        return sqlite3.connect(path, timeout=STATEMENT_BUSY_TIMEOUT_MS / 1000, check_same_thread=False)

    connection = InlineConnection(opened, iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy does: a forgotten connection never holds the exit
    return connection


def tune(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling (no BEGIN before a SELECT, savepoints that commit at once) is
    # switched off: SQLAlchemy emits BEGIN itself (begin_immediately), so a transaction is a transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={STATEMENT_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # What is deleted or overwritten (an erased phone, a handled update) is overwritten with zeros in the file,
    # instead of lingering in free space until reused (some builds do it by default: we do not rely on it).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def begin_immediately(connection: Connection) -> None:
    """Take the write lock at the start: two transactions that read then write cannot both succeed, and a
    writer waits instead of failing when another one upgrades first. Another process's lock is waited for
    with the loop free (sleeping between tries), never in SQLite's busy handler."""
    driver = connection.connection.driver_connection
    assert isinstance(driver, InlineConnection)
    raw = driver._conn  # straight to sqlite3: these three statements cost microseconds
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BUSY_TIMEOUT_MS / 1000
    raw.execute("PRAGMA busy_timeout=0")
    try:
        for attempt in itertools.count():
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "database is locked" not in str(error) or loop.time() >= deadline:
                    raise
            await_(asyncio.sleep(LOCKED_PAUSES[min(attempt, len(LOCKED_PAUSES) - 1)]))
    finally:
        raw.execute(f"PRAGMA busy_timeout={STATEMENT_BUSY_TIMEOUT_MS}")
