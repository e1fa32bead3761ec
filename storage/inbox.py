"""The inbox: updates stored before Telegram is told they arrived, then handled once, in order per chat."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from bot.domain.privacy import ERASED, MESSAGES_KEPT
from storage.db import core_execute
from storage.models import InboxUpdate, OutboxMessage

NEW = "new"
DONE = "done"
FAILED = "failed"  # the action raised: its changes were rolled back and the user was told
DROPPED = "dropped"  # beyond the rate one person may send
KEEP_FOR = MESSAGES_KEPT  # a redelivered update is recognised this long


@dataclass(frozen=True)
class Arrival:
    """An update as it arrives: its id, its chat, the update itself (JSON), and whether it is dropped."""

    update_id: int
    chat_id: int
    payload: dict[str, Any]
    dropped: bool = False


async def store(session: AsyncSession, arrivals: Sequence[Arrival], now: datetime) -> set[int]:
    """Insert the updates not stored before; returns the ids that are new (a redelivery adds nothing)."""
    if not arrivals:
        return set()
    rows = [  # a dropped update is never read: what it said is not kept
        {"update_id": a.update_id, "chat_id": a.chat_id, "payload": {} if a.dropped else a.payload,
         "status": DROPPED if a.dropped else NEW,
         "attempts": 0, "received_at": now, "handled_at": now if a.dropped else None}
        for a in arrivals
    ]  # fmt: skip
    inserted = (await core_execute(session, _store(session.get_bind().dialect.name), rows)).scalars()
    return set(inserted)


@functools.cache
def _store(dialect: str) -> Any:
    """One statement for any number of rows (run as many, batched by SQLAlchemy): a multi-row `VALUES` built for
    each batch was compiled again for each batch size, and cost more than storing."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(InboxUpdate)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(col(InboxUpdate.update_id))
    )


async def recent_counts(session: AsyncSession, chat_ids: Collection[int], since: datetime) -> dict[int, int]:
    """How many updates each chat sent since `since` (dropped ones included)."""
    if not chat_ids:
        return {}
    rows = await session.execute(
        select(col(InboxUpdate.chat_id), func.count())
        .where(col(InboxUpdate.chat_id).in_(sorted(set(chat_ids))), col(InboxUpdate.received_at) >= since)
        .group_by(col(InboxUpdate.chat_id))
    )
    return {chat_id: count for chat_id, count in rows.all()}


async def dropped_since(session: AsyncSession, chat_id: int, since: datetime) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                col(InboxUpdate.chat_id) == chat_id,
                col(InboxUpdate.status) == DROPPED,
                col(InboxUpdate.received_at) >= since,
            )
        )
        or 0
    )


async def take_next(
    session: AsyncSession, now: datetime, skip: Collection[int] = ()
) -> tuple[int, dict[str, Any]] | None:
    """The next update to handle, marked done in this transaction (a rollback makes it wait again): the oldest
    new one of a chat that has no earlier update waiting and no reply still owed (its user sees each answer
    before their next message is handled), other than those in `skip`. Returns its id and payload.

    On PostgreSQL the row stays locked until the transaction ends (SKIP LOCKED: another worker takes another
    chat); a worker that dies releases it with its connection. SQLite has one writer at a time anyway.
    """
    statement = _take_next(session.get_bind().dialect.name, skipping=bool(skip))
    row: Any = (await core_execute(session, statement, {"now": now, "skip": list(skip)})).first()
    if row is None:
        return None
    # The update is in hand: the row forgets what it said (names, usernames, texts, phone numbers), and keeps
    # only its id, to recognise a redelivery. A rollback brings the update back whole.
    await _forget_payload(session, int(row[0]))
    return int(row[0]), dict(row[1])


async def _forget_payload(session: AsyncSession, update_id: int) -> None:
    await core_execute(session, _FORGET_PAYLOAD, {"taken": update_id})


# Built once (statements run for every update): the cached compilation is found without building them again.
_FORGET_PAYLOAD = (
    update(InboxUpdate).where(col(InboxUpdate.update_id) == bindparam("taken")).values(payload={})
)


@functools.cache
def _take_next(dialect: str, *, skipping: bool) -> Any:
    """The statement of `take_next`; the `skip` list only when there is one (it is rare, and an empty list
    costs its rendering on every run)."""
    earlier = aliased(InboxUpdate)
    waiting_before = exists().where(
        col(earlier.chat_id) == InboxUpdate.chat_id,
        col(earlier.status) == NEW,
        col(earlier.update_id) < InboxUpdate.update_id,
    )
    owed = exists().where(
        col(OutboxMessage.chat_id) == InboxUpdate.chat_id, col(OutboxMessage.status) == "pending"
    )
    oldest = (
        select(col(InboxUpdate.update_id))
        .where(col(InboxUpdate.status) == NEW, ~waiting_before, ~owed)
        .order_by(col(InboxUpdate.update_id))
        .limit(1)
    )
    if skipping:
        oldest = oldest.where(col(InboxUpdate.update_id).not_in(bindparam("skip", expanding=True)))
    if dialect == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True, of=InboxUpdate)
    return (
        update(InboxUpdate)
        .where(col(InboxUpdate.update_id) == oldest.scalar_subquery(), col(InboxUpdate.status) == NEW)
        .values(status=DONE, handled_at=bindparam("now"), attempts=InboxUpdate.attempts + 1)
        .returning(col(InboxUpdate.update_id), col(InboxUpdate.payload))
    )


async def mark_failed(session: AsyncSession, update_id: int, now: datetime) -> None:
    """The action raised: its changes were rolled back; the update is not tried again."""
    await session.execute(
        update(InboxUpdate)
        .where(col(InboxUpdate.update_id) == update_id)
        .values(status=FAILED, handled_at=now, attempts=InboxUpdate.attempts + 1, payload={})
    )


async def waiting(session: AsyncSession) -> int:
    """How many updates wait to be handled (all processes)."""
    return int(await session.scalar(select(func.count()).where(col(InboxUpdate.status) == NEW)) or 0)


async def status_of(session: AsyncSession, update_id: int) -> str | None:
    return await session.scalar(
        select(col(InboxUpdate.status)).where(col(InboxUpdate.update_id) == update_id)
    )


async def forget_chat(session: AsyncSession, chat_id: int) -> None:
    """A person erased their data: their handled updates keep no chat (what they said is already forgotten)."""
    await session.execute(
        update(InboxUpdate)
        .where(col(InboxUpdate.chat_id) == chat_id, col(InboxUpdate.status) != NEW)
        .values(chat_id=ERASED, payload={})
    )


async def forget_old(session: AsyncSession, now: datetime) -> None:
    """Forget updates handled more than two days ago (they are no longer redelivered)."""
    await session.execute(
        delete(InboxUpdate).where(
            and_(col(InboxUpdate.status) != NEW, col(InboxUpdate.handled_at) < now - KEEP_FOR)
        )
    )
