"""An offer's facts, each declared once: what it holds, how a host is asked, how it reads, imports and exports.

The host's dialogue, the offer card, the spreadsheet importer and exporter and the search all read these
declarations; adding a fact means adding an entry here (plus its column, a migration, the catalogs and tests).

A fact nobody stated is ``None`` everywhere (dialogue answers, database, search): it is neither yes nor no.
Cards say "not stated", exports leave the cell empty, and the search never gives it as a reason (see `Need`).
Labels and questions are English source strings marked for translation; `describe` renders plain text (the
screens escape it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import phonenumbers

from bot.i18n import N_, Nn_, Translator

NOT_STATED: Final = N_("not stated")


def not_stated(t: Translator) -> str:
    return t._(NOT_STATED)


@dataclass(frozen=True, kw_only=True)
class Fact:
    """One thing an offer says. Subclasses know how their value reads and what the host is asked."""

    name: str  # the column, and the key in the dialogue's answers
    label: str  # the fact's name: "change a field", export headers, "<label>: not stated" on cards
    question: str = ""  # what the host is asked ("" for facts the dialogue does not ask on their own)
    optional: bool = False  # the host may skip it: it stays not stated
    private: bool = False  # shown only to authorised caseworkers (then the reveal is logged)
    # How the fact reads on a card: a template around the value ("" keeps it off cards); facts of the same
    # `line` share one card line.
    card: str = "{value}"
    line: str = ""
    exported: bool = True
    # Import: a regular expression over a column header folded to ASCII lower-case words, and the rank of
    # that rule among all header rules (lower first: "date de fin" must be read before "disponib").
    headers: str = ""
    header_rank: int = 50

    def describe(self, t: Translator, value: Any) -> str:
        """The value in words, "not stated" when nobody said."""
        return not_stated(t) if value is None else str(value)

    def card_text(self, t: Translator, value: Any) -> str:
        """The fact as a card shows it (plain text, to be escaped)."""
        if value is None:
            return f"{t._(self.label)}: {not_stated(t)}"
        return (
            t._(self.card).format(value=self.describe(t, value))
            if self.card != "{value}"
            else (self.describe(t, value))
        )

    def export_value(self, t: Translator, value: Any) -> str | int | date | None:
        """The cell of an export: empty (None) when not stated."""
        return None if value is None else self.describe(t, value)


@dataclass(frozen=True, kw_only=True)
class Choice(Fact):
    """One answer among fixed options; the stored value is the option's key."""

    options: Mapping[str, str] = field(default_factory=dict)
    per_row: int = 1

    def describe(self, t: Translator, value: Any) -> str:
        if value is None:
            return not_stated(t)
        return t._(self.options[value]) if value in self.options else str(value)


@dataclass(frozen=True, kw_only=True)
class YesNo(Fact):
    """A yes or a no (or not stated)."""

    def describe(self, t: Translator, value: Any) -> str:
        if value is None:
            return not_stated(t)
        return t._("Yes") if value else t._("No")


@dataclass(frozen=True, kw_only=True)
class Count(Fact):
    """A whole number within bounds; `unit` is the (singular, plural) pair it reads with."""

    minimum: int = 0
    maximum: int = 0
    quick: tuple[int, ...] = ()
    unit: tuple[str, str] = ("{n}", "{n}")

    def describe(self, t: Translator, value: Any) -> str:
        if value is None:
            return not_stated(t)
        return t.n_(*self.unit, int(value)).format(n=value)

    def export_value(self, t: Translator, value: Any) -> int | None:
        return None if value is None else int(value)


@dataclass(frozen=True, kw_only=True)
class Amount(Count):
    """Euros per month."""

    def describe(self, t: Translator, value: Any) -> str:
        if value is None:
            return not_stated(t)
        return t._("{amount} € per month").format(amount=t.number(value))


@dataclass(frozen=True, kw_only=True)
class Ticks(Fact):
    """Several of fixed options (none ticked is a stated answer, shown "—").

    `option_headers`: import columns that tick one option each ("Meublé: oui"), by a header pattern."""

    options: Mapping[str, str] = field(default_factory=dict)
    option_headers: Mapping[str, str] = field(default_factory=dict)

    def describe(self, t: Translator, value: Any) -> str:
        if value is None:
            return not_stated(t)
        chosen = [t._(self.options[code]) for code in value if code in self.options]
        return ", ".join(chosen) if chosen else "—"


