"""The one-line search command: text to :class:`~bot.domain.search.criteria.Criteria` and back.

Parsing never raises on
user input: it returns Criteria or a :class:`LineError` (an enum code plus the offending
token); turning that into a sentence in the user's language is the caller's job.

For practised users: ``44 3p from:2027-01-10 60d pmr pets near:Nantes 20km``. Words in any order,
case and accents ignored, separated by spaces; double quotes (``"…"``, ``«…»``, ``“…”``) keep spaces
inside one word. A number and its unit may be written apart (``3 personnes``, ``60 jours``,
``20 km``). ``key:value`` may also be written ``key: value`` or ``key=value``. What each word means
(first spelling is the canonical one, :func:`format_search_line` writes it):

* **départements**: ``44``, ``2A``, ``971``, several allowed, also ``44,85`` or ``dep:44,85``.
  None given means every département the caseworker was granted (see :func:`within_territory`).
  A single digit (``3``) is refused as ambiguous (write ``03`` or ``3p``); other numbers that are
  not a département (``20``, ``96``, ``44000``) are refused.
* **people** (required, 1–500): ``3p``, ``3pers``, ``3personnes``, ``3people``, ``3 personnes``,
  ``people:3``, ``3осіб``; or the composition ``2adults 1child`` (``2adultes 1enfant``), whose sum
  is the number of people and which implies ``children`` when there is a child.
* **start**: ``from:DATE`` (``start:``, ``des:``, ``debut:``, ``від:``), any date
  :func:`~bot.domain.dates.parse_user_date` reads: ``from:15/03``, ``from:2027-01-10``,
  ``from:now``, ``from:"15 mars"`` (quotes optional: words that mean nothing else are read with
  the date). Default and ``from:now``: today, re-evaluated each time the search runs. A past
  date is refused.
* **duration** needed: ``60d``/``60j``, ``8w``/``8s``/``8sem``, ``3m``/``3mois``/``3mo``, ``1y``/``1an``
  (a week is 7 days, a month 30, a year 365), or ``for:"1 an et 6 mois"`` (``pour:``, ``duree:``),
  or an end date ``until:30/06`` (``to:``, ``jusqu'au:``, ``au:``, ``fin:``, ``до:``), turned into
  a duration from the start. Default: unknown (then minimum stays are not checked, and offers with
  a longer availability rank higher).
* **needs**: ``pmr`` (``stepfree``, ``accessible``, ``plainpied``, ``fauteuil``, ``wheelchair``),
  ``pets`` (``animaux``, ``chien``, ``chat``, ``dog``, ``cat``), ``children`` (``enfants``,
  ``kids``, ``діти``).
* **languages** the household speaks: ``lang:uk,ru`` (``langue:``, ``langs:``, ``мова:``), or
  bare codes and names: ``uk`` (``ua``), ``ru``, ``en``, ``fr``, ``pl``, ``de``, ``es``, ``it``,
  ``ukrainien``, ``russe``, ``english``…
* **place**: ``near:COMMUNE`` (``pres:``, ``autour:``, ``commune:``, ``ville:``, ``біля:``), a
  name (``near:Saint-Nazaire``, ``near:Le Mans`` — following words that mean nothing else belong
  to the name) or a postal code (``near:44470``, the most populated commune having it). Homonyms:
  ``near:"Saint-Denis 93"``, ``near:Saint-Denis-93``, ``near:"Saint-Denis (93)"``; otherwise the
  one in a département given on the line, else in the caller's ``prefer`` départements, else the
  most populated one if it has ten times the population of the next, else AMBIGUOUS_COMMUNE
  (the rules of ``bot.geo.resolve``, shared with the dialogues and the importer).
  Results are then sorted nearer first.
* **radius**: ``20km`` (``20 km``, ``2.5km``, ``rayon:20``, ``radius:20``; 1–300 km), only with
  ``near:``: offers farther away are left out.
* **stale**: ``stale`` (``all``, ``tout``, ``tous``, ``paused``) also shows paused offers and
  offers whose host did not re-confirm, marked.

Errors (:class:`LineErrorCode`), reported for the first offending word in the line: EMPTY,
TOO_LONG, UNKNOWN_TOKEN, MISSING_VALUE (``from:`` with nothing after), NOT_A_DEPARTEMENT,
AMBIGUOUS_NUMBER, BAD_NUMBER (``0p``, ``0km``, ``999p``), BAD_DATE and BAD_DURATION (with the
:class:`~bot.domain.dates.DateError`), UNKNOWN_LANGUAGE, UNKNOWN_COMMUNE, CONFLICT (the same thing
given twice with different values: ``3p 4p``), RADIUS_WITHOUT_NEAR, MISSING_PEOPLE, and, only when
everything else is fine, AMBIGUOUS_COMMUNE (with the candidates and the rest of the line parsed,
so that a button can complete it: ``with_near(error.partial, commune)``), or UNSURE_COMMUNE when no commune
has that name but some sound like it ("Sant Nazaire", "Нант": the same, with those communes).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final, TypeVar

from bot.domain import vocabulary
from bot.domain.dates import (
    DAYS_PER_MONTH,
    DAYS_PER_WEEK,
    DAYS_PER_YEAR,
    MAX_DURATION_DAYS,
    DateError,
    check_period,
    parse_duration_days,
    parse_user_date,
)
from bot.domain.offer_schema import NEED_BY_NAME, NEEDS
from bot.domain.search.criteria import MAX_PEOPLE, MAX_RADIUS_KM, Criteria, with_near
from bot.domain.validation import normalise_departement
from bot.domain.vocabulary import fold
from bot.geo.communes import Commune
from bot.geo.resolve import load_resolver

MAX_LINE_LENGTH: Final = 300
"""A longer search line is refused (TOO_LONG) without further analysis."""

SEARCH_LINE_HELP: Final = """\
One line, words in any order, upper or lower case:
44 85 — départements to search (default: all of yours)
3p — number of people (required); or 2adults 1child
from:15/03 — wanted from (default: today); from:now, from:2027-01-10
60d — needed for 60 days; also 8w, 3m, 1y, or until:30/06
pmr — step-free access needed (partly step-free places are shown, marked)
pets — a pet comes along
children — there are children in the household
lang:uk,ru — languages the household speaks
near:Nantes — near this commune (name or postal code), nearest first; for homonyms near:"Saint-Denis 93"
20km — only within this distance of near:
stale — also show paused offers and offers not confirmed lately
French words work too: 3pers, 60j, 8s, 3mois, animaux, enfants, plainpied, près:Nantes, dès:15/03."""
"""The grammar in short, English source text for ``/help search`` (mark it for translation there)."""

SEARCH_LINE_EXAMPLES: Final = (
    "44 3p",
    "44 3p from:2027-01-10 60d pmr pets near:Nantes 20km",
    '93 2adults 2children 3m lang:uk near:"Saint-Denis 93" 15km',
    "2A 2B 1p from:now stale",
    "69 4pers dès:1/12 6mois enfants près:Villeurbanne 10km",
)
"""Example lines, each parsing without error."""


# =========================================================================== the one-line command


class LineErrorCode(StrEnum):
    """Why a search line was refused (see the module docstring)."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNKNOWN_TOKEN = "unknown_token"
    MISSING_VALUE = "missing_value"
    NOT_A_DEPARTEMENT = "not_a_departement"
    AMBIGUOUS_NUMBER = "ambiguous_number"
    BAD_NUMBER = "bad_number"
    BAD_DATE = "bad_date"
    BAD_DURATION = "bad_duration"
    UNKNOWN_LANGUAGE = "unknown_language"
    UNKNOWN_COMMUNE = "unknown_commune"
    AMBIGUOUS_COMMUNE = "ambiguous_commune"
    UNSURE_COMMUNE = "unsure_commune"  # unknown, but some sound like it (the candidates)
    CONFLICT = "conflict"
    RADIUS_WITHOUT_NEAR = "radius_without_near"
    MISSING_PEOPLE = "missing_people"


