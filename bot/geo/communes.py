# SPDX-License-Identifier: AGPL-3.0-or-later
"""French communes: find one by name, postal code or INSEE code, or the nearest one to a point.

Pure Python (standard library only). The data is the table ``communes.tsv.gz`` shipped beside
this module (built by ``python -m bot.geo.build_communes``, see ``SOURCES.md``): every current
commune plus the municipal arrondissements of Paris, Lyon and Marseille, with their postal codes,
the centroid of their territory and their population.

>>> index = load_communes()
>>> [c.insee for c in index.search("St-Étienne", limit=1)]
['42218']
"""

from __future__ import annotations

import bisect
import functools
import gzip
import itertools
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources

__all__ = [
    "DEPARTEMENTS",
    "Commune",
    "CommuneIndex",
    "distance_km",
    "load_communes",
    "normalize",
    "normalize_departement",
]

_log = logging.getLogger(__name__)

DATA_PACKAGE = "bot.geo"
DATA_FILE = "communes.tsv.gz"
_COLUMNS = ("insee", "name", "dep", "postal", "lat", "lon", "pop", "radius_km", "parent", "aliases")

#: The 101 départements (INSEE codes and names): 96 in metropolitan France, 5 overseas.
DEPARTEMENTS: dict[str, str] = {
    "01": "Ain", "02": "Aisne", "03": "Allier", "04": "Alpes-de-Haute-Provence", "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes", "07": "Ardèche", "08": "Ardennes", "09": "Ariège", "10": "Aube",
    "11": "Aude", "12": "Aveyron", "13": "Bouches-du-Rhône", "14": "Calvados", "15": "Cantal",
    "16": "Charente", "17": "Charente-Maritime", "18": "Cher", "19": "Corrèze", "21": "Côte-d'Or",
    "22": "Côtes-d'Armor", "23": "Creuse", "24": "Dordogne", "25": "Doubs", "26": "Drôme",
    "27": "Eure", "28": "Eure-et-Loir", "29": "Finistère", "2A": "Corse-du-Sud", "2B": "Haute-Corse",
    "30": "Gard", "31": "Haute-Garonne", "32": "Gers", "33": "Gironde", "34": "Hérault",
    "35": "Ille-et-Vilaine", "36": "Indre", "37": "Indre-et-Loire", "38": "Isère", "39": "Jura",
    "40": "Landes", "41": "Loir-et-Cher", "42": "Loire", "43": "Haute-Loire", "44": "Loire-Atlantique",
    "45": "Loiret", "46": "Lot", "47": "Lot-et-Garonne", "48": "Lozère", "49": "Maine-et-Loire",
    "50": "Manche", "51": "Marne", "52": "Haute-Marne", "53": "Mayenne", "54": "Meurthe-et-Moselle",
    "55": "Meuse", "56": "Morbihan", "57": "Moselle", "58": "Nièvre", "59": "Nord",
    "60": "Oise", "61": "Orne", "62": "Pas-de-Calais", "63": "Puy-de-Dôme", "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées", "66": "Pyrénées-Orientales", "67": "Bas-Rhin", "68": "Haut-Rhin",
    "69": "Rhône", "70": "Haute-Saône", "71": "Saône-et-Loire", "72": "Sarthe", "73": "Savoie",
    "74": "Haute-Savoie", "75": "Paris", "76": "Seine-Maritime", "77": "Seine-et-Marne",
    "78": "Yvelines", "79": "Deux-Sèvres", "80": "Somme", "81": "Tarn", "82": "Tarn-et-Garonne",
    "83": "Var", "84": "Vaucluse", "85": "Vendée", "86": "Vienne", "87": "Haute-Vienne",
    "88": "Vosges", "89": "Yonne", "90": "Territoire de Belfort", "91": "Essonne",
    "92": "Hauts-de-Seine", "93": "Seine-Saint-Denis", "94": "Val-de-Marne", "95": "Val-d'Oise",
    "971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion", "976": "Mayotte",
}  # fmt: skip