@dataclass(frozen=True, kw_only=True)
class Text(Fact):
    """Free text, cleaned and bounded."""

    max_length: int = 200


@dataclass(frozen=True, kw_only=True)
class Phone(Fact):
    """A phone number, stored in E.164 form, read in the international way (+33 6 12 34 56 78)."""

    def describe(self, t: Translator, value: Any) -> str:
        if value is None:
            return not_stated(t)
        try:
            number = phonenumbers.parse(str(value))
        except phonenumbers.NumberParseException:
            return str(value)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@dataclass(frozen=True, kw_only=True)
class Day(Fact):
    """A calendar day (`open_ended`: None means "no end date", a stated answer)."""

    open_ended: bool = False

    def describe(self, t: Translator, value: Any) -> str:
        if value is None:
            return t._("no end date") if self.open_ended else not_stated(t)
        return t.date(value if isinstance(value, date) else date.fromisoformat(str(value)))

    def card_text(self, t: Translator, value: Any) -> str:
        return "" if value is None and self.open_ended else super().card_text(t, value)

    def export_value(self, t: Translator, value: Any) -> date | None:
        if value is None:
            return None
        return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True, kw_only=True)
class Days(Count):
    """A number of days (a duration)."""


@dataclass(frozen=True, kw_only=True)
class Place(Fact):
    """Where the place is: a commune (its INSEE code, name, département and centroid are stored)."""

    columns: tuple[str, ...] = ("commune_insee", "commune_name", "departement", "latitude", "longitude")


@dataclass(frozen=True)
class Need:
    """What a household may need of a fact, and how each value of the fact answers it.

    `met`: the need is met, said as `reason`; `partly`: kept with `partly_caveat` and ranked lower;
    `excluded`: left out of the results. Any other value (not stated, or the host did not know) is kept,
    ranked below a stated answer and shown with `unknown_caveat`: never as a reason.
    """

    name: str
    fact: str
    label: str  # the tick in the guided search
    short: str  # in the summary of a search
    reason: str
    unknown_caveat: str
    met: frozenset[Any]
    excluded: frozenset[Any]
    partly: frozenset[Any] = frozenset()
    partly_caveat: str = ""

    def verdict(self, value: Any) -> str:
        """'met', 'partly', 'excluded' or 'unknown' for an offer's value of the fact."""
        if value in self.met:
            return "met"
        if value in self.partly:
            return "partly"
        if value in self.excluded:
            return "excluded"
        return "unknown"


MAX_PEOPLE: Final = 500  # collective places can be large
MAX_BEDROOMS: Final = 300
MAX_NOTES: Final = 1000
MAX_ADDRESS: Final = 200
MAX_PHOTOS: Final = 5
MAX_RENT_EUR: Final = 5000

KINDS: Final = {
    "room": N_("A room in my home"),
    "dwelling": N_("An independent flat or house"),
    "hotel": N_("Hotel"),
    "holiday_centre": N_("Holiday centre"),
    "company": N_("Company premises"),
    "other_collective": N_("Other collective place"),
}
WELCOME: Final = {
    "single": N_("A single adult"),
    "adults": N_("Several adults"),
    "family": N_("A family with children"),
    "any": N_("No preference"),
}
STEP_FREE: Final = {
    "yes": N_("Step-free"),
    "partly": N_("Partly step-free"),
    "no": N_("Not step-free"),
    "unknown": N_("I don't know"),
}
EQUIPMENT: Final = {
    "furnished": N_("Furnished"),
    "kitchen": N_("Kitchen access"),
    "bathroom": N_("Private bathroom"),
    "internet": N_("Internet"),
    "washing_machine": N_("Washing machine"),
}
TRANSPORT: Final = {
    "public_transport": N_("Public transport nearby"),
    "shops": N_("Shops within walking distance"),
    "parking": N_("Parking"),
    "car_needed": N_("A car is needed"),
}
LANGUAGES: Final = {
    "uk": N_("Ukrainian"),
    "ru": N_("Russian"),
    "en": N_("English"),
    "fr": N_("French"),
    "pl": N_("Polish"),
    "de": N_("German"),
    "es": N_("Spanish"),
    "it": N_("Italian"),
}
COSTS: Final = {
    "free": N_("Free"),
    "charges": N_("Contribution to charges"),
    "rent": N_("Rent"),
}
PAYING: Final = frozenset({"charges", "rent"})  # costs that come with an amount

