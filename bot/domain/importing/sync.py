"""Importing an organisation's file again: which rows create an offer, update one or only confirm it, and
which of the organisation's offers the file no longer lists.

A row is the offer with its id in the file (``RowResult.source_id`` = ``offers.source_id``), else the
offer with its fingerprint (the same row as before, unchanged). Its offer is then confirmed as still
available, and updated if the row says something else; a withdrawn offer the file lists again is available
again. The organisation's offers that no row designates are *absent*: withdrawn only when the coordinator
says the file lists all of them. A row that fails keeps the offer with its id (it is in the file, unread).
Pure: the caller reads the offers (`KnownOffer`) and writes what the `Plan` says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain import offer_schema as schema
from bot.domain.importing.problems import RowResult, RowStatus
from bot.domain.offers import OPEN_TO_HOSTING, Status

REOPENED = "status"  # in `Match.changed`: a withdrawn offer is available again


@dataclass(frozen=True)
class KnownOffer:
    """An offer as the planner needs it: who keeps it, its ids in files, its status and facts."""

    id: int
    managed_by: str | None
    host_id: int | None
    departement: str
    status: str
    source_id: str | None
    import_key: str | None
    facts: Mapping[str, Any]  # the columns of offer_schema.COLUMNS


@dataclass(frozen=True)
class Match:
    """A row and the offer it designates; `changed`: the facts (schema names) the row changes, and
    REOPENED when a withdrawn offer is listed again."""

    row: RowResult
    offer: KnownOffer
    changed: tuple[str, ...]

    @property
    def adopts_id(self) -> bool:
        """The row gives the offer its id in the file (an offer imported before the file had ids)."""
        return self.row.source_id is not None and self.offer.source_id != self.row.source_id


@dataclass(frozen=True)
class Plan:
    """What importing a checked table does for one organisation."""

    create: tuple[RowResult, ...]
    update: tuple[Match, ...]
    unchanged: tuple[Match, ...]
    elsewhere: tuple[RowResult, ...]  # the same offer, kept by someone else (another organisation, a host)
    failed: tuple[RowResult, ...]
    absent: tuple[KnownOffer, ...]  # the organisation's offers open to hosting that no row designates

    @property
    def matched(self) -> tuple[Match, ...]:
        return self.update + self.unchanged


def _same(name: str, before: Any, after: Any, today: date) -> bool:
    if isinstance(before, list) and isinstance(after, list):
        return sorted(map(str, before)) == sorted(map(str, after))
    if name == schema.AVAILABLE_FROM.name and isinstance(before, date) and isinstance(after, date):
        return before == after or (before <= today and after <= today)  # a past start reads as today
    return bool(before == after)


def changed_facts(before: Mapping[str, Any], after: Mapping[str, Any], today: date) -> tuple[str, ...]:
    """The facts (schema names, in the schema's order) whose columns differ."""
    changed = []
    for fact in schema.FACTS:
        columns = fact.columns if isinstance(fact, schema.Place) else (fact.name,)
        if any(not _same(column, before.get(column), after.get(column), today) for column in columns):
            changed.append(fact.name)
    return tuple(changed)


def plan_import(
    rows: Iterable[RowResult],
    kept: Sequence[KnownOffer],
    by_fingerprint: Mapping[str, KnownOffer],
    today: date,
) -> Plan:
    """`kept`: the organisation's offers in the import's départements; `by_fingerprint`: every offer whose
    fingerprint a row has, whoever keeps it."""
    ours = {offer.id for offer in kept}
    by_id = {offer.source_id: offer for offer in kept if offer.source_id}
    create: list[RowResult] = []
    update: list[Match] = []
    unchanged: list[Match] = []
    elsewhere: list[RowResult] = []
    failed: list[RowResult] = []
    designated: set[int] = set()
    for row in rows:
        offer = by_id.get(row.source_id) if row.source_id else None
        if row.status is RowStatus.FAILED or row.fields is None:
            failed.append(row)
            if offer is not None:
                designated.add(offer.id)
            continue
        same = by_fingerprint.get(row.import_key or "")
        if offer is None and same is not None:
            if same.id not in ours or same.id in designated or (row.source_id and same.source_id):
                elsewhere.append(row)  # kept by others, or another offer of the file looks the same
                continue
            offer = same
        if offer is None:
            create.append(row)
            continue
        designated.add(offer.id)
        changed = changed_facts(offer.facts, row.fields, today)
        if offer.status == Status.WITHDRAWN:
            changed += (REOPENED,)
        (update if changed else unchanged).append(Match(row, offer, changed))
    absent = [offer for offer in kept if offer.id not in designated and offer.status in OPEN_TO_HOSTING]
    return Plan(
        tuple(create), tuple(update), tuple(unchanged), tuple(elsewhere), tuple(failed), tuple(absent)
    )
