"""Checking the rows of a table against a mapping: each row becomes offer fields or typed problems.

:func:`validate` reads every row's cells with the parsers of :mod:`cells`, resolves the commune, applies
the offer's rules (``bot.domain.offers.check_offer``) and gives each valid row its fingerprint (see
:func:`import_key`); :func:`preview` does the same for the first rows. Pure: ``today`` is passed in,
nothing is written (ALREADY_IMPORTED is added by the import, which needs the database).
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, TypeVar

from bot.domain import offer_schema as schema
from bot.domain import offers as domain
from bot.domain.dates import DateError, parse_duration_days, parse_open_ended
from bot.domain.importing.cells import (
    POSTAL_IN_TEXT_RE,
    DateValue,
    checkbox,
    code_text,
    departement_of,
    fold,
    parse_cell_tags,
    parse_choice,
    parse_cost,
    parse_date,
    parse_int,
    parse_languages,
    tag_words,
)
from bot.domain.importing.mapping import MULTI_TARGETS, ColumnTarget, Mapping, Target
from bot.domain.importing.problems import Problem, ProblemKind, RowResult, RowStatus
from bot.domain.importing.reading import (
    MAX_CELL_CHARS,
    MAYBE_FORMULA,
    CellValue,
    Table,
    display_text,
    gc_paused,
    is_formula_like,
)
from bot.domain.validation import NumberError, TextError, clean_free_text, normalise_departement, parse_phone
from bot.geo.communes import Commune
from bot.geo.resolve import commune_label, load_resolver

KEY_VERSION: Final = "v1"
MAX_SOURCE_ID: Final = 100  # offers.source_id
_T = TypeVar("_T")

# The facts read with rules of their own below; every other fact is read by its kind (_other_facts).
PEOPLE, BEDS, BEDROOMS = schema.PEOPLE.name, schema.BEDS.name, schema.BEDROOMS.name
AVAILABLE_FROM, AVAILABLE_UNTIL, MIN_STAY = (
    schema.AVAILABLE_FROM.name, schema.AVAILABLE_UNTIL.name, schema.MIN_STAY.name,
)  # fmt: skip
COST, COST_EUR = schema.COST.name, schema.COST_EUR.name
ADDRESS, NOTES, PHONE, LANGUAGES = (
    schema.ADDRESS.name,
    schema.NOTES.name,
    schema.PHONE.name,
    schema.LANGUAGES_FACT.name,
)
_READ_APART: Final = frozenset(
    {schema.PLACE.name, PEOPLE, BEDS, BEDROOMS, AVAILABLE_FROM, AVAILABLE_UNTIL, MIN_STAY, COST, COST_EUR, ADDRESS,
     NOTES, PHONE, LANGUAGES} | {fact.name for fact in schema.FACTS if isinstance(fact, schema.Ticks)}
)  # fmt: skip


def _number_problem(error: NumberError) -> ProblemKind:
    if error is NumberError.NEGATIVE:
        return ProblemKind.NEGATIVE_NUMBER
    if error is NumberError.TOO_LARGE:
        return ProblemKind.TOO_LARGE
    return ProblemKind.NOT_A_NUMBER


# --------------------------------------------------------------------------- validation


def _scope_of(departement: str | Collection[str] | None) -> frozenset[str] | None:
    if departement is None:
        return None
    codes = [departement] if isinstance(departement, str) else list(departement)
    scope = set()
    for code in codes:
        canonical = normalise_departement(code)
        if canonical is None:
            raise ValueError(f"not a département: {code!r}")
        scope.add(canonical)
    return frozenset(scope)


@dataclass
class _Row:
    """What one row says, column by column, while it is being read."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    keep_notes: list[str] = field(default_factory=list)  # values not understood, kept as "Header: value"


def _keep_in_notes(header: str, value: CellValue, state: _Row) -> None:
    """A value the importer does not understand is not lost: it goes to the offer's notes, and is reported."""
    state.problems.append(
        Problem(ProblemKind.UNKNOWN_VALUE, header, display_text(value), {"kept_in_notes": True})
    )
    state.keep_notes.append(f"{header} : {display_text(value, 300)}")


