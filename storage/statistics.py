"""The statistics of a territory, counted by the database (see :mod:`bot.domain.statistics` for what
each figure means).

Seven aggregate queries, each returning a few rows per département (grouped by status, by day or by
week), never one row per offer: fast on 100 000 offers. The same SQL runs on SQLite and PostgreSQL:
weeks are numbered with a ``CASE`` over the week boundaries (computed here, in Europe/Paris time),
and the only dialect-specific part is the number of whole days between two timestamps.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, Select, case, cast, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.statistics import UNQUALIFIED, WEEKS, WITHDRAWN, Tally, TerritoryStatistics
from storage.models import Household, Offer, Placement

PARIS: Final = ZoneInfo("Europe/Paris")
ACTIVE: Final = "active"
ENDED: Final = "ended"
SECONDS_PER_DAY: Final = 86_400


def _whole_days(later: Any, earlier: Any, dialect: str) -> ColumnElement[int]:
    """Whole days (24-hour periods) from ``earlier`` to ``later``, two timestamp expressions."""
    if dialect == "sqlite":  # ISO texts; whole seconds since 1970, then an integer division (truncates)
        seconds = cast(func.strftime("%s", later), Integer) - cast(func.strftime("%s", earlier), Integer)
        return seconds // SECONDS_PER_DAY
    return cast(func.floor(extract("epoch", later - earlier) / SECONDS_PER_DAY), Integer)


def _week_index(column: Any, boundaries: list[Any]) -> ColumnElement[int]:
    """0 for a value before ``boundaries[1]``, 1 before ``boundaries[2]``…: the week it falls in
    (the caller keeps values within ``boundaries[0]`` and ``boundaries[-1]``)."""
    whens = [(column < boundary, index) for index, boundary in enumerate(boundaries[1:-1])]
    return case(*whens, else_=len(boundaries) - 2)


def _count_by(rows: Select[str, int]) -> Select[str, int, int]:
    """How many of ``rows`` (département, key) share each value: grouped in an outer query, since
    PostgreSQL does not see an expression with bound parameters in GROUP BY as the selected one."""
    inner = rows.subquery()
    departement, key = inner.c
    return select(departement, key, func.count()).group_by(departement, key)


def _paris_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)


async def territory_statistics(
    session: AsyncSession, departements: frozenset[str], today: date, now: datetime, weeks: int = WEEKS
) -> TerritoryStatistics:
    """Every figure of :class:`~bot.domain.statistics.TerritoryStatistics` for ``departements``
    (already limited to what the caller may see). ``today`` is the French calendar day; ``now`` is
    accepted for symmetry with the other queries (the figures depend on ``today`` only)."""
    tally = Tally(departements, today, weeks)
    if not departements:
        return tally.result()
    connection = await session.connection()  # Core rows: nothing is loaded as ORM objects
    dialect = connection.dialect.name
    territory = sorted(departements)
    in_territory = col(Offer.departement).in_(territory)

    # Offers by status, staleness and qualification, with their capacity.
    stale = col(Offer.stale_since).is_not(None)
    keys = (col(Offer.departement), col(Offer.status), stale, col(Offer.qualification))
    rows: Any = await connection.execute(
        select(*keys, func.count(), func.sum(col(Offer.people)))
        .where(in_territory, col(Offer.status) != WITHDRAWN)
        .group_by(*keys)
    )
    for departement, status, is_stale, qualification, count, people in rows:
        unqualified = qualification == UNQUALIFIED
        tally.add_offers(departement, status, bool(is_stale), unqualified, count, int(people or 0))

    # Active placements: the people they house, and those ending within the longest horizon.
    placed = (
        select(col(Offer.departement))
        .select_from(Placement)
        .join(Offer, col(Offer.id) == Placement.offer_id)
        .where(in_territory, col(Placement.status) == ACTIVE)
    )
    rows = await connection.execute(
        placed.add_columns(func.sum(col(Household.adults) + col(Household.children)))
        .join(Household, col(Household.id) == Placement.household_id)
        .group_by(col(Offer.departement))
    )
    for departement, people in rows:
        tally.add_occupied(departement, int(people or 0))
    rows = await connection.execute(
        placed.add_columns(col(Placement.planned_end), func.count())
        .where(col(Placement.planned_end).between(today, today + timedelta(days=60)))
        .group_by(col(Offer.departement), col(Placement.planned_end))
    )
    for departement, planned_end, count in rows:
        tally.add_ending(departement, planned_end, count)

    # New offers and arrivals per week (Monday 00:00 in Paris to the next Monday).
    starts = [*tally.starts, tally.starts[-1] + timedelta(weeks=1)]
    instants = [_paris_midnight(day) for day in starts]
    rows = await connection.execute(
        _count_by(
            select(col(Offer.departement), _week_index(col(Offer.created_at), instants)).where(
                in_territory, col(Offer.created_at) >= instants[0], col(Offer.created_at) < instants[-1]
            )
        )
    )
    for departement, week, count in rows:
        tally.add_new_offers(departement, week, count)
    rows = await connection.execute(
        _count_by(
            select(col(Offer.departement), _week_index(col(Placement.start_date), starts))
            .select_from(Placement)
            .join(Offer, col(Offer.id) == Placement.offer_id)
            .where(
                in_territory,
                col(Placement.status).in_([ACTIVE, ENDED]),
                col(Placement.start_date) >= starts[0],
                col(Placement.start_date) < starts[-1],
            )
        )
    )
    for departement, week, count in rows:
        tally.add_new_placements(departement, week, count)

    # Delays: how many offers took each number of days.
    to_qualification = _whole_days(col(Offer.qualified_at), col(Offer.created_at), dialect)
    rows = await connection.execute(
        _count_by(
            select(col(Offer.departement), to_qualification).where(
                in_territory, col(Offer.qualified_at).is_not(None)
            )
        )
    )
    for departement, days, count in rows:
        tally.add_days_to_qualification(departement, int(days), count)
    first = (
        select(col(Placement.offer_id), func.min(col(Placement.created_at)).label("first_at"))
        .group_by(col(Placement.offer_id))
        .subquery()
    )
    to_placement = _whole_days(first.c.first_at, col(Offer.created_at), dialect)
    rows = await connection.execute(
        _count_by(
            select(col(Offer.departement), to_placement)
            .select_from(Offer)
            .join(first, first.c.offer_id == Offer.id)
            .where(in_territory)
        )
    )
    for departement, days, count in rows:
        tally.add_days_to_first_placement(departement, int(days), count)
    return tally.result()
