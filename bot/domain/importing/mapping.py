"""Recognising what each column of a table holds: targets, header rules, and the user's choices.

:func:`propose_mapping` reads the column names (French, English, 2022 form exports); a :class:`Mapping`
records one :class:`Target` per column and the user's choices for the columns nobody recognised, and says
what is still missing (:class:`Requirement`). Names, e-mail addresses and other details of private hosts
are recognised (Target.PRIVATE) so as to be left out on purpose: an imported offer is managed by the
importing organisation, which keeps its own file. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final

from bot.domain.importing.cells import checkbox, fold
from bot.domain.importing.reading import CellValue, Table


class Target(StrEnum):
    """What a column holds. IGNORE: not imported. PRIVATE: personal data of the host (name, e-mail…),
    recognised so as to be left out on purpose."""

    IGNORE = "ignore"
    PRIVATE = "private"
    KIND = "kind"
    COMMUNE = "commune"
    POSTAL_CODE = "postal_code"
    INSEE = "insee"
    DEPARTEMENT = "departement"
    ADDRESS = "address"
    PEOPLE = "people"
    BEDS = "beds"
    BEDROOMS = "bedrooms"
    WELCOME = "welcome"
    AVAILABLE_FROM = "available_from"
    AVAILABLE_UNTIL = "available_until"
    MIN_STAY = "min_stay"
    STEP_FREE = "step_free"
    PETS = "pets"
    CHILDREN = "children"
    SMOKING = "smoking"
    LANGUAGES = "languages"
    EQUIPMENT = "equipment"
    FURNISHED = "furnished"
    KITCHEN = "kitchen"
    BATHROOM = "bathroom"
    INTERNET = "internet"
    WASHING_MACHINE = "washing_machine"
    TRANSPORT = "transport"
    PUBLIC_TRANSPORT = "public_transport"
    SHOPS = "shops"
    PARKING = "parking"
    CAR_NEEDED = "car_needed"
    COST = "cost"
    COST_EUR = "cost_eur"
    FREE = "free"
    NOTES = "notes"
    PHONE = "phone"


MULTI_TARGETS: Final = frozenset(
    {Target.IGNORE, Target.PRIVATE, Target.NOTES, Target.LANGUAGES, Target.EQUIPMENT, Target.TRANSPORT}
)
"""Targets several columns may have (notes are joined, lists merged); every other target is one column."""

EQUIPMENT_TARGETS: Final = {
    Target.FURNISHED: "furnished",
    Target.KITCHEN: "kitchen",
    Target.BATHROOM: "bathroom",
    Target.INTERNET: "internet",
    Target.WASHING_MACHINE: "washing_machine",
}
TRANSPORT_TARGETS: Final = {
    Target.PUBLIC_TRANSPORT: "public_transport",
    Target.SHOPS: "shops",
    Target.PARKING: "parking",
    Target.CAR_NEEDED: "car_needed",
}

# Order of the buttons offered for a column nobody recognised: the usual targets first.
_CANDIDATE_ORDER: Final = (
    Target.NOTES, Target.COMMUNE, Target.POSTAL_CODE, Target.INSEE, Target.ADDRESS, Target.PEOPLE,
    Target.BEDS, Target.BEDROOMS, Target.AVAILABLE_FROM, Target.AVAILABLE_UNTIL, Target.KIND, Target.WELCOME,
    Target.STEP_FREE, Target.PETS, Target.CHILDREN, Target.SMOKING, Target.LANGUAGES, Target.COST,
    Target.COST_EUR, Target.FREE, Target.PHONE, Target.MIN_STAY, Target.DEPARTEMENT, Target.EQUIPMENT,
    Target.FURNISHED, Target.KITCHEN, Target.BATHROOM, Target.INTERNET, Target.WASHING_MACHINE,
    Target.TRANSPORT, Target.PUBLIC_TRANSPORT, Target.SHOPS, Target.PARKING, Target.CAR_NEEDED,
    Target.PRIVATE, Target.IGNORE,
)  # fmt: skip

_HEADER_RULES: Final[tuple[tuple[re.Pattern[str], Target], ...]] = tuple(
    (re.compile(pattern), target)
    for pattern, target in (
        # Form metadata: submission number, timestamp, status.
        (
            r"^(id|n|no|num|numero|numero de (dossier|reponse|demande|ligne|formulaire)|identifiant|horodateur"
            r"|horodatage|timestamp|date (de |d )?(soumission|creation|depot|saisie|reponse|modification|envoi)"
            r"|submitted at|created at|submission date|statut|etat|source|reference|ref)$",
            Target.IGNORE,
        ),
        (r"\b(e ?mail|courriel|mail|adresse electronique)\b", Target.PRIVATE),
        (r"\binsee\b|\bcode (de la )?commune\b|\bcog\b", Target.INSEE),
        (r"\bcode postal\b|\bcp\b|\bpostal\b|\bzip\b|\bpostcode\b", Target.POSTAL_CODE),
        (r"\b(tel|telephone|portable|mobile|phone|gsm)\b", Target.PHONE),
        (r"\bdepartement\b|^(dept|dep|dpt|code dep|code dept)$", Target.DEPARTEMENT),
        (r"\bpublic\b|\bprofil\b|\bcomposition\b|\bmenages?\b|\bwelcome\b", Target.WELCOME),
        (r"\btype\b|\bnature\b|\bcategorie\b|\bkind\b", Target.KIND),
        (r"\b(commune|ville|localite|city|town|municipalite)\b|^lieu\b", Target.COMMUNE),
        (r"\badresse\b|\baddress\b|\brue\b|\bvoie\b", Target.ADDRESS),
        (
            r"\b(nom|prenom|civilite|identite|proprietaire|hebergeur|hebergeuse|bailleur|signature|declarant"
            r"|contact|age|naissance|profession|name|first name|last name|surname)\b",
            Target.PRIVATE,
        ),
        (
            r"\bjusqu|\bdate de fin\b|\bfin (de|du|d)\b|\bfin$|\bdate limite\b|\bdisponible au\b|^au$|\buntil\b"
            r"|\bend\b|\bdate de depart\b|\bdate de sortie\b",
            Target.AVAILABLE_UNTIL,
        ),
        (
            r"\bdisponib|\ba partir\b|\bdate de debut\b|\bdebut\b|^du$|\bdes le\b|\bdate d (arrivee|entree|accueil)\b"
            r"|\bfrom\b|\bstart\b|\bavailable\b",
            Target.AVAILABLE_FROM,
        ),
        (r"\b(duree|sejour) (minimum|minimale|min|mini)\b|\bminimum stay\b|\bmin stay\b", Target.MIN_STAY),
        (r"\blits?\b|\bcouchages?\b|\bbeds?\b", Target.BEDS),
        (r"\bchambres?\b|\bpieces?\b|\bbedrooms?\b", Target.BEDROOMS),
        (
            r"\bplaces?\b|\bpersonnes?\b|\bcapacite\b|\bnb pers|\bnombre d adultes\b|\bpeople\b|\bcapacity\b"
            r"|\bbeneficiaires\b|\bpersons?\b",
            Target.PEOPLE,
        ),
        (
            r"\bpmr\b|\baccessib|\bhandicap|\bfauteuil\b|\bplain pied\b|\bmobilite reduite\b|\bstep free\b"
            r"|\bwheelchair\b",
            Target.STEP_FREE,
        ),
        (r"\banimaux\b|\banimal\b|\bchiens?\b|\bchats?\b|\bpets?\b", Target.PETS),
        (r"\benfants?\b|\bbebes?\b|\bchildren\b|\bmineurs?\b", Target.CHILDREN),
        (r"\bfumeurs?\b|\bfumer\b|\btabac\b|\bsmoking\b|\bcigarettes?\b", Target.SMOKING),
        (r"\blangues?\b|\blanguages?\b|\bparlees?\b", Target.LANGUAGES),
        (r"\bmeubles?\b|\bfurnished\b", Target.FURNISHED),
        (r"\bcuisine\b|\bkitchen\b", Target.KITCHEN),
        (r"\bsalle (de bain|d eau)s?\b|\bsdb\b|\bdouche\b|\bbathroom\b", Target.BATHROOM),
        (r"\binternet\b|\bwi ?fi\b", Target.INTERNET),
        (r"\blave linge\b|\bmachine a laver\b|\bwashing\b", Target.WASHING_MACHINE),
        (r"\bequipements?\b|\bequipment\b|\bcommodites\b|\bconfort\b", Target.EQUIPMENT),
        (r"\btransports? (en commun|publics?)\b|\bbus\b|\btram|\bmetro\b|\bgare\b", Target.PUBLIC_TRANSPORT),
        (r"\bcommerces?\b|\bmagasins?\b|\bshops?\b", Target.SHOPS),
        (r"\bparking\b|\bstationnement\b|\bgarage\b", Target.PARKING),
        (r"\bvoiture\b|\bvehicule\b|\bcar\b", Target.CAR_NEEDED),
        (r"\btransports?\b|\bdesserte\b|\bproximite\b|\bgetting around\b", Target.TRANSPORT),
        (r"\bgratuit|\bfree\b", Target.FREE),
        (
            r"\bloyer\b|\bmontant\b|\bprix\b|\btarif|\brent\b|\bredevance\b|\beuros?\b|\bamount\b",
            Target.COST_EUR,
        ),
        (
            r"\bparticipation\b|\bcout\b|\bcost\b|\bcharges\b|\bfinanc|\bconditions?\b|\bcontrepartie\b"
            r"|\bindemnit",
            Target.COST,
        ),
        (
            r"\bcomment|\bobserv|\bremarques?\b|\bdescription\b|\bprecisions?\b|\binformations?\b|\binfos?\b"
            r"|\bnotes?\b|\bdetails?\b|\bautres?\b|\bdivers\b|\bmessage\b|\bcomplement",
            Target.NOTES,
        ),
    )
)


def header_key(header: str) -> str:
    """A header folded for matching: ASCII lower case words (``"Nb. de Personnes"`` → ``"nb de personnes"``)."""
    return fold(header)


def guess_target(header: str) -> Target | None:
    """The target a column name designates, or None when it is not recognised."""
    key = header_key(header)
    if not key:
        return None
    for pattern, target in _HEADER_RULES:
        if pattern.search(key):
            return target
    return None


class Requirement(StrEnum):
    """What a mapping needs before rows can be imported."""

    COMMUNE = "commune"  # a commune, postal code or INSEE code column
    CAPACITY = "capacity"  # a number of people or beds column


@dataclass(frozen=True)
class Mapping:
    """What each column of a table holds: a :class:`Target`, or None while unmapped (ask the user).

    Columns are identified by their position; ``headers`` are kept to check that a stored mapping
    still fits the file. Immutable: :meth:`with_choice` returns a new mapping. Unmapped columns are
    not imported (as if ignored).
    """

    headers: tuple[str, ...]
    targets: tuple[Target | None, ...]

    def __post_init__(self) -> None:
        if len(self.headers) != len(self.targets):
            raise ValueError("one target per header")

    def unmapped(self) -> list[int]:
        """Columns nobody recognised yet (ask about them, in this order)."""
        return [i for i, target in enumerate(self.targets) if target is None]

    def unmapped_headers(self) -> list[str]:
        return [self.headers[i] for i in self.unmapped()]

    def columns(self, target: Target) -> list[int]:
        return [i for i, t in enumerate(self.targets) if t is target]

    def used(self) -> set[Target]:
        return {t for t in self.targets if t is not None}

    def candidates(self, column: int | str, table: Table | None = None) -> list[Target]:
        """The targets that can be chosen for a column, likeliest first, IGNORE last: every target not
        yet given to another column (or a MULTI_TARGETS one). With the table, the column's values rank
        them too (dates first for a column of dates, yes/no targets for checkboxes…)."""
        index = self._index(column)
        taken = {t for i, t in enumerate(self.targets) if t is not None and i != index}
        free = [t for t in _CANDIDATE_ORDER if t in MULTI_TARGETS or t not in taken]
        guess = guess_target(self.headers[index])
        shape = _column_shape(table, index) if table is not None else None
        fitting = _SHAPE_TARGETS.get(shape, ()) if shape else ()

        def rank(target: Target) -> tuple[int, int]:
            if target is Target.IGNORE:
                return (3, 0)
            if target is guess:
                return (0, 0)
            if target in fitting:
                return (1, fitting.index(target))
            return (2, _CANDIDATE_ORDER.index(target))

        return sorted(free, key=rank)

    def with_choice(self, column: int | str, target: Target | str | None) -> Mapping:
        """The mapping with this column given this target (None: unmapped again). A single-column target
        taken by another column is taken away from it (that column becomes unmapped)."""
        index = self._index(column)
        chosen = None if target is None else Target(target)
        targets = list(self.targets)
        if chosen is not None and chosen not in MULTI_TARGETS:
            targets = [None if t is chosen else t for t in targets]
        targets[index] = chosen
        return Mapping(self.headers, tuple(targets))

    def missing(self) -> list[Requirement]:
        """What is still needed: a commune column, a capacity column."""
        used = self.used()
        missing = []
        if not used & {Target.COMMUNE, Target.POSTAL_CODE, Target.INSEE}:
            missing.append(Requirement.COMMUNE)
        if not used & {Target.PEOPLE, Target.BEDS}:
            missing.append(Requirement.CAPACITY)
        return missing

    def fits(self, table: Table) -> bool:
        return self.headers == table.headers

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for the dialogue state between button presses)."""
        return {
            "v": 1,
            "headers": list(self.headers),
            "targets": [None if t is None else t.value for t in self.targets],
        }

    @classmethod
    def from_json(cls, data: Any) -> Mapping:
        """The mapping :meth:`to_json` gave; ValueError if the data is not one."""
        if not isinstance(data, dict) or data.get("v") != 1:
            raise ValueError("not a stored mapping")
        headers, targets = data.get("headers"), data.get("targets")
        if not isinstance(headers, list) or not isinstance(targets, list) or len(headers) != len(targets):
            raise ValueError("not a stored mapping")
        if not all(isinstance(h, str) for h in headers):
            raise ValueError("not a stored mapping")
        return cls(tuple(headers), tuple(None if t is None else Target(t) for t in targets))

    def _index(self, column: int | str) -> int:
        if isinstance(column, int):
            if not 0 <= column < len(self.headers):
                raise IndexError(column)
            return column
        for i, header in enumerate(self.headers):  # an unmapped column of that name first
            if header == column and self.targets[i] is None:
                return i
        return self.headers.index(column)


