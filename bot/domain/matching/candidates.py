"""Which places each household could take, and how well each fits: the search's rules, for a whole territory.

The hard constraints are those of ``bot.domain.search.ranking`` (see its docstring), applied to
every household and place at once with NumPy, plus two of matching's own: paused places are left
out (stale ones stay, marked), and a place may be shared (``Place.households``; capacity in people
is checked pair by pair here, shared in the solver).

The fit of a pair is the ranking's order as one number: the ranking's score, minus penalties so
large that a not-qualified place fits less than any qualified one, a place that does not state a
need less than any that states it, and a stale one less than any active one — exactly as the
search ranks them. A not-stated fact is never a reason: it only costs. Fits are counted in tenths
(integers) so that totals compare exactly.

When no place passes for a household, :func:`blocker` names the constraint that excludes
everything: the one which alone excludes the most places that pass all the others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final

import numpy as np
import numpy.typing as npt

from bot.domain.matching.needs import HouseholdNeeds, Place
from bot.domain.offer_schema import NEEDS
from bot.domain.offers import Qualification, Status
from bot.domain.search import ranking
from bot.domain.search.criteria import KNOWN_LANGUAGES
from bot.geo.communes import EARTH_RADIUS_KM

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

SCORE_SPAN: Final = (
    ranking.W_FRESH + ranking.W_CAPACITY + ranking.W_DISTANCE + ranking.W_LENGTH + 2 * ranking.W_LANGUAGE
    + ranking.PENALTY_LATE_PER_DAY * ranking.START_TOLERANCE_DAYS
    + ranking.PENALTY_PARTLY * sum(1 for need in NEEDS if need.partly)
)  # fmt: skip
"""The widest difference between two ranking scores."""
NOT_QUALIFIED_PENALTY: Final = math.floor(SCORE_SPAN) + 1
NOT_STATED_PENALTY: Final = NOT_QUALIFIED_PENALTY * 2  # per need the place does not state
STALE_PENALTY: Final = NOT_STATED_PENALTY * (len(NEEDS) + 1)
TENTHS: Final = 10

_MET, _PARTLY, _UNKNOWN, _EXCLUDED = range(4)
_VERDICT: Final = {"met": _MET, "partly": _PARTLY, "unknown": _UNKNOWN, "excluded": _EXCLUDED}
_LANGUAGE_BIT: Final = {code: 1 << index for index, code in enumerate(KNOWN_LANGUAGES)}
_NO_END: Final = date.max.toordinal()


class Constraint(StrEnum):
    """A hard constraint, as named to explain why a household has no place.

    TERRITORY: no available place at all in its département; the others are the ranking's filters
    (the needs carry the names of the offer schema's NEEDS).
    """

    TERRITORY = "territory"
    CAPACITY = "capacity"
    START = "start"
    LENGTH = "length"
    MIN_STAY = "min_stay"
    STEP_FREE = "step_free"
    PETS = "pets"
    CHILDREN = "children"
    DISTANCE = "distance"


@dataclass(frozen=True)
class Blocker:
    """What excludes every place for a household: ``constraint``, and ``places``, how many places
    pass every other constraint (0 when no single constraint is to blame: then the one that
    excludes the most)."""

    constraint: Constraint
    places: int


@dataclass(frozen=True, eq=False)
class PlaceArrays:
    """The places' facts as columns, read once per plan (``now`` fixes their freshness)."""

    places: tuple[Place, ...]
    departement: npt.NDArray[np.str_]
    usable: Mask  # available, not turned down
    stale: Mask
    qualified: Mask
    lat: Floats  # radians
    lon: Floats
    people: Ints
    available_from: Ints  # ordinals
    until: Ints  # ordinal, _NO_END when open-ended
    open_ended: Mask
    min_stay: Ints  # 0 when not stated
    verdicts: dict[str, npt.NDArray[np.int8]]  # need name: verdict of each place
    languages: Ints  # bit mask
    fresh_points: Floats


def place_arrays(places: Sequence[Place], now: datetime) -> PlaceArrays:
    """The columns of these places, as :func:`pairs_for` reads them."""
    facts = [place.facts for place in places]
    fresh = np.array([max(0, (now - offer.last_confirmed_at).days) for offer in facts], dtype=np.float64)
    freshness = 1.0 - fresh / ranking.FRESH_HORIZON_DAYS
    return PlaceArrays(
        places=tuple(places),
        departement=np.array([offer.departement for offer in facts], dtype=np.str_),
        usable=np.array(
            [o.status == Status.AVAILABLE and o.qualification != Qualification.TURNED_DOWN for o in facts],
            bool,
        ),
        stale=np.array([offer.stale_since is not None for offer in facts], dtype=bool),
        qualified=np.array([offer.qualification == Qualification.QUALIFIED for offer in facts], dtype=bool),
        lat=np.radians(np.array([offer.latitude for offer in facts], dtype=np.float64)),
        lon=np.radians(np.array([offer.longitude for offer in facts], dtype=np.float64)),
        people=np.array([offer.people for offer in facts], dtype=np.int64),
        available_from=np.array([offer.available_from.toordinal() for offer in facts], dtype=np.int64),
        until=np.array(
            [_NO_END if o.available_until is None else o.available_until.toordinal() for o in facts], np.int64
        ),
        open_ended=np.array([offer.available_until is None for offer in facts], dtype=bool),
        min_stay=np.array([offer.min_stay_days or 0 for offer in facts], dtype=np.int64),
        verdicts={
            need.name: np.array([_VERDICT[need.verdict(getattr(o, need.fact))] for o in facts], np.int8)
            for need in NEEDS
        },
        languages=np.array([sum(_LANGUAGE_BIT[c] for c in set(o.languages)) for o in facts], dtype=np.int64),
        fresh_points=ranking.W_FRESH * np.maximum(freshness, 0.0),
    )


def _distances(household: HouseholdNeeds, arrays: PlaceArrays) -> Floats | None:
    """Kilometres from ``near`` (the haversine of ``bot.geo.communes.distance_km``), None without."""
    if household.near is None:
        return None
    p1 = math.radians(household.near[0])
    lon1 = math.radians(household.near[1])
    a = (
        np.sin((arrays.lat - p1) / 2) ** 2
        + math.cos(p1) * np.cos(arrays.lat) * np.sin((arrays.lon - lon1) / 2) ** 2
    )
    distances: Floats = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return distances


def _masks(
    household: HouseholdNeeds, arrays: PlaceArrays, start: int, distances: Floats | None
) -> dict[Constraint, Mask]:
    """Which places pass each hard constraint (see ``ranking``'s docstring)."""
    begin = np.maximum(arrays.available_from, start)
    stay = household.days or 1
    masks = {
        Constraint.TERRITORY: arrays.usable & (arrays.departement == household.departement),
        Constraint.CAPACITY: arrays.people >= household.people,
        Constraint.START: arrays.available_from <= start + ranking.START_TOLERANCE_DAYS,
        Constraint.LENGTH: arrays.open_ended | (arrays.until - begin >= stay),
        Constraint.MIN_STAY: (
            np.ones(len(arrays.places), bool) if household.days is None else arrays.min_stay <= household.days
        ),
    }
    for need in sorted(household.needs):
        masks[Constraint(need)] = arrays.verdicts[need] != _EXCLUDED
    if distances is not None and household.radius_km is not None:
        masks[Constraint.DISTANCE] = distances <= household.radius_km
    return masks


def fits(household: HouseholdNeeds, arrays: PlaceArrays, today: date) -> tuple[Ints, Floats]:
    """The places this household could take (indices, increasing) and the fit of each (see the
    module docstring; the ranking's :func:`~bot.domain.search.ranking.score` plus the penalties)."""
    start_day = ranking.effective_start(household.start, today)
    start = start_day.toordinal()
    distances = _distances(household, arrays)
    passing = np.logical_and.reduce(list(_masks(household, arrays, start, distances).values()))
    index = np.flatnonzero(passing)
    begin = np.maximum(arrays.available_from[index], start)
    points = arrays.fresh_points[index] + ranking.W_CAPACITY * household.people / arrays.people[index]
    if distances is not None:
        near = distances[index]
        points += ranking.W_DISTANCE * ranking.DISTANCE_HALF_KM / (ranking.DISTANCE_HALF_KM + near)
    length = np.minimum(1.0, (arrays.until[index] - begin) / ranking.LENGTH_FULL_DAYS)
    points += ranking.W_LENGTH * np.where(arrays.open_ended[index], 1.0, length)
    if household.languages:
        wanted = sum(_LANGUAGE_BIT[code] for code in household.languages)
        shared = np.bitwise_count(arrays.languages[index] & wanted)
        points += ranking.W_LANGUAGE * np.minimum(2, shared)
    points -= ranking.PENALTY_LATE_PER_DAY * np.maximum(0, arrays.available_from[index] - start)
    for need in household.needs:
        verdicts = arrays.verdicts[need][index]
        points -= ranking.PENALTY_PARTLY * (verdicts == _PARTLY)
        points -= NOT_STATED_PENALTY * (verdicts == _UNKNOWN)
    points -= NOT_QUALIFIED_PENALTY * ~arrays.qualified[index]
    points -= STALE_PENALTY * arrays.stale[index]
    return index.astype(np.int64), points


def tenths(fit: Floats) -> Ints:
    """Fits as whole tenths, the solver's weights."""
    weights: Ints = np.rint(fit * TENTHS).astype(np.int64)
    return weights


def blocker(household: HouseholdNeeds, arrays: PlaceArrays, today: date) -> Blocker:
    """What excludes every place for a household that has none (see the module docstring)."""
    start = ranking.effective_start(household.start, today).toordinal()
    masks = _masks(household, arrays, start, _distances(household, arrays))
    territory = masks.pop(Constraint.TERRITORY)
    if not territory.any():
        return Blocker(Constraint.TERRITORY, 0)
    passed = np.array([mask[territory] for mask in masks.values()])
    failures = (~passed).sum(axis=0)
    alone = {name: int(np.sum(failures[~row] == 1)) for name, row in zip(masks, passed, strict=True)}
    best = max(alone, key=lambda name: (alone[name], -list(masks).index(name)))
    if alone[best]:
        return Blocker(best, alone[best])
    excluded = {name: int(np.sum(~row)) for name, row in zip(masks, passed, strict=True)}
    return Blocker(max(excluded, key=lambda name: (excluded[name], -list(masks).index(name))), 0)
