"""The plan for a territory: which household could go where, why, and who stays unmatched and why.

Nothing here proposes anything: a person reads the plan and ticks the pairs to propose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import numpy as np

from bot.domain.matching.candidates import Blocker, PlaceArrays, blocker, fits, place_arrays, tenths
from bot.domain.matching.holding import Hold, advice
from bot.domain.matching.needs import HouseholdNeeds, Place, priorities, priority_levels
from bot.domain.matching.solver import SHORTLIST, Problem, solve
from bot.domain.search.ranking import Match, rank


@dataclass(frozen=True)
class Pair:
    """A household and the place suggested for it: ``match`` carries the search's score, reasons and
    caveats (not-stated needs, stale or unconfirmed offers are caveats, never reasons); ``fit`` is
    the number the plan maximised (see ``candidates``); ``hold``: the advice to wait for a better place
    (``holding``), None to propose it now."""

    household_id: int
    offer_id: int
    level: int
    fit: float
    match: Match
    hold: Hold | None = None


class Left(StrEnum):
    """Why a household stays unmatched.

    NO_PLACE: no place meets its needs (``Unmatched.blocker`` says which constraint excludes
    everything). TAKEN_BY_PRIORITY: every place it could take goes to more urgent households.
    TAKEN: its places go to households as urgent as it, or the total fit chose otherwise.
    """

    NO_PLACE = "no_place"
    TAKEN_BY_PRIORITY = "taken_by_priority"
    TAKEN = "taken"


@dataclass(frozen=True)
class Unmatched:
    """A household the plan leaves waiting, why, and how many places it could have taken."""

    household_id: int
    level: int
    why: Left
    places: int
    blocker: Blocker | None = None


@dataclass(frozen=True)
class Plan:
    """Pairs by priority then best fit first, unmatched households by priority; ``housed_by_level``
    counts the households housed at each priority level (index 0: most urgent)."""

    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    housed_by_level: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Candidates:
    """Every household's candidate places and fits, ready for the solver (``problem``)."""

    households: tuple[HouseholdNeeds, ...]
    arrays: PlaceArrays
    priorities: list[int]
    levels: list[int]
    problem: Problem
    fits: np.ndarray


def candidates(
    households: Sequence[HouseholdNeeds],
    places: Sequence[Place],
    switched_off: Iterable[str],
    today: date,
    now: datetime,
) -> Candidates:
    """The candidate pairs of these households and places (``now`` timezone-aware, like the offers)."""
    arrays = place_arrays(places, now)
    priority = priorities(households, switched_off)
    levels = priority_levels(priority)
    indices, fit_lists = [], []
    for household in households:
        index, fit = fits(household, arrays, today)
        indices.append(index)
        fit_lists.append(fit)
    counts = np.array([len(index) for index in indices], dtype=np.int64)
    all_fits = np.concatenate(fit_lists) if fit_lists else np.zeros(0)
    problem = Problem(
        levels=np.array(levels, dtype=np.int64),
        sizes=np.array([household.people for household in households], dtype=np.int64),
        capacity=np.array([place.households for place in places], dtype=np.int64),
        room=np.array([place.facts.people for place in places], dtype=np.int64),
        indptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        place=np.concatenate(indices).astype(np.int64) if indices else np.zeros(0, np.int64),
        weight=tenths(all_fits),
    )
    return Candidates(tuple(households), arrays, priority, levels, problem, all_fits)


def make_plan(
    households: Sequence[HouseholdNeeds],
    places: Sequence[Place],
    switched_off: Iterable[str],
    today: date,
    now: datetime,
    *,
    shortlist: int = SHORTLIST,
) -> Plan:
    """The best assignment of these households to these places (see ``solver``), explained."""
    found = candidates(households, places, switched_off, today, now)
    assignment = solve(found.problem, shortlist=shortlist)
    return explain(found, assignment, today, now)


def explain(found: Candidates, assignment: np.ndarray, today: date, now: datetime) -> Plan:
    """The plan of an assignment (a place index per household, -1 for none)."""
    problem = found.problem
    places = found.arrays.places
    pairs: list[Pair] = []
    unmatched: list[Unmatched] = []
    occupants: dict[int, list[int]] = {}
    for h, place in enumerate(assignment.tolist()):
        if place >= 0:
            occupants.setdefault(place, []).append(found.levels[h])
    for h, household in enumerate(found.households):
        first, last = int(problem.indptr[h]), int(problem.indptr[h + 1])
        level = found.levels[h]
        place = int(assignment[h])
        if place >= 0:
            at = first + int(np.flatnonzero(problem.place[first:last] == place)[0])
            (match,) = rank(household.criteria(), [places[place].facts], today, now).matches
            fit = round(float(found.fits[at]), 1)
            hold = advice(household, match.score, found.priorities[h], today)
            pairs.append(Pair(household.id, places[place].facts.id, level, fit, match, hold))
        elif first == last:
            unmatched.append(
                Unmatched(household.id, level, Left.NO_PLACE, 0, blocker(household, found.arrays, today))
            )
        else:
            urgent = all(
                any(other < level for other in occupants.get(int(p), ())) for p in problem.place[first:last]
            )
            unmatched.append(
                Unmatched(household.id, level, Left.TAKEN_BY_PRIORITY if urgent else Left.TAKEN, last - first)
            )
    housed = np.bincount([pair.level for pair in pairs], minlength=max(found.levels, default=-1) + 1)
    pairs.sort(key=lambda pair: (pair.level, -pair.fit, pair.household_id))
    unmatched.sort(key=lambda item: (item.level, item.household_id))
    return Plan(tuple(pairs), tuple(unmatched), tuple(int(count) for count in housed))
