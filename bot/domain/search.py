"""Searching the offers for a household: criteria, the one-line search command, and the ranking.

Pure: no I/O, no clock (``today`` and ``now`` are passed in), no Telegram. Parsing never raises on
user input: it returns :class:`Criteria` or a :class:`LineError` (an enum code plus the offending
token); turning that into a sentence in the user's language is the caller's job.

The one-line command
--------------------
For practised users: ``44 3p from:2027-01-10 60d pmr pets near:Nantes 20km``. Words in any order,
case and accents ignored, separated by spaces; double quotes (``"…"``, ``«…»``, ``“…”``) keep spaces
inside one word. A number and its unit may be written apart (``3 personnes``, ``60 jours``,
``20 km``). ``key:value`` may also be written ``key: value`` or ``key=value``. What each word means
(first spelling is the canonical one, :func:`format_search_line` writes it):

* **départements**: ``44``, ``2A``, ``971``, several allowed, also ``44,85`` or ``dep:44,85``.
  None given means every département the caseworker was granted (see :func:`within_territory`).
  A single digit (``3``) is refused as ambiguous (write ``03`` or ``3p``); other numbers that are
  not a département (``20``, ``96``, ``44000``) are refused.
* **people** (required, 1–500): ``3p``, ``3pers``, ``3personnes``, ``3people``, ``3 personnes``,
  ``people:3``, ``3осіб``; or the composition ``2adults 1child`` (``2adultes 1enfant``), whose sum
  is the number of people and which implies ``children`` when there is a child.
* **start**: ``from:DATE`` (``start:``, ``des:``, ``debut:``, ``від:``), any date
  :func:`~bot.domain.dates.parse_user_date` reads: ``from:15/03``, ``from:2027-01-10``,
  ``from:now``, ``from:"15 mars"`` (quotes optional: words that mean nothing else are read with
  the date). Default and ``from:now``: today, re-evaluated each time the search runs. A past
  date is refused.
* **duration** needed: ``60d``/``60j``, ``8w``/``8s``/``8sem``, ``3m``/``3mois``/``3mo``, ``1y``/``1an``
  (a week is 7 days, a month 30, a year 365), or ``for:"1 an et 6 mois"`` (``pour:``, ``duree:``),
  or an end date ``until:30/06`` (``to:``, ``jusqu'au:``, ``au:``, ``fin:``, ``до:``), turned into
  a duration from the start. Default: unknown (then minimum stays are not checked, and offers with
  a longer availability rank higher).
* **needs**: ``pmr`` (``stepfree``, ``accessible``, ``plainpied``, ``fauteuil``, ``wheelchair``),
  ``pets`` (``animaux``, ``chien``, ``chat``, ``dog``, ``cat``), ``children`` (``enfants``,
  ``kids``, ``діти``).
* **languages** the household speaks: ``lang:uk,ru`` (``langue:``, ``langs:``, ``мова:``), or
  bare codes and names: ``uk`` (``ua``), ``ru``, ``en``, ``fr``, ``pl``, ``de``, ``es``, ``it``,
  ``ukrainien``, ``russe``, ``english``…
* **place**: ``near:COMMUNE`` (``pres:``, ``autour:``, ``commune:``, ``ville:``, ``біля:``), a
  name (``near:Saint-Nazaire``, ``near:Le Mans`` — following words that mean nothing else belong
  to the name) or a postal code (``near:44470``, the most populated commune having it). Homonyms:
  ``near:"Saint-Denis 93"``, ``near:Saint-Denis-93``, ``near:"Saint-Denis (93)"``; otherwise the
  one in a département given on the line, else in the caller's ``prefer`` départements, else the
  most populated one if it has ten times the population of the next, else AMBIGUOUS_COMMUNE
  (the rules of ``bot.geo.resolve``, shared with the dialogues and the importer).
  Results are then sorted nearer first.
* **radius**: ``20km`` (``20 km``, ``2.5km``, ``rayon:20``, ``radius:20``; 1–300 km), only with
  ``near:``: offers farther away are left out.
* **stale**: ``stale`` (``all``, ``tout``, ``tous``, ``paused``) also shows paused offers and
  offers whose host did not re-confirm, marked.

Errors (:class:`LineErrorCode`), reported for the first offending word in the line: EMPTY,
TOO_LONG, UNKNOWN_TOKEN, MISSING_VALUE (``from:`` with nothing after), NOT_A_DEPARTEMENT,
AMBIGUOUS_NUMBER, BAD_NUMBER (``0p``, ``0km``, ``999p``), BAD_DATE and BAD_DURATION (with the
:class:`~bot.domain.dates.DateError`), UNKNOWN_LANGUAGE, UNKNOWN_COMMUNE, CONFLICT (the same thing
given twice with different values: ``3p 4p``), RADIUS_WITHOUT_NEAR, MISSING_PEOPLE, and, only when
everything else is fine, AMBIGUOUS_COMMUNE (with the candidates and the rest of the line parsed,
so that a button can complete it: ``with_near(error.partial, commune)``).

Ranking
-------
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
import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final, NamedTuple, TypeVar

from bot.domain import vocabulary
from bot.domain.dates import (
    DAYS_PER_MONTH,
    DAYS_PER_WEEK,
    DAYS_PER_YEAR,
    MAX_DURATION_DAYS,
    DateError,
    check_period,
    parse_duration_days,
    parse_user_date,
)
from bot.domain.offer_schema import NEED_BY_NAME, NEEDS, Need
from bot.domain.validation import normalise_departement
from bot.domain.vocabulary import fold
from bot.geo.communes import Commune, distance_km
from bot.geo.resolve import commune_label, load_resolver

__all__ = [
    "KNOWN_LANGUAGES",
    "MAX_LINE_LENGTH",
    "MAX_PEOPLE",
    "MAX_RADIUS_KM",
    "SEARCH_LINE_EXAMPLES",
    "SEARCH_LINE_HELP",
    "START_TOLERANCE_DAYS",
    "Caveat",
    "Criteria",
    "LineError",
    "LineErrorCode",
    "Match",
    "OfferFacts",
    "Ranking",
    "Reason",
    "Why",
    "format_search_line",
    "parse_search_line",
    "rank",
    "score",
    "shortlist",
    "with_near",
    "within_territory",
]

MAX_PEOPLE: Final = 500
"""Largest household size accepted (collective places can be that large)."""
MAX_RADIUS_KM: Final = 300.0
MAX_LINE_LENGTH: Final = 300
"""A longer search line is refused (TOO_LONG) without further analysis."""
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

AVAILABLE: Final = "available"
PAUSED: Final = "paused"
TURNED_DOWN: Final = "turned_down"
QUALIFIED: Final = "qualified"

KNOWN_LANGUAGES: Final = vocabulary.LANGUAGE_CODES
"""Language codes an offer can carry (those of ``bot.domain.offers.LANGUAGES``)."""


SEARCH_LINE_HELP: Final = """\
One line, words in any order, upper or lower case:
44 85 — départements to search (default: all of yours)
3p — number of people (required); or 2adults 1child
from:15/03 — wanted from (default: today); from:now, from:2027-01-10
60d — needed for 60 days; also 8w, 3m, 1y, or until:30/06
pmr — step-free access needed (partly step-free places are shown, marked)
pets — a pet comes along
children — there are children in the household
lang:uk,ru — languages the household speaks
near:Nantes — near this commune (name or postal code), nearest first; for homonyms near:"Saint-Denis 93"
20km — only within this distance of near:
stale — also show paused offers and offers not confirmed lately
French words work too: 3pers, 60j, 8s, 3mois, animaux, enfants, plainpied, près:Nantes, dès:15/03."""
"""The grammar in short, English source text for ``/help search`` (mark it for translation there)."""

SEARCH_LINE_EXAMPLES: Final = (
    "44 3p",
    "44 3p from:2027-01-10 60d pmr pets near:Nantes 20km",
    '93 2adults 2children 3m lang:uk near:"Saint-Denis 93" 15km',
    "2A 2B 1p from:now stale",
    "69 4pers dès:1/12 6mois enfants près:Villeurbanne 10km",
)
"""Example lines, each parsing without error."""


# =========================================================================== criteria


@dataclass(frozen=True)
class Criteria:
    """What a caseworker looks for.

    ``departements`` is the territory actually searched (an empty tuple matches nothing): from
    :func:`parse_search_line` it holds what the user typed (empty: "all mine"), and
    :func:`within_territory` turns that into a subset of the caseworker's grants. ``near`` is a
    (latitude, longitude) pair, ``near_label`` its commune for display (``"Saint-Denis (93)"``).
    ``start`` None means today, whenever the search runs; ``days`` None means unknown.
    ``radius_km`` only applies with ``near`` (without, as in ``LineError.partial``, it waits for
    one). ``people`` is 1–:data:`MAX_PEOPLE`, ``days`` 1–3 × 365, ``radius_km`` up to
    :data:`MAX_RADIUS_KM`: other values raise ValueError.
    """

    departements: tuple[str, ...] = ()
    near: tuple[float, float] | None = None
    near_label: str | None = None
    radius_km: float | None = None
    people: int = 1
    start: date | None = None
    days: int | None = None
    needs: frozenset[str] = frozenset()  # names of the offer schema's NEEDS
    languages: tuple[str, ...] = ()
    include_stale: bool = False

    def __post_init__(self) -> None:
        """Refuse what no search means (ValueError): the dialogue validates answers before."""
        if not self.needs <= NEED_BY_NAME.keys():
            raise ValueError(f"unknown needs: {sorted(self.needs - NEED_BY_NAME.keys())}")
        if not 1 <= self.people <= MAX_PEOPLE:
            raise ValueError(f"people out of range: {self.people}")
        if self.days is not None and not 1 <= self.days <= MAX_DURATION_DAYS:
            raise ValueError(f"days out of range: {self.days}")
        if self.radius_km is not None and not 0.0 < self.radius_km <= MAX_RADIUS_KM:
            raise ValueError(f"radius out of range: {self.radius_km}")

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (dates in ISO format), read back by :meth:`from_json`."""
        return {
            "v": 2,
            "departements": list(self.departements),
            "near": None if self.near is None else [self.near[0], self.near[1]],
            "near_label": self.near_label,
            "radius_km": self.radius_km,
            "people": self.people,
            "start": None if self.start is None else self.start.isoformat(),
            "days": self.days,
            "needs": sorted(self.needs),
            "languages": list(self.languages),
            "include_stale": self.include_stale,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Criteria:
        """Read what :meth:`to_json` wrote; raises ValueError on anything else."""
        try:
            if data.get("v") == 1:  # saved before needs were declared in the offer schema
                data = {
                    **data,
                    "needs": [name for name in ("step_free", "pets", "children") if _bool(data[name])],
                }
            elif data.get("v") != 2:
                raise ValueError("unknown criteria version")
            near = data["near"]
            start = data["start"]
            criteria = cls(
                departements=tuple(_str(d) for d in _list(data["departements"])),
                near=None if near is None else (_float(_list(near)[0]), _float(near[1])),
                near_label=None if data["near_label"] is None else _str(data["near_label"]),
                radius_km=None if data["radius_km"] is None else _float(data["radius_km"]),
                people=_int(data["people"]),
                start=None if start is None else date.fromisoformat(_str(start)),
                days=None if data["days"] is None else _int(data["days"]),
                needs=frozenset(_str(name) for name in _list(data["needs"])),
                languages=tuple(_str(code) for code in _list(data["languages"])),
                include_stale=_bool(data["include_stale"]),
            )
        except (KeyError, TypeError, IndexError, AttributeError) as error:
            raise ValueError(f"malformed criteria: {error!r}") from error
        if criteria.near is not None and len(near) != 2:
            raise ValueError("malformed criteria: near")
        return criteria


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"not a list: {value!r}")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"not an integer: {value!r}")
    return value


