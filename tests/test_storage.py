"""Migrations and the database settings, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage import alerts
from storage import sqlite as bot_sqlite
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


async def test_sqlite_is_tuned_for_a_bot(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/tuned.sqlite3")
    async with database.engine.connect() as connection:
        journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
        busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
        secure_delete = (await connection.execute(text("PRAGMA secure_delete"))).scalar()
    await database.close()
    assert (journal, foreign_keys, busy, secure_delete) == ("wal", 1, bot_sqlite.STATEMENT_BUSY_TIMEOUT_MS, 1)
    # The bot asks for secure deletion itself: a build where it is off by default gets it too.
    with closing(sqlite3.connect(tmp_path / "plain.sqlite3")) as plain:
        plain.execute("PRAGMA secure_delete=OFF")
        bot_sqlite.tune(plain, None)
        assert plain.execute("PRAGMA secure_delete").fetchone() == (1,)


async def test_a_transaction_waits_for_another_process_s_write_lock_with_the_loop_free(
    tmp_path: Path,
) -> None:
    """SQLite runs on the event loop's thread: a transaction that finds the write lock held elsewhere (another
    process; here a second engine) waits for it with the loop free, then goes on once it is released."""
    url = f"sqlite+aiosqlite:///{tmp_path}/shared.sqlite3"
    holder, waiter = Database(url), Database(url)
    await holder.upgrade()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    locked = asyncio.Event()

    async def second() -> int:
        await locked.wait()
        async with waiter.transaction() as other:
            return int((await other.execute(text("SELECT count(*) FROM users"))).scalar_one())

    ticking, waiting = asyncio.create_task(tick()), asyncio.create_task(second())
    async with holder.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO users (id, language, privacy_accepted_at, created_at) VALUES (1, 'fr', :t, :t)"
            ),
            {"t": MIDNIGHT},
        )
        locked.set()
        await asyncio.sleep(0.3)  # the write lock is held: the second transaction waits, the loop does not
        assert not waiting.done() and ticks >= 10
    assert await asyncio.wait_for(waiting, 5) == 1  # it saw what the first one committed
    ticking.cancel()
    await holder.close()
    await waiter.close()


MIDNIGHT = datetime(2026, 1, 1, tzinfo=UTC)
IMPORTED_WITH_DEFAULTS = {  # a row the importer of the first version wrote for a file that gave little
    "kind": "room", "beds": 3, "bedrooms": 1, "welcome": "any", "step_free": "unknown", "pets": False,
    "children": True, "smoking": False, "equipment": "[]", "transport": "[]", "languages": "[]", "cost": "free",
}  # fmt: skip
IMPORTED_FROM_A_RICH_FILE = {
    "kind": "hotel", "beds": 8, "bedrooms": 4, "welcome": "family", "step_free": "yes", "pets": True,
    "children": False, "smoking": True, "equipment": '["kitchen"]', "transport": "[]", "languages": '["uk"]',
    "cost": "rent",
}  # fmt: skip


async def test_facts_an_import_invented_become_not_stated(database_url: str) -> None:
    """Migration 0006: an imported value equal to the importer's default is not stated; the rest is kept."""
    from alembic import command

    from storage.db import alembic_config

    database = Database(database_url)
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0005"))
        await connection.execute(
            text(
                "INSERT INTO users (id, language, privacy_accepted_at, created_at) VALUES (7, 'fr', :t, :t)"
            ),
            {"t": MIDNIGHT},
        )
        for offer_id, host, key, facts in (
            (1, None, "a" * 64, IMPORTED_WITH_DEFAULTS),
            (2, None, "b" * 64, IMPORTED_FROM_A_RICH_FILE),
            (3, 7, None, IMPORTED_WITH_DEFAULTS),  # a host answered every question: kept as it is
        ):
            columns = ", ".join(facts)
            values = ", ".join(f":{name}" for name in facts)
            await connection.execute(
                text(
                    "INSERT INTO offers (id, host_id, status, commune_insee, commune_name, departement, latitude,"
                    " longitude, people, available_from, created_at, updated_at, last_confirmed_at,"
                    f" qualification, import_key, {columns}) VALUES (:id, :host, 'available', '44109', 'Nantes',"
                    " '44', 47.2, -1.5, 3, :day, :t, :t, :t, 'unqualified', :key, " + values + ")"
                ),
                {"id": offer_id, "host": host, "key": key, "t": MIDNIGHT, "day": MIDNIGHT.date(), **facts},
            )
    await database.upgrade()
    names = list(IMPORTED_WITH_DEFAULTS)
    async with database.engine.connect() as connection:
        rows = {
            row[0]: dict(zip(names, row[1:], strict=True))
            for row in await connection.execute(
                text(f"SELECT id, {', '.join(names)} FROM offers ORDER BY id")
            )
        }
    await database.close()
    assert rows[1] == dict.fromkeys(names)
    assert {name: value for name, value in rows[2].items() if value in (None, "[]")} == {"transport": None}
    assert rows[3]["kind"] == "room" and rows[3]["pets"] in (False, 0) and rows[3]["equipment"] in ("[]", [])


