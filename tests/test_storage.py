"""Migrations and the database settings, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import Database


async def test_migrations_create_exactly_the_models(database_url: str) -> None:
    database = Database(database_url)
    await database.upgrade()
    await database.upgrade()  # running it again is harmless (every start does)
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
        )
    await database.close()
    assert differences == []


async def test_sqlite_is_tuned_for_a_bot(tmp_path: object) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/tuned.sqlite3")
    async with database.engine.connect() as connection:
        journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
        busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
    await database.close()
    assert (journal, foreign_keys, busy) == ("wal", 1, 10000)
