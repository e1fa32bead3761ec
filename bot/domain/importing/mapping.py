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

from bot.domain import offer_schema as schema
from bot.domain.importing.cells import checkbox, fold
from bot.domain.importing.reading import CellValue, Table


class Target(StrEnum):
    """What a column holds besides an offer fact: IGNORE (not imported), PRIVATE (personal data of the host —
    name, e-mail… — recognised so as to be left out on purpose), the parts of a commune, and FREE (a yes/no
    "free of charge" column, read with the cost), and SOURCE_ID (the row's own id in the organisation's file: a
    re-import updates the offer with that id)."""

    IGNORE = "ignore"
    PRIVATE = "private"
    COMMUNE = "commune"
    POSTAL_CODE = "postal_code"
    INSEE = "insee"
    DEPARTEMENT = "departement"
    FREE = "free"
    SOURCE_ID = "source_id"


ColumnTarget = str
"""What a column holds: a :class:`Target`, the name of an offer fact (``"people"``), or an option of a
list fact that a yes/no column ticks (``"kitchen"``, see ``offer_schema.Ticks.option_headers``)."""

FACT_TARGETS: Final = tuple(fact.name for fact in schema.FACTS if fact.headers)
"""The offer facts a column can hold: every fact the schema gives header words."""
TICKS: Final = {
    option: fact.name
    for fact in schema.FACTS
    if isinstance(fact, schema.Ticks)
    for option in fact.option_headers
}
"""Yes/no columns that tick one option of a list fact: option → the list fact."""
TARGETS: Final = frozenset({*Target, *FACT_TARGETS, *TICKS})

MULTI_TARGETS: Final = frozenset(
    {Target.IGNORE, Target.PRIVATE, schema.NOTES.name}
    | {fact.name for fact in schema.FACTS if isinstance(fact, schema.Ticks)}
)
"""Targets several columns may have (notes are joined, lists merged); every other target is one column."""

# Order of the buttons offered for a column nobody recognised: the usual targets first.
_CANDIDATE_ORDER: Final = (
    schema.NOTES.name, Target.COMMUNE, Target.POSTAL_CODE, Target.INSEE,
    *(name for name in FACT_TARGETS if name != schema.NOTES.name), Target.FREE, Target.DEPARTEMENT, *TICKS,
    Target.SOURCE_ID, Target.PRIVATE, Target.IGNORE,
)  # fmt: skip

# Rules of the importer's own targets, ranked among the facts' rules (offer_schema: `header_rank`).
_OWN_RULES: Final = (
    (  # the row's own id: "ID", "N°", "Numéro de dossier", "Réf. logement"…
        r"^(id|n|no|nr|num|numero|identifiant|reference|ref|dossier)"
        r"( (de |d |du )?(l )?(dossier|offre|logement|hebergement|place|fiche|annonce|demande|reponse|formulaire))?$",
        9, Target.SOURCE_ID,
    ),
    (  # form metadata: line number, timestamp, status
        r"^(numero de ligne|horodateur|horodatage|timestamp"
        r"|date (de |d )?(soumission|creation|depot|saisie|reponse|modification|envoi)"
        r"|submitted at|created at|submission date|statut|etat|source)$",
        10, Target.IGNORE,
    ),
    (r"\b(e ?mail|courriel|mail|adresse electronique)\b", 11, Target.PRIVATE),
    (r"\binsee\b|\bcode (de la )?commune\b|\bcog\b", 12, Target.INSEE),
    (r"\bcode postal\b|\bcp\b|\bpostal\b|\bzip\b|\bpostcode\b", 13, Target.POSTAL_CODE),
    (r"\bdepartement\b|^(dept|dep|dpt|code dep|code dept)$", 20, Target.DEPARTEMENT),
    (r"\b(commune|ville|localite|city|town|municipalite)\b|^lieu\b", 41, Target.COMMUNE),
    (
        r"\b(nom|prenom|civilite|identite|proprietaire|hebergeur|hebergeuse|bailleur|signature|declarant"
        r"|contact|age|naissance|profession|name|first name|last name|surname)\b",
        45, Target.PRIVATE,
    ),
    (r"\bgratuit|\bfree\b", 80, Target.FREE),
)  # fmt: skip


def _header_rules() -> tuple[tuple[re.Pattern[str], ColumnTarget], ...]:
    ranked: list[tuple[int, str, ColumnTarget]] = list(
        (rank, pattern, target) for pattern, rank, target in _OWN_RULES
    )
    for fact in schema.FACTS:
        if fact.headers:
            ranked.append((fact.header_rank, fact.headers, fact.name))
        if isinstance(fact, schema.Ticks):  # "Cuisine: oui" before "Équipements"
            ranked += [
                (fact.header_rank - 1, pattern, option) for option, pattern in fact.option_headers.items()
            ]
    return tuple(
        (re.compile(pattern), target) for _, pattern, target in sorted(ranked, key=lambda rule: rule[0])
    )


_HEADER_RULES: Final = _header_rules()


