"""Placements: a household proposed for an offer, living there, and leaving; and each change's history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain.casework import CLOSED_PLACEMENT, OPEN_PLACEMENT, PlacementChange, PlacementStatus
from bot.domain.consent import HostConsent
from storage.models import Household, Offer, Placement, PlacementEvent
from storage.types import json_safe


async def create(
    session: AsyncSession, household_id: int, offer_id: int, caseworker_id: int | None, now: datetime, *,
    proposed_by: int | None = None,
) -> Placement:  # fmt: skip
    """A proposal, for the whole household (a correction may say fewer people moved in), decided by
    `proposed_by` (its caseworker by default)."""
    household = await session.get(Household, household_id)
    assert household is not None
    placement = Placement(
        household_id=household_id, offer_id=offer_id, caseworker_id=caseworker_id,
        proposed_by=caseworker_id if proposed_by is None else proposed_by,
        status=PlacementStatus.PROPOSED, people=household.adults + household.children, created_at=now,
        updated_at=now,
    )  # fmt: skip
    session.add(placement)
    await session.flush()
    return placement


async def get(session: AsyncSession, placement_id: int) -> Placement | None:
    return await session.get(Placement, placement_id, with_for_update=True)


async def open_for_household(session: AsyncSession, household_id: int) -> Placement | None:
    query = select(Placement).where(
        Placement.household_id == household_id, col(Placement.status).in_(OPEN_PLACEMENT)
    )
    return await session.scalar(query)


def _rows(departements: frozenset[str]) -> Any:
    return (
        select(Placement, Household, Offer)
        .join(Household, col(Household.id) == Placement.household_id)
        .join(Offer, col(Offer.id) == Placement.offer_id)
        .where(col(Household.departement).in_(sorted(departements)))
    )


async def in_territory(
    session: AsyncSession, departements: frozenset[str]
) -> list[tuple[Placement, Household, Offer]]:
    """The open placements (proposed or active), the nearest end first."""
    query = _rows(departements).where(col(Placement.status).in_(OPEN_PLACEMENT))
    rows = await session.execute(query.order_by(col(Placement.planned_end), col(Placement.id)))
    return [(placement, household, offer) for placement, household, offer in rows]


async def closed_in_territory(
    session: AsyncSession, departements: frozenset[str], offset: int, limit: int
) -> tuple[int, list[tuple[Placement, Household, Offer]]]:
    """How many placements ended or were withdrawn, and `limit` of them from `offset`, the latest first."""
    closed = col(Placement.status).in_(CLOSED_PLACEMENT)
    total = await session.scalar(
        select(func.count())
        .select_from(Placement)
        .join(Household, col(Household.id) == Placement.household_id)
        .where(col(Household.departement).in_(sorted(departements)), closed)
    )
    query = (
        _rows(departements).where(closed).order_by(col(Placement.updated_at).desc(), col(Placement.id).desc())
    )
    rows = await session.execute(query.offset(offset).limit(limit))
    return int(total or 0), [(placement, household, offer) for placement, household, offer in rows]


async def update(
    session: AsyncSession, placement: Placement, now: datetime, **fields: date | str | int | None
) -> None:
    for key, value in fields.items():
        setattr(placement, key, value)
    placement.updated_at = now
    session.add(placement)
    await session.flush()


async def change(
    session: AsyncSession, placement: Placement, actor_id: int | None, action: PlacementChange, now: datetime,
    *, confirmed: list[str] | None = None, **fields: date | str | int | None,
) -> None:  # fmt: skip
    """Apply `fields` and record who changed what, when: the values before and after (and the mismatches with
    the offer the actor confirmed)."""
    changed = [key for key, value in fields.items() if getattr(placement, key) != value]
    detail: dict[str, Any] = {
        "before": {key: json_safe(getattr(placement, key)) for key in changed},
        "after": {key: json_safe(fields[key]) for key in changed},
    }
    if confirmed:
        detail["confirmed"] = sorted(confirmed)
    await update(session, placement, now, **fields)
    assert placement.id is not None
    session.add(
        PlacementEvent(placement_id=placement.id, actor_id=actor_id, action=action, detail=detail, at=now)
    )
    await session.flush()


async def history(session: AsyncSession, placement_id: int) -> list[PlacementEvent]:
    rows = await session.scalars(
        select(PlacementEvent)
        .where(PlacementEvent.placement_id == placement_id)
        .order_by(col(PlacementEvent.at), col(PlacementEvent.id))
    )
    return list(rows)


async def offers_declined_for(session: AsyncSession, household_id: int) -> set[int]:
    """The offers whose host declined the household, or let its proposal lapse: not proposed again to it."""
    query = select(Placement.offer_id).where(
        Placement.household_id == household_id,
        col(Placement.host_answer).in_((HostConsent.DECLINED, HostConsent.TIMED_OUT)),
    )
    return set(await session.scalars(query))
