"""When alerts are due and may be sent: milestones, quiet hours, lateness. Pure.

The kinds of alert, and the periodic sweep that records those due, are in `bot/features/alerts/`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_MILESTONES = (60, 30, 14, 7, 1)
DEFAULT_FRESHNESS_DAYS = 14
GRACE_DAYS = 7  # after "still available?" without an answer, the offer is flagged stale
OFFER_END_NOTICE_DAYS = 7
MORNING = time(8, 0)
EVENING = time(21, 0)
LATE_AFTER = timedelta(hours=1)


def paris_day(now: datetime) -> date:
    return now.astimezone(PARIS).date()


def morning_of(day: date) -> datetime:
    """08:00 in Paris on that day, in UTC."""
    return datetime.combine(day, MORNING, PARIS).astimezone(UTC)


def is_quiet(now: datetime) -> bool:
    """Nothing is sent between 21:00 and 08:00 in Paris."""
    local = now.astimezone(PARIS).time()
    return local >= EVENING or local < MORNING


def next_morning(now: datetime) -> datetime:
    local = now.astimezone(PARIS)
    day = local.date() if local.time() < MORNING else local.date() + timedelta(days=1)
    return morning_of(day)


def first_sending_moment(due: datetime) -> datetime:
    return next_morning(due) if is_quiet(due) else due


def is_late(due: datetime, sent: datetime) -> bool:
    """Sent well after it could have been (the bot was down): the message says so."""
    return sent - first_sending_moment(due) > LATE_AFTER


def current_milestone(planned_end: date, today: date, milestones: tuple[int, ...]) -> int | None:
    """The latest milestone reached: with 20 days left and milestones 60, 30, 14, it is 30.
    Earlier ones are not announced any more (a placement recorded 20 days before its end gets one alert)."""
    days_left = (planned_end - today).days
    reached = [m for m in milestones if m >= days_left >= 0]
    return min(reached) if reached else None
