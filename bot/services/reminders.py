"""The periodic sweep: which alerts are due, computed from the database, recorded as rows with a unique key.

Nothing here sends anything or keeps anything in memory: a sweep after a restart finds what is due and was
not recorded yet, and recording the same key twice (two processes, two sweeps) adds nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.reminders import (
    DEFAULT_FRESHNESS_DAYS,
    DEFAULT_MILESTONES,
    DIGEST,
    FRESHNESS,
    GRACE_DAYS,
    HOST_END,
    MORNING,
    OFFER_END,
    OFFER_END_NOTICE_DAYS,
    PARIS,
    PLACEMENT_END,
    current_milestone,
    morning_of,
    paris_day,
)
from storage import alerts, offers, reminders


def _alert(key: str, kind: str, recipient: int, due: datetime, **refs: Any) -> dict[str, Any]:
    row = {"key": key, "kind": kind, "recipient_id": recipient, "due_at": due, "next_attempt_at": due,
           "status": alerts.PENDING, "attempts": 0, "late": False, "placement_id": None, "offer_id": None,
           "milestone": None, "departement": None}  # fmt: skip
    return {**row, **refs}  # every row has the same columns: they are inserted together


async def sweep(session: AsyncSession, now: datetime) -> int:
    """Record every alert due by `now`; returns how many new ones. Also flags unanswered offers as stale."""
    today = paris_day(now)
    settings = await alerts.milestones_by_departement(session)

    def milestones(departement: str) -> tuple[int, ...]:
        row = settings.get(departement)
        return tuple(row.milestones) if row and row.milestones else DEFAULT_MILESTONES

    def freshness_days(departement: str) -> int:
        row = settings.get(departement)
        return row.freshness_days if row else DEFAULT_FRESHNESS_DAYS

    due: list[dict[str, Any]] = []
    longest = max([*DEFAULT_MILESTONES, *(m for row in settings.values() for m in row.milestones)])
    coordinators = await reminders.coordinators(session)
    for placed in await reminders.placements_ending(session, today, today + timedelta(days=longest)):
        milestone = current_milestone(placed.planned_end, today, milestones(placed.departement))
        if milestone is None:
            continue
        when = max(morning_of(placed.planned_end - timedelta(days=milestone)), placed.updated_at)
        refs = {
            "placement_id": placed.placement_id,
            "milestone": milestone,
            "departement": placed.departement,
        }
        base = f"{placed.placement_id}:{placed.planned_end.isoformat()}:{milestone}"
        staff = {
            user
            for user in (placed.caseworker_id, *coordinators.get(placed.departement, []))
            if user is not None
        }
        for recipient in sorted(staff):
            due.append(_alert(f"pe:{base}:{recipient}", PLACEMENT_END, recipient, when, **refs))
        if placed.host_id is not None:
            due.append(_alert(f"he:{base}", HOST_END, placed.host_id, when, **refs))

    for ending in await reminders.vacant_offers_ending(
        session, today, today + timedelta(days=OFFER_END_NOTICE_DAYS)
    ):
        assert ending.available_until is not None
        when = morning_of(ending.available_until - timedelta(days=OFFER_END_NOTICE_DAYS))
        key = f"oe:{ending.offer_id}:{ending.available_until.isoformat()}"
        due.append(_alert(key, OFFER_END, ending.host_id, when, offer_id=ending.offer_id,
                          departement=ending.departement))  # fmt: skip

    shortest = min([DEFAULT_FRESHNESS_DAYS, *(row.freshness_days for row in settings.values())])
    for silent in await reminders.unconfirmed_offers(session, now - timedelta(days=shortest)):
        ask_at = silent.last_confirmed_at + timedelta(days=freshness_days(silent.departement))
        if ask_at <= now:
            key = f"fr:{silent.offer_id}:{silent.last_confirmed_at.isoformat()}"
            due.append(_alert(key, FRESHNESS, silent.host_id, ask_at, offer_id=silent.offer_id,
                              departement=silent.departement))  # fmt: skip

    local = now.astimezone(PARIS)
    if local.weekday() == 0 and local.time() >= MORNING:
        year, week, _ = local.isocalendar()
        for subscriber in await alerts.digest_subscribers(session):
            due.append(
                _alert(f"dg:{subscriber}:{year}-{week:02d}", DIGEST, subscriber, morning_of(local.date()))
            )

    created = await alerts.record_due(session, due)
    for offer_id in await reminders.mark_stale(session, now - timedelta(days=GRACE_DAYS), now):
        await offers.record(session, offer_id, None, "stale", now)
    return created
