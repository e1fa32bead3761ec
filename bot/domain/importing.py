"""Import offers from a spreadsheet (.xlsx or .csv): read the file, recognise its columns, check each row.

Pure: no database, no network, no clock (``today`` is passed in). Nothing here raises on user
input: a file is either a :class:`Table` or an :class:`ImportRefusal`, a row either offer fields or
typed :class:`Problem` s. Turning refusals and problems into sentences is the caller's job (they are
enums with details); :func:`plain_description` gives an untranslated English text for the command line.

The steps, as the bot runs them::

    table = read_table(data, filename)           # Table | ImportRefusal
    mapping = propose_mapping(table.headers)     # recognised columns; mapping.unmapped() to ask about
    mapping = mapping.with_choice(column, Target.NOTES)    # one per button press (JSON: to_json/from_json)
    results = validate(table, mapping, "44", today)        # one RowResult per data row
    # storage.imports.import_offers(session, results, ...) writes the valid rows
    report = error_report(table, results, describe)        # .xlsx of the rows that failed, with the reason

Security
--------
* Size (10 MB), rows (50 000) and columns (200) are bounded before anything big is built; a zip whose
  declared content exceeds 400 MB is refused (zip bomb). XML is parsed by openpyxl through defusedxml.
* Macro-enabled workbooks (.xlsm, .xltm, .xlsb, any ``vbaProject.bin``) are refused, not opened.
* Formulas are never evaluated: workbooks are read with ``data_only=True`` (a formula cell gives the
  value Excel cached, or nothing) and external links are not loaded. Such cells, and any text that
  would be taken as a formula by a spreadsheet (``=…``, ``+CMD(…``, ``@SUM(…``, DDE ``…|…!``), get a
  FORMULA_NEUTRALISED warning; formula-like text is dropped (the field is left empty), so a
  ``=HYPERLINK("http://…","x")`` never reaches an offer. The error report writes every text cell
  as text (``quotePrefix``), so nothing in it can run when it is opened.

Personal data
-------------
Names, e-mail addresses and other details of private hosts are recognised (Target.PRIVATE) and never
imported: the offer is managed by the importing organisation (``managed_by``), which keeps its own
file. The phone column, when there is one, is imported like the phone a host shares in the bot (seen
only by authorised caseworkers, each reveal logged).

Fingerprint
-----------
``import_key`` is the SHA-256 (hex) of a canonical text made of the row's *parsed* values, so that the
same row gives the same key whatever the file type (xlsx or csv), the column order, the row order, the
cell types (``3`` or ``"3"``, a date cell or ``15/03/2027``), the case and spacing of texts, and
the day of the import. Contents (version ``v1``): commune INSEE code, kind, people, beds,
bedrooms, welcome, start and end dates *as written* (an explicit date is its ISO form; a relative
answer such as "maintenant" is its folded text, so that the key does not change with the day),
minimum stay, step-free, pets, children, smoking, equipment, transport, languages, cost, amount,
address, notes and phone (texts case-folded, whitespace collapsed). Excluded: ignored and personal
columns, the line number, the organisation. A corrected row (a typo fixed in the notes) is therefore a
new offer; two identical rows in one file are one offer (the second is DUPLICATE_IN_FILE).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import gzip
import hashlib
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from importlib import resources
from typing import Any, Final, TypeVar

from bot.domain import offers as domain
from bot.domain.dates import DateError, latest_allowed, parse_duration_days, parse_open_ended, parse_user_date
from bot.domain.validation import (
    NumberError,
    TextError,
    clean_free_text,
    normalise_departement,
    parse_amount_eur,
    parse_count,
    parse_phone,
    parse_yes_no,
)
from bot.geo.communes import DEPARTEMENTS as DEPARTEMENT_NAMES
from bot.geo.communes import Commune, load_communes, normalize
from bot.i18n import N_

MAX_BYTES: Final = 10 * 1024 * 1024
MAX_ROWS: Final = 50_000
MAX_COLUMNS: Final = 200
MAX_UNCOMPRESSED_BYTES: Final = 400 * 1024 * 1024
MAX_CELL_CHARS: Final = 5_000
"""Longer texts are cut when read (no offer field holds more than 1 000 characters)."""
KEY_VERSION: Final = "v1"

CellValue = str | int | float | bool | date | None
_T = TypeVar("_T")


# --------------------------------------------------------------------------- refusals


class RefusalReason(StrEnum):
    """Why a whole file is refused. Details (``ImportRefusal.details``) are given in brackets.

    TOO_BIG: more than MAX_BYTES, or a zip declaring more than MAX_UNCOMPRESSED_BYTES
    {size, limit} or {uncompressed, limit}. TOO_MANY_ROWS: more than MAX_ROWS data rows {limit}.
    TOO_MANY_COLUMNS {limit}. MACRO_WORKBOOK: .xlsm/.xltm/.xlsb or a vbaProject.bin.
    OLD_OR_ENCRYPTED_WORKBOOK: an .xls (Excel 97-2003) or a password-protected workbook: save it
    as .xlsx. CORRUPTED: a damaged zip or workbook, an unreadable CSV {error}. NOT_A_SPREADSHEET
    {format: pdf, png, jpeg, gif, ods, docx, zip, html, binary…}. EMPTY: nothing in it.
    NO_HEADER: the first row is not a row of column names. NO_ROWS: column names but no data.
    """

    TOO_BIG = "too_big"
    TOO_MANY_ROWS = "too_many_rows"
    TOO_MANY_COLUMNS = "too_many_columns"
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


_MAYBE_FORMULA: Final = "=+-@ \t\r\n\u00a0"  # first characters worth a closer look
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
_ILLEGAL_CONTROL_RE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
        with _gc_paused():
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
    with _gc_paused():
        return _read_csv(text)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
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
    value = _ILLEGAL_CONTROL_RE.sub("", value).strip()
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
    except Exception as error:  # any damage in the zip (bad CRC, truncated member…)
        return ImportRefusal(RefusalReason.CORRUPTED, {"error": type(error).__name__})
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
        return _read_workbook(data, archive)
    except Exception as error:  # untrusted input: whatever openpyxl or zipfile raise means damaged
        return ImportRefusal(RefusalReason.CORRUPTED, {"error": type(error).__name__})


def _read_workbook(data: bytes, archive: zipfile.ZipFile) -> Table | ImportRefusal:
    import openpyxl  # imported here: only workbooks need it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            sheets = list(workbook.worksheets)
            active = workbook.active
            if active in sheets:
                sheets.remove(active)
                sheets.insert(0, active)
            first: Table | ImportRefusal | None = None
            for sheet in sheets:
                if not hasattr(sheet, "iter_rows"):
                    continue
                result = _read_sheet(sheet, archive)
                if isinstance(result, Table) or result.reason not in (RefusalReason.EMPTY,):
                    return result
                first = first or result
            return first or ImportRefusal(RefusalReason.EMPTY)
        finally:
            workbook.close()


def _read_sheet(sheet: Any, archive: zipfile.ZipFile) -> Table | ImportRefusal:
    declared = sheet.max_column
    bounded = declared is None or declared > MAX_COLUMNS
    rows = (
        sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        if bounded
        else sheet.iter_rows(values_only=True)
    )
    records: list[tuple[int, list[CellValue]]] = []
    for number, row in enumerate(rows, start=1):
        end = len(row)
        while end and row[end - 1] is None:  # rows padded to a wide declared dimension
            end -= 1
        if not end:
            continue
        values = [_cell(value) for value in row[:end]]
        if any(value is not None for value in values):
            records.append((number, values))
            if len(records) > MAX_ROWS + 1:
                return ImportRefusal(RefusalReason.TOO_MANY_ROWS, {"limit": MAX_ROWS})
    formulas = _formula_cells(archive, getattr(sheet, "_worksheet_path", None))
    return _build_table(records, SourceType.XLSX, str(sheet.title), formulas)


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


_FORMULA_TAG_RE: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_FORMULA_CELL_RE: Final = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br=\"\$?([A-Z]{1,3})\$?([0-9]{1,7})\"[^>]*>\s*<(?:[A-Za-z_][\w.-]*:)?f[\s>/]"
)
_CHUNK: Final = 1 << 20


def _formula_cells(archive: zipfile.ZipFile, path: str | None) -> set[tuple[int, int]]:
    """(sheet row, column index from 0) of the cells holding a formula, found by scanning the sheet's
    XML: openpyxl in data_only mode gives their cached value without saying they were formulas."""
    if not path:
        return set()
    from openpyxl.utils import column_index_from_string

    found: set[tuple[int, int]] = set()
    tail = b""
    with archive.open(path.lstrip("/")) as source:
        while chunk := source.read(_CHUNK):
            buffer = tail + chunk
            if _FORMULA_TAG_RE.search(buffer):
                for match in _FORMULA_CELL_RE.finditer(buffer):
                    found.add((int(match.group(2)), column_index_from_string(match.group(1).decode()) - 1))
            tail = buffer[-4096:]
    return found


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


# --------------------------------------------------------------------------- column mapping


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
    return normalize(header.replace("_", " "))


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
    if _checkbox(text) is not None:
        return _Shape.YES_NO
    if re.fullmatch(r"[0-9]{1,4}", text):
        return _Shape.NUMBER
    if re.fullmatch(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}.*", text):
        return _Shape.DATE
    return _Shape.TEXT


# --------------------------------------------------------------------------- problems


class ProblemKind(StrEnum):
    """What is wrong with a row (errors: the row is not imported), what was changed in it (warnings: the
    row is imported), or that it was imported before (ALREADY_IMPORTED, set by storage.imports).

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
    imported, the problems found (warnings may come with fields), and its fingerprint."""

    index: int
    line: int
    fields: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()
    import_key: str | None = None

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


# --------------------------------------------------------------------------- value parsing


def _fold(text: str) -> str:
    return header_key(text)


def _words(*groups: str) -> tuple[str, ...]:
    return tuple(normalize(word) for group in groups for word in group.split("|"))


_TRUE_WORDS: Final = frozenset(
    _words(
        "x|v|1|oui|o|yes|y|vrai|true|ok|coche|cochee|checked|accepte|acceptes|acceptee|acceptees|autorise|possible"
    )
)
_FALSE_WORDS: Final = frozenset(
    _words("0|non|n|no|faux|false|aucun|aucune|refuse|refuses|interdit|pas possible|impossible")
)
_TRUE_SYMBOLS: Final = frozenset("✓✔☑☒✅👍")
_FALSE_SYMBOLS: Final = frozenset("☐✗✘❌👎")


def _checkbox(value: CellValue) -> bool | None:
    """True/False for a checkbox or yes/no cell; None if it is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value in (0, 1) or (float(value).is_integer() and 1 < value < 100):
            return value != 0
        return None
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if stripped and all(c in _TRUE_SYMBOLS for c in stripped.replace(" ", "")):
        return True
    if stripped and all(c in _FALSE_SYMBOLS for c in stripped.replace(" ", "")):
        return False
    if stripped == "-":
        return False
    folded = _fold(stripped)
    if folded in _TRUE_WORDS:
        return True
    if folded in _FALSE_WORDS:
        return False
    return parse_yes_no(stripped[:100])


