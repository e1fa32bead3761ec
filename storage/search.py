"""Searching offers in the database, and the saved searches that result pages and buttons refer to.

:func:`find` lets SQL do the cheap hard filters (territory, status, capacity, dates, minimum stay,
needs, qualification, and a latitude/longitude box around ``near`` when a radius is given),
selecting only the columns ranking needs, then ranks the rows with the pure
:func:`bot.domain.search.rank`, which applies every filter again: the SQL part may only ever let
through more offers than the ranking keeps, never fewer. Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools
import json
import math
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, Text, and_, cast, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.search import (
    AVAILABLE,
    PAUSED,
    START_TOLERANCE_DAYS,
    TURNED_DOWN,
    Criteria,
    OfferFacts,
    Ranking,
    rank,
    shortlist,
)
from bot.geo.communes import EARTH_RADIUS_KM
from storage.models import Offer, SavedSearch

__all__ = ["candidates_query", "find", "load_criteria", "purge_saved_searches", "save_criteria"]

_KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180.0
_IDS_PER_QUERY = 500
_BOX_MARGIN = 1.01  # the box is a little larger than the circle: rank() applies the exact distance

# The columns of OfferFacts but the languages (its last field), in its order: all in the index ix_offers_search.
_COLUMNS = (
    col(Offer.id),
    col(Offer.departement),
    col(Offer.status),
    col(Offer.latitude),
    col(Offer.longitude),
    col(Offer.people),
    col(Offer.available_from),
    col(Offer.available_until),
    col(Offer.min_stay_days),
    col(Offer.step_free),
    col(Offer.pets),
    col(Offer.children),
    col(Offer.qualification),
    col(Offer.last_confirmed_at),
    col(Offer.stale_since),
)
# As text: decoded once per distinct list (see _languages).
_LANGUAGES = cast(col(Offer.languages), Text)


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


def candidates_query(criteria: Criteria, today: date, *, languages: bool = False) -> Select[*tuple[Any, ...]]:
    """The SQL prefilter: offers that may match, as rows in :class:`OfferFacts` order, without
    the languages (they are not in the index) unless asked for (then last)."""
    start = today if criteria.start is None or criteria.start < today else criteria.start
    stay = 1 if criteria.days is None else criteria.days
    statuses = [AVAILABLE, PAUSED] if criteria.include_stale else [AVAILABLE]
    conditions = [
        col(Offer.departement).in_(sorted(set(criteria.departements))),
        col(Offer.status).in_(statuses),
        col(Offer.people) >= criteria.people,
        col(Offer.available_from) <= start + timedelta(days=START_TOLERANCE_DAYS),
        # The stay starts on the wanted day or later: the end must be at least `stay` days after it.
        or_(col(Offer.available_until).is_(None), col(Offer.available_until) >= start + timedelta(days=stay)),
        col(Offer.qualification) != TURNED_DOWN,
    ]
    if not criteria.include_stale:
        conditions.append(col(Offer.stale_since).is_(None))
    if criteria.days is not None:
        conditions.append(or_(col(Offer.min_stay_days).is_(None), col(Offer.min_stay_days) <= criteria.days))
    if criteria.step_free:
        conditions.append(col(Offer.step_free).in_(["yes", "partly"]))
    if criteria.pets:
        conditions.append(col(Offer.pets).is_(True))
    if criteria.children:
        conditions.append(col(Offer.children).is_(True))
    if criteria.near is not None and criteria.radius_km is not None:
        box = _box(criteria.near[0], criteria.near[1], criteria.radius_km)
        if box is not None:
            south, north, west, east = box
            conditions.append(col(Offer.latitude).between(south, north))
            conditions.append(col(Offer.longitude).between(west, east))
    columns = (*_COLUMNS, _LANGUAGES) if languages else _COLUMNS
    return select(*columns).where(and_(*conditions))


async def find(
    session: AsyncSession, criteria: Criteria, today: date, now: datetime, limit: int | None = None
) -> Ranking:
    """The offers matching the criteria, best first: the first ``limit`` (all when None) and how
    many matched in all. ``criteria.departements`` must already be limited to the caller's
    territory (:func:`bot.domain.search.within_territory`); empty, it finds nothing.

    With a limit, the candidates are read from the index alone, without their languages; then
    the languages of the few offers that may make the first ``limit`` (:func:`shortlist`) are
    read by id, and those are ranked. Same result as ranking everything, much less to read.
    """
    if not criteria.departements:
        return Ranking(0, [])
    connection = await session.connection()  # Core rows: no ORM bookkeeping for thousands of tuples
    if limit is None:
        rows: Any = (await connection.execute(candidates_query(criteria, today, languages=True))).all()
        facts = [OfferFacts._make((*row[:15], _languages(row[15]))) for row in rows]
        return rank(criteria, facts, today, now)
    rows = (await connection.execute(candidates_query(criteria, today))).all()
    facts = [OfferFacts._make((*row, ())) for row in rows]
    total, ids = shortlist(criteria, facts, today, now, limit)
    if not ids:
        return Ranking(total, [])
    known: dict[int, tuple[str, ...]] = {}
    for first in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[first : first + _IDS_PER_QUERY]
        found: Any = await connection.execute(
            select(col(Offer.id), _LANGUAGES).where(col(Offer.id).in_(chunk))
        )
        known.update((offer_id, _languages(text)) for offer_id, text in found)
    wanted = set(ids)
    chosen = [offer._replace(languages=known.get(offer.id, ())) for offer in facts if offer.id in wanted]
    return Ranking(total, rank(criteria, chosen, today, now, limit=limit).matches)


async def save_criteria(session: AsyncSession, user_id: int, criteria: Criteria, now: datetime) -> int:
    """Store the criteria for ``user_id``; returns the id that buttons and pages refer to."""
    saved = SavedSearch(user_id=user_id, criteria=criteria.to_json(), created_at=now)
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


async def purge_saved_searches(session: AsyncSession, before: datetime) -> int:
    """Delete the searches saved before ``before`` (old result pages then say "search again")."""
    result = await session.execute(delete(SavedSearch).where(col(SavedSearch.created_at) < before))
    return int(getattr(result, "rowcount", 0) or 0)
