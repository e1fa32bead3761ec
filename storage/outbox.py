"""The outbox: messages the bot owes, written with the change they report, sent in order per chat, once."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from bot.domain.privacy import ERASED, MESSAGES_KEPT
from storage.db import core_execute
from storage.models import OutboxMessage

PENDING = "pending"
SENT = "sent"
UNDELIVERABLE = "undeliverable"  # the person blocked the bot, or Telegram refuses the message for good
KEEP_FOR = MESSAGES_KEPT


async def add(session: AsyncSession, messages: Sequence[dict[str, Any]], now: datetime) -> None:
    """Queue messages (each: chat_id, payload, attachment, update_id, alert_id), due now, in this order."""
    if messages:
        await core_execute(session, insert(OutboxMessage), [_row(message, now) for message in messages])


async def add_claimed(
    session: AsyncSession, message: dict[str, Any], now: datetime, until: datetime
) -> OutboxMessage:
    """Queue a message already claimed until `until` by the sender of this process, which sends it as soon as
    the transaction commits (the head of its chat: nothing else is pending for it)."""
    row = {**_row(message, now), "claimed_until": until}
    message_id = (await core_execute(session, _INSERT_RETURNING_ID, row)).scalar_one()
    return OutboxMessage(id=message_id, **row)


_INSERT_RETURNING_ID = insert(OutboxMessage).returning(
    col(OutboxMessage.id)
)  # built once: run for every update


def _row(message: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"alert_id": None, "update_id": None, "attachment": None, **message, "status": PENDING, "attempts": 0,
            "created_at": now, "next_attempt_at": now, "claimed_until": None, "sent_at": None, "last_error": None}  # fmt: skip


async def claim_heads(
    session: AsyncSession, now: datetime, limit: int, lease: timedelta, busy: Sequence[int] = ()
) -> list[OutboxMessage]:
    """Up to `limit` messages due now, each the oldest pending one of its chat (so a chat's messages leave
    in order), none of the chats in `busy` or with a message on its way; claimed for `lease` (a sender that dies lets them go after it).
    One statement: on PostgreSQL the rows another sender is claiming are skipped (SKIP LOCKED); SQLite has
    one writer at a time."""
    statement = _claim_heads(session.get_bind().dialect.name)
    claimed = await session.scalars(
        statement,
        {"now": now, "until": now + lease, "limit": limit, "busy": sorted(busy) or [0]},
        execution_options={"synchronize_session": False},
    )
    return sorted(claimed, key=lambda message: message.id or 0)


@functools.cache
def _claim_heads(dialect: str) -> Any:
    earlier = aliased(OutboxMessage)
    waiting_before = exists().where(
        col(earlier.chat_id) == OutboxMessage.chat_id,
        col(earlier.status) == PENDING,
        col(earlier.id) < OutboxMessage.id,
    )
    now = bindparam("now", type_=OutboxMessage.__table__.c.next_attempt_at.type)  # type: ignore[attr-defined]
    free = or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now)
    # A later message can be on its way before an older one of its chat: on PostgreSQL another process commits a
    # notice while this one writes its reply, claimed (`add_claimed`). The older one then waits for it.
    on_its_way = exists().where(
        col(earlier.chat_id) == OutboxMessage.chat_id,
        col(earlier.status) == PENDING,
        col(earlier.claimed_until) >= now,
    )
    heads = (
        select(col(OutboxMessage.id))
        .where(
            col(OutboxMessage.status) == PENDING, col(OutboxMessage.next_attempt_at) <= now, free, ~waiting_before,
            ~on_its_way,
            col(OutboxMessage.chat_id).not_in(bindparam("busy", expanding=True)),
        )
        .order_by(col(OutboxMessage.id))
        .limit(bindparam("limit"))
    )  # fmt: skip
    if dialect == "postgresql":
        heads = heads.with_for_update(skip_locked=True, of=OutboxMessage)
    return (
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(heads.scalar_subquery()), free)
        .values(claimed_until=bindparam("until"))
        .returning(OutboxMessage)
    )


async def renew(session: AsyncSession, message_ids: Collection[int], until: datetime) -> None:
    """Keep claimed messages claimed (their sender is alive, they are on their way)."""
    if message_ids:
        await session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(sorted(message_ids)), col(OutboxMessage.status) == PENDING)
            .values(claimed_until=until)
        )


async def release(session: AsyncSession, message_ids: Collection[int]) -> None:
    """Let claimed messages go (their sender stops): any sender may take them at once."""
    if message_ids:
        await session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(sorted(message_ids)), col(OutboxMessage.status) == PENDING)
            .values(claimed_until=None)
        )


async def mark_sent(session: AsyncSession, message_ids: Collection[int], now: datetime) -> None:
    """Sent: what they said and to whom is not kept (it may hold personal data: a contact, an address)."""
    if message_ids:
        await core_execute(session, _MARK_SENT, {"ids": sorted(message_ids), "now": now})


# Built once, the ids as one expanding parameter: a statement with as many parameters as messages was compiled
# again for each number of messages (a round records a few, every round).
_MARK_SENT = (
    update(OutboxMessage)
    .where(col(OutboxMessage.id).in_(bindparam("ids", expanding=True)))
    .values(status=SENT, sent_at=bindparam("now"), claimed_until=None, payload={}, attachment=None,
            chat_id=ERASED)
)  # fmt: skip


async def mark_undeliverable(session: AsyncSession, message_id: int, now: datetime, error: str) -> None:
    await _finish(session, message_id, status=UNDELIVERABLE, sent_at=None, claimed_until=None, payload={},
                  attachment=None, chat_id=ERASED, last_error=error[:300])  # fmt: skip


async def forget_chat(session: AsyncSession, chat_id: int) -> None:
    """A person erased their data: what was still to be sent to them is not sent, and no row names them."""
    await session.execute(
        delete(OutboxMessage).where(
            col(OutboxMessage.chat_id) == chat_id, col(OutboxMessage.status) == PENDING
        )
    )
    await session.execute(
        update(OutboxMessage).where(col(OutboxMessage.chat_id) == chat_id).values(chat_id=ERASED, payload={})
    )


async def withdraw_mentioning(session: AsyncSession, mention: re.Pattern[str]) -> list[int]:
    """Messages to others not sent yet that mention someone who erased their data (their contact in a reply, a
    link to them in an alert) are not sent; returns the alerts they carried, to be said again without it."""
    rows = await session.execute(
        select(col(OutboxMessage.id), col(OutboxMessage.payload), col(OutboxMessage.alert_id)).where(
            col(OutboxMessage.status) == PENDING
        )
    )
    withdrawn = {
        message_id: alert_id
        for message_id, payload, alert_id in rows
        if mention.search(json.dumps(payload, ensure_ascii=False))
    }
    if withdrawn:
        await session.execute(delete(OutboxMessage).where(col(OutboxMessage.id).in_(sorted(withdrawn))))
    return sorted(alert_id for alert_id in withdrawn.values() if alert_id is not None)


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


async def updates_still_owed(session: AsyncSession, update_ids: Collection[int]) -> set[int]:
    """Those of these updates that still have a message pending."""
    rows = (
        await core_execute(
            session,
            select(col(OutboxMessage.update_id)).where(
                col(OutboxMessage.update_id).in_(sorted(update_ids)), col(OutboxMessage.status) == PENDING
            ),
        )
    ).scalars()
    return {int(update_id) for update_id in rows if update_id is not None}


async def pending(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).where(col(OutboxMessage.status) == PENDING)) or 0)


async def forget_old(session: AsyncSession, now: datetime) -> None:
    """Forget messages sent or given up more than two days ago."""
    await session.execute(
        delete(OutboxMessage).where(
            col(OutboxMessage.status) != PENDING, col(OutboxMessage.created_at) < now - KEEP_FOR
        )
    )