_KIND_WORDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("hotel", _words("hotel|hotels|hotellerie|residence hoteliere|motel|auberge")),
    (
        "holiday_centre",
        _words(
            "centre de vacances|centres de vacances|village vacances|village de vacances|colonie|camping|centre de loisirs|holiday centre|holiday camp|gite de groupe|maison familiale"
        ),
    ),
    ("company", _words("entreprise|locaux|bureaux|company|premises|societe")),
    (
        "other_collective",
        _words(
            "collectif|collective|foyer|chu|internat|caserne|structure|residence sociale|centre d hebergement|centre d accueil|gymnase|salle|communaute|congregation|monastere|presbytere|collective place"
        ),
    ),
    (
        "room",
        _words(
            "chambre|chambres|chez l habitant|chez moi|chez nous|room|colocation|partage|dans mon logement|dans ma maison|au domicile|domicile|chez un particulier"
        ),
    ),
    (
        "dwelling",
        _words(
            "appartement|appart|maison|logement|studio|gite|independant|independante|entier|entiere|mobil home|mobile home|chalet|dependance|duplex|villa|flat|house|dwelling|t1|t2|t3|t4|t5|f1|f2|f3|f4|f5|bungalow|residence secondaire|meuble de tourisme"
        ),
    ),
)
_KIND_CODES: Final = frozenset(domain.KINDS)


def _parse_kind(text: str) -> str | None:
    folded = _fold(text)
    if folded.replace(" ", "_") in _KIND_CODES:
        return folded.replace(" ", "_")
    padded = f" {folded} "
    for kind, words in _KIND_WORDS:
        if any(f" {word} " in padded for word in words):
            return kind
    return None


