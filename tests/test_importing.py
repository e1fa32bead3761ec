"""Importing offers from spreadsheets: reading files, recognising columns, checking rows, writing them once.

Every file is generated here (openpyxl, csv) in memory or in tmp dirs; database tests run on SQLite and,
when TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import col

from bot.domain.importing import mapping as columns
from bot.domain.importing import reading, report
from bot.domain.importing.mapping import Mapping, Requirement, Target, guess_target, propose_mapping
from bot.domain.importing.problems import Problem, ProblemKind, RowResult, RowStatus
from bot.domain.importing.reading import ImportRefusal, RefusalReason, Table, is_formula_like, read_table
from bot.domain.importing.report import describe_problem, error_report
from bot.domain.importing.rows import preview, validate
from bot.services.imports import ImportOutcome, import_file, import_offers, plan_for
from bot.services.reader import read_file
from storage import imports
from storage.db import Database
from storage.models import Offer, OfferEvent

TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
ORGANISATION = "France terre d'asile 44"
COORDINATOR = 5001

HEADERS = [
    "Commune", "Code postal", "Type de logement", "Nombre de places", "Nombre de lits", "Date de disponibilité",
    "Jusqu'au", "Accessible PMR", "Animaux acceptés", "Langues parlées", "Loyer", "Commentaires", "Nom",
    "Adresse mail", "Téléphone",
]  # fmt: skip
GOOD_ROWS = [
    ["Nantes", "44000", "Chambre chez l'habitant", "2", "2", "01/12/2026", "", "Oui", "X", "Anglais, russe", "",
     "Jardin, calme", "Dupont", "a.dupont@example.org", "06 12 34 56 78"],
    ["Saint-Herblain", "44800", "Appartement", "4", "5", "2026-12-15", "15/06/2027", "Non", "", "ukrainien",
     "350 €", "Proche du tram", "Martin", "m@example.org", ""],
    ["Rezé", "", "Maison", "5", "", "maintenant", "", "partiellement", "non", "", "gratuit", "", "", "", ""],
]  # fmt: skip


def csv_bytes(rows: list[list[Any]], *, delimiter: str = ";", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], *, sheet: str = "Offres") -> bytes:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table_of(data: bytes, filename: str = "offres.csv") -> Table:
    table = read_table(data, filename)
    assert isinstance(table, Table), table
    return table


def check(
    rows: list[list[Any]], headers: list[str] = HEADERS, departement: str | tuple[str, ...] = "44"
) -> list[RowResult]:
    table = table_of(csv_bytes([headers, *rows]))
    return validate(table, propose_mapping(table.headers), departement, TODAY)


def kinds(result: RowResult) -> list[ProblemKind]:
    return [problem.kind for problem in result.problems]


def row_with(**changes: str) -> list[str]:
    """The first good row with some columns changed (by header)."""
    row = list(GOOD_ROWS[0])
    for header, value in changes.items():
        row[HEADERS.index(header.replace("_", " "))] = value
    return row


# --------------------------------------------------------------------------- column recognition


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("Commune", Target.COMMUNE), ("Ville", Target.COMMUNE), ("Nom de la commune", Target.COMMUNE),
        ("Code postal", Target.POSTAL_CODE), ("CP", Target.POSTAL_CODE), ("code_postal", Target.POSTAL_CODE),
        ("Code INSEE", Target.INSEE), ("Commune (code INSEE)", Target.INSEE), ("Département", Target.DEPARTEMENT),
        ("Nombre de places", "people"), ("Capacité", "people"), ("Nb de personnes", "people"),
        ("NOMBRE_DE_PERSONNES", "people"), ("Nombre de lits", "beds"), ("Nombre de chambres", "bedrooms"),
        ("Date de disponibilité", "available_from"), ("Disponible à partir du", "available_from"),
        ("Jusqu'au", "available_until"), ("Date de fin", "available_until"),
        ("Date de fin de disponibilité", "available_until"), ("PMR", "step_free"),
        ("Accessible PMR", "step_free"), ("Animaux acceptés", "pets"), ("Enfants", "children"),
        ("Fumeur", "smoking"), ("Type de logement", "kind"), ("Type d'hébergement", "kind"),
        ("Langues parlées", "languages"), ("Gratuit", Target.FREE), ("Loyer", "cost_eur"),
        ("Montant du loyer (€)", "cost_eur"), ("Participation aux charges", "cost"),
        ("Commentaires", "notes"), ("Observations", "notes"), ("Téléphone", "phone"),
        ("Tél. portable", "phone"), ("Adresse du logement", "address"), ("Public accueilli", "welcome"),
        ("Durée minimum de séjour", "min_stay_days"), ("Meublé", "furnished"), ("Wifi", "internet"),
        ("Nom", Target.PRIVATE), ("Prénom", Target.PRIVATE), ("Adresse e-mail", Target.PRIVATE),
        ("Courriel", Target.PRIVATE), ("Nom de l'hébergeur", Target.PRIVATE), ("Horodateur", Target.IGNORE),
        ("N°", Target.SOURCE_ID), ("ID", Target.SOURCE_ID), ("Numéro de dossier", Target.SOURCE_ID),
        ("Réf. logement", Target.SOURCE_ID), ("Référence", Target.SOURCE_ID), ("Dossier", Target.SOURCE_ID),
        ("N° de téléphone", "phone"), ("Numéro de ligne", Target.IGNORE), ("Statut", Target.IGNORE),
        ("  COMMUNE  ", Target.COMMUNE), ("Ville ", Target.COMMUNE),
    ],
)  # fmt: skip
def test_common_french_headers_are_recognised(header: str, target: Target) -> None:
    assert guess_target(header) is target


def test_unrecognised_header_is_listed_then_mapped_with_a_choice_that_survives_json() -> None:
    table = table_of(
        csv_bytes([["Ville", "Places", "Remarque du référent", "Truc"], ["Nantes", "3", "RAS", "x"]])
    )
    mapping = propose_mapping(table.headers)
    assert mapping.unmapped_headers() == ["Truc"] and mapping.unmapped() == [3]
    assert mapping.targets[:3] == (Target.COMMUNE, "people", "notes")
    candidates = mapping.candidates("Truc", table)
    assert candidates[-1] == Target.IGNORE
    assert Target.COMMUNE not in candidates and "people" not in candidates  # taken by other columns
    assert "notes" in candidates
    mapping = mapping.with_choice("Truc", "notes")
    for column in mapping.unmapped():
        mapping = mapping.with_choice(column, Target.IGNORE)
    assert mapping.unmapped() == []
    restored = Mapping.from_json(json.loads(json.dumps(mapping.to_json())))
    assert restored == mapping
    [result] = validate(table, restored, "44", TODAY)
    assert result.ok and result.fields is not None
    assert result.fields["notes"] == "Remarque du référent : RAS\nTruc : x"  # several note columns: named


def test_choosing_a_single_target_again_moves_it_and_requirements_are_reported() -> None:
    mapping = propose_mapping(["Commune", "Ville", "Places"])
    assert mapping.targets == (Target.COMMUNE, None, "people")  # recognised twice: asked about
    moved = mapping.with_choice(1, Target.COMMUNE)
    assert moved.targets == (None, Target.COMMUNE, "people")
    assert propose_mapping(["Places"]).missing() == [Requirement.COMMUNE]
    assert propose_mapping(["Commune"]).missing() == [Requirement.CAPACITY]
    with pytest.raises(ValueError):
        Mapping.from_json({"v": 1, "headers": ["a"], "targets": ["nonsense"]})
    with pytest.raises(ValueError):
        validate(
            table_of(csv_bytes([["A", "B"], ["1", "2"]])), mapping, "44", TODAY
        )  # made for other headers


def test_candidates_are_ranked_by_the_values_of_the_column() -> None:
    rows = [["Nantes", "3", date(2026, 12, 1) + timedelta(days=n), "Oui"] for n in range(5)]
    table = table_of(xlsx_bytes([["Commune", "Places", "Quand", "Chien ok ?"], *rows]), "f.xlsx")
    mapping = propose_mapping(table.headers)
    assert mapping.candidates("Quand", table)[0] == "available_from"
    assert mapping.candidates("Chien ok ?", table)[0] in columns._SHAPE_TARGETS[columns._Shape.YES_NO]


# --------------------------------------------------------------------------- rows


def test_good_rows_become_offer_fields_and_personal_data_is_left_out() -> None:
    results = check(GOOD_ROWS)
    assert [r.status for r in results] == [RowStatus.VALID] * 3, [r.problems for r in results]
    first, second, third = (r.fields for r in results)
    assert first is not None and second is not None and third is not None
    assert (
        first["commune_insee"] == "44109"
        and first["commune_name"] == "Nantes"
        and first["departement"] == "44"
    )
    assert first["kind"] == "room" and first["people"] == 2 and first["beds"] == 2
    assert first["available_from"] == date(2026, 12, 1) and first["available_until"] is None
    assert first["step_free"] == "yes" and first["pets"] is True and first["languages"] == ["ru", "en"]
    # An empty cost cell says nothing: not stated, never "free".
    assert first["cost"] is None and first["cost_eur"] is None and first["phone"] == "+33612345678"
    assert first["notes"] == "Jardin, calme"
    assert "Dupont" not in str(first) and "example.org" not in str(first)
    assert second["kind"] == "dwelling" and second["cost"] == "rent" and second["cost_eur"] == 350
    assert second["available_until"] == date(2027, 6, 15) and second["languages"] == ["uk"]
    # No number of beds in the file: not stated (the capacity is the number of people).
    assert third["available_from"] == TODAY and third["beds"] is None and third["step_free"] == "partly"
    assert third["pets"] is False and third["cost"] == "free"
    for result in results:
        assert result.import_key is not None and len(result.import_key) == 64
        assert set(result.fields or {}) <= set(__import__("storage.offers").offers.EDITABLE)


@pytest.mark.parametrize(
    ("changes", "kind", "column"),
    [
        ({"Commune": "Atlantide", "Code_postal": ""}, ProblemKind.UNKNOWN_COMMUNE, "Commune"),
        (
            {"Commune": "Nant", "Code_postal": ""},
            ProblemKind.COMMUNE_OUTSIDE_DEPARTEMENT,
            "Commune",
        ),  # Nant is in Aveyron
        ({"Commune": "Lyon", "Code_postal": ""}, ProblemKind.COMMUNE_OUTSIDE_DEPARTEMENT, "Commune"),
        ({"Commune": "", "Code_postal": "44150"}, ProblemKind.AMBIGUOUS_COMMUNE, "Code postal"),
        ({"Commune": "", "Code_postal": ""}, ProblemKind.COMMUNE_MISSING, "Commune"),
        ({"Date_de_disponibilité": "32/01/2027"}, ProblemKind.BAD_DATE, "Date de disponibilité"),
        ({"Date_de_disponibilité": "n'importe quand"}, ProblemKind.BAD_DATE, "Date de disponibilité"),
        (
            {"Date_de_disponibilité": "01/01/2027", "Jusqu'au": "15/12/2026"},
            ProblemKind.END_BEFORE_START,
            "Jusqu'au",
        ),
        ({"Jusqu'au": "01/06/2022"}, ProblemKind.AVAILABILITY_OVER, "Jusqu'au"),
        ({"Nombre_de_places": "-3"}, ProblemKind.NEGATIVE_NUMBER, "Nombre de places"),
        ({"Nombre_de_places": "beaucoup"}, ProblemKind.NOT_A_NUMBER, "Nombre de places"),
        ({"Nombre_de_places": "2,5"}, ProblemKind.NOT_A_NUMBER, "Nombre de places"),
        ({"Nombre_de_places": "", "Nombre_de_lits": ""}, ProblemKind.CAPACITY_MISSING, "Nombre de places"),
        ({"Nombre_de_places": "0", "Nombre_de_lits": "0"}, ProblemKind.CAPACITY_MISSING, "Nombre de places"),
        ({"Nombre_de_places": "3", "Nombre_de_lits": "0"}, ProblemKind.NO_BEDS, "Nombre de lits"),
        ({"Nombre_de_places": "9999"}, ProblemKind.TOO_LARGE, "Nombre de places"),
        ({"Loyer": "-50 €"}, ProblemKind.NEGATIVE_NUMBER, "Loyer"),
        ({"Loyer": "99999"}, ProblemKind.TOO_LARGE, "Loyer"),
        ({"Loyer": "selon revenus"}, ProblemKind.NOT_A_NUMBER, "Loyer"),
    ],
)
def test_each_bad_row_gets_a_typed_reason_with_its_column_and_value(
    changes: dict[str, str], kind: ProblemKind, column: str | None
) -> None:
    [result] = check([row_with(**changes)])
    assert result.status is RowStatus.FAILED and result.fields is None
    assert kind in kinds(result), result.problems
    problem = next(p for p in result.problems if p.kind is kind)
    assert problem.column == column and problem.is_error
    if column is not None:
        assert problem.value == (changes[next(k for k in changes if k.replace("_", " ") == column)] or None)
    assert describe_problem(problem)


def test_ambiguity_and_narrowing_by_departement_or_postal_code() -> None:
    results = check(
        [row_with(Commune="Saint-Denis", Code_postal=""), row_with(Commune="Saint-Denis (93)", Code_postal=""),
         row_with(Commune="Saint-Denis", Code_postal="97400")],
        departement=("93", "974"),
    )  # fmt: skip
    assert kinds(results[0]) == [ProblemKind.AMBIGUOUS_COMMUNE]
    assert results[0].problems[0].details["candidates"] == ["Saint-Denis (974)", "Saint-Denis (93)"]
    assert results[1].fields is not None and results[1].fields["commune_insee"] == "93066"
    assert results[2].fields is not None and results[2].fields["commune_insee"] == "97411"


def test_commune_spellings_former_names_and_codes() -> None:
    spellings = {
        "NANTES": "44109", "st herblain": "44162", "44109 - Nantes": "44109", "Nantes (44)": "44109",
        "44000 Nantes": "44109", "Varades": "44213", "44213": "44213", "Les Sorinières": "44198",
        "Sorinieres": "44198",
    }  # fmt: skip
    results = check([row_with(Commune=text, Code_postal="", Commentaires=text) for text in spellings])
    for text, result in zip(spellings, results, strict=True):
        assert result.fields is not None, (text, result.problems)
        assert result.fields["commune_insee"] == spellings[text], text


def test_warnings_do_not_stop_a_row_and_unknown_values_are_kept_in_the_notes() -> None:
    [result] = check(
        [
            row_with(
                Téléphone="pas de téléphone",
                Animaux_acceptés="chats seulement",
                Langues_parlées="anglais, roumain",
            )
        ]
    )
    assert result.ok and result.fields is not None
    assert sorted(p.kind for p in result.problems) == sorted(
        [ProblemKind.BAD_PHONE, ProblemKind.UNKNOWN_VALUE, ProblemKind.UNKNOWN_VALUE]
    )
    assert (
        result.fields["phone"] is None
        and result.fields["pets"] is None  # "chats seulement" is not a yes or a no: kept in the notes
        and result.fields["languages"] == ["en"]
    )
    assert "Animaux acceptés : chats seulement" in result.fields["notes"]
    assert "Langues parlées : anglais, roumain" in result.fields["notes"]
    [long] = check([row_with(Commentaires="x" * 3000)])
    assert long.ok and long.fields is not None and len(long.fields["notes"]) == 1000
    assert kinds(long) == [ProblemKind.TRUNCATED]


def test_duplicate_rows_in_a_file_and_preview() -> None:
    results = check([GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[0]])
    assert [r.status for r in results] == [RowStatus.VALID, RowStatus.VALID, RowStatus.FAILED]
    assert results[2].problems[-1] == Problem(ProblemKind.DUPLICATE_IN_FILE, details={"line": 2})
    table = table_of(csv_bytes([HEADERS, *GOOD_ROWS, *GOOD_ROWS]))
    shown = preview(table, propose_mapping(table.headers), limit=2, departement="44", today=TODAY)
    assert [r.line for r in shown] == [2, 3] and all(r.ok for r in shown)


def test_kinds_and_a_kind_nobody_stated() -> None:
    labels = {
        "Chambre chez l'habitant": "room", "Appartement": "dwelling", "Maison": "dwelling", "Hôtel": "hotel",
        "Centre de vacances": "holiday_centre", "Locaux d'entreprise": "company", "Foyer": "other_collective",
        "chambre d'hôtel": "hotel", "Gîte": "dwelling", "studio": "dwelling", "": None,
    }  # fmt: skip
    results = check([row_with(Type_de_logement=label, Commentaires=label) for label in labels])
    assert [r.fields["kind"] if r.fields else r.problems for r in results] == list(labels.values())
    [big] = check([row_with(Type_de_logement="", Nombre_de_places="40", Nombre_de_lits="40")])
    assert big.fields is not None and big.fields["kind"] is None  # not guessed from the capacity


# --------------------------------------------------------------------------- file types


def test_2022_form_export_with_insee_codes_checkboxes_typed_cells() -> None:
    headers = [
        "Horodateur", "Nom", "Prénom", "Adresse e-mail", "Commune (code INSEE)", "Code postal",
        "Type d'hébergement", "Nombre de places", "Nombre de lits", "Nombre de chambres", "Date de disponibilité",
        "Disponible jusqu'au", "Accessible PMR", "Animaux acceptés", "Enfants acceptés", "Fumeur", "Meublé",
        "Internet", "Transports en commun à proximité", "Hébergement gratuit", "Montant du loyer", "Commentaires",
    ]  # fmt: skip
    rows = [
        [datetime(2022, 3, 2, 9, 15), "Dupont", "Anne", "anne@example.org", "44109 - Nantes", 44000,
         "Logement indépendant (appartement, maison)", 4, 4, 2, datetime(2022, 3, 15), date(2027, 3, 15), "Oui",
         "X", "Oui", "Non", True, 1, "x", "Oui", None, "Dossier 1"],
        [datetime(2022, 3, 2, 10, 0), "Durand", "Luc", "luc@example.org", "1053 - Bourg-en-Bresse", 1000,
         "Chambre chez l'habitant", 2, 1, 1, date(2027, 1, 10), None, "", "", "", "", False, 0, "", "Non", 250, None],
        [datetime(2022, 3, 3), "Roy", "Eva", "eva@example.org", "44213", None, "Centre de vacances", 30, 30, 12,
         46000, None, "Non", None, "Oui", None, None, None, None, None, None, None],
    ]  # fmt: skip
    table = table_of(xlsx_bytes([headers, *rows]), "export.xlsx")
    mapping = propose_mapping(table.headers)
    assert mapping.unmapped_headers() == []
    assert [mapping.targets[i] for i in range(4)] == [
        Target.IGNORE,
        Target.PRIVATE,
        Target.PRIVATE,
        Target.PRIVATE,
    ]
    results = validate(table, mapping, ("44", "01"), TODAY)
    assert all(r.ok for r in results), [r.problems for r in results]
    nantes, bourg, varades = (r.fields for r in results)
    assert nantes is not None and bourg is not None and varades is not None
    assert (
        nantes["commune_insee"] == "44109" and nantes["bedrooms"] == 2 and nantes["available_from"] == TODAY
    )
    assert nantes["available_until"] == date(2027, 3, 15) and nantes["equipment"] == ["furnished", "internet"]
    assert (
        nantes["transport"] == ["public_transport"]
        and nantes["children"] is True
        and nantes["smoking"] is False
    )
    assert bourg["commune_insee"] == "01053" and bourg["cost"] == "rent" and bourg["cost_eur"] == 250
    assert bourg["available_from"] == date(2027, 1, 10) and bourg["step_free"] is None
    assert (
        varades["kind"] == "holiday_centre" and varades["available_from"] == TODAY
    )  # Excel serial 46000 (2025)
    assert all("example.org" not in str(r.fields) and "Dupont" not in str(r.fields) for r in results)


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8"), (",", "utf-8-sig"), ("\t", "utf-16"), (";", "cp1252"), (",", "cp1252")],
)
def test_csv_delimiters_and_encodings(delimiter: str, encoding: str) -> None:
    table = table_of(csv_bytes([HEADERS, *GOOD_ROWS], delimiter=delimiter, encoding=encoding))
    assert table.headers == tuple(HEADERS) and len(table.rows) == 3
    assert table.rows[2][0] == "Rezé" and table.source is reading.SourceType.CSV
    assert all(r.ok for r in validate(table, propose_mapping(table.headers), "44", TODAY))


def test_blank_rows_are_skipped_and_lines_are_the_sheets() -> None:
    table = table_of(xlsx_bytes([HEADERS, GOOD_ROWS[0], [], [None, None], GOOD_ROWS[1]]), "a.xlsx")
    assert table.lines == (2, 5) and table.sheet == "Offres"


def refusal(data: bytes, filename: str = "offres.xlsx") -> RefusalReason:
    result = read_table(data, filename)
    assert isinstance(result, ImportRefusal), result
    return result.reason


def test_files_that_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    good = xlsx_bytes([HEADERS, *GOOD_ROWS])
    assert refusal(b"x" * (10 * 1024 * 1024 + 1), "big.csv") is RefusalReason.TOO_BIG
    assert refusal(b"", "empty.csv") is RefusalReason.EMPTY
    assert refusal(b"\xef\xbb\xbf \r\n\r\n", "blank.csv") is RefusalReason.EMPTY
    assert refusal(xlsx_bytes([]), "empty.xlsx") is RefusalReason.EMPTY
    assert refusal(random.Random(1).randbytes(5000), "random.xlsx") is RefusalReason.NOT_A_SPREADSHEET
    assert refusal(good[: len(good) // 2]) is RefusalReason.CORRUPTED
    assert refusal(good[:100] + b"\x00" * 200 + good[300:]) is RefusalReason.CORRUPTED
    assert refusal(good, "offres.xlsm") is RefusalReason.MACRO_WORKBOOK
    assert refusal(with_member(good, "xl/vbaProject.bin", b"\x00macro")) is RefusalReason.MACRO_WORKBOOK
    assert (
        refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls")
        is RefusalReason.OLD_OR_ENCRYPTED_WORKBOOK
    )
    assert refusal(b"%PDF-1.7 ...", "offres.pdf") is RefusalReason.NOT_A_SPREADSHEET
    assert (
        refusal(zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}))
        is RefusalReason.NOT_A_SPREADSHEET
    )
    assert refusal(csv_bytes([["12", "2026-01-01"], ["3", "4"]]), "a.csv") is RefusalReason.NO_HEADER
    assert refusal(csv_bytes([HEADERS]), "a.csv") is RefusalReason.NO_ROWS
    assert refusal(xlsx_bytes([[f"C{n}" for n in range(250)], ["x"] * 250])) is RefusalReason.TOO_MANY_COLUMNS
    many = ("Commune;Places\r\n" + "Nantes;2\r\n" * 50_001).encode()
    assert refusal(many, "many.csv") is RefusalReason.TOO_MANY_ROWS
    assert isinstance(read_table(("Commune;Places\r\n" + "Nantes;2\r\n" * 50_000).encode(), "ok.csv"), Table)
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    assert refusal(good) is RefusalReason.TOO_MANY_ROWS
    monkeypatch.setattr(reading, "MAX_UNCOMPRESSED_BYTES", 1000)
    assert refusal(good) is RefusalReason.TOO_BIG  # a zip that would unpack into too much


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr(name, content)
    return out.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, content in members.items():
            target.writestr(name, content)
    return out.getvalue()


# --------------------------------------------------------------------------- formulas


def test_formula_text_is_never_imported_as_such() -> None:
    evil = '=HYPERLINK("http://evil.example","x")'
    for text in (evil, "+cmd|' /C calc'!A0", "@SUM(A1:A2)", "-HYPERLINK(1)"):
        assert is_formula_like(text)
    for text in ("-3", "+33 6 12 34 56 78", "- pas d'animaux", "@home", "=", "a=b"):
        assert not is_formula_like(text)
    [result] = check([row_with(Commentaires=evil)])
    assert result.ok and result.fields is not None and result.fields["notes"] is None
    [warning] = result.problems
    assert warning.kind is ProblemKind.FORMULA_NEUTRALISED and not warning.is_error
    assert warning.value is not None and warning.value.startswith("'=")
    [in_number] = check([row_with(Nombre_de_places="=1+1", Nombre_de_lits="")])
    assert ProblemKind.FORMULA_NEUTRALISED in kinds(in_number) and ProblemKind.CAPACITY_MISSING in kinds(
        in_number
    )


def test_xlsx_formula_cells_are_not_evaluated_and_their_links_are_dropped() -> None:
    evil = '=HYPERLINK("http://evil.example","Cliquez")'
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Commune", "Places", "Commentaires", "Adresse"])
    sheet.append(["Nantes", 2, evil, "1 rue A"])  # a real formula, no cached result
    sheet.append(["Rezé", 3, None, "=1+2"])
    text_cell = sheet.cell(row=4, column=3, value=evil)  # the same text, stored as a string cell
    text_cell.data_type = "s"
    sheet.cell(row=4, column=1, value="Orvault")
    sheet.cell(row=4, column=2, value=1)
    out = io.BytesIO()
    workbook.save(out)
    data = out.getvalue()
    # Give the first formula the cached result Excel would have stored with it.
    data = rewrite_member(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"</f><v />", b"</f><v>Cliquez</v>", 1).replace(
            b'<c r="C2"', b'<c r="C2" t="str"', 1
        ),
    )
    table = table_of(data, "f.xlsx")
    assert table.formula_cells == frozenset({(0, 2), (1, 3)})
    assert table.rows[0][2] == "Cliquez" and table.rows[1][3] is None and table.rows[2][2] == evil
    results = validate(table, propose_mapping(table.headers), "44", TODAY)
    assert all(r.ok for r in results)
    assert [r.fields["notes"] if r.fields else None for r in results] == ["Cliquez", None, None]
    assert [r.fields["address"] if r.fields else None for r in results] == ["1 rue A", None, None]
    assert all(ProblemKind.FORMULA_NEUTRALISED in kinds(r) for r in results)
    assert "http" not in str([r.fields for r in results])


def rewrite_member(data: bytes, name: str, change: Any) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, change(content) if item.filename == name else content)
    return out.getvalue()


def test_error_report_reopens_with_reasons_and_no_formula() -> None:
    dangerous = ['=HYPERLINK("http://evil","x")', "+SUM(1)", "-2", "@A1"]
    rows = [row_with(Commune=text, Code_postal="") for text in dangerous] + [GOOD_ROWS[0]]
    table = table_of(csv_bytes([HEADERS, *rows]))
    results = validate(table, propose_mapping(table.headers), "44", TODAY)
    report = error_report(table, results, lambda p: f"[{p.kind.value}]", reason_header="Reason")
    sheet = openpyxl.load_workbook(io.BytesIO(report)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Ligne", *HEADERS, "Reason"]
    assert len(values) == 1 + 4  # the good row is not in the report
    assert [row[1] for row in values[1:]] == dangerous and [row[0] for row in values[1:]] == [2, 3, 4, 5]
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)
        assert row[1].data_type == "s" and row[1].quotePrefix
    assert (
        values[1][-1] == "[formula_neutralised]; [commune_missing]" and "[unknown_commune]" in values[3][-1]
    )
    assert "<f>" not in zipfile.ZipFile(io.BytesIO(report)).read("xl/worksheets/sheet1.xml").decode()


# --------------------------------------------------------------------------- robustness

cell_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "0", "-1", "1e9", "3,5", "=1+1", "oui", "X", "01/02/2027", "2027-02-30", "44000", "2A004",
                     "Saint-Denis (93)", "gratuit", "350 €", "∞", "\x00", "\u202e", "NaN", "44109 - Nantes"]),
)  # fmt: skip
typed_cell = st.one_of(
    cell_text,
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.none(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(typed_cell, min_size=len(HEADERS), max_size=len(HEADERS)), min_size=1, max_size=4)
)
def test_arbitrary_cells_never_raise(rows: list[list[Any]]) -> None:
    table = Table(
        tuple(HEADERS),
        tuple(tuple(r) for r in rows),
        tuple(range(2, 2 + len(rows))),
        reading.SourceType.XLSX,
    )
    results = validate(table, propose_mapping(HEADERS), "44", TODAY)
    assert len(results) == len(rows)
    for result in results:
        assert (result.fields is None) == (result.status is RowStatus.FAILED)
        if result.ok:
            assert result.fields is not None and not __import__(
                "bot.domain.offers"
            ).domain.offers.check_offer(result.fields)
        for problem in result.problems:
            assert describe_problem(problem)
    error_report(table, results)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    result = read_table(data, "x.csv")
    assert isinstance(result, (Table, ImportRefusal))
    result = read_table(b"PK\x03\x04" + data, "x.xlsx")
    assert isinstance(result, ImportRefusal)


def with_sheet_data(rows_xml: bytes, dimension: bytes = b"A1:B2") -> bytes:
    """A small workbook whose sheet holds these rows (after a header and one good row)."""
    good = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>Commune</t></is></c><c r="B1" t="inlineStr"><is><t>Places'
        b'</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Nantes</t></is></c><c r="B2"><v>2</v></c></row>'
    )

    def change(xml: bytes) -> bytes:
        head, _, rest = xml.partition(b"<sheetData>")
        head = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="' + dimension + b'"/>', head)
        return head + b"<sheetData>" + good + rows_xml + b"</sheetData>" + rest.partition(b"</sheetData>")[2]

    return rewrite_member(xlsx_bytes([["x"]]), "xl/worksheets/sheet1.xml", change)


async def test_hostile_sheets_are_refused_or_read_quickly_in_bounded_memory() -> None:
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    assert refusal(with_sheet_data(far, b"A1:XFD1048576")) is RefusalReason.TOO_MANY_COLUMNS
    sparse = b'<row r="900000"><c r="A900000"><v>3</v></c></row><row r="1048576"><c r="XFD1048576"/></row>'
    table = table_of(with_sheet_data(sparse, b"A1:XFD1048576"), "sparse.xlsx")
    assert table.headers == ("Commune", "Places") and table.lines == (2, 900000)
    # Millions of tiny rows, millions of empty cells in one row: a few hundred KB zipped.
    tiny_rows = with_sheet_data(b"".join(b'<row r="%d"/>' % n for n in range(3, reading.MAX_CELLS + 10)))
    empty_cells = with_sheet_data(b'<row r="3">' + b"<c/>" * (reading.MAX_CELLS + 10) + b"</row>")
    for data in (tiny_rows, empty_cells):
        started = time.monotonic()
        result = await read_file(data, "hostile.xlsx", memory=400 * 1024 * 1024)
        assert isinstance(result, ImportRefusal) and result.reason is RefusalReason.TOO_MANY_CELLS
        assert result.details == {"limit": reading.MAX_CELLS} and time.monotonic() - started < 15
        assert report.describe_refusal(result)


async def test_a_reading_that_exceeds_its_memory_or_time_is_refused_not_fatal() -> None:
    data = xlsx_bytes([HEADERS, *GOOD_ROWS])
    table = await read_file(data, "offres.xlsx")
    assert isinstance(table, Table) and table == table_of(data, "offres.xlsx")
    big = csv_bytes([HEADERS, *[GOOD_ROWS[0]] * 40_000])  # 5 MB: some 100 MB once read
    starved = await read_file(big, "offres.csv", memory=64 * 1024 * 1024)
    assert isinstance(starved, ImportRefusal) and starved.reason is RefusalReason.TOO_BIG
    late = await read_file(big, "offres.csv", seconds=0.01)  # reading 40 000 rows takes longer than that
    assert isinstance(late, ImportRefusal) and late.reason is RefusalReason.TOO_BIG


# --------------------------------------------------------------------------- database


async def offers_in(database: Database) -> tuple[int, int]:
    async with database.transaction() as session:
        offers = await session.scalar(select(func.count()).select_from(Offer))
        events = await session.scalar(select(func.count()).select_from(OfferEvent))
    return int(offers or 0), int(events or 0)


async def run_import(database: Database, data: bytes, filename: str, **kwargs: Any) -> ImportOutcome:
    table = table_of(data, filename)
    results = validate(table, propose_mapping(table.headers), "44", TODAY)
    async with database.transaction() as session:
        return await import_offers(
            session,
            results,
            organisation=ORGANISATION,
            actor_id=COORDINATOR,
            departement="44",
            now=NOW,
            **kwargs,
        )


async def test_import_writes_managed_offers_with_events_and_reimport_only_confirms(database_url: str) -> None:
    database = Database(database_url)
    await database.upgrade()
    rows = [*GOOD_ROWS, row_with(Commune="Atlantide", Code_postal="")]
    first = await run_import(database, xlsx_bytes([HEADERS, *rows]), "offres.xlsx")
    assert (first.imported, first.already_imported, first.failed) == (3, 0, 1)
    assert first.failed_lines == (5,) and len(first.offer_ids) == 3
    async with database.transaction() as session:
        offers = list(await session.scalars(select(Offer).order_by(col(Offer.id))))
        events = list(await session.scalars(select(OfferEvent)))
    assert [o.commune_name for o in offers] == ["Nantes", "Saint-Herblain", "Rezé"]
    for offer in offers:
        assert offer.host_id is None and offer.managed_by == ORGANISATION and offer.status == "available"
        assert offer.last_confirmed_at == NOW and offer.qualification == "unqualified"
        assert offer.import_key is not None and len(offer.import_key) == 64
    assert offers[0].languages == ["ru", "en"] and offers[0].phone == "+33612345678"
    assert {(e.offer_id, e.actor_id, e.action, e.at) for e in events} == {
        (o.id, COORDINATOR, "imported", NOW) for o in offers
    }
    assert sorted(e.detail["line"] for e in events) == [2, 3, 4]

    # The same offers again: as csv, rows in another order, columns in another order.
    order = [3, 0, 2, 1]
    columns = list(reversed(range(len(HEADERS))))
    shuffled = [[row[c] for c in columns] for row in ([rows[i] for i in order])]
    # Checked before importing, the preview says so.
    table = table_of(xlsx_bytes([HEADERS, *rows]), "offres.xlsx")
    async with database.transaction() as session:
        plan = await plan_for(session, validate(table, propose_mapping(table.headers), "44", TODAY),
                              organisation=ORGANISATION, departement="44", today=TODAY)  # fmt: skip
    assert (len(plan.create), len(plan.unchanged), len(plan.update), len(plan.failed)) == (0, 3, 0, 1)
    again = await run_import(database, csv_bytes([[HEADERS[c] for c in columns], *shuffled]), "offres.csv")
    assert (again.imported, again.unchanged, again.updated, again.already_imported, again.failed) == (
        0,
        3,
        0,
        0,
        1,
    )
    assert await offers_in(database) == (3, 6)  # each confirmed, nothing added
    await database.close()


async def test_import_is_all_or_nothing(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    database = Database(database_url)
    await database.upgrade()
    rows = [row_with(Commentaires=f"Offre {n}") for n in range(30)]
    calls = 0
    original = imports.insert_events

    async def failing(session: Any, events: list[dict[str, Any]]) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("disk full")
        await original(session, events)

    monkeypatch.setattr(imports, "insert_events", failing)
    with pytest.raises(RuntimeError):
        await run_import(database, csv_bytes([HEADERS, *rows]), "a.csv", batch_size=10)
    assert calls == 2
    assert await offers_in(database) == (0, 0)
    monkeypatch.setattr(imports, "insert_events", original)
    outcome = await run_import(database, csv_bytes([HEADERS, *rows]), "a.csv", batch_size=10)
    assert outcome.imported == 30 and await offers_in(database) == (30, 30)
    await database.close()


async def test_an_import_racing_another_one_writes_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(database_url)
    await database.upgrade()
    await run_import(database, csv_bytes([HEADERS, GOOD_ROWS[0]]), "first.csv")

    async def nothing_known(session: Any, keys: Any) -> dict[str, Any]:
        return {}  # as if another organisation's import committed the same rows just after

    monkeypatch.setattr(imports, "offers_by_fingerprint", nothing_known)
    with pytest.raises(imports.ConcurrentImportError):
        await run_import(database, csv_bytes([HEADERS, *GOOD_ROWS]), "second.csv")
    assert await offers_in(database) == (1, 1)
    await database.close()


async def test_import_refuses_rows_outside_its_departement_and_bad_arguments(database_url: str) -> None:
    database = Database(database_url)
    await database.upgrade()
    table = table_of(csv_bytes([HEADERS, GOOD_ROWS[0]]))
    results = validate(table, propose_mapping(table.headers), None, TODAY)  # not checked against a scope
    async with database.transaction() as session:
        with pytest.raises(ValueError):
            await import_offers(
                session, results, organisation=ORGANISATION, actor_id=None, departement="35", now=NOW
            )
        with pytest.raises(ValueError):
            await import_offers(session, results, organisation="  ", actor_id=None, departement="44", now=NOW)
    assert await offers_in(database) == (0, 0)
    await database.close()


async def test_command_line_import_of_a_file(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(xlsx_bytes([HEADERS, *GOOD_ROWS, row_with(Nombre_de_places="-1")]))
    done = await import_file(database_url, path, "44", ORGANISATION, now=NOW)
    assert done.outcome is not None and (done.outcome.imported, done.outcome.failed) == (3, 1)
    assert done.report is not None
    report = openpyxl.load_workbook(io.BytesIO(done.report)).active
    assert report is not None
    [header, failed] = [[cell.value for cell in row] for row in report.iter_rows()]
    assert header[-1] == "Motif" and failed[0] == 5 and "Negative number" in failed[-1]
    again = await import_file(database_url, path, "44", ORGANISATION, now=NOW + timedelta(days=3))
    assert again.outcome is not None and (again.outcome.imported, again.outcome.unchanged) == (0, 3)
    (tmp_path / "bad.csv").write_bytes(b"\x89PNG\r\n")
    refused = await import_file(database_url, tmp_path / "bad.csv", "44", ORGANISATION)
    assert refused.refusal is not None and refused.outcome is None
    (tmp_path / "nocommune.csv").write_bytes(csv_bytes([["Places"], ["2"]]))
    incomplete = await import_file(database_url, tmp_path / "nocommune.csv", "44", ORGANISATION)
    assert incomplete.missing == (Requirement.COMMUNE,) and incomplete.outcome is None


def test_every_target_refusal_and_problem_has_an_english_text() -> None:
    assert set(report.TARGET_NAMES) == columns.TARGETS
    for reason in RefusalReason:
        assert report.describe_refusal(ImportRefusal(reason, {"limit": 1}))
    for kind in ProblemKind:
        assert describe_problem(Problem(kind, "Commune", "x"))


def test_fingerprint_ignores_cell_types_order_and_the_day_but_not_the_content() -> None:
    headers = ["Ville", "CP", "Places", "Disponible à partir du", "Jusqu'au", "Commentaires"]
    typed = [
        ["Nantes", 44000, 2, date(2026, 12, 1), None, "Calme"],
        ["Rezé", 44400, 3, "maintenant", None, "x"],
    ]
    as_text = [
        ["Rezé", "44400", "3", "Maintenant", "", "x"],
        ["NANTES ", "44000", "2", "2026-12-01", "", "calme"],
    ]
    xlsx = table_of(xlsx_bytes([headers, *typed]), "a.xlsx")
    csv_table = table_of(csv_bytes([headers, *as_text]))
    keys_xlsx = {r.import_key for r in validate(xlsx, propose_mapping(xlsx.headers), "44", TODAY)}
    keys_csv = {r.import_key for r in validate(csv_table, propose_mapping(csv_table.headers), "44", TODAY)}
    later = validate(xlsx, propose_mapping(xlsx.headers), "44", TODAY + timedelta(days=3))
    assert keys_xlsx == keys_csv == {r.import_key for r in later} and None not in keys_xlsx
    changed = table_of(xlsx_bytes([headers, [*typed[0][:-1], "Calme, jardin"]]), "b.xlsx")
    [other] = validate(changed, propose_mapping(changed.headers), "44", TODAY)
    assert other.import_key not in keys_xlsx


def test_a_file_imported_before_facts_could_be_not_stated_keeps_its_fingerprints() -> None:
    """The first version put "free" for an empty cost cell; the same row read today has the same key."""
    [silent], [stated] = check([row_with(Loyer="")]), check([row_with(Loyer="gratuit")])
    assert silent.fields is not None and silent.fields["cost"] is None
    assert stated.fields is not None and stated.fields["cost"] == "free"
    assert silent.import_key == stated.import_key
