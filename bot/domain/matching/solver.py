"""The exact assignment of households to places: priorities first, then the total fit.

The problem, over the candidate pairs (household, place) that pass the hard constraints, one 0/1
variable each: every household takes at most one place; a place takes at most ``households``
households, and, when it can take several, at most ``people`` people in all. Among these
assignments, the plan houses as many households of the most urgent level as possible; then, with
that number kept, as many of the next level; and so on down to households in no priority
situation; then it maximises the total fit (integers, see ``candidates``). So a household is
never left out for a less urgent one needing the same place, and housing one more household
always outweighs better fits.

Solved with SciPy's HiGHS: the linear relaxation (``linprog``) is integral unless a place shared
in people binds (it is a knapsack, which an assignment algorithm cannot express); then
``scipy.optimize.milp``, branch and bound with no gap allowed. A first stage maximises the number
housed: when it houses everyone who has a candidate, every level is at its maximum. Levels are solved in stages, several together with weights that keep them ordered while
the numbers stay small enough for exact arithmetic in floating point.

Thousands of places per household make millions of pairs; the solver starts from each
household's best :data:`SHORTLIST` and proves that the pairs left out cannot improve the plan, by
the reduced costs of the linear relaxation: columns whose reduced cost is negative are added
until the relaxation is optimal over all pairs; then a pair left out whose reduced cost exceeds
the gap between the relaxation and the integer plan cannot be part of a better plan. Otherwise
such pairs are added and the stage is solved again. The result is the optimum over all pairs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_matrix

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

SHORTLIST: Final = 24
"""Pairs per household in the first round (best fits); more are added only when they could matter."""
ENTERING: Final = 8
"""Pairs added per household and round when the proof needs more."""
PRICED_AT_ONCE: Final = 1 << 18
"""Pairs priced per slice (bounds the memory of pricing millions of pairs)."""
MAX_STAGE_WEIGHT: Final = 10**7
"""Largest total weight of a stage that solves several priority levels at once."""
_EPSILON: Final = 1e-6
RELAXATION_METHOD: Final = "highs-ipm"
"""HiGHS's interior point (with crossover, so the solution is a vertex): faster than the simplex on
these relaxations, measured on the benchmark."""


class SolverError(RuntimeError):
    """HiGHS did not reach an optimum (it always should: every stage is feasible)."""


@dataclass(frozen=True, eq=False)
class Problem:
    """The candidate pairs and what limits them.

    Households ``0..n-1``: ``levels`` (0 most urgent), ``sizes`` (people). Places: ``capacity``
    (households), ``room`` (people). Pairs, grouped by household (CSR): those of household ``h``
    are ``indptr[h]:indptr[h+1]``, with their ``place`` and integer ``weight`` (the fit in tenths).
    """

    levels: Ints
    sizes: Ints
    capacity: Ints
    room: Ints
    indptr: Ints
    place: Ints
    weight: Ints

    @cached_property
    def household(self) -> Ints:
        """The household of each pair."""
        counts = np.diff(self.indptr)
        households: Ints = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        return households


def solve(problem: Problem, *, shortlist: int = SHORTLIST) -> Ints:
    """The place of each household in an optimal assignment (see the module docstring), -1 for none."""
    household = problem.household
    active = _best_per_household(problem, shortlist)
    everyone = np.ones(len(problem.place), dtype=bool)
    top = int(problem.levels.max(initial=-1)) + 1
    # At most the households having a candidate can be housed, at each level.
    reachable = np.bincount(problem.levels[np.diff(problem.indptr) > 0], minlength=top)
    chosen = _solve_stage(problem, np.ones(len(problem.place), np.int64), everyone, active, [])
    if (np.bincount(problem.levels[household[chosen]], minlength=top) == reachable).all():
        kept = [(level, int(reachable[level])) for level in range(top)]  # every level at its maximum
    else:
        kept = []  # (level, households housed), fixed by an earlier stage
        for chunk, weights in _level_stages(problem.levels):
            level_weight = np.zeros(top, dtype=np.int64)
            level_weight[list(chunk)] = weights
            in_stage = problem.levels[household] <= max(chunk)
            chosen = _solve_stage(problem, level_weight[problem.levels[household]], in_stage, active, kept)
            housed = np.bincount(problem.levels[household[chosen]], minlength=top)
            kept.extend((level, int(housed[level])) for level in chunk)
    if top:
        chosen = _solve_stage(problem, problem.weight, everyone, active, kept)
    assignment = np.full(len(problem.levels), -1, dtype=np.int64)
    assignment[household[chosen]] = problem.place[chosen]
    return assignment


def _best_per_household(problem: Problem, shortlist: int) -> Mask:
    """Each household's ``shortlist`` best pairs."""
    active = np.zeros(len(problem.place), dtype=bool)
    for h in range(len(problem.levels)):
        first, last = int(problem.indptr[h]), int(problem.indptr[h + 1])
        if last - first <= shortlist:
            active[first:last] = True
        else:
            best = np.argpartition(-problem.weight[first:last], shortlist - 1)[:shortlist]
            active[first + best] = True
    return active