_WELCOME_WORDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "any",
        _words(
            "indifferent|indifferente|peu importe|tous|tout public|sans preference|pas de preference|any|no preference|tous publics|n importe"
        ),
    ),
    ("family", _words("famille|familles|family|families|enfant|enfants|parent|parents|mere|pere")),
    (
        "single",
        _words(
            "personne seule|seul|seule|isole|isolee|celibataire|single|une personne|1 personne|1 adulte|un adulte|une femme|un homme|femme seule|homme seul"
        ),
    ),
    (
        "adults",
        _words(
            "adultes|couple|couples|plusieurs adultes|adults|several adults|2 adultes|deux adultes|femmes|hommes"
        ),
    ),
)


def _parse_welcome(text: str) -> str | None:
    folded = _fold(text)
    if folded in domain.WELCOME:
        return folded
    padded = f" {folded} "
    for code, words in _WELCOME_WORDS:
        if any(f" {word} " in padded for word in words):
            return code
    return None


_STEP_FREE_PARTLY: Final = _words(
    "partiel|partielle|partiellement|en partie|quelques marches|une marche|marches|rdc|rez de chaussee|ascenseur|partly|partially|some steps"
)
_STEP_FREE_YES: Final = _words("plain pied|accessible|adapte|adaptee|accessible pmr|step free|wheelchair")
_STEP_FREE_UNKNOWN: Final = _words(
    "inconnu|ne sais pas|je ne sais pas|nsp|a verifier|unknown|don t know|non renseigne|nc"
)


def _parse_step_free(value: CellValue) -> str | None:
    if isinstance(value, str):
        folded = _fold(value)
        padded = f" {folded} "
        if folded in domain.STEP_FREE:
            return folded
        if folded in _STEP_FREE_UNKNOWN or folded.strip("? ") == "":
            return "unknown"
        if any(f" {word} " in padded for word in _STEP_FREE_PARTLY):
            return "partly"
        if folded.startswith(("non ", "pas ")) or folded in _FALSE_WORDS:
            return "no"
        if any(f" {word} " in padded for word in _STEP_FREE_YES):
            return "yes"
    answer = _checkbox(value)
    if answer is None:
        return None
    return "yes" if answer else "no"


_LANGUAGE_WORDS: Final[dict[str, str]] = {
    word: code
    for code, words in (
        ("uk", "ukrainien|ukrainienne|ukr|ua|uk|ukrainian|ukrainski|ukrainska|ukraine"),
        ("ru", "russe|rus|ru|russian"),
        ("en", "anglais|anglaise|ang|en|english|eng|gb"),
        ("fr", "francais|francaise|fra|fr|french"),
        ("pl", "polonais|polonaise|pol|pl|polish"),
        ("de", "allemand|allemande|all|de|german|deutsch"),
        ("es", "espagnol|espagnole|esp|es|spanish|espanol"),
        ("it", "italien|italienne|ita|it|italian|italiano"),
    )
    for word in _words(words)
}
_LIST_SPLIT_RE: Final = re.compile(r"[,;/+&\n|]|\bet\b|\band\b|\bou\b|\bor\b| - ")
_PARENTHESES_RE: Final = re.compile(r"\([^)]*\)")


def _split_list(text: str) -> list[str]:
    text = _PARENTHESES_RE.sub(" ", text)
    return [part.strip() for part in _LIST_SPLIT_RE.split(text.lower()) if part.strip()]


def _parse_languages(text: str) -> tuple[list[str], list[str]]:
    """(language codes, parts not understood)."""
    codes: list[str] = []
    unknown: list[str] = []
    for part in _split_list(text):
        folded = _fold(part)
        code = _LANGUAGE_WORDS.get(folded)
        if code is None:  # "anglais courant", "un peu d'anglais": a known language word inside
            code = next(
                (_LANGUAGE_WORDS[w] for w in folded.split() if len(w) > 3 and w in _LANGUAGE_WORDS), None
            )
        if code is None:
            if folded:
                unknown.append(part)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


_EQUIPMENT_WORDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("furnished", _words("meuble|meublee|meubles|mobilier|furnished|furniture")),
    ("kitchen", _words("cuisine|kitchenette|kitchen|coin cuisine")),
    ("bathroom", _words("salle de bain|salle de bains|salle d eau|sdb|douche|bathroom|shower")),
    ("internet", _words("internet|wifi|wi fi|fibre|box|adsl")),
    ("washing_machine", _words("lave linge|machine a laver|washing machine|laverie|lave-linge")),
)
_TRANSPORT_WORDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "public_transport",
        _words(
            "transport|transports|transports en commun|bus|tram|tramway|metro|gare|train|ter|rer|navette|public transport"
        ),
    ),
    ("shops", _words("commerce|commerces|magasin|magasins|supermarche|epicerie|shops|shop")),
    ("parking", _words("parking|stationnement|garage|place de parking")),
    ("car_needed", _words("voiture|vehicule|voiture indispensable|vehicule indispensable|car|car needed")),
)


def _parse_tags(text: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[list[str], list[str]]:
    found: list[str] = []
    unknown: list[str] = []
    for part in _split_list(text):
        padded = f" {_fold(part)} "
        codes = [code for code, words in table if any(f" {word} " in padded for word in words)]
        if not codes and padded.strip():
            unknown.append(part)
        found.extend(code for code in codes if code not in found)
    return found, unknown


def _parse_cell_tags(
    value: CellValue, table: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[list[str], list[str]]:
    return _parse_tags(display_text(value, MAX_CELL_CHARS), table)


_COST_FREE: Final = _words(
    "gratuit|gratuite|gratis|free|aucun|aucune|rien|pas de loyer|sans loyer|benevole|0"
)
_COST_CHARGES: Final = _words("charges|participation|contribution|participation aux charges|frais")
_COST_RENT: Final = _words("loyer|payant|payante|location|rent|loue|a louer|mensuel")
_AMOUNT_IN_TEXT_RE: Final = re.compile(r"-?\s*[0-9][0-9 .,']*")


def _parse_cost(value: CellValue) -> tuple[str | None, Decimal | None] | NumberError:
    """(cost kind or None, amount or None); NumberError when an amount is there but wrong."""
    if isinstance(value, bool):
        return ("free", None) if value else (None, None)
    if isinstance(value, (int, float)):
        if value < 0:
            return NumberError.NEGATIVE
        if not math.isfinite(value) or value > domain.MAX_RENT_EUR * 100:
            return NumberError.TOO_LARGE
        return None, Decimal(str(value))
    if not isinstance(value, str):
        return None, None
    padded = f" {_fold(value)} "
    kind: str | None = None
    if any(f" {word} " in padded for word in _COST_CHARGES):
        kind = "charges"
    elif any(f" {word} " in padded for word in _COST_RENT):
        kind = "rent"
    elif any(f" {word} " in padded for word in _COST_FREE):
        kind = "free"
    numbers = [n.strip() for n in _AMOUNT_IN_TEXT_RE.findall(value) if any(c.isdigit() for c in n)]
    if not numbers:
        if kind is None:
            amount = parse_amount_eur(value[:100])  # "gratuit" is 0
            if isinstance(amount, Decimal):
                return None, amount
        return kind, None
    if len(numbers) > 1:
        return NumberError.NOT_A_NUMBER
    number = numbers[0].replace(" ", "") if numbers[0].startswith("-") else numbers[0]
    amount = parse_amount_eur(number[:100])
    if isinstance(amount, NumberError):
        return amount
    return kind, amount


_ISO_DATE_RE: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_FULL_DATE_RE: Final = re.compile(
    r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})(?:\s*(?:a|à|-)?\s*[0-9]{1,2}[:h][0-9]{2}(?::[0-9]{2})?)?"
)
_EXCEL_EPOCH: Final = date(1899, 12, 30)
_FIRST_PLAUSIBLE: Final = date(2000, 1, 1)