class _Validator:
    def __init__(self, table: Table, mapping: Mapping, scope: frozenset[str] | None, today: date) -> None:
        if not mapping.fits(table):
            raise ValueError("the mapping was made for another table")
        self.table = table
        self.mapping = mapping
        self.today = today
        self.scope = scope
        self.resolver = load_resolver()
        self.communes: dict[tuple[str | None, ...], Commune | Problem] = {}
        self.columns = [
            (i, target)
            for i, target in enumerate(mapping.targets)
            if target is not None and target not in (Target.IGNORE, Target.PRIVATE)
        ]
        self.several_notes = len(mapping.columns(NOTES)) > 1
        self.headers_of: dict[ColumnTarget, str] = {}
        for column, target in reversed(self.columns):
            self.headers_of[target] = table.headers[column]
        self.dates: dict[CellValue, DateValue | DateError | None] = {}
        self.checkboxes: dict[CellValue, bool | None] = {}
        self.memos: dict[tuple[ColumnTarget, CellValue], Any] = {}

    def _memo(self, target: ColumnTarget, value: CellValue, parse: Callable[[CellValue], _T]) -> _T:
        """``parse(value)``, computed once per distinct value of a target (files repeat themselves)."""
        key = (target, value)
        if key not in self.memos:
            self.memos[key] = parse(value)
        result: _T = self.memos[key]
        return result

    def row(self, index: int) -> RowResult:
        values = self.table.rows[index]
        line = self.table.lines[index]
        state = _Row()
        cells: dict[ColumnTarget, tuple[str, CellValue]] = {}
        lists: dict[ColumnTarget, list[tuple[str, CellValue]]] = {}
        formulas = self.table.formula_cells
        for column, target in self.columns:
            value = values[column]
            header = self.table.headers[column]
            if formulas and (index, column) in formulas:
                state.problems.append(
                    Problem(ProblemKind.FORMULA_NEUTRALISED, header, display_text(value), {"kept": "result"})
                )
            if isinstance(value, str) and value[:1] in MAYBE_FORMULA and value and is_formula_like(value):
                state.problems.append(
                    Problem(ProblemKind.FORMULA_NEUTRALISED, header, display_text(value), {"kept": "nothing"})
                )
                value = None
            if value is None:
                continue
            if target in MULTI_TARGETS:
                lists.setdefault(target, []).append((header, value))
            else:
                cells[target] = (header, value)
        fields = self._fields(cells, lists, state)
        problems = tuple(state.problems)
        source_id = _source_id(cells)
        if fields is None or any(p.is_error for p in problems):
            return RowResult(index, line, None, problems, source_id=source_id)
        return RowResult(index, line, fields, problems, import_key(fields, self._key_dates(cells)), source_id)

    # ------------------------------------------------------------------ the offer's fields

    def _fields(
        self,
        cells: dict[ColumnTarget, tuple[str, CellValue]],
        lists: dict[ColumnTarget, list[tuple[str, CellValue]]],
        state: _Row,
    ) -> dict[str, Any] | None:
        fields: dict[str, Any] = {}
        self._commune(cells, fields, state)
        self._capacity(cells, fields, state)
        self._dates(cells, fields, state)
        self._tags(cells, lists, fields, state)
        self._cost(cells, fields, state)
        self._other_facts(cells, fields, state)
        self._texts(cells, lists, fields, state)  # last: the notes keep what the others did not understand
        if any(p.is_error for p in state.problems):
            return None
        for problem in domain.check_offer(fields):
            if problem is domain.OfferProblem.RENT_WITHOUT_AMOUNT:
                state.problems.append(
                    Problem(ProblemKind.RENT_WITHOUT_AMOUNT, *self._cell_of(cells, COST, Target.FREE))
                )
            elif problem is domain.OfferProblem.MIN_STAY_TOO_LONG:
                state.problems.append(Problem(ProblemKind.MIN_STAY_TOO_LONG, *self._cell_of(cells, MIN_STAY)))
            elif problem is domain.OfferProblem.END_BEFORE_START:
                state.problems.append(
                    Problem(ProblemKind.END_BEFORE_START, *self._cell_of(cells, AVAILABLE_UNTIL))
                )
            elif problem is domain.OfferProblem.BEDS_FOR_NOBODY:
                state.problems.append(Problem(ProblemKind.NO_BEDS, *self._cell_of(cells, BEDS)))
            else:  # MISSING: cannot happen, every required field gets a value or an error above
                state.problems.append(Problem(ProblemKind.CAPACITY_MISSING))
        return None if any(p.is_error for p in state.problems) else fields

    def _cell_of(
        self, cells: dict[ColumnTarget, tuple[str, CellValue]], *targets: ColumnTarget
    ) -> tuple[str | None, str | None]:
        """(header, value as text) of the first of these targets that the row fills, else the header of the
        first one mapped (an empty cell), else (None, None)."""
        for target in targets:
            if target in cells:
                header, value = cells[target]
                return header, display_text(value)
        for target in targets:
            if target in self.headers_of:
                return self.headers_of[target], None
        return None, None

    def _commune(
        self, cells: dict[ColumnTarget, tuple[str, CellValue]], fields: dict[str, Any], state: _Row
    ) -> None:
        def text(target: Target, width: int = 5) -> str | None:
            if target not in cells:
                return None
            value = cells[target][1]
            return code_text(value, width) if not isinstance(value, str) else value

        postal_text = text(Target.POSTAL_CODE)
        postal = None
        if postal_text:
            match = POSTAL_IN_TEXT_RE.search(postal_text)
            postal = match.group(1).replace(" ", "") if match else None
        departement = departement_of(cells[Target.DEPARTEMENT][1]) if Target.DEPARTEMENT in cells else None
        query = (text(Target.COMMUNE), postal, text(Target.INSEE), departement)
        found = self.communes.get(query)
        if found is None:  # a file names the same communes again and again
            found = self.communes[query] = self._find_commune(*query)
        if isinstance(found, Problem):
            column, value = self._cell_of(cells, Target.INSEE, Target.COMMUNE, Target.POSTAL_CODE)
            state.problems.append(replace(found, column=column, value=value))
            return
        fields.update(
            commune_insee=found.insee,
            commune_name=found.name,
            departement=found.departement,
            latitude=found.lat,
            longitude=found.lon,
        )

    def _find_commune(
        self, name: str | None, postal: str | None, insee: str | None, departement: str | None
    ) -> Commune | Problem:
        """The commune of a row: names must be whole (no guess from the start of a name); the row's
        département, then the scope, pick among namesakes; a commune outside the scope is a problem."""
        if not (name or postal or insee):
            return Problem(ProblemKind.COMMUNE_MISSING)
        prefer = [codes for codes in ((departement,) if departement else (), self.scope) if codes]
        found = self.resolver.resolve(
            name, insee=insee, postal_code=postal, prefer=prefer, complete_names=True
        )
        if found.commune is None and (found.approximate or not found.candidates):
            suggestions = [commune_label(c) for c in found.candidates[:3]]
            return Problem(
                ProblemKind.UNKNOWN_COMMUNE, details={"suggestions": suggestions} if suggestions else {}
            )
        commune = found.commune or found.candidates[0]
        if found.candidates and (self.scope is None or commune.departement in self.scope):
            return Problem(
                ProblemKind.AMBIGUOUS_COMMUNE,
                details={"candidates": [commune_label(c) for c in found.candidates]},
            )
        if self.scope is not None and commune.departement not in self.scope:
            return Problem(
                ProblemKind.COMMUNE_OUTSIDE_DEPARTEMENT,
                details={"commune": commune.name, "departement": commune.departement},
            )
        return commune

    def _count(
        self,
        cells: dict[ColumnTarget, tuple[str, CellValue]],
        target: ColumnTarget,
        minimum: int,
        maximum: int,
        state: _Row,
    ) -> int | None:
        if target not in cells:
            return None
        header, value = cells[target]
        parsed = parse_int(value, minimum, maximum)
        if isinstance(parsed, NumberError):
            if parsed is NumberError.TOO_SMALL:
                return 0  # a zero where at least one is needed: judged by the caller
            details = {"maximum": maximum} if parsed is NumberError.TOO_LARGE else {}
            state.problems.append(Problem(_number_problem(parsed), header, display_text(value), details))
            return None
        return parsed

    def _capacity(
        self, cells: dict[ColumnTarget, tuple[str, CellValue]], fields: dict[str, Any], state: _Row
    ) -> None:
        before = len(state.problems)
        people = self._count(cells, PEOPLE, 1, schema.MAX_PEOPLE, state)
        beds = self._count(cells, BEDS, 0, schema.MAX_PEOPLE * 2, state)
        bedrooms = self._count(cells, BEDROOMS, 0, schema.MAX_BEDROOMS, state)
        if len(state.problems) > before:
            return
        if not people and not beds:
            column, value = self._cell_of(cells, PEOPLE, BEDS)
            state.problems.append(Problem(ProblemKind.CAPACITY_MISSING, column, value))
            return
        if not people:  # the beds are the capacity the file gives
            assert beds is not None
            if beds > schema.MAX_PEOPLE:
                column, value = self._cell_of(cells, BEDS)
                state.problems.append(
                    Problem(ProblemKind.TOO_LARGE, column, value, {"maximum": schema.MAX_PEOPLE})
                )
                return
            people = beds
        fields.update(people=people, beds=beds, bedrooms=bedrooms)

    def _date(
        self, cells: dict[ColumnTarget, tuple[str, CellValue]], target: ColumnTarget
    ) -> DateValue | DateError | None:
        if target not in cells:
            return None
        value = cells[target][1]
        if target is AVAILABLE_UNTIL and isinstance(value, str) and parse_open_ended(value[:200]):
            return None
        if value not in self.dates:
            self.dates[value] = parse_date(value, self.today)
        return self.dates[value]

    def _dates(
        self, cells: dict[ColumnTarget, tuple[str, CellValue]], fields: dict[str, Any], state: _Row
    ) -> None:
        start = self._date(cells, AVAILABLE_FROM)
        end = self._date(cells, AVAILABLE_UNTIL)
        if isinstance(start, DateError) and start is not DateError.PAST:
            state.problems.append(self._date_problem(cells, AVAILABLE_FROM, start))
        if isinstance(end, DateError) and end is not DateError.PAST:
            state.problems.append(self._date_problem(cells, AVAILABLE_UNTIL, end))
        # A start in the past means "available now"; an end in the past means the offer is over.
        available_from = self.today
        if isinstance(start, DateValue):
            available_from = max(start.value, self.today)
        available_until = end.value if isinstance(end, DateValue) else None
        if end is DateError.PAST or (available_until is not None and available_until < self.today):
            state.problems.append(
                Problem(ProblemKind.AVAILABILITY_OVER, *self._cell_of(cells, AVAILABLE_UNTIL))
            )
        elif available_until is not None and available_until <= available_from:
            state.problems.append(
                Problem(ProblemKind.END_BEFORE_START, *self._cell_of(cells, AVAILABLE_UNTIL))
            )
        fields.update(available_from=available_from, available_until=available_until)
        min_stay = None
        if MIN_STAY in cells:
            header, value = cells[MIN_STAY]
            parsed: int | DateError | NumberError
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                parsed = parse_int(value, 1, 3 * 365)
            elif isinstance(value, str):
                parsed = parse_duration_days(value[:100])
            else:
                parsed = DateError.UNREADABLE
            if isinstance(parsed, (DateError, NumberError)):
                state.problems.append(Problem(ProblemKind.BAD_DURATION, header, display_text(value)))
            else:
                min_stay = parsed
        fields["min_stay_days"] = min_stay

    def _date_problem(
        self, cells: dict[ColumnTarget, tuple[str, CellValue]], target: ColumnTarget, error: DateError
    ) -> Problem:
        column, value = self._cell_of(cells, target)
        return Problem(ProblemKind.BAD_DATE, column, value, {"reason": error.value})

    def _not_understood(
        self, cells: dict[ColumnTarget, tuple[str, CellValue]], target: ColumnTarget, state: _Row
    ) -> None:
        _keep_in_notes(*cells[target], state)

    def _other_facts(
        self, cells: dict[ColumnTarget, tuple[str, CellValue]], fields: dict[str, Any], state: _Row
    ) -> None:
        """Every fact not read apart, by its kind; a fact the file does not give stays not stated (None)."""
        for fact in schema.FACTS:
            if fact.name in _READ_APART:
                continue
            value: Any = None
            if isinstance(fact, schema.YesNo):
                value = self._yes_no(cells, fact.name, state)
            elif fact.name in cells:
                cell = cells[fact.name][1]
                if isinstance(fact, schema.Choice):
                    value = self._memo(fact.name, cell, functools.partial(parse_choice, fact))
                elif isinstance(fact, schema.Count):
                    value = self._count(cells, fact.name, fact.minimum, fact.maximum, state)
                elif isinstance(fact, schema.Text):
                    value = self._clean(cells[fact.name], fact.max_length, state)
                if value is None and isinstance(fact, schema.Choice):
                    self._not_understood(cells, fact.name, state)
            fields[fact.name] = value

    def _yes_no(
        self, cells: dict[ColumnTarget, tuple[str, CellValue]], target: ColumnTarget, state: _Row
    ) -> bool | None:
        if target not in cells:
            return None
        value = cells[target][1]
        if value not in self.checkboxes:
            self.checkboxes[value] = checkbox(value)
        answer = self.checkboxes[value]
        if answer is None:
            self._not_understood(cells, target, state)
        return answer

    def _tags(
        self,
        cells: dict[ColumnTarget, tuple[str, CellValue]],
        lists: dict[ColumnTarget, list[tuple[str, CellValue]]],
        fields: dict[str, Any],
        state: _Row,
    ) -> None:
        for fact in schema.FACTS:
            if not isinstance(fact, schema.Ticks) or fact.name == LANGUAGES:
                continue
            columns = lists.get(fact.name, [])
            ticks = [option for option in fact.option_headers if option in self.headers_of]
            if not columns and not ticks:
                fields[fact.name] = None  # the file says nothing about it
                continue
            found: set[str] = set()
            for header, value in columns:
                codes, unknown = self._memo(
                    fact.name, value, functools.partial(parse_cell_tags, table=tag_words(fact))
                )
                found.update(codes)
                self._unknown_parts(header, value, unknown, state)
            found.update(option for option in ticks if self._yes_no(cells, option, state))
            fields[fact.name] = [code for code in fact.options if code in found]
        languages: list[str] = []
        for header, value in lists.get(LANGUAGES, []):
            codes, unknown = self._memo(
                LANGUAGES, value, lambda v: parse_languages(display_text(v, MAX_CELL_CHARS))
            )
            languages += [code for code in codes if code not in languages]
            self._unknown_parts(header, value, unknown, state)
        stated = LANGUAGES in self.headers_of
        fields[LANGUAGES] = [code for code in schema.LANGUAGES if code in languages] if stated else None

    @staticmethod
    def _unknown_parts(header: str, value: CellValue, unknown: list[str], state: _Row) -> None:
        if unknown and checkbox(value) is None:
            _keep_in_notes(header, value, state)

    def _cost(
        self, cells: dict[ColumnTarget, tuple[str, CellValue]], fields: dict[str, Any], state: _Row
    ) -> None:
        kind: str | None = None
        amount: Decimal | None = None
        for target in (COST, COST_EUR):
            if target not in cells:
                continue
            header, value = cells[target]
            parsed = self._memo(target, value, parse_cost)
            if isinstance(parsed, NumberError):
                details = {"maximum": schema.MAX_RENT_EUR} if parsed is NumberError.TOO_LARGE else {}
                state.problems.append(Problem(_number_problem(parsed), header, display_text(value), details))
                return
            cell_kind, cell_amount = parsed
            if cell_kind is None and cell_amount is None:
                if target == COST_EUR:
                    state.problems.append(Problem(ProblemKind.NOT_A_NUMBER, header, display_text(value)))
                    return
                self._not_understood(cells, target, state)
            kind = kind or cell_kind
            amount = amount if amount is not None else cell_amount
        free = self._yes_no(cells, Target.FREE, state)
        if kind is None and free is not None:
            kind = "free" if free else ("rent" if amount else "charges")
        if kind is None and amount:  # an amount and nothing else: what is paid is a rent
            kind = "rent"
        if kind == "free" and amount:
            kind = "rent" if free is None and COST not in cells else kind
        euros = None
        if kind not in (None, "free") and amount is not None:
            euros = int(amount.to_integral_value(ROUND_HALF_UP))
            if euros > schema.MAX_RENT_EUR:
                column, value = self._cell_of(cells, COST_EUR, COST)
                state.problems.append(
                    Problem(ProblemKind.TOO_LARGE, column, value, {"maximum": schema.MAX_RENT_EUR})
                )
                return
        fields.update(cost=kind, cost_eur=euros or None)

    def _texts(
        self,
        cells: dict[ColumnTarget, tuple[str, CellValue]],
        lists: dict[ColumnTarget, list[tuple[str, CellValue]]],
        fields: dict[str, Any],
        state: _Row,
    ) -> None:
        address = None
        if ADDRESS in cells:
            address = self._clean(cells[ADDRESS], schema.MAX_ADDRESS, state)
        fields["address"] = address
        parts = []
        for header, value in lists.get(NOTES, []):
            text = display_text(value, MAX_CELL_CHARS) if not isinstance(value, str) else value
            parts.append(f"{header} : {text}" if self.several_notes else text)
        parts += state.keep_notes
        notes = None
        if parts:
            notes_header = lists[NOTES][0][0] if lists.get(NOTES) else ""
            notes = self._clean((notes_header, "\n".join(parts)), schema.MAX_NOTES, state)
        fields["notes"] = notes
        phone = None
        if PHONE in cells:
            header, value = cells[PHONE]
            phone_text = code_text(value, 10) if not isinstance(value, str) else value
            parsed = parse_phone(phone_text) if phone_text else None
            if isinstance(parsed, str):
                phone = parsed
            else:
                state.problems.append(Problem(ProblemKind.BAD_PHONE, header, display_text(value)))
        fields["phone"] = phone

    @staticmethod
    def _clean(cell: tuple[str, CellValue], maximum: int, state: _Row) -> str | None:
        header, value = cell
        text = value if isinstance(value, str) else display_text(value, MAX_CELL_CHARS)
        if text.isascii() and text.isprintable() and text.strip() == text and any(c.isalnum() for c in text):
            cleaned: str | TextError = text  # what clean_free_text gives for such text, faster
        else:
            cleaned = clean_free_text(text, max_length=len(text) + 1)  # never TOO_LONG: cut below
        if isinstance(cleaned, TextError):
            return None
        if len(cleaned) > maximum:
            state.problems.append(
                Problem(ProblemKind.TRUNCATED, header or None, display_text(value), {"maximum": maximum})
            )
            cleaned = cleaned[: maximum - 1].rstrip() + "…"
        return cleaned

    def _key_dates(self, cells: dict[ColumnTarget, tuple[str, CellValue]]) -> tuple[str, str]:
        texts = []
        for target in (AVAILABLE_FROM, AVAILABLE_UNTIL):
            parsed = self._date(cells, target)
            if isinstance(parsed, DateValue) and parsed.explicit:
                texts.append(parsed.value.isoformat())
            elif target in cells:
                texts.append("~" + " ".join(fold(display_text(cells[target][1], 200)).split()))
            else:
                texts.append("")
        return texts[0], texts[1]


