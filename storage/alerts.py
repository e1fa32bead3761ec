"""Alerts are rows: recorded once (unique key), claimed by one sender, marked sent or undeliverable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, func, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Alert, DepartementSettings, DigestSubscription, Lease

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
UNDELIVERABLE = "undeliverable"
OBSOLETE = "obsolete"  # what it announced no longer holds (placement ended, end date changed)
QUEUED = "queued"  # rendered into the outbox, which sends it
STUCK_AFTER = timedelta(minutes=5)  # a claim older than this belonged to a process that died


async def record_due(session: AsyncSession, alerts: Sequence[dict[str, Any]]) -> int:
    """Insert the alerts whose key is new; returns how many were new. Safe to run in several processes at once:
    a key recorded meanwhile by another process is skipped by the database (ON CONFLICT DO NOTHING)."""
    keys = [alert["key"] for alert in alerts]
    known: set[str] = set()
    for start in range(0, len(keys), 5000):
        known.update(
            await session.scalars(select(Alert.key).where(col(Alert.key).in_(keys[start : start + 5000])))
        )
    new = [alert for alert in alerts if alert["key"] not in known]
    if new:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        await session.execute(insert(Alert).on_conflict_do_nothing(index_elements=["key"]), new)
    return len(new)


async def claim(session: AsyncSession, now: datetime, limit: int) -> list[Alert]:
    """Take up to `limit` alerts due for sending; another process never gets the same ones."""
    await session.execute(
        update(Alert)
        .where(col(Alert.status) == SENDING, col(Alert.claimed_at) < now - STUCK_AFTER)
        .values(status=PENDING)
    )
    query = (
        select(Alert.id)
        .where(col(Alert.status) == PENDING, col(Alert.next_attempt_at) <= now)
        .order_by(col(Alert.next_attempt_at), col(Alert.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(await session.scalars(query))
    if not ids:
        return []
    # The status condition makes the claim safe on SQLite too: a row another process took is not updated.
    await session.execute(
        update(Alert)
        .where(col(Alert.id).in_(ids), col(Alert.status) == PENDING)
        .values(status=SENDING, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    claimed = await session.scalars(
        select(Alert).where(
            col(Alert.id).in_(ids), col(Alert.status) == SENDING, col(Alert.claimed_at) == now
        )
    )
    return list(claimed)


async def finish(session: AsyncSession, alert_ids: Sequence[int], status: str, now: datetime, *,
                 late: bool = False, error: str | None = None) -> None:  # fmt: skip
    if alert_ids:
        await session.execute(
            update(Alert)
            .where(col(Alert.id).in_(alert_ids))
            .values(status=status, sent_at=now if status == SENT else None, late=late, last_error=error)
        )


async def retry_later(
    session: AsyncSession, alert_id: int, at: datetime, error: str, *, count_attempt: bool
) -> None:
    values: dict[str, Any] = {"status": PENDING, "next_attempt_at": at, "last_error": error[:300]}
    if count_attempt:
        values["attempts"] = Alert.attempts + 1
    await session.execute(update(Alert).where(col(Alert.id) == alert_id).values(**values))


async def undeliverable(session: AsyncSession, departements: frozenset[str]) -> list[Alert]:
    query = select(Alert).where(
        col(Alert.status) == UNDELIVERABLE, col(Alert.departement).in_(sorted(departements))
    )
    return list(await session.scalars(query.order_by(col(Alert.id).desc()).limit(50)))


async def sent_to(session: AsyncSession, recipient_id: int, kind: str) -> list[Alert]:
    """The alerts of this kind sent to this user (not those that became obsolete since)."""
    query = select(Alert).where(
        col(Alert.kind) == kind, col(Alert.recipient_id) == recipient_id, col(Alert.status) == SENT
    )
    return list(await session.scalars(query))


async def all_alerts(session: AsyncSession) -> list[Alert]:
    return list(await session.scalars(select(Alert).order_by(col(Alert.id))))


async def counts_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Alert.status, func.count()).group_by(Alert.status))
    return {status: int(count) for status, count in rows}


async def _new_lease(session: AsyncSession, name: str, holder: str, expires_at: datetime) -> bool:
    """Insert the row `name` of `leases` unless it exists (another process's insert included): True if this call
    created it."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    created = await session.execute(
        insert(Lease).values(name=name, holder=holder, expires_at=expires_at).on_conflict_do_nothing()
    )
    return bool(created.rowcount)  # type: ignore[attr-defined]


