"""Placements: a household proposed for an offer, living there, and leaving."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain.casework import OPEN_PLACEMENT, PlacementStatus
from storage.models import Household, Offer, Placement


async def create(
    session: AsyncSession, household_id: int, offer_id: int, caseworker_id: int, now: datetime
) -> Placement:
    placement = Placement(
        household_id=household_id, offer_id=offer_id, caseworker_id=caseworker_id, status=PlacementStatus.PROPOSED,
        created_at=now, updated_at=now,
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


async def in_territory(
    session: AsyncSession, departements: frozenset[str], *, include_closed: bool = False
) -> list[tuple[Placement, Household, Offer]]:
    query = (
        select(Placement, Household, Offer)
        .join(Household, col(Household.id) == Placement.household_id)
        .join(Offer, col(Offer.id) == Placement.offer_id)
        .where(col(Household.departement).in_(sorted(departements)))
    )
    if not include_closed:
        query = query.where(col(Placement.status).in_(OPEN_PLACEMENT))
    rows = await session.execute(query.order_by(col(Placement.planned_end), col(Placement.id)))
    return [(placement, household, offer) for placement, household, offer in rows]


async def update(
    session: AsyncSession, placement: Placement, now: datetime, **fields: date | str | None
) -> None:
    for key, value in fields.items():
        setattr(placement, key, value)
    placement.updated_at = now
    session.add(placement)
    await session.flush()
