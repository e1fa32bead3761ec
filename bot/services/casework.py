"""What caseworkers do with offers and households: see, reveal the contact, qualify, propose, house, end.

Every function checks the actor's rights on the département concerned before touching anything.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.access import CASEWORKER, COORDINATOR, AccessDenied, Action, Actor, require
from bot.domain.casework import (
    OPEN_PLACEMENT,
    OUTCOMES,
    AlreadyPlaced,
    Availability,
    Conflict,
    Contact,
    HostAnswer,
    HostNews,
    HostNotice,
    Mismatch,
    NotFound,
    PlacementChange,
    PlacementStatus,
    Taken,
    Unfollowed,
    extended_availability,
    mismatches,
)
from bot.domain.consent import DEFAULT_CONSENT_HOURS, deadline
from bot.domain.offers import Qualification, Status, TurnDown
from storage import audit, households, offers, placements, roles
from storage.models import DepartementSettings, Household, Offer, Placement, PlacementEvent


async def offer_for(
    session: AsyncSession, actor: Actor, offer_id: int, action: Action = Action.SEE_OFFER
) -> Offer:
    """The offer, if the actor may do `action` with it; locked until the transaction ends when the action
    changes it (two caseworkers proposing it at once: the second sees it reserved)."""
    changes = action in (Action.PLACE, Action.PROPOSE, Action.QUALIFY)
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
    reason: TurnDown | None, note: str | None, now: datetime,
) -> Offer:  # fmt: skip
    """Record the visit; an offer found not decent is turned down for `reason` and leaves the search."""
    offer = await offer_for(session, actor, offer_id, Action.QUALIFY)
    if not decent and reason is None:
        raise Conflict("an offer is turned down for a reason")
    offer.qualification = Qualification.QUALIFIED if decent else Qualification.TURNED_DOWN
    offer.turned_down_reason = None if decent else reason
    offer.visited, offer.visit_date, offer.decent, offer.qualification_note = (
        visited,
        visit_date,
        decent,
        note,
    )
    offer.qualified_by, offer.qualified_at = actor.user_id, now
    session.add(offer)
    await offers.record(session, offer_id, actor.user_id, "qualified", now, qualification=offer.qualification,
                        reason=offer.turned_down_reason)  # fmt: skip
    return offer


async def request_new_visit(session: AsyncSession, offer: Offer, now: datetime) -> list[int]:
    """The host changed their turned-down offer and asks for a new visit: recorded; returns who to tell (the
    caseworker who turned it down while they may still qualify there, else the département's coordinators)."""
    assert offer.id is not None and offer.qualification == Qualification.TURNED_DOWN
    await offers.record(session, offer.id, offer.host_id, "new_visit_requested", now)
    if offer.qualified_by is not None:
        qualifier = await roles.actor_of(session, offer.qualified_by)
        if qualifier.may(Action.QUALIFY, offer.departement):
            return [offer.qualified_by]
    members = await roles.members(session, frozenset({offer.departement}))
    return sorted({member.user_id for member in members if member.role == COORDINATOR})


async def create_household(
    session: AsyncSession, actor: Actor, fields: dict[str, Any], now: datetime
) -> Household:
    require(actor, Action.MANAGE_HOUSEHOLDS, fields["departement"])
    if await households.reference_taken(session, fields["departement"], fields["reference"]):
        raise Conflict("reference already used in this département")
    return await households.create(session, actor.user_id, fields, now)


async def households_of(session: AsyncSession, actor: Actor) -> list[Household]:
    return await households.in_territory(session, actor.territory(Action.MANAGE_HOUSEHOLDS))


async def household_for(
    session: AsyncSession,
    actor: Actor,
    household_id: int,
    action: Action = Action.MANAGE_HOUSEHOLDS,
    *,
    lock: bool = False,
) -> Household:
    """The household, if the actor may do `action` with it; `lock`: locked until the transaction ends (two
    proposals for it at once, of different places: the second sees the first)."""
    household = await households.get(session, household_id, lock=lock)
    if household is None:
        raise NotFound(f"household {household_id}")
    require(actor, action, household.departement)
    return household


async def _follower(session: AsyncSession, actor: Actor, household: Household) -> int:
    """The caseworker who will follow a proposal: the actor if they may place in the household's département,
    else the household's own caseworker while they still may (Unfollowed otherwise)."""
    if actor.may(Action.PLACE, household.departement):
        return actor.user_id
    own = household.caseworker_id
    if own is not None and (await roles.actor_of(session, own)).may(Action.PLACE, household.departement):
        return own
    raise Unfollowed(f"household {household.id} has no caseworker in {household.departement}")


def _notice(
    offer: Offer,
    household: Household,
    news: HostNews,
    placement: Placement,
    moved: Availability | None = None,
) -> HostNotice | None:
    """What the host is told, if the offer has a host on Telegram (not an imported offer, nor an erased host)."""
    if offer.host_id is None or offer.id is None:
        return None
    living = placement.people if placement.people is not None else household.adults + household.children
    return HostNotice(
        offer.host_id, news, offer.id, living, placement.start_date, placement.planned_end, moved
    )


def availability(offer: Offer) -> Availability:
    """What the host offers, as the placement checks read it."""
    return Availability(offer.available_from, offer.available_until, offer.people)


async def propose(
    session: AsyncSession, actor: Actor, offer_id: int, household_id: int, now: datetime
) -> tuple[Placement, Household, Offer]:
    """Hold the offer for the household (both in the actor's territory). A host on Telegram is asked to consent
    before a deadline set for the département; an offer an organisation manages is agreed with it directly.
    A caseworker proposing follows the placement; a coordinator proposing leaves it with the household's
    caseworker (Unfollowed when it has none there any more)."""
    offer = await offer_for(session, actor, offer_id, Action.PROPOSE)
    household = await household_for(session, actor, household_id, Action.PROPOSE, lock=True)
    # The household first: pressed twice for it (say from the same next-best list), the second is told it has
    # a place proposed already, whichever place they chose.
    if (open_placement := await placements.open_for_household(session, household_id)) is not None:
        raise AlreadyPlaced(open_placement.id or 0)
    if offer.status != Status.AVAILABLE:
        raise Taken(f"offer is {offer.status}")
    follower = await _follower(session, actor, household)
    placement = await placements.create(
        session, household_id, offer_id, follower, now, proposed_by=actor.user_id
    )
    if offer.host_id is not None:
        settings = await session.get(DepartementSettings, offer.departement)
        hours = settings.consent_hours if settings else DEFAULT_CONSENT_HOURS
        await placements.update(session, placement, now, consent_due_at=deadline(now, hours))
    await offers.set_status(session, offer, actor.user_id, Status.RESERVED, now)
    return placement, household, offer


async def placement_for(
    session: AsyncSession, actor: Actor, placement_id: int, action: Action = Action.PLACE
) -> tuple[Placement, Household, Offer]:
    """The placement, its household and its offer, if the actor may do `action` with them (the offer locked
    until the transaction ends when the action may change it)."""
    placement = await placements.get(session, placement_id)
    if placement is None:
        raise NotFound(f"placement {placement_id}")
    household = await households.get(session, placement.household_id)
    changes = action == Action.PLACE
    offer = await session.get(Offer, placement.offer_id, with_for_update=changes, populate_existing=changes)
    if household is None or offer is None:
        raise NotFound(f"placement {placement_id}")
    require(actor, action, household.departement)
    return placement, household, offer


async def _fit(
    session: AsyncSession, actor_id: int, offer: Offer, confirmed: frozenset[Mismatch], now: datetime, *,
    start: date | None = None, end: date | None = None, people: int | None = None,
) -> tuple[list[str], Availability | None]:  # fmt: skip
    """Refuse a stay that does not fit the offer unless the actor confirmed each mismatch; returns them, and the
    host's availability if a confirmed date moved it (agreed with the host: recorded on the offer)."""
    found = mismatches(availability(offer), start=start, end=end, people=people)
    if not set(found) <= confirmed:
        raise Conflict(f"not confirmed: {sorted(set(found) - confirmed)}")
    moved = await _extend_availability(session, actor_id, offer, start, end, now)
    return [str(mismatch) for mismatch in found], moved


async def _extend_availability(
    session: AsyncSession, actor_id: int, offer: Offer, start: date | None, end: date | None, now: datetime
) -> Availability | None:
    """The offer's availability widened to cover a stay from `start` to `end`, recorded with who and when;
    None if it covered it already."""
    before = availability(offer)
    after = extended_availability(before, start, end)
    if after == before:
        return None
    offer.available_from, offer.available_until, offer.updated_at = (
        after.available_from,
        after.available_until,
        now,
    )
    session.add(offer)
    assert offer.id is not None
    await offers.record(
        session, offer.id, actor_id, "availability_extended", now,
        before=[before.available_from.isoformat(), before.available_until and before.available_until.isoformat()],
        after=[after.available_from.isoformat(), after.available_until and after.available_until.isoformat()],
    )  # fmt: skip
    return after


async def start_placement(
    session: AsyncSession, actor: Actor, placement_id: int, now: datetime, confirmed: frozenset[Mismatch], *,
    start: date, planned_end: date, people: int,
) -> tuple[Placement, HostNotice | None]:  # fmt: skip
    """The household arrived: refused outside the offer's dates or capacity unless the actor confirmed it."""
    placement, household, offer = await placement_for(session, actor, placement_id)
    if placement.status != PlacementStatus.PROPOSED:
        raise Conflict(f"placement is {placement.status}")
    if planned_end <= start:
        raise Conflict("end before start")
    found, moved = await _fit(session, actor.user_id, offer, confirmed, now, start=start, end=planned_end,
                              people=people)  # fmt: skip
    # Moving in before the host answered (agreed by phone): the question to the host no longer waits, even if
    # the arrival is undone later.
    waiting = {"consent_due_at": None} if placement.host_answer is None and placement.consent_due_at else {}
    await placements.change(session, placement, actor.user_id, PlacementChange.ARRIVED, now, confirmed=found,
                            status=PlacementStatus.ACTIVE, start_date=start, planned_end=planned_end, people=people,
                            **waiting)  # fmt: skip
    await offers.set_status(session, offer, actor.user_id, Status.OCCUPIED, now)
    return placement, _notice(offer, household, HostNews.OCCUPIED, placement, moved)


async def correct_placement(
    session: AsyncSession, actor: Actor, placement_id: int, now: datetime, confirmed: frozenset[Mismatch], *,
    start: date | None = None, planned_end: date | None = None, people: int | None = None,
) -> tuple[Placement, HostNotice | None]:  # fmt: skip
    """Fix what was recorded wrong (the arrival, the planned end, the number of people); history kept."""
    placement, household, offer = await placement_for(session, actor, placement_id)
    if (
        placement.status != PlacementStatus.ACTIVE
        or placement.start_date is None
        or placement.planned_end is None
    ):
        raise Conflict(f"placement is {placement.status}")
    if (planned_end or placement.planned_end) <= (start or placement.start_date):
        raise Conflict("end before start")
    found, moved = await _fit(session, actor.user_id, offer, confirmed, now, start=start, end=planned_end,
                              people=people)  # fmt: skip
    given = {"start_date": start, "planned_end": planned_end, "people": people}
    fields = {
        key: value for key, value in given.items() if value is not None and getattr(placement, key) != value
    }
    if not fields:
        return placement, None
    await placements.change(session, placement, actor.user_id, PlacementChange.CORRECTED, now, confirmed=found,
                            **fields)  # fmt: skip
    return placement, _notice(offer, household, HostNews.CORRECTED, placement, moved)


async def undo_arrival(
    session: AsyncSession, actor: Actor, placement_id: int, now: datetime
) -> tuple[Placement, HostNotice | None]:
    """An arrival recorded by mistake: the placement is a proposal again and the place reserved for it."""
    placement, household, offer = await placement_for(session, actor, placement_id)
    if placement.status != PlacementStatus.ACTIVE:
        raise Conflict(f"placement is {placement.status}")
    await placements.change(session, placement, actor.user_id, PlacementChange.ARRIVAL_UNDONE, now,
                            status=PlacementStatus.PROPOSED, start_date=None, planned_end=None)  # fmt: skip
    if offer.status == Status.OCCUPIED:
        await offers.set_status(session, offer, actor.user_id, Status.RESERVED, now)
    return placement, _notice(offer, household, HostNews.UNDONE, placement)


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
    change = PlacementChange.WITHDRAWN if was_proposal else PlacementChange.ENDED
    await placements.change(session, placement, actor.user_id, change, now, status=status, actual_end=actual_end,
                            outcome=outcome)  # fmt: skip
    if offer.status in (Status.RESERVED, Status.OCCUPIED):  # free again; withdrawn if its host erased it
        free = Status.AVAILABLE if offer.anonymised_at is None else Status.WITHDRAWN
        await offers.set_status(session, offer, actor.user_id, free, now)
    return placement, _notice(
        offer, household, HostNews.RELEASED if was_proposal else HostNews.ENDED, placement
    )


async def open_placements(session: AsyncSession, actor: Actor) -> list[tuple[Placement, Household, Offer]]:
    return await placements.in_territory(session, _placements_territory(actor))


async def past_placements(
    session: AsyncSession, actor: Actor, offset: int, limit: int
) -> tuple[int, list[tuple[Placement, Household, Offer]]]:
    """Placements that ended or were withdrawn, the latest first: how many, and `limit` from `offset`."""
    return await placements.closed_in_territory(session, _placements_territory(actor), offset, limit)


def _placements_territory(actor: Actor) -> frozenset[str]:
    territory = actor.territory(Action.SEE_PLACEMENTS)
    if not territory:
        raise AccessDenied(Action.SEE_PLACEMENTS, None)
    return territory


async def extend_placement(
    session: AsyncSession, actor: Actor, placement_id: int, new_end: date, now: datetime,
    confirmed: frozenset[Mismatch] = frozenset(),
) -> tuple[Placement, HostNotice | None]:  # fmt: skip
    """The caseworker moves the planned end (later or earlier); alerts follow the new date. Beyond the host's
    availability only once confirmed (the availability then follows)."""
    placement, household, offer = await placement_for(session, actor, placement_id)
    if (
        placement.status != PlacementStatus.ACTIVE
        or placement.start_date is None
        or new_end <= placement.start_date
    ):
        raise Conflict("cannot move the end of this placement")
    found, moved = await _fit(session, actor.user_id, offer, confirmed, now, end=new_end)
    await placements.change(session, placement, actor.user_id, PlacementChange.EXTENDED, now, confirmed=found,
                            planned_end=new_end)  # fmt: skip
    assert offer.id is not None
    await offers.record(session, offer.id, actor.user_id, "placement_end_moved", now, planned_end=new_end)
    return placement, _notice(offer, household, HostNews.EXTENDED, placement, moved)


async def _hosted_placement(
    session: AsyncSession, host_id: int, placement_id: int
) -> tuple[Placement, Household, Offer]:
    placement = await placements.get(session, placement_id)
    offer = (
        await session.get(Offer, placement.offer_id, with_for_update=True, populate_existing=True)
        if placement
        else None
    )  # locked: the host's answer may widen its availability
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
    """The host confirms the planned end (`new_end` None) or gives another day; the placement follows, and so
    does the host's own availability when they keep the household longer than they had said."""
    placement, household, offer = await _hosted_placement(session, host_id, placement_id)
    assert placement.planned_end is not None and placement.start_date is not None and offer.id is not None
    if new_end is not None and new_end != placement.planned_end:
        if new_end <= placement.start_date:
            raise Conflict("end before start")
        await placements.change(session, placement, host_id, PlacementChange.END_MOVED_BY_HOST, now,
                                planned_end=new_end)  # fmt: skip
        await offers.record(session, offer.id, host_id, "placement_end_moved", now, planned_end=new_end)
        await _extend_availability(session, host_id, offer, None, new_end, now)
        return HostAnswer(placement.caseworker_id, household.reference, offer.id, new_end, True)
    await offers.record(session, offer.id, host_id, "placement_end_confirmed", now)
    return HostAnswer(placement.caseworker_id, household.reference, offer.id, placement.planned_end, False)


async def hosted_placement_end(session: AsyncSession, host_id: int, placement_id: int) -> tuple[date, date]:
    """(start, planned end) of a stay in the host's place, for the question about a new end date."""
    placement, _, _ = await _hosted_placement(session, host_id, placement_id)
    assert placement.start_date is not None and placement.planned_end is not None
    return placement.start_date, placement.planned_end


async def placement_history(
    session: AsyncSession, actor: Actor, placement_id: int
) -> tuple[Placement, Household, Offer, list[PlacementEvent]]:
    """A placement and every change made to it since it was proposed."""
    placement, household, offer = await placement_for(session, actor, placement_id, Action.SEE_PLACEMENTS)
    return placement, household, offer, await placements.history(session, placement_id)
