"""Importing an organisation's file again synchronises its offers: rows with their id in the file update their
offer, unchanged rows confirm it, new rows create offers, and a complete file withdraws the offers it no longer
lists (on the database, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bot.domain.importing.mapping import Target, propose_mapping
from bot.domain.importing.problems import ProblemKind
from bot.domain.importing.rows import validate
from bot.services.imports import ABSENT_FROM_FILE, ImportOutcome, import_file, import_offers, plan_for
from storage.db import Database
from storage.models import Offer, OfferEvent
from tests.test_importing import csv_bytes, table_of

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=20)
ORGANISATION = "Croix-Rouge 44"
COORDINATOR = 5001
HEADERS = ["Réf.", "Commune", "Code postal", "Nombre de places", "Date de disponibilité", "Jusqu'au"]
FIRST = [
    ["A-1", "Nantes", "44000", "2", "01/12/2026", "31/05/2027"],
    ["A-2", "Rezé", "44400", "3", "01/12/2026", "31/05/2027"],
    ["A-3", "Clisson", "44190", "4", "01/12/2026", "31/05/2027"],
    ["A-4", "Guérande", "44350", "5", "01/12/2026", "31/05/2027"],
]


def results_of(rows: list[list[str]], today: date, headers: list[str] = HEADERS) -> list[Any]:
    table = table_of(csv_bytes([headers, *rows]), "offres.csv")
    return validate(table, propose_mapping(table.headers), "44", today)


async def sync(database: Database, rows: list[list[str]], now: datetime, *, complete: bool = False,
               headers: list[str] = HEADERS, organisation: str = ORGANISATION) -> ImportOutcome:  # fmt: skip
    results = results_of(rows, now.date(), headers)
    async with database.transaction() as session:
        return await import_offers(session, results, organisation=organisation, actor_id=COORDINATOR,
                                   departement="44", now=now, complete=complete)  # fmt: skip


async def offers_by_source(database: Database) -> dict[str, Offer]:
    async with database.transaction() as session:
        return {o.source_id or "": o for o in await session.scalars(select(Offer).order_by(col(Offer.id)))}


async def events_of(database: Database, offer_id: int) -> list[tuple[str, dict[str, Any]]]:
    async with database.transaction() as session:
        rows = await session.scalars(
            select(OfferEvent).where(OfferEvent.offer_id == offer_id).order_by(col(OfferEvent.id))
        )
        return [(event.action, event.detail) for event in rows]


def test_the_rows_id_in_the_file_is_recognised_and_read_even_in_a_failed_row() -> None:
    assert propose_mapping(HEADERS).targets[0] == Target.SOURCE_ID
    results = results_of([*FIRST, ["A-9", "Atlantide", "", "2", "", ""], ["A-1", "Rezé", "44400", "6", "", ""]],
                         NOW.date())  # fmt: skip
    assert [r.source_id for r in results] == ["A-1", "A-2", "A-3", "A-4", "A-9", "A-1"]
    assert results[4].fields is None  # failed, its id known all the same
    assert [p.kind for p in results[5].problems] == [ProblemKind.DUPLICATE_IN_FILE]  # one id, one offer


async def test_reimport_updates_by_id_confirms_unchanged_creates_and_withdraws_when_complete(
    database_url: str,
) -> None:
    database = Database(database_url)
    await database.upgrade()
    first = await sync(database, FIRST, NOW)
    assert first.imported == 4
    before = await offers_by_source(database)
    assert {o.imported_by for o in before.values()} == {COORDINATOR}
    async with database.transaction() as session:  # offers gone stale since, one withdrawn by its keeper
        for source in ("A-1", "A-2"):
            offer = await session.get(Offer, before[source].id)
            assert offer is not None
            offer.stale_since = NOW + timedelta(days=19)
        withdrawn = await session.get(Offer, before["A-4"].id)
        assert withdrawn is not None
        withdrawn.status = "withdrawn"

    second = [
        FIRST[0],  # unchanged
        ["A-2", "Rezé", "44400", "6", "01/12/2026", "31/07/2027"],  # more people, later end
        ["A-4", "Guérande", "44350", "5", "01/12/2026", "31/05/2027"],  # listed again: available again
        ["A-5", "Saint-Nazaire", "44600", "2", "01/01/2027", ""],  # new
        ["A-6", "Atlantide", "", "2", "", ""],  # fails: reported, not imported
    ]  # A-3 is absent
    async with database.transaction() as session:
        plan = await plan_for(session, results_of(second, LATER.date()), organisation=ORGANISATION,
                              departement="44", today=LATER.date())  # fmt: skip
    assert [r.source_id for r in plan.create] == ["A-5"]
    assert [(m.offer.source_id, m.changed) for m in plan.update] == [
        ("A-2", ("people", "available_until")), ("A-4", ("status",)),
    ]  # fmt: skip
    assert [m.offer.source_id for m in plan.unchanged] == ["A-1"]
    assert [o.source_id for o in plan.absent] == ["A-3"] and len(plan.failed) == 1

    outcome = await sync(database, second, LATER, complete=True)
    assert (outcome.imported, outcome.updated, outcome.unchanged, outcome.withdrawn, outcome.failed) == (
        1,
        2,
        1,
        1,
        1,
    )
    after = await offers_by_source(database)
    assert len(after) == 5
    assert after["A-2"].people == 6 and after["A-2"].available_until == date(2027, 7, 31)
    assert after["A-2"].id == before["A-2"].id and after["A-2"].updated_at == LATER
    for source in ("A-1", "A-2", "A-4"):  # confirmed by the import, back in the default search
        assert after[source].last_confirmed_at == LATER and after[source].stale_since is None
    assert after["A-4"].status == "available" and after["A-3"].status == "withdrawn"
    assert after["A-5"].imported_by == COORDINATOR and after["A-5"].managed_by == ORGANISATION
    assert await events_of(database, after["A-3"].id or 0) == [
        ("imported", {"organisation": ORGANISATION, "line": 4}),
        ("status", {"previous": "available", "status": "withdrawn", "reason": ABSENT_FROM_FILE}),
    ]
    assert [action for action, _ in await events_of(database, after["A-2"].id or 0)] == [
        "imported",
        "updated",
        "confirmed",
    ]
    assert [action for action, _ in await events_of(database, after["A-1"].id or 0)] == [
        "imported",
        "confirmed",
    ]

    # The same file again: nothing changes but the confirmations.
    again = await sync(database, second, LATER + timedelta(days=1), complete=True)
    assert (again.imported, again.updated, again.unchanged, again.withdrawn) == (0, 0, 4, 0)
    await database.close()


async def test_partial_file_keeps_absent_offers_and_a_failed_row_keeps_its_offer(database_url: str) -> None:
    database = Database(database_url)
    await database.upgrade()
    await sync(database, FIRST, NOW)
    broken = [
        "A-2",
        "Rezé",
        "44400",
        "-3",
        "01/12/2026",
        "",
    ]  # unreadable now: A-2 is in the file all the same
    partial = await sync(database, [FIRST[0], broken], LATER)
    assert (partial.unchanged, partial.withdrawn, partial.failed) == (1, 0, 1)
    complete = await sync(database, [FIRST[0], broken], LATER, complete=True)
    assert complete.withdrawn == 2  # not A-2
    statuses = {source: o.status for source, o in (await offers_by_source(database)).items()}
    assert statuses == {"A-1": "available", "A-2": "available", "A-3": "withdrawn", "A-4": "withdrawn"}
    await database.close()


async def test_a_file_without_ids_is_recognised_by_fingerprint_then_gets_its_ids(database_url: str) -> None:
    database = Database(database_url)
    await database.upgrade()
    without = [row[1:] for row in FIRST]
    await sync(database, without, NOW, headers=HEADERS[1:])
    assert set(await offers_by_source(database)) == {""}
    same = await sync(database, without, LATER, headers=HEADERS[1:], complete=True)
    assert (same.imported, same.unchanged, same.withdrawn) == (0, 4, 0)
    adopted = await sync(database, FIRST, LATER)  # the same rows, now with their ids
    assert (adopted.imported, adopted.unchanged) == (0, 4)
    assert set(await offers_by_source(database)) == {"A-1", "A-2", "A-3", "A-4"}
    # Another organisation's file with the same rows creates nothing and withdraws nothing of ours.
    other = await sync(database, FIRST, LATER, organisation="Secours populaire", complete=True)
    assert (other.imported, other.already_imported, other.withdrawn) == (0, 4, 0)
    await database.close()


async def test_two_imports_at_once_never_create_an_offer_twice(database_url: str) -> None:
    database = Database(database_url)
    await database.upgrade()
    corrected = [[*row[:3], str(int(row[3]) + 1), *row[4:]] for row in FIRST]  # the same ids, other content
    outcomes = await asyncio.gather(sync(database, FIRST, NOW), sync(database, corrected, NOW))
    assert sorted((o.imported, o.updated) for o in outcomes) == [(0, 4), (4, 0)]
    assert len(await offers_by_source(database)) == 4
    await database.close()


async def test_command_line_import_complete(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "offres.csv"
    path.write_bytes(csv_bytes([HEADERS, *FIRST]))
    done = await import_file(database_url, path, "44", ORGANISATION, now=NOW)
    assert done.outcome is not None and done.outcome.imported == 4
    path.write_bytes(csv_bytes([HEADERS, *FIRST[:2]]))
    kept = await import_file(database_url, path, "44", ORGANISATION, now=LATER)
    assert kept.outcome is not None and (kept.outcome.unchanged, kept.outcome.withdrawn) == (2, 0)
    withdrawn = await import_file(database_url, path, "44", ORGANISATION, now=LATER, complete=True)
    assert withdrawn.outcome is not None and (withdrawn.outcome.unchanged, withdrawn.outcome.withdrawn) == (
        2,
        2,
    )