KIND = Choice(
    name="kind", label=N_("Kind of place"), question=N_("What kind of place do you offer?"), options=KINDS,
    card="{value}", headers=r"\btype\b|\bnature\b|\bcategorie\b|\bkind\b", header_rank=40,
)  # fmt: skip
PLACE = Place(
    name="commune", label=N_("Commune"),
    question=N_("In which commune is the place? Type its name or postal code, or share a location."),
)  # fmt: skip
ADDRESS = Text(
    name="address", label=N_("Address"),
    question=N_("The exact address (optional). Only authorised social workers will see it."),
    max_length=MAX_ADDRESS, optional=True, private=True, card="🏠 {value}", exported=False,
    headers=r"\badresse\b|\baddress\b|\brue\b|\bvoie\b", header_rank=42,
)  # fmt: skip
PEOPLE = Count(
    name="people", label=N_("Number of people"), question=N_("How many people can you welcome?"),
    minimum=1, maximum=MAX_PEOPLE, quick=(1, 2, 3, 4, 5, 6), unit=Nn_("{n} person", "{n} people"),
    card="👥 {value}", line="capacity",
    headers=r"\bplaces?\b|\bpersonnes?\b|\bcapacite\b|\bnb pers|\bnombre d adultes\b|\bpeople\b|\bcapacity\b"
    r"|\bbeneficiaires\b|\bpersons?\b", header_rank=62,
)  # fmt: skip
BEDS = Count(
    name="beds", label=N_("Beds"), question=N_("How many beds?"), minimum=1, maximum=MAX_PEOPLE * 2,
    quick=(1, 2, 3, 4, 5, 6), unit=Nn_("{n} bed", "{n} beds"), line="capacity",
    headers=r"\blits?\b|\bcouchages?\b|\bbeds?\b", header_rank=60,
)  # fmt: skip
BEDROOMS = Count(
    name="bedrooms", label=N_("Bedrooms"), question=N_("How many bedrooms?"), minimum=0, maximum=MAX_BEDROOMS,
    quick=(0, 1, 2, 3, 4), unit=Nn_("{n} bedroom", "{n} bedrooms"), line="capacity",
    headers=r"\bchambres?\b|\bpieces?\b|\bbedrooms?\b", header_rank=61,
)  # fmt: skip
WELCOME_FACT = Choice(
    name="welcome", label=N_("Who can be welcomed"), question=N_("Who can you welcome?"), options=WELCOME,
    card=N_("Can welcome: {value}"),
    headers=r"\bpublic\b|\bprofil\b|\bcomposition\b|\bmenages?\b|\bwelcome\b", header_rank=30,
)  # fmt: skip
AVAILABLE_FROM = Day(
    name="available_from", label=N_("Available from"), question=N_("From when is the place available?"),
    headers=r"\bdisponib|\ba partir\b|\bdate de debut\b|\bdebut\b|^du$|\bdes le\b"
    r"|\bdate d (arrivee|entree|accueil)\b|\bfrom\b|\bstart\b|\bavailable\b", header_rank=56,
)  # fmt: skip
AVAILABLE_UNTIL = Day(
    name="available_until", label=N_("Available until"), question=N_("Until when? (or no end date)"),
    open_ended=True, card="",
    headers=r"\bjusqu|\bdate de fin\b|\bfin (de|du|d)\b|\bfin$|\bdate limite\b|\bdisponible au\b|^au$"
    r"|\buntil\b|\bend\b|\bdate de depart\b|\bdate de sortie\b", header_rank=55,
)  # fmt: skip
MIN_STAY = Days(
    name="min_stay_days", label=N_("Minimum stay"), question=N_("Is there a minimum stay? (optional)"),
    optional=True, minimum=1, maximum=3 * 365, unit=Nn_("{n} day", "{n} days"),
    card=N_("Minimum stay: {value}"),
    headers=r"\b(duree|sejour) (minimum|minimale|min|mini)\b|\bminimum stay\b|\bmin stay\b", header_rank=57,
)  # fmt: skip
STEP_FREE_FACT = Choice(
    name="step_free", label=N_("Step-free access"),
    question=N_("Is the place accessible without steps (wheelchair)?"), options=STEP_FREE, per_row=2,
    card="♿ {value}",
    headers=r"\bpmr\b|\baccessib|\bhandicap|\bfauteuil\b|\bplain pied\b|\bmobilite reduite\b|\bstep free\b"
    r"|\bwheelchair\b", header_rank=63,
)  # fmt: skip
PETS = YesNo(
    name="pets", label=N_("Pets"), question=N_("Are pets accepted?"), card=N_("Pets: {value}"), line="rules",
    headers=r"\banimaux\b|\banimal\b|\bchiens?\b|\bchats?\b|\bpets?\b", header_rank=64,
)  # fmt: skip
CHILDREN = YesNo(
    name="children", label=N_("Children"), question=N_("Are children welcome?"), card=N_("Children: {value}"),
    line="rules", headers=r"\benfants?\b|\bbebes?\b|\bchildren\b|\bmineurs?\b", header_rank=65,
)  # fmt: skip
SMOKING = YesNo(
    name="smoking", label=N_("Smoking"), question=N_("Is smoking allowed?"), card=N_("Smoking: {value}"),
    line="rules", headers=r"\bfumeurs?\b|\bfumer\b|\btabac\b|\bsmoking\b|\bcigarettes?\b", header_rank=66,
)  # fmt: skip
EQUIPMENT_FACT = Ticks(
    name="equipment", label=N_("Equipment"),
    question=N_("What equipment is there? Tap all that apply, then “Done”."), options=EQUIPMENT,
    card=N_("Equipment: {value}"),
    headers=r"\bequipements?\b|\bequipment\b|\bcommodites\b|\bconfort\b", header_rank=73,
    option_headers={
        "furnished": r"\bmeubles?\b|\bfurnished\b", "kitchen": r"\bcuisine\b|\bkitchen\b",
        "bathroom": r"\bsalle (de bain|d eau)s?\b|\bsdb\b|\bdouche\b|\bbathroom\b",
        "internet": r"\binternet\b|\bwi ?fi\b", "washing_machine": r"\blave linge\b|\bmachine a laver\b|\bwashing\b",
    },
)  # fmt: skip
TRANSPORT_FACT = Ticks(
    name="transport", label=N_("Getting around"), question=N_("Getting around: tap all that apply, then “Done”."),
    options=TRANSPORT, card=N_("Getting around: {value}"),
    headers=r"\btransports?\b|\bdesserte\b|\bproximite\b|\bgetting around\b", header_rank=78,
    option_headers={
        "public_transport": r"\btransports? (en commun|publics?)\b|\bbus\b|\btram|\bmetro\b|\bgare\b",
        "shops": r"\bcommerces?\b|\bmagasins?\b|\bshops?\b", "parking": r"\bparking\b|\bstationnement\b|\bgarage\b",
        "car_needed": r"\bvoiture\b|\bvehicule\b|\bcar\b",
    },
)  # fmt: skip
LANGUAGES_FACT = Ticks(
    name="languages", label=N_("Languages spoken"),
    question=N_("Which languages do you speak? Tap all that apply, then “Done”."), options=LANGUAGES,
    card=N_("Languages spoken: {value}"), headers=r"\blangues?\b|\blanguages?\b|\bparlees?\b", header_rank=67,
)  # fmt: skip
COST = Choice(
    name="cost", label=N_("Cost"), question=N_("Does it cost anything for the people you welcome?"),
    options=COSTS, card="💶 {value}", line="cost",
    headers=r"\bparticipation\b|\bcout\b|\bcost\b|\bcharges\b|\bfinanc|\bconditions?\b|\bcontrepartie\b"
    r"|\bindemnit", header_rank=82,
)  # fmt: skip
COST_EUR = Amount(
    name="cost_eur", label=N_("Amount per month"), question=N_("How much per month, in euros?"),
    minimum=1, maximum=MAX_RENT_EUR, line="cost",
    headers=r"\bloyer\b|\bmontant\b|\bprix\b|\btarif|\brent\b|\bredevance\b|\beuros?\b|\bamount\b",
    header_rank=81,
)  # fmt: skip
NOTES = Text(
    name="notes", label=N_("Notes"), question=N_("Anything else to know (house rules, access…)? (optional)"),
    max_length=MAX_NOTES, optional=True, card="📝 {value}", exported=False,
    headers=r"\bcomment|\bobserv|\bremarques?\b|\bdescription\b|\bprecisions?\b|\binformations?\b|\binfos?\b"
    r"|\bnotes?\b|\bdetails?\b|\bautres?\b|\bdivers\b|\bmessage\b|\bcomplement", header_rank=90,
)  # fmt: skip
PHONE = Phone(
    name="phone", label=N_("Phone number"),
    question=N_("A phone number for the social workers (optional). Only authorised social workers of "
                "your département will see it."),
    optional=True, private=True, card="📞 {value}", exported=False,
    headers=r"\b(tel|telephone|portable|mobile|phone|gsm)\b", header_rank=14,
)  # fmt: skip

