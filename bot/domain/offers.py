"""What an offer is made of: the choices a host picks from, and the rules a complete offer obeys.

Labels are English source strings marked for translation; they are translated where they are shown.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from bot.i18n import N_


class Status(StrEnum):
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

KINDS = {
    "room": N_("A room in my home"),
    "dwelling": N_("An independent flat or house"),
    "hotel": N_("Hotel"),
    "holiday_centre": N_("Holiday centre"),
    "company": N_("Company premises"),
    "other_collective": N_("Other collective place"),
}
WELCOME = {
    "single": N_("A single adult"),
    "adults": N_("Several adults"),
    "family": N_("A family with children"),
    "any": N_("No preference"),
}
STEP_FREE = {
    "yes": N_("Step-free"),
    "partly": N_("Partly step-free"),
    "no": N_("Not step-free"),
    "unknown": N_("I don't know"),
}
YES_NO = {"yes": N_("Yes"), "no": N_("No")}
EQUIPMENT = {
    "furnished": N_("Furnished"),
    "kitchen": N_("Kitchen access"),
    "bathroom": N_("Private bathroom"),
    "internet": N_("Internet"),
    "washing_machine": N_("Washing machine"),
}
TRANSPORT = {
    "public_transport": N_("Public transport nearby"),
    "shops": N_("Shops within walking distance"),
    "parking": N_("Parking"),
    "car_needed": N_("A car is needed"),
}
LANGUAGES = {
    "uk": N_("Ukrainian"),
    "ru": N_("Russian"),
    "en": N_("English"),
    "fr": N_("French"),
    "pl": N_("Polish"),
    "de": N_("German"),
    "es": N_("Spanish"),
    "it": N_("Italian"),
}
COSTS = {
    "free": N_("Free"),
    "charges": N_("Contribution to charges"),
    "rent": N_("Rent"),
}

MAX_PEOPLE = 500  # collective places can be large
MAX_BEDROOMS = 300
MAX_NOTES = 1000
MAX_ADDRESS = 200
MAX_PHOTOS = 5
MAX_RENT_EUR = 5000


class OfferProblem(StrEnum):
    MISSING = "missing"
    BEDS_FOR_NOBODY = "beds_for_nobody"
    END_BEFORE_START = "end_before_start"
    RENT_WITHOUT_AMOUNT = "rent_without_amount"
    MIN_STAY_TOO_LONG = "min_stay_too_long"


REQUIRED = (
    "kind", "commune_insee", "people", "beds", "bedrooms", "welcome", "available_from",
    "step_free", "pets", "children", "smoking", "cost",
)  # fmt: skip


def check_offer(fields: dict[str, Any]) -> list[OfferProblem]:
    """Rules a complete offer obeys, whatever the dialogue or import that produced it."""
    problems = []
    if any(fields.get(name) is None for name in REQUIRED):
        problems.append(OfferProblem.MISSING)
    if (fields.get("beds") or 0) < 1 <= (fields.get("people") or 0):
        problems.append(OfferProblem.BEDS_FOR_NOBODY)
    start, end = fields.get("available_from"), fields.get("available_until")
    if isinstance(start, date) and isinstance(end, date) and end <= start:
        problems.append(OfferProblem.END_BEFORE_START)
    if fields.get("cost") in ("charges", "rent") and not fields.get("cost_eur"):
        problems.append(OfferProblem.RENT_WITHOUT_AMOUNT)
    min_stay = fields.get("min_stay_days")
    if isinstance(start, date) and isinstance(end, date) and min_stay and min_stay > (end - start).days:
        problems.append(OfferProblem.MIN_STAY_TOO_LONG)
    return problems
