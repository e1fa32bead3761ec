"""Writing imported offers and their history events in bulk, and reading the offers a file may designate.

Offers and their "imported" events are written in bulk, never as ORM objects one by one: on SQLite a Core
``INSERT`` executemany per batch, on PostgreSQL (asyncpg) a ``COPY`` in the same transaction, elsewhere
``INSERT … RETURNING``; 20 000 rows take a few seconds. Updates and confirmations of offers imported before
are executemany ``UPDATE``s. Known fingerprints are looked up in chunks (``IN`` lists of 500). Imports for one
organisation run one at a time (:func:`one_import_at_a_time`: a lock on PostgreSQL; SQLite runs one write
transaction at a time anyway), so that two of them never both create the offer with one id in the file. Two
imports racing on the same rows for different organisations: the unique index settles it and the loser raises
:class:`ConcurrentImportError` (roll back, import again: nothing is duplicated). Everything runs in the
caller's session; the use case is ``bot.services.imports``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Final, TypeVar

from sqlalchemy import JSON, Table, bindparam, text, update
from sqlalchemy import select as select_columns
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from bot.domain.importing.sync import KnownOffer
from bot.domain.offer_schema import COLUMNS
from storage.models import Offer, OfferEvent

KEY_CHUNK: Final = 500
"""Fingerprints looked up per query (IN lists stay well under every driver's parameter limit)."""
T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_KNOWN = (Offer.id, Offer.managed_by, Offer.host_id, Offer.departement, Offer.status, Offer.source_id,
          Offer.import_key, *(getattr(Offer, column) for column in COLUMNS))  # fmt: skip


def _known(row: Sequence[Any]) -> KnownOffer:
    offer_id, managed_by, host_id, departement, status, source_id, import_key = row[:7]
    facts = dict(zip(COLUMNS, row[7:], strict=True))
    return KnownOffer(offer_id, managed_by, host_id, departement, status, source_id, import_key, facts)


async def offers_by_fingerprint(session: AsyncSession, keys: Iterable[str]) -> dict[str, KnownOffer]:
    """The offers whose fingerprint is among ``keys``, whoever keeps them (one query per KEY_CHUNK keys)."""
    unique = list(dict.fromkeys(key for key in keys if key))
    found: dict[str, KnownOffer] = {}
    for chunk in _chunks(unique, KEY_CHUNK):
        rows = await session.execute(select_columns(*_KNOWN).where(col(Offer.import_key).in_(chunk)))
        found.update((offer.import_key, offer) for offer in map(_known, rows) if offer.import_key)
    return found


async def offers_kept_by(
    session: AsyncSession, organisation: str, departements: Collection[str]
) -> list[KnownOffer]:
    """The offers an organisation keeps in these départements (imported, no host), anonymised ones left out."""
    query = select_columns(*_KNOWN).where(
        col(Offer.managed_by) == organisation, col(Offer.host_id).is_(None),
        col(Offer.departement).in_(sorted(departements)), col(Offer.anonymised_at).is_(None),
    )  # fmt: skip
    return [_known(row) for row in await session.execute(query.order_by(col(Offer.id)))]


async def one_import_at_a_time(session: AsyncSession, organisation: str) -> None:
    """Wait for any other import for this organisation to end (PostgreSQL: a lock held until the end of the
    transaction; SQLite already runs one write transaction at a time)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"import:{organisation}".encode()).digest()
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest[:8], "big", signed=True)}
    )


async def update_offers(session: AsyncSession, changes: Sequence[dict[str, Any]]) -> None:
    """Write new values into offers: each change has the offer's ``id`` and the same other columns."""
    if not changes:
        return
    table = _table(Offer)
    columns = [name for name in changes[0] if name != "id"]
    statement = (
        update(table)
        .where(table.c.id == bindparam("offer"))
        .values({name: bindparam(f"new_{name}") for name in columns})
    )
    rows = [
        {"offer": change["id"], **{f"new_{name}": change[name] for name in columns}} for change in changes
    ]
    for chunk in _chunks(rows, 1000):
        await session.execute(statement, list(chunk), execution_options={"synchronize_session": False})


async def confirm_offers(session: AsyncSession, offer_ids: Sequence[int], now: datetime) -> None:
    """Confirmed as still available now (fresh again, back in the default search if they were stale)."""
    for chunk in _chunks(offer_ids, KEY_CHUNK):
        await session.execute(
            update(Offer).where(col(Offer.id).in_(chunk)).values(last_confirmed_at=now, stale_since=None),
            execution_options={"synchronize_session": False},
        )


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