def _float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"not a number: {value!r}")
    return float(value)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"not a boolean: {value!r}")
    return value


def within_territory(criteria: Criteria, granted: Iterable[str]) -> tuple[Criteria, tuple[str, ...]]:
    """Restrict the criteria to the départements the caseworker was granted.

    No département in the criteria means all granted ones (sorted). Returns the restricted
    criteria and the départements asked for but not granted (to tell the user); the restricted
    territory may be empty, and then nothing matches.
    """
    allowed = set(granted)
    if not criteria.departements:
        return replace(criteria, departements=tuple(sorted(allowed))), ()
    kept = tuple(code for code in criteria.departements if code in allowed)
    refused = tuple(code for code in criteria.departements if code not in allowed)
    return replace(criteria, departements=kept), refused


def with_near(criteria: Criteria, commune: Commune) -> Criteria:
    """The criteria centred on this commune (for example one a user picked among homonyms)."""
    return replace(criteria, near=(commune.lat, commune.lon), near_label=commune_label(commune))


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
    LARGER: more
    places than needed, at least two spare (value: places). LIMITED: the need's duration is
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


def _effective_start(criteria: Criteria, today: date) -> date:
    return today if criteria.start is None or criteria.start < today else criteria.start


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
        if status != AVAILABLE:
            if not include_stale or status != PAUSED:
                continue
            inactive = True
        if stale_since is not None:
            if not include_stale:
                continue
            inactive = True
        if qualification == TURNED_DOWN or available_from > latest_from:
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
        append(((inactive, uncertain, qualification != QUALIFIED, -points, offer_id), offer, distance))
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
    start = _effective_start(criteria, today)
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
    start = _effective_start(criteria, today)
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
    if offer.qualification == QUALIFIED:
        reasons.append(Why(Reason.QUALIFIED))
    else:
        caveats.append(Why(Caveat.NOT_QUALIFIED))
    paused = offer.status == PAUSED
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
        caveats.append(Why(Caveat.LARGER, offer.people))
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