FACTS: Final[Sequence[Fact]] = (
    KIND, PLACE, ADDRESS, PEOPLE, BEDS, BEDROOMS, WELCOME_FACT, AVAILABLE_FROM, AVAILABLE_UNTIL, MIN_STAY,
    STEP_FREE_FACT, PETS, CHILDREN, SMOKING, EQUIPMENT_FACT, TRANSPORT_FACT, LANGUAGES_FACT, COST, COST_EUR,
    NOTES, PHONE,
)  # fmt: skip
"""Every fact, in the order the host is asked and the card reads."""

BY_NAME: Final = {fact.name: fact for fact in FACTS}

COLUMNS: Final = tuple(
    column for fact in FACTS for column in (fact.columns if isinstance(fact, Place) else (fact.name,))
)
"""The offer's columns that hold facts (what a host or an import may set)."""

ALWAYS_STATED: Final = frozenset({"commune_insee", "commune_name", "departement", "latitude", "longitude",
                                  "people", "available_from"})  # fmt: skip
"""Columns every offer has: where it is, for how many, from when (the search cannot do without them)."""

LISTS: Final = frozenset(fact.name for fact in FACTS if isinstance(fact, Ticks))
DAYS: Final = frozenset(fact.name for fact in FACTS if isinstance(fact, Day))