@dataclass(frozen=True)
class LineError:
    """A refused search line: the code and the offending words as typed (``""`` for EMPTY,
    TOO_LONG and MISSING_PEOPLE).

    ``date_error`` details BAD_DATE and BAD_DURATION. For AMBIGUOUS_COMMUNE, ``candidates`` are
    the communes it may be (at most 8, most populated first) and ``partial`` the rest of the line
    parsed (``near`` unset): complete it with :func:`with_near`. UNSURE_COMMUNE is the same for a name
    no commune bears, with the communes that sound like it (best first).
    """

    code: LineErrorCode
    token: str
    date_error: DateError | None = None
    candidates: tuple[Commune, ...] = ()
    partial: Criteria | None = None


_QUOTES: Final = '"“”«»„‟'


_V = TypeVar("_V")


def _words(spec: str) -> frozenset[str]:
    return frozenset(fold(word) for word in spec.split("|"))


def _table(entries: Mapping[str, _V]) -> dict[str, _V]:
    """``{"a|b": value}`` → ``{"a": value, "b": value}``, keys folded."""
    return {word: value for spec, value in entries.items() for word in _words(spec)}


class _Key(StrEnum):
    NEAR = "near"
    FROM = "from"
    UNTIL = "until"
    FOR = "for"
    LANG = "lang"
    RADIUS = "radius"
    PEOPLE = "people"
    DEP = "dep"


