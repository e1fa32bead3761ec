"""An offer's states and the rules a complete offer obeys (its facts are declared in `offer_schema`).

Each status is one enum, used by storage, search, statistics and screens alike. Labels are English source
strings marked for translation; they are translated where they are shown.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from bot.domain.offer_schema import ALWAYS_STATED, PAYING
from bot.i18n import N_


class Status(StrEnum):
    """Where an offer is in its life: available ⇄ paused, reserved (proposed to a household), occupied, or
    withdrawn (no longer available)."""

    AVAILABLE = "available"
    PAUSED = "paused"
    RESERVED = "reserved"
    OCCUPIED = "occupied"
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    Status.AVAILABLE: N_("available"),
    Status.PAUSED: N_("paused"),
    Status.RESERVED: N_("reserved"),
    Status.OCCUPIED: N_("occupied"),
    Status.WITHDRAWN: N_("no longer available"),
}
IN_A_PLACEMENT = frozenset({Status.RESERVED, Status.OCCUPIED})
OPEN_TO_HOSTING = frozenset({Status.AVAILABLE, Status.PAUSED})


class Qualification(StrEnum):
    """What the association found, kept alongside the status: turned-down offers leave the search."""

    UNQUALIFIED = "unqualified"
    QUALIFIED = "qualified"
    TURNED_DOWN = "turned_down"


QUALIFICATION_LABELS = {
    Qualification.UNQUALIFIED: N_("Not yet qualified"),
    Qualification.QUALIFIED: N_("Qualified"),
    Qualification.TURNED_DOWN: N_("Turned down"),
}


class TurnDown(StrEnum):
    """Why a qualification turned an offer down: the caseworker picks one, the host is told it."""

    UNSAFE = "unsafe"
    NOT_AS_DESCRIBED = "not_as_described"
    NOT_SUITABLE = "not_suitable"
    UNREACHABLE = "unreachable"
    OTHER = "other"


TURN_DOWN_LABELS: dict[str, str] = {  # what the caseworker chooses from
    TurnDown.UNSAFE: N_("Not decent or not safe"),
    TurnDown.NOT_AS_DESCRIBED: N_("Not as described"),
    TurnDown.NOT_SUITABLE: N_("Not suitable for hosting (privacy, access, equipment)"),
    TurnDown.UNREACHABLE: N_("Host could not be reached"),
    TurnDown.OTHER: N_("Other reason"),
}
TURN_DOWN_TO_HOST = {  # the same reason, as the host reads it
    TurnDown.UNSAFE: N_("The place did not seem decent or safe enough to welcome people."),
    TurnDown.NOT_AS_DESCRIBED: N_("The place did not match the description of the offer."),
    TurnDown.NOT_SUITABLE: N_("The place does not suit hosting as it is (privacy, access or equipment)."),
    TurnDown.UNREACHABLE: N_("The association could not reach you to arrange a visit."),
    TurnDown.OTHER: N_("Another reason: the social worker who reviewed it can tell you more."),
}


class OfferProblem(StrEnum):
    MISSING = "missing"
    BEDS_FOR_NOBODY = "beds_for_nobody"
    END_BEFORE_START = "end_before_start"
    RENT_WITHOUT_AMOUNT = "rent_without_amount"
    MIN_STAY_TOO_LONG = "min_stay_too_long"


def check_offer(fields: dict[str, Any]) -> list[OfferProblem]:
    """Rules a complete offer obeys, whatever the dialogue or import that produced it."""
    problems = []
    if any(fields.get(name) is None for name in ALWAYS_STATED):
        problems.append(OfferProblem.MISSING)
    beds = fields.get("beds")
    if beds is not None and beds < 1 <= (fields.get("people") or 0):
        problems.append(OfferProblem.BEDS_FOR_NOBODY)
    start, end = fields.get("available_from"), fields.get("available_until")
    if isinstance(start, date) and isinstance(end, date) and end <= start:
        problems.append(OfferProblem.END_BEFORE_START)
    if fields.get("cost") in PAYING and not fields.get("cost_eur"):
        problems.append(OfferProblem.RENT_WITHOUT_AMOUNT)
    min_stay = fields.get("min_stay_days")
    if isinstance(start, date) and isinstance(end, date) and min_stay and min_stay > (end - start).days:
        problems.append(OfferProblem.MIN_STAY_TOO_LONG)
    return problems
