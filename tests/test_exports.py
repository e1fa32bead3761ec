"""Exports for coordinators: what is read (and left out), the workbook and the CSV files."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from babel.support import NullTranslations
from openpyxl import load_workbook

from bot.features.coordination.exports import (
    ALERT_COLUMNS,
    HOUSEHOLD_COLUMNS,
    OFFER_COLUMNS,
    PLACEMENT_COLUMNS,
    SHEETS,
    day_formats,
    export_csv,
    export_filename,
    export_workbook,
    sheet_name,
)
from bot.i18n import Translator, translator
from storage import households, offers, placements, users
from storage.db import Database
from storage.exports import ExportData, export_data
from storage.models import Alert

HOST, CASEWORKER, RECIPIENT = 987654321, 876543219, 765432198
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SECRETS = ("+33612345678", "rue des Lilas", "Code porte 1234", str(HOST), str(CASEWORKER), str(RECIPIENT))
HYPERLINK = '=HYPERLINK("http://evil.example/","clic")'
TERRITORY = frozenset({"44", "85"})


class Catalog(NullTranslations):
    """A few translations, for what the real catalogs may not have yet."""

    def __init__(self, table: dict[str, str]) -> None:
        super().__init__()
        self.table = table

    def gettext(self, message: str) -> str:
        return self.table.get(message, message)


async def add_offer(session: Any, departement: str, created: datetime, **fields: Any) -> int:
    values = {
        "kind": "room", "commune_insee": "44109", "commune_name": "Nantes", "departement": departement,
        "latitude": 47.2, "longitude": -1.55, "people": 3, "beds": 2, "bedrooms": 1, "welcome": "any",
        "available_from": date(2026, 12, 1), "available_until": date(2027, 3, 31), "step_free": "unknown",
        "pets": False, "children": True, "smoking": False, "cost": "free", "phone": "+33612345678",
        "address": "3 rue des Lilas", "notes": "Code porte 1234",
    }  # fmt: skip
    managed_by = fields.pop("managed_by", None)
    values.update(fields)
    offer = await offers.create(session, HOST, values, [], created)
    offer.managed_by = managed_by
    session.add(offer)
    await session.flush()
    assert offer.id is not None
    return offer.id


async def add_household(session: Any, reference: str, departement: str, **fields: Any) -> int:
    values = {"reference": reference, "departement": departement, "adults": 2, "children": 0} | fields
    household = await households.create(session, CASEWORKER, values, NOW)
    assert household.id is not None
    return household.id


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.upgrade()
    async with database.transaction() as session:
        await users.register(session, HOST, "fr", NOW)
        first = await add_offer(
            session, "44", datetime(2026, 10, 1, 23, 30, tzinfo=UTC), managed_by=HYPERLINK
        )
        second = await add_offer(session, "85", NOW, kind="dwelling", people=5, available_until=None)
        elsewhere = await add_offer(session, "49", NOW, managed_by="Hidden association")
        offer = await offers.of_host_by_id(session, HOST, first)
        assert offer is not None
        offer.status, offer.qualification = "occupied", "qualified"
        offer.qualified_at = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)
        session.add(offer)

        housed = await add_household(session, "+33-DOS", "44", children=2, children_ages=[3, 7],
                                     step_free=True, languages=["uk", "ru"])  # fmt: skip
        waiting = await add_household(session, "-DOS-2", "85")
        away = await add_household(session, "@DOS-3", "44")
        await add_household(session, "DOS-49", "49")
        placement = await placements.create(session, housed, first, CASEWORKER, NOW)
        await placements.update(session, placement, NOW, status="active", start_date=date(2026, 11, 1),
                                planned_end=date(2026, 11, 29))  # fmt: skip
        await placements.create(session, away, elsewhere, CASEWORKER, NOW)
        assert waiting and second

        session.add_all(
            [
                Alert(key="a1", kind="placement_end", recipient_id=RECIPIENT, departement="44",
                      placement_id=placement.id, offer_id=first, milestone=7,
                      due_at=datetime(2026, 11, 22, 7, 0, tzinfo=UTC), status="sent",
                      next_attempt_at=NOW, sent_at=datetime(2026, 11, 22, 8, 15, tzinfo=UTC), late=True,
                      attempts=1),
                Alert(key="a2", kind="host_end", recipient_id=RECIPIENT, departement="85",
                      due_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC), status="undeliverable",
                      next_attempt_at=NOW, attempts=5, last_error="@SUM(1+1)*cmd|' /C calc'!A0"),
                Alert(key="a3", kind="freshness", recipient_id=RECIPIENT, departement="49",
                      due_at=NOW, next_attempt_at=NOW),
            ]
        )  # fmt: skip
    yield database
    await database.close()


async def read(database: Database, departements: frozenset[str] = TERRITORY) -> ExportData:
    async with database.transaction() as session:
        return await export_data(session, departements, NOW)


async def test_export_data_reads_the_territory_without_personal_data(database: Database) -> None:
    data = await read(database)
    assert data.departements == ("44", "85") and data.generated_at == NOW and data.today == date(2026, 11, 22)
    assert [(o.departement, o.facts["kind"], o.status, o.managed_by) for o in data.offers] == [
        ("44", "room", "occupied", HYPERLINK),
        ("85", "dwelling", "available", None),
    ]
    # The placement of a household of 44 in a place in 49 is the territory's too.
    assert [(p.household, p.departement, p.household_departement, p.status, p.days_left) for p in data.placements] == [
        ("+33-DOS", "44", "44", "active", 7),
        ("@DOS-3", "49", "44", "proposed", None),
    ]  # fmt: skip
    assert [(h.reference, h.placement_status, h.children_ages, h.languages) for h in data.households] == [
        ("+33-DOS", "active", (3, 7), ("uk", "ru")),
        ("@DOS-3", "proposed", (), ()),
        ("-DOS-2", None, (), ()),
    ]
    assert [(a.kind, a.departement, a.late, a.attempts) for a in data.alerts] == [
        ("placement_end", "44", True, 1),
        ("host_end", "85", False, 5),
    ]
    assert all(
        not hasattr(row, field) for row in data.offers for field in ("phone", "address", "notes", "host_id")
    )
    assert all(not hasattr(row, "recipient_id") for row in data.alerts)
    nothing = await read(database, frozenset())
    assert (nothing.offers, nothing.placements, nothing.households, nothing.alerts) == ((), (), (), ())


def xml_text(workbook: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


@pytest.mark.parametrize(("language", "date_format"), [("fr", "DD/MM/YYYY"), ("uk", "DD.MM.YYYY")])
async def test_workbook_has_typed_translated_sheets(
    database: Database, language: str, date_format: str
) -> None:
    t = translator(language)
    data = await read(database)
    workbook = load_workbook(io.BytesIO(export_workbook(data, t)))
    assert workbook.sheetnames == [sheet_name(t, sheet) for sheet in SHEETS]

    offers_sheet, placements_sheet, households_sheet, alerts_sheet = workbook.worksheets
    for worksheet, columns, rows in (
        (offers_sheet, OFFER_COLUMNS, 2),
        (placements_sheet, PLACEMENT_COLUMNS, 2),
        (households_sheet, HOUSEHOLD_COLUMNS, 3),
        (alerts_sheet, ALERT_COLUMNS, 2),
    ):
        header = [cell.value for cell in worksheet[1]]
        assert header == [t._(column.header) for column in columns]
        assert worksheet.freeze_panes == "A2"
        assert worksheet.auto_filter.ref == f"A1:{worksheet.cell(1, len(columns)).column_letter}{rows + 1}"
        assert worksheet.max_row == rows + 1
        widths = [worksheet.column_dimensions[cell.column_letter].width for cell in worksheet[1]]
        assert all(8 <= width <= 60 for width in widths), widths
    header = [cell.value for cell in offers_sheet[1]]
    for index, source in ((4, "Kind of place"), (5, "Number of people"), (6, "Beds"), (7, "Bedrooms")):
        assert header[index] == t._(source) != source  # translated by the real catalogs
    assert (header[6], header[7]) == {"fr": ("Lits", "Chambres"), "uk": ("Ліжка", "Спальні")}[language]

    first = {header.value: cell for header, cell in zip(offers_sheet[1], offers_sheet[2], strict=True)}
    number, submitted = first[t._("Offer no.")], first[t._("Submitted on")]
    assert number.data_type == "n" and isinstance(number.value, int)
    assert first[t._("Number of people")].value == 3
    assert submitted.is_date and submitted.value.date() == date(2026, 10, 2)  # 23:30 UTC is the 2nd in Paris
    assert submitted.number_format == date_format
    assert first[t._("Available until")].value.date() == date(2027, 3, 31)
    assert first[t._("Kind of place")].value == t._("A room in my home")
    assert first[t._("Qualified on")].value.date() == date(2026, 10, 5)
    second = {header.value: cell.value for header, cell in zip(offers_sheet[1], offers_sheet[3], strict=True)}
    assert second[t._("Available until")] is None  # no end date: an empty cell

    placement = [cell.value for cell in placements_sheet[2]]
    assert placement[8].date() == date(2026, 11, 1) and placement[12] == 7
    days_left, status = placements_sheet.cell(2, 13), first[t._("Status")]
    assert not days_left.is_date and days_left.number_format == "General"  # after date cells: unstyled
    assert status.value == t._("occupied") and status.number_format == "General"
    alert = {header.value: cell for header, cell in zip(alerts_sheet[1], alerts_sheet[2], strict=True)}
    assert alert[t._("Due")].value == datetime(2026, 11, 22, 8, 0)  # Paris time
    assert alert[t._("Due")].number_format == f"{date_format} HH:MM"
    assert alert[t._("Late")].value == t._("Yes")

    text = xml_text(export_workbook(data, t))
    for secret in SECRETS:
        assert secret not in text


async def test_nothing_typed_by_a_user_becomes_a_formula(database: Database) -> None:
    data = await read(database)
    workbook = load_workbook(io.BytesIO(export_workbook(data, translator("fr"))))
    offers = workbook.worksheets[0]
    managed_by = next(
        cell.column_letter for cell in offers[1] if cell.value == translator("fr")._("Managed by")
    )
    escaped = {
        HYPERLINK: offers[f"{managed_by}2"],
        "+33-DOS": workbook.worksheets[2]["A2"],
        "@DOS-3": workbook.worksheets[2]["A3"],
        "-DOS-2": workbook.worksheets[2]["A4"],
        "@SUM(1+1)*cmd|' /C calc'!A0": workbook.worksheets[3]["K3"],
    }
    for text, cell in escaped.items():
        assert cell.value == text
        assert cell.data_type == "s" and cell.data_type != "f"
        assert cell.quotePrefix
    assert not workbook.worksheets[0]["B2"].quotePrefix  # ordinary texts are left alone
    formulas = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []

    rows = list(
        csv.reader(
            io.StringIO(export_csv(data, translator("fr"), "households").decode("utf-8-sig")), delimiter=";"
        )
    )
    assert [row[0] for row in rows[1:]] == ["'+33-DOS", "'@DOS-3", "'-DOS-2"]
    rows = list(
        csv.reader(
            io.StringIO(export_csv(data, translator("fr"), "offers").decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[1][-1] == "'" + HYPERLINK


@pytest.mark.parametrize(
    ("language", "day"), [("fr", "22/11/2026"), ("uk", "22.11.2026"), ("en", "2026-11-22")]
)
async def test_csv_files_open_in_excel(database: Database, language: str, day: str) -> None:
    t = translator(language)
    data = await read(database)
    for sheet, columns, count in (
        ("offers", OFFER_COLUMNS, 2),
        ("placements", PLACEMENT_COLUMNS, 2),
        ("households", HOUSEHOLD_COLUMNS, 3),
        ("alerts", ALERT_COLUMNS, 2),
    ):
        raw = export_csv(data, t, sheet)
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
        assert rows[0] == [t._(column.header) for column in columns]
        assert len(rows) == count + 1 and all(len(row) == len(columns) for row in rows)
        assert not any(secret in raw.decode("utf-8-sig") for secret in SECRETS)
    offers_rows = list(
        csv.reader(io.StringIO(export_csv(data, t, "offers").decode("utf-8-sig")), delimiter=";")
    )
    second = dict(zip(offers_rows[0], offers_rows[2], strict=True))
    assert second[t._("Offer no.")].isdigit() and second[t._("Number of people")] == "5"
    assert second[t._("Available until")] == "" and second[t._("Submitted on")] == day
    alerts_rows = list(
        csv.reader(io.StringIO(export_csv(data, t, "alerts").decode("utf-8-sig")), delimiter=";")
    )
    assert alerts_rows[1][5] == f"{day} 08:00"  # Paris time
    with pytest.raises(ValueError):
        export_csv(data, t, "users")


def test_sheet_names_are_translated_and_made_valid() -> None:
    t = Translator(
        "fr",
        Catalog(
            {
                "Offers": "Offres",
                "Placements": "Hébergements: [en cours] / terminés ? * \\ et une très longue suite",
                "Households": "Ménages",
                "Alerts": "Ménages",  # a clumsy translation: still two sheets
            }
        ),
    )
    names = [sheet_name(t, sheet) for sheet in SHEETS]
    assert names[0] == "Offres" and names[2] == "Ménages"
    assert len(names[1]) <= 31 and not set(names[1]) & set("[]:*?/\\")
    workbook = load_workbook(io.BytesIO(export_workbook(ExportData(("44",), NOW), t)))
    assert workbook.sheetnames == [names[0], names[1], "Ménages", "Ménages (2)"]
    assert all(sheet.max_row == 1 for sheet in workbook.worksheets)  # the headers of empty sheets


def test_headers_follow_the_catalog() -> None:
    t = Translator("uk", Catalog({"Offer no.": "№ пропозиції", "Offers": "Пропозиції"}))
    workbook = load_workbook(io.BytesIO(export_workbook(ExportData(("44",), NOW), t)))
    assert workbook.sheetnames[0] == "Пропозиції"
    assert workbook.worksheets[0]["A1"].value == "№ пропозиції"


def test_file_names() -> None:
    data = ExportData(("44", "85"), NOW)
    assert export_filename(data, translator("en"), "xlsx") == "logement-de-crise_44-85_2026-11-22.xlsx"
    assert (
        export_filename(data, translator("en"), ".csv", "offers")
        == "logement-de-crise_44-85_2026-11-22_Offers.csv"
    )
    many = ExportData(tuple(f"{n:02d}" for n in range(1, 8)), NOW)
    assert export_filename(many, translator("en"), "xlsx") == "logement-de-crise_7-dep_2026-11-22.xlsx"


def test_days_read_as_the_user_s_spreadsheets_write_them() -> None:
    assert day_formats(translator("fr")) == ("DD/MM/YYYY", "%d/%m/%Y")
    assert day_formats(translator("uk")) == ("DD.MM.YYYY", "%d.%m.%Y")
    assert day_formats(translator("en")) == ("YYYY-MM-DD", "%Y-%m-%d")