@dataclass(frozen=True)
class _DateValue:
    value: date
    explicit: bool  # a calendar date as written (not "maintenant", not "15/03" without a year)


def _parse_date(value: CellValue, today: date) -> _DateValue | DateError | None:
    """A date cell, an Excel serial number, ISO or dd/mm/yyyy text (any past year), or what
    :func:`parse_user_date` reads. None when empty."""
    explicit: date | None = None
    if isinstance(value, bool):
        return DateError.UNREADABLE
    if isinstance(value, date):
        explicit = value
    elif isinstance(value, (int, float)):
        if not (25_000 <= value <= 80_000):
            return DateError.UNREADABLE
        explicit = _EXCEL_EPOCH + timedelta(days=int(value))
    elif isinstance(value, str):
        text = value.strip()
        match = _ISO_DATE_RE.fullmatch(text) or _FULL_DATE_RE.fullmatch(text)
        if match is not None:
            a, b, c = (int(g) for g in match.groups()[:3])
            year, month, day = (a, b, c) if match.re is _ISO_DATE_RE else (c, b, a)
            try:
                explicit = date(year, month, day)
            except ValueError:
                return DateError.NOT_A_DAY
        else:
            parsed = parse_user_date(text[:100], today)
            if isinstance(parsed, DateError):
                return parsed
            return _DateValue(parsed, False)
    else:
        return None
    if explicit > latest_allowed(today):
        return DateError.TOO_FAR
    if explicit < _FIRST_PLAUSIBLE:
        return DateError.PAST
    return _DateValue(explicit, True)


def _parse_int(value: CellValue, minimum: int, maximum: int) -> int | NumberError:
    if isinstance(value, bool):
        return NumberError.NOT_A_NUMBER
    if isinstance(value, float):
        if not value.is_integer():
            return NumberError.NEGATIVE if value < 0 else NumberError.NOT_WHOLE
        value = int(value)
    if isinstance(value, int):
        if value < 0:
            return NumberError.NEGATIVE
        if value > maximum:
            return NumberError.TOO_LARGE
        if value < minimum:
            return NumberError.TOO_SMALL
        return value
    if isinstance(value, date):
        return NumberError.NOT_A_NUMBER
    return parse_count(str(value)[:100], minimum, maximum)


def _number_problem(error: NumberError) -> ProblemKind:
    if error is NumberError.NEGATIVE:
        return ProblemKind.NEGATIVE_NUMBER
    if error is NumberError.TOO_LARGE:
        return ProblemKind.TOO_LARGE
    return ProblemKind.NOT_A_NUMBER


# --------------------------------------------------------------------------- communes

# 5 digits, or 4 when a spreadsheet dropped the leading zero ("1053 - Bourg-en-Bresse"); checked against the name.
_INSEE_IN_TEXT_RE: Final = re.compile(r"(?<![0-9A-Za-z])([0-9]{4,5}|2[ABab][0-9]{3})(?![0-9])")
_POSTAL_IN_TEXT_RE: Final = re.compile(r"(?<![0-9])([0-9]{2}\s?[0-9]{3})(?![0-9])")
_TRAILING_PLACE_RE: Final = re.compile(r"\s*(\([^()]*\)?|,[^,]*)\s*$")
_DEPARTEMENT_BY_NAME: Final = {normalize(name): code for code, name in DEPARTEMENT_NAMES.items()}


def _code_text(value: CellValue, width: int = 5) -> str | None:
    """Digits of a code cell: ``1004`` (leading zero lost by a spreadsheet) → ``"01004"``."""
    if isinstance(value, bool) or value is None or isinstance(value, date):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, int):
        return str(value).zfill(width) if 0 < value < 10**width else None
    return str(value)


def _departement_of(value: CellValue) -> str | None:
    text = _code_text(value, 2)
    if text is None:
        return None
    text = text.strip()
    first = re.split(r"[\s\-–—:(,]+", text, maxsplit=1)[0]
    code = normalise_departement(first[:5]) if first else None
    if code is not None:
        return code
    folded = normalize(_PARENTHESES_RE.sub(" ", text))
    return _DEPARTEMENT_BY_NAME.get(folded)


@dataclass(frozen=True)
class _CommuneQuery:
    name: str | None
    postal: str | None
    insee: str | None
    departement: str | None


def _name_key(name: str) -> str:
    """A commune name folded and squashed, without its article: "Les Sables-d'Olonne" → "sablesdolonne"."""
    words = normalize(name).split()
    if len(words) > 1 and words[0] in ("le", "la", "les", "l"):
        words = words[1:]
    return "".join(words)


@functools.cache
def _former_names() -> dict[str, tuple[str, ...]]:
    """Names of former communes (merged into a current one) → INSEE codes of the current ones, read
    from the packaged communes table (2022 forms may still name them)."""
    raw = resources.files("bot.geo").joinpath("communes.tsv.gz").read_bytes()
    header, _, body = gzip.decompress(raw).decode("utf-8").partition("\n")
    columns = header.split("\t")
    insee_at, aliases_at = columns.index("insee"), columns.index("aliases")
    table: dict[str, tuple[str, ...]] = {}
    for line in body.splitlines():
        values = line.split("\t")
        if len(values) > aliases_at and values[aliases_at]:
            for alias in values[aliases_at].split("|"):
                key = _name_key(alias)
                table[key] = (*table.get(key, ()), values[insee_at])
    return table


