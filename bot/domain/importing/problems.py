"""What can be wrong with a row, and the result of checking one: problem kinds, problems, row results.

Errors keep a row out of the import, warnings say what was changed in an imported row, and the notice
ALREADY_IMPORTED is added by the import itself (it needs the database). Pure data, no logic beyond it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final


class ProblemKind(StrEnum):
    """What is wrong with a row (errors: the row is not imported), what was changed in it (warnings: the
    row is imported), or that it was imported before (ALREADY_IMPORTED, set by the import).

    Details (``Problem.details``): AMBIGUOUS_COMMUNE {candidates: ["Saint-Denis (93)", …]};
    COMMUNE_OUTSIDE_DEPARTEMENT {commune, departement}; BAD_DATE {reason: unreadable, not_a_day,
    too_far}; TOO_LARGE {maximum}; DUPLICATE_IN_FILE {line}; FORMULA_NEUTRALISED {kept: "result" for
    an xlsx formula whose cached result was used, "nothing" when the text was dropped}; TRUNCATED
    {maximum}; UNKNOWN_VALUE {kept_in_notes: bool}.
    """

    # errors
    COMMUNE_MISSING = "commune_missing"
    UNKNOWN_COMMUNE = "unknown_commune"
    AMBIGUOUS_COMMUNE = "ambiguous_commune"
    COMMUNE_OUTSIDE_DEPARTEMENT = "commune_outside_departement"
    BAD_DATE = "bad_date"
    END_BEFORE_START = "end_before_start"
    AVAILABILITY_OVER = "availability_over"
    NEGATIVE_NUMBER = "negative_number"
    NOT_A_NUMBER = "not_a_number"
    CAPACITY_MISSING = "capacity_missing"
    NO_BEDS = "no_beds"
    TOO_LARGE = "too_large"
    BAD_DURATION = "bad_duration"
    MIN_STAY_TOO_LONG = "min_stay_too_long"
    RENT_WITHOUT_AMOUNT = "rent_without_amount"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    # warnings
    FORMULA_NEUTRALISED = "formula_neutralised"
    BAD_PHONE = "bad_phone"
    UNKNOWN_VALUE = "unknown_value"
    TRUNCATED = "truncated"
    # notice
    ALREADY_IMPORTED = "already_imported"


WARNINGS: Final = frozenset(
    {ProblemKind.FORMULA_NEUTRALISED, ProblemKind.BAD_PHONE, ProblemKind.UNKNOWN_VALUE, ProblemKind.TRUNCATED}
)
NOTICES: Final = frozenset({ProblemKind.ALREADY_IMPORTED})
ERRORS: Final = frozenset(ProblemKind) - WARNINGS - NOTICES


@dataclass(frozen=True)
class Problem:
    """``column`` is the header of the cell concerned (None for the row as a whole); ``value`` the cell
    as short text (see :func:`display_text`)."""

    kind: ProblemKind
    column: str | None = None
    value: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.kind in ERRORS

    @property
    def is_warning(self) -> bool:
        return self.kind in WARNINGS


class RowStatus(StrEnum):
    VALID = "valid"
    FAILED = "failed"
    ALREADY_IMPORTED = "already_imported"


@dataclass(frozen=True)
class RowResult:
    """One data row checked: ``fields`` (offer columns, as ``storage.offers.EDITABLE``) when it can be
    imported, the problems found (warnings may come with fields), its fingerprint, and its own id in the
    organisation's file when the file has one (read even when the row fails: its offer is then kept)."""

    index: int
    line: int
    fields: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()
    import_key: str | None = None
    source_id: str | None = None

    @property
    def status(self) -> RowStatus:
        if any(p.is_error for p in self.problems) or self.fields is None:
            return RowStatus.FAILED
        if any(p.kind is ProblemKind.ALREADY_IMPORTED for p in self.problems):
            return RowStatus.ALREADY_IMPORTED
        return RowStatus.VALID

    @property
    def ok(self) -> bool:
        """True when the row is to be imported."""
        return self.status is RowStatus.VALID

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.is_warning]

    def with_problem(self, problem: Problem) -> RowResult:
        return replace(self, problems=(*self.problems, problem))