NEEDS: Final[Sequence[Need]] = (
    Need(
        name="step_free", fact="step_free", label=N_("Step-free access"), short=N_("step-free"),
        reason=N_("step-free"), unknown_caveat=N_("step-free access not stated"),
        met=frozenset({"yes"}), partly=frozenset({"partly"}), partly_caveat=N_("only partly step-free"),
        excluded=frozenset({"no"}),
    ),
    Need(
        name="pets", fact="pets", label=N_("A pet"), short=N_("pets"), reason=N_("pets accepted"),
        unknown_caveat=N_("pets not stated"), met=frozenset({True}), excluded=frozenset({False}),
    ),
    Need(
        name="children", fact="children", label=N_("Children"), short=N_("children"),
        reason=N_("children welcome"), unknown_caveat=N_("children not stated"), met=frozenset({True}),
        excluded=frozenset({False}),
    ),
)  # fmt: skip
"""What a search can require of an offer, in the order they are offered."""

NEED_BY_NAME: Final = {need.name: need for need in NEEDS}


def stated_facts(values: Mapping[str, Any]) -> dict[str, Any]:
    """The fact columns of `values` (missing ones not stated), lists copied and days parsed from ISO text."""
    facts: dict[str, Any] = {}
    for column in COLUMNS:
        value = values.get(column)
        if column in LISTS and value is not None:
            value = list(value)
        elif column in DAYS and isinstance(value, str):
            value = date.fromisoformat(value)
        facts[column] = value
    if facts.get("cost") not in PAYING:
        facts["cost_eur"] = None
    return facts