_HINT_TOKEN_RE: Final = re.compile(r"[0-9]{1,5}|2[ABab]")


def _split_place(text: str) -> tuple[str | None, str | None, str | None]:
    """(name, postal code, département) from "Nantes", "44000 Nantes", "Saint-Denis (93)", "Nantes, 44"."""
    postal: str | None = None
    departement: str | None = None
    match = _TRAILING_PLACE_RE.search(text)
    if match is not None and match.start() > 0:
        hint = match.group(1).strip(" (),")
        text = text[: match.start()]
        if re.fullmatch(r"[0-9]{5}", hint.replace(" ", "")):
            postal = hint.replace(" ", "")
        else:
            departement = _departement_of(hint)
    tokens = text.replace("\u00a0", " ").split()
    for position in (-1, 0, -1, 0):
        if len(tokens) > 1 and _HINT_TOKEN_RE.fullmatch(tokens[position]):
            token = tokens.pop(position)
            if len(token) >= 4:
                postal = postal or token.zfill(5)
            else:
                departement = departement or normalise_departement(token)
    name = " ".join(tokens).strip(" -\u2013\u2014:,;()")
    if name.replace(" ", "").isdigit():
        if len(name.replace(" ", "")) == 5:
            postal = postal or name.replace(" ", "")
        return None, postal, departement
    return name or None, postal, departement


class _CommuneResolver:
    """Finds the commune of a row; results are cached (a file names the same communes again and again).

    A name must be a commune's name (or a former commune's name) exactly, up to case, accents,
    hyphens, "St"/"Saint" and the article: a mere prefix ("Nant") is an unknown commune. A postal
    code, a département (column, or in the text: "Saint-Denis (93)") narrow namesakes down unless
    they contradict every candidate (then they are taken as typos). An INSEE code wins when the
    name, if any, agrees with it.
    """

    def __init__(self, scope: frozenset[str] | None) -> None:
        self.index = load_communes()
        self.scope = scope
        self.cache: dict[_CommuneQuery, Commune | Problem] = {}

    def resolve(self, query: _CommuneQuery) -> Commune | Problem:
        found = self.cache.get(query)
        if found is None:
            found = self._resolve(query)
            self.cache[query] = found
        return found

    def _resolve(self, query: _CommuneQuery) -> Commune | Problem:
        text = query.name
        codes: list[str] = []
        if query.insee:
            codes += [m.upper().zfill(5) for m in _INSEE_IN_TEXT_RE.findall(query.insee)]
            rest = _INSEE_IN_TEXT_RE.sub(" ", query.insee).strip(" -\u2013\u2014:,;()")
            if not text and any(c.isalpha() for c in rest):
                text = rest
        name, postal, departement = (None, None, None)
        if text:
            codes += [
                m.upper().zfill(5) for m in _INSEE_IN_TEXT_RE.findall(text) if m.upper().zfill(5) not in codes
            ]
            name, postal, departement = _split_place(text)
        postal = query.postal or postal
        departement = query.departement or departement
        key = _name_key(name) if name else ""
        for code in codes:
            commune = self.index.by_insee(code)
            if commune is not None and (not key or self._is_named(commune, key)):
                return self._in_scope(commune)
        if key:
            candidates = self._by_name(name or "", key)
        elif postal:
            candidates = self.index.by_postal_code(postal)
        elif codes or text:
            candidates = []
        else:
            return Problem(ProblemKind.COMMUNE_MISSING)
        if postal:
            candidates = self._narrow(candidates, lambda c: postal in c.postal_codes)
        if departement:
            candidates = self._narrow(candidates, lambda c: c.departement == departement)
        if not candidates:
            return Problem(ProblemKind.UNKNOWN_COMMUNE)
        in_scope = (
            candidates if self.scope is None else [c for c in candidates if c.departement in self.scope]
        )
        if not in_scope:
            return self._in_scope(candidates[0])
        if len(in_scope) > 1:
            return Problem(
                ProblemKind.AMBIGUOUS_COMMUNE,
                details={"candidates": [f"{c.name} ({c.departement})" for c in in_scope[:8]]},
            )
        return in_scope[0]

    def _in_scope(self, commune: Commune) -> Commune | Problem:
        if self.scope is not None and commune.departement not in self.scope:
            return Problem(
                ProblemKind.COMMUNE_OUTSIDE_DEPARTEMENT,
                details={"commune": commune.name, "departement": commune.departement},
            )
        return commune

    @staticmethod
    def _narrow(candidates: list[Commune], keep: Callable[[Commune], bool]) -> list[Commune]:
        """Only the candidates that agree, unless none does (then the hint is taken as a typo)."""
        kept = [c for c in candidates if keep(c)]
        return kept or candidates

    @staticmethod
    def _is_named(commune: Commune, key: str) -> bool:
        return _name_key(commune.name) == key or commune.insee in _former_names().get(key, ())

    def _by_name(self, name: str, key: str) -> list[Commune]:
        """Communes named exactly so (now or formerly), most populated first."""
        found = [c for c in self.index.search(name[:100], limit=60) if _name_key(c.name) == key]
        for code in _former_names().get(key, ()):
            commune = self.index.by_insee(code)
            if commune is not None and commune not in found:
                found.append(commune)
        return found


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


