"""Engine, sessions and migrations. SQLite (embedded default) and PostgreSQL behave the same to callers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Result, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage import sqlite

log = logging.getLogger(__name__)
_WIPE = "wipe_after_commit"


def make_engine(database_url: str) -> AsyncEngine:
    # hide_parameters: an error's message (logged with its traceback) never carries the values of a statement.
    if database_url.startswith("sqlite"):
        path = make_url(database_url).database or ""
        engine = create_async_engine(
            database_url, async_creator=lambda: sqlite.connect(path), hide_parameters=True
        )
        event.listen(engine.sync_engine, "connect", sqlite.tune)
        event.listen(engine.sync_engine, "begin", sqlite.begin_immediately)
        return engine
    return create_async_engine(database_url, pool_pre_ping=True, hide_parameters=True)


async def core_execute(session: AsyncSession, statement: Any, parameters: Any = None) -> Result[Any]:
    """Run a statement on the session's connection, past the ORM: for the pipeline's own bookkeeping, run for
    every update, which keeps no objects in step and gains a third of its time this way."""
    connection = await session.connection()
    result: Result[Any] = await connection.execute(statement, parameters)
    return result


def wipe_after_commit(session: AsyncSession) -> None:
    """What this transaction deletes must leave the files at once (an erasure): on SQLite, the write-ahead log,
    which still holds the old pages, is checkpointed into the database and emptied after the commit. PostgreSQL
    keeps dead rows until they are vacuumed (docs/privacy.md)."""
    session.info[_WIPE] = True


def _checkpoint(connection: Connection) -> bool:
    """Copy the write-ahead log into the database file and truncate it; False if a reader held it back."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _frames, _copied = cursor.fetchone() or (1, 0, 0)
    finally:
        cursor.close()
    return not busy


_IN_TRANSACTION: ContextVar[bool] = ContextVar("in_transaction", default=False)


class Database:
    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine = make_engine(database_url)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite has one writer at a time, and a writer that finds the database locked sleeps in steps of
        # milliseconds before trying again: the transactions of this process queue here instead, in order.
        self._one_at_a_time = asyncio.Lock() if database_url.startswith("sqlite") else None
        # The checkpoint after an erasure could not complete: it is tried again after the next commit.
        self._wipe_owed = False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        if _IN_TRANSACTION.get():
            raise RuntimeError("a transaction inside a transaction: pass the session instead")
        token = _IN_TRANSACTION.set(True)
        try:
            async with self._turn():
                async with self._sessions() as session, session.begin():
                    yield session
                if self._one_at_a_time is not None and (self._wipe_owed or session.info.get(_WIPE)):
                    await self._wipe()
        finally:
            _IN_TRANSACTION.reset(token)

    async def _wipe(self) -> None:
        """Checkpoint SQLite's write-ahead log (no transaction of this process is open: it holds the turn)."""
        try:  # the erasure is committed: a failure here must not make it look failed
            async with self.engine.connect() as connection:
                done = await connection.run_sync(_checkpoint)
        except Exception as error:
            log.warning("the write-ahead log could not be emptied after an erasure: %s", type(error).__name__)
            done = False
        self._wipe_owed = not done
        if not done:
            log.warning("the write-ahead log still holds erased data; emptied after the next transaction")

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if self._one_at_a_time is None:
            yield
            return
        async with self._one_at_a_time:
            yield

    async def upgrade(self) -> None:
        """Bring the schema to the newest migration (safe to run on every start)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade_with)

    async def close(self) -> None:
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("storage") / "migrations"))
    config.attributes["connection"] = connection
    return config


def _upgrade_with(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def upgrade_database(database_url: str) -> None:
    """Synchronous entry point for the command line."""

    async def run() -> None:
        database = Database(database_url)
        try:
            await database.upgrade()
        finally:
            await database.close()

    asyncio.run(run())


def _next_revision() -> str:
    """Revisions are numbered in order (0008 after 0007): the files then list in the order they apply."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return f"{max(int(head) for head in heads) + 1:04d}"


def autogenerate_revision(message: str) -> None:
    """Compare the models with a scratch database at head and write the difference as a new migration."""
    import tempfile
    from pathlib import Path

    async def run() -> None:
        with tempfile.TemporaryDirectory() as scratch:
            database = Database(f"sqlite+aiosqlite:///{Path(scratch) / 'scratch.sqlite3'}")
            try:
                await database.upgrade()
                async with database.engine.begin() as connection:
                    await connection.run_sync(
                        lambda sync: command.revision(
                            alembic_config(sync), message=message, autogenerate=True, rev_id=_next_revision()
                        )
                    )
            finally:
                await database.close()

    asyncio.run(run())
