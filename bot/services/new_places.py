"""Which waiting households a place fits: the household's own search ("Find places", `waiting.criteria_for`)
ranks the place, best fits first; a place whose host declined the household (or let its proposal lapse) is not
offered to it again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.search.ranking import Match, rank
from bot.services.waiting import SEE_WAITING, criteria_for
from storage import households, placements, roles
from storage.models import Household, Offer
from storage.search import facts_of


@dataclass(frozen=True)
class Fit:
    """A waiting household a place fits, its caseworker, and how (the ranking's match: score, reasons, caveats)."""

    household: Household
    caseworker: int
    match: Match


async def waiting_households(session: AsyncSession, departements: frozenset[str]) -> list[Household]:
    """The waiting households of these départements whose caseworker still sees that waiting list (not erased,
    still a caseworker or coordinator there)."""
    listed = await households.waiting(session, departements)
    may_see: dict[tuple[int, str], bool] = {}
    kept = []
    for household in listed:
        if household.caseworker_id is None:
            continue
        key = (household.caseworker_id, household.departement)
        if key not in may_see:
            actor = await roles.actor_of(session, key[0])
            may_see[key] = actor.may(SEE_WAITING, household.departement)
        if may_see[key]:
            kept.append(household)
    return kept


async def fits(
    session: AsyncSession, places: Sequence[Offer], waiting: Sequence[Household], today: date, now: datetime
) -> dict[int, list[Fit]]:
    """For each place (by id), the households it fits, best fit first; places that fit nobody are left out."""
    facts = [facts_of(place) for place in places]
    found: dict[int, list[Fit]] = {}
    for household in waiting:
        assert household.id is not None and household.caseworker_id is not None
        matches = rank(criteria_for(household, today), facts, today, now).matches
        if not matches:
            continue
        refused = await placements.offers_declined_for(session, household.id)
        for match in matches:
            if match.offer_id not in refused:
                found.setdefault(match.offer_id, []).append(Fit(household, household.caseworker_id, match))
    for listed in found.values():
        listed.sort(key=lambda fit: (-fit.match.score, fit.household.id or 0))
    return found
