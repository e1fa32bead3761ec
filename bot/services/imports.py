"""Importing offers: the use cases around the pure importer, for the bot's dialogue and the command line.

:func:`import_offers` synchronises the offers an organisation manages with the valid rows of its checked
file, every change at once or nothing (in the caller's transaction); :func:`plan_for` tells the preview what
it would do; :func:`import_file` is the whole import of a file from the command line (read, recognise the
columns, check, bring the schema up to date, write in one transaction, build the error report; the file is
read by ``bot.services.reader``). The table writes themselves (batches, COPY on PostgreSQL) are
``storage.imports``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import offers as domain
from bot.domain.importing.mapping import Mapping, Requirement, propose_mapping
from bot.domain.importing.problems import Problem, RowResult
from bot.domain.importing.reading import MAX_BYTES, ImportRefusal, RefusalReason
from bot.domain.importing.report import describe_problem, error_report
from bot.domain.importing.rows import validate
from bot.domain.importing.sync import REOPENED, Match, Plan, plan_import
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
ABSENT_FROM_FILE: Final = "absent_from_file"
"""Why an offer was withdrawn by an import: its organisation's complete file no longer lists it."""
PARIS: Final = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did. ``imported``: offers created; ``updated``: offers imported before that the file
    changed; ``unchanged``: offers the file lists as they are (updated and unchanged ones are confirmed as
    still available); ``withdrawn``: the organisation's offers absent from a complete file; ``already_imported``:
    rows whose offer someone else keeps (skipped); ``failed``: rows not imported (in the error report)."""

    imported: int
    already_imported: int
    failed: int
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    offer_ids: tuple[int, ...] = ()
    already_imported_lines: tuple[int, ...] = ()
    failed_lines: tuple[int, ...] = ()


def _scope(departement: str | Iterable[str]) -> frozenset[str]:
    codes = [departement] if isinstance(departement, str) else list(departement)
    scope = {normalise_departement(code) for code in codes}
    if None in scope or not scope:
        raise ValueError(f"not a département: {departement!r}")
    return frozenset(code for code in scope if code is not None)


def organisation_name(typed: str) -> str:
    """The organisation as offers record it (spaces collapsed, 200 characters at most)."""
    return " ".join(typed.split())[:200]


async def plan_for(
    session: AsyncSession, rows: Sequence[RowResult], *, organisation: str, departement: str | Iterable[str],
    today: date,
) -> Plan:  # fmt: skip
    """What importing these rows for ``organisation`` would do (nothing written): the preview's counts."""
    kept = await tables.offers_kept_by(session, organisation_name(organisation), _scope(departement))
    known = await tables.offers_by_fingerprint(
        session, (row.import_key for row in rows if row.ok and row.import_key)
    )
    return plan_import(rows, kept, known, today)