EARTH_RADIUS_KM = 6371.0088
#: A location farther than this from every commune centroid is taken as outside France…
NEAREST_MAX_KM = 30.0
# …unless it lies within the extent of a very large commune (French Guiana has communes of
# thousands of km², whose centroid can be 100 km from places inside them).

MAX_QUERY_CHARS = 200  # longer input is cut: no commune name is a quarter of that
_RANGE_SCAN_MAX = 2000  # prefix ranges larger than this are scanned in population order instead
_CELLS_PER_DEG = 10  # grid cells of 0.1° for nearest(): ≈ 11 km × 8 km in metropolitan France
_CELLS_AROUND = 360 * _CELLS_PER_DEG
_KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180.0

# Letters that NFKD does not decompose into ASCII.
_SPECIAL_LETTERS = (
    ("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss"),
    ("ø", "o"), ("Ø", "O"), ("ł", "l"), ("Ł", "L"), ("đ", "d"), ("Đ", "D"),
)  # fmt: skip
_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_ALNUM_KEEP_NEWLINES = re.compile(r"[^a-z0-9\n]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_ABBREVIATION = re.compile(r"\b(?:st|ste|sts|stes)\b")
_ARTICLES = frozenset({"le", "la", "les", "l", "aux", "las", "los"})
_INSEE = re.compile(r"(?:\d{5}|2[ab]\d{3})")
_POSTAL = re.compile(r"\d{5}")
_ARRONDISSEMENT = re.compile(r"(.+) (\d+)(?:er|e) arrondissement")
# "Saint-Denis (93)" / "Saint-Denis, Réunion": a département (code or name) in brackets or after a comma
_TRAILING_PLACE = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<paren>[^()]*)\)?|,(?P<comma>[^,]*))\s*$", re.S)


def _fold(text: str) -> str:
    """ASCII lower case: accents removed, œ → oe…; any other non-ASCII character (’, emoji, CJK…)
    becomes "?", a word separator like every other punctuation."""
    for letter, replacement in _SPECIAL_LETTERS:
        if letter in text:
            text = text.replace(letter, replacement)
    bare = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))
    return bare.encode("ascii", "replace").decode("ascii").lower()


def _expand(match: re.Match[str]) -> str:
    return _ABBREVIATIONS[match.group()]


def normalize(text: str) -> str:
    """Fold ``text`` for matching: ASCII lower case, words of letters and digits separated by one
    space, "St"/"Ste" spelt "saint"/"sainte". ``"L’Haÿ-les-Roses"`` → ``"l hay les roses"``."""
    return _ABBREVIATION.sub(_expand, _NON_ALNUM.sub(" ", _fold(text))).strip()


def _normalize_lines(texts: Sequence[str]) -> list[str]:
    """``[normalize(t) for t in texts]`` for texts without line breaks, in a few C-level passes."""
    folded = _NON_ALNUM_KEEP_NEWLINES.sub(" ", _fold("\n".join(texts)))
    return [line.strip() for line in _ABBREVIATION.sub(_expand, folded).split("\n")]


def _squash(normalized: str) -> str:
    return normalized.replace(" ", "")