async def test_a_failed_transaction_leaves_nothing_behind_not_even_the_claim(database_url: str) -> None:
    """SQLite too: the update's claim and every other write roll back together."""
    import pytest

    from storage import inbox, users

    database = Database(database_url)
    await database.upgrade()
    async with database.transaction() as session:
        await inbox.store(session, [inbox.Arrival(1, 5, {"update_id": 1})], MIDNIGHT)
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            claimed = await inbox.take_next(session, MIDNIGHT)
            assert claimed is not None and claimed[0] == 1
            await users.register(session, 5, "fr", MIDNIGHT)
            raise RuntimeError("the handler failed")
    async with database.transaction() as session:
        again = await inbox.take_next(session, MIDNIGHT)
        registered = await users.find(session, 5)
    await database.close()
    assert again == (1, {"update_id": 1}) and registered is None  # what it said, back with the rollback


async def test_the_rows_of_leases_a_lock_a_daily_task_and_a_reading_mark(database_url: str) -> None:
    """The three uses of `leases`, each on its first call (the row is created) and after."""
    database = Database(database_url)
    await database.upgrade()
    minute, hour = timedelta(minutes=1), timedelta(hours=1)
    async with database.transaction() as session:
        taken = [
            await alerts.take_lease(session, "sweeper", "first", MIDNIGHT, minute),  # new
            await alerts.take_lease(session, "sweeper", "second", MIDNIGHT + minute / 2, minute),  # held
            await alerts.take_lease(
                session, "sweeper", "first", MIDNIGHT + minute / 2, minute
            ),  # its own, renewed
            await alerts.take_lease(
                session, "sweeper", "second", MIDNIGHT + minute, minute
            ),  # not yet expired
            await alerts.take_lease(session, "sweeper", "second", MIDNIGHT + 2 * minute, minute),  # expired
        ]
        due = [
            await alerts.due_once(session, "daily", MIDNIGHT, hour),
            await alerts.due_once(session, "daily", MIDNIGHT + minute, hour),
            await alerts.due_once(session, "daily", MIDNIGHT + hour, hour),
            await alerts.due_once(session, "daily", MIDNIGHT + hour + minute, hour),
        ]
        read = [
            await alerts.read_up_to(session, "reader", MIDNIGHT),
            await alerts.read_up_to(session, "reader", MIDNIGHT + hour),
        ]
    async with database.transaction() as session:  # a new transaction reads the mark as committed
        read.append(await alerts.read_up_to(session, "reader", MIDNIGHT + 2 * hour))
    await database.close()
    assert taken == [True, False, True, False, True]
    assert due == [True, False, True, False]
    assert read == [None, MIDNIGHT, MIDNIGHT + hour]
