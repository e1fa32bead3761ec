# SPDX-License-Identifier: AGPL-3.0-or-later
"""Matching a whole territory: ``python bench/matching.py [--households N] [--offers N] [--days N] [--seed N]``.

Two measures, on data generated in one département (Loire-Atlantique) from a seeded generator:

1. **One plan**: :func:`bot.domain.matching.plan.make_plan` for 1 000 waiting households and
   10 000 available offers (candidate pairs by the search's hard filters, the exact solver, the
   explanations): wall-clock seconds (best of ``--repeat``), then peak memory in a second run,
   traced (``tracemalloc``: Python and NumPy allocations; HiGHS allocates in C++, outside it, so
   the process's peak resident size is printed too).
2. **90 days of arrivals**: households and offers arrive every day (Poisson); a household gives up
   after ``--patience`` days, an offer is withdrawn after ``--expiry`` days unless taken. Policies on
   the same data: *greedy* (today's practice, first come first served: an arriving household takes the
   best free place it fits, an arriving place goes to the household waiting longest that it fits,
   priority ignored); *daily batch* (each evening, the exact plan for everyone waiting and every free
   place, every pair proposed); *ours*, the product's: the same daily plan, but the pairs
   :func:`bot.domain.matching.holding.advice` advises to wait are not proposed (what "Tick all" does in
   ``/match``), their households and places stay in the pool for the next plans; the *hindsight
   optimum* (every arrival known in advance: one plan over all pairs that are ever present together);
   for comparison, the same batch once a week, and a crude hold (every household not sleeping rough
   waits 14 days). Offers in the simulation are qualified, confirmed and state every fact, so that a
   pair's fit does not change with the day; collective places keep the room left by those placed.
   Reported: households housed (and the most urgent: sleeping rough), mean fit, mean wait (days from
   arrival to the match), and the total fit as a percentage of the hindsight optimum. ``--also-seeds``
   repeats the simulation on other seeds and prints the mean of each policy.

   The 90 days are a window in a stream that goes on: households and places keep arriving for ``--tail``
   days after it (by default, a household's patience), and only the households arriving in the window are
   counted. Were the world to end on day 90, a policy that lets households wait for a better place would be
   punished for expecting places that never come, while the hindsight optimum knows they will not; that
   figure is printed too (``finite_percent_of_hindsight``), for the same seed.

Prints a table, then one JSON line:
``{"households": 1000, "offers": 10000, "seconds": …, "peak_mb": …, "policy": "…", "percent_of_hindsight": …,
"greedy_percent_of_hindsight": …, …}`` (``percent_of_hindsight``: ours, the product's policy).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.matching.holding import advice
from bot.domain.matching.needs import SITUATIONS, HouseholdNeeds, Place, priorities
from bot.domain.matching.plan import candidates, make_plan
from bot.domain.matching.solver import Problem, solve
from bot.domain.search.ranking import OfferFacts
from bot.geo.communes import Commune, load_communes

TODAY = date(2026, 11, 22)
STREET = "street"  # the most urgent situation of bot/domain/situations.py
HOLD_DAYS = 14  # how long the crude "hold" variant of the daily batch makes every household wait
OURS = "daily, advised waits"  # the product's policy: the daily plan, pairs advised to wait not proposed
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
DEPARTEMENT = "44"


def pick(rng: random.Random, table: dict[Any, float]) -> Any:
    return rng.choices(list(table), weights=list(table.values()))[0]


class Communes:
    """The communes of the département, drawn in proportion to their population."""

    def __init__(self, departement: str) -> None:
        self.communes: list[Commune] = [
            c for c in load_communes() if c.departement == departement and c.population
        ]
        self.cumulative = list(itertools.accumulate(c.population for c in self.communes))

    def draw(self, rng: random.Random) -> Commune:
        return self.communes[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


def make_place(rng: random.Random, offer_id: int, communes: Communes, *, simulated: bool = False) -> Place:
    """An available offer; ``simulated``: qualified, confirmed, every fact stated, available from today."""
    commune = communes.draw(rng)
    collective = rng.random() < 0.05
    people = (
        pick(rng, {10: 20, 15: 15, 20: 20, 30: 15, 50: 10})
        if collective
        else pick(rng, {1: 20, 2: 25, 3: 18, 4: 16, 5: 9, 6: 7, 7: 2, 8: 3})
    )
    start = TODAY if simulated else TODAY + timedelta(days=rng.randint(-120, 20))
    until = None if rng.random() < 0.5 else start + timedelta(days=rng.choice((30, 60, 90, 180, 365)))
    unknown = 0.0 if simulated else 0.1
    facts = OfferFacts(
        id=offer_id, departement=DEPARTEMENT, status="available",
        latitude=commune.lat + rng.uniform(-0.02, 0.02), longitude=commune.lon + rng.uniform(-0.03, 0.03),
        people=people, available_from=start, available_until=until,
        min_stay_days=pick(rng, {None: 60, 30: 20, 90: 15, 180: 5}),
        step_free=None if rng.random() < unknown else pick(rng, {"yes": 20, "partly": 15, "no": 65}),
        pets=None if rng.random() < unknown else rng.random() < 0.4,
        children=None if rng.random() < unknown else rng.random() < 0.8,
        qualification="qualified" if simulated else pick(rng, {"qualified": 40, "unqualified": 60}),
        last_confirmed_at=NOW if simulated else NOW - timedelta(days=min(120, int(rng.expovariate(1 / 20)))),
        stale_since=None if simulated or rng.random() < 0.93 else NOW - timedelta(days=rng.randint(0, 30)),
        languages=tuple(["fr"] + [c for c, p in (("en", 0.4), ("uk", 0.08), ("ru", 0.1)) if rng.random() < p]),
    )  # fmt: skip
    return Place(facts, max(2, people // 3) if collective else 1)


def make_household(
    rng: random.Random, household_id: int, communes: Communes, *, simulated: bool = False
) -> HouseholdNeeds:
    """A waiting household: mostly families of 1–5, near where it wants to live or anywhere in the département."""
    commune = communes.draw(rng)
    anywhere = rng.random() < 0.3
    children = pick(rng, {0: 45, 1: 25, 2: 20, 3: 10})
    return HouseholdNeeds(
        id=household_id, departement=DEPARTEMENT, adults=pick(rng, {1: 45, 2: 50, 3: 5}),
        children_ages=tuple(rng.randint(0, 17) for _ in range(children)),
        step_free=rng.random() < 0.08, pets=rng.random() < 0.2,
        languages=tuple(rng.sample(("uk", "ru", "en"), pick(rng, {0: 30, 1: 55, 2: 15}))),
        near=None if anywhere else (commune.lat, commune.lon),
        radius_km=None if anywhere else pick(rng, {10.0: 20, 20.0: 35, 40.0: 30, None: 15}),
        start=None if simulated or rng.random() < 0.6 else TODAY + timedelta(days=rng.randint(0, 14)),
        days=pick(rng, {None: 30, 30: 20, 90: 25, 180: 15, 365: 10}),
        situations=frozenset(rng.sample(SITUATIONS, pick(rng, {0: 40, 1: 50, 2: 10}))),
    )  # fmt: skip


# --------------------------------------------------------------------------- one plan


def one_plan(args: argparse.Namespace, communes: Communes) -> dict[str, Any]:
    rng = random.Random(args.seed)
    households = [make_household(rng, h, communes) for h in range(args.households)]
    places = [make_place(rng, 100_000 + o, communes) for o in range(args.offers)]
    timings = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        plan = make_plan(households, places, (), TODAY, NOW)
        timings.append(time.perf_counter() - began)
    tracemalloc.start()
    make_plan(households, places, (), TODAY, NOW)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    found = candidates(households, places, (), TODAY, NOW)
    return {
        "households": args.households,
        "offers": args.offers,
        "candidate_pairs": len(found.problem.place),
        "housed": len(plan.pairs),
        "seconds": round(min(timings), 2),
        "peak_mb": round(peak / 2**20, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


# --------------------------------------------------------------------------- 90 days


@dataclass
class Outcome:
    """What a policy achieved: the place of each household (-1: none) and the day it was matched."""

    place: np.ndarray
    day: np.ndarray


def simulate(
    args: argparse.Namespace, communes: Communes, seed: int, tail: int
) -> dict[str, dict[str, float]]:
    """The policies on `args.days` days of arrivals, and `tail` more days in which households and places go on
    arriving: those households take part but are not counted, so the last counted ones meet the same market."""
    rng = random.Random(seed + 1)
    days = args.days + tail
    arrivals_h = [d for d in range(days) for _ in range(_poisson(rng, args.households_per_day))]
    arrivals_o = [d for d in range(days) for _ in range(_poisson(rng, args.offers_per_day))]
    households = [
        replace(make_household(rng, h, communes, simulated=True), waiting_since=TODAY + timedelta(days=day))
        for h, day in enumerate(arrivals_h)
    ]
    places = [make_place(rng, 200_000 + o, communes, simulated=True) for o in range(len(arrivals_o))]
    found = candidates(households, places, (), TODAY, NOW)  # fits do not depend on the day
    urgent = np.array([STREET in household.all_situations() for household in households], dtype=bool)
    household_day = np.array(arrivals_h, dtype=np.int64)
    data = Arrivals(
        found.problem,
        household_day,
        np.array(arrivals_o),
        args.patience,
        args.expiry,
        urgent,
        counted=household_day < args.days,
    )
    outcomes = {
        "greedy": greedy(data, found.fits), "daily batch": batch(data), "weekly batch": batch(data, every=7),
        f"daily, hold {HOLD_DAYS} d": batch(data, wait=crude_hold(data, HOLD_DAYS)),
        OURS: batch(data, wait=advised(data, households, found.fits)),
        "hindsight": hindsight(data),
    }  # fmt: skip
    results = {name: data.report(outcome, found.fits) for name, outcome in outcomes.items()}
    best = results["hindsight"]["total_fit"] or 1.0
    for result in results.values():
        result["percent_of_hindsight"] = round(100 * result["total_fit"] / best, 1)
    return results


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


@dataclass(eq=False)
class Arrivals:
    """The candidate pairs of everyone who ever arrives, and when each household and place is present."""

    problem: Problem
    household_day: np.ndarray
    place_day: np.ndarray
    patience: int
    expiry: int
    urgent: np.ndarray  # households sleeping rough, the most urgent situation
    counted: np.ndarray  # households arriving in the measured days (not in the tail after them)

    def present(self, pairs: np.ndarray) -> np.ndarray:
        """Pairs whose household and place are ever present on the same day."""
        household = self.problem.household[pairs]
        place = self.problem.place[pairs]
        return (self.place_day[place] <= self.household_day[household] + self.patience) & (
            self.household_day[household] <= self.place_day[place] + self.expiry
        )

    def sub_problem(self, pairs: np.ndarray, capacity: np.ndarray, room: np.ndarray) -> Problem:
        """The problem restricted to these pairs (sorted by household), with the capacities left."""
        counts = np.bincount(self.problem.household[pairs], minlength=len(self.problem.levels))
        return replace(
            self.problem, capacity=capacity, room=room, indptr=np.concatenate([[0], np.cumsum(counts)]),
            place=self.problem.place[pairs], weight=self.problem.weight[pairs],
        )  # fmt: skip

    def report(self, outcome: Outcome, fits: np.ndarray) -> dict[str, float]:
        housed = np.flatnonzero((outcome.place >= 0) & self.counted)
        fit = [_pair_fit(self.problem, fits, int(h), int(outcome.place[h])) for h in housed]
        urgent = self.urgent & self.counted
        wait = outcome.day[housed] - self.household_day[housed]
        return {
            "households": int(np.sum(self.counted)),
            "housed": len(housed),
            "urgent_housed": int(np.sum(outcome.place[urgent] >= 0)),
            "urgent": int(np.sum(urgent)),
            "mean_fit": round(float(np.mean(fit)), 1) if fit else 0.0,
            "total_fit": round(float(np.sum(fit)), 1),
            "mean_wait_days": round(float(np.mean(wait)), 1) if len(wait) else 0.0,
        }


def _pair_fit(problem: Problem, fits: np.ndarray, household: int, place: int) -> float:
    first, last = int(problem.indptr[household]), int(problem.indptr[household + 1])
    return float(fits[first + int(np.flatnonzero(problem.place[first:last] == place)[0])])


def greedy(data: Arrivals, fits: np.ndarray) -> Outcome:
    """First come, first served: each arrival, in the order of the day, takes what it can at once."""
    problem = data.problem
    n = len(problem.levels)
    outcome = Outcome(np.full(n, -1), np.full(n, -1))
    capacity, room = problem.capacity.copy(), problem.room.copy()
    by_place: dict[int, list[int]] = {}
    for h in range(n):
        for k in range(problem.indptr[h], problem.indptr[h + 1]):
            by_place.setdefault(int(problem.place[k]), []).append(h)
    events = sorted(
        [(int(day), 0, h) for h, day in enumerate(data.household_day)]
        + [(int(day), 1, p) for p, day in enumerate(data.place_day)],
        key=lambda event: (event[0], random.Random(event[1] * 1_000_003 + event[2]).random()),
    )

    def free(p: int, h: int, day: int) -> bool:
        return bool(
            capacity[p] > 0
            and room[p] >= problem.sizes[h]
            and data.place_day[p] <= day <= data.place_day[p] + data.expiry
        )

    def take(h: int, p: int, day: int) -> None:
        outcome.place[h], outcome.day[h] = p, day
        capacity[p] -= 1
        room[p] -= problem.sizes[h]

    for day, kind, index in events:
        if kind == 0:
            h = index
            first, last = int(problem.indptr[h]), int(problem.indptr[h + 1])
            options = [(fits[k], -int(problem.place[k])) for k in range(first, last)
                       if free(int(problem.place[k]), h, day) and data.place_day[problem.place[k]] <= day]  # fmt: skip
            if options:
                take(h, -max(options)[1], day)
        else:
            p = index
            waiting = sorted(
                (int(data.household_day[h]), h) for h in by_place.get(p, ())
                if outcome.place[h] < 0 and data.household_day[h] <= day <= data.household_day[h] + data.patience
            )  # fmt: skip
            for _, h in waiting:
                if free(p, h, day):
                    take(h, p, day)
    return outcome


Waiting = Callable[[int, int, int], bool]
"""Whether household ``h`` should wait rather than take place ``p`` that the plan of ``day`` gives it."""


def batch(data: Arrivals, every: int = 1, wait: Waiting | None = None) -> Outcome:
    """Each evening (or every ``every`` days), the exact plan for everyone waiting and every place free; the
    pairs ``wait`` holds back are not made: their household and place stay in the pool for the next plans."""
    problem = data.problem
    n = len(problem.levels)
    outcome = Outcome(np.full(n, -1), np.full(n, -1))
    capacity, room = problem.capacity.copy(), problem.room.copy()
    household, place = problem.household, problem.place
    days = int(max(data.household_day.max(initial=0), data.place_day.max(initial=0))) + 1
    for day in range(every - 1, days + data.patience + every - 1, every):
        waiting = (
            (outcome.place < 0) & (data.household_day <= day) & (day <= data.household_day + data.patience)
        )
        open_ = (capacity > 0) & (data.place_day <= day) & (day <= data.place_day + data.expiry)
        pairs = np.flatnonzero(waiting[household] & open_[place] & (room[place] >= problem.sizes[household]))
        if not pairs.size:
            continue
        assignment = solve(data.sub_problem(pairs, capacity.copy(), room.copy()))
        for h in np.flatnonzero(assignment >= 0):
            p = int(assignment[h])
            if wait is not None and wait(int(h), p, day):
                continue
            outcome.place[h], outcome.day[h] = p, day
            capacity[p] -= 1
            room[p] -= problem.sizes[h]
    return outcome


def crude_hold(data: Arrivals, days: int) -> Waiting:
    """A household not sleeping rough waits its first ``days`` days, unless it or its place is about to leave
    (which only the simulation knows)."""

    def wait(h: int, p: int, day: int) -> bool:
        leaving = day + 1 > min(data.household_day[h] + data.patience, data.place_day[p] + data.expiry)
        return bool(day - data.household_day[h] < days and not (leaving or data.urgent[h]))

    return wait


def advised(data: Arrivals, households: list[HouseholdNeeds], fits: np.ndarray) -> Waiting:
    """Ours: the pairs :func:`~bot.domain.matching.holding.advice` advises to wait, as "Tick all" leaves them."""
    priority = priorities(households, ())

    def wait(h: int, p: int, day: int) -> bool:
        score = _pair_fit(data.problem, fits, h, p)  # the search's score: simulated offers have no penalty
        return advice(households[h], score, priority[h], TODAY + timedelta(days=day)) is not None

    return wait


def hindsight(data: Arrivals) -> Outcome:
    """Every arrival known in advance: one plan over the pairs ever present together."""
    problem = data.problem
    pairs = np.flatnonzero(data.present(np.arange(len(problem.place))))
    assignment = solve(data.sub_problem(pairs, problem.capacity.copy(), problem.room.copy()))
    matched = assignment >= 0
    day = np.full(len(assignment), -1)
    day[matched] = np.maximum(data.household_day[matched], data.place_day[assignment[matched]])
    return Outcome(assignment, day)


# --------------------------------------------------------------------------- report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--households", type=int, default=1000, help="waiting households in one plan (%(default)s)"
    )
    parser.add_argument(
        "--offers", type=int, default=10_000, help="available offers in one plan (%(default)s)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="time the plan this many times, keep the best")
    parser.add_argument("--days", type=int, default=90, help="days simulated (%(default)s)")
    parser.add_argument("--households-per-day", type=float, default=10.0)
    parser.add_argument("--offers-per-day", type=float, default=8.0)
    parser.add_argument("--patience", type=int, default=30, help="days a household waits before giving up")
    parser.add_argument("--expiry", type=int, default=45, help="days an offer stays before it is withdrawn")
    parser.add_argument(
        "--tail",
        type=int,
        default=None,
        help="days households and places go on arriving after the counted days (default: --patience)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--also-seeds", type=int, nargs="*", default=[], help="simulate these seeds too and print the means"
    )
    args = parser.parse_args()
    tail = args.patience if args.tail is None else args.tail
    communes = Communes(DEPARTEMENT)
    plan = one_plan(args, communes)
    print(f"one plan: {plan['households']} households × {plan['offers']} offers, {plan['candidate_pairs']} candidate"
          f" pairs: {plan['seconds']} s, peak {plan['peak_mb']} MB traced, {plan['max_rss_mb']} MB resident")  # fmt: skip
    began = time.perf_counter()
    policies = simulate(args, communes, args.seed, tail)
    simulation_s = time.perf_counter() - began
    print(f"\n{args.days} days counted, {tail} more of arrivals after them, seed {args.seed}: "
          f"{policies['hindsight']['households']} households counted, {args.offers_per_day}/day offers")  # fmt: skip
    _print_table(policies)
    finite = simulate(args, communes, args.seed, 0) if tail else policies
    if tail:
        print(
            f"\nthe same seed, nothing arriving after day {args.days} (the hindsight optimum knows it, the others do not)"
        )
        _print_table(finite)
    means = {}
    if args.also_seeds:
        runs = [simulate(args, communes, seed, tail) for seed in args.also_seeds]
        means = {name: {key: round(float(np.mean([run[name][key] for run in runs])), 1)
                        for key in (*policies[name], "percent_of_hindsight")} for name in policies}  # fmt: skip
        print(f"\nmean over seeds {', '.join(map(str, args.also_seeds))}")
        _print_table(means)
    print(json.dumps({
        **plan,
        "policy": OURS,
        "percent_of_hindsight": policies[OURS]["percent_of_hindsight"],
        "greedy_percent_of_hindsight": policies["greedy"]["percent_of_hindsight"],
        "no_wait_percent_of_hindsight": policies["daily batch"]["percent_of_hindsight"],
        "hold_percent_of_hindsight": policies[f"daily, hold {HOLD_DAYS} d"]["percent_of_hindsight"],
        "mean_wait_days": policies[OURS]["mean_wait_days"],
        "tail_days": tail,
        "finite_percent_of_hindsight": finite[OURS]["percent_of_hindsight"],
        "finite_greedy_percent_of_hindsight": finite["greedy"]["percent_of_hindsight"],
        "housed_percent_of_hindsight": round(100 * policies[OURS]["housed"] / max(1, policies["hindsight"]["housed"]), 1),
        "greedy_housed_percent_of_hindsight": round(100 * policies["greedy"]["housed"] / max(1, policies["hindsight"]["housed"]), 1),
        "policies": policies,
        "means_over_seeds": {"seeds": args.also_seeds, "policies": means} if means else None,
        "simulation_s": round(simulation_s, 1),
        "load_average": round(os.getloadavg()[0], 2),
    }))  # fmt: skip
    return 0


def _print_table(policies: dict[str, dict[str, float]]) -> None:
    print(
        f"{'policy':<22} {'housed':>7} {'urgent':>9} {'mean fit':>9} {'mean wait':>10} {'% of hindsight':>15}"
    )
    for name, result in policies.items():
        print(f"{name:<22} {result['housed']:>7} {result['urgent_housed']:>4}/{result['urgent']:<4} "
              f"{result['mean_fit']:>9} {result['mean_wait_days']:>10} {result['percent_of_hindsight']:>14.1f}%")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