def _source_id(cells: dict[ColumnTarget, tuple[str, CellValue]]) -> str | None:
    """The row's own id in the organisation's file, as written (spaces collapsed), if the file has one."""
    if Target.SOURCE_ID not in cells:
        return None
    return display_text(cells[Target.SOURCE_ID][1], MAX_SOURCE_ID) or None


def _key_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(sorted(str(v) for v in value))
    if isinstance(value, str):
        if value.isascii():  # the same as below, faster
            return " ".join(value.lower().split())
        return " ".join(unicodedata.normalize("NFKC", value).casefold().split())
    return str(value)


_KEY_FIELDS: Final = (
    "commune_insee", "kind", "people", "beds", "bedrooms", "welcome", "min_stay_days", "step_free", "pets",
    "children", "smoking", "equipment", "transport", "languages", "cost", "cost_eur", "address", "notes", "phone",
)  # fmt: skip


def _as_first_version_read_it(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields with what the first version put for facts a file did not state (it invented them), so that
    rows imported before keep their fingerprint and are recognised when their file is imported again."""
    seen = dict(fields)
    people = seen.get("people") or 0
    if seen.get("kind") is None:
        seen["kind"] = "other_collective" if people > 10 else "room"
    if seen.get("bedrooms") is None:
        seen["bedrooms"] = 1 if seen["kind"] == "room" else 0
    if seen.get("beds") is None:
        seen["beds"] = people
    if seen.get("welcome") is None:
        seen["welcome"] = "any"
    if seen.get("children") is None:
        seen["children"] = seen["welcome"] in ("family", "any")
    defaults = {"step_free": "unknown", "pets": False, "smoking": False, "cost": "free"}
    seen.update({name: value for name, value in defaults.items() if seen.get(name) is None})
    seen.update({name: [] for name in ("equipment", "transport", "languages") if seen.get(name) is None})
    return seen


def import_key(fields: dict[str, Any], dates: tuple[str, str]) -> str:
    """The fingerprint of a valid row: SHA-256 (hex) of a canonical text of its *parsed* values.

    The same row gives the same key whatever the file type (xlsx or csv), the column order, the row
    order, the cell types (``3`` or ``"3"``, a date cell or ``15/03/2027``), the case and spacing of
    texts, and the day of the import. Contents (version ``v1``): start and end dates *as written*
    (``dates``: an explicit date is its ISO form; a relative answer such as "maintenant" is its
    folded text, so that the key does not change with the day), then :data:`_KEY_FIELDS` (texts
    case-folded, whitespace collapsed). Excluded: ignored and personal columns, the line number, the
    organisation. A corrected row (a typo fixed in the notes) is therefore a new offer; two identical
    rows in one file are one offer (the second is DUPLICATE_IN_FILE).
    """
    seen = _as_first_version_read_it(fields)
    parts = [KEY_VERSION, *dates, *(_key_text(seen.get(name)) for name in _KEY_FIELDS)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def validate(
    table: Table, mapping: Mapping, departement: str | Collection[str] | None, today: date
) -> list[RowResult]:
    """Check every data row. ``departement``: the département (or several) the importer may import
    into; communes elsewhere are COMMUNE_OUTSIDE_DEPARTEMENT (None: anywhere). ``today``: the day of
    the import in France (past start dates become today; past end dates mean the offer is over).

    Two rows with the same fingerprint, or the same id in the file: the later ones are DUPLICATE_IN_FILE.
    ALREADY_IMPORTED is added by the import (it needs the database). Raises ValueError if the mapping was
    made for other headers or a département code is wrong; never on cell contents.
    """
    validator = _Validator(table, mapping, _scope_of(departement), today)
    with gc_paused():
        results = [validator.row(i) for i in range(len(table.rows))]
    first_line: dict[str, int] = {}
    first_id: dict[str, int] = {}
    for i, result in enumerate(results):
        key = result.import_key
        if key is None or not result.ok:
            continue
        first = first_line.get(key) or (first_id.get(result.source_id) if result.source_id else None)
        if first is not None:
            results[i] = replace(
                result.with_problem(Problem(ProblemKind.DUPLICATE_IN_FILE, details={"line": first})),
                fields=None,
            )
            continue
        first_line[key] = result.line
        if result.source_id:
            first_id[result.source_id] = result.line
    return results


def preview(
    table: Table,
    mapping: Mapping,
    limit: int = 5,
    *,
    departement: str | Collection[str] | None = None,
    today: date | None = None,
) -> list[RowResult]:
    """The first ``limit`` rows checked, to show before importing (``today`` defaults to the system date)."""
    validator = _Validator(table, mapping, _scope_of(departement), today or date.today())
    return [validator.row(i) for i in range(min(limit, len(table.rows)))]


def summary(results: Iterable[RowResult]) -> dict[RowStatus, int]:
    """How many rows are valid, failed, already imported."""
    counts = dict.fromkeys(RowStatus, 0)
    for result in results:
        counts[result.status] += 1
    return counts
