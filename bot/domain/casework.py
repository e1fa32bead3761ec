"""The words of casework: outcomes of a stay, what a host is told, what a contact reveals, what can go wrong.

The use cases themselves (which need the database) are `bot.services.casework`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PlacementStatus(StrEnum):
    """A placement is proposed, then active from the arrival; it ends, or the proposal is cancelled."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    ENDED = "ended"
    CANCELLED = "cancelled"


OPEN_PLACEMENT = frozenset({PlacementStatus.PROPOSED, PlacementStatus.ACTIVE})
OUTCOMES = ("rehoused", "extended", "returned", "other")


class NotFound(Exception):
    """The offer, household or placement does not exist (or no longer)."""


class Conflict(Exception):
    """The action does not fit the current state (e.g. proposing an offer that is already reserved)."""


class HostNews(StrEnum):
    RESERVED = "reserved"
    OCCUPIED = "occupied"
    ENDED = "ended"
    RELEASED = "released"  # a proposal was withdrawn
    EXTENDED = "extended"  # the planned end moved


@dataclass(frozen=True)
class HostNotice:
    """What the host is told: never the household's identity, only what hosting needs."""

    host_id: int
    news: HostNews
    offer_id: int
    people: int
    start: date | None = None
    end: date | None = None


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