_KEYS: Final = _table(
    {
        "near|pres|autour|around|commune|ville|city|біля|поруч": _Key.NEAR,
        "from|start|des|debut|depuis|від|з": _Key.FROM,
        "until|to|jusqu|jusquau|jusqua|au|fin|end|до": _Key.UNTIL,
        "for|pour|duree|duration|pendant|на": _Key.FOR,
        "lang|langs|language|languages|langue|langues|мова|мови": _Key.LANG,
        "radius|rayon|r|радіус": _Key.RADIUS,
        "people|pers|personnes|p|persons|осіб": _Key.PEOPLE,
        "dep|deps|dept|depts|departement|departements|dpt": _Key.DEP,
    }
)


class _Unit(StrEnum):
    PEOPLE = "people"
    ADULTS = "adults"
    KIDS = "kids"
    KM = "km"


# The words are the vocabulary's: the search line reads the same units as the date and duration answers.
_UNITS: Final[dict[str, _Unit | vocabulary.Unit]] = {
    **dict.fromkeys(vocabulary.PEOPLE, _Unit.PEOPLE),
    **dict.fromkeys(vocabulary.ADULTS, _Unit.ADULTS),
    **dict.fromkeys(vocabulary.CHILDREN, _Unit.KIDS),
    **dict.fromkeys(vocabulary.KM, _Unit.KM),
    **vocabulary.UNITS,
}
_UNIT_DAYS: Final = {
    vocabulary.Unit.DAY: 1,
    vocabulary.Unit.WEEK: DAYS_PER_WEEK,
    vocabulary.Unit.MONTH: DAYS_PER_MONTH,
    vocabulary.Unit.YEAR: DAYS_PER_YEAR,
}


STALE: Final = "stale"
_NEED_SPELLING: Final = {"step_free": "pmr", "pets": "pets", "children": "children"}
"""How :func:`format_search_line` writes each need of the offer schema (every word of the vocabulary reads)."""
_FLAGS: Final = {**vocabulary.NEEDS, **dict.fromkeys(vocabulary.STALE, STALE)}
_LANGUAGES: Final = vocabulary.LANGUAGE_NAMES

_NUMBER_UNIT_RE: Final = re.compile(r"([0-9]+(?:[.,][0-9]+)?)\s*([^\W\d_]+\.?)")
_NUMBER_RE: Final = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
_DIGITS_RE: Final = re.compile(r"[0-9]+")
_KEY_VALUE_RE: Final = re.compile(r"([^\W\d_][\w-]*)\s*[:=](.*)", re.S)
_SEPARATOR_RE: Final = re.compile(r"\s*[:=]")
_DEPARTEMENT_LIST_RE: Final = re.compile(r"[0-9a-z]{1,6}(?:[,;+/][0-9a-z]{1,6})*")
_MAX_EXTRA_WORDS: Final = 4
_MAX_NUMBER_DIGITS: Final = 6


