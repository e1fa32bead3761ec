"""Where people looking for a place go, per département (set by its coordinators with /reception)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import DepartementSettings


async def contacts(session: AsyncSession) -> dict[str, str]:
    """The reception contacts given, by département."""
    rows = await session.scalars(
        select(DepartementSettings).where(col(DepartementSettings.reception).is_not(None))
    )
    return {row.departement: row.reception for row in rows if row.reception}


async def set_contact(
    session: AsyncSession, departement: str, text: str | None, actor_id: int, now: datetime
) -> None:
    """Set (or with None, remove) a département's reception contacts."""
    row = await session.get(DepartementSettings, departement)
    if row is None:
        row = DepartementSettings(departement=departement, milestones=[], updated_at=now)
    row.reception, row.updated_by, row.updated_at = text, actor_id, now
    session.add(row)
    await session.flush()
