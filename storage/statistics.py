"""The statistics of a territory, counted by the database (see :mod:`bot.domain.statistics` for what
each figure means).

Five aggregate queries, each returning a few rows per département (grouped by status, by day or by
week), never one row per offer: a few hundred milliseconds for 100 000 offers. The same SQL runs on SQLite and PostgreSQL:
weeks are numbered with a ``CASE`` over the week boundaries (computed here, in Europe/Paris time),
and the only dialect-specific part is the number of whole days between two timestamps.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, Select, case, cast, extract, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from bot.domain.casework import PlacementStatus
from bot.domain.consent import HostConsent, Outcome
from bot.domain.offers import Qualification, Status
from bot.domain.statistics import WEEKS, Tally, TerritoryStatistics
from storage.models import Household, Offer, Placement

PARIS: Final = ZoneInfo("Europe/Paris")
SECONDS_PER_DAY: Final = 86_400


def _whole_days(later: Any, earlier: Any, dialect: str) -> ColumnElement[int]:
    """Whole days (24-hour periods) from ``earlier`` to ``later``, two timestamp expressions."""
    if dialect == "sqlite":  # ISO texts: Julian days, rounded to the second, then an integer division
        seconds = cast((func.julianday(later) - func.julianday(earlier)) * SECONDS_PER_DAY + 0.5, Integer)
        return seconds // SECONDS_PER_DAY
    return cast(func.floor(extract("epoch", later - earlier) / SECONDS_PER_DAY), Integer)


def _week_index(column: Any, boundaries: Sequence[Any]) -> ColumnElement[int | None]:
    """The week a value falls in: 0 from ``boundaries[0]`` to ``boundaries[1]``, 1 up to
    ``boundaries[2]``…; NULL before the first boundary or from the last one."""
    whens: list[tuple[Any, Any]] = [(column < boundaries[0], None)]
    whens += [(column < boundary, index) for index, boundary in enumerate(boundaries[1:])]
    return case(*whens, else_=None)


def _grouped(rows: Select[Any]) -> Select[Any]:
    """How many of ``rows`` share each value of their columns (the count comes last). Grouped in an
    outer query: PostgreSQL does not see an expression with bound parameters in GROUP BY as the
    selected one."""
    columns = list(rows.subquery().c)
    return select(*columns, func.count()).group_by(*columns)


def _counted(
    *keys: Any, where: Sequence[Any], source: Any = Offer, joins: Sequence[tuple[Any, Any]] = ()
) -> Select[Any]:
    """How many rows of ``source`` (and ``joins``) in ``where`` share each département and ``keys``."""
    rows = select(col(Offer.departement), *keys).select_from(source)
    for table, on in joins:
        rows = rows.join(table, on)
    return _grouped(rows.where(*where))


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
    in_territory = col(Offer.departement).in_(sorted(departements))
    starts = [*tally.starts, tally.starts[-1] + timedelta(weeks=1)]  # Mondays, and the next one
    instants = [_paris_midnight(day) for day in starts]  # Monday 00:00 in Paris

    # 1. Offers by status (read from the search index alone where it covers these columns).
    fresh_people = case((col(Offer.stale_since).is_(None), col(Offer.people)), else_=0)
    unqualified = case((col(Offer.qualification) == Qualification.UNQUALIFIED, 1))
    rows: Any = await connection.execute(
        select(
            col(Offer.departement), col(Offer.status), func.count(), func.count(col(Offer.stale_since)),
            func.count(unqualified), func.sum(fresh_people),
        )
        # A turned-down offer left the search: not a place anyone can be offered (but still occupied if it is).
        .where(in_territory, col(Offer.status) != Status.WITHDRAWN,
               or_(col(Offer.status) != Status.AVAILABLE, col(Offer.qualification) != Qualification.TURNED_DOWN))
        .group_by(col(Offer.departement), col(Offer.status))
    )  # fmt: skip
    for departement, status, count, stale, not_qualified, people in rows:
        tally.add_offers(
            departement, status, count, stale=stale, unqualified=not_qualified, people=int(people or 0)
        )

    # 2. One pass over the offers: the week each was submitted in (if recent), and how many whole
    # days its qualification took (if qualified or turned down).
    rows = await connection.execute(
        _counted(
            _week_index(col(Offer.created_at), instants),
            _whole_days(col(Offer.qualified_at), col(Offer.created_at), dialect),
            where=[
                in_territory,
                or_(col(Offer.created_at) >= instants[0], col(Offer.qualified_at).is_not(None)),
            ],
        )
    )
    for departement, week, days, count in rows:
        if week is not None:
            tally.add_new_offers(departement, week, count)
        if days is not None:
            tally.add_days_to_qualification(departement, int(days), count)

    # 3. Active placements by planned end: the people they house, those ending soon.
    rows = await connection.execute(
        select(
            col(Offer.departement), col(Placement.planned_end), func.count(),
            func.sum(func.coalesce(col(Placement.people), col(Household.adults) + col(Household.children))),
        )
        .select_from(Placement)
        .join(Offer, col(Offer.id) == Placement.offer_id)
        .join(Household, col(Household.id) == Placement.household_id)
        .where(in_territory, col(Placement.status) == PlacementStatus.ACTIVE)
        .group_by(col(Offer.departement), col(Placement.planned_end))
    )  # fmt: skip
    for departement, planned_end, count, people in rows:
        tally.add_active_placements(departement, planned_end, count, int(people or 0))

    # 4. Arrivals per week: a household's first arrival in a place (a stay closed and recorded again for the
    # same household in the same place, as caseworkers did before corrections existed, is one arrival).
    arrived = [PlacementStatus.ACTIVE, PlacementStatus.ENDED]
    earlier = aliased(Placement)
    arrived_before = (
        select(col(earlier.id))
        .where(col(earlier.household_id) == Placement.household_id, col(earlier.offer_id) == Placement.offer_id,
               col(earlier.status).in_(arrived), col(earlier.id) < Placement.id)
        .exists()
    )  # fmt: skip
    rows = await connection.execute(
        _counted(
            _week_index(col(Placement.start_date), starts),
            source=Placement,
            joins=[(Offer, col(Offer.id) == Placement.offer_id)],
            where=[
                in_territory,
                col(Placement.status).in_(arrived),
                col(Placement.start_date) >= starts[0],
                col(Placement.start_date) < starts[-1],
                ~arrived_before,
            ],
        )
    )
    for departement, week, count in rows:
        tally.add_new_placements(departement, week, count)

    # 5. Whole days from each offer's submission to its first placement (of any fate).
    first = (
        select(
            col(Offer.departement).label("departement"),
            col(Offer.created_at).label("submitted"),
            func.min(col(Placement.created_at)).label("placed"),
        )
        .select_from(Placement)
        .join(Offer, col(Offer.id) == Placement.offer_id)
        .where(in_territory)
        .group_by(col(Placement.offer_id), col(Offer.departement), col(Offer.created_at))
        .subquery()
    )
    rows = await connection.execute(
        _grouped(select(first.c.departement, _whole_days(first.c.placed, first.c.submitted, dialect)))
    )
    for departement, days, count in rows:
        tally.add_days_to_first_placement(departement, int(days), count)
    return tally.result()


async def consent_outcomes(session: AsyncSession, departements: frozenset[str]) -> list[Outcome]:
    """Every proposal to a host in ``departements`` that ended: accepted, declined (and why) or lapsed."""
    rows: Any = await session.execute(
        select(col(Placement.host_answer), col(Placement.created_at), col(Placement.host_answered_at),
               col(Placement.decline_reason))
        .join(Household, col(Household.id) == Placement.household_id)
        .where(col(Household.departement).in_(sorted(departements)), col(Placement.host_answer).is_not(None))
    )  # fmt: skip
    return [
        Outcome(HostConsent(answer), proposed, answered, reason)
        for answer, proposed, answered, reason in rows
    ]