def propose_mapping(headers: Sequence[str]) -> Mapping:
    """Recognise the columns by their names (French, English, 2022 form exports). A single-column target
    recognised twice goes to the first column; the others stay unmapped, to ask."""
    targets: list[Target | None] = []
    seen: set[Target] = set()
    for header in headers:
        target = guess_target(header)
        if target is not None and target not in MULTI_TARGETS:
            if target in seen:
                target = None
            else:
                seen.add(target)
        targets.append(target)
    return Mapping(tuple(headers), tuple(targets))


class _Shape(StrEnum):
    DATE = "date"
    YES_NO = "yes_no"
    CODE = "code"
    NUMBER = "number"
    TEXT = "text"


_SHAPE_TARGETS: Final[dict[_Shape, tuple[Target, ...]]] = {
    _Shape.DATE: (Target.AVAILABLE_FROM, Target.AVAILABLE_UNTIL),
    _Shape.YES_NO: (
        Target.STEP_FREE, Target.PETS, Target.CHILDREN, Target.SMOKING, Target.FREE, Target.FURNISHED,
        Target.KITCHEN, Target.BATHROOM, Target.INTERNET, Target.WASHING_MACHINE, Target.PUBLIC_TRANSPORT,
        Target.SHOPS, Target.PARKING, Target.CAR_NEEDED,
    ),
    _Shape.CODE: (Target.POSTAL_CODE, Target.INSEE),
    _Shape.NUMBER: (Target.PEOPLE, Target.BEDS, Target.BEDROOMS, Target.COST_EUR, Target.MIN_STAY),
    _Shape.TEXT: (Target.NOTES, Target.COMMUNE, Target.ADDRESS, Target.KIND),
}  # fmt: skip
_CODE_RE: Final = re.compile(r"(?:[0-9]{5}|2[ABab][0-9]{3})")


def _column_shape(table: Table, column: int, sample: int = 50) -> _Shape | None:
    values = [row[column] for row in table.rows[: sample * 4] if row[column] is not None][:sample]
    if not values:
        return None
    counts: dict[_Shape, int] = {}
    for value in values:
        counts[_shape(value)] = counts.get(_shape(value), 0) + 1
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] * 10 >= len(values) * 8 else None


def _shape(value: CellValue) -> _Shape:
    if isinstance(value, bool):
        return _Shape.YES_NO
    if isinstance(value, date):
        return _Shape.DATE
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return _Shape.YES_NO
        return _Shape.CODE if 1000 <= value <= 99999 and float(value).is_integer() else _Shape.NUMBER
    text = str(value)
    if _CODE_RE.fullmatch(text):
        return _Shape.CODE
    if checkbox(text) is not None:
        return _Shape.YES_NO
    if re.fullmatch(r"[0-9]{1,4}", text):
        return _Shape.NUMBER
    if re.fullmatch(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}.*", text):
        return _Shape.DATE
    return _Shape.TEXT
