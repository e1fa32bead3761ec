"""Searching offers in the database, and the saved searches that result pages and buttons refer to.

:func:`find` lets SQL do the cheap hard filters (territory, status, capacity, dates, minimum stay,
needs, qualification, and a latitude/longitude box around ``near`` when a radius is given), then
ranks with the pure :func:`bot.domain.search.ranking.rank`, which applies every filter again: the SQL part
may only ever let through more offers than the ranking keeps, never fewer. Works the same on
SQLite and PostgreSQL.

With a ``limit`` (a page of results), it reads in two steps, because reading thousands of rows is
what costs: first, from the index ``ix_offers_search`` alone, only the columns that order the
offers (not those SQL already filtered exactly, nor the languages, which are not in the index);
then, by id, every column of the few offers that can make the first ``limit``
(:func:`bot.domain.search.ranking.shortlist`). The result is the same as ranking everything.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, NamedTuple

from sqlalchemy import Date, DateTime, Select, Text, and_, bindparam, cast, delete, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from bot.domain.offer_schema import NEEDS
from bot.domain.offers import Qualification, Status
from bot.domain.search.criteria import Criteria
from bot.domain.search.ranking import (
    START_TOLERANCE_DAYS,
    OfferFacts,
    Ranking,
    effective_start,
    rank,
    shortlist,
)
from bot.geo.communes import EARTH_RADIUS_KM
from storage.models import Offer, SavedSearch

__all__ = [
    "candidates_query",
    "find",
    "household_of",
    "load_criteria",
    "purge_saved_searches",
    "save_criteria",
]

_KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180.0
_IDS_PER_QUERY = 500
_BOX_MARGIN = 1.01  # the box is a little larger than the circle: rank() applies the exact distance

# Every column of OfferFacts, by name and in its order; the languages (JSON, last) as text, decoded by
# _languages(). A row of them is read with facts_of_row().
assert OfferFacts._fields[-1] == "languages", "the languages are read apart, last"
FACTS_COLUMNS: Final = tuple(
    cast(col(Offer.languages), Text) if name == "languages" else col(getattr(Offer, name))
    for name in OfferFacts._fields
)
# What orders the offers once SQL filtered them: every column but the languages, all in the index
# ix_offers_search (the timestamps without the UTC type's Python conversion, for thousands of rows: SQLite
# gives them naive, in UTC).
_ORDERING = tuple(
    type_coerce(column, DateTime(timezone=True)) if name in ("last_confirmed_at", "stale_since") else column
    for name, column in zip(OfferFacts._fields, FACTS_COLUMNS, strict=True)
    if name != "languages"
)


@functools.lru_cache(maxsize=4096)
def _languages(text: str | None) -> tuple[str, ...]:
    """A JSON list of language codes, decoded: offers share a few dozen distinct lists."""
    decoded = json.loads(text) if text else []
    return tuple(code for code in decoded if isinstance(code, str)) if isinstance(decoded, list) else ()


def _box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float] | None:
    """(south, north, west, east) degrees containing the circle, or None near a pole or the
    antimeridian (no box then: the ranking alone filters)."""
    dlat = radius_km * _BOX_MARGIN / _KM_PER_DEGREE
    farthest = abs(lat) + dlat
    if farthest >= 89.0:
        return None
    dlon = radius_km * _BOX_MARGIN / (_KM_PER_DEGREE * math.cos(math.radians(farthest)))
    if abs(lon) + dlon >= 180.0:
        return None
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


class _Shape(NamedTuple):
    """Which conditions and columns a search needs: one cached statement per shape."""

    columns: str  # "facts" or "ordering"
    include_stale: bool
    days: bool
    needs: frozenset[str]
    box: bool


@functools.lru_cache(maxsize=512)
def _statement(shape: _Shape) -> Select[*tuple[Any, ...]]:
    """The SQL prefilter, with bound parameters (see :func:`_parameters`). Exact for territory,
    status, staleness, capacity, the latest start, the minimum stay, the needs (every value but
    those that exclude an offer: not stated ones are ranked, lower) and qualification; a superset for the end date (the stay may start later than
    wanted) and the radius (a box)."""
    conditions = [
        col(Offer.departement).in_(bindparam("departements", expanding=True)),
        col(Offer.status).in_(
            [Status.AVAILABLE, Status.PAUSED] if shape.include_stale else [Status.AVAILABLE]
        ),
        col(Offer.people) >= bindparam("people"),
        col(Offer.available_from) <= bindparam("latest_from", type_=Date),
        # The stay starts on the wanted day or later: the end must be at least `stay` days after it.
        or_(
            col(Offer.available_until).is_(None),
            col(Offer.available_until) >= bindparam("earliest_end", type_=Date),
        ),
        col(Offer.qualification) != Qualification.TURNED_DOWN,
    ]
    if not shape.include_stale:
        conditions.append(col(Offer.stale_since).is_(None))
    if shape.days:
        conditions.append(
            or_(col(Offer.min_stay_days).is_(None), col(Offer.min_stay_days) <= bindparam("days"))
        )
    for need in NEEDS:
        if need.name in shape.needs:
            column = col(getattr(Offer, need.fact))
            conditions.append(or_(column.is_(None), column.not_in(sorted(need.excluded, key=str))))
    if shape.box:
        conditions.append(col(Offer.latitude).between(bindparam("south"), bindparam("north")))
        conditions.append(col(Offer.longitude).between(bindparam("west"), bindparam("east")))
    return select(*(FACTS_COLUMNS if shape.columns == "facts" else _ORDERING)).where(and_(*conditions))


def _parameters(criteria: Criteria, today: date, columns: str) -> tuple[_Shape, dict[str, Any]]:
    start = effective_start(criteria.start, today)
    stay = 1 if criteria.days is None else criteria.days
    values: dict[str, Any] = {
        "departements": sorted(set(criteria.departements)),
        "people": criteria.people,
        "latest_from": start + timedelta(days=START_TOLERANCE_DAYS),
        "earliest_end": start + timedelta(days=stay),
        "days": criteria.days,
    }
    box = None
    if criteria.near is not None and criteria.radius_km is not None:
        box = _box(criteria.near[0], criteria.near[1], criteria.radius_km)
        if box is not None:
            values["south"], values["north"], values["west"], values["east"] = box
    shape = _Shape(
        columns,
        criteria.include_stale,
        criteria.days is not None,
        criteria.needs,
        box is not None,
    )
    if not shape.days:
        del values["days"]
    return shape, values


def candidates_query(criteria: Criteria, today: date) -> Select[*tuple[Any, ...]]:
    """Every column of the offers that pass the SQL prefilter, in :class:`OfferFacts` order (the
    languages as JSON text), parameters bound: for inspection (``EXPLAIN``)."""
    shape, values = _parameters(criteria, today, "facts")
    return _statement(shape).params(values)


def facts_of(offer: Offer) -> OfferFacts:
    """The ranking's view of an offer loaded as an ORM object (benchmark baseline, tests)."""
    values = {name: getattr(offer, name) for name in OfferFacts._fields if name != "languages"}
    return OfferFacts(**values, languages=tuple(offer.languages or ()))