@dataclass
class _Item:
    """One understood word: what it sets."""

    flag: str | None = None  # a need's name, or STALE
    departements: tuple[str, ...] = ()
    unit: _Unit | vocabulary.Unit | None = None
    number: float = 0.0
    languages: tuple[str, ...] = ()


@dataclass
class _Draft:
    """The line being parsed: every field, and whether it was set (for CONFLICT)."""

    departements: list[str] = field(default_factory=list)
    people: int | None = None
    adults: int | None = None
    kids: int | None = None
    start: date | None = None
    start_set: bool = False
    days: int | None = None
    until: date | None = None
    until_token: str = ""
    radius: float | None = None
    radius_token: str = ""
    near: Commune | None = None
    near_token: str = ""
    ambiguous: tuple[Commune, ...] = ()
    unsure: bool = False  # the candidates only sound like the name typed
    needs: set[str] = field(default_factory=set)
    stale: bool = False
    languages: list[str] = field(default_factory=list)


def _split_line(text: str) -> list[str]:
    """Words separated by white space, quotes keeping spaces inside a word (quotes removed)."""
    words: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char in _QUOTES:
            quoted = not quoted
            continue
        if char.isspace() and not quoted:
            if current:
                words.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        words.append("".join(current))
    return words


def _join_units(words: list[str]) -> list[str]:
    """``3 personnes`` → ``3 personnes`` as one word; a number followed by a unit word."""
    joined: list[str] = []
    n = 0
    while n < len(words):
        word = words[n]
        if (
            n + 1 < len(words)
            and _NUMBER_RE.fullmatch(fold(word))
            and fold(words[n + 1]).rstrip(".") in _UNITS
        ):
            joined.append(f"{word} {words[n + 1]}")
            n += 2
            continue
        joined.append(word)
        n += 1
    return joined


def _number(text: str) -> float | None:
    """A number of at most six digits before the decimal separator, or None."""
    if not _NUMBER_RE.fullmatch(text):
        return None
    whole = text.replace(",", ".").split(".")[0].lstrip("0")
    if len(whole) > _MAX_NUMBER_DIGITS:
        return math.inf
    return float(text.replace(",", "."))


def _classify(word: str) -> _Item | LineErrorCode:
    """What a word without ``key:`` means, or why it means nothing."""
    folded = fold(word)
    flag = _FLAGS.get(folded)
    if flag is not None:
        return _Item(flag=flag)
    language = _LANGUAGES.get(folded)
    if language is not None:
        return _Item(languages=(language,))
    if _DEPARTEMENT_LIST_RE.fullmatch(folded) and any(c.isdigit() for c in folded):
        departements = _departements(folded)
        if not isinstance(departements, LineErrorCode) or not _NUMBER_UNIT_RE.fullmatch(folded):
            return departements
    unit_match = _NUMBER_UNIT_RE.fullmatch(folded)
    if unit_match is not None:
        unit = _UNITS.get(unit_match.group(2).rstrip("."))
        number = _number(unit_match.group(1))
        if unit is None or number is None:
            return LineErrorCode.UNKNOWN_TOKEN
        return _Item(unit=unit, number=number)
    return LineErrorCode.UNKNOWN_TOKEN


def _departements(folded: str) -> _Item | LineErrorCode:
    codes: list[str] = []
    for part in re.split(r"[,;+/]", folded):
        if _DIGITS_RE.fullmatch(part) and len(part) == 1:
            return LineErrorCode.AMBIGUOUS_NUMBER
        code = normalise_departement(part) if len(part) <= 3 else None
        if code is None:
            return LineErrorCode.NOT_A_DEPARTEMENT
        codes.append(code)
    return _Item(departements=tuple(codes))


# ---------------------------------------------------------------- communes


def _resolve_commune(
    value: str, typed: Sequence[str], prefer: Collection[str]
) -> Commune | tuple[Commune, ...] | None:
    """The commune meant, the candidates when ambiguous, or None when there is none: départements typed
    on the line pick among namesakes, then the caller's; a search guesses rather than asks when it can."""
    found = load_resolver().resolve(value, prefer=(typed, prefer), guess=True, suggest=False)
    return found.commune or found.candidates or None