def _level_stages(levels: Ints) -> Iterator[tuple[tuple[int, ...], list[int]]]:
    """Consecutive priority levels solved together, each with the weights that keep them in order:
    one household of a level outweighs all those of the next levels of the stage."""
    present = [int(level) for level in np.unique(levels)]
    counts = {level: int(np.sum(levels == level)) for level in present}
    chunk: list[int] = []
    for level in present:
        weights = _ordered_weights([*chunk, level], counts)
        if (
            chunk
            and sum(counts[lv] * w for lv, w in zip([*chunk, level], weights, strict=True)) > MAX_STAGE_WEIGHT
        ):
            yield tuple(chunk), _ordered_weights(chunk, counts)
            chunk = []
        chunk.append(level)
    if chunk:
        yield tuple(chunk), _ordered_weights(chunk, counts)


def _ordered_weights(chunk: list[int], counts: dict[int, int]) -> list[int]:
    weights = [1]
    below = counts[chunk[-1]]  # total weight of the levels after the current one
    for level in reversed(chunk[:-1]):
        weights.insert(0, below + 1)
        below += counts[level] * (below + 1)
    return weights


@dataclass(frozen=True, eq=False)
class _Rows:
    """The constraint matrix of a set of pairs, and where each family of rows starts."""

    matrix: coo_matrix
    bound: Floats
    household_row: Ints  # per household: its row, -1 when none
    place_row: Ints
    people_row: Ints
    level_row: Ints  # per level kept: its row, -1 when none


def _rows(problem: Problem, columns: Ints, kept: list[tuple[int, int]]) -> _Rows:
    """The rows of these pairs: one per household; one per place whose pairs exceed its capacity in
    households, and one per shared place whose pairs exceed its people (the others cannot bind:
    leaving them out keeps the relaxation small, and their duals are zero); one per level kept."""
    household = problem.household[columns]
    place = problem.place[columns]
    n_households, n_places = len(problem.levels), len(problem.capacity)
    household_row = np.full(n_households, -1, dtype=np.int64)
    used_households = np.unique(household)
    household_row[used_households] = np.arange(len(used_households))
    place_row = np.full(n_places, -1, dtype=np.int64)
    crowded = np.flatnonzero(np.bincount(place, minlength=n_places) > problem.capacity)
    place_row[crowded] = len(used_households) + np.arange(len(crowded))
    people_row = np.full(n_places, -1, dtype=np.int64)
    people = np.bincount(place, weights=problem.sizes[household], minlength=n_places)
    full = np.flatnonzero((problem.capacity > 1) & (people > problem.room))
    people_row[full] = len(used_households) + len(crowded) + np.arange(len(full))
    level_row = np.full(int(problem.levels.max(initial=0)) + 1, -1, dtype=np.int64)
    for offset, (level, _) in enumerate(kept):
        level_row[level] = len(used_households) + len(crowded) + len(full) + offset
    pair = np.arange(len(columns))
    levels = problem.levels[household]
    in_place, in_people, in_kept = place_row[place] >= 0, people_row[place] >= 0, level_row[levels] >= 0
    rows = np.concatenate([household_row[household], place_row[place[in_place]], people_row[place[in_people]],
                           level_row[levels[in_kept]]])  # fmt: skip
    cols = np.concatenate([pair, pair[in_place], pair[in_people], pair[in_kept]])
    values = np.concatenate([
        np.ones(len(pair) + int(in_place.sum())), problem.sizes[household[in_people]], -np.ones(int(in_kept.sum())),
    ])  # fmt: skip
    bound = np.concatenate([
        np.ones(len(used_households)), problem.capacity[crowded], problem.room[full],
        -np.array([housed for _, housed in kept], dtype=np.float64),
    ]).astype(np.float64)  # fmt: skip
    matrix = coo_matrix((values, (rows, cols)), shape=(len(bound), len(columns)))
    return _Rows(matrix, bound, household_row, place_row, people_row, level_row)


