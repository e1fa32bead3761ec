"""Reading the cells of an .xlsx workbook as a stream of rows, counting what it reads as it goes.

A workbook is a zip of XML parts: the workbook (its sheets, the active one, the 1904 date system), the
shared strings, the styles (which cells hold dates) and one part per sheet. The big parts are read as a
stream of XML events (small ones through defusedxml) and every element is dropped once read, so memory
holds one row at a time; the declared dimension is never trusted, and a sheet that holds (or pretends to
hold) more cells or wider rows than the caller allows stops the reading at once (:class:`TooManyCells`,
:class:`TooManyColumns`). Formulas are never evaluated: a formula cell gives the value Excel cached,
flagged as a formula. Pure.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Final, cast
from xml.etree.ElementTree import XMLPullParser

from defusedxml.ElementTree import fromstring
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

MAX_PART_BYTES: Final = 20 * 1024 * 1024
"""The workbook, its relationships and styles are read whole: a bigger one is not a spreadsheet's."""
_CHUNK: Final = 1 << 16
_RELATIONSHIP: Final = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF_RE: Final = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")

RawValue = str | int | float | bool | datetime | Any | None
"""A cell's value as stored: text, number, boolean, a date, time or duration for date-formatted numbers."""


class WorkbookError(Exception):
    """The workbook's structure is damaged or not an .xlsx one."""


class TooManyCells(Exception):
    """More cells (or rows) were read than allowed, empty ones included."""


class TooManyColumns(Exception):
    """A cell with a value lies beyond the allowed columns."""


@dataclass(frozen=True)
class Sheet:
    title: str
    path: str


@dataclass(frozen=True)
class Workbook:
    """What the sheets need: their parts (the active sheet first), the shared strings, the date styles."""

    sheets: tuple[Sheet, ...]
    shared_strings: tuple[str, ...]
    date_styles: frozenset[int]
    duration_styles: frozenset[int]
    date1904: bool


def _events(source: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """The start and end events of a streamed XML part, from the C parser (defusedxml's is pure Python,
    several times slower). What defusedxml guards against needs a document type declaration: one is
    refused wherever it appears, and so are parts not in UTF-8 (where the bytes would not show it)."""
    parser: XMLPullParser[Any] = XMLPullParser(events=("start", "end"))
    tail = b""
    while chunk := source.read(_CHUNK):
        if not tail and (chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:4]):
            raise WorkbookError("not UTF-8")
        if b"<!DOCTYPE" in tail + chunk[:16] or b"<!DOCTYPE" in chunk:
            raise WorkbookError("a document type declaration")
        tail = chunk[-16:]
        parser.feed(chunk)
        yield from cast(Iterator[tuple[str, Any]], parser.read_events())
    parser.close()
    yield from cast(Iterator[tuple[str, Any]], parser.read_events())


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _read_part(archive: zipfile.ZipFile, path: str) -> Any:
    """A small XML part, parsed whole (None when it is missing)."""
    try:
        info = archive.getinfo(path)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise WorkbookError(f"{path} is too big")
    return fromstring(archive.read(info))


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target part) of a part."""
    folder, name = posixpath.split(part)
    root = _read_part(archive, posixpath.join(folder, "_rels", name + ".rels"))
    found: dict[str, tuple[str, str]] = {}
    for rel in [] if root is None else root:
        target = rel.get("Target", "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        found[rel.get("Id", "")] = (rel.get("Type", "").rpartition("/")[2], path)
    return found


def open_workbook(archive: zipfile.ZipFile, max_strings: int, max_chars: int) -> Workbook:
    """The workbook's sheets and what reading their cells needs; shared strings are cut to ``max_chars``
    and at most ``max_strings`` are read (TooManyCells beyond)."""
    main = next(
        (path for kind, path in _relationships(archive, "").values() if kind == "officeDocument"), None
    )
    main = main or "xl/workbook.xml"
    root = _read_part(archive, main)
    if root is None:
        raise WorkbookError("no workbook part")
    rels = _relationships(archive, main)
    sheets: list[Sheet] = []
    active = 0
    date1904 = False
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "sheet":
            kind, path = rels.get(element.get(_RELATIONSHIP, ""), ("", ""))
            if kind == "worksheet":
                sheets.append(Sheet(element.get("name", ""), path))
        elif tag == "workbookView" and (element.get("activeTab") or "0").isdigit():
            active = int(element.get("activeTab") or 0)
        elif tag == "workbookPr":
            date1904 = element.get("date1904", "").lower() in ("1", "true")
    if 0 < active < len(sheets):
        sheets.insert(0, sheets.pop(active))
    strings = next((path for kind, path in rels.values() if kind == "sharedStrings"), None)
    styles = next((path for kind, path in rels.values() if kind == "styles"), None)
    dates, durations = _date_styles(archive, styles)
    return Workbook(
        tuple(sheets), _shared_strings(archive, strings, max_strings, max_chars), dates, durations, date1904
    )


def _shared_strings(
    archive: zipfile.ZipFile, path: str | None, limit: int, max_chars: int
) -> tuple[str, ...]:
    if path is None or path not in archive.NameToInfo:
        return ()
    strings: list[str] = []
    parts: list[str] = []
    skip = 0  # inside a phonetic run (<rPh>), whose text is not the cell's
    with archive.open(path) as source:
        for event, element in _events(source):
            tag = _local(element.tag)
            if tag == "rPh":
                skip += 1 if event == "start" else -1
            elif event == "end" and tag == "t" and not skip:
                parts.append(element.text or "")
            elif event == "end" and tag == "si":
                strings.append("".join(parts)[:max_chars])
                parts = []
                element.clear()
                if len(strings) > limit:
                    raise TooManyCells
    return tuple(strings)


def _date_styles(archive: zipfile.ZipFile, path: str | None) -> tuple[frozenset[int], frozenset[int]]:
    """Indexes of the cell styles whose number format is a date (or a duration)."""
    root = None if path is None else _read_part(archive, path)
    if root is None:
        return frozenset(), frozenset()
    custom: dict[str, str] = {}
    dates: set[int] = set()
    durations: set[int] = set()
    for element in root.iter():
        if _local(element.tag) == "numFmt":
            custom[element.get("numFmtId", "")] = element.get("formatCode", "")
    for container in root:
        if _local(container.tag) != "cellXfs":
            continue
        for index, xf in enumerate(container):
            number = xf.get("numFmtId", "0")
            code = custom.get(number) or (BUILTIN_FORMATS.get(int(number), "") if number.isdigit() else "")
            if code and is_date_format(code):
                dates.add(index)
            if code and is_timedelta_format(code):
                durations.add(index)
    return frozenset(dates), frozenset(durations)


def _column(letters: str) -> int:
    """``"A"`` → 0, ``"AB"`` → 27."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number - 1


