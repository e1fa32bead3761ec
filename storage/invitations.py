"""One-time invitation codes that grant a caseworker or coordinator role."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain.invitations import new_code
from storage import roles
from storage.models import Invitation

VALID_FOR = timedelta(days=7)


class Redeemed(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


async def create(
    session: AsyncSession,
    role: str,
    organisation: str,
    departements: list[str],
    created_by: int,
    now: datetime,
) -> Invitation:
    invitation = Invitation(
        code=new_code(),  # valid in a t.me deep link as it is
        role=role,
        organisation=organisation,
        departements=sorted(departements),
        created_by=created_by,
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    session.add(invitation)
    await session.flush()
    return invitation


async def redeem(
    session: AsyncSession, code: str, user_id: int, now: datetime
) -> tuple[Redeemed, Invitation | None]:
    """Grant the roles of the invitation with this code (its stored form, see bot.domain.invitations)."""
    invitation = await session.get(Invitation, code, with_for_update=True)
    if invitation is None:
        return Redeemed.UNKNOWN, None
    if invitation.revoked:
        return Redeemed.REVOKED, invitation
    if invitation.used_by is not None:
        return Redeemed.USED, invitation
    if invitation.expires_at <= now:
        return Redeemed.EXPIRED, invitation
    invitation.used_by, invitation.used_at = user_id, now
    session.add(invitation)
    for departement in invitation.departements:
        await roles.grant(
            session, user_id, invitation.role, departement, granted_by=invitation.created_by,
            organisation=invitation.organisation, now=now,
        )  # fmt: skip
    return Redeemed.OK, invitation


async def pending(session: AsyncSession, departements: frozenset[str], now: datetime) -> list[Invitation]:
    """Unused, unexpired, unrevoked invitations touching these départements."""
    query = select(Invitation).where(
        col(Invitation.used_by).is_(None),
        col(Invitation.revoked).is_(False),
        col(Invitation.expires_at) > now,
    )
    return [
        i
        for i in await session.scalars(query.order_by(col(Invitation.created_at)))
        if set(i.departements) & departements
    ]


async def find(session: AsyncSession, code: str) -> Invitation | None:
    return await session.get(Invitation, code, with_for_update=True)


async def revoke(session: AsyncSession, invitation: Invitation) -> None:
    invitation.revoked = True
    session.add(invitation)
    await session.flush()