def _solve_stage(
    problem: Problem, weight: Ints, in_stage: Mask, active: Mask, kept: list[tuple[int, int]]
) -> Mask:
    """The pairs of an optimal solution maximising ``weight`` over the pairs ``in_stage``, with the
    numbers ``kept``; ``active`` (the pairs considered so far) grows as the proof requires."""
    while True:
        columns = np.flatnonzero(in_stage & active)
        rows = _rows(problem, columns, kept)
        relaxed_value, duals, relaxed = _relaxation(weight[columns], rows)
        others = np.flatnonzero(in_stage & ~active)
        reduced = _reduced_costs(problem, weight, others, rows, duals)
        entering = _cheapest(problem, others, reduced, reduced < -_EPSILON)
        if entering.size:  # the relaxation is not optimal over all pairs yet
            active[entering] = True
            continue
        chosen = np.zeros(len(problem.place), dtype=bool)
        if np.all(np.abs(relaxed - np.rint(relaxed)) < _EPSILON):  # an integer vertex: optimal as it is
            chosen[columns[relaxed > 0.5]] = True
        else:
            integer = milp(
                -weight[columns], integrality=np.ones(len(columns)), bounds=Bounds(0, 1),
                constraints=LinearConstraint(rows.matrix.tocsr(), -np.inf, rows.bound),
                options={"mip_rel_gap": 0.0, "presolve": True},
            )  # fmt: skip
            if integer.status != 0 or integer.x is None:
                raise SolverError(integer.message)
            chosen[columns[np.asarray(integer.x) > 0.5]] = True
        gap = relaxed_value - float(weight[chosen].sum())
        entering = others[reduced <= gap - 1 + _EPSILON]  # all: the gap is what it is
        if not entering.size:
            return chosen
        active[entering] = True


def _cheapest(problem: Problem, pairs: Ints, reduced: Floats, wanted: Mask) -> Ints:
    """The pairs ``wanted``, at most :data:`ENTERING` per household, smallest reduced cost first:
    adding every candidate column at once would make each round as large as the whole problem."""
    pairs, reduced = pairs[wanted], reduced[wanted]
    household = problem.household[pairs]
    order = np.lexsort((reduced, household))
    household = household[order]
    first = np.searchsorted(household, household, side="left")
    entering: Ints = pairs[order][np.arange(len(order)) - first < ENTERING]
    return entering


def _relaxation(weight: Ints, rows: _Rows) -> tuple[float, Floats, Floats]:
    """The optimum of the linear relaxation (maximising ``weight``), its duals (one per row) and
    its solution (a vertex)."""
    if not weight.size:
        return 0.0, np.zeros(len(rows.bound)), np.zeros(0)
    relaxed = linprog(
        -weight, A_ub=rows.matrix.tocsr(), b_ub=rows.bound, bounds=(0, None), method=RELAXATION_METHOD
    )
    if relaxed.status != 0:
        raise SolverError(relaxed.message)
    duals = np.asarray(relaxed.ineqlin.marginals, dtype=np.float64)
    return -float(relaxed.fun), duals, np.asarray(relaxed.x, dtype=np.float64)


def _reduced_costs(problem: Problem, weight: Ints, pairs: Ints, rows: _Rows, duals: Floats) -> Floats:
    """Reduced costs (minimisation form) of pairs not in the relaxation, under its duals (by slices
    of :data:`PRICED_AT_ONCE` pairs: millions of pairs at once would need several copies of them)."""
    reduced = np.empty(len(pairs), dtype=np.float64)
    for first in range(0, len(pairs), PRICED_AT_ONCE):
        part = slice(first, first + PRICED_AT_ONCE)
        reduced[part] = _priced(problem, weight, pairs[part], rows, duals)
    return reduced


def _priced(problem: Problem, weight: Ints, pairs: Ints, rows: _Rows, duals: Floats) -> Floats:
    padded = np.append(duals, 0.0)  # row -1 (none): a zero dual
    household = problem.household[pairs]
    place = problem.place[pairs]
    reduced: Floats = -weight[pairs] - padded[rows.household_row[household]] - padded[rows.place_row[place]]
    reduced -= problem.sizes[household] * padded[rows.people_row[place]]
    reduced += padded[rows.level_row[problem.levels[household]]]
    return reduced
