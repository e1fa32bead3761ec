"""The outbox: messages the bot owes, written with the change they report, sent in order per chat, once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.models import OutboxMessage

PENDING = "pending"
SENT = "sent"
UNDELIVERABLE = "undeliverable"  # the person blocked the bot, or Telegram refuses the message for good
KEEP_FOR = timedelta(days=2)


async def add(session: AsyncSession, messages: Sequence[dict[str, Any]], now: datetime) -> None:
    """Queue messages (each: chat_id, payload, attachment, update_id, alert_id), due now, in this order."""
    for message in messages:
        session.add(OutboxMessage(status=PENDING, attempts=0, created_at=now, next_attempt_at=now, **message))
    await session.flush()


async def claim_heads(
    session: AsyncSession, now: datetime, limit: int, lease: timedelta, busy: Sequence[int] = ()
) -> list[OutboxMessage]:
    """Up to `limit` messages due now, each the oldest pending one of its chat (so a chat's messages leave
    in order), none of the chats in `busy`; claimed for `lease` (a sender that dies lets them go after it)."""
    earlier = aliased(OutboxMessage)
    waiting_before = exists().where(
        col(earlier.chat_id) == OutboxMessage.chat_id,
        col(earlier.status) == PENDING,
        col(earlier.id) < OutboxMessage.id,
    )
    free = or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now)
    query = (
        select(col(OutboxMessage.id))
        .where(
            col(OutboxMessage.status) == PENDING,
            col(OutboxMessage.next_attempt_at) <= now,
            free,
            ~waiting_before,
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    if busy:
        query = query.where(col(OutboxMessage.chat_id).not_in(sorted(busy)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    ids = list(await session.scalars(query))
    if not ids:
        return []
    # The condition makes the claim safe on SQLite too: a message another sender took meanwhile is not taken.
    await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), free)
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    rows = await session.scalars(
        select(OutboxMessage).where(
            col(OutboxMessage.id).in_(ids), col(OutboxMessage.claimed_until) == now + lease
        )
    )
    return sorted(rows, key=lambda row: row.id or 0)


async def mark_sent(session: AsyncSession, message_id: int, now: datetime) -> None:
    await _finish(session, message_id, status=SENT, sent_at=now, claimed_until=None, attachment=None)


async def mark_undeliverable(session: AsyncSession, message_id: int, now: datetime, error: str) -> None:
    await _finish(session, message_id, status=UNDELIVERABLE, sent_at=None, claimed_until=None, attachment=None,
                  last_error=error[:300])  # fmt: skip


async def retry_later(
    session: AsyncSession, message_id: int, at: datetime, error: str, *, counted: bool
) -> None:
    """Try again at `at`; `counted`: this attempt counts towards giving up (a 429 does not)."""
    values: dict[str, Any] = {"next_attempt_at": at, "claimed_until": None, "last_error": error[:300]}
    if counted:
        values["attempts"] = OutboxMessage.attempts + 1
    await _finish(session, message_id, **values)


async def _finish(session: AsyncSession, message_id: int, **values: Any) -> None:
    await session.execute(update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(**values))


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending message is due (None: nothing pending)."""
    return await session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(col(OutboxMessage.status) == PENDING)
    )


async def pending_for_update(session: AsyncSession, update_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                col(OutboxMessage.update_id) == update_id, col(OutboxMessage.status) == PENDING
            )
        )
        or 0
    )


async def pending(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).where(col(OutboxMessage.status) == PENDING)) or 0)


async def forget_old(session: AsyncSession, now: datetime) -> None:
    """Forget messages sent or given up more than two days ago."""
    await session.execute(
        delete(OutboxMessage).where(
            col(OutboxMessage.status) != PENDING, col(OutboxMessage.created_at) < now - KEEP_FOR
        )
    )
