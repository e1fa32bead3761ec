"""Exports for coordinators: one Excel workbook (a sheet per table) or one CSV file per table.

Built from :class:`storage.exports.ExportData` (no personal data in it), in the user's language:
sheet names, column headers and labels (kinds, statuses, outcomes) are translated; values keep their
type (integers are numbers, days are Excel dates shown the French or Ukrainian way, times are Paris
time). Each sheet has its header row frozen, an auto-filter and column widths fitted to the content.

Nothing typed by a user can become a formula: a text starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is stored as text with Excel's "quote prefix" in the workbook (shown as
typed, never evaluated), and written after an apostrophe in CSV files (which Excel would evaluate
otherwise).

CSV files are UTF-8 with a byte order mark, ``;``-separated, CRLF line ends: what French (and
Ukrainian) Excel opens correctly with a double click.

Both builders are CPU-bound (about a second for 100 000 offers): call them through
``asyncio.to_thread`` from the bot.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

from babel.dates import get_date_format
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.domain import offer_schema as schema
from bot.domain import offers as domain
from bot.domain.casework import PlacementStatus
from bot.features.alerts import kinds as alert_kinds
from bot.i18n import N_, SOURCE_LANGUAGE, Translator
from storage.exports import EXPORTED_FACTS, ExportData

PARIS: Final = ZoneInfo("Europe/Paris")
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
"""A text starting with one of these would be taken as a formula by a spreadsheet."""
SHEET_NAME_MAX: Final = 31
_SHEET_NAME_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH: Final = 8
MAX_WIDTH: Final = 60
WIDTH_SAMPLE: Final = 5_000
"""Column widths are fitted to the header and the first rows (and every row of short tables)."""

_DAY_PART: Final = re.compile(r"d{1,2}|M{1,2}|y+|[^\w']")
_ISO_DAY: Final = ("YYYY-MM-DD", "%Y-%m-%d")


def day_formats(t: Translator) -> tuple[str, str]:
    """How a day reads in the user's spreadsheets (an Excel format, a strftime format for CSV): CLDR's short
    date of their language with a four-digit year ("DD/MM/YYYY" in French, "DD.MM.YYYY" in Ukrainian); ISO for
    English, whose readers write the day and the month in either order."""
    pattern = get_date_format("short", t.locale).pattern
    parts = _DAY_PART.findall(pattern)
    if t.language == SOURCE_LANGUAGE or "".join(parts) != pattern:
        return _ISO_DAY
    excel = {"d": "DD", "M": "MM", "y": "YYYY"}
    text = {"d": "%d", "M": "%m", "y": "%Y"}
    return "".join(excel.get(p[0], p) for p in parts), "".join(text.get(p[0], p) for p in parts)


class Sheet(StrEnum):
    OFFERS = "offers"
    PLACEMENTS = "placements"
    HOUSEHOLDS = "households"
    ALERTS = "alerts"


SHEETS: Final = tuple(Sheet)
SHEET_NAMES: Final = {
    Sheet.OFFERS: N_("Offers"),
    Sheet.PLACEMENTS: N_("Placements"),
    Sheet.HOUSEHOLDS: N_("Households"),
    Sheet.ALERTS: N_("Alerts"),
}

PLACEMENT_STATUSES: Final = {
    PlacementStatus.PROPOSED: N_("Proposed"),
    PlacementStatus.ACTIVE: N_("Active"),
    PlacementStatus.ENDED: N_("Ended"),
    PlacementStatus.CANCELLED: N_("Cancelled"),
}
OUTCOMES: Final = {
    "rehoused": N_("Rehoused (next place found)"),
    "extended": N_("Stays longer elsewhere in the scheme"),
    "returned": N_("Returned home"),
    "other": N_("Other"),
    PlacementStatus.CANCELLED: N_("Proposal withdrawn"),
}
ALERT_STATUSES: Final = {
    "pending": N_("Pending"),
    "sending": N_("Being sent"),
    "queued": N_("Being sent"),
    "sent": N_("Sent"),
    "undeliverable": N_("Undeliverable"),
    "obsolete": N_("No longer relevant"),
}


class Kind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DATE = "date"
    DATETIME = "datetime"


Value = str | int | date | datetime | None


@dataclass(frozen=True)
class Column:
    header: str  # English source, marked for translation
    kind: Kind
    value: Callable[[Any, Translator], Value]


@dataclass(frozen=True)
class Table:
    name: str
    headers: list[str]
    kinds: list[Kind]
    rows: list[list[Value]]


def _label(t: Translator, labels: Mapping[Any, str], key: str | None) -> str | None:
    if key is None:
        return None
    return t._(labels[key]) if key in labels else key


def _day(moment: datetime | None) -> date | None:
    """The French calendar day of a timestamp."""
    return None if moment is None else moment.astimezone(PARIS).date()


def _paris(moment: datetime | None) -> datetime | None:
    """Paris time, without time zone (Excel has none)."""
    return None if moment is None else moment.astimezone(PARIS).replace(tzinfo=None)


def _yes_no(t: Translator, value: bool) -> str:
    return t._("Yes") if value else t._("No")


def _fact_column(fact: schema.Fact) -> Column:
    kind = (
        Kind.INTEGER
        if isinstance(fact, schema.Count)
        else Kind.DATE
        if isinstance(fact, schema.Day)
        else Kind.TEXT
    )
    return Column(fact.label, kind, lambda r, t: fact.export_value(t, r.facts[fact.name]))


OFFER_COLUMNS: Final[Sequence[Column]] = (
    Column(N_("Offer no."), Kind.INTEGER, lambda r, t: r.id),
    Column(N_("Commune"), Kind.TEXT, lambda r, t: r.commune),
    Column(N_("INSEE code"), Kind.TEXT, lambda r, t: r.insee),
    Column(N_("Département"), Kind.TEXT, lambda r, t: r.departement),
    *(_fact_column(schema.BY_NAME[name]) for name in EXPORTED_FACTS),
    Column(N_("Status"), Kind.TEXT, lambda r, t: _label(t, domain.STATUS_LABELS, r.status)),
    Column(N_("Not re-confirmed since"), Kind.DATE, lambda r, t: _day(r.stale_since)),
    Column(
        N_("Qualification"), Kind.TEXT, lambda r, t: _label(t, domain.QUALIFICATION_LABELS, r.qualification)
    ),
    Column(N_("Qualified on"), Kind.DATE, lambda r, t: _day(r.qualified_at)),
    Column(N_("Submitted on"), Kind.DATE, lambda r, t: _day(r.created_at)),
    Column(N_("Last confirmed on"), Kind.DATE, lambda r, t: _day(r.last_confirmed_at)),
    Column(N_("Managed by"), Kind.TEXT, lambda r, t: r.managed_by),
)
"""Offers: where, then every exported fact of the offer schema (empty where not stated), then their state."""

PLACEMENT_COLUMNS: Final[Sequence[Column]] = (
    Column(N_("Placement no."), Kind.INTEGER, lambda r, t: r.id),
    Column(N_("Offer no."), Kind.INTEGER, lambda r, t: r.offer_id),
    Column(N_("Household reference"), Kind.TEXT, lambda r, t: r.household),
    Column(N_("Number of people"), Kind.INTEGER, lambda r, t: r.people),
    Column(N_("Commune"), Kind.TEXT, lambda r, t: r.commune),
    Column(N_("Département"), Kind.TEXT, lambda r, t: r.departement),
    Column(N_("Household's département"), Kind.TEXT, lambda r, t: r.household_departement),
    Column(N_("Status"), Kind.TEXT, lambda r, t: _label(t, PLACEMENT_STATUSES, r.status)),
    Column(N_("Arrival"), Kind.DATE, lambda r, t: r.start),
    Column(N_("Planned end"), Kind.DATE, lambda r, t: r.planned_end),
    Column(N_("Actual end"), Kind.DATE, lambda r, t: r.actual_end),
    Column(N_("Outcome"), Kind.TEXT, lambda r, t: _label(t, OUTCOMES, r.outcome)),
    Column(N_("Days left"), Kind.INTEGER, lambda r, t: r.days_left),
    Column(N_("Recorded on"), Kind.DATE, lambda r, t: _day(r.created_at)),
)
HOUSEHOLD_COLUMNS: Final[Sequence[Column]] = (
    Column(N_("Household reference"), Kind.TEXT, lambda r, t: r.reference),
    Column(N_("Département"), Kind.TEXT, lambda r, t: r.departement),
    Column(N_("Adults"), Kind.INTEGER, lambda r, t: r.adults),
    Column(N_("Children"), Kind.INTEGER, lambda r, t: r.children),
    Column(N_("Children's ages"), Kind.TEXT, lambda r, t: ", ".join(str(age) for age in r.children_ages)),
    Column(N_("Step-free access"), Kind.TEXT, lambda r, t: _yes_no(t, r.step_free)),
    Column(N_("Pets"), Kind.TEXT, lambda r, t: _yes_no(t, r.pets)),
    Column(
        N_("Languages spoken"),
        Kind.TEXT,
        lambda r, t: ", ".join(_label(t, schema.LANGUAGES, code) or "" for code in r.languages),
    ),
    Column(N_("Recorded on"), Kind.DATE, lambda r, t: _day(r.created_at)),
    Column(
        N_("Placement"),
        Kind.TEXT,
        lambda r, t: _label(t, PLACEMENT_STATUSES, r.placement_status) or t._("Waiting for a place"),
    ),
    Column(N_("Offer no."), Kind.INTEGER, lambda r, t: r.offer_id),
)
ALERT_COLUMNS: Final[Sequence[Column]] = (
    Column(N_("Kind"), Kind.TEXT, lambda r, t: _label(t, alert_kinds.LABELS, r.kind)),
    Column(N_("Département"), Kind.TEXT, lambda r, t: r.departement),
    Column(N_("Placement no."), Kind.INTEGER, lambda r, t: r.placement_id),
    Column(N_("Offer no."), Kind.INTEGER, lambda r, t: r.offer_id),
    Column(N_("Days before the end"), Kind.INTEGER, lambda r, t: r.milestone),
    Column(N_("Due"), Kind.DATETIME, lambda r, t: _paris(r.due_at)),
    Column(N_("Sent"), Kind.DATETIME, lambda r, t: _paris(r.sent_at)),
    Column(N_("Late"), Kind.TEXT, lambda r, t: _yes_no(t, r.late)),
    Column(N_("Status"), Kind.TEXT, lambda r, t: _label(t, ALERT_STATUSES, r.status)),
    Column(N_("Attempts"), Kind.INTEGER, lambda r, t: r.attempts),
    Column(N_("Last error"), Kind.TEXT, lambda r, t: r.last_error),
)

_COLUMNS: Final = {
    Sheet.OFFERS: OFFER_COLUMNS,
    Sheet.PLACEMENTS: PLACEMENT_COLUMNS,
    Sheet.HOUSEHOLDS: HOUSEHOLD_COLUMNS,
    Sheet.ALERTS: ALERT_COLUMNS,
}


def _rows(data: ExportData, sheet: Sheet) -> Sequence[Any]:
    return {
        Sheet.OFFERS: data.offers,
        Sheet.PLACEMENTS: data.placements,
        Sheet.HOUSEHOLDS: data.households,
        Sheet.ALERTS: data.alerts,
    }[sheet]


def sheet_name(t: Translator, sheet: Sheet | str) -> str:
    """The translated name, as Excel accepts it (31 characters at most, none of ``[]:*?/\\``)."""
    name = _SHEET_NAME_FORBIDDEN.sub(" ", t._(SHEET_NAMES[Sheet(sheet)])).strip()
    return name[:SHEET_NAME_MAX].strip() or Sheet(sheet).value


def table(data: ExportData, t: Translator, sheet: Sheet | str) -> Table:
    """One sheet's translated headers and typed values (labels translated, timestamps in Paris time)."""
    sheet = Sheet(sheet)
    columns = _COLUMNS[sheet]
    rows = [[column.value(row, t) for column in columns] for row in _rows(data, sheet)]
    return Table(sheet_name(t, sheet), [t._(c.header) for c in columns], [c.kind for c in columns], rows)