async def take_lease(
    session: AsyncSession, name: str, holder: str, now: datetime, duration: timedelta
) -> bool:
    """True if `holder` now holds the lease (new, expired, or already its own)."""
    if await _new_lease(session, name, holder, now + duration):
        return True
    result = await session.execute(
        update(Lease)
        .where(col(Lease.name) == name, (col(Lease.holder) == holder) | (col(Lease.expires_at) < now))
        .values(holder=holder, expires_at=now + duration)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def due_once(session: AsyncSession, task: str, now: datetime, every: timedelta) -> bool:
    """True at most once per `every` for `task`, whichever process asks (its next time is a row of `leases`)."""
    if await _new_lease(session, task, task, now + every):
        return True
    moved = await session.execute(
        update(Lease)
        .where(col(Lease.name) == task, col(Lease.expires_at) <= now)
        .values(expires_at=now + every)
    )
    return bool(moved.rowcount)  # type: ignore[attr-defined]


async def read_up_to(session: AsyncSession, reader: str, now: datetime) -> datetime | None:
    """For a task of the sweep that reads what happened since its last run: the moment it last read up to (None:
    never), moved to `now` (a row of `leases`; the sweep runs under its lease, one process at a time)."""
    if await _new_lease(session, reader, reader, now):
        return None
    mark = await session.get(Lease, reader, with_for_update=True, populate_existing=True)
    assert mark is not None  # leases are never deleted
    previous, mark.expires_at = mark.expires_at, now
    session.add(mark)
    return previous


async def forget_recipient(session: AsyncSession, user_id: int) -> None:
    """A person erased their data: what was still to be sent to them is not sent; what was sent (kept for the
    record of alerts) no longer names them, not even in its key."""
    await session.execute(
        delete(Alert).where(
            col(Alert.recipient_id) == user_id, col(Alert.status).in_((PENDING, SENDING, QUEUED))
        )
    )
    await session.execute(
        update(Alert)
        .where(col(Alert.recipient_id) == user_id)
        .values(recipient_id=None, key=literal("erased:") + cast(col(Alert.id), String))
    )


async def say_again(session: AsyncSession, alert_ids: Sequence[int]) -> None:
    """Alerts whose message was withdrawn before it left are rendered again, as they now are, by the next round."""
    if alert_ids:
        await session.execute(
            update(Alert)
            .where(col(Alert.id).in_(alert_ids), col(Alert.status) == QUEUED)
            .values(status=PENDING)
        )


async def milestones_by_departement(session: AsyncSession) -> dict[str, DepartementSettings]:
    return {row.departement: row for row in await session.scalars(select(DepartementSettings))}


async def save_settings(
    session: AsyncSession, departement: str, now: datetime, actor_id: int, *, milestones: list[int] | None = None,
    freshness_days: int | None = None, consent_hours: int | None = None,
) -> DepartementSettings:  # fmt: skip
    row = await session.get(DepartementSettings, departement)
    if row is None:
        row = DepartementSettings(departement=departement, milestones=[], updated_at=now)
    if milestones is not None:
        row.milestones = sorted(set(milestones), reverse=True)
    if freshness_days is not None:
        row.freshness_days = freshness_days
    if consent_hours is not None:
        row.consent_hours = consent_hours
    row.updated_by, row.updated_at = actor_id, now
    session.add(row)
    await session.flush()
    return row


async def digest_subscribers(session: AsyncSession) -> list[int]:
    return list(await session.scalars(select(DigestSubscription.user_id)))


async def set_digest(session: AsyncSession, user_id: int, enabled: bool, now: datetime) -> None:
    row = await session.get(DigestSubscription, user_id)
    if enabled and row is None:
        session.add(DigestSubscription(user_id=user_id, created_at=now))
    elif not enabled and row is not None:
        await session.delete(row)
    await session.flush()
