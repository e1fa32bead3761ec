"""Matching: the candidate pairs are the search's, the solver is exact (against brute force), the plan explains itself."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from bot.domain.matching import candidates as fitting
from bot.domain.matching import holding, solver
from bot.domain.matching import needs as rules
from bot.domain.matching.candidates import Blocker, Constraint, fits, place_arrays
from bot.domain.matching.needs import SITUATIONS, HouseholdNeeds, Place
from bot.domain.matching.plan import Left, Plan, candidates, make_plan
from bot.domain.matching.solver import Problem, solve
from bot.domain.search import ranking
from bot.domain.search.ranking import Caveat, OfferFacts, Reason, Why, rank, score
from bot.domain.situations import SITUATIONS as SITUATIONS_DECLARED

TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
NANTES = (47.2181, -1.5528)


def offer(offer_id: int, **values: Any) -> OfferFacts:
    facts: dict[str, Any] = {
        "id": offer_id, "departement": "44", "status": "available", "latitude": NANTES[0],
        "longitude": NANTES[1], "people": 4, "available_from": TODAY, "available_until": None,
        "min_stay_days": None, "step_free": "yes", "pets": True, "children": True, "qualification": "qualified",
        "last_confirmed_at": NOW, "stale_since": None, "languages": (),
    }  # fmt: skip
    facts.update(values)
    return OfferFacts(**facts)


def household(household_id: int, **values: Any) -> HouseholdNeeds:
    return HouseholdNeeds(**{"id": household_id, "departement": "44", "adults": 2, **values})


def random_offer(rng: random.Random, offer_id: int, *, stated: bool = False) -> OfferFacts:
    """An offer with every kind of fact, sometimes not stated (unless ``stated``)."""
    unknown = 0.0 if stated else 0.2
    start = TODAY + timedelta(days=rng.randint(-30, 20))
    return offer(
        offer_id,
        departement=rng.choice(("44", "44", "44", "85")),
        status=rng.choice(("available",) * 6 + ("paused", "reserved")),
        latitude=NANTES[0] + rng.uniform(-0.4, 0.4),
        longitude=NANTES[1] + rng.uniform(-0.5, 0.5),
        people=rng.choice((1, 2, 2, 3, 4, 4, 5, 6, 8, 12)),
        available_from=start,
        available_until=None if rng.random() < 0.4 else start + timedelta(days=rng.randint(10, 400)),
        min_stay_days=None if rng.random() < 0.7 else rng.choice((7, 30, 90, 180)),
        step_free=None if rng.random() < unknown else rng.choice(("yes", "partly", "no")),
        pets=None if rng.random() < unknown else rng.random() < 0.5,
        children=None if rng.random() < unknown else rng.random() < 0.8,
        qualification=rng.choice(("qualified", "qualified", "unqualified", "turned_down")),
        last_confirmed_at=NOW - timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 23)),
        stale_since=None if rng.random() < 0.85 else NOW - timedelta(days=rng.randint(0, 20)),
        languages=tuple(rng.sample(("uk", "ru", "en", "fr", "pl"), rng.randint(0, 3))),
    )


def random_household(rng: random.Random, household_id: int) -> HouseholdNeeds:
    near = (
        (NANTES[0] + rng.uniform(-0.3, 0.3), NANTES[1] + rng.uniform(-0.3, 0.3))
        if rng.random() < 0.7
        else None
    )
    return household(
        household_id,
        departement=rng.choice(("44", "44", "44", "85")),
        adults=rng.choice((0, 1, 1, 2, 2, 3)) or 1,
        children_ages=tuple(rng.randint(0, 17) for _ in range(rng.choice((0, 0, 1, 2, 3)))),
        step_free=rng.random() < 0.2,
        pets=rng.random() < 0.25,
        languages=tuple(rng.sample(("uk", "ru", "en", "fr"), rng.randint(0, 2))),
        near=near,
        radius_km=None if near is None or rng.random() < 0.3 else rng.choice((5.0, 15.0, 30.0)),
        start=None if rng.random() < 0.5 else TODAY + timedelta(days=rng.randint(-5, 15)),
        days=None if rng.random() < 0.4 else rng.choice((14, 30, 90, 180, 365)),
        situations=frozenset(rng.sample(SITUATIONS, rng.choice((0, 0, 1, 1, 2)))),
    )


def random_places(rng: random.Random, count: int, *, stated: bool = False) -> list[Place]:
    places = []
    for index in range(count):
        facts = random_offer(rng, 100 + index, stated=stated)
        collective = rng.random() < 0.15
        places.append(
            Place(facts, rng.randint(2, min(4, facts.people)) if collective and facts.people > 1 else 1)
        )
    return places


# --------------------------------------------------------------------------- the search's rules


@pytest.mark.parametrize("seed", range(8))
def test_candidates_are_the_search_results_and_the_fit_is_its_score(seed: int) -> None:
    rng = random.Random(seed)
    places = random_places(rng, 300)
    arrays = place_arrays(places, NOW)
    for number in range(40):
        needs = random_household(rng, number)
        index, fit = fits(needs, arrays, TODAY)
        ranked = rank(needs.criteria(), [place.facts for place in places], TODAY, NOW).matches
        expected = [match for match in ranked if not match.paused]
        assert sorted(places[i].facts.id for i in index) == sorted(match.offer_id for match in expected)
        by_id = {places[i].facts.id: value for i, value in zip(index.tolist(), fit.tolist(), strict=True)}
        start = max(TODAY, needs.start or TODAY)
        for match in expected:
            facts = match.facts
            unknown = sum(1 for why in match.caveats if why.code == Caveat.NEED_UNKNOWN)
            wanted = score(
                needs.criteria(), facts, start, NOW, match.distance_km and _raw_distance(needs, facts)
            )
            wanted -= fitting.NOT_STATED_PENALTY * unknown + fitting.STALE_PENALTY * match.stale
            wanted -= fitting.NOT_QUALIFIED_PENALTY * (facts.qualification != "qualified")
            assert by_id[facts.id] == pytest.approx(wanted, abs=1e-9)
        # The search's order is the order of the fits (ties aside).
        order = [match.offer_id for match in expected]
        assert [by_id[i] for i in order] == sorted((by_id[i] for i in order), reverse=True) or _ties(
            order, by_id
        )


def _raw_distance(needs: HouseholdNeeds, facts: OfferFacts) -> float | None:
    from bot.geo.communes import distance_km

    return None if needs.near is None else distance_km(*needs.near, facts.latitude, facts.longitude)


def _ties(order: list[int], fit: dict[int, float]) -> bool:
    return all(fit[a] >= fit[b] - 1e-9 for a, b in itertools.pairwise(order))


def test_a_not_stated_need_ranks_below_any_stated_yes_and_is_a_caveat_never_a_reason() -> None:
    needs = household(1, pets=True, near=NANTES)
    far_but_stated = Place(
        offer(1, pets=True, latitude=NANTES[0] + 0.25, last_confirmed_at=NOW - timedelta(days=50))
    )
    near_not_stated = Place(offer(2, pets=None))
    plan = make_plan([needs], [near_not_stated, far_but_stated], (), TODAY, NOW)
    assert [pair.offer_id for pair in plan.pairs] == [1]
    assert Why(Reason.NEED_MET, "pets") in plan.pairs[0].match.reasons
    only_unstated = make_plan([needs], [near_not_stated], (), TODAY, NOW)
    (pair,) = only_unstated.pairs
    assert Why(Caveat.NEED_UNKNOWN, "pets") in pair.match.caveats
    assert all(why.code != Reason.NEED_MET for why in pair.match.reasons)


def test_stale_and_unconfirmed_offers_come_with_their_caveat() -> None:
    stale = Place(offer(1, stale_since=NOW - timedelta(days=3), last_confirmed_at=NOW - timedelta(days=70)))
    (pair,) = make_plan([household(1)], [stale], (), TODAY, NOW).pairs
    assert Why(Caveat.STALE, 3) in pair.match.caveats
    paused = Place(offer(2, status="paused"))
    plan = make_plan([household(1)], [paused], (), TODAY, NOW)
    assert not plan.pairs and plan.unmatched[0].blocker == Blocker(Constraint.TERRITORY, 0)


# --------------------------------------------------------------------------- exact: brute force


def brute_force(problem: Problem) -> tuple[tuple[int, ...], int]:
    """The best (households housed per level, most urgent first; total weight) over every assignment."""
    n = len(problem.levels)
    options = [
        [(-1, 0)]
        + [
            (int(problem.place[k]), int(problem.weight[k]))
            for k in range(problem.indptr[h], problem.indptr[h + 1])
        ]
        for h in range(n)
    ]
    top = int(problem.levels.max(initial=0)) + 1
    best: tuple[tuple[int, ...], int] | None = None
    for choice in itertools.product(*options):
        taken = np.zeros(len(problem.capacity), dtype=np.int64)
        people = np.zeros(len(problem.capacity), dtype=np.int64)
        for h, (place, _) in enumerate(choice):
            if place >= 0:
                taken[place] += 1
                people[place] += problem.sizes[h]
        if (taken > problem.capacity).any() or ((people > problem.room) & (taken > 1)).any():
            continue
        housed = [0] * top
        for h, (place, _) in enumerate(choice):
            housed[int(problem.levels[h])] += place >= 0
        key = (tuple(housed), sum(weight for _, weight in choice))
        if best is None or key > best:
            best = key
    assert best is not None
    return best


def value(problem: Problem, assignment: np.ndarray) -> tuple[tuple[int, ...], int]:
    top = int(problem.levels.max(initial=0)) + 1
    housed = [0] * top
    total = 0
    for h, place in enumerate(assignment.tolist()):
        if place >= 0:
            housed[int(problem.levels[h])] += 1
            pairs = range(problem.indptr[h], problem.indptr[h + 1])
            total += int(problem.weight[next(k for k in pairs if problem.place[k] == place)])
    return tuple(housed), total


def small_problem(rng: random.Random) -> Problem:
    """A contested instance: few places, several shared in people, random pairs and weights."""
    n, m = rng.randint(1, 7), rng.randint(1, 5)
    sizes = [rng.randint(1, 5) for _ in range(n)]
    capacity = [rng.choice((1, 1, 2, 3)) for _ in range(m)]
    room = [max(capacity[p], rng.randint(1, 9)) for p in range(m)]
    places, weights, indptr = [], [], [0]
    for h in range(n):
        chosen = sorted(p for p in rng.sample(range(m), rng.randint(0, m)) if room[p] >= sizes[h])
        places += chosen
        weights += [rng.choice((rng.randint(-3000, 1000), rng.randint(0, 50))) for _ in chosen]
        indptr.append(len(places))
    return Problem(
        levels=np.array([rng.randint(0, 3) for _ in range(n)], np.int64), sizes=np.array(sizes, np.int64),
        capacity=np.array(capacity, np.int64), room=np.array(room, np.int64), indptr=np.array(indptr, np.int64),
        place=np.array(places, np.int64), weight=np.array(weights, np.int64),
    )  # fmt: skip


@pytest.mark.parametrize("shortlist", [1, 2, 24])
def test_the_solver_finds_the_brute_force_optimum(shortlist: int) -> None:
    rng = random.Random(shortlist)
    for _ in range(150):
        problem = small_problem(rng)
        assignment = solve(problem, shortlist=shortlist)
        assert_feasible(problem, assignment)
        assert value(problem, assignment) == brute_force(problem)


def test_levels_solved_one_stage_each_give_the_same_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solver, "MAX_STAGE_WEIGHT", 1)  # every priority level in a stage of its own
    rng = random.Random(99)
    for _ in range(100):
        problem = small_problem(rng)
        assert value(problem, solve(problem, shortlist=1)) == brute_force(problem)


def assert_feasible(problem: Problem, assignment: np.ndarray) -> None:
    taken = np.zeros(len(problem.capacity), np.int64)
    people = np.zeros(len(problem.capacity), np.int64)
    for h, place in enumerate(assignment.tolist()):
        if place >= 0:
            assert place in problem.place[problem.indptr[h] : problem.indptr[h + 1]]
            taken[place] += 1
            people[place] += problem.sizes[h]
    assert (taken <= problem.capacity).all()
    assert (people <= problem.room).all()


@pytest.mark.parametrize("seed", range(4))
def test_plans_from_real_needs_match_brute_force(seed: int) -> None:
    rng = random.Random(100 + seed)
    for _ in range(25):
        households = [random_household(rng, h) for h in range(rng.randint(1, 6))]
        places = random_places(rng, rng.randint(1, 6))
        found = candidates(households, places, (), TODAY, NOW)
        assignment = solve(found.problem, shortlist=1)
        assert value(found.problem, assignment) == brute_force(found.problem)


# --------------------------------------------------------------------------- large instances


def test_large_plans_honour_every_hard_constraint_and_every_priority() -> None:
    rng = random.Random(7)
    households = [random_household(rng, h) for h in range(250)]
    places = random_places(rng, 400)
    plan = make_plan(households, places, (), TODAY, NOW)
    by_id = {place.facts.id: place for place in places}
    needs = {h.id: h for h in households}
    assert len(plan.pairs) > 100 and plan.unmatched
    taken: dict[int, list[HouseholdNeeds]] = {}
    for pair in plan.pairs:
        facts = by_id[pair.offer_id].facts
        (match,) = rank(needs[pair.household_id].criteria(), [facts], TODAY, NOW).matches  # every hard filter
        assert facts.status == "available" and match == pair.match
        taken.setdefault(pair.offer_id, []).append(needs[pair.household_id])
    for offer_id, guests in taken.items():
        assert len(guests) <= by_id[offer_id].households
        assert sum(guest.people for guest in guests) <= by_id[offer_id].facts.people
    # No unmatched household could take the place of a less urgent one.
    for left in plan.unmatched:
        if left.why == Left.NO_PLACE:
            continue
        mine = needs[left.household_id]
        for offer_id, guests in taken.items():
            if not rank(mine.criteria(), [by_id[offer_id].facts], TODAY, NOW).matches:
                continue
            levels = dict(
                zip(needs, rules.priority_levels(rules.priorities(list(needs.values()), ())), strict=True)
            )
            for guest in guests:
                if levels[guest.id] > left.level:
                    room = by_id[offer_id].facts.people - sum(g.people for g in guests) + guest.people
                    assert room < mine.people, (left, offer_id)


def test_a_collective_place_takes_several_households_within_its_people() -> None:
    centre = Place(offer(1, people=7, children=True), households=3)
    households = [household(h, adults=a) for h, a in ((1, 3), (2, 2), (3, 2), (4, 1))]
    plan = make_plan(households, [centre], (), TODAY, NOW)
    assert sum(1 for _ in plan.pairs) == 3  # 3 households: 3 + 2 + 2 = 7, or 3 + 2 + 1: never four
    assert sum(h.people for h in households if h.id in {p.household_id for p in plan.pairs}) <= 7
    assert rules.household_capacity("holiday_centre", 10, 40) == 10
    assert rules.household_capacity("holiday_centre", None, 40) == 40
    assert rules.household_capacity("room", 3, 4) == 1


# --------------------------------------------------------------------------- priorities and explanations


def test_the_most_urgent_household_gets_the_contested_place() -> None:
    place = Place(offer(1, latitude=NANTES[0] + 0.1))
    street = household(1, situations=frozenset({"street"}), near=(NANTES[0] + 0.3, NANTES[1]))
    hosted = household(2, situations=frozenset({"hosting_ends"}), near=(NANTES[0] + 0.1, NANTES[1]))
    plan = make_plan([hosted, street], [place], (), TODAY, NOW)
    assert [pair.household_id for pair in plan.pairs] == [1]
    (left,) = plan.unmatched
    assert (left.household_id, left.why, left.places) == (2, Left.TAKEN_BY_PRIORITY, 1)
    assert plan.housed_by_level[0] == 1
    baby, hotel, nobody = (
        household(3, children_ages=(1,)),
        household(4, situations=frozenset({"hotel"})),
        household(5),
    )
    # Weights (bot/domain/situations.py): hotel 50 > very young children 30 > none; switched off, not counted.
    assert rules.priority_levels(rules.priorities([baby, hotel, nobody], ())) == [1, 0, 2]
    assert rules.priority_levels(rules.priorities([baby, hotel, nobody], ("hotel",))) == [0, 1, 1]
    with pytest.raises(ValueError):
        household(6, situations=frozenset({"nationality"}))


def test_housing_one_more_household_outweighs_better_fits() -> None:
    both = Place(offer(1, people=2))
    only_for_two = Place(offer(2, people=2, pets=False))
    a = household(1, adults=2)
    b = household(2, adults=2, pets=True)
    plan = make_plan([a, b], [both, only_for_two], (), TODAY, NOW)
    assert {(p.household_id, p.offer_id) for p in plan.pairs} == {(1, 2), (2, 1)}


def test_an_unmatched_household_is_told_what_excludes_every_place() -> None:
    places = [Place(offer(i, step_free="no", people=6)) for i in range(1, 4)] + [Place(offer(9, people=1))]
    wheelchair = household(1, adults=3, step_free=True)
    plan = make_plan([wheelchair], places, (), TODAY, NOW)
    (left,) = plan.unmatched
    assert (left.why, left.blocker) == (Left.NO_PLACE, Blocker(Constraint.STEP_FREE, 3))
    elsewhere = make_plan([household(2, departement="85")], places, (), TODAY, NOW)
    assert elsewhere.unmatched[0].blocker == Blocker(Constraint.TERRITORY, 0)
    far = household(3, near=(NANTES[0] + 1.0, NANTES[1]), radius_km=10.0)
    assert make_plan([far], places, (), TODAY, NOW).unmatched[0].blocker == Blocker(Constraint.DISTANCE, 3)
    # Two constraints at once: none alone is to blame; the one that excludes the most is named.
    late_and_small = household(4, adults=8, start=TODAY - timedelta(days=1), days=30)
    blocked = make_plan([late_and_small], [Place(offer(5, people=2, available_from=TODAY + timedelta(days=20)))],
                        (), TODAY, NOW)  # fmt: skip
    assert blocked.unmatched[0].blocker == Blocker(Constraint.CAPACITY, 0)


def test_household_records_refuse_what_no_search_reads() -> None:
    for bad in ({"adults": 0}, {"children_ages": (19,)}, {"languages": ("xx",)}, {"radius_km": 5.0},
                {"situations": frozenset({"origin"})}, {"days": 0}):  # fmt: skip
        with pytest.raises(ValueError):
            household(1, **bad)
    with pytest.raises(ValueError):
        Place(offer(1, people=2), households=3)


def test_an_empty_territory_gives_an_empty_plan() -> None:
    assert make_plan([], [], (), TODAY, NOW) == Plan((), (), ())
    assert make_plan([], [Place(offer(1))], (), TODAY, NOW).pairs == ()


# --------------------------------------------------------------------------- advice to wait for a better place


def test_a_household_that_can_wait_is_advised_to_wait_for_a_better_place_until_its_days_run_out() -> None:
    near = household(1, near=NANTES, languages=("uk",), waiting_since=TODAY - timedelta(days=3))
    ideal = ranking.W_FRESH + ranking.W_CAPACITY + ranking.W_DISTANCE + ranking.W_LENGTH + ranking.W_LANGUAGE
    assert holding.ideal_score(near) == ideal
    assert holding.ideal_score(household(2)) == ideal - ranking.W_DISTANCE - ranking.W_LANGUAGE
    good_enough = holding.GOOD_ENOUGH * ideal
    assert holding.advice(near, good_enough, 0, TODAY) is None  # proposed at once
    hold = holding.advice(near, good_enough - 1, 0, TODAY)
    assert hold == holding.Hold(round((good_enough - 1) / ideal, 2), holding.MAX_HOLD_DAYS - 3)
    assert holding.advice(near, -50.0, 0, TODAY) == holding.Hold(0.0, holding.MAX_HOLD_DAYS - 3)
    # The days run out: a poor place is then proposed as any other.
    last_day = TODAY + timedelta(days=holding.MAX_HOLD_DAYS - 4)
    assert holding.advice(near, 10.0, 0, last_day) == holding.Hold(round(10 / ideal, 2), 1)
    assert holding.advice(near, 10.0, 0, last_day + timedelta(days=1)) is None
    # Not known since when: counted from today.
    assert holding.advice(household(3), 10.0, 0, TODAY) is not None


def test_the_more_urgent_the_shorter_the_wait_and_never_for_who_sleeps_rough() -> None:
    weights = {situation.name: situation.weight for situation in SITUATIONS_DECLARED}
    assert holding.hold_days(0) == holding.MAX_HOLD_DAYS == 14
    assert holding.hold_days(weights["young_children"]) == 12
    assert holding.hold_days(weights["shelter"]) == 10
    assert holding.hold_days(weights["street"]) == 0
    assert holding.hold_days(weights["shelter"] + weights["hotel"]) == 0  # as urgent as sleeping rough
    days = [holding.hold_days(priority) for priority in range(0, 101)]
    assert days == sorted(days, reverse=True)
    rough = household(1, situations=frozenset({"street"}))
    assert holding.advice(rough, 0.0, weights["street"], TODAY) is None


def test_the_plan_carries_the_advice_for_the_pairs_of_households_that_can_wait() -> None:
    big = Place(offer(1, people=6, qualification="qualified"))  # a third of the capacity points for 2 people
    snug = Place(offer(2, people=2, qualification="qualified"))
    waiting = household(1, waiting_since=TODAY)
    rough = household(2, situations=frozenset({"street"}))
    plan = make_plan([waiting, rough], [big, snug], (), TODAY, NOW)
    advice = {pair.household_id: pair.hold for pair in plan.pairs}
    assert advice[2] is None  # sleeping rough: the snug place, proposed at once
    assert plan.pairs[0].offer_id == 2 and plan.pairs[
        1
    ].match.score < holding.GOOD_ENOUGH * holding.ideal_score(waiting)
    assert advice[1] == holding.advice(waiting, plan.pairs[1].match.score, 0, TODAY) is not None
    later = make_plan([waiting], [big], (), TODAY + timedelta(days=holding.MAX_HOLD_DAYS), NOW)
    assert later.pairs[0].hold is None
