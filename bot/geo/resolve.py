# SPDX-License-Identifier: AGPL-3.0-or-later
"""Which commune someone means: the one resolver of the dialogue step, the search line and the importer.

:meth:`CommuneResolver.resolve` reads a place as people write it (a name, a former name, a postal or INSEE
code, ``"Saint-Denis (93)"``, ``"44000 Nantes"``, ``"44109 - Nantes"``) with the hints its caller has (an
INSEE code or a postal code given apart, départements to prefer, in order) and returns one commune, the
candidates, or nothing (:class:`Resolved`); :func:`commune_label` is how a commune is named to people.
Pure, and fast: every lookup goes through the index of :mod:`bot.geo.communes`.

The rules, in order:

1. An INSEE code given apart, or written with a name that agrees with it, is that commune.
2. A text that is only a code is a postal code (every commune having it), else an INSEE code; four
   digits are a code whose leading zero a spreadsheet dropped.
3. A name is looked up exactly (current names, then former names of merged communes), then, unless
   ``complete_names``, as the start of a name (candidates only). A postal code or département written
   with the name (``"Lyon 69"``, ``"Saint-Denis-93"``, ``"Nantes, Loire-Atlantique"``) keeps the namesakes
   there; the whole text is tried as a name too (``"Paris 11"``, ``"Lyon 3"``); when neither finds one,
   the name alone (the hint is taken as a typo). A trailing remark in brackets or after a comma is left out.
4. A postal code given apart, then each set of ``prefer`` départements, narrows the candidates down to those
   that agree, unless none does.
5. One left is the commune. With ``guess``, several left still give one: the most populated commune of a
   postal code, or a namesake ten times more populated than the next; otherwise up to 8 candidates, most
   populated first.
6. A name nothing matched (a typo, a transliteration, a Cyrillic name) gets the communes whose names sound
   like it (:mod:`bot.geo.likeness`), marked ``approximate``: suggestions to offer, never a silent choice —
   except one that sounds like it among the communes of a postal code given with it ("Nantess 44000").
   The Ukrainian and Russian names of large cities ("Париж") are exact.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Final

from bot.geo.communes import MAX_QUERY_CHARS, Commune, CommuneIndex, load_communes
from bot.geo.likeness import Likeness, exonym, latin

MAX_CANDIDATES: Final = 8
DOMINANT_POPULATION_RATIO: Final = 10
STRONG_LIKENESS: Final = (
    100.0  # a name that sounds the same ("Lion", Lyon) comes before names merely starting so
)
_PREFIX_POOL: Final = 60  # names starting with the text, before hints narrow them down

# 5 digits, or 4 when a spreadsheet dropped the leading zero ("1053 - Bourg-en-Bresse"); checked against the name.
_INSEE_IN_TEXT_RE: Final = re.compile(r"(?<![0-9A-Za-z])([0-9]{4,5}|2[ABab][0-9]{3})(?![0-9])")
_CODE_ONLY_RE: Final = re.compile(r"[0-9]{2}\s?[0-9]{2,3}|2[ABab][0-9]{3}")
_TRAILING_REMARK_RE: Final = re.compile(
    r"^(?P<name>.*?\S)\s*(?:\((?P<paren>[^()]*)\)?|,(?P<comma>[^,]*))\s*$", re.S
)
_CODE_TOKEN: Final = r"[0-9]{1,5}|2[ABab]"
_LEADING_CODE_RE: Final = re.compile(rf"(?P<code>{_CODE_TOKEN})[\s,_:–—-]+(?P<rest>.*[^\W\d_].*)", re.S)
_TRAILING_CODE_RE: Final = re.compile(rf"(?P<rest>.*[^\W\d_].*?)[\s,_(–—-]+(?P<code>{_CODE_TOKEN})\)?", re.S)
_NAME_EDGES: Final = " -\u2013\u2014:,;()"


def commune_label(commune: Commune) -> str:
    """``"Saint-Denis (93)"``: how a commune is named to people (buttons, search lines, error reports)."""
    return f"{commune.name} ({commune.departement})"


@dataclass(frozen=True, slots=True)
class Resolved:
    """One ``commune``, or ``candidates`` (at least two, most populated first; best first when
    ``approximate``), or nothing (neither). ``approximate``: not the name typed, but names that sound like it;
    a single ``commune`` so found was confirmed by the postal code given with it."""

    commune: Commune | None = None
    candidates: tuple[Commune, ...] = ()
    approximate: bool = False


@dataclass(frozen=True, slots=True)
class _Reading:
    """One way to read a text: the name, and the places written with it."""

    name: str
    postal_code: str | None = None
    departements: tuple[str, ...] = ()


class CommuneResolver:
    """Resolves places on one :class:`CommuneIndex`; get the shared one with :func:`load_resolver`."""

    def __init__(self, index: CommuneIndex) -> None:
        self.index = index
        # Name lookups, tried in order until one finds something: (lookup, exact). A fuzzy lookup (typos,
        # Cyrillic names) belongs last, as a source of candidates only.
        self._lookups: tuple[tuple[Callable[[str], list[Commune]], bool], ...] = (
            (self._named, True),
            (self._starting_with, False),
        )
        self.likeness = Likeness(index)

    def by_insee(self, code: str) -> Commune | None:
        """The commune with this INSEE code (a button's value)."""
        return self.index.by_insee(code)

    def at(self, latitude: float, longitude: float) -> Commune | None:
        """The commune of a location pin, or None outside France (see :meth:`CommuneIndex.nearest`)."""
        return self.index.nearest(latitude, longitude)

    def resolve(
        self,
        text: str | None,
        *,
        insee: str | None = None,
        postal_code: str | None = None,
        prefer: Sequence[Collection[str]] = (),
        complete_names: bool = False,
        guess: bool = False,
        suggest: bool = True,
    ) -> Resolved:
        """The commune meant by ``text`` (and an INSEE code or a postal code given apart), following the
        rules of the module docstring. ``complete_names``: a name must be a whole name (no candidates by
        the start of a name); ``suggest``: apply rule 6. Never raises on what people write."""
        text = " ".join((text or "")[:MAX_QUERY_CHARS].split())
        known = exonym(text)
        if known is not None and (commune := self.index.by_insee(known)) is not None:
            return Resolved(commune)
        cyrillic = latin(text) != text
        text = latin(text)
        codes: list[str] = []
        if insee:
            codes = _codes_in(insee[:MAX_QUERY_CHARS])
            rest = _INSEE_IN_TEXT_RE.sub(" ", insee[:MAX_QUERY_CHARS]).strip(_NAME_EDGES)
            if not text and any(c.isalpha() for c in rest):
                text = rest
        code_only = _CODE_ONLY_RE.fullmatch(text) is not None
        readings = _readings(text) if text and not code_only else []
        codes += [code for code in _codes_in(text) if code not in codes and not code_only]
        for code in codes:
            commune = self.index.by_insee(code)
            if commune is not None and (
                not readings or any(commune in self._named(r.name) for r in readings)
            ):
                return Resolved(commune)
        exact = by_code = False
        if readings:
            found, exact = self._by_readings(readings, complete_names)
            if not found or cyrillic:
                return self._sounding_like(readings[0], postal_code, prefer, found) if suggest else Resolved()
            if (
                not exact and suggest
            ):  # names starting with it; a name that sounds just like it comes first ("Lion")
                found = self._sounding_first(readings[0], found)
        elif code_only or postal_code:
            code = text.replace(" ", "").upper().zfill(5) if code_only else postal_code or ""
            found = self.index.by_postal_code(code)
            if not found:
                commune = self.index.by_insee(code) if code_only else None
                return Resolved(commune)
            by_code = True
        else:
            return Resolved()
        if postal_code:
            found = _narrow(found, [c for c in found if postal_code in c.postal_codes])
        for departements in prefer:
            found = _narrow(found, [c for c in found if c.departement in departements])
        if len(found) == 1:
            return Resolved(found[0])
        if len(found) > 1 and guess and (by_code or (exact and _dominant(found))):
            return Resolved(found[0])
        return Resolved(candidates=tuple(found[:MAX_CANDIDATES]))

    def _by_readings(self, readings: list[_Reading], complete_names: bool) -> tuple[list[Commune], bool]:
        """The communes of the first lookup and reading that find any, and whether they bear the name
        exactly: every reading by exact name, then by the start of a name; last the name without hints."""
        for tried in (readings, [_Reading(readings[0].name)]):
            for lookup, exact in self._lookups:
                if complete_names and not exact:
                    break
                for reading in tried:
                    found = lookup(reading.name)
                    if reading.postal_code is not None:
                        found = [c for c in found if reading.postal_code in c.postal_codes]
                    if reading.departements:
                        found = [c for c in found if c.departement in reading.departements]
                    if found:
                        return found, exact
        return [], False

    def _sounding_like(
        self,
        reading: _Reading,
        postal_code: str | None,
        prefer: Sequence[Collection[str]],
        found: list[Commune],
    ) -> Resolved:
        """Rule 6: communes whose names sound like the reading's (then those `found` by a transliteration)."""
        code = reading.postal_code or postal_code
        if code:
            within = self.index.by_postal_code(code)
            alike = self.likeness.like(reading.name, MAX_CANDIDATES, within) if within else []
            if len(alike) == 1:
                return Resolved(alike[0], approximate=True)
        alike = [c for c in self.likeness.like(reading.name, MAX_CANDIDATES * 2) if not c.is_arrondissement]
        if reading.departements:
            alike = _narrow(alike, [c for c in alike if c.departement in reading.departements])
        for departements in prefer:
            alike = _narrow(alike, [c for c in alike if c.departement in departements])
        suggestions = [*alike, *(c for c in found if c not in alike)][:MAX_CANDIDATES]
        return Resolved(candidates=tuple(suggestions), approximate=True) if suggestions else Resolved()

    def _sounding_first(self, reading: _Reading, found: list[Commune]) -> list[Commune]:
        """Names merely starting with the text, after those that sound the same in the places it names."""
        strong = [
            c for c in self.likeness.like(reading.name, MAX_CANDIDATES, at_least=STRONG_LIKENESS)
            if not c.is_arrondissement
            and (not reading.departements or c.departement in reading.departements)
            and (reading.postal_code is None or reading.postal_code in c.postal_codes)
        ]  # fmt: skip
        return [*strong, *(c for c in found if c not in strong)]

    def _named(self, name: str) -> list[Commune]:
        """Communes named so now, then those that merged a former commune of that name."""
        found = self.index.named(name)
        return found + [c for c in self.index.formerly_named(name) if c not in found]

    def _starting_with(self, name: str) -> list[Commune]:
        return self.index.search(name, limit=_PREFIX_POOL)


def _codes_in(text: str) -> list[str]:
    codes: list[str] = []
    for match in _INSEE_IN_TEXT_RE.findall(text):
        code = match.upper().zfill(5)
        if code not in codes:
            codes.append(code)
    return codes


def _readings(text: str) -> list[_Reading]:
    """The text read as a name with the places written around it, then as a whole name (last)."""
    name = text
    postal: str | None = None
    departements: tuple[str, ...] = ()
    remark = _TRAILING_REMARK_RE.fullmatch(name)
    if remark is not None:
        name = remark.group("name")
        postal, departements = _place(remark.group("paren") or remark.group("comma") or "")
    for _ in range(2):  # a code before the name and one after it: "44000 Nantes 44"
        match = _LEADING_CODE_RE.fullmatch(name) or _TRAILING_CODE_RE.fullmatch(name)
        if match is None:
            break
        name = match.group("rest")
        code_postal, code_departements = _place(match.group("code"))
        postal = postal or code_postal
        departements = departements or code_departements
    name = name.strip(_NAME_EDGES)
    whole = _Reading(text.strip(_NAME_EDGES))
    if not name or name == whole.name:
        return [whole]
    return [_Reading(name, postal, departements), whole]


def _place(hint: str) -> tuple[str | None, tuple[str, ...]]:
    """(postal code, départements) that a hint designates: ``"44000"``, ``"1053"``, ``"93"``, ``"Réunion"``."""
    hint = hint.strip()
    digits = hint.replace(" ", "")
    if digits.isdigit() and len(digits) in (4, 5):
        return digits.zfill(5), ()
    return None, load_communes().departements_named(hint)


def _narrow(candidates: list[Commune], agreeing: list[Commune]) -> list[Commune]:
    """The candidates that agree with a hint, unless none does (then the hint is taken as a typo)."""
    return agreeing or candidates


def _dominant(found: list[Commune]) -> bool:
    return found[0].population >= DOMINANT_POPULATION_RATIO * max(1, found[1].population)


@functools.cache
def load_resolver() -> CommuneResolver:
    """The resolver of the packaged communes table, shared."""
    return CommuneResolver(load_communes())
