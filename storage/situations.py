"""The situations each département's coordinators switched off (`/situations`), in its settings row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import DepartementSettings


async def switched_off(session: AsyncSession, departements: Iterable[str]) -> dict[str, list[str]]:
    """Each département's switched-off situations ([] when none, or no settings row)."""
    wanted = sorted(set(departements))
    rows = await session.scalars(
        select(DepartementSettings).where(col(DepartementSettings.departement).in_(wanted))
    )
    found = {row.departement: list(row.situations_off or []) for row in rows}
    return {departement: found.get(departement, []) for departement in wanted}


async def switch(
    session: AsyncSession, departement: str, situation: str, on: bool, actor_id: int, now: datetime
) -> list[str]:
    """Switch one situation on or off for the département; returns the ones now off."""
    row = await session.get(DepartementSettings, departement, with_for_update=True)
    if row is None:
        row = DepartementSettings(departement=departement, milestones=[], updated_at=now)
    off = set(row.situations_off or [])
    off = off - {situation} if on else off | {situation}
    row.situations_off = sorted(off)
    row.updated_by, row.updated_at = actor_id, now
    session.add(row)
    await session.flush()
    return row.situations_off