def _offer_values(
    result: RowResult, organisation: str, actor_id: int | None, now: datetime
) -> dict[str, Any]:
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
        imported_by=actor_id,
        source_id=result.source_id,
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
    complete: bool = False,
    batch_size: int = BATCH,
) -> ImportOutcome:
    """Synchronise the organisation's offers with the checked rows of its file, in the caller's transaction:
    new rows become available offers managed by ``organisation`` (no Telegram host), rows of offers imported
    before update and confirm them (see ``bot.domain.importing.sync``), and when the file is ``complete`` the
    organisation's offers it no longer lists are withdrawn. Every change has its event by ``actor_id`` at
    ``now``.

    Raises ValueError, before writing anything, for an empty organisation, a row outside ``departement`` or a
    row that is not a complete offer (programming errors: ``validate`` gives neither). Any database error
    propagates (``storage.imports.ConcurrentImportError`` when another import wrote some of the same offers
    meanwhile): the caller's rollback then leaves nothing written.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    organisation = organisation_name(organisation)
    if not organisation:
        raise ValueError("an import needs the name of the organisation managing the offers")
    scope = _scope(departement)
    for row in rows:
        if row.ok and row.fields is not None and row.fields.get("departement") not in scope:
            raise ValueError(f"line {row.line}: commune outside {sorted(scope)}")
    await tables.one_import_at_a_time(session, organisation)
    plan = await plan_for(session, rows, organisation=organisation, departement=scope,
                          today=now.astimezone(PARIS).date())  # fmt: skip
    created = await _create(session, plan.create, organisation, actor_id, now, batch_size)
    await _update(session, plan, actor_id, now)
    withdrawn = [offer.id for offer in plan.absent] if complete else []
    await tables.update_offers(
        session, [{"id": offer_id, "status": domain.Status.WITHDRAWN.value, "updated_at": now} for offer_id in withdrawn]
    )  # fmt: skip
    await tables.insert_events(session, [
        _event(offer.id, actor_id, "status", now, previous=offer.status, status=domain.Status.WITHDRAWN.value,
               reason=ABSENT_FROM_FILE)
        for offer in plan.absent if offer.id in set(withdrawn)
    ])  # fmt: skip
    inserted = {key for _, key in created}
    lost = [row.line for row in plan.create if row.import_key not in inserted]  # lost a race
    return ImportOutcome(
        imported=len(created),
        already_imported=len(plan.elsewhere) + len(lost),
        failed=len(plan.failed),
        updated=len(plan.update),
        unchanged=len(plan.unchanged),
        withdrawn=len(withdrawn),
        offer_ids=tuple(offer_id for offer_id, _ in created),
        already_imported_lines=tuple(sorted([row.line for row in plan.elsewhere] + lost)),
        failed_lines=tuple(row.line for row in plan.failed),
    )


def _event(offer_id: int, actor_id: int | None, action: str, now: datetime, **detail: Any) -> dict[str, Any]:
    return {"offer_id": offer_id, "actor_id": actor_id, "action": action, "detail": detail, "at": now}


async def _create(
    session: AsyncSession, rows: Sequence[RowResult], organisation: str, actor_id: int | None, now: datetime,
    batch_size: int,
) -> list[tuple[int, str]]:  # fmt: skip
    """New offers, each with its "imported" event; (id, fingerprint) of each."""
    values = [_offer_values(row, organisation, actor_id, now) for row in rows]
    line_of = {row.import_key: row.line for row in rows}
    created: list[tuple[int, str]] = []
    for start in range(0, len(values), batch_size):
        batch = await tables.insert_offers(session, values[start : start + batch_size])
        created += batch
        await tables.insert_events(session, [
            _event(offer_id, actor_id, IMPORTED, now, organisation=organisation, line=line_of[key])
            for offer_id, key in batch
        ])  # fmt: skip
    return created


async def _update(session: AsyncSession, plan: Plan, actor_id: int | None, now: datetime) -> None:
    """Offers the file lists: their new facts, fingerprint and id in the file written, all confirmed as still
    available. A fingerprint another offer has is left as it was (the row is that offer by its id)."""
    known = await tables.offers_by_fingerprint(
        session, (match.row.import_key or "" for match in plan.matched)
    )

    def ids(match: Match) -> dict[str, Any]:
        other = known.get(match.row.import_key or "")
        key = match.row.import_key if other is None or other.id == match.offer.id else match.offer.import_key
        return {
            "id": match.offer.id,
            "source_id": match.row.source_id or match.offer.source_id,
            "import_key": key,
        }

    updated, events = [], []
    for match in plan.update:
        assert match.row.fields is not None
        status = domain.Status.AVAILABLE.value if REOPENED in match.changed else match.offer.status
        updated.append({**{key: match.row.fields.get(key) for key in EDITABLE}, **ids(match), "status": status,
                        "updated_at": now})  # fmt: skip
        facts = [name for name in match.changed if name != REOPENED]
        if facts:
            events.append(_event(match.offer.id, actor_id, "updated", now, fields=facts, line=match.row.line))
        if REOPENED in match.changed:
            events.append(_event(match.offer.id, actor_id, "status", now, previous=match.offer.status,
                                 status=status, line=match.row.line))  # fmt: skip
    await tables.update_offers(session, updated)
    renamed = [ids(match) for match in plan.unchanged]
    await tables.update_offers(session, [
        new for new, match in zip(renamed, plan.unchanged, strict=True)
        if (new["source_id"], new["import_key"]) != (match.offer.source_id, match.offer.import_key)
    ])  # fmt: skip
    await tables.confirm_offers(session, [match.offer.id for match in plan.matched], now)
    events += [
        _event(match.offer.id, actor_id, "confirmed", now, line=match.row.line) for match in plan.matched
    ]
    await tables.insert_events(session, events)


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
    complete: bool = False,
) -> FileImport:
    """Import a file from the command line: read, recognise the columns (unrecognised ones are left
    out), check, synchronise in one transaction (the schema is brought up to date first). ``complete``: the
    file lists every offer of the organisation there, so those it no longer lists are withdrawn."""
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
            outcome = await import_offers(session, results, organisation=organisation, actor_id=actor_id,
                                          departement=scope, now=now, complete=complete)  # fmt: skip
    finally:
        await database.close()
    report = await asyncio.to_thread(error_report, table, results, describe) if outcome.failed else None
    return FileImport(outcome=outcome, report=report, mapping=chosen)