def normalize_departement(code: str) -> str | None:
    """The canonical code of a département (``"44"``, ``"2A"``, ``"974"``) or None.

    Accepts surrounding spaces, lower case (``"2a"``) and a single digit (``"1"`` → ``"01"``).
    """
    if not isinstance(code, str):
        return None
    canonical = code.strip().upper()
    if len(canonical) == 1 and canonical.isdigit():
        canonical = "0" + canonical
    return canonical if canonical in DEPARTEMENTS else None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees (haversine formula)."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune, or a municipal arrondissement of Paris, Lyon or Marseille.

    ``name`` is the display name with its article (``"Le Mans"``); ``lat``/``lon`` is the
    centroid of its territory (WGS84 degrees); ``population`` may be 0 when unknown (Mayotte).
    """

    insee: str
    name: str
    departement: str
    postal_codes: tuple[str, ...]
    lat: float
    lon: float
    population: int

    @property
    def is_arrondissement(self) -> bool:
        """True for an arrondissement of Paris (751xx), Lyon (6938x) or Marseille (132xx)."""
        code = self.insee
        return code.startswith(("751", "6938")) or (code.startswith("132") and "01" <= code[3:] <= "16")


class _KeyTable:
    """Normalized, squashed keys → communes, for exact and prefix lookups.

    Communes are identified by their rank in population order, so sorting ids ranks by population.
    """

    def __init__(self, keys: list[str], ids: list[int], blobs: list[str] | None = None) -> None:
        """``keys[n]`` is a key of commune ``ids[n]`` (a commune may have several keys).

        ``blobs[i]``, when given, holds every key of commune ``i`` as ``"\0key1\0key2"``, so that
        ``"\0" + prefix in blobs[i]`` tells whether one of them starts with ``prefix``: it makes
        short prefixes (thousands of matching keys) and restricted searches fast.
        """
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self._keys = [keys[n] for n in order]
        self._ids = [ids[n] for n in order]
        self._blobs = blobs

    def exact(self, key: str) -> list[int]:
        """Communes having exactly this key, most populated first."""
        lo = bisect.bisect_left(self._keys, key)
        hi = bisect.bisect_right(self._keys, key, lo)
        return sorted(set(self._ids[lo:hi])) if hi - lo > 1 else self._ids[lo:hi]

    def prefix(
        self,
        key: str,
        candidates: Sequence[int] | None,
        allowed: frozenset[int] | None,
        want: int,
        skip: set[int],
    ) -> list[int]:
        """Up to ``want`` communes, most populated first, not in ``skip``, with a key starting with
        ``key``; only among ``candidates`` (ids in increasing order; ``allowed`` is the same set)
        when given."""
        lo = bisect.bisect_left(self._keys, key)
        hi = bisect.bisect_left(self._keys, key + "\x7f", lo)
        blobs = self._blobs
        scan: Iterable[int] | None = None
        if blobs is not None:
            if candidates is not None and len(candidates) < hi - lo:
                scan = candidates
            elif candidates is None and hi - lo > _RANGE_SCAN_MAX:
                scan = range(len(blobs))  # dense matches: the first ones in population order come fast
        found: list[int] = []
        if scan is not None and blobs is not None:
            needle = "\0" + key
            for ident in scan:
                if needle in blobs[ident] and ident not in skip:
                    found.append(ident)
                    if len(found) >= want:
                        break
            return found
        for ident in sorted(set(self._ids[lo:hi])):
            if ident not in skip and (allowed is None or ident in allowed):
                found.append(ident)
                if len(found) >= want:
                    break
        return found


@dataclass(frozen=True)
class _Variant:
    """One reading of a query: the name to look for, maybe restricted to some communes."""

    key: str
    candidates: tuple[int, ...] | None  # ids in increasing order, None = everywhere
    allowed: frozenset[int] | None


class CommuneIndex:
    """In-memory index of the communes; build it with :func:`load_communes`."""

    def __init__(self, tsv: str) -> None:
        """Index the content of a ``communes.tsv.gz`` table (decompressed)."""
        header, _, body = tsv.partition("\n")
        names = header.split("\t")
        width = len(names)
        fields = body.rstrip("\n").replace("\n", "\t").split("\t")
        if len(fields) % width or any(n not in names for n in _COLUMNS):
            raise ValueError("not a communes table: bad header or ragged rows")
        raw = {name: fields[n::width] for n, name in enumerate(names)}
        populations = list(map(int, raw["pop"]))
        # A commune's id is its rank by population, so that sorting ids ranks by population. The
        # packaged table is already in that order; another one is sorted here (stable: a table in
        # INSEE order keeps that order among equal populations).
        if any(a < b for a, b in itertools.pairwise(populations)):
            order = sorted(range(len(populations)), key=populations.__getitem__, reverse=True)
            raw = {name: [values[n] for n in order] for name, values in raw.items()}
            populations = [populations[n] for n in order]
        size = len(populations)

        # Columns; Commune objects are only made when asked for (that halves the load time).
        self._insee = raw["insee"]
        self._name = raw["name"]
        self._dep = raw["dep"]
        self._postal = raw["postal"]
        self._lat = list(map(float, raw["lat"]))
        self._lon = list(map(float, raw["lon"]))
        self._pop = populations
        self._made: list[Commune | None] = [None] * size
        self._by_insee: dict[str, int] = {code: i for i, code in enumerate(self._insee)}

        by_dep: dict[str, list[int]] = {}
        for i, dep in enumerate(self._dep):
            by_dep.setdefault(dep, []).append(i)
        self._by_departement = {k: tuple(v) for k, v in by_dep.items()}
        by_postal: dict[str, list[int]] = {}
        for i, codes in enumerate(self._postal):
            for code in codes.split():
                by_postal.setdefault(code, []).append(i)
        self._by_postal = {k: tuple(v) for k, v in by_postal.items()}
        self._parent: dict[int, int] = {
            i: self._by_insee[code] for i, code in enumerate(raw["parent"]) if code
        }

        # The name, with and without its article ("Le Mans" is also "Mans"); and from its second
        # word, third word… ("Olonne" finds "Les Sables-d'Olonne").
        split_names = [n.split() for n in _normalize_lines(self._name)]
        name_keys = ["".join(words) for words in split_names]
        name_ids = list(range(size))
        blobs = ["\0" + key for key in name_keys]
        word_keys: list[str] = []
        word_ids: list[int] = []
        for i, words in enumerate(split_names):
            if len(words) > 1:
                if words[0] in _ARTICLES:
                    key = "".join(words[1:])
                    name_keys.append(key)
                    name_ids.append(i)
                    blobs[i] += "\0" + key
                for start in range(1, len(words)):
                    word_keys.append("".join(words[start:]))
                    word_ids.append(i)
        for i in self._parent:
            for key in self._arrondissement_keys(" ".join(split_names[i])):
                name_keys.append(key)
                name_ids.append(i)
                blobs[i] += "\0" + key
        self._names = _KeyTable(name_keys, name_ids, blobs)
        self._words = _KeyTable(word_keys, word_ids)

        # The names of the former communes merged into a current one.
        owners = [(i, aliases.split("|")) for i, aliases in enumerate(raw["aliases"]) if aliases]
        split_aliases = iter(n.split() for n in _normalize_lines([a for _, group in owners for a in group]))
        alias_keys: list[str] = []
        alias_ids: list[int] = []
        for i, group in owners:
            for _ in group:
                for key in self._name_keys(next(split_aliases)):
                    alias_keys.append(key)
                    alias_ids.append(i)
        self._aliases = _KeyTable(alias_keys, alias_ids)

        self._departement_keys: dict[str, tuple[str, ...]] = {}
        for code, name in DEPARTEMENTS.items():
            for key in self._name_keys(normalize(name).split()):
                self._departement_keys[key] = (*self._departement_keys.get(key, ()), code)
        self._departement_keys["corse"] = ("2A", "2B")
        self._departement_keys["20"] = ("2A", "2B")  # the pre-1976 code, still written by some

        self._build_grid(list(map(float, raw["radius_km"])))

    # ------------------------------------------------------------------ indexing

    @staticmethod
    def _name_keys(words: list[str]) -> list[str]:
        """The squashed name, and without its article ("Le Mans" is also "Mans")."""
        keys = ["".join(words)]
        if len(words) > 1 and words[0] in _ARTICLES:
            keys.append("".join(words[1:]))
        return keys

    @staticmethod
    def _arrondissement_keys(normalized: str) -> list[str]:
        """ "Paris 11e Arrondissement" is also "Paris 11", "Paris 11e", "Paris 11ème"."""
        match = _ARRONDISSEMENT.fullmatch(normalized)
        if not match:
            return []
        city, number = _squash(match.group(1)), match.group(2)
        suffixes = ("", "e", "eme", "er", "ere") if number == "1" else ("", "e", "eme")
        return [f"{city}{number}{suffix}" for suffix in suffixes]

    def _build_grid(self, radii: list[float]) -> None:
        self._grid: dict[int, list[int]] = {}
        plm_cities = set(self._parent.values())  # a pin in Paris gets its arrondissement, not the city
        cells = [
            _cell(int((lat + 90.0) * _CELLS_PER_DEG), int((lon + 180.0) * _CELLS_PER_DEG))
            for lat, lon in zip(self._lat, self._lon, strict=True)
        ]
        grid = self._grid
        for i, cell in enumerate(cells):
            if i not in plm_cities:
                grid.setdefault(cell, []).append(i)
        self._big = [(i, r) for i, r in enumerate(radii) if r > NEAREST_MAX_KM and i not in plm_cities]

    def _commune(self, ident: int) -> Commune:
        made = self._made[ident]
        if made is None:
            made = Commune(
                insee=self._insee[ident],
                name=self._name[ident],
                departement=self._dep[ident],
                postal_codes=tuple(self._postal[ident].split()),
                lat=self._lat[ident],
                lon=self._lon[ident],
                population=self._pop[ident],
            )
            self._made[ident] = made
        return made

    # ------------------------------------------------------------------ lookups

    def name_keys(self) -> tuple[list[str], list[int]]:
        """Every name key (folded, squashed; with and without article) and the id of its commune."""
        return list(self._names._keys), list(self._names._ids)

    def commune(self, ident: int) -> Commune:
        """The commune of an id of :meth:`name_keys`."""
        return self._commune(ident)

    def __len__(self) -> int:
        return len(self._insee)

    def __iter__(self) -> Iterator[Commune]:
        """Every commune and arrondissement, most populated first."""
        return (self._commune(i) for i in range(len(self._insee)))

    def by_insee(self, code: str) -> Commune | None:
        """The commune (or arrondissement) with this INSEE code, e.g. ``"44109"``, ``"2a004"``."""
        if not isinstance(code, str):
            return None
        ident = self._by_insee.get(code.strip().upper())
        return None if ident is None else self._commune(ident)

    def by_postal_code(self, code: str) -> list[Commune]:
        """Every commune (and arrondissement) having this postal code, most populated first."""
        if not isinstance(code, str):
            return []
        return [self._commune(i) for i in self._by_postal.get(code.strip(), ())]

    def municipality(self, commune: Commune) -> Commune:
        """The commune itself, or Paris / Lyon / Marseille for one of their arrondissements."""
        ident = self._by_insee.get(commune.insee)
        if ident is None:
            return commune
        return self._commune(self._parent.get(ident, ident))

    @staticmethod
    def is_departement(code: str) -> bool:
        """True for a département code: 01–95 (not 20), 2A, 2B, 971–974, 976 (see
        :func:`normalize_departement` for the spellings accepted)."""
        return normalize_departement(code) is not None

    @staticmethod
    def departement_name(code: str) -> str:
        """``"44"`` → ``"Loire-Atlantique"``; raises KeyError for an unknown code."""
        canonical = normalize_departement(code)
        if canonical is None:
            raise KeyError(code)
        return DEPARTEMENTS[canonical]

    def named(self, name: str) -> list[Commune]:
        """Communes whose name is exactly this one, most populated first: up to case, accents, hyphens,
        "St"/"Saint", the article ("Mans" is Le Mans), and "Paris 11" for an arrondissement."""
        return [self._commune(i) for i in self._exact(self._names, name)]

    def formerly_named(self, name: str) -> list[Commune]:
        """The communes that former communes of this name were merged into, most populated first."""
        return [self._commune(i) for i in self._exact(self._aliases, name)]

    def departements_named(self, text: str) -> tuple[str, ...]:
        """The départements a code or a name designates: ``"44"``, ``"1"`` → ``("01",)``, ``"Réunion"``,
        ``"Corse"`` → ``("2A", "2B")``; ``()`` for anything else."""
        squashed = _squash(normalize(text[:MAX_QUERY_CHARS]))
        codes = self._departement_keys.get(squashed)
        if codes is not None:
            return codes
        canonical = normalize_departement(squashed)
        return () if canonical is None else (canonical,)

    @staticmethod
    def _exact(table: _KeyTable, name: str) -> list[int]:
        """Ids having this key, or else the key without a leading article (most populated first)."""
        words = normalize(name[:MAX_QUERY_CHARS]).split()
        if not words:
            return []
        found = table.exact("".join(words))
        if not found and len(words) > 1 and words[0] in _ARTICLES:
            found = table.exact("".join(words[1:]))
        return found

    # ------------------------------------------------------------------ search

    def search(self, query: str, limit: int = 8) -> list[Commune]:
        """Communes matching what someone typed, best first; ``[]`` when nothing matches.

        Understands a name (any case, with or without accents, article, hyphens or apostrophes,
        "St"/"Ste" for "Saint"/"Sainte"), the name of a former commune merged into a current one,
        a postal code (every commune having it), an INSEE code, and a name with a département or a
        postal code: ``"Nantes 44"``, ``"Saint-Denis (93)"``, ``"Saint-Denis, Réunion"``,
        ``"44000 Nantes"``. Names equal to the query come first, most populated first, then names
        starting with it; a name then only matches from one of its later words. Never raises.
        """
        try:
            return self._search(query, int(limit))
        except Exception:  # a lookup typed by a user must never break the caller
            _log.exception(
                "commune search failed for %r", query[:MAX_QUERY_CHARS] if isinstance(query, str) else query
            )
            return []

    def _search(self, query: str, limit: int) -> list[Commune]:
        if not isinstance(query, str) or limit <= 0:
            return []
        text = query[:MAX_QUERY_CHARS]
        normalized = normalize(text)
        if not normalized:
            return []
        words = normalized.split()
        squashed = _squash(normalized)
        if squashed.isdigit() and (len(words) == 1 or len(squashed) == 5):  # "44000", "44 000"
            return self._search_code(squashed, limit)
        if _INSEE.fullmatch(normalized):  # "2A004"
            return self._search_code(normalized, limit)

        variants = self._variants(text, words)
        found: list[int] = []
        seen: set[int] = set()
        for tier in range(5):
            for variant in variants:
                want = limit - len(found)
                if want <= 0:
                    return [self._commune(i) for i in found]
                for ident in self._tier(tier, variant, want, seen):
                    found.append(ident)
                    seen.add(ident)
        return [self._commune(i) for i in found[:limit]]

    def _search_code(self, code: str, limit: int) -> list[Commune]:
        idents = list(self._by_postal.get(code, ()))
        insee = self._by_insee.get(code.upper())
        if insee is not None and insee not in idents:
            idents.append(insee)
        return [self._commune(i) for i in idents[:limit]]

    def _restriction(self, normalized: str) -> tuple[int, ...] | None:
        """The communes a département (code or name) or postal code designates, or None."""
        if not normalized:
            return None
        if _POSTAL.fullmatch(normalized):
            return self._by_postal.get(normalized)
        squashed = _squash(normalized)
        codes = self._departement_keys.get(squashed)
        if codes is None:
            canonical = normalize_departement(squashed)
            if canonical is None:
                return None
            codes = (canonical,)
        merged: list[int] = []
        for code in codes:
            merged.extend(self._by_departement.get(code, ()))
        return tuple(sorted(merged))

    def _variants(self, text: str, words: list[str]) -> list[_Variant]:
        """Readings of the query: restricted to a place when it names one, then as plain text."""
        restricted: list[tuple[str, tuple[int, ...]]] = []
        match = _TRAILING_PLACE.match(text)
        if match and (match.group("paren") is not None or match.group("comma") is not None):
            place = normalize(match.group("paren") or match.group("comma") or "")
            name = normalize(match.group("name"))
            idents = self._restriction(place)
            if name and idents is not None:
                restricted.append((name, idents))
        if not restricted and len(words) > 1:
            for place_words, name_words in ((words[-1:], words[:-1]), (words[:1], words[1:])):
                if any(not w.isdigit() and w not in ("2a", "2b") for w in place_words):
                    continue
                idents = self._restriction(place_words[0])
                if idents is not None:
                    restricted.append((" ".join(name_words), idents))
        variants = [_Variant(_squash(name), idents, frozenset(idents)) for name, idents in restricted]
        variants.append(_Variant(_squash(" ".join(words)), None, None))
        return variants

    def _tier(self, tier: int, variant: _Variant, want: int, seen: set[int]) -> list[int]:
        if tier == 0:
            table = self._names
        elif tier == 1:
            table = self._aliases
        elif tier == 2:
            table = self._names
        elif tier == 3:
            table = self._aliases
        else:
            table = self._words
        if tier <= 1:
            allowed = variant.allowed
            return [
                i for i in table.exact(variant.key) if i not in seen and (allowed is None or i in allowed)
            ][:want]
        return table.prefix(variant.key, variant.candidates, variant.allowed, want, seen)

    # ------------------------------------------------------------------ nearest

    def nearest(self, lat: float, lon: float) -> Commune | None:
        """The commune (an arrondissement in Paris, Lyon, Marseille) whose centroid is nearest to
        the point, or None when the point is more than 30 km from every centroid (outside France,
        out at sea) — except inside the extent of a very large commune (French Guiana)."""
        try:
            lat = float(lat)
            lon = float(lon)
        except (TypeError, ValueError):
            return None
        if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90.0:
            return None
        lon = (lon + 180.0) % 360.0 - 180.0
        radius = 5.0
        while True:
            best, best_d = self._nearest_within(lat, lon, radius)
            if best is not None and best_d <= radius:
                return self._commune(best)
            if radius >= NEAREST_MAX_KM:
                break
            radius = min(radius * 2.0, NEAREST_MAX_KM)
        best = None
        best_d = math.inf
        for ident, extent in self._big:
            d = distance_km(lat, lon, self._lat[ident], self._lon[ident])
            if d <= extent and d < best_d:
                best, best_d = ident, d
        return None if best is None else self._commune(best)

    def _nearest_within(self, lat: float, lon: float, radius_km: float) -> tuple[int | None, float]:
        """Nearest centroid among the grid cells covering a circle of ``radius_km`` around the point."""
        dlat = radius_km / _KM_PER_DEG
        max_lat = min(89.0, abs(lat) + dlat)
        dlon = min(180.0, radius_km / (_KM_PER_DEG * math.cos(math.radians(max_lat))))
        row0 = int((lat - dlat + 90.0) * _CELLS_PER_DEG)
        row1 = int((lat + dlat + 90.0) * _CELLS_PER_DEG)
        col0 = int((lon - dlon + 180.0) * _CELLS_PER_DEG)
        col1 = int((lon + dlon + 180.0) * _CELLS_PER_DEG)
        best: int | None = None
        best_d = math.inf
        grid = self._grid
        lats, lons = self._lat, self._lon
        for row in range(max(row0, 0), row1 + 1):
            for col in range(col0, col1 + 1):
                for ident in grid.get(_cell(row, col % _CELLS_AROUND), ()):
                    d = distance_km(lat, lon, lats[ident], lons[ident])
                    if d < best_d:
                        best, best_d = ident, d
        return best, best_d


def _cell(row: int, col: int) -> int:
    return row * _CELLS_AROUND + col


def _read_packaged_table() -> str:
    data = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_bytes()
    return gzip.decompress(data).decode("utf-8")


@functools.cache
def load_communes() -> CommuneIndex:
    """The index of the packaged table, built on first call (≈0.3 s) and shared afterwards."""
    return CommuneIndex(_read_packaged_table())