# =========================================================================== the one-line command


class LineErrorCode(StrEnum):
    """Why a search line was refused (see the module docstring)."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNKNOWN_TOKEN = "unknown_token"
    MISSING_VALUE = "missing_value"
    NOT_A_DEPARTEMENT = "not_a_departement"
    AMBIGUOUS_NUMBER = "ambiguous_number"
    BAD_NUMBER = "bad_number"
    BAD_DATE = "bad_date"
    BAD_DURATION = "bad_duration"
    UNKNOWN_LANGUAGE = "unknown_language"
    UNKNOWN_COMMUNE = "unknown_commune"
    AMBIGUOUS_COMMUNE = "ambiguous_commune"
    CONFLICT = "conflict"
    RADIUS_WITHOUT_NEAR = "radius_without_near"
    MISSING_PEOPLE = "missing_people"


@dataclass(frozen=True)
class LineError:
    """A refused search line: the code and the offending words as typed (``""`` for EMPTY,
    TOO_LONG and MISSING_PEOPLE).

    ``date_error`` details BAD_DATE and BAD_DURATION. For AMBIGUOUS_COMMUNE, ``candidates`` are
    the communes it may be (at most 8, most populated first) and ``partial`` the rest of the line
    parsed (``near`` unset): complete it with :func:`with_near`.
    """

    code: LineErrorCode
    token: str
    date_error: DateError | None = None
    candidates: tuple[Commune, ...] = ()
    partial: Criteria | None = None


_QUOTES: Final = '"“”«»„‟'


_V = TypeVar("_V")


def _words(spec: str) -> frozenset[str]:
    return frozenset(fold(word) for word in spec.split("|"))


def _table(entries: Mapping[str, _V]) -> dict[str, _V]:
    """``{"a|b": value}`` → ``{"a": value, "b": value}``, keys folded."""
    return {word: value for spec, value in entries.items() for word in _words(spec)}


class _Key(StrEnum):
    NEAR = "near"
    FROM = "from"
    UNTIL = "until"
    FOR = "for"
    LANG = "lang"
    RADIUS = "radius"
    PEOPLE = "people"
    DEP = "dep"


_KEYS: Final = _table(
    {
        "near|pres|autour|around|commune|ville|city|біля|поруч": _Key.NEAR,
        "from|start|des|debut|depuis|від|з": _Key.FROM,
        "until|to|jusqu|jusquau|jusqua|au|fin|end|до": _Key.UNTIL,
        "for|pour|duree|duration|pendant|на": _Key.FOR,
        "lang|langs|language|languages|langue|langues|мова|мови": _Key.LANG,
        "radius|rayon|r|радіус": _Key.RADIUS,
        "people|pers|personnes|p|persons|осіб": _Key.PEOPLE,
        "dep|deps|dept|depts|departement|departements|dpt": _Key.DEP,
    }
)


class _Unit(StrEnum):
    PEOPLE = "people"
    ADULTS = "adults"
    KIDS = "kids"
    KM = "km"


# The words are the vocabulary's: the search line reads the same units as the date and duration answers.
_UNITS: Final[dict[str, _Unit | vocabulary.Unit]] = {
    **dict.fromkeys(vocabulary.PEOPLE, _Unit.PEOPLE),
    **dict.fromkeys(vocabulary.ADULTS, _Unit.ADULTS),
    **dict.fromkeys(vocabulary.CHILDREN, _Unit.KIDS),
    **dict.fromkeys(vocabulary.KM, _Unit.KM),
    **vocabulary.UNITS,
}
_UNIT_DAYS: Final = {
    vocabulary.Unit.DAY: 1,
    vocabulary.Unit.WEEK: DAYS_PER_WEEK,
    vocabulary.Unit.MONTH: DAYS_PER_MONTH,
    vocabulary.Unit.YEAR: DAYS_PER_YEAR,
}


STALE: Final = "stale"
_NEED_SPELLING: Final = {"step_free": "pmr", "pets": "pets", "children": "children"}
"""How :func:`format_search_line` writes each need of the offer schema (every word of the vocabulary reads)."""
_FLAGS: Final = {**vocabulary.NEEDS, **dict.fromkeys(vocabulary.STALE, STALE)}
_LANGUAGES: Final = vocabulary.LANGUAGE_NAMES

_NUMBER_UNIT_RE: Final = re.compile(r"([0-9]+(?:[.,][0-9]+)?)\s*([^\W\d_]+\.?)")
_NUMBER_RE: Final = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
_DIGITS_RE: Final = re.compile(r"[0-9]+")
_KEY_VALUE_RE: Final = re.compile(r"([^\W\d_][\w-]*)\s*[:=](.*)", re.S)
_SEPARATOR_RE: Final = re.compile(r"\s*[:=]")
_DEPARTEMENT_LIST_RE: Final = re.compile(r"[0-9a-z]{1,6}(?:[,;+/][0-9a-z]{1,6})*")
_MAX_EXTRA_WORDS: Final = 4
_MAX_NUMBER_DIGITS: Final = 6


@dataclass
class _Item:
    """One understood word: what it sets."""

    flag: str | None = None  # a need's name, or STALE
    departements: tuple[str, ...] = ()
    unit: _Unit | vocabulary.Unit | None = None
    number: float = 0.0
    languages: tuple[str, ...] = ()


@dataclass
class _Draft:
    """The line being parsed: every field, and whether it was set (for CONFLICT)."""

    departements: list[str] = field(default_factory=list)
    people: int | None = None
    adults: int | None = None
    kids: int | None = None
    start: date | None = None
    start_set: bool = False
    days: int | None = None
    until: date | None = None
    until_token: str = ""
    radius: float | None = None
    radius_token: str = ""
    near: Commune | None = None
    near_token: str = ""
    ambiguous: tuple[Commune, ...] = ()
    needs: set[str] = field(default_factory=set)
    stale: bool = False
    languages: list[str] = field(default_factory=list)


def _split_line(text: str) -> list[str]:
    """Words separated by white space, quotes keeping spaces inside a word (quotes removed)."""
    words: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char in _QUOTES:
            quoted = not quoted
            continue
        if char.isspace() and not quoted:
            if current:
                words.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        words.append("".join(current))
    return words


def _join_units(words: list[str]) -> list[str]:
    """``3 personnes`` → ``3 personnes`` as one word; a number followed by a unit word."""
    joined: list[str] = []
    n = 0
    while n < len(words):
        word = words[n]
        if (
            n + 1 < len(words)
            and _NUMBER_RE.fullmatch(fold(word))
            and fold(words[n + 1]).rstrip(".") in _UNITS
        ):
            joined.append(f"{word} {words[n + 1]}")
            n += 2
            continue
        joined.append(word)
        n += 1
    return joined


def _number(text: str) -> float | None:
    """A number of at most six digits before the decimal separator, or None."""
    if not _NUMBER_RE.fullmatch(text):
        return None
    whole = text.replace(",", ".").split(".")[0].lstrip("0")
    if len(whole) > _MAX_NUMBER_DIGITS:
        return math.inf
    return float(text.replace(",", "."))


def _classify(word: str) -> _Item | LineErrorCode:
    """What a word without ``key:`` means, or why it means nothing."""
    folded = fold(word)
    flag = _FLAGS.get(folded)
    if flag is not None:
        return _Item(flag=flag)
    language = _LANGUAGES.get(folded)
    if language is not None:
        return _Item(languages=(language,))
    if _DEPARTEMENT_LIST_RE.fullmatch(folded) and any(c.isdigit() for c in folded):
        departements = _departements(folded)
        if not isinstance(departements, LineErrorCode) or not _NUMBER_UNIT_RE.fullmatch(folded):
            return departements
    unit_match = _NUMBER_UNIT_RE.fullmatch(folded)
    if unit_match is not None:
        unit = _UNITS.get(unit_match.group(2).rstrip("."))
        number = _number(unit_match.group(1))
        if unit is None or number is None:
            return LineErrorCode.UNKNOWN_TOKEN
        return _Item(unit=unit, number=number)
    return LineErrorCode.UNKNOWN_TOKEN


def _departements(folded: str) -> _Item | LineErrorCode:
    codes: list[str] = []
    for part in re.split(r"[,;+/]", folded):
        if _DIGITS_RE.fullmatch(part) and len(part) == 1:
            return LineErrorCode.AMBIGUOUS_NUMBER
        code = normalise_departement(part) if len(part) <= 3 else None
        if code is None:
            return LineErrorCode.NOT_A_DEPARTEMENT
        codes.append(code)
    return _Item(departements=tuple(codes))


# ---------------------------------------------------------------- communes


def _resolve_commune(
    value: str, typed: Sequence[str], prefer: Collection[str]
) -> Commune | tuple[Commune, ...] | None:
    """The commune meant, the candidates when ambiguous, or None when there is none: départements typed
    on the line pick among namesakes, then the caller's; a search guesses rather than asks when it can."""
    found = load_resolver().resolve(value, prefer=(typed, prefer), guess=True)
    return found.commune or found.candidates or None