def facts_of_row(row: Any) -> OfferFacts:
    """A row of :data:`FACTS_COLUMNS`, as the ranking reads it."""
    return OfferFacts._make((*row[:-1], _languages(row[-1])))


_BY_ID = select(*FACTS_COLUMNS).where(col(Offer.id).in_(bindparam("ids", expanding=True)))


async def _facts_by_id(connection: AsyncConnection, ids: Sequence[int]) -> list[OfferFacts]:
    facts: list[OfferFacts] = []
    for first in range(0, len(ids), _IDS_PER_QUERY):
        rows: Any = await connection.execute(_BY_ID, {"ids": list(ids[first : first + _IDS_PER_QUERY])})
        facts.extend(facts_of_row(row) for row in rows)
    return facts


async def find(
    session: AsyncSession, criteria: Criteria, today: date, now: datetime, limit: int | None = None
) -> Ranking:
    """The offers matching the criteria, best first: the first ``limit`` (all when None) and how
    many matched in all. ``criteria.departements`` must already be limited to the caller's
    territory (:func:`bot.domain.search.criteria.within_territory`); empty, it finds nothing.

    With a limit, two statements (see the module docstring): an offer changed by someone else in
    between (PostgreSQL, read committed) is judged on its new values, never shown if it no longer
    matches; the total may then be off by one.
    """
    if not criteria.departements:
        return Ranking(0, [])
    connection = await session.connection()  # Core rows: no ORM bookkeeping for thousands of tuples
    if limit is None:
        shape, values = _parameters(criteria, today, "facts")
        rows: Any = (await connection.execute(_statement(shape), values)).all()
        return rank(criteria, [facts_of_row(row) for row in rows], today, now)

    # Step 1: every column but the languages, read from the index alone.
    shape, values = _parameters(criteria, today, "ordering")
    rows = (await connection.execute(_statement(shape), values)).all()
    make, none = OfferFacts._make, ()
    ordering = [make((*row, none)) for row in rows]
    if ordering and ordering[0].last_confirmed_at.tzinfo is None:  # SQLite: compare in naive UTC
        total, ids = shortlist(criteria, ordering, today, now.astimezone(UTC).replace(tzinfo=None), limit)
    else:
        total, ids = shortlist(criteria, ordering, today, now, limit)
    if not ids:
        return Ranking(total, [])
    # Step 2: every column of the shortlisted offers, then the exact ranking among them.
    chosen = await _facts_by_id(connection, ids)
    return Ranking(total, rank(criteria, chosen, today, now, limit=limit).matches)


async def save_criteria(
    session: AsyncSession, user_id: int, criteria: Criteria, now: datetime, household_id: int | None = None
) -> int:
    """Store the criteria for ``user_id`` (searching for ``household_id``, if given); returns the id that
    buttons and pages refer to."""
    saved = SavedSearch(
        user_id=user_id, criteria=criteria.to_json(), created_at=now, household_id=household_id
    )
    session.add(saved)
    await session.flush()
    assert saved.id is not None
    return saved.id


async def load_criteria(session: AsyncSession, search_id: int, user_id: int) -> Criteria | None:
    """The saved criteria, only for the user who saved them; None otherwise (or if unreadable)."""
    saved = await session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != user_id:
        return None
    try:
        return Criteria.from_json(saved.criteria)
    except ValueError:
        return None


async def household_of(session: AsyncSession, search_id: int) -> int | None:
    """The household a saved search was made for ("Find places"), if any."""
    saved = await session.get(SavedSearch, search_id)
    return saved.household_id if saved is not None else None


async def purge_saved_searches(session: AsyncSession, before: datetime) -> int:
    """Delete the searches saved before ``before`` (old result pages then say "search again")."""
    result = await session.execute(delete(SavedSearch).where(col(SavedSearch.created_at) < before))
    return int(getattr(result, "rowcount", 0) or 0)
