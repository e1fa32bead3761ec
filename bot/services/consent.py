"""The host's answer to a proposal for their place: accept, decline (why), ask to be called; a proposal
released when declined or left without an answer past its deadline; the next best places for the household."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.access import CASEWORKER, Action
from bot.domain.casework import Contact, NotFound, PlacementChange, PlacementStatus
from bot.domain.consent import DeclineReason, HostConsent
from bot.domain.offers import Status
from bot.domain.search.ranking import Match
from bot.services.waiting import criteria_for
from storage import audit, households, offers, placements, reminders, roles, search
from storage.models import Household, Offer, Placement

NEXT_BEST = 3  # places shown to the caseworker when a proposal is released


class State(StrEnum):
    """Where a proposal is when its host answers."""

    WAITING = "waiting"  # the answer is taken
    LAPSED = "lapsed"  # the deadline passed: the place is available again
    ANSWERED = "answered"  # the host answered already
    CLOSED = "closed"  # withdrawn by the caseworker, or the household arrived


@dataclass
class Proposal:
    """A proposal to a host, with its household and offer (locked: the answer changes them)."""

    placement: Placement
    household: Household
    offer: Offer
    state: State
    contact: Contact | None = None  # the host's, given to the caseworker when the host asks for a call
    # The contact went to the caseworker, who may see it (same territory, still a caseworker there).
    may_see_contact: bool = False
    released_now: bool = False  # its deadline had passed: released by this very look


class Followed(Protocol):
    """A proposal as a placement row or a waiting proposal reads it."""

    @property
    def caseworker_id(self) -> int | None: ...
    @property
    def proposed_by(self) -> int | None: ...


def told_of_answer(placement: Followed) -> list[int]:
    """Who hears the host's answer: the caseworker who follows the proposal, and who decided it when that is
    someone else (a coordinator proposing the plan of /match), once each."""
    return [
        user for user in dict.fromkeys((placement.caseworker_id, placement.proposed_by)) if user is not None
    ]


async def hosted_proposal(session: AsyncSession, host_id: int, placement_id: int, now: datetime) -> Proposal:
    """The proposal for the host's place, as it is now; a proposal whose deadline passed is released now
    (state LAPSED). NotFound for a placement that is not in one of the host's places (an old or forged button)."""
    placement = await placements.get(session, placement_id)
    offer = (
        await session.get(Offer, placement.offer_id, with_for_update=True, populate_existing=True)
        if placement
        else None
    )
    household = await households.get(session, placement.household_id) if placement else None
    if placement is None or offer is None or household is None or offer.host_id != host_id:
        raise NotFound(f"placement {placement_id}")
    proposal = Proposal(placement, household, offer, _state(placement))
    if proposal.state is State.WAITING and placement.consent_due_at and placement.consent_due_at <= now:
        await release(session, proposal, HostConsent.TIMED_OUT, now)
        proposal.state, proposal.released_now = State.LAPSED, True
    return proposal


async def proposal_of(session: AsyncSession, placement_id: int) -> Proposal | None:
    """A proposal as it is now, to say it (the alerts); nothing locked, nothing changed."""
    placement = await session.get(Placement, placement_id)
    if placement is None:
        return None
    household = await households.get(session, placement.household_id)
    offer = await session.get(Offer, placement.offer_id)
    assert household is not None and offer is not None
    return Proposal(placement, household, offer, _state(placement))


def _state(placement: Placement) -> State:
    if placement.host_answer == HostConsent.TIMED_OUT:
        return State.LAPSED
    if placement.host_answer is not None:
        return State.ANSWERED
    if placement.status != PlacementStatus.PROPOSED or placement.consent_due_at is None:
        return State.CLOSED
    return State.WAITING


async def accept(session: AsyncSession, proposal: Proposal, now: datetime) -> None:
    await placements.change(session, proposal.placement, proposal.offer.host_id, PlacementChange.HOST_ACCEPTED,
                            now, host_answer=HostConsent.ACCEPTED, host_answered_at=now)  # fmt: skip


async def release(
    session: AsyncSession, proposal: Proposal, answer: HostConsent, now: datetime,
    reason: DeclineReason | None = None,
) -> None:  # fmt: skip
    """Declined, or no answer in time: the proposal ends and the place is available again."""
    declined = answer is HostConsent.DECLINED
    await placements.change(
        session, proposal.placement, proposal.offer.host_id if declined else None,
        PlacementChange.HOST_DECLINED if declined else PlacementChange.HOST_SILENT, now,
        status=PlacementStatus.CANCELLED, host_answer=answer, host_answered_at=now, decline_reason=reason,
    )  # fmt: skip
    if proposal.offer.status == Status.RESERVED:
        await offers.set_status(session, proposal.offer, None, Status.AVAILABLE, now)


async def ask_for_call(session: AsyncSession, proposal: Proposal, now: datetime) -> bool:
    """The host asks the caseworker to call them: the proposal keeps waiting, the caseworker gets the host's
    contact if they may see it (each disclosure logged). False if the host had asked already."""
    placement, offer = proposal.placement, proposal.offer
    assert placement.id is not None and offer.id is not None
    history = await placements.history(session, placement.id)
    if any(event.action == PlacementChange.HOST_ASKS_CALL for event in history):
        return False
    await placements.change(session, placement, offer.host_id, PlacementChange.HOST_ASKS_CALL, now)
    caseworker = placement.caseworker_id
    if caseworker is not None:
        actor = await roles.actor_of(session, caseworker)
        proposal.may_see_contact = actor.may(Action.REVEAL_CONTACT, offer.departement)
    if proposal.may_see_contact:
        assert caseworker is not None
        organisation = await roles.organisation_in(session, caseworker, CASEWORKER, offer.departement)
        await audit.record(session, caseworker, audit.CONTACT_REVEALED, f"offer:{offer.id}", now,
                           departement=offer.departement, organisation=organisation, asked_by="host")  # fmt: skip
        proposal.contact = Contact(offer.host_id, offer.phone, offer.address, offer.managed_by)
    return True


async def release_lapsed(session: AsyncSession, now: datetime) -> list[int]:
    """Proposals whose deadline passed without an answer: released (the sweep's work); their placement ids."""
    released = []
    for waiting in await reminders.proposals_waiting(session):
        if waiting.due_at <= now:
            proposal = await hosted_proposal(session, waiting.host_id, waiting.placement_id, now)
            if proposal.released_now:
                released.append(waiting.placement_id)
    return released


async def next_best(
    session: AsyncSession, household: Household, today: date, now: datetime
) -> list[tuple[Match, Offer]]:
    """The best available places for the household now (the search for exactly its needs, as "Find places"),
    without those whose host declined it or let its proposal lapse."""
    assert household.id is not None
    criteria = criteria_for(household, today)
    refused = await placements.offers_declined_for(session, household.id)
    ranking = await search.find(session, criteria, today, now, limit=NEXT_BEST + len(refused))
    found: list[tuple[Match, Offer]] = []
    for match in ranking.matches:
        offer = await session.get(Offer, match.offer_id)
        if offer is not None and match.offer_id not in refused and len(found) < NEXT_BEST:
            found.append((match, offer))
    return found