# ---------------------------------------------------------------- the parser


class _Parser:
    def __init__(self, today: date, prefer: Collection[str]) -> None:
        self.today = today
        self.prefer = prefer
        self.draft = _Draft()
        self.words: list[str] = []
        self.typed: list[str] = []

    def run(self, text: str) -> Criteria | LineError:
        if len(text) > MAX_LINE_LENGTH:
            return LineError(LineErrorCode.TOO_LONG, "")
        self.words = _join_units(_split_line(unicodedata.normalize("NFKC", text)))
        if not self.words:
            return LineError(LineErrorCode.EMPTY, "")
        # Départements typed anywhere on the line pick among homonymous communes (near:Saint-Denis 93).
        for word in self.words:
            match = _KEY_VALUE_RE.fullmatch(fold(word))
            if match is not None and _KEYS.get(match.group(1)) is _Key.DEP:
                item = _departements(match.group(2).strip())
            else:
                item = _classify(word)
            if isinstance(item, _Item):
                self.typed.extend(item.departements)
        n = 0
        while n < len(self.words):
            step = self._word(n)
            if isinstance(step, LineError):
                return step
            n += step
        return self._finish()

    def _is_free(self, n: int) -> bool:
        """True if word ``n`` means nothing by itself, so may continue a name or a date."""
        word = self.words[n]
        match = _KEY_VALUE_RE.fullmatch(fold(word))
        if match is not None and match.group(1) in _KEYS:
            return False
        return isinstance(_classify(word), LineErrorCode)

    def _word(self, n: int) -> int | LineError:
        """Handle word ``n``; returns how many words it used."""
        word = self.words[n]
        match = _KEY_VALUE_RE.fullmatch(fold(word))
        if match is not None:
            key = _KEYS.get(match.group(1))
            if key is None:
                return LineError(LineErrorCode.UNKNOWN_TOKEN, word)
            return self._key_value(n, key, _SEPARATOR_RE.split(word, maxsplit=1)[1])
        item = _classify(word)
        if isinstance(item, LineErrorCode):
            return LineError(item, word)
        error = self._apply(item, word)
        return error if error is not None else 1

    def _key_value(self, n: int, key: _Key, value: str) -> int | LineError:
        used = 1
        head = self.words[n]
        if not value.strip():
            if n + 1 >= len(self.words):
                return LineError(LineErrorCode.MISSING_VALUE, head)
            value = self.words[n + 1]
            head = f"{head} {value}"
            used = 2
        if key in (_Key.NEAR, _Key.FROM, _Key.UNTIL, _Key.FOR):
            return self._extended(n + used, key, head, value, used)
        if key is _Key.LANG:
            codes: list[str] = []
            for part in re.split(r"[,;+/]", fold(value)):
                if not part:
                    continue
                code = _LANGUAGES.get(part.strip())
                if code is None:
                    return LineError(LineErrorCode.UNKNOWN_LANGUAGE, part)
                codes.append(code)
            error = self._apply(_Item(languages=tuple(codes)), head)
        elif key is _Key.DEP:
            item = _departements(fold(value).strip())
            if isinstance(item, LineErrorCode):
                return LineError(item, head)
            error = self._apply(item, head)
        else:
            number = _number(fold(value).strip().removesuffix("km").strip())
            if number is None:
                return LineError(LineErrorCode.BAD_NUMBER, head)
            unit = _Unit.KM if key is _Key.RADIUS else _Unit.PEOPLE
            error = self._apply(_Item(unit=unit, number=number), head)
        return error if error is not None else used

    def _extended(self, after: int, key: _Key, head: str, value: str, used: int) -> int | LineError:
        """A date, duration or commune, continued by the next words that mean nothing else:
        the longest reading that works wins (for a commune, a shorter reading only if it names
        one commune: "near:Sant Nazaire" is an unknown commune, not "Sant…" and a stray word)."""
        extra = 0
        while extra < _MAX_EXTRA_WORDS and after + extra < len(self.words) and self._is_free(after + extra):
            extra += 1
        failure: LineError | None = None
        for count in range(extra, -1, -1):
            more = self.words[after : after + count]
            text = " ".join([value, *more])
            token = " ".join([head, *more])
            outcome = self._read(key, text, token, unique=count < extra)
            if outcome is None:
                return used + count
            if failure is None:
                failure = outcome
        assert failure is not None
        return failure

    def _read(self, key: _Key, text: str, token: str, *, unique: bool = False) -> LineError | None:
        draft = self.draft
        if key is _Key.NEAR:
            found = _resolve_commune(text, self.typed, self.prefer)
            if found is None or (unique and isinstance(found, tuple)):
                return LineError(LineErrorCode.UNKNOWN_COMMUNE, token)
            if draft.near_token and (found != draft.near or isinstance(found, tuple)):
                return LineError(LineErrorCode.CONFLICT, token)
            draft.near_token = draft.near_token or token
            if isinstance(found, tuple):
                draft.ambiguous = found
            else:
                draft.near = found
            return None
        if key is _Key.FOR:
            days = parse_duration_days(text)
            if isinstance(days, DateError):
                return LineError(LineErrorCode.BAD_DURATION, token, date_error=days)
            return self._set_days(days, token)
        parsed = parse_user_date(text, self.today)
        if not isinstance(parsed, DateError) and parsed < self.today:
            parsed = DateError.PAST
        if isinstance(parsed, DateError):
            return LineError(LineErrorCode.BAD_DATE, token, date_error=parsed)
        if key is _Key.FROM:
            start = None if parsed == self.today else parsed
            if draft.start_set and draft.start != start:
                return LineError(LineErrorCode.CONFLICT, token)
            draft.start, draft.start_set = start, True
            return None
        if (draft.until is not None and draft.until != parsed) or draft.days is not None:
            return LineError(LineErrorCode.CONFLICT, token)
        draft.until, draft.until_token = parsed, token
        return None

    def _set_days(self, days: int, token: str) -> LineError | None:
        draft = self.draft
        if (draft.days is not None and draft.days != days) or draft.until is not None:
            return LineError(LineErrorCode.CONFLICT, token)
        draft.days = days
        return None

    def _apply(self, item: _Item, token: str) -> LineError | None:
        draft = self.draft
        if item.flag in NEED_BY_NAME:
            draft.needs.add(item.flag)
        elif item.flag == STALE:
            draft.stale = True
        for code in item.departements:
            if code not in draft.departements:
                draft.departements.append(code)
        for code in item.languages:
            if code not in draft.languages:
                draft.languages.append(code)
        if item.unit is None:
            return None
        number = item.number
        if item.unit is _Unit.KM:
            if not 1.0 <= number <= MAX_RADIUS_KM:
                return LineError(LineErrorCode.BAD_NUMBER, token)
            if draft.radius is not None and draft.radius != number:
                return LineError(LineErrorCode.CONFLICT, token)
            draft.radius, draft.radius_token = number, token
            return None
        if item.unit in _UNIT_DAYS:
            if number > MAX_DURATION_DAYS or number != int(number):  # int(inf) would raise: checked first
                error = DateError.TOO_FAR if number > MAX_DURATION_DAYS else DateError.UNREADABLE
                return LineError(LineErrorCode.BAD_DURATION, token, date_error=error)
            days = int(number) * _UNIT_DAYS[item.unit]
            if not 1 <= days <= MAX_DURATION_DAYS:
                error = DateError.NOT_POSITIVE if days < 1 else DateError.TOO_FAR
                return LineError(LineErrorCode.BAD_DURATION, token, date_error=error)
            return self._set_days(days, token)
        least = 0 if item.unit is _Unit.KIDS else 1
        if not least <= number <= MAX_PEOPLE or number != int(number):
            return LineError(LineErrorCode.BAD_NUMBER, token)
        whole = int(number)
        if item.unit is _Unit.PEOPLE:
            if draft.adults is not None or draft.kids is not None or draft.people not in (None, whole):
                return LineError(LineErrorCode.CONFLICT, token)
            draft.people = whole
        elif item.unit is _Unit.ADULTS:
            if draft.people is not None or draft.adults not in (None, whole):
                return LineError(LineErrorCode.CONFLICT, token)
            draft.adults = whole
        else:
            if draft.people is not None or draft.kids not in (None, whole):
                return LineError(LineErrorCode.CONFLICT, token)
            draft.kids = whole
        return None

    def _finish(self) -> Criteria | LineError:
        draft = self.draft
        if draft.people is not None:
            people = draft.people
        elif draft.adults is not None or draft.kids is not None:
            people = (draft.adults or 0) + (draft.kids or 0)
            if not 1 <= people <= MAX_PEOPLE:
                return LineError(LineErrorCode.BAD_NUMBER, "")
        else:
            return LineError(LineErrorCode.MISSING_PEOPLE, "")
        days = draft.days
        if draft.until is not None:
            start = draft.start or self.today
            problem = check_period(start, draft.until)
            if problem is not None:
                return LineError(LineErrorCode.BAD_DATE, draft.until_token, date_error=problem)
            days = (draft.until - start).days
        if draft.radius is not None and not draft.near_token:
            return LineError(LineErrorCode.RADIUS_WITHOUT_NEAR, draft.radius_token)
        criteria = Criteria(
            departements=tuple(draft.departements),
            radius_km=draft.radius,
            people=people,
            start=draft.start,
            days=days,
            needs=frozenset(draft.needs | ({"children"} if draft.kids else set())),
            languages=tuple(draft.languages),
            include_stale=draft.stale,
        )
        if draft.ambiguous:
            return LineError(
                LineErrorCode.AMBIGUOUS_COMMUNE,
                draft.near_token,
                candidates=draft.ambiguous,
                partial=criteria,
            )
        if draft.near is not None:
            criteria = with_near(criteria, draft.near)
        return criteria


