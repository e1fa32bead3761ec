"""Writing imported offers and their history events in bulk, and looking up known fingerprints.

Offers and their "imported" events are written in bulk, never as ORM objects one by one: on SQLite a Core
``INSERT`` executemany per batch, on PostgreSQL (asyncpg) a ``COPY`` in the same transaction, elsewhere
``INSERT … RETURNING``; 20 000 rows take a few seconds. Known fingerprints are looked up in chunks (``IN``
lists of 500). Two imports racing on the same file: the unique index settles it and the loser raises
:class:`ConcurrentImportError` (roll back, import again: nothing is duplicated). Everything runs in the
caller's session; the use case is ``bot.services.imports``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Final, TypeVar

from sqlalchemy import JSON, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from storage.models import Offer, OfferEvent

KEY_CHUNK: Final = 500
"""Fingerprints looked up per query (IN lists stay well under every driver's parameter limit)."""
T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def existing_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """The fingerprints among ``keys`` that an offer already has (one query per KEY_CHUNK keys)."""
    unique = list(dict.fromkeys(key for key in keys if key))
    found: set[str] = set()
    for chunk in _chunks(unique, KEY_CHUNK):
        rows = await session.scalars(select(Offer.import_key).where(col(Offer.import_key).in_(chunk)))
        found.update(key for key in rows if key)
    return found


def _table(model: type[SQLModel]) -> Table:
    table = getattr(model, "__table__", None)
    assert isinstance(table, Table)
    return table


class ConcurrentImportError(RuntimeError):
    """Another import wrote some of the same offers meanwhile: roll back and import again (those rows will
    then count as already imported)."""


async def insert_offers(session: AsyncSession, batch: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """Insert a batch of offers; (id, import_key) of those inserted. A fingerprint another transaction
    wrote since the lookup is skipped (unique index, ``ON CONFLICT DO NOTHING``)."""
    table = _table(Offer)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # SQLite: a plain executemany (fast), then the ids by fingerprint. Only one transaction writes at a
        # time, so a skipped row means another import committed the same offer since the lookup.
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=[table.c.import_key])
        result: Any = await session.execute(statement, list(batch))
        if result.rowcount != len(batch):
            raise ConcurrentImportError("some of these offers were imported meanwhile")
        keys = [offer["import_key"] for offer in batch]
        found: list[tuple[int, str]] = []
        for chunk in _chunks(keys, KEY_CHUNK):
            query = select(Offer.id, Offer.import_key).where(col(Offer.import_key).in_(chunk))
            found.extend((offer_id, key) for offer_id, key in (await session.execute(query)).all())
        return found
    driver = await _asyncpg_connection(session)
    if driver is not None:
        return await _copy_offers(session, driver, batch)
    if dialect == "postgresql":
        insert: Any = postgresql.insert(table).on_conflict_do_nothing(index_elements=[table.c.import_key])
    else:  # other databases: the lookup before already left out the known rows
        insert = table.insert()
    rows = await session.execute(insert.returning(table.c.id, table.c.import_key), list(batch))
    return [(offer_id, key) for offer_id, key in rows.all()]


async def _asyncpg_connection(session: AsyncSession) -> Any | None:
    """The asyncpg connection under the session (PostgreSQL through asyncpg), else None."""
    if session.get_bind().dialect.driver != "asyncpg":
        return None
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    return driver if hasattr(driver, "copy_records_to_table") else None


async def _copy_rows(driver: Any, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    columns = list(rows[0])
    as_json = [isinstance(table.c[name].type, JSON) for name in columns]
    records = [
        tuple(
            json.dumps(row[name]) if encode else row[name]
            for name, encode in zip(columns, as_json, strict=True)
        )
        for row in rows
    ]
    try:
        await driver.copy_records_to_table(table.name, records=records, columns=columns)
    except Exception as error:
        if type(error).__name__ == "UniqueViolationError":
            raise ConcurrentImportError("some of these offers were imported meanwhile") from error
        raise


async def _copy_offers(
    session: AsyncSession, driver: Any, batch: Sequence[dict[str, Any]]
) -> list[tuple[int, str]]:
    """PostgreSQL through asyncpg: COPY (much faster than INSERT for thousands of rows), in the session's
    transaction, then the ids by fingerprint. A fingerprint written meanwhile by another import makes
    the COPY fail: ConcurrentImportError."""
    await _copy_rows(driver, _table(Offer), batch)
    keys = [offer["import_key"] for offer in batch]
    found: list[tuple[int, str]] = []
    for chunk in _chunks(keys, KEY_CHUNK * 10):
        query = select(Offer.id, Offer.import_key).where(col(Offer.import_key).in_(chunk))
        found.extend((offer_id, key) for offer_id, key in (await session.execute(query)).all())
    return found


async def insert_events(session: AsyncSession, events: list[dict[str, Any]]) -> None:
    """Insert history events of offers (COPY on PostgreSQL through asyncpg)."""
    if not events:
        return
    driver = await _asyncpg_connection(session)
    if driver is not None:
        await _copy_rows(driver, _table(OfferEvent), events)
    else:
        await session.execute(_table(OfferEvent).insert(), events)
