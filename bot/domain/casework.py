"""The words of casework: outcomes of a stay, what a host is told, what a contact reveals, what can go wrong.

The use cases themselves (which need the database) are `bot.services.casework`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.i18n import N_


class PlacementStatus(StrEnum):
    """A placement is proposed, then active from the arrival; it ends, or the proposal is cancelled."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    ENDED = "ended"
    CANCELLED = "cancelled"


OPEN_PLACEMENT = frozenset({PlacementStatus.PROPOSED, PlacementStatus.ACTIVE})
CLOSED_PLACEMENT = frozenset({PlacementStatus.ENDED, PlacementStatus.CANCELLED})
OUTCOMES = ("rehoused", "extended", "returned", "other")


class PlacementChange(StrEnum):
    """What a history entry of a placement records (`PlacementEvent.action`), with its label."""

    ARRIVED = "arrived"
    CORRECTED = "corrected"
    ARRIVAL_UNDONE = "arrival_undone"
    EXTENDED = "extended"
    END_MOVED_BY_HOST = "end_moved_by_host"
    ENDED = "ended"
    WITHDRAWN = "withdrawn"
    HOST_ACCEPTED = "host_accepted"
    HOST_DECLINED = "host_declined"
    HOST_SILENT = "host_silent"  # the deadline to consent passed without an answer
    HOST_ASKS_CALL = "host_asks_call"


CHANGE_LABELS: dict[str, str] = {  # by PlacementChange
    PlacementChange.ARRIVED: N_("Arrival recorded"),
    PlacementChange.CORRECTED: N_("Corrected"),
    PlacementChange.ARRIVAL_UNDONE: N_("Arrival undone (recorded by mistake)"),
    PlacementChange.EXTENDED: N_("Extended"),
    PlacementChange.END_MOVED_BY_HOST: N_("End moved by the host"),
    PlacementChange.ENDED: N_("Departure recorded"),
    PlacementChange.WITHDRAWN: N_("Proposal withdrawn"),
    PlacementChange.HOST_ACCEPTED: N_("Accepted by the host"),
    PlacementChange.HOST_DECLINED: N_("Declined by the host"),
    PlacementChange.HOST_SILENT: N_("No answer from the host in time"),
    PlacementChange.HOST_ASKS_CALL: N_("The host asks to be called"),
}


class Mismatch(StrEnum):
    """How a stay does not fit what the host offers: a caseworker may record it only once they confirm it."""

    EARLY_START = "early_start"  # the arrival comes before the offer's first day
    LATE_END = "late_end"  # the planned end comes after the offer's last day
    OVER_CAPACITY = "over_capacity"  # more people than the offer can welcome


@dataclass(frozen=True)
class Availability:
    """What the host offers: from, until (None: no end date), for how many people."""

    available_from: date
    available_until: date | None
    capacity: int


def mismatches(
    offer: Availability, *, start: date | None = None, end: date | None = None, people: int | None = None
) -> tuple[Mismatch, ...]:
    """What a stay's new start, planned end or number of people (those given) does not fit in the offer."""
    found = []
    if start is not None and start < offer.available_from:
        found.append(Mismatch.EARLY_START)
    if end is not None and offer.available_until is not None and end > offer.available_until:
        found.append(Mismatch.LATE_END)
    if people is not None and people > offer.capacity:
        found.append(Mismatch.OVER_CAPACITY)
    return tuple(found)


def extended_availability(offer: Availability, start: date | None, end: date | None) -> Availability:
    """The host's availability once it covers a confirmed stay from `start` to `end` (those given)."""
    available_from = min(offer.available_from, start) if start else offer.available_from
    until = offer.available_until
    return Availability(available_from, max(until, end) if until and end else until, offer.capacity)


class NotFound(Exception):
    """The offer, household or placement does not exist (or no longer)."""


class Conflict(Exception):
    """The action does not fit the current state (e.g. recording the arrival of a household that left)."""


class Taken(Conflict):
    """The offer is no longer available: another caseworker proposed it a moment before, or its host paused it."""


class AlreadyPlaced(Conflict):
    """The household already has an open placement (a proposal, accepted or not, or a stay): two people pressed
    "Propose" for it, and the other was first."""

    def __init__(self, placement_id: int) -> None:
        super().__init__(f"household already has the open placement {placement_id}")
        self.placement_id = placement_id


class Unfollowed(Conflict):
    """A coordinator proposes for a household that no caseworker of its département follows any more (its
    caseworker left the territory or was erased): nobody would agree the arrival with the host."""


class HostNews(StrEnum):
    OCCUPIED = "occupied"
    ENDED = "ended"
    RELEASED = "released"  # a proposal was withdrawn
    EXTENDED = "extended"  # the planned end moved
    CORRECTED = "corrected"  # the arrival, the planned end or the number of people was wrong
    UNDONE = "undone"  # the arrival was recorded by mistake: the place stays reserved


@dataclass(frozen=True)
class HostNotice:
    """What the host is told: never the household's identity, only what hosting needs."""

    host_id: int
    news: HostNews
    offer_id: int
    people: int
    start: date | None = None
    end: date | None = None
    # The offer's new availability, when a confirmed stay moved it (agreed with the host).
    availability: Availability | None = None


@dataclass(frozen=True)
class Contact:
    host_id: int | None
    phone: str | None
    address: str | None
    managed_by: str | None
    erased: bool = False  # the host erased their data (or deleted the offer): nobody to contact any more


@dataclass(frozen=True)
class HostAnswer:
    """A host's answer to "does the stay end as planned?", echoed to the caseworker in charge."""

    caseworker_id: int | None
    household_reference: str
    offer_id: int
    planned_end: date
    changed: bool
