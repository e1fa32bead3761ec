"""Who may act as caseworker or coordinator, and where."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from storage.models import RoleGrant

CASEWORKER = "caseworker"
COORDINATOR = "coordinator"
ROLES = (CASEWORKER, COORDINATOR)


async def grant(
    session: AsyncSession,
    user_id: int,
    role: str,
    departement: str,
    *,
    granted_by: int | None,
    organisation: str | None = None,
    now: datetime | None = None,
) -> None:
    """Idempotent: granting a role a user already holds changes nothing."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    existing = await session.scalar(
        select(RoleGrant).where(
            RoleGrant.user_id == user_id, RoleGrant.role == role, RoleGrant.departement == departement
        )
    )
    if existing is None:
        session.add(
            RoleGrant(
                user_id=user_id,
                role=role,
                departement=departement,
                organisation=organisation,
                granted_by=granted_by,
                granted_at=now or datetime.now(UTC),
            )
        )
        await session.flush()


async def departements_of(session: AsyncSession, user_id: int, role: str) -> set[str]:
    rows = await session.scalars(
        select(RoleGrant.departement).where(RoleGrant.user_id == user_id, RoleGrant.role == role)
    )
    return set(rows)


async def roles_of(session: AsyncSession, user_id: int) -> set[str]:
    rows = await session.scalars(select(RoleGrant.role).where(RoleGrant.user_id == user_id).distinct())
    return set(rows)