class _Validator:
    def __init__(self, table: Table, mapping: Mapping, scope: frozenset[str] | None, today: date) -> None:
        if not mapping.fits(table):
            raise ValueError("the mapping was made for another table")
        self.table = table
        self.mapping = mapping
        self.today = today
        self.communes = _CommuneResolver(scope)
        self.columns = [
            (i, target)
            for i, target in enumerate(mapping.targets)
            if target is not None and target not in (Target.IGNORE, Target.PRIVATE)
        ]
        self.several_notes = len(mapping.columns(Target.NOTES)) > 1
        self.headers_of: dict[Target, str] = {}
        for column, target in reversed(self.columns):
            self.headers_of[target] = table.headers[column]
        self.dates: dict[CellValue, _DateValue | DateError | None] = {}
        self.checkboxes: dict[CellValue, bool | None] = {}
        self.memos: dict[tuple[Target, CellValue], Any] = {}

    def _memo(self, target: Target, value: CellValue, parse: Callable[[CellValue], _T]) -> _T:
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
        cells: dict[Target, tuple[str, CellValue]] = {}
        lists: dict[Target, list[tuple[str, CellValue]]] = {}
        formulas = self.table.formula_cells
        for column, target in self.columns:
            value = values[column]
            header = self.table.headers[column]
            if formulas and (index, column) in formulas:
                state.problems.append(
                    Problem(ProblemKind.FORMULA_NEUTRALISED, header, display_text(value), {"kept": "result"})
                )
            if isinstance(value, str) and value[:1] in _MAYBE_FORMULA and value and is_formula_like(value):
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
        if fields is None or any(p.is_error for p in problems):
            return RowResult(index, line, None, problems)
        return RowResult(index, line, fields, problems, _import_key(fields, self._key_dates(cells)))

    # ------------------------------------------------------------------ the offer's fields

    def _fields(
        self,
        cells: dict[Target, tuple[str, CellValue]],
        lists: dict[Target, list[tuple[str, CellValue]]],
        state: _Row,
    ) -> dict[str, Any] | None:
        fields: dict[str, Any] = {}
        self._commune(cells, fields, state)
        self._capacity(cells, fields, state)
        self._dates(cells, fields, state)
        self._choices(cells, fields, state)
        self._tags(cells, lists, fields, state)
        self._cost(cells, fields, state)
        self._texts(cells, lists, fields, state)
        if any(p.is_error for p in state.problems):
            return None
        for problem in domain.check_offer(fields):
            if problem is domain.OfferProblem.RENT_WITHOUT_AMOUNT:
                state.problems.append(
                    Problem(ProblemKind.RENT_WITHOUT_AMOUNT, *self._cell_of(cells, Target.COST, Target.FREE))
                )
            elif problem is domain.OfferProblem.MIN_STAY_TOO_LONG:
                state.problems.append(
                    Problem(ProblemKind.MIN_STAY_TOO_LONG, *self._cell_of(cells, Target.MIN_STAY))
                )
            elif problem is domain.OfferProblem.END_BEFORE_START:
                state.problems.append(
                    Problem(ProblemKind.END_BEFORE_START, *self._cell_of(cells, Target.AVAILABLE_UNTIL))
                )
            elif problem is domain.OfferProblem.BEDS_FOR_NOBODY:
                state.problems.append(Problem(ProblemKind.NO_BEDS, *self._cell_of(cells, Target.BEDS)))
            else:  # MISSING: cannot happen, every required field gets a value or an error above
                state.problems.append(Problem(ProblemKind.CAPACITY_MISSING))
        return None if any(p.is_error for p in state.problems) else fields

    def _cell_of(
        self, cells: dict[Target, tuple[str, CellValue]], *targets: Target
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
        self, cells: dict[Target, tuple[str, CellValue]], fields: dict[str, Any], state: _Row
    ) -> None:
        def text(target: Target, width: int = 5) -> str | None:
            if target not in cells:
                return None
            value = cells[target][1]
            return _code_text(value, width) if not isinstance(value, str) else value

        postal_text = text(Target.POSTAL_CODE)
        postal = None
        if postal_text:
            match = _POSTAL_IN_TEXT_RE.search(postal_text)
            postal = match.group(1).replace(" ", "") if match else None
        departement = _departement_of(cells[Target.DEPARTEMENT][1]) if Target.DEPARTEMENT in cells else None
        query = _CommuneQuery(
            name=text(Target.COMMUNE), postal=postal, insee=text(Target.INSEE), departement=departement
        )
        found = self.communes.resolve(query)
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

    def _count(
        self,
        cells: dict[Target, tuple[str, CellValue]],
        target: Target,
        minimum: int,
        maximum: int,
        state: _Row,
    ) -> int | None:
        if target not in cells:
            return None
        header, value = cells[target]
        parsed = _parse_int(value, minimum, maximum)
        if isinstance(parsed, NumberError):
            if parsed is NumberError.TOO_SMALL:
                return 0  # a zero where at least one is needed: judged by the caller
            details = {"maximum": maximum} if parsed is NumberError.TOO_LARGE else {}
            state.problems.append(Problem(_number_problem(parsed), header, display_text(value), details))
            return None
        return parsed

    def _capacity(
        self, cells: dict[Target, tuple[str, CellValue]], fields: dict[str, Any], state: _Row
    ) -> None:
        before = len(state.problems)
        people = self._count(cells, Target.PEOPLE, 1, domain.MAX_PEOPLE, state)
        beds = self._count(cells, Target.BEDS, 0, domain.MAX_PEOPLE * 2, state)
        bedrooms = self._count(cells, Target.BEDROOMS, 0, domain.MAX_BEDROOMS, state)
        if len(state.problems) > before:
            return
        if not people and not beds:
            column, value = self._cell_of(cells, Target.PEOPLE, Target.BEDS)
            state.problems.append(Problem(ProblemKind.CAPACITY_MISSING, column, value))
            return
        if not people:
            assert beds is not None
            if beds > domain.MAX_PEOPLE:
                column, value = self._cell_of(cells, Target.BEDS)
                state.problems.append(
                    Problem(ProblemKind.TOO_LARGE, column, value, {"maximum": domain.MAX_PEOPLE})
                )
                return
            people = beds
        if beds is None:
            beds = people
        fields.update(people=people, beds=beds, bedrooms=bedrooms)

    def _date(
        self, cells: dict[Target, tuple[str, CellValue]], target: Target
    ) -> _DateValue | DateError | None:
        if target not in cells:
            return None
        value = cells[target][1]
        if target is Target.AVAILABLE_UNTIL and isinstance(value, str) and parse_open_ended(value[:200]):
            return None
        if value not in self.dates:
            self.dates[value] = _parse_date(value, self.today)
        return self.dates[value]

    def _dates(self, cells: dict[Target, tuple[str, CellValue]], fields: dict[str, Any], state: _Row) -> None:
        start = self._date(cells, Target.AVAILABLE_FROM)
        end = self._date(cells, Target.AVAILABLE_UNTIL)
        if isinstance(start, DateError) and start is not DateError.PAST:
            state.problems.append(self._date_problem(cells, Target.AVAILABLE_FROM, start))
        if isinstance(end, DateError) and end is not DateError.PAST:
            state.problems.append(self._date_problem(cells, Target.AVAILABLE_UNTIL, end))
        # A start in the past means "available now"; an end in the past means the offer is over.
        available_from = self.today
        if isinstance(start, _DateValue):
            available_from = max(start.value, self.today)
        available_until = end.value if isinstance(end, _DateValue) else None
        if end is DateError.PAST or (available_until is not None and available_until < self.today):
            state.problems.append(
                Problem(ProblemKind.AVAILABILITY_OVER, *self._cell_of(cells, Target.AVAILABLE_UNTIL))
            )
        elif available_until is not None and available_until <= available_from:
            state.problems.append(
                Problem(ProblemKind.END_BEFORE_START, *self._cell_of(cells, Target.AVAILABLE_UNTIL))
            )
        fields.update(available_from=available_from, available_until=available_until)
        min_stay = None
        if Target.MIN_STAY in cells:
            header, value = cells[Target.MIN_STAY]
            parsed: int | DateError | NumberError
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                parsed = _parse_int(value, 1, 3 * 365)
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
        self, cells: dict[Target, tuple[str, CellValue]], target: Target, error: DateError
    ) -> Problem:
        column, value = self._cell_of(cells, target)
        return Problem(ProblemKind.BAD_DATE, column, value, {"reason": error.value})

    def _not_understood(
        self, cells: dict[Target, tuple[str, CellValue]], target: Target, state: _Row
    ) -> None:
        header, value = cells[target]
        state.problems.append(
            Problem(ProblemKind.UNKNOWN_VALUE, header, display_text(value), {"kept_in_notes": True})
        )
        state.keep_notes.append(f"{header} : {display_text(value, 300)}")

    def _choices(
        self, cells: dict[Target, tuple[str, CellValue]], fields: dict[str, Any], state: _Row
    ) -> None:
        kind = None
        if Target.KIND in cells:
            kind = self._memo(Target.KIND, cells[Target.KIND][1], lambda v: _parse_kind(str(v)))
            if kind is None:
                self._not_understood(cells, Target.KIND, state)
        if kind is None:  # a private host's room, unless the capacity says "collective"
            kind = "other_collective" if (fields.get("people") or 0) > 10 else "room"
        fields["kind"] = kind
        if fields.get("bedrooms") is None:
            fields["bedrooms"] = 1 if kind == "room" else 0
        welcome = None
        if Target.WELCOME in cells:
            welcome = self._memo(Target.WELCOME, cells[Target.WELCOME][1], lambda v: _parse_welcome(str(v)))
            if welcome is None:
                self._not_understood(cells, Target.WELCOME, state)
        fields["welcome"] = welcome or "any"
        step_free = None
        if Target.STEP_FREE in cells:
            step_free = self._memo(Target.STEP_FREE, cells[Target.STEP_FREE][1], _parse_step_free)
            if step_free is None:
                self._not_understood(cells, Target.STEP_FREE, state)
        fields["step_free"] = step_free or "unknown"
        for target, default in ((Target.PETS, False), (Target.SMOKING, False), (Target.CHILDREN, None)):
            answer = self._yes_no(cells, target, state)
            if answer is None:
                # Children: welcome unless the offer is for adults only.
                answer = fields["welcome"] in ("family", "any") if default is None else default
            fields[target.value] = answer

    def _yes_no(self, cells: dict[Target, tuple[str, CellValue]], target: Target, state: _Row) -> bool | None:
        if target not in cells:
            return None
        value = cells[target][1]
        if value not in self.checkboxes:
            self.checkboxes[value] = _checkbox(value)
        answer = self.checkboxes[value]
        if answer is None:
            self._not_understood(cells, target, state)
        return answer

    def _tags(
        self,
        cells: dict[Target, tuple[str, CellValue]],
        lists: dict[Target, list[tuple[str, CellValue]]],
        fields: dict[str, Any],
        state: _Row,
    ) -> None:
        for list_target, ticks, words, name, order in (
            (Target.EQUIPMENT, EQUIPMENT_TARGETS, _EQUIPMENT_WORDS, "equipment", list(domain.EQUIPMENT)),
            (Target.TRANSPORT, TRANSPORT_TARGETS, _TRANSPORT_WORDS, "transport", list(domain.TRANSPORT)),
        ):
            found: set[str] = set()
            for header, value in lists.get(list_target, []):
                codes, unknown = self._memo(
                    list_target, value, functools.partial(_parse_cell_tags, table=words)
                )
                found.update(codes)
                self._unknown_parts(header, value, unknown, state)
            for target, code in ticks.items():
                if self._yes_no(cells, target, state):
                    found.add(code)
            fields[name] = [code for code in order if code in found]
        languages: list[str] = []
        for header, value in lists.get(Target.LANGUAGES, []):
            codes, unknown = self._memo(
                Target.LANGUAGES, value, lambda v: _parse_languages(display_text(v, MAX_CELL_CHARS))
            )
            languages += [code for code in codes if code not in languages]
            self._unknown_parts(header, value, unknown, state)
        fields["languages"] = [code for code in domain.LANGUAGES if code in languages]

    @staticmethod
    def _unknown_parts(header: str, value: CellValue, unknown: list[str], state: _Row) -> None:
        if unknown and _checkbox(value) is None:
            state.problems.append(
                Problem(ProblemKind.UNKNOWN_VALUE, header, display_text(value), {"kept_in_notes": True})
            )
            state.keep_notes.append(f"{header} : {display_text(value, 300)}")

    def _cost(self, cells: dict[Target, tuple[str, CellValue]], fields: dict[str, Any], state: _Row) -> None:
        kind: str | None = None
        amount: Decimal | None = None
        for target in (Target.COST, Target.COST_EUR):
            if target not in cells:
                continue
            header, value = cells[target]
            parsed = self._memo(target, value, _parse_cost)
            if isinstance(parsed, NumberError):
                details = {"maximum": domain.MAX_RENT_EUR} if parsed is NumberError.TOO_LARGE else {}
                state.problems.append(Problem(_number_problem(parsed), header, display_text(value), details))
                return
            cell_kind, cell_amount = parsed
            if cell_kind is None and cell_amount is None:
                if target is Target.COST_EUR:
                    state.problems.append(Problem(ProblemKind.NOT_A_NUMBER, header, display_text(value)))
                    return
                self._not_understood(cells, target, state)
            kind = kind or cell_kind
            amount = amount if amount is not None else cell_amount
        free = self._yes_no(cells, Target.FREE, state)
        if kind is None and free is not None:
            kind = "free" if free else ("rent" if amount else "charges")
        if kind is None:
            kind = "rent" if amount else "free"
        if kind == "free" and amount:
            kind = "rent" if free is None and Target.COST not in cells else kind
        euros = None
        if kind != "free" and amount is not None:
            euros = int(amount.to_integral_value(ROUND_HALF_UP))
            if euros > domain.MAX_RENT_EUR:
                column, value = self._cell_of(cells, Target.COST_EUR, Target.COST)
                state.problems.append(
                    Problem(ProblemKind.TOO_LARGE, column, value, {"maximum": domain.MAX_RENT_EUR})
                )
                return
        fields.update(cost=kind, cost_eur=euros or None)

    def _texts(
        self,
        cells: dict[Target, tuple[str, CellValue]],
        lists: dict[Target, list[tuple[str, CellValue]]],
        fields: dict[str, Any],
        state: _Row,
    ) -> None:
        address = None
        if Target.ADDRESS in cells:
            address = self._clean(cells[Target.ADDRESS], domain.MAX_ADDRESS, state)
        fields["address"] = address
        parts = []
        for header, value in lists.get(Target.NOTES, []):
            text = display_text(value, MAX_CELL_CHARS) if not isinstance(value, str) else value
            parts.append(f"{header} : {text}" if self.several_notes else text)
        parts += state.keep_notes
        notes = None
        if parts:
            notes_header = lists[Target.NOTES][0][0] if lists.get(Target.NOTES) else ""
            notes = self._clean((notes_header, "\n".join(parts)), domain.MAX_NOTES, state)
        fields["notes"] = notes
        phone = None
        if Target.PHONE in cells:
            header, value = cells[Target.PHONE]
            phone_text = _code_text(value, 10) if not isinstance(value, str) else value
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

    def _key_dates(self, cells: dict[Target, tuple[str, CellValue]]) -> tuple[str, str]:
        texts = []
        for target in (Target.AVAILABLE_FROM, Target.AVAILABLE_UNTIL):
            parsed = self._date(cells, target)
            if isinstance(parsed, _DateValue) and parsed.explicit:
                texts.append(parsed.value.isoformat())
            elif target in cells:
                texts.append("~" + " ".join(_fold(display_text(cells[target][1], 200)).split()))
            else:
                texts.append("")
        return texts[0], texts[1]


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


