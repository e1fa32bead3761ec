"""Which offers suit a household, best first, and why.

:func:`rank` keeps an offer only if all of these hold (the hard filters):

* its département is one of ``criteria.departements`` (never another one, however near);
* it is ``available`` and not stale; with ``include_stale``, ``paused`` and stale offers too;
* it is not turned down at qualification;
* its capacity is at least the number of people;
* it is available by the start, or at most :data:`START_TOLERANCE_DAYS` later (marked
  STARTS_LATER and ranked lower); the start is ``criteria.start``, or today if that is unset or
  past;
* it is still available for the whole stay: from the day the household can move in (the start,
  or the offer's first day if later), ``days`` nights (one night when the duration is unknown)
  end on or before ``available_until`` (the departure day);
* its minimum stay is not longer than the need (when the need is known);
* step-free when needed: ``yes``, or ``partly`` as a weaker match (STEP_FREE_PARTLY, ranked
  lower: a caseworker knows whether "partly" is enough for this household); ``no`` and
  ``unknown`` are left out;
* pets accepted when there is a pet, children welcome when there are children;
* within ``radius_km`` of ``near`` when both are given.

Then, in this order: active offers before stale or paused ones (only shown with
``include_stale``); qualified before not yet qualified; then by a score (:func:`score`, higher
first) adding up freshness of the last confirmation, capacity close to the need, nearness,
length of availability and languages shared with the household, minus penalties for a late start
or partial step-free access; last, the offer id (deterministic). Each :class:`Match` says why
(:class:`Reason`) and what to watch (:class:`Caveat`), with numbers.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final, NamedTuple

from bot.domain.offer_schema import NEEDS, Need
from bot.domain.offers import Qualification, Status
from bot.domain.search.criteria import Criteria
from bot.geo.communes import distance_km

START_TOLERANCE_DAYS: Final = 7
"""An offer that becomes available at most this many days after the wanted start is still shown."""
FRESH_DAYS: Final = 14
"""Confirmed at most this many days ago: the FRESH reason."""
NOT_CONFIRMED_DAYS: Final = 45
"""Not confirmed for more than this many days: the NOT_CONFIRMED caveat."""

# Score weights: the best offer on one criterion gets the full weight, see score().
W_FRESH: Final = 30.0
FRESH_HORIZON_DAYS: Final = 60.0  # freshness points fall linearly to 0 at this age
W_CAPACITY: Final = 30.0  # × people / places: a 2-place offer for 2 people gets all, a 6-place one a third
W_DISTANCE: Final = 25.0  # × 10 km / (10 km + distance): half at 10 km, a quarter at 30 km
DISTANCE_HALF_KM: Final = 10.0
W_LENGTH: Final = 10.0  # open-ended, or a year or more from the move-in day, gets all
LENGTH_FULL_DAYS: Final = 365.0
W_LANGUAGE: Final = 5.0  # per language shared with the household, at most two
PENALTY_LATE_PER_DAY: Final = 2.0
PENALTY_PARTLY: Final = 20.0  # per need only partly met (partly step-free)


# =========================================================================== offers and matches


class OfferFacts(NamedTuple):
    """The columns of an offer that ranking needs (a tuple: cheap to build from a database row;
    build it with keywords elsewhere).

    ``last_confirmed_at`` and ``stale_since`` are timezone-aware, like ``now``; ``languages`` are
    the codes the host speaks (``uk``, ``ru``, ``en``…).
    """

    id: int
    departement: str
    status: str
    latitude: float
    longitude: float
    people: int
    available_from: date
    available_until: date | None
    min_stay_days: int | None
    step_free: str | None
    pets: bool | None
    children: bool | None
    qualification: str
    last_confirmed_at: datetime
    stale_since: datetime | None
    languages: tuple[str, ...]


class Reason(StrEnum):
    """Why an offer matches; ``Why.value`` gives the number where there is one.

    QUALIFIED: visited and found decent (no value). AVAILABLE_NOW: available on the wanted start
    (no value). COVERS_DATES: available for the whole stay (value: the days needed). OPEN_ENDED:
    no end date (no value). CAPACITY_FITS: at most one place more than needed (value: places).
    DISTANCE: value: km from ``near`` (one decimal). NEED_MET: the offer states that it meets a need
    (value: the need's name). SPEAKS_LANGUAGE: the host speaks a language of the household (value: its
    code; one per language). FRESH: confirmed recently (value: days since the last confirmation).
    """

    QUALIFIED = "qualified"
    AVAILABLE_NOW = "available_now"
    COVERS_DATES = "covers_dates"
    OPEN_ENDED = "open_ended"
    CAPACITY_FITS = "capacity_fits"
    DISTANCE = "distance"
    NEED_MET = "need_met"
    SPEAKS_LANGUAGE = "speaks_language"
    FRESH = "fresh"


class Caveat(StrEnum):
    """What to watch about a matching offer; ``Why.value`` gives the number where there is one.

    NOT_QUALIFIED: not yet visited (no value). PAUSED: the host paused it (no value). STALE: the
    host did not re-confirm (value: days since it was flagged). NOT_CONFIRMED: value: days since
    the last confirmation, when more than :data:`NOT_CONFIRMED_DAYS`. STARTS_LATER: value: days
    after the wanted start. NEED_PARTLY: a need only partly met, e.g. partly step-free (value: the
    need's name). NEED_UNKNOWN: the offer does not say whether it meets a need (value: the need's name).
    LARGER: at least two places more than needed (value: the spare places, capacity minus people). LIMITED: the need's duration is
    unknown and the offer ends (value: days available from the move-in day). MIN_STAY: the need's
    duration is unknown and the offer has a minimum stay (value: days).
    """

    NOT_QUALIFIED = "not_qualified"
    PAUSED = "paused"
    STALE = "stale"
    NOT_CONFIRMED = "not_confirmed"
    STARTS_LATER = "starts_later"
    NEED_PARTLY = "need_partly"
    NEED_UNKNOWN = "need_unknown"
    LARGER = "larger"
    LIMITED = "limited"
    MIN_STAY = "min_stay"


@dataclass(frozen=True, slots=True)
class Why:
    """One reason or caveat, with its number (see :class:`Reason` and :class:`Caveat`)."""

    code: Reason | Caveat
    value: int | float | str | None = None


@dataclass(frozen=True)
class Match:
    """An offer that passed the hard filters, with what a result card needs to say why."""

    offer_id: int
    score: float
    distance_km: float | None  # one decimal; None without ``near``
    freshness_days: int  # whole days since the host last confirmed (0: within 24 hours)
    stale: bool
    paused: bool
    qualification: str
    reasons: tuple[Why, ...]
    caveats: tuple[Why, ...]
    facts: OfferFacts


@dataclass(frozen=True)
class Ranking:
    """The best matches (at most the ``limit`` asked for) and how many offers matched in all."""

    total: int
    matches: list[Match] = field(default_factory=list)


def effective_start(start: date | None, today: date) -> date:
    """The day a stay would begin: the day asked for, or today when none (or a past one) was asked."""
    return today if start is None or start < today else start


def score(criteria: Criteria, offer: OfferFacts, start: date, now: datetime, distance: float | None) -> float:
    """The ranking score of an offer that passed the filters (higher is better), see the module
    docstring; ``start`` is the effective wanted start, ``distance`` in km from ``near``."""
    fresh_days = max(0, (now - offer.last_confirmed_at).days)
    points = W_FRESH * max(0.0, 1.0 - fresh_days / FRESH_HORIZON_DAYS)
    points += W_CAPACITY * criteria.people / offer.people
    if distance is not None:
        points += W_DISTANCE * DISTANCE_HALF_KM / (DISTANCE_HALF_KM + distance)
    begin = max(start, offer.available_from)
    if offer.available_until is None:
        points += W_LENGTH
    else:
        points += W_LENGTH * min(1.0, (offer.available_until - begin).days / LENGTH_FULL_DAYS)
    if criteria.languages and offer.languages:
        shared = sum(1 for code in criteria.languages if code in offer.languages)
        points += W_LANGUAGE * min(2, shared)
    if offer.available_from > start:
        points -= PENALTY_LATE_PER_DAY * (offer.available_from - start).days
    for index, verdicts in _need_checks(criteria):
        if verdicts.get(offer[index], _UNKNOWN) == _PARTLY:
            points -= PENALTY_PARTLY
    return points


_MET, _PARTLY, _UNKNOWN, _EXCLUDED = range(4)
_OFFER_FIELD: Final = {name: index for index, name in enumerate(OfferFacts._fields)}


def _verdicts(need: Need) -> dict[Any, int]:
    return {
        **dict.fromkeys(need.met, _MET), **dict.fromkeys(need.partly, _PARTLY),
        **dict.fromkeys(need.excluded, _EXCLUDED),
    }  # fmt: skip


_NEED_CHECKS: Final = {need.name: (_OFFER_FIELD[need.fact], _verdicts(need)) for need in NEEDS}


def _need_checks(criteria: Criteria) -> list[tuple[int, dict[Any, int]]]:
    """For each need of the criteria: the offer field it reads, and the verdict of each stated value."""
    return [_NEED_CHECKS[need.name] for need in NEEDS if need.name in criteria.needs]


# (stale or paused, needs not stated, not qualified, -score, offer id): smaller is better.
_SortKey = tuple[bool, int, bool, float, int]
_Kept = tuple[_SortKey, OfferFacts, float | None]  # the sort key, the offer, its distance


def _passing(criteria: Criteria, candidates: Iterable[OfferFacts], start: date, now: datetime) -> list[_Kept]:
    """The offers passing the hard filters, with their sort keys (unsorted).

    The hot loop of a search (thousands of offers): the score is computed inline, exactly as
    :func:`score` does it (same operations in the same order, tests check it).
    """
    territory = frozenset(criteria.departements)
    if not territory:
        return []
    latest_from = start + timedelta(days=START_TOLERANCE_DAYS)
    need = criteria.people
    days = criteria.days
    stay = 1 if days is None else days
    include_stale = criteria.include_stale
    checks = _need_checks(criteria)
    wanted = criteria.languages
    near = criteria.near
    radius = criteria.radius_km
    near_lat, near_lon = near if near is not None else (0.0, 0.0)

    kept: list[_Kept] = []
    append = kept.append
    for offer in candidates:
        (
            offer_id, departement, status, lat, lon, places, available_from, until, min_stay,
            _step_free, _pets, _children, qualification, confirmed, stale_since, languages,
        ) = offer  # fmt: skip
        if departement not in territory or places < need:
            continue
        inactive = False
        if status != Status.AVAILABLE:
            if not include_stale or status != Status.PAUSED:
                continue
            inactive = True
        if stale_since is not None:
            if not include_stale:
                continue
            inactive = True
        if qualification == Qualification.TURNED_DOWN or available_from > latest_from:
            continue
        begin = available_from if available_from > start else start
        available_days = 0
        if until is not None:
            available_days = (until - begin).days
            if available_days < stay:
                continue
        if days is not None and min_stay is not None and min_stay > days:
            continue
        partly = uncertain = 0
        excluded = False
        for index, verdicts in checks:
            verdict = verdicts.get(offer[index], _UNKNOWN)
            if verdict == _EXCLUDED:
                excluded = True
                break
            partly += verdict == _PARTLY
            uncertain += verdict == _UNKNOWN
        if excluded:
            continue
        distance: float | None = None
        if near is not None:
            distance = distance_km(near_lat, near_lon, lat, lon)
            if radius is not None and distance > radius:
                continue
        # = score(criteria, offer, start, now, distance)
        fresh_days = (now - confirmed).days
        if fresh_days < 0:
            fresh_days = 0
        freshness = 1.0 - fresh_days / FRESH_HORIZON_DAYS
        points = W_FRESH * (freshness if freshness > 0.0 else 0.0)
        points += W_CAPACITY * need / places
        if distance is not None:
            points += W_DISTANCE * DISTANCE_HALF_KM / (DISTANCE_HALF_KM + distance)
        if until is None:
            points += W_LENGTH
        else:
            length = available_days / LENGTH_FULL_DAYS
            points += W_LENGTH * (length if length < 1.0 else 1.0)
        if wanted and languages:
            shared = sum(1 for code in wanted if code in languages)
            points += W_LANGUAGE * (shared if shared < 2 else 2)
        if available_from > start:
            points -= PENALTY_LATE_PER_DAY * (available_from - start).days
        if partly:
            points -= PENALTY_PARTLY * partly
        append(
            (
                (inactive, uncertain, qualification != Qualification.QUALIFIED, -points, offer_id),
                offer,
                distance,
            )
        )
    return kept


def _sort_key(item: _Kept) -> _SortKey:
    return item[0]


def _best(kept: list[_Kept], limit: int | None) -> list[_Kept]:
    """The first ``limit`` (all when None) in order."""
    if limit is None or limit * 4 >= len(kept):
        kept.sort(key=_sort_key)
        return kept if limit is None else kept[: max(0, limit)]
    return heapq.nsmallest(max(0, limit), kept, key=_sort_key)


def rank(
    criteria: Criteria,
    candidates: Iterable[OfferFacts],
    today: date,
    now: datetime,
    *,
    limit: int | None = None,
) -> Ranking:
    """Apply the hard filters, then order best first (see the module docstring).

    Returns the first ``limit`` matches (all when None) and the total number of matches. ``now``
    must be timezone-aware, like the offers' timestamps.
    """
    start = effective_start(criteria.start, today)
    kept = _passing(criteria, candidates, start, now)
    matches = [
        _explain(criteria, offer, start, now, -key[3], distance)
        for key, offer, distance in _best(kept, limit)
    ]
    return Ranking(len(kept), matches)


def shortlist(
    criteria: Criteria, candidates: Iterable[OfferFacts], today: date, now: datetime, limit: int
) -> tuple[int, list[int]]:
    """For candidates read without their languages (empty tuples): the number of matches, and the
    ids of the offers that can be among the first ``limit`` once their languages are known.

    Shared languages add at most ``W_LANGUAGE × min(2, len(criteria.languages))`` to a score, so
    an offer whose score plus that bonus stays below the ``limit``-th best score cannot get in.
    :func:`rank` over the shortlisted offers, with their languages, then gives exactly the first
    ``limit`` matches of :func:`rank` over all the candidates with their languages. Without
    languages in the criteria, the shortlist is the first ``limit`` matches themselves.
    """
    start = effective_start(criteria.start, today)
    kept = _passing(criteria, candidates, start, now)
    if limit <= 0:
        return len(kept), []
    if len(kept) <= limit:
        return len(kept), [offer.id for _, offer, _ in kept]
    bonus = W_LANGUAGE * min(2, len(set(criteria.languages)))
    last = _best(kept, limit)[-1][0]  # the limit-th best key, languages not counted
    if bonus == 0:
        return len(kept), [offer.id for key, offer, _ in kept if key <= last]
    # The best key an offer can reach: its score plus the bonus (and a hair for rounding).
    reach = (last[0], last[1], last[2], last[3] + bonus + 1e-6)
    return len(kept), [offer.id for key, offer, _ in kept if key[:4] <= reach]


def _explain(
    criteria: Criteria, offer: OfferFacts, start: date, now: datetime, points: float, distance: float | None
) -> Match:
    reasons: list[Why] = []
    caveats: list[Why] = []
    fresh_days = max(0, (now - offer.last_confirmed_at).days)
    if offer.qualification == Qualification.QUALIFIED:
        reasons.append(Why(Reason.QUALIFIED))
    else:
        caveats.append(Why(Caveat.NOT_QUALIFIED))
    paused = offer.status == Status.PAUSED
    if paused:
        caveats.append(Why(Caveat.PAUSED))
    if offer.stale_since is not None:
        caveats.append(Why(Caveat.STALE, max(0, (now - offer.stale_since).days)))
    elif fresh_days > NOT_CONFIRMED_DAYS:
        caveats.append(Why(Caveat.NOT_CONFIRMED, fresh_days))
    if offer.available_from <= start:
        reasons.append(Why(Reason.AVAILABLE_NOW))
    else:
        caveats.append(Why(Caveat.STARTS_LATER, (offer.available_from - start).days))
    begin = max(start, offer.available_from)
    if criteria.days is not None:
        reasons.append(Why(Reason.COVERS_DATES, criteria.days))
    if offer.available_until is None:
        reasons.append(Why(Reason.OPEN_ENDED))
    elif criteria.days is None:
        caveats.append(Why(Caveat.LIMITED, (offer.available_until - begin).days))
    if criteria.days is None and offer.min_stay_days:
        caveats.append(Why(Caveat.MIN_STAY, offer.min_stay_days))
    spare = offer.people - criteria.people
    if spare <= 1:
        reasons.append(Why(Reason.CAPACITY_FITS, offer.people))
    else:
        caveats.append(Why(Caveat.LARGER, spare))
    if distance is not None:
        reasons.append(Why(Reason.DISTANCE, round(distance, 1)))
    for need in NEEDS:
        if need.name in criteria.needs:
            verdict = _NEED_CHECKS[need.name][1].get(offer[_OFFER_FIELD[need.fact]], _UNKNOWN)
            if verdict == _MET:
                reasons.append(Why(Reason.NEED_MET, need.name))
            else:  # never a reason it cannot back: only partly met, or not stated
                caveats.append(
                    Why(Caveat.NEED_PARTLY if verdict == _PARTLY else Caveat.NEED_UNKNOWN, need.name)
                )
    reasons.extend(
        Why(Reason.SPEAKS_LANGUAGE, code) for code in criteria.languages if code in (offer.languages or ())
    )
    if fresh_days <= FRESH_DAYS:
        reasons.append(Why(Reason.FRESH, fresh_days))
    return Match(
        offer_id=offer.id,
        score=round(points, 3),
        distance_km=None if distance is None else round(distance, 1),
        freshness_days=fresh_days,
        stale=offer.stale_since is not None,
        paused=paused,
        qualification=offer.qualification,
        reasons=tuple(reasons),
        caveats=tuple(caveats),
        facts=offer,
    )