def header_key(header: str) -> str:
    """A header folded for matching: ASCII lower case words (``"Nb. de Personnes"`` → ``"nb de personnes"``)."""
    return fold(header)


def guess_target(header: str) -> ColumnTarget | None:
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
    targets: tuple[ColumnTarget | None, ...]

    def __post_init__(self) -> None:
        if len(self.headers) != len(self.targets):
            raise ValueError("one target per header")
        if not {t for t in self.targets if t is not None} <= TARGETS:
            raise ValueError("unknown target")

    def unmapped(self) -> list[int]:
        """Columns nobody recognised yet (ask about them, in this order)."""
        return [i for i, target in enumerate(self.targets) if target is None]

    def unmapped_headers(self) -> list[str]:
        return [self.headers[i] for i in self.unmapped()]

    def columns(self, target: ColumnTarget) -> list[int]:
        return [i for i, t in enumerate(self.targets) if t == target]

    def used(self) -> set[ColumnTarget]:
        return {t for t in self.targets if t is not None}

    def candidates(self, column: int | str, table: Table | None = None) -> list[ColumnTarget]:
        """The targets that can be chosen for a column, likeliest first, IGNORE last: every target not
        yet given to another column (or a MULTI_TARGETS one). With the table, the column's values rank
        them too (dates first for a column of dates, yes/no targets for checkboxes…)."""
        index = self._index(column)
        taken = {t for i, t in enumerate(self.targets) if t is not None and i != index}
        free = [t for t in _CANDIDATE_ORDER if t in MULTI_TARGETS or t not in taken]
        guess = guess_target(self.headers[index])
        shape = _column_shape(table, index) if table is not None else None
        fitting = _SHAPE_TARGETS.get(shape, ()) if shape else ()

        def rank(target: ColumnTarget) -> tuple[int, int]:
            if target == Target.IGNORE:
                return (3, 0)
            if target == guess:
                return (0, 0)
            if target in fitting:
                return (1, fitting.index(target))
            return (2, _CANDIDATE_ORDER.index(target))

        return sorted(free, key=rank)

    def with_choice(self, column: int | str, target: ColumnTarget | None) -> Mapping:
        """The mapping with this column given this target (None: unmapped again). A single-column target
        taken by another column is taken away from it (that column becomes unmapped)."""
        index = self._index(column)
        if target is not None and target not in TARGETS:
            raise ValueError(f"unknown target {target!r}")
        chosen = None if target is None else str(target)
        targets = list(self.targets)
        if chosen is not None and chosen not in MULTI_TARGETS:
            targets = [None if t == chosen else t for t in targets]
        targets[index] = chosen
        return Mapping(self.headers, tuple(targets))

    def missing(self) -> list[Requirement]:
        """What is still needed: a commune column, a capacity column."""
        used = self.used()
        missing = []
        if not used & {Target.COMMUNE, Target.POSTAL_CODE, Target.INSEE}:
            missing.append(Requirement.COMMUNE)
        if not used & {schema.PEOPLE.name, schema.BEDS.name}:
            missing.append(Requirement.CAPACITY)
        return missing

    def fits(self, table: Table) -> bool:
        return self.headers == table.headers

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for the dialogue state between button presses)."""
        return {
            "v": 2,
            "headers": list(self.headers),
            "targets": [None if t is None else str(t) for t in self.targets],
        }

    @classmethod
    def from_json(cls, data: Any) -> Mapping:
        """The mapping :meth:`to_json` gave; ValueError if the data is not one."""
        if not isinstance(data, dict) or data.get("v") not in (1, 2):
            raise ValueError("not a stored mapping")
        headers, targets = data.get("headers"), data.get("targets")
        if not isinstance(headers, list) or not isinstance(targets, list) or len(headers) != len(targets):
            raise ValueError("not a stored mapping")
        if not all(isinstance(h, str) for h in headers):
            raise ValueError("not a stored mapping")
        renamed = {"min_stay": schema.MIN_STAY.name} if data["v"] == 1 else {}  # version 1 named it so
        if not all(t is None or isinstance(t, str) for t in targets):
            raise ValueError("not a stored mapping")
        return cls(tuple(headers), tuple(None if t is None else renamed.get(t, t) for t in targets))

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
    targets: list[ColumnTarget | None] = []
    seen: set[ColumnTarget] = set()
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


_SHAPE_TARGETS: Final[dict[_Shape, tuple[ColumnTarget, ...]]] = {
    _Shape.DATE: tuple(fact.name for fact in schema.FACTS if isinstance(fact, schema.Day)),
    _Shape.YES_NO: (
        *(fact.name for fact in schema.FACTS
          if isinstance(fact, schema.YesNo) or (isinstance(fact, schema.Choice) and "yes" in fact.options)),
        Target.FREE, *TICKS,
    ),
    _Shape.CODE: (Target.POSTAL_CODE, Target.INSEE),
    _Shape.NUMBER: tuple(fact.name for fact in schema.FACTS if isinstance(fact, schema.Count) and fact.headers),
    _Shape.TEXT: (schema.NOTES.name, Target.COMMUNE, schema.ADDRESS.name, schema.KIND.name),
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
