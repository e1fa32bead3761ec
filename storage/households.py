"""Households followed by caseworkers (pseudonymous: the association's own reference, no names)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain.casework import PlacementStatus
from storage.models import Household, Placement

# A household with a placement in one of these is not waiting.
PLACED = (PlacementStatus.PROPOSED, PlacementStatus.ACTIVE, PlacementStatus.ENDED)


async def create(
    session: AsyncSession, caseworker_id: int, fields: dict[str, Any], now: datetime
) -> Household:
    household = Household(caseworker_id=caseworker_id, created_at=now, **fields)
    session.add(household)
    await session.flush()
    return household


async def get(session: AsyncSession, household_id: int, *, lock: bool = False) -> Household | None:
    """The household; `lock`: locked until the transaction ends (read afresh)."""
    return await session.get(Household, household_id, with_for_update=lock, populate_existing=lock)


async def by_ids(session: AsyncSession, household_ids: Iterable[int]) -> dict[int, Household]:
    """These households by id (one erased meanwhile is missing)."""
    found = await session.scalars(select(Household).where(col(Household.id).in_(sorted(set(household_ids)))))
    return {household.id or 0: household for household in found}


async def reference_taken(session: AsyncSession, departement: str, reference: str) -> bool:
    found = await session.scalar(
        select(Household.id).where(Household.departement == departement, Household.reference == reference)
    )
    return found is not None


async def in_territory(session: AsyncSession, departements: frozenset[str]) -> list[Household]:
    query = select(Household).where(col(Household.departement).in_(sorted(departements)))
    return list(await session.scalars(query.order_by(col(Household.reference))))


async def waiting(session: AsyncSession, departements: frozenset[str]) -> list[Household]:
    """The households of these départements waiting for a place: never proposed, housed or housed before
    through the bot, or only proposals withdrawn (a household with an open proposal is in /placements)."""
    placed = select(Placement.household_id).where(col(Placement.status).in_(PLACED))
    query = select(Household).where(
        col(Household.departement).in_(sorted(departements)), col(Household.id).not_in(placed)
    )
    return list(await session.scalars(query.order_by(col(Household.created_at), col(Household.id))))


async def is_waiting(session: AsyncSession, household_id: int) -> bool:
    placed = select(Placement.id).where(
        Placement.household_id == household_id, col(Placement.status).in_(PLACED)
    )
    return await session.scalar(placed.limit(1)) is None
