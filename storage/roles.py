"""Who may act as caseworker or coordinator, and where."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain.access import CASEWORKER as CASEWORKER
from bot.domain.access import COORDINATOR as COORDINATOR
from bot.domain.access import Actor
from storage.models import RoleGrant

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


async def grants_of(session: AsyncSession, user_id: int) -> dict[str, frozenset[str]]:
    """role -> départements granted to this user."""
    rows = await session.execute(
        select(RoleGrant.role, RoleGrant.departement).where(RoleGrant.user_id == user_id)
    )
    grants: dict[str, set[str]] = {}
    for role, departement in rows:
        grants.setdefault(role, set()).add(departement)
    return {role: frozenset(deps) for role, deps in grants.items()}


async def actor_of(session: AsyncSession, user_id: int) -> Actor:
    """This user as they may act now (their grants read from the database)."""
    return Actor(user_id, await grants_of(session, user_id))


async def organisation_in(session: AsyncSession, user_id: int, role: str, departement: str) -> str | None:
    """The organisation `user_id` acts for as `role` in the département (None if nobody said)."""
    return await session.scalar(
        select(RoleGrant.organisation).where(
            RoleGrant.user_id == user_id, RoleGrant.role == role, RoleGrant.departement == departement
        )
    )


async def members(session: AsyncSession, departements: frozenset[str]) -> list[RoleGrant]:
    query = select(RoleGrant).where(col(RoleGrant.departement).in_(sorted(departements)))
    return list(await session.scalars(query.order_by(col(RoleGrant.user_id), col(RoleGrant.role))))


async def revoke(session: AsyncSession, user_id: int, departements: frozenset[str]) -> int:
    """Remove every role of `user_id` in these départements; returns how many grants were removed."""
    result = await session.execute(
        delete(RoleGrant).where(
            col(RoleGrant.user_id) == user_id, col(RoleGrant.departement).in_(sorted(departements))
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
