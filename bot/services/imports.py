"""Importing offers: the use cases around the pure importer, for the bot's dialogue and the command line.

:func:`import_offers` writes the valid rows of a checked table as offers managed by an organisation, every
one at once or nothing (in the caller's transaction); :func:`mark_already_imported` tells the preview which
rows were imported before; :func:`import_file` is the whole import of a file from the command line (read,
recognise the columns, check, bring the schema up to date, write in one transaction, build the error
report; the file is read by ``bot.services.reader``). The table writes themselves (batches, COPY on
PostgreSQL) are ``storage.imports``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import offers as domain
from bot.domain.importing.mapping import Mapping, Requirement, propose_mapping
from bot.domain.importing.problems import Problem, ProblemKind, RowResult, RowStatus
from bot.domain.importing.reading import MAX_BYTES, ImportRefusal, RefusalReason
from bot.domain.importing.report import describe_problem, error_report
from bot.domain.importing.rows import validate
from bot.domain.offer_schema import ALWAYS_STATED
from bot.domain.offers import Qualification
from bot.domain.validation import normalise_departement
from bot.services.reader import read_file
from storage import imports as tables
from storage.db import Database
from storage.offers import EDITABLE

BATCH: Final = 2000
"""Rows per INSERT call (SQLAlchemy splits each into statements within the parameter limits)."""
IMPORTED: Final = "imported"
"""The action of the history event written for each imported offer."""
PARIS: Final = ZoneInfo("Europe/Paris")


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


async def mark_already_imported(session: AsyncSession, results: Sequence[RowResult]) -> list[RowResult]:
    """The results, valid rows imported before now marked ALREADY_IMPORTED (for the preview's counts)."""
    known = await tables.existing_keys(session, (r.import_key for r in results if r.ok and r.import_key))
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
    """The columns of the offer a valid row becomes: available, not yet qualified, kept by the organisation."""
    fields = result.fields
    if fields is None or result.import_key is None or len(result.import_key) != 64:
        raise ValueError(f"line {result.line}: not a valid row")
    if any(fields.get(name) is None for name in ALWAYS_STATED):  # validate() checked the rest
        raise ValueError(f"line {result.line}: incomplete offer")
    values = {key: fields.get(key) for key in EDITABLE}
    values.update(
        host_id=None,
        status=domain.Status.AVAILABLE.value,
        created_at=now,
        updated_at=now,
        last_confirmed_at=now,
        stale_since=None,
        qualification=Qualification.UNQUALIFIED,
        managed_by=organisation,
        import_key=result.import_key,
    )
    return values


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
    neither). Any database error propagates (``storage.imports.ConcurrentImportError`` when another
    import wrote some of the same offers meanwhile): the caller's rollback then leaves nothing written.
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
    for start in range(0, len(values), batch_size):
        events = []
        for offer_id, key in await tables.insert_offers(session, values[start : start + batch_size]):
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
        await tables.insert_events(session, events)
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
    table = await read_file(data, path.name)
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