def _sounding_like(value: str, typed: Sequence[str], prefer: Collection[str]) -> tuple[Commune, ...]:
    """Communes whose names sound like an unknown one ("Sant Nazaire", "Нант"), to offer: only in the
    départements typed on the line, if any."""
    found = load_resolver().resolve(value, prefer=(typed, prefer))
    alike = (found.commune,) if found.commune else found.candidates
    return tuple(c for c in alike if not typed or c.departement in typed)


# ---------------------------------------------------------------- the parser


class _Parser:
    def __init__(self, today: date, prefer: Collection[str]) -> None:
        self.today = today
        self.prefer = prefer
        self.draft = _Draft()
        self.words: list[str] = []
        self.typed: list[str] = []

    def run(self, text: str) -> Criteria | LineError:
        if len(text) > MAX_LINE_LENGTH:
            return LineError(LineErrorCode.TOO_LONG, "")
        self.words = _join_units(_split_line(unicodedata.normalize("NFKC", text)))
        if not self.words:
            return LineError(LineErrorCode.EMPTY, "")
        # Départements typed anywhere on the line pick among homonymous communes (near:Saint-Denis 93).
        for word in self.words:
            match = _KEY_VALUE_RE.fullmatch(fold(word))
            if match is not None and _KEYS.get(match.group(1)) is _Key.DEP:
                item = _departements(match.group(2).strip())
            else:
                item = _classify(word)
            if isinstance(item, _Item):
                self.typed.extend(item.departements)
        n = 0
        while n < len(self.words):
            step = self._word(n)
            if isinstance(step, LineError):
                return step
            n += step
        return self._finish()

    def _is_free(self, n: int) -> bool:
        """True if word ``n`` means nothing by itself, so may continue a name or a date."""
        word = self.words[n]
        match = _KEY_VALUE_RE.fullmatch(fold(word))
        if match is not None and match.group(1) in _KEYS:
            return False
        return isinstance(_classify(word), LineErrorCode)

    def _word(self, n: int) -> int | LineError:
        """Handle word ``n``; returns how many words it used."""
        word = self.words[n]
        match = _KEY_VALUE_RE.fullmatch(fold(word))
        if match is not None:
            key = _KEYS.get(match.group(1))
            if key is None:
                return LineError(LineErrorCode.UNKNOWN_TOKEN, word)
            return self._key_value(n, key, _SEPARATOR_RE.split(word, maxsplit=1)[1])
        item = _classify(word)
        if isinstance(item, LineErrorCode):
            return LineError(item, word)
        error = self._apply(item, word)
        return error if error is not None else 1

    def _key_value(self, n: int, key: _Key, value: str) -> int | LineError:
        used = 1
        head = self.words[n]
        if not value.strip():
            if n + 1 >= len(self.words):
                return LineError(LineErrorCode.MISSING_VALUE, head)
            value = self.words[n + 1]
            head = f"{head} {value}"
            used = 2
        if key in (_Key.NEAR, _Key.FROM, _Key.UNTIL, _Key.FOR):
            return self._extended(n + used, key, head, value, used)
        if key is _Key.LANG:
            codes: list[str] = []
            for part in re.split(r"[,;+/]", fold(value)):
                if not part:
                    continue
                code = _LANGUAGES.get(part.strip())
                if code is None:
                    return LineError(LineErrorCode.UNKNOWN_LANGUAGE, part)
                codes.append(code)
            error = self._apply(_Item(languages=tuple(codes)), head)
        elif key is _Key.DEP:
            item = _departements(fold(value).strip())
            if isinstance(item, LineErrorCode):
                return LineError(item, head)
            error = self._apply(item, head)
        else:
            number = _number(fold(value).strip().removesuffix("km").strip())
            if number is None:
                return LineError(LineErrorCode.BAD_NUMBER, head)
            unit = _Unit.KM if key is _Key.RADIUS else _Unit.PEOPLE
            error = self._apply(_Item(unit=unit, number=number), head)
        return error if error is not None else used

    def _extended(self, after: int, key: _Key, head: str, value: str, used: int) -> int | LineError:
        """A date, duration or commune, continued by the next words that mean nothing else:
        the longest reading that works wins (for a commune, a shorter reading only if it names
        one commune: "near:Sant Nazaire" is an unknown commune, not "Sant…" and a stray word)."""
        extra = 0
        while extra < _MAX_EXTRA_WORDS and after + extra < len(self.words) and self._is_free(after + extra):
            extra += 1
        failure: LineError | None = None
        for count in range(extra, -1, -1):
            more = self.words[after : after + count]
            text = " ".join([value, *more])
            token = " ".join([head, *more])
            outcome = self._read(key, text, token, unique=count < extra)
            if outcome is None:
                return used + count
            if failure is None:
                failure = outcome
        assert failure is not None
        if key is _Key.NEAR and failure.code is LineErrorCode.UNKNOWN_COMMUNE and not self.draft.near_token:
            alike = _sounding_like(
                " ".join([value, *self.words[after : after + extra]]), self.typed, self.prefer
            )
            if alike:  # offered, as namesakes are, once the rest of the line is read
                self.draft.ambiguous, self.draft.unsure, self.draft.near_token = alike, True, failure.token
                return used + extra
        return failure

    def _read(self, key: _Key, text: str, token: str, *, unique: bool = False) -> LineError | None:
        draft = self.draft
        if key is _Key.NEAR:
            found = _resolve_commune(text, self.typed, self.prefer)
            if found is None or (unique and isinstance(found, tuple)):
                return LineError(LineErrorCode.UNKNOWN_COMMUNE, token)
            if draft.near_token and (found != draft.near or isinstance(found, tuple)):
                return LineError(LineErrorCode.CONFLICT, token)
            draft.near_token = draft.near_token or token
            if isinstance(found, tuple):
                draft.ambiguous = found
            else:
                draft.near = found
            return None
        if key is _Key.FOR:
            days = parse_duration_days(text)
            if isinstance(days, DateError):
                return LineError(LineErrorCode.BAD_DURATION, token, date_error=days)
            return self._set_days(days, token)
        parsed = parse_user_date(text, self.today)
        if not isinstance(parsed, DateError) and parsed < self.today:
            parsed = DateError.PAST
        if isinstance(parsed, DateError):
            return LineError(LineErrorCode.BAD_DATE, token, date_error=parsed)
        if key is _Key.FROM:
            start = None if parsed == self.today else parsed
            if draft.start_set and draft.start != start:
                return LineError(LineErrorCode.CONFLICT, token)
            draft.start, draft.start_set = start, True
            return None
        if (draft.until is not None and draft.until != parsed) or draft.days is not None:
            return LineError(LineErrorCode.CONFLICT, token)
        draft.until, draft.until_token = parsed, token
        return None

    def _set_days(self, days: int, token: str) -> LineError | None:
        draft = self.draft
        if (draft.days is not None and draft.days != days) or draft.until is not None:
            return LineError(LineErrorCode.CONFLICT, token)
        draft.days = days
        return None

    def _apply(self, item: _Item, token: str) -> LineError | None:
        draft = self.draft
        if item.flag in NEED_BY_NAME:
            draft.needs.add(item.flag)
        elif item.flag == STALE:
            draft.stale = True
        for code in item.departements:
            if code not in draft.departements:
                draft.departements.append(code)
        for code in item.languages:
            if code not in draft.languages:
                draft.languages.append(code)
        if item.unit is None:
            return None
        number = item.number
        if item.unit is _Unit.KM:
            if not 1.0 <= number <= MAX_RADIUS_KM:
                return LineError(LineErrorCode.BAD_NUMBER, token)
            if draft.radius is not None and draft.radius != number:
                return LineError(LineErrorCode.CONFLICT, token)
            draft.radius, draft.radius_token = number, token
            return None
        if item.unit in _UNIT_DAYS:
            if number > MAX_DURATION_DAYS or number != int(number):  # int(inf) would raise: checked first
                error = DateError.TOO_FAR if number > MAX_DURATION_DAYS else DateError.UNREADABLE
                return LineError(LineErrorCode.BAD_DURATION, token, date_error=error)
            days = int(number) * _UNIT_DAYS[item.unit]
            if not 1 <= days <= MAX_DURATION_DAYS:
                error = DateError.NOT_POSITIVE if days < 1 else DateError.TOO_FAR
                return LineError(LineErrorCode.BAD_DURATION, token, date_error=error)
            return self._set_days(days, token)
        least = 0 if item.unit is _Unit.KIDS else 1
        if not least <= number <= MAX_PEOPLE or number != int(number):
            return LineError(LineErrorCode.BAD_NUMBER, token)
        whole = int(number)
        if item.unit is _Unit.PEOPLE:
            if draft.adults is not None or draft.kids is not None or draft.people not in (None, whole):
                return LineError(LineErrorCode.CONFLICT, token)
            draft.people = whole
        elif item.unit is _Unit.ADULTS:
            if draft.people is not None or draft.adults not in (None, whole):
                return LineError(LineErrorCode.CONFLICT, token)
            draft.adults = whole
        else:
            if draft.people is not None or draft.kids not in (None, whole):
                return LineError(LineErrorCode.CONFLICT, token)
            draft.kids = whole
        return None

    def _finish(self) -> Criteria | LineError:
        draft = self.draft
        if draft.people is not None:
            people = draft.people
        elif draft.adults is not None or draft.kids is not None:
            people = (draft.adults or 0) + (draft.kids or 0)
            if not 1 <= people <= MAX_PEOPLE:
                return LineError(LineErrorCode.BAD_NUMBER, "")
        else:
            return LineError(LineErrorCode.MISSING_PEOPLE, "")
        days = draft.days
        if draft.until is not None:
            start = draft.start or self.today
            problem = check_period(start, draft.until)
            if problem is not None:
                return LineError(LineErrorCode.BAD_DATE, draft.until_token, date_error=problem)
            days = (draft.until - start).days
        if draft.radius is not None and not draft.near_token:
            return LineError(LineErrorCode.RADIUS_WITHOUT_NEAR, draft.radius_token)
        criteria = Criteria(
            departements=tuple(draft.departements),
            radius_km=draft.radius,
            people=people,
            start=draft.start,
            days=days,
            needs=frozenset(draft.needs | ({"children"} if draft.kids else set())),
            languages=tuple(draft.languages),
            include_stale=draft.stale,
        )
        if draft.ambiguous:
            return LineError(
                LineErrorCode.UNSURE_COMMUNE if draft.unsure else LineErrorCode.AMBIGUOUS_COMMUNE,
                draft.near_token,
                candidates=draft.ambiguous,
                partial=criteria,
            )
        if draft.near is not None:
            criteria = with_near(criteria, draft.near)
        return criteria


