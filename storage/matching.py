"""What `/match` reads and keeps: the territory's available places with what they can still take, and the plans
computed (their pairs and ticks, so that a restart loses nothing)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.casework import OPEN_PLACEMENT
from bot.domain.offers import Qualification, Status
from bot.domain.search.ranking import OfferFacts
from storage.models import Household, MatchPlan, Offer, Placement
from storage.search import FACTS_COLUMNS, facts_of_row

# Households living in a place, or proposed for it: a collective place has that much less room.


class AvailablePlace(NamedTuple):
    """An available offer's facts, its kind and bedrooms, and the households and people it holds already."""

    facts: OfferFacts
    kind: str | None
    bedrooms: int | None
    households: int
    people: int


async def available_places(session: AsyncSession, departement: str) -> list[AvailablePlace]:
    """The département's available offers that are not turned down, with their current occupants."""
    living = func.coalesce(Placement.people, Household.adults + Household.children)
    occupants = (
        select(col(Placement.offer_id), func.count().label("households"), func.sum(living).label("people"))
        .join(Household, col(Household.id) == Placement.household_id)
        .where(col(Placement.status).in_(OPEN_PLACEMENT))
        .group_by(col(Placement.offer_id))
        .subquery()
    )
    columns = (
        *FACTS_COLUMNS,
        col(Offer.kind),
        col(Offer.bedrooms),
        occupants.c.households,
        occupants.c.people,
    )
    query = (
        select(*columns)
        .outerjoin(occupants, occupants.c.offer_id == Offer.id)
        .where(
            col(Offer.departement) == departement,
            col(Offer.status) == Status.AVAILABLE,
            col(Offer.qualification) != Qualification.TURNED_DOWN,
        )
        .order_by(col(Offer.id))
    )
    width = len(OfferFacts._fields)
    return [
        AvailablePlace(facts_of_row(row[:width]), row[width], row[width + 1], row[width + 2] or 0,
                       int(row[width + 3] or 0))
        for row in await session.execute(query)
    ]  # fmt: skip


async def save_plan(session: AsyncSession, plan: MatchPlan) -> MatchPlan:
    session.add(plan)
    await session.flush()
    return plan


async def plan_of(session: AsyncSession, plan_id: int, user_id: int) -> MatchPlan | None:
    """The user's own plan (locked: its ticks change), or None."""
    plan = await session.get(MatchPlan, plan_id, with_for_update=True, populate_existing=True)
    return plan if plan is not None and plan.user_id == user_id else None


async def update_plan(session: AsyncSession, plan: MatchPlan, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(plan, name, value)
    session.add(plan)
    await session.flush()


async def purge_plans(session: AsyncSession, before: datetime) -> None:
    """Plans computed before ``before``: read and ticked within days, not kept (like saved searches)."""
    await session.execute(delete(MatchPlan).where(col(MatchPlan.created_at) < before))
