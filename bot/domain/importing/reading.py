"""Reading a spreadsheet file into a :class:`Table`, or refusing it with an :class:`ImportRefusal`.

The type is told by the content (CSV in its usual encodings and delimiters, or an .xlsx workbook); the
limits below are checked before anything big is built; formula cells and formula-like text are found here
so that the validator can neutralise them. Size (10 MB), rows (50 000) and columns (200) are bounded; a zip
declaring more than 400 MB is refused (zip bomb); macro-enabled workbooks are refused, not opened; formulas
are never evaluated (a formula cell gives the value Excel cached, or nothing) and external links are not
loaded. Pure: no database, no Telegram, never raises on file contents.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Final

from bot.domain.importing import xlsx

MAX_BYTES: Final = 10 * 1024 * 1024
MAX_ROWS: Final = 50_000
MAX_COLUMNS: Final = 200
MAX_UNCOMPRESSED_BYTES: Final = 400 * 1024 * 1024
MAX_CELLS: Final = 2_000_000
"""Cells and rows read from a sheet, empty or not (50 000 rows of 40 columns), counted as they are read."""
MAX_CELL_CHARS: Final = 5_000
"""Longer texts are cut when read (no offer field holds more than 1 000 characters)."""

CellValue = str | int | float | bool | date | None


# --------------------------------------------------------------------------- refusals


class RefusalReason(StrEnum):
    """Why a whole file is refused. Details (``ImportRefusal.details``) are given in brackets.

    TOO_BIG: more than MAX_BYTES, or a zip declaring more than MAX_UNCOMPRESSED_BYTES
    {size, limit} or {uncompressed, limit}. TOO_MANY_ROWS: more than MAX_ROWS data rows {limit}.
    TOO_MANY_COLUMNS {limit}. TOO_MANY_CELLS: a sheet holding (or pretending to hold) more than
    MAX_CELLS cells or rows, filled or not {limit}. MACRO_WORKBOOK: .xlsm/.xltm/.xlsb or a vbaProject.bin.
    OLD_OR_ENCRYPTED_WORKBOOK: an .xls (Excel 97-2003) or a password-protected workbook: save it
    as .xlsx. CORRUPTED: a damaged zip or workbook, an unreadable CSV {error}. NOT_A_SPREADSHEET
    {format: pdf, png, jpeg, gif, ods, docx, zip, html, binary…}. EMPTY: nothing in it.
    NO_HEADER: the first row is not a row of column names. NO_ROWS: column names but no data.
    """

    TOO_BIG = "too_big"
    TOO_MANY_ROWS = "too_many_rows"
    TOO_MANY_COLUMNS = "too_many_columns"
    TOO_MANY_CELLS = "too_many_cells"
    MACRO_WORKBOOK = "macro_workbook"
    OLD_OR_ENCRYPTED_WORKBOOK = "old_or_encrypted_workbook"
    CORRUPTED = "corrupted"
    NOT_A_SPREADSHEET = "not_a_spreadsheet"
    EMPTY = "empty"
    NO_HEADER = "no_header"
    NO_ROWS = "no_rows"


@dataclass(frozen=True)
class ImportRefusal:
    reason: RefusalReason
    details: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- the table


class SourceType(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


@dataclass(frozen=True)
class Table:
    """The data rows of one sheet, with its column names.

    ``rows[i]`` has exactly ``len(headers)`` values; fully empty rows are left out; ``lines[i]`` is the
    row's number in the source (1 = the first row of the sheet or CSV record), for messages and the
    report. ``formula_cells`` holds the (row index, column index) of xlsx formula cells: their value
    is the result Excel cached (never computed here), or None.
    """

    headers: tuple[str, ...]
    rows: tuple[tuple[CellValue, ...], ...]
    lines: tuple[int, ...]
    source: SourceType
    sheet: str | None = None
    formula_cells: frozenset[tuple[int, int]] = frozenset()

    def samples(self, column: int, limit: int = 3) -> list[str]:
        """The first distinct non-empty values of a column, as short display text (formula-like text
        is shown with a leading apostrophe, as a spreadsheet would)."""
        found: list[str] = []
        for row in self.rows:
            text = display_text(row[column])
            if text and text not in found:
                found.append(text)
                if len(found) >= limit:
                    break
        return found


def display_text(value: CellValue, max_chars: int = 60) -> str:
    """A cell value as short plain text: dates in ISO form, formula-like text behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = " ".join(str(value).split())
    if is_formula_like(text):
        text = "'" + text
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


