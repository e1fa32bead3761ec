"""Households followed by caseworkers (pseudonymous: the association's own reference, no names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Household


async def create(
    session: AsyncSession, caseworker_id: int, fields: dict[str, Any], now: datetime
) -> Household:
    household = Household(caseworker_id=caseworker_id, created_at=now, **fields)
    session.add(household)
    await session.flush()
    return household


async def get(session: AsyncSession, household_id: int) -> Household | None:
    return await session.get(Household, household_id)


async def reference_taken(session: AsyncSession, departement: str, reference: str) -> bool:
    found = await session.scalar(
        select(Household.id).where(Household.departement == departement, Household.reference == reference)
    )
    return found is not None


async def in_territory(session: AsyncSession, departements: frozenset[str]) -> list[Household]:
    query = select(Household).where(col(Household.departement).in_(sorted(departements)))
    return list(await session.scalars(query.order_by(col(Household.reference))))