def iter_rows(
    archive: zipfile.ZipFile, workbook: Workbook, sheet: Sheet, *, max_cells: int, max_columns: int
) -> Iterator[tuple[int, list[tuple[int, RawValue, bool]]]]:
    """The rows of a sheet that hold something: (row number from 1, [(column from 0, value, is a
    formula)]). Every ``<row>`` and ``<c>`` read counts against ``max_cells``, empty or not; a value in a
    column at or beyond ``max_columns`` raises TooManyColumns."""
    with archive.open(sheet.path) as source:
        yield from _rows(source, workbook, max_cells, max_columns)


def _rows(
    source: IO[bytes], workbook: Workbook, max_cells: int, max_columns: int
) -> Iterator[tuple[int, list[tuple[int, RawValue, bool]]]]:
    epoch = MAC_EPOCH if workbook.date1904 else WINDOWS_EPOCH
    strings = workbook.shared_strings
    read = elements = 0
    row_number = 0
    column = -1
    cells: list[tuple[int, RawValue, bool]] = []
    parents: list[Any] = []  # open elements: each one read is removed from its parent, memory stays flat
    value_text: str | None = None
    inline: list[str] = []
    formula = False
    names: dict[str, str] = {}
    for event, element in _events(source):
        tag = names.get(element.tag)
        if tag is None:
            tag = names[element.tag] = _local(element.tag)
        if event == "start":
            elements += 1  # other elements (merged cells, formats…) cost time too
            if elements > 4 * max_cells:
                raise TooManyCells
            if tag in ("row", "c"):
                read += 1
                if read > max_cells:
                    raise TooManyCells
                if tag == "row":
                    number = element.get("r")
                    row_number = int(number) if number and number.isdigit() else row_number + 1
                    column = -1
                    cells = []
                else:
                    value_text, inline, formula = None, [], False
            parents.append(element)
            continue
        parents.pop()
        if tag == "v":
            value_text = element.text
        elif tag == "f":
            formula = True
        elif tag == "t" and len(parents) >= 2 and _local(parents[-1].tag) in ("is", "r"):
            inline.append(element.text or "")
        elif tag == "c":
            match = _CELL_REF_RE.fullmatch(element.get("r") or "")
            column = _column(match.group(1)) if match else column + 1
            kind = element.get("t", "n")
            value: RawValue = None
            if kind == "inlineStr":
                value = "".join(inline) if inline else None
            elif value_text:
                if kind == "n":
                    number_value: int | float = (
                        float(value_text) if any(c in value_text for c in ".Ee") else int(value_text)
                    )
                    style = element.get("s")
                    value = number_value
                    if style and style.isdigit() and int(style) in workbook.date_styles:
                        try:
                            value = from_excel(
                                number_value, epoch, timedelta=int(style) in workbook.duration_styles
                            )
                        except (OverflowError, ValueError):
                            value = "#VALUE!"
                elif kind == "s":
                    value = strings[int(value_text)]
                elif kind == "b":
                    value = value_text.strip() not in ("0", "false", "")
                elif kind == "d":
                    value = from_ISO8601(value_text)
                else:  # "str" (a formula's text), "e" (an error such as #N/A)
                    value = value_text
            if value is not None or formula:
                if column >= max_columns and value is not None:
                    raise TooManyColumns
                if column < max_columns:
                    cells.append((column, value, formula))
        elif tag == "row":
            if cells:
                yield row_number, cells
            cells = []
        if parents:  # its only child: earlier ones were removed, so this is quick
            parents[-1].remove(element)
