"""What caseworkers do with offers and households: see, reveal the contact, qualify, propose, house, end.

Every function checks the actor's rights on the département concerned before touching anything.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.access import CASEWORKER, AccessDenied, Action, Actor, require
from bot.domain.casework import (
    OPEN_PLACEMENT,
    OUTCOMES,
    Conflict,
    Contact,
    HostAnswer,
    HostNews,
    HostNotice,
    NotFound,
    PlacementStatus,
)
from bot.domain.offers import Qualification, Status
from storage import audit, households, offers, placements, roles
from storage.models import Household, Offer, Placement


async def offer_for(
    session: AsyncSession, actor: Actor, offer_id: int, action: Action = Action.SEE_OFFER
) -> Offer:
    """The offer, if the actor may do `action` with it; locked until the transaction ends when the action
    changes it (two caseworkers proposing it at once: the second sees it reserved)."""
    changes = action in (Action.PLACE, Action.QUALIFY)
    offer = await session.get(Offer, offer_id, with_for_update=changes, populate_existing=changes)
    if offer is None:
        raise NotFound(f"offer {offer_id}")
    require(actor, action, offer.departement)
    return offer


async def reveal_contact(session: AsyncSession, actor: Actor, offer_id: int, now: datetime) -> Contact:
    offer = await offer_for(session, actor, offer_id, Action.REVEAL_CONTACT)
    # The host sees in /mydata when their contact was looked at, and by which organisation.
    organisation = await roles.organisation_in(session, actor.user_id, CASEWORKER, offer.departement)
    await audit.record(session, actor.user_id, audit.CONTACT_REVEALED, f"offer:{offer_id}", now,
                       departement=offer.departement, organisation=organisation)  # fmt: skip
    return Contact(
        offer.host_id, offer.phone, offer.address, offer.managed_by, erased=offer.anonymised_at is not None
    )


async def qualify(
    session: AsyncSession, actor: Actor, offer_id: int, *, visited: bool, visit_date: date | None, decent: bool,
    note: str | None, now: datetime,
) -> Offer:  # fmt: skip
    """Record the visit; an offer found not decent is turned down and leaves the search."""
    offer = await offer_for(session, actor, offer_id, Action.QUALIFY)
    offer.qualification = Qualification.QUALIFIED if decent else Qualification.TURNED_DOWN
    offer.visited, offer.visit_date, offer.decent, offer.qualification_note = (
        visited,
        visit_date,
        decent,
        note,
    )
    offer.qualified_by, offer.qualified_at = actor.user_id, now
    session.add(offer)
    await offers.record(session, offer_id, actor.user_id, "qualified", now, qualification=offer.qualification)
    return offer


async def create_household(
    session: AsyncSession, actor: Actor, fields: dict[str, Any], now: datetime
) -> Household:
    require(actor, Action.MANAGE_HOUSEHOLDS, fields["departement"])
    if await households.reference_taken(session, fields["departement"], fields["reference"]):
        raise Conflict("reference already used in this département")
    return await households.create(session, actor.user_id, fields, now)


async def households_of(session: AsyncSession, actor: Actor) -> list[Household]:
    return await households.in_territory(session, actor.territory(Action.MANAGE_HOUSEHOLDS))


async def household_for(session: AsyncSession, actor: Actor, household_id: int) -> Household:
    household = await households.get(session, household_id)
    if household is None:
        raise NotFound(f"household {household_id}")
    require(actor, Action.MANAGE_HOUSEHOLDS, household.departement)
    return household


def _notice(offer: Offer, household: Household, news: HostNews, placement: Placement) -> HostNotice | None:
    if offer.host_id is None or offer.id is None:
        return None  # an imported offer (managed by an association) or an erased host
    people = household.adults + household.children
    return HostNotice(offer.host_id, news, offer.id, people, placement.start_date, placement.planned_end)


async def propose(
    session: AsyncSession, actor: Actor, offer_id: int, household_id: int, now: datetime
) -> tuple[Placement, HostNotice | None]:
    """Reserve the offer for the household (both in the actor's territory)."""
    offer = await offer_for(session, actor, offer_id, Action.PLACE)
    household = await household_for(session, actor, household_id)
    if offer.status != Status.AVAILABLE:
        raise Conflict(f"offer is {offer.status}")
    if await placements.open_for_household(session, household_id) is not None:
        raise Conflict("household already has an open placement")
    placement = await placements.create(session, household_id, offer_id, actor.user_id, now)
    await offers.set_status(session, offer, actor.user_id, Status.RESERVED, now)
    return placement, _notice(offer, household, HostNews.RESERVED, placement)


async def placement_for(
    session: AsyncSession, actor: Actor, placement_id: int, action: Action = Action.PLACE
) -> tuple[Placement, Household, Offer]:
    placement = await placements.get(session, placement_id)
    if placement is None:
        raise NotFound(f"placement {placement_id}")
    household = await households.get(session, placement.household_id)
    offer = await session.get(Offer, placement.offer_id)
    if household is None or offer is None:
        raise NotFound(f"placement {placement_id}")
    require(actor, action, household.departement)
    return placement, household, offer


async def start_placement(
    session: AsyncSession, actor: Actor, placement_id: int, start: date, planned_end: date, now: datetime
) -> tuple[Placement, HostNotice | None]:
    placement, household, offer = await placement_for(session, actor, placement_id)
    if placement.status != PlacementStatus.PROPOSED:
        raise Conflict(f"placement is {placement.status}")
    if planned_end <= start:
        raise Conflict("end before start")
    await placements.update(
        session, placement, now, status=PlacementStatus.ACTIVE, start_date=start, planned_end=planned_end
    )
    await offers.set_status(session, offer, actor.user_id, Status.OCCUPIED, now)
    return placement, _notice(offer, household, HostNews.OCCUPIED, placement)


async def end_placement(
    session: AsyncSession, actor: Actor, placement_id: int, actual_end: date, outcome: str, now: datetime
) -> tuple[Placement, HostNotice | None]:
    """The household left (or the proposal is withdrawn): the place is available again."""
    placement, household, offer = await placement_for(session, actor, placement_id)
    was_proposal = placement.status == PlacementStatus.PROPOSED
    expected = (
        (PlacementStatus.CANCELLED,) if was_proposal else OUTCOMES
    )  # a proposal is withdrawn, a stay ends
    if placement.status not in OPEN_PLACEMENT or outcome not in expected:
        raise Conflict(f"placement is {placement.status}, outcome {outcome}")
    status = PlacementStatus.CANCELLED if was_proposal else PlacementStatus.ENDED
    await placements.update(session, placement, now, status=status, actual_end=actual_end, outcome=outcome)
    if offer.status in (Status.RESERVED, Status.OCCUPIED):  # free again; withdrawn if its host erased it
        free = Status.AVAILABLE if offer.anonymised_at is None else Status.WITHDRAWN
        await offers.set_status(session, offer, actor.user_id, free, now)
    return placement, _notice(
        offer, household, HostNews.RELEASED if was_proposal else HostNews.ENDED, placement
    )


async def open_placements(session: AsyncSession, actor: Actor) -> list[tuple[Placement, Household, Offer]]:
    territory = actor.territory(Action.SEE_PLACEMENTS)
    if not territory:
        raise AccessDenied(Action.SEE_PLACEMENTS, None)
    return await placements.in_territory(session, territory)


async def extend_placement(
    session: AsyncSession, actor: Actor, placement_id: int, new_end: date, now: datetime
) -> tuple[Placement, HostNotice | None]:
    """The caseworker moves the planned end (later or earlier); alerts follow the new date."""
    placement, household, offer = await placement_for(session, actor, placement_id)
    if (
        placement.status != PlacementStatus.ACTIVE
        or placement.start_date is None
        or new_end <= placement.start_date
    ):
        raise Conflict("cannot move the end of this placement")
    await placements.update(session, placement, now, planned_end=new_end)
    assert offer.id is not None
    await offers.record(session, offer.id, actor.user_id, "placement_end_moved", now, planned_end=new_end)
    return placement, _notice(offer, household, HostNews.EXTENDED, placement)


async def _hosted_placement(
    session: AsyncSession, host_id: int, placement_id: int
) -> tuple[Placement, Household, Offer]:
    placement = await placements.get(session, placement_id)
    offer = await session.get(Offer, placement.offer_id) if placement else None
    household = await households.get(session, placement.household_id) if placement else None
    if placement is None or offer is None or household is None or offer.host_id != host_id:
        raise NotFound(f"placement {placement_id}")  # a host only ever reaches the stays in their own place
    if (
        placement.status != PlacementStatus.ACTIVE
        or placement.planned_end is None
        or placement.start_date is None
    ):
        raise Conflict(f"placement is {placement.status}")
    return placement, household, offer


async def host_answers(
    session: AsyncSession, host_id: int, placement_id: int, new_end: date | None, now: datetime
) -> HostAnswer:
    """The host confirms the planned end (`new_end` None) or gives another day; the placement follows."""
    placement, household, offer = await _hosted_placement(session, host_id, placement_id)
    assert placement.planned_end is not None and placement.start_date is not None and offer.id is not None
    if new_end is not None and new_end != placement.planned_end:
        if new_end <= placement.start_date:
            raise Conflict("end before start")
        await placements.update(session, placement, now, planned_end=new_end)
        await offers.record(session, offer.id, host_id, "placement_end_moved", now, planned_end=new_end)
        return HostAnswer(placement.caseworker_id, household.reference, offer.id, new_end, True)
    await offers.record(session, offer.id, host_id, "placement_end_confirmed", now)
    return HostAnswer(placement.caseworker_id, household.reference, offer.id, placement.planned_end, False)


async def hosted_placement_end(session: AsyncSession, host_id: int, placement_id: int) -> tuple[date, date]:
    """(start, planned end) of a stay in the host's place, for the question about a new end date."""
    placement, _, _ = await _hosted_placement(session, host_id, placement_id)
    assert placement.start_date is not None and placement.planned_end is not None
    return placement.start_date, placement.planned_end