def parse_search_line(text: str, today: date, *, prefer: Collection[str] = ()) -> Criteria | LineError:
    """Read a one-line search (grammar in the module docstring and :data:`SEARCH_LINE_HELP`).

    ``prefer`` is the caller's territory, used to pick among homonymous communes. The criteria's
    ``departements`` are those typed on the line (empty: all of the caseworker's), to be passed
    through :func:`within_territory`. Never raises.
    """
    return _Parser(today, prefer).run(text)


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def format_search_line(criteria: Criteria) -> str:
    """The criteria as a search line, in canonical spelling: ``parse_search_line`` reads it back
    (the same criteria, when the commune of ``near_label`` still resolves to ``near``)."""
    words: list[str] = list(criteria.departements)
    words.append(f"{criteria.people}p")
    if criteria.start is not None:
        words.append(f"from:{criteria.start.isoformat()}")
    if criteria.days is not None:
        words.append(f"{criteria.days}d")
    words += [_NEED_SPELLING[need.name] for need in NEEDS if need.name in criteria.needs]
    if criteria.include_stale:
        words.append(STALE)
    if criteria.languages:
        words.append("lang:" + ",".join(criteria.languages))
    if criteria.near_label is not None:
        words.append(f'near:"{criteria.near_label}"')
        if criteria.radius_km is not None:
            words.append(f"{_number_text(criteria.radius_km)}km")
    return " ".join(words)