def parse_search_line(text: str, today: date, *, prefer: Collection[str] = ()) -> Criteria | LineError:
    """Read a one-line search (grammar in the module docstring and :data:`SEARCH_LINE_HELP`).

    ``prefer`` is the caller's territory, used to pick among homonymous communes. The criteria's
    ``departements`` are those typed on the line (empty: all of the caseworker's), to be passed
    through :func:`within_territory`. Never raises.
    """
    return _Parser(today, prefer).run(text)


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def format_search_line(criteria: Criteria) -> str:
    """The criteria as a search line, in canonical spelling: ``parse_search_line`` reads it back
    (the same criteria, when the commune of ``near_label`` still resolves to ``near``)."""
    words: list[str] = list(criteria.departements)
    words.append(f"{criteria.people}p")
    if criteria.start is not None:
        words.append(f"from:{criteria.start.isoformat()}")
    if criteria.days is not None:
        words.append(f"{criteria.days}d")
    words += [_NEED_SPELLING[need.name] for need in NEEDS if need.name in criteria.needs]
    if criteria.include_stale:
        words.append(STALE)
    if criteria.languages:
        words.append("lang:" + ",".join(criteria.languages))
    if criteria.near_label is not None:
        words.append(f'near:"{criteria.near_label}"')
        if criteria.radius_km is not None:
            words.append(f"{_number_text(criteria.radius_km)}km")
    return " ".join(words)