def _import_key(fields: dict[str, Any], dates: tuple[str, str]) -> str:
    parts = [KEY_VERSION, *dates, *(_key_text(fields.get(name)) for name in _KEY_FIELDS)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def validate(
    table: Table, mapping: Mapping, departement: str | Collection[str] | None, today: date
) -> list[RowResult]:
    """Check every data row. ``departement``: the département (or several) the importer may import
    into; communes elsewhere are COMMUNE_OUTSIDE_DEPARTEMENT (None: anywhere). ``today``: the day of
    the import in France (past start dates become today; past end dates mean the offer is over).

    Two rows with the same fingerprint: the later ones are DUPLICATE_IN_FILE. ALREADY_IMPORTED is
    added by ``storage.imports`` (it needs the database). Raises ValueError if the mapping was made
    for other headers or a département code is wrong; never on cell contents.
    """
    validator = _Validator(table, mapping, _scope_of(departement), today)
    with _gc_paused():
        results = [validator.row(i) for i in range(len(table.rows))]
    first_line: dict[str, int] = {}
    for i, result in enumerate(results):
        key = result.import_key
        if key is None or not result.ok:
            continue
        if key in first_line:
            results[i] = replace(
                result.with_problem(
                    Problem(ProblemKind.DUPLICATE_IN_FILE, details={"line": first_line[key]})
                ),
                fields=None,
            )
        else:
            first_line[key] = result.line
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


# --------------------------------------------------------------------------- error report

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


TARGET_NAMES: Final[dict[Target, str]] = {
    Target.IGNORE: N_("Not imported"), Target.PRIVATE: N_("Host's personal data (not imported)"), Target.KIND: N_("Kind of place"),
    Target.COMMUNE: N_("Commune"), Target.POSTAL_CODE: N_("Postal code"), Target.INSEE: N_("INSEE code"),
    Target.DEPARTEMENT: N_("Département"), Target.ADDRESS: N_("Address"), Target.PEOPLE: N_("Number of people"),
    Target.BEDS: N_("Beds"), Target.BEDROOMS: N_("Bedrooms"), Target.WELCOME: N_("Who can be welcomed"),
    Target.AVAILABLE_FROM: N_("Available from"), Target.AVAILABLE_UNTIL: N_("Available until"),
    Target.MIN_STAY: N_("Minimum stay"), Target.STEP_FREE: N_("Step-free"), Target.PETS: N_("Pets accepted"),
    Target.CHILDREN: N_("Children welcome"), Target.SMOKING: N_("Smoking allowed"), Target.LANGUAGES: N_("Languages spoken"),
    Target.EQUIPMENT: N_("Equipment (list)"), Target.FURNISHED: N_("Furnished"), Target.KITCHEN: N_("Kitchen access"),
    Target.BATHROOM: N_("Private bathroom"), Target.INTERNET: N_("Internet"), Target.WASHING_MACHINE: N_("Washing machine"),
    Target.TRANSPORT: N_("Getting around (list)"), Target.PUBLIC_TRANSPORT: N_("Public transport nearby"),
    Target.SHOPS: N_("Shops nearby"), Target.PARKING: N_("Parking"), Target.CAR_NEEDED: N_("A car is needed"),
    Target.COST: N_("Cost (free, charges, rent)"), Target.COST_EUR: N_("Amount in euros"), Target.FREE: N_("Free (yes/no)"),
    Target.NOTES: N_("Notes"), Target.PHONE: N_("Phone"),
}  # fmt: skip
"""Untranslated English names of the targets (command line, logs); the bot shows translated labels."""

_REFUSAL_TEXTS: Final[dict[RefusalReason, str]] = {
    RefusalReason.TOO_BIG: N_("The file is too big"),
    RefusalReason.TOO_MANY_ROWS: N_("The file has too many rows"),
    RefusalReason.TOO_MANY_COLUMNS: N_("The file has too many columns"),
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
    if problem.kind is ProblemKind.COMMUNE_OUTSIDE_DEPARTEMENT and problem.details:
        text += f": {problem.details.get('commune')} ({problem.details.get('departement')})"
    if problem.column:
        text += f" — {problem.column}"
        if problem.value:
            text += f" « {problem.value} »"
    return text


def target_name(target: Target, translate: Callable[[str], str] = str) -> str:
    return translate(TARGET_NAMES[target])


_REPORT_UNSAFE_START: Final = ("=", "+", "-", "@", "\t", "\r", "\n")
_EXCEL_MAX_CELL: Final = 32_767


def _report_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        text = _ILLEGAL_CONTROL_RE.sub("", value)[:_EXCEL_MAX_CELL]
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