def _is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def _width(text: str) -> int:
    return min(max(len(text) + 2, MIN_WIDTH), MAX_WIDTH)


def _formats(t: Translator) -> tuple[str, str]:
    day = day_formats(t)[0]
    return day, f"{day} HH:MM"


def _widths(table: Table, formats: tuple[str, str]) -> list[int]:
    widths = [_width(header) for header in table.headers]
    for index, kind in enumerate(table.kinds):
        if kind is Kind.DATE:
            widths[index] = max(widths[index], _width(formats[0]))
        elif kind is Kind.DATETIME:
            widths[index] = max(widths[index], _width(formats[1]))
    for row in table.rows[:WIDTH_SAMPLE]:
        for index, value in enumerate(row):
            if isinstance(value, str | int):
                widths[index] = max(widths[index], _width(str(value)))
    return widths


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = name[: SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def export_workbook(data: ExportData, t: Translator) -> bytes:
    """An .xlsx workbook: offers, placements, households and alerts, one sheet each."""
    return workbook_of((table(data, t, sheet) for sheet in SHEETS), t)


def workbook_of(tables: Iterable[Table], t: Translator) -> bytes:
    """An .xlsx workbook, one sheet per table (headers frozen and filtered, widths fitted, no formula)."""
    workbook = Workbook(write_only=True)  # streamed: rows are written as they come
    workbook.properties.creator = "Logement de crise"
    formats = _formats(t)
    bold = Font(bold=True)
    taken: set[str] = set()
    for content in tables:
        worksheet = workbook.create_sheet(_unique(content.name, taken))
        for index, width in enumerate(_widths(content, formats), start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        worksheet.freeze_panes = "A2"
        last = get_column_letter(len(content.headers))
        worksheet.auto_filter.ref = f"A1:{last}{len(content.rows) + 1}"
        header = []
        for text in content.headers:
            cell = WriteOnlyCell(worksheet, value=_clean(text))
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        cells = _Cells(worksheet, content.kinds, formats)
        for row in content.rows:
            worksheet.append(cells.row(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _clean(text: str) -> str:
    """Without the control characters an .xlsx file cannot hold."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


class _Cells:
    """Turns a row of values into what a write-only sheet appends: plain values, or styled cells for
    dates and for texts that look like formulas. One styled cell per column is reused from row to row
    (a write-only sheet writes each row out as soon as it is appended)."""

    def __init__(self, worksheet: Any, kinds: Sequence[Kind], formats: tuple[str, str]) -> None:
        self.dated: list[Any] = []
        self.quoted: list[Any] = []
        for kind in kinds:
            dated = WriteOnlyCell(worksheet)
            dated.number_format = formats[1] if kind is Kind.DATETIME else formats[0]
            quoted = WriteOnlyCell(worksheet)
            quoted.quotePrefix = True  # Excel keeps the text a text, even when the cell is edited
            self.dated.append(dated)
            self.quoted.append(quoted)

    def row(self, values: Sequence[Value]) -> list[Any]:
        cells: list[Any] = []
        for index, value in enumerate(values):
            if isinstance(value, str):
                text = _clean(value)
                if _is_formula_like(text):
                    cell = self.quoted[index]
                    cell.value = text
                    cell.data_type = "s"  # openpyxl would have made "=…" a formula
                    cells.append(cell)
                else:
                    cells.append(text)
            elif isinstance(value, date):  # datetimes too
                cell = self.dated[index]
                cell.value = value
                cells.append(cell)
            else:
                cells.append(value)
        return cells


def _text(value: Value, date_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(f"{date_format} %H:%M")
    if isinstance(value, date):
        return value.strftime(date_format)
    if isinstance(value, int):
        return str(value)
    return "'" + value if _is_formula_like(value) else value


def export_csv(data: ExportData, t: Translator, sheet: Sheet | str) -> bytes:
    """One table (``offers``, ``placements``, ``households`` or ``alerts``) as a CSV file."""
    content = table(data, t, sheet)
    date_format = day_formats(t)[1]
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow(content.headers)
    writer.writerows([_text(value, date_format) for value in row] for row in content.rows)
    return output.getvalue().encode("utf-8-sig")


def export_filename(data: ExportData, t: Translator, extension: str, sheet: Sheet | str | None = None) -> str:
    """For example ``logement-de-crise_44-85_2026-11-22.xlsx`` or ``…_Offres.csv``."""
    codes = data.departements
    territory = "-".join(codes) if len(codes) <= 4 else f"{len(codes)}-dep"
    parts = ["logement-de-crise", territory or "0", data.today.isoformat()]
    if sheet is not None:
        parts.append(re.sub(r"\s+", "-", sheet_name(t, sheet)))
    return "_".join(parts) + "." + extension.lstrip(".")