MAYBE_FORMULA: Final = "=+-@ \t\r\n\u00a0"  # first characters worth a closer look
_FORMULA_CALL_RE: Final = re.compile(r"[+\-@]\s*[A-Za-z_][A-Za-z0-9_.]*\s*\(")
_DDE_RE: Final = re.compile(r"[=+\-@].*\|.*!")


def is_formula_like(text: str) -> bool:
    """True for text that a spreadsheet would run as a formula: ``=…``, ``+SUM(…``, ``-CMD(…``,
    ``@SUM(…``, DDE (``+cmd|' /C calc'!A0``). A leading minus or plus before a number (``-3``,
    ``+33 6…``) or words (``- pas d'animaux``) is not a formula."""
    stripped = text.lstrip(" \t\r\n\u00a0")
    if not stripped:
        return False
    if stripped[0] == "=":
        return len(stripped) > 1
    return stripped[0] in "+-@" and (
        _FORMULA_CALL_RE.match(stripped) is not None or _DDE_RE.match(stripped) is not None
    )


# --------------------------------------------------------------------------- reading files

_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGICS: Final = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf", "7z"),
)
_MACRO_EXTENSIONS: Final = (".xlsm", ".xltm", ".xlam", ".xlsb")
_EXCEL_ERRORS: Final = frozenset(
    {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)
ILLEGAL_CONTROL_RE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read_table(data: bytes, filename: str = "") -> Table | ImportRefusal:
    """Read an .xlsx workbook (first sheet with data; the active one first) or a CSV file.

    The type is told by the content, not by the name (the name only serves to refuse .xlsm & co.).
    CSV: delimiter ``;``, ``,`` or tab (the one that splits the header most), encoding UTF-8 (with or
    without BOM), UTF-16 with BOM (Excel's "Unicode text") or Windows-1252. Never raises.
    """
    if len(data) > MAX_BYTES:
        return ImportRefusal(RefusalReason.TOO_BIG, {"size": len(data), "limit": MAX_BYTES})
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        return ImportRefusal(RefusalReason.EMPTY)
    if filename.lower().endswith(_MACRO_EXTENSIONS):
        return ImportRefusal(RefusalReason.MACRO_WORKBOOK)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        with gc_paused():
            return _read_xlsx(data)
    if data.startswith(_OLE_MAGIC):
        return ImportRefusal(RefusalReason.OLD_OR_ENCRYPTED_WORKBOOK)
    for magic, kind in _BINARY_MAGICS:
        if data.startswith(magic):
            return ImportRefusal(RefusalReason.NOT_A_SPREADSHEET, {"format": kind})
    text = _decode(data)
    if text is None:
        return ImportRefusal(RefusalReason.NOT_A_SPREADSHEET, {"format": "binary"})
    if text.lstrip().startswith("<"):
        return ImportRefusal(RefusalReason.NOT_A_SPREADSHEET, {"format": "html"})
    with gc_paused():
        return _read_csv(text)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a big table: it would rescan the growing heap
    again and again, for nothing (rows are tuples and strings, no cycles). Re-enabled by whoever paused it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _decode(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    elif data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        controls = sum(1 for c in text[:20_000] if c < " " and c not in "\t\r\n")
        if "\x00" in text or controls > max(2, len(text[:20_000]) // 100):
            return None
        return text
    return None


def _read_csv(text: str) -> Table | ImportRefusal:
    lines = text.splitlines()
    if lines and lines[0].strip().lower().replace('"', "") in ("sep=;", "sep=,", "sep=\t"):
        text = "\n".join(lines[1:])  # Excel's hint line
        first_line = lines[1] if len(lines) > 1 else ""
    else:
        first_line = next((line for line in lines if line.strip()), "")
    delimiter = _sniff_delimiter(first_line)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        records: list[tuple[int, list[CellValue]]] = []
        for number, record in enumerate(reader, start=1):
            values: list[CellValue] = [_clean_text(value) for value in record]
            if any(value is not None for value in values):
                records.append((number, values))
                if len(records) > MAX_ROWS + 1:
                    return ImportRefusal(RefusalReason.TOO_MANY_ROWS, {"limit": MAX_ROWS})
    except csv.Error as error:
        return ImportRefusal(RefusalReason.CORRUPTED, {"error": str(error)[:200]})
    return _build_table(records, SourceType.CSV, None, set())


def _sniff_delimiter(line: str) -> str:
    best, best_count = ";", 1
    for delimiter in (";", ",", "\t"):
        try:
            count = len(next(csv.reader([line], delimiter=delimiter), []))
        except csv.Error:
            continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _clean_text(value: str) -> str | None:
    value = ILLEGAL_CONTROL_RE.sub("", value).strip()
    if not value:
        return None
    return value[:MAX_CELL_CHARS]


def _read_xlsx(data: bytes) -> Table | ImportRefusal:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, IndexError) as error:
        return ImportRefusal(RefusalReason.CORRUPTED, {"error": type(error).__name__})
    names = {info.filename for info in infos}
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return ImportRefusal(RefusalReason.MACRO_WORKBOOK)
    if any(info.flag_bits & 0x1 for info in infos):
        return ImportRefusal(RefusalReason.OLD_OR_ENCRYPTED_WORKBOOK)
    uncompressed = sum(info.file_size for info in infos)
    if uncompressed > MAX_UNCOMPRESSED_BYTES:
        return ImportRefusal(
            RefusalReason.TOO_BIG, {"uncompressed": uncompressed, "limit": MAX_UNCOMPRESSED_BYTES}
        )
    try:
        content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
        damaged = archive.testzip()  # every member, even those the reading skips: a damaged file says so
    except MemoryError:
        raise  # not damage: the reader's memory limit (bot.services.reader) refuses the file
    except Exception as error:  # any damage in the zip (bad CRC, truncated member…)
        return ImportRefusal(RefusalReason.CORRUPTED, {"error": type(error).__name__})
    if damaged is not None:
        return ImportRefusal(RefusalReason.CORRUPTED, {"error": "BadCRC"})
    if b"macroEnabled" in content_types:
        return ImportRefusal(RefusalReason.MACRO_WORKBOOK)
    if (
        b"spreadsheetml.sheet.main" not in content_types
        and b"spreadsheetml.template.main" not in content_types
    ):
        if b"opendocument.spreadsheet" in mimetype:
            kind = "ods"
        elif b"wordprocessingml" in content_types:
            kind = "docx"
        elif b"presentationml" in content_types:
            kind = "pptx"
        else:
            kind = "zip"
        return ImportRefusal(RefusalReason.NOT_A_SPREADSHEET, {"format": kind})
    try:
        return _read_workbook(archive)
    except MemoryError:
        raise
    except Exception as error:  # untrusted input: whatever the XML parser or zipfile raise means damaged
        return ImportRefusal(RefusalReason.CORRUPTED, {"error": type(error).__name__})


def _read_workbook(archive: zipfile.ZipFile) -> Table | ImportRefusal:
    """The first sheet with data, the active one first."""
    try:
        workbook = xlsx.open_workbook(archive, MAX_CELLS, MAX_CELL_CHARS)
    except xlsx.TooManyCells:
        return ImportRefusal(RefusalReason.TOO_MANY_CELLS, {"limit": MAX_CELLS})
    first: ImportRefusal | None = None
    for sheet in workbook.sheets:
        result = _read_sheet(archive, workbook, sheet)
        if isinstance(result, Table) or result.reason is not RefusalReason.EMPTY:
            return result
        first = first or result
    return first or ImportRefusal(RefusalReason.EMPTY)


def _read_sheet(
    archive: zipfile.ZipFile, workbook: xlsx.Workbook, sheet: xlsx.Sheet
) -> Table | ImportRefusal:
    records: list[tuple[int, list[CellValue]]] = []
    formulas: set[tuple[int, int]] = set()
    rows = xlsx.iter_rows(archive, workbook, sheet, max_cells=MAX_CELLS, max_columns=MAX_COLUMNS)
    try:
        for number, cells in rows:
            values: list[CellValue] = [None] * (1 + max(column for column, _, _ in cells))
            for column, value, formula in cells:
                values[column] = _cell(value)
                if formula:
                    formulas.add((number, column))
            end = _last_filled(values)
            if end:
                records.append((number, values[:end]))
                if len(records) > MAX_ROWS + 1:
                    return ImportRefusal(RefusalReason.TOO_MANY_ROWS, {"limit": MAX_ROWS})
    except xlsx.TooManyCells:
        return ImportRefusal(RefusalReason.TOO_MANY_CELLS, {"limit": MAX_CELLS})
    except xlsx.TooManyColumns:
        return ImportRefusal(RefusalReason.TOO_MANY_COLUMNS, {"limit": MAX_COLUMNS})
    return _build_table(records, SourceType.XLSX, sheet.title, formulas)


def _cell(value: Any) -> CellValue:
    if value is None:
        return None
    if isinstance(value, str):
        cleaned = _clean_text(value)
        return None if cleaned is None or cleaned in _EXCEL_ERRORS else cleaned
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (time, timedelta)):
        return str(value)
    return _clean_text(str(value))


def _build_table(
    records: list[tuple[int, list[CellValue]]],
    source: SourceType,
    sheet: str | None,
    formulas: set[tuple[int, int]],
) -> Table | ImportRefusal:
    if not records:
        return ImportRefusal(RefusalReason.EMPTY)
    header_values = records[0][1]
    width = max(_last_filled(values) for _, values in records)
    if width > MAX_COLUMNS:
        return ImportRefusal(RefusalReason.TOO_MANY_COLUMNS, {"limit": MAX_COLUMNS})
    if not _looks_like_header(header_values):
        return ImportRefusal(RefusalReason.NO_HEADER)
    data = records[1:]
    if not data:
        return ImportRefusal(RefusalReason.NO_ROWS)
    if len(data) > MAX_ROWS:
        return ImportRefusal(RefusalReason.TOO_MANY_ROWS, {"limit": MAX_ROWS})
    headers = tuple(_header_text(header_values, i) for i in range(width))
    rows = tuple(_fit(values, width) for _, values in data)
    lines = tuple(line for line, _ in data)
    index_of_line = {line: i for i, line in enumerate(lines)}
    formula_cells = frozenset(
        (index_of_line[line], column) for line, column in formulas if line in index_of_line and column < width
    )
    return Table(headers, rows, lines, source, sheet, formula_cells)


def _last_filled(values: list[CellValue]) -> int:
    for i in range(len(values) - 1, -1, -1):
        if values[i] is not None:
            return i + 1
    return 0


def _fit(values: list[CellValue], width: int) -> tuple[CellValue, ...]:
    if len(values) >= width:
        return tuple(values[:width])
    return tuple(values) + (None,) * (width - len(values))


def _looks_like_header(values: list[CellValue]) -> bool:
    filled = [value for value in values if value is not None]
    if any(isinstance(value, (date, bool)) for value in filled):
        return False
    texts = [value for value in filled if isinstance(value, str) and any(c.isalpha() for c in value)]
    return bool(texts) and 2 * len(texts) >= len(filled)


def _header_text(values: list[CellValue], index: int) -> str:
    value = values[index] if index < len(values) else None
    if value is None:
        from openpyxl.utils import get_column_letter

        return f"Colonne {get_column_letter(index + 1)}"
    return " ".join(str(value).split())[:200]
