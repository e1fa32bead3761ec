"""Telling people what went wrong: the English texts of refusals, problems and targets, and the
error report, an .xlsx of the rows that failed with the reason.

Texts are marked for translation and translated by the caller's ``translate``. Every text cell of the
report is written as text (formula-like ones with ``quotePrefix``), so nothing in it runs when it is opened.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Final

from bot.domain import offer_schema as schema
from bot.domain.importing.mapping import FACT_TARGETS, TICKS, ColumnTarget, Target
from bot.domain.importing.problems import NOTICES, Problem, ProblemKind, RowResult, RowStatus
from bot.domain.importing.reading import (
    ILLEGAL_CONTROL_RE,
    ImportRefusal,
    RefusalReason,
    Table,
    is_formula_like,
)
from bot.i18n import N_

_PROBLEM_TEXTS: Final[dict[ProblemKind, str]] = {
    ProblemKind.COMMUNE_MISSING: N_("No commune"),
    ProblemKind.UNKNOWN_COMMUNE: N_("Unknown commune"),
    ProblemKind.AMBIGUOUS_COMMUNE: N_("Several communes have this name: add the postal code"),
    ProblemKind.COMMUNE_OUTSIDE_DEPARTEMENT: N_("Commune outside the département"),
    ProblemKind.BAD_DATE: N_("Date not understood"),
    ProblemKind.END_BEFORE_START: N_("The end date is not after the start date"),
    ProblemKind.AVAILABILITY_OVER: N_("The end date is past"),
    ProblemKind.NEGATIVE_NUMBER: N_("Negative number"),
    ProblemKind.NOT_A_NUMBER: N_("Not a number"),
    ProblemKind.CAPACITY_MISSING: N_("No number of people or beds"),
    ProblemKind.NO_BEDS: N_("No beds"),
    ProblemKind.TOO_LARGE: N_("Number too large"),
    ProblemKind.BAD_DURATION: N_("Minimum stay not understood"),
    ProblemKind.MIN_STAY_TOO_LONG: N_("The minimum stay is longer than the availability"),
    ProblemKind.RENT_WITHOUT_AMOUNT: N_("Rent or charges without an amount"),
    ProblemKind.DUPLICATE_IN_FILE: N_("Same offer as another line"),
    ProblemKind.FORMULA_NEUTRALISED: N_("Formula not imported"),
    ProblemKind.BAD_PHONE: N_("Phone number not understood (left out)"),
    ProblemKind.UNKNOWN_VALUE: N_("Value not understood (kept in the notes)"),
    ProblemKind.TRUNCATED: N_("Text too long (shortened)"),
    ProblemKind.ALREADY_IMPORTED: N_("Already imported"),
}


_OWN_TARGET_NAMES: Final[dict[ColumnTarget, str]] = {
    Target.IGNORE: N_("Not imported"), Target.PRIVATE: N_("Host's personal data (not imported)"),
    Target.COMMUNE: N_("Commune"), Target.POSTAL_CODE: N_("Postal code"), Target.INSEE: N_("INSEE code"),
    Target.DEPARTEMENT: N_("Département"), Target.FREE: N_("Free (yes/no)"),
    Target.SOURCE_ID: N_("The row's id in your file"),
}  # fmt: skip
_TICK_NAMES: Final = {
    option: label
    for fact in schema.FACTS
    if isinstance(fact, schema.Ticks)
    for option, label in fact.options.items()
    if option in TICKS
}
TARGET_NAMES: Final[dict[ColumnTarget, str]] = {
    **_OWN_TARGET_NAMES,
    **{name: schema.BY_NAME[name].label for name in FACT_TARGETS},
    **_TICK_NAMES,
}
"""English names of the targets (translated for the bot's buttons; as they are on the command line)."""

_REFUSAL_TEXTS: Final[dict[RefusalReason, str]] = {
    RefusalReason.TOO_BIG: N_("The file is too big"),
    RefusalReason.TOO_MANY_ROWS: N_("The file has too many rows"),
    RefusalReason.TOO_MANY_COLUMNS: N_("The file has too many columns"),
    RefusalReason.TOO_MANY_CELLS: N_(
        "The sheet has too many cells, filled or not: copy the useful rows into a new file"
    ),
    RefusalReason.MACRO_WORKBOOK: N_("Workbooks with macros are not accepted: save it as .xlsx"),
    RefusalReason.OLD_OR_ENCRYPTED_WORKBOOK: N_(
        "Old (.xls) or password-protected workbook: save it as .xlsx"
    ),
    RefusalReason.CORRUPTED: N_("The file is damaged"),
    RefusalReason.NOT_A_SPREADSHEET: N_("This is not an .xlsx or .csv spreadsheet"),
    RefusalReason.EMPTY: N_("The file is empty"),
    RefusalReason.NO_HEADER: N_("The first row must hold the column names"),
    RefusalReason.NO_ROWS: N_("There is no row under the column names"),
}


DID_YOU_MEAN = N_("(did you mean {communes}?)")


def describe_refusal(refusal: ImportRefusal, translate: Callable[[str], str] = str) -> str:
    """Why a file is refused, in one sentence (`translate`: the user's translation of the English text)."""
    details = ", ".join(f"{key}: {value}" for key, value in refusal.details.items())
    return translate(_REFUSAL_TEXTS[refusal.reason]) + (f" ({details})" if details else "")


def describe_problem(problem: Problem, translate: Callable[[str], str] = str) -> str:
    """What is wrong with a cell or a row (`translate`: as for :func:`describe_refusal`)."""
    text = translate(_PROBLEM_TEXTS[problem.kind])
    if problem.kind is ProblemKind.DUPLICATE_IN_FILE and "line" in problem.details:
        text += f" ({problem.details['line']})"
    if problem.kind is ProblemKind.AMBIGUOUS_COMMUNE and problem.details.get("candidates"):
        text += ": " + ", ".join(problem.details["candidates"])
    if problem.kind is ProblemKind.UNKNOWN_COMMUNE and problem.details.get("suggestions"):
        text += " " + translate(DID_YOU_MEAN).format(communes=", ".join(problem.details["suggestions"]))
    if problem.kind is ProblemKind.COMMUNE_OUTSIDE_DEPARTEMENT and problem.details:
        text += f": {problem.details.get('commune')} ({problem.details.get('departement')})"
    if problem.column:
        text += f" — {problem.column}"
        if problem.value:
            text += f" « {problem.value} »"
    return text


def target_name(target: ColumnTarget, translate: Callable[[str], str] = str) -> str:
    return translate(TARGET_NAMES[target])


_REPORT_UNSAFE_START: Final = ("=", "+", "-", "@", "\t", "\r", "\n")
_EXCEL_MAX_CELL: Final = 32_767


def _report_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        text = ILLEGAL_CONTROL_RE.sub("", value)[:_EXCEL_MAX_CELL]
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # never a formula, whatever the text
        if text.startswith(_REPORT_UNSAFE_START) or is_formula_like(text):
            cell.quotePrefix = True
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, date):
        cell.number_format = "DD/MM/YYYY"
    return cell


def error_report(
    table: Table,
    results: Sequence[RowResult],
    describe: Callable[[Problem], str] = describe_problem,
    *,
    reason_header: str = "Motif",
    line_header: str = "Ligne",
    sheet_title: str = "Erreurs",
) -> bytes:
    """An .xlsx workbook of the rows that failed: their line number, the original columns, and the
    reasons (``describe`` of each problem, warnings included, joined by "; "). Every text is written
    as text (formula-like ones with quotePrefix): nothing runs when it is opened."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31] or "Erreurs")
    sheet.append([_report_cell(sheet, h) for h in (line_header, *table.headers, reason_header)])
    for result in results:
        if result.status is not RowStatus.FAILED:
            continue
        reasons = "; ".join(describe(problem) for problem in result.problems if problem.kind not in NOTICES)
        row = [result.line, *table.rows[result.index], reasons]
        sheet.append([_report_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
