"""What a coordinator's export holds, read from the database: offers, placements, households and alerts
of a territory, without personal data.

Left out on purpose: hosts' Telegram ids, phone numbers, addresses and notes, the Telegram ids of
caseworkers and alert recipients, qualification notes. Households are pseudonymous already (the
association's reference, no names). Only the needed columns are selected (Core rows, no ORM objects),
so that a territory with 100 000 offers is read in about a second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import Text, and_, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain import offer_schema as schema
from bot.domain.casework import OPEN_PLACEMENT, PlacementStatus
from storage.models import Alert, Household, Offer, Placement

PARIS: Final = ZoneInfo("Europe/Paris")


# The offer facts an export carries (not the private ones: address, phone, notes).
EXPORTED_FACTS: Final = tuple(
    fact.name
    for fact in schema.FACTS
    if fact.exported and not fact.private and not isinstance(fact, schema.Place)
)


@dataclass(frozen=True)
class OfferRow:
    id: int
    commune: str
    insee: str
    departement: str
    facts: dict[str, Any]  # EXPORTED_FACTS, lists decoded; None where not stated
    status: str
    stale_since: datetime | None
    qualification: str
    qualified_at: datetime | None
    created_at: datetime
    last_confirmed_at: datetime
    managed_by: str | None


@dataclass(frozen=True)
class PlacementRow:
    id: int
    offer_id: int
    household: str
    people: int
    commune: str
    departement: str  # of the place
    household_departement: str
    status: str
    start: date | None
    planned_end: date | None
    actual_end: date | None
    outcome: str | None
    days_left: int | None  # active placements with a planned end: days until it (negative once passed)
    created_at: datetime


@dataclass(frozen=True)
class HouseholdRow:
    reference: str
    departement: str
    adults: int
    children: int
    children_ages: tuple[int, ...]
    step_free: bool
    pets: bool
    languages: tuple[str, ...]
    created_at: datetime
    placement_status: str | None  # of its open placement (proposed or active), None when waiting
    offer_id: int | None  # the offer of that placement


@dataclass(frozen=True)
class AlertRow:
    id: int
    kind: str
    departement: str
    placement_id: int | None
    offer_id: int | None
    milestone: int | None
    due_at: datetime
    sent_at: datetime | None
    late: bool
    status: str
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class ExportData:
    """Everything an export shows, for ``departements``, read at ``generated_at``."""

    departements: tuple[str, ...]
    generated_at: datetime
    offers: tuple[OfferRow, ...] = ()
    placements: tuple[PlacementRow, ...] = ()
    households: tuple[HouseholdRow, ...] = ()
    alerts: tuple[AlertRow, ...] = ()

    @property
    def today(self) -> date:
        return self.generated_at.astimezone(PARIS).date()


def _offer_row(row: Any) -> OfferRow:
    i, commune, insee, dep, status, stale, qualification, qualified, created, confirmed, managed, *values = (
        row
    )
    return OfferRow(
        i,
        commune,
        insee,
        dep,
        _facts(values),
        status,
        stale,
        qualification,
        qualified,
        created,
        confirmed,
        managed,
    )


def _facts(values: Any) -> dict[str, Any]:
    facts = dict(zip(EXPORTED_FACTS, values, strict=True))
    for name in schema.LISTS & facts.keys():
        facts[name] = None if facts[name] is None else list(_json_list(facts[name]))
    return facts


def _json_list(text: str | None) -> tuple[Any, ...]:
    decoded = json.loads(text) if text else []
    return tuple(decoded) if isinstance(decoded, list) else ()


async def export_data(session: AsyncSession, departements: frozenset[str], now: datetime) -> ExportData:
    """The rows of the territory (``departements`` already limited to what the caller may see).

    Placements are those whose place or household is in the territory; alerts, those of its
    départements (the weekly digest, which has none, is left out)."""
    territory = sorted(departements)
    if not territory:
        return ExportData((), now)
    today = now.astimezone(PARIS).date()
    connection = await session.connection()

    facts = [
        cast(getattr(Offer, name), Text) if name in schema.LISTS else getattr(Offer, name)
        for name in EXPORTED_FACTS
    ]
    rows: Any = await connection.execute(
        select(
            col(Offer.id), col(Offer.commune_name), col(Offer.commune_insee), col(Offer.departement),
            col(Offer.status), col(Offer.stale_since), col(Offer.qualification), col(Offer.qualified_at),
            col(Offer.created_at), col(Offer.last_confirmed_at), col(Offer.managed_by), *facts,
        )
        .where(col(Offer.departement).in_(territory))
        .order_by(col(Offer.id))
    )  # fmt: skip
    offers = tuple(_offer_row(row) for row in rows)

    rows = await connection.execute(
        select(
            col(Placement.id), col(Placement.offer_id), col(Household.reference),
            col(Household.adults) + col(Household.children), col(Offer.commune_name), col(Offer.departement),
            col(Household.departement), col(Placement.status), col(Placement.start_date),
            col(Placement.planned_end), col(Placement.actual_end), col(Placement.outcome),
            col(Placement.created_at),
        )
        .select_from(Placement)
        .join(Offer, col(Offer.id) == Placement.offer_id)
        .join(Household, col(Household.id) == Placement.household_id)
        .where(or_(col(Offer.departement).in_(territory), col(Household.departement).in_(territory)))
        .order_by(col(Placement.id))
    )  # fmt: skip
    placements = tuple(
        PlacementRow(
            i, offer_id, reference, people, commune, dep, household_dep, status, start, planned_end, actual_end,
            outcome, (planned_end - today).days if status == PlacementStatus.ACTIVE and planned_end is not None else None,
            created,
        )
        for (i, offer_id, reference, people, commune, dep, household_dep, status, start, planned_end, actual_end,
             outcome, created) in rows
    )  # fmt: skip

    rows = await connection.execute(
        select(
            col(Household.reference), col(Household.departement), col(Household.adults),
            col(Household.children), cast(col(Household.children_ages), Text), col(Household.step_free),
            col(Household.pets), cast(col(Household.languages), Text), col(Household.created_at),
            col(Placement.status), col(Placement.offer_id),
        )
        .select_from(Household)
        .outerjoin(
            Placement, and_(col(Placement.household_id) == Household.id, col(Placement.status).in_(OPEN_PLACEMENT))
        )
        .where(col(Household.departement).in_(territory))
        .order_by(col(Household.departement), col(Household.reference), col(Placement.id))
    )  # fmt: skip
    households: dict[tuple[str, str], HouseholdRow] = {}
    for reference, dep, adults, children, ages, step, pets, languages, created, status, offer_id in rows:
        households.setdefault(
            (dep, reference),
            HouseholdRow(
                reference, dep, adults, children, _json_list(ages), bool(step), bool(pets),
                _json_list(languages), created, status, offer_id,
            ),
        )  # fmt: skip

    rows = await connection.execute(
        select(
            col(Alert.id), col(Alert.kind), col(Alert.departement), col(Alert.placement_id), col(Alert.offer_id),
            col(Alert.milestone), col(Alert.due_at), col(Alert.sent_at), col(Alert.late), col(Alert.status),
            col(Alert.attempts), col(Alert.last_error),
        )
        .where(col(Alert.departement).in_(territory))
        .order_by(col(Alert.due_at), col(Alert.id))
    )  # fmt: skip
    alerts = tuple(AlertRow(*row) for row in rows)
    return ExportData(tuple(territory), now, offers, placements, tuple(households.values()), alerts)
