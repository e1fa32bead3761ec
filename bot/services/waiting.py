"""The waiting list of a territory, and the search for exactly one household's needs.

Caseworkers see their territory's waiting households, coordinators their départements'; the list is ordered
by priority (`bot.domain.situations`), then by waiting time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import situations
from bot.domain.access import AccessDenied, Action, Actor, require
from bot.domain.casework import NotFound
from bot.domain.dates import MAX_DURATION_DAYS
from bot.domain.matching.needs import MAX_CHILD_AGE, SITUATIONS, HouseholdNeeds
from bot.domain.search import relax
from bot.domain.search.criteria import KNOWN_LANGUAGES, MAX_PEOPLE, MAX_RADIUS_KM, Criteria
from bot.geo.resolve import commune_label, load_resolver
from storage import households, search
from storage import situations as situation_settings
from storage.models import Household

# Who sees the waiting list: caseworkers and coordinators of the household's département.
SEE_WAITING = Action.SEE_PLACEMENTS


@dataclass(frozen=True)
class Waiting:
    """A waiting household, its priority (None: situation not stated) and the situations counted for it."""

    household: Household
    priority: int | None
    situations: tuple[situations.Situation, ...]


def _territory(actor: Actor) -> frozenset[str]:
    territory = actor.territory(SEE_WAITING)
    if not territory:
        raise AccessDenied(SEE_WAITING, None)
    return territory


async def waiting_list(session: AsyncSession, actor: Actor) -> list[Waiting]:
    """The actor's territory's waiting households, highest priority first, then the longest waiting."""
    territory = _territory(actor)
    switched_off = await situation_settings.switched_off(session, territory)
    listed = []
    for household in await households.waiting(session, territory):
        off = switched_off[household.departement]
        counted = tuple(s for s in situations.in_use(off) if s.name in (household.situations or ()))
        listed.append(Waiting(household, situations.priority(household.situations, off), counted))
    return sorted(
        listed,
        key=lambda w: situations.waiting_order(w.priority, w.household.created_at, w.household.id or 0),
    )


async def household_in_view(session: AsyncSession, actor: Actor, household_id: int) -> Household:
    """The household, if the actor may see its département's waiting list."""
    household = await households.get(session, household_id)
    if household is None:
        raise NotFound(f"household {household_id}")
    require(actor, SEE_WAITING, household.departement)
    return household


def needs_of(household: Household, today: date) -> HouseholdNeeds:
    """What matching and the search read of a household (where and when as stated; not stated: anywhere in the
    département, from today, for an unknown time). Children recorded before their ages were asked count without
    an age; values the dialogues would refuse (an old row) are left out rather than guessed."""
    commune = load_resolver().by_insee(household.area) if household.area else None
    radius = (
        household.radius_km
        if commune and household.radius_km and household.radius_km <= MAX_RADIUS_KM
        else None
    )
    ages = tuple(age for age in household.children_ages[: household.children] if 0 <= age <= MAX_CHILD_AGE)
    adults = min(household.adults, MAX_PEOPLE)
    children = max(0, min(household.children, MAX_PEOPLE - adults))
    start = household.wanted_from
    days = household.stay_days
    return HouseholdNeeds(
        id=household.id or 0,
        departement=household.departement,
        adults=adults,
        children_ages=ages[:children],
        unaged_children=children - len(ages[:children]),
        step_free=household.step_free,
        pets=household.pets,
        languages=tuple(dict.fromkeys(code for code in household.languages if code in KNOWN_LANGUAGES)),
        near=(commune.lat, commune.lon) if commune else None,
        near_label=commune_label(commune) if commune else None,
        radius_km=radius,
        start=start if start is not None and start > today else None,
        days=days if days is not None and 1 <= days <= MAX_DURATION_DAYS else None,
        situations=frozenset(household.situations or ()) & frozenset(SITUATIONS),
        waiting_since=household.created_at.date() if household.created_at else None,  # None: not saved yet
    )


def criteria_for(household: Household, today: date) -> Criteria:
    """The search for exactly this household's needs, in its département (active offers first: the results
    offer to show paused and unconfirmed ones too)."""
    return replace(needs_of(household, today).criteria(), include_stale=False)


@dataclass(frozen=True)
class Exclusion:
    """Why nothing matches: the constraints that alone exclude every place (with how many places match
    without each), or none (several together do, or `nothing_available` in the territory at all)."""

    constraints: tuple[tuple[str, int], ...]
    nothing_available: bool


async def excluded_by(session: AsyncSession, criteria: Criteria, today: date, now: datetime) -> Exclusion:
    """For criteria nothing matches: which constraint, dropped alone, brings places back."""
    found = []
    for relaxed in relax.one_at_a_time(criteria):
        total = (await search.find(session, relaxed.criteria, today, now, limit=1)).total
        if total:
            found.append((relaxed.constraint, total))
    if found:
        return Exclusion(tuple(found), False)
    anything = (await search.find(session, relax.anything(criteria), today, now, limit=1)).total
    return Exclusion((), anything == 0)
