"""`/match`: the best plan for a département's waiting households and available places, computed out of the
update's transaction in a bounded process, kept in the database with the pairs its user ticks, and the ticked
pairs proposed to their hosts (each through the consent flow, skipped if its household or place changed)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.access import AccessDenied, Action, Actor, require
from bot.domain.casework import Conflict, NotFound, Taken, Unfollowed
from bot.domain.matching.needs import HouseholdNeeds, Place, household_capacity
from bot.domain.matching.plan import Plan, make_plan
from bot.domain.search.ranking import Caveat, Reason, Why
from bot.services import casework
from bot.services.reader import bounded
from bot.services.waiting import SEE_WAITING, needs_of
from storage import households, matching
from storage import situations as situation_settings
from storage.models import Household, MatchPlan, Offer, Placement

PLAN_SECONDS: Final = 60.0
"""A plan still being computed after this is given up (the user is told)."""
PLAN_MEMORY: Final = 4 * 1024 * 1024 * 1024
"""Address space of the process computing a plan (SciPy's libraries reserve much more than they use)."""


@dataclass(frozen=True)
class Problem:
    """What a plan is computed from (hashable: it names the work done out of the transaction)."""

    departement: str
    caseworker: int | None  # a caseworker's plan covers their households only; None: the whole territory
    households: tuple[HouseholdNeeds, ...]
    places: tuple[Place, ...]
    switched_off: tuple[str, ...]
    today: date


def territory(actor: Actor, departement: str | None) -> str:
    """The département a plan is asked for: the one named, or the actor's only one (AccessDenied otherwise)."""
    allowed = actor.territory(SEE_WAITING)
    if departement is None and len(allowed) == 1:
        return next(iter(allowed))
    if departement is None:
        raise AccessDenied(SEE_WAITING, None)
    require(actor, SEE_WAITING, departement)
    return departement


def caseworker_of_plan(actor: Actor, departement: str) -> int | None:
    """Whose households the actor's plan covers: a coordinator plans for the whole territory (None), a caseworker
    for the households they recorded, against every available place of the territory."""
    return None if actor.may(Action.PLAN_TERRITORY, departement) else actor.user_id


async def problem(
    session: AsyncSession, departement: str, today: date, caseworker: int | None = None
) -> Problem:
    """The département's waiting households (`caseworker`'s only, if named) and available places, as matching
    reads them."""
    waiting = [
        needs_of(household, today)
        for household in await households.waiting(session, frozenset({departement}))
        if caseworker is None or household.caseworker_id == caseworker
    ]
    places = []
    for found in await matching.available_places(session, departement):
        capacity = household_capacity(found.kind, found.bedrooms, found.facts.people) - found.households
        room = found.facts.people - found.people
        if capacity >= 1 and room >= 1:  # a collective place shared already: what it can still take
            places.append(Place(found.facts._replace(people=room), min(capacity, room)))
    off = (await situation_settings.switched_off(session, [departement]))[departement]
    return Problem(departement, caseworker, tuple(waiting), tuple(places), tuple(off), today)


def _solve(problem: Problem, now: datetime) -> Plan:
    return make_plan(problem.households, problem.places, problem.switched_off, problem.today, now)


async def solve(problem: Problem, now: datetime, seconds: float = PLAN_SECONDS) -> Plan:
    """The plan, computed in a separate process (``reader.Overrun`` past ``seconds`` or its memory)."""
    return await asyncio.to_thread(bounded, _solve, (problem, now), PLAN_MEMORY, seconds)


def _whys(whys: tuple[Why, ...]) -> list[list[Any]]:
    return [[str(why.code), why.value] for why in whys]


def whys_of(stored: list[list[Any]]) -> tuple[Why, ...]:
    """Reasons and caveats as the plan stored them."""
    codes: dict[str, Reason | Caveat] = {**{str(r): r for r in Reason}, **{str(c): c for c in Caveat}}
    return tuple(Why(codes[code], value) for code, value in stored if code in codes)


async def keep(session: AsyncSession, actor: Actor, problem: Problem, plan: Plan, now: datetime) -> MatchPlan:
    """The plan, kept for its user to read and tick (nothing ticked)."""
    pairs = [{"household": pair.household_id, "offer": pair.offer_id, "level": pair.level,
              "reasons": _whys(pair.match.reasons), "caveats": _whys(pair.match.caveats),
              "hold": {"share": pair.hold.share, "days_left": pair.hold.days_left} if pair.hold else None}
             for pair in plan.pairs]  # fmt: skip
    unmatched = [{"household": left.household_id, "why": str(left.why), "places": left.places,
                  "blocker": str(left.blocker.constraint) if left.blocker else None,
                  "blocker_places": left.blocker.places if left.blocker else 0}
                 for left in plan.unmatched]  # fmt: skip
    kept = MatchPlan(user_id=actor.user_id, departement=problem.departement, waiting=len(problem.households),
                     pairs=pairs, unmatched=unmatched, created_at=now)  # fmt: skip
    return await matching.save_plan(session, kept)


async def plan_for(session: AsyncSession, actor: Actor, plan_id: int) -> MatchPlan:
    """The actor's plan, if they may still see its département (NotFound for another's or a forged id)."""
    plan = await matching.plan_of(session, plan_id, actor.user_id)
    if plan is None:
        raise NotFound(f"plan {plan_id}")
    require(actor, SEE_WAITING, plan.departement)
    return plan


async def tick(session: AsyncSession, actor: Actor, plan: MatchPlan, index: int | None) -> None:
    """Tick or untick one pair (``index``), or tick every pair not proposed yet and not advised to wait for a
    better place (None; those stay as they were: a person may tick them one by one)."""
    require(actor, Action.PROPOSE, plan.departement)
    if index is not None and not 0 <= index < len(plan.pairs):
        raise NotFound(f"pair {index}")
    open_pairs = [i for i in range(len(plan.pairs)) if i not in plan.proposed]
    if index is None:
        ticked = sorted({*plan.ticked, *(i for i in open_pairs if not plan.pairs[i].get("hold"))})
    elif index in plan.ticked:
        ticked = [i for i in plan.ticked if i != index]
    else:
        ticked = sorted({*plan.ticked, index} & set(open_pairs))
    await matching.update_plan(session, plan, ticked=ticked)


@dataclass(frozen=True)
class Outcome:
    """What proposing the ticked pairs did: the proposals made, the pairs skipped (a household or a place that
    changed since the plan), and those whose household no caseworker follows any more (a coordinator's plan)."""

    proposed: list[tuple[Placement, Household, Offer]]
    skipped: list[int]  # indexes into the plan's pairs
    unfollowed: list[int]


async def propose_ticked(session: AsyncSession, actor: Actor, plan: MatchPlan, now: datetime) -> Outcome:
    """Each ticked pair proposed through the consent flow, in one go; a pair whose household is no longer
    waiting or whose place is no longer available is skipped (and said)."""
    require(actor, Action.PROPOSE, plan.departement)
    proposed, done, skipped, unfollowed = [], [], [], []
    for index in plan.ticked:
        pair = plan.pairs[index]
        try:
            proposed.append(await casework.propose(session, actor, pair["offer"], pair["household"], now))
            done.append(index)
        except Unfollowed:
            unfollowed.append(index)
        except (Taken, Conflict, NotFound):
            skipped.append(index)
    # Only the pairs proposed are marked so: the others stay as they were, unticked, for a person to look again.
    await matching.update_plan(session, plan, ticked=[], proposed=sorted({*plan.proposed, *done}))
    return Outcome(proposed, skipped, unfollowed)
