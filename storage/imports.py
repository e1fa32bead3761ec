"""Write the offers of an imported spreadsheet: every valid row at once, or nothing.

The rows come from ``bot.domain.importing.rows.validate``. Everything is written in the caller's session
(its transaction): if anything fails, the caller's rollback leaves the database as it was. Offers and
their "imported" history events are written in bulk, never as ORM objects one by one: on SQLite a Core
``INSERT`` executemany per batch, on PostgreSQL (asyncpg) a ``COPY`` in the same transaction, elsewhere
``INSERT … RETURNING``; 20 000 rows take a few seconds. Known fingerprints are looked up first, in
chunks (``IN`` lists of 500): a row whose ``import_key`` is already in the database is not written again
and counts as already imported, not as a failure. Two imports racing on the same file: the unique index
settles it and the loser raises :class:`ConcurrentImportError` (roll back, import again: nothing is
duplicated).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from bot.domain import offers as domain
from bot.domain.importing.mapping import Mapping, Requirement, propose_mapping
from bot.domain.importing.problems import Problem, ProblemKind, RowResult, RowStatus
from bot.domain.importing.reading import MAX_BYTES, ImportRefusal, RefusalReason, read_table
from bot.domain.importing.report import describe_problem, error_report
from bot.domain.importing.rows import validate
from bot.domain.validation import normalise_departement
from storage.db import Database
from storage.models import Offer, OfferEvent
from storage.offers import EDITABLE

KEY_CHUNK: Final = 500
"""Fingerprints looked up per query (IN lists stay well under every driver's parameter limit)."""
BATCH: Final = 2000
"""Rows per INSERT call (SQLAlchemy splits each into statements within the parameter limits)."""
IMPORTED: Final = "imported"
"""The action of the history event written for each imported offer."""
PARIS: Final = ZoneInfo("Europe/Paris")
T = TypeVar("T")


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did. ``failed`` counts the rows not imported because of an error (they are in
    the error report); ``already_imported`` the rows whose offer was imported before (not an error)."""

    imported: int
    already_imported: int
    failed: int
    offer_ids: tuple[int, ...] = ()
    already_imported_lines: tuple[int, ...] = ()
    failed_lines: tuple[int, ...] = ()


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


async def mark_already_imported(session: AsyncSession, results: Sequence[RowResult]) -> list[RowResult]:
    """The results, valid rows imported before now marked ALREADY_IMPORTED (for the preview's counts)."""
    known = await existing_keys(session, (r.import_key for r in results if r.ok and r.import_key))
    return [
        result.with_problem(Problem(ProblemKind.ALREADY_IMPORTED))
        if result.ok and result.import_key in known
        else result
        for result in results
    ]


def _scope(departement: str | Iterable[str]) -> frozenset[str]:
    codes = [departement] if isinstance(departement, str) else list(departement)
    scope = {normalise_departement(code) for code in codes}
    if None in scope or not scope:
        raise ValueError(f"not a département: {departement!r}")
    return frozenset(code for code in scope if code is not None)


def _offer_values(result: RowResult, organisation: str, now: datetime) -> dict[str, Any]:
    fields = result.fields
    if fields is None or result.import_key is None or len(result.import_key) != 64:
        raise ValueError(f"line {result.line}: not a valid row")
    if any(fields.get(name) is None for name in domain.REQUIRED):  # validate() checked the rest
        raise ValueError(f"line {result.line}: incomplete offer")
    values = {key: fields.get(key) for key in EDITABLE}
    for key in ("equipment", "transport", "languages"):
        values[key] = list(values[key] or [])
    values.update(
        host_id=None,
        status=domain.Status.AVAILABLE.value,
        created_at=now,
        updated_at=now,
        last_confirmed_at=now,
        stale_since=None,
        qualification="unqualified",
        managed_by=organisation,
        import_key=result.import_key,
    )
    return values


def _table(model: type[SQLModel]) -> Table:
    table = getattr(model, "__table__", None)
    assert isinstance(table, Table)
    return table


class ConcurrentImportError(RuntimeError):
    """Another import wrote some of the same offers meanwhile: roll back and import again (those rows will
    then count as already imported)."""


async def _insert_offers(session: AsyncSession, batch: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
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


async def _insert_events(session: AsyncSession, events: list[dict[str, Any]]) -> None:
    if not events:
        return
    driver = await _asyncpg_connection(session)
    if driver is not None:
        await _copy_rows(driver, _table(OfferEvent), events)
    else:
        await session.execute(_table(OfferEvent).insert(), events)


async def import_offers(
    session: AsyncSession,
    rows: Sequence[RowResult],
    *,
    organisation: str,
    actor_id: int | None,
    departement: str | Iterable[str],
    now: datetime,
    batch_size: int = BATCH,
) -> ImportOutcome:
    """Write the valid rows as available offers managed by ``organisation`` (no Telegram host), each
    with an "imported" event by ``actor_id`` at ``now``, in the caller's transaction.

    Rows already imported (same fingerprint) are skipped and counted; failed rows are only counted.
    Raises ValueError, before writing anything, for an empty organisation, a row outside
    ``departement`` or a row that is not a complete offer (programming errors: ``validate`` gives
    neither). Any database error propagates (ConcurrentImportError when another import wrote some of
    the same offers meanwhile): the caller's rollback then leaves nothing written.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    organisation = " ".join(organisation.split())[:200]
    if not organisation:
        raise ValueError("an import needs the name of the organisation managing the offers")
    scope = _scope(departement)
    marked = await mark_already_imported(session, rows)
    valid = [row for row in marked if row.status is RowStatus.VALID]
    values = [_offer_values(row, organisation, now) for row in valid]
    for row, offer in zip(valid, values, strict=True):
        if offer["departement"] not in scope:
            raise ValueError(f"line {row.line}: commune outside {sorted(scope)}")
    line_of = {row.import_key: row.line for row in valid}
    offer_ids: list[int] = []
    inserted_keys: set[str] = set()
    for batch in _chunks(values, batch_size):
        events = []
        for offer_id, key in await _insert_offers(session, batch):
            offer_ids.append(offer_id)
            inserted_keys.add(key)
            events.append(
                {
                    "offer_id": offer_id,
                    "actor_id": actor_id,
                    "action": IMPORTED,
                    "detail": {"organisation": organisation, "line": line_of[key]},
                    "at": now,
                }
            )
        await _insert_events(session, events)
    already = [r.line for r in marked if r.status is RowStatus.ALREADY_IMPORTED]
    already += [row.line for row in valid if row.import_key not in inserted_keys]  # lost a race
    failed = [r.line for r in marked if r.status is RowStatus.FAILED]
    return ImportOutcome(
        imported=len(offer_ids),
        already_imported=len(already),
        failed=len(failed),
        offer_ids=tuple(offer_ids),
        already_imported_lines=tuple(sorted(already)),
        failed_lines=tuple(failed),
    )


@dataclass(frozen=True)
class FileImport:
    """The result of :func:`import_file`: a refusal, an incomplete mapping (``missing``), or an outcome
    with the error report (.xlsx bytes, None when no row failed)."""

    outcome: ImportOutcome | None = None
    report: bytes | None = None
    refusal: ImportRefusal | None = None
    mapping: Mapping | None = None
    missing: tuple[Requirement, ...] = ()


async def import_file(
    database_url: str,
    path: str | Path,
    departement: str | Iterable[str],
    organisation: str,
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
    mapping: Mapping | None = None,
    describe: Callable[[Problem], str] = describe_problem,
) -> FileImport:
    """Import a file from the command line: read, recognise the columns (unrecognised ones are left
    out), check, write in one transaction (the schema is brought up to date first)."""
    path = Path(path)
    size = await asyncio.to_thread(lambda: path.stat().st_size)
    if size > MAX_BYTES:
        return FileImport(refusal=ImportRefusal(RefusalReason.TOO_BIG, {"size": size, "limit": MAX_BYTES}))
    data = await asyncio.to_thread(path.read_bytes)
    table = await asyncio.to_thread(read_table, data, path.name)
    if isinstance(table, ImportRefusal):
        return FileImport(refusal=table)
    chosen = mapping if mapping is not None and mapping.fits(table) else propose_mapping(table.headers)
    if chosen.missing():
        return FileImport(mapping=chosen, missing=tuple(chosen.missing()))
    now = now or datetime.now(UTC)
    scope = _scope(departement)
    results = await asyncio.to_thread(validate, table, chosen, scope, now.astimezone(PARIS).date())
    database = Database(database_url)
    try:
        await database.upgrade()
        async with database.transaction() as session:
            outcome = await import_offers(
                session, results, organisation=organisation, actor_id=actor_id, departement=scope, now=now
            )
    finally:
        await database.close()
    report = await asyncio.to_thread(error_report, table, results, describe) if outcome.failed else None
    return FileImport(outcome=outcome, report=report, mapping=chosen)
