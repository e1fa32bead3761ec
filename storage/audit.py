"""The audit trail: contact reveals, refused accesses, exports, invitations, revocations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import AuditEvent

CONTACT_REVEALED = "contact_revealed"
REFUSED = "refused"
INVITED = "invited"
JOINED = "joined"
JOIN_FAILED = "join_failed"  # a wrong, used or expired invitation code
REVOKED = "revoked"
EXPORTED = "exported"
IMPORTED = "imported"
KEEPERS_CHANGED = "keepers_changed"


async def record(
    session: AsyncSession, actor_id: int | None, action: str, subject: str, now: datetime, **detail: Any
) -> None:
    session.add(AuditEvent(actor_id=actor_id, action=action, subject=subject, detail=detail, at=now))
    await session.flush()


async def events(session: AsyncSession, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(await session.scalars(query.order_by(col(AuditEvent.id))))


async def count_since(session: AsyncSession, actor_id: int, action: str, since: datetime) -> int:
    """How many times this person did `action` since then (e.g. wrong invitation codes)."""
    query = (
        select(func.count())
        .select_from(AuditEvent)
        .where(
            col(AuditEvent.actor_id) == actor_id,
            col(AuditEvent.action) == action,
            col(AuditEvent.at) >= since,
        )
    )
    return int(await session.scalar(query) or 0)
