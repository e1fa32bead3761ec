"""Dates and durations as people type them, in French, Ukrainian or English.

Everything here is pure: no I/O, no clock (``today`` is always passed in), no exception on user
input. Functions return a value or a :class:`DateError`; turning an error into a sentence in the
user's language is the caller's job.

Conventions
-----------
* Numeric dates are read day first (``15/03``, ``15.03.2027``, ``15-03-27``), the French and
  Ukrainian habit. The only exception: when the second number cannot be a month but the first
  can (``03/15``), the date is obviously month first and is read that way.
* ISO dates (``2027-03-15``) are read year first.
* A two-digit year means 20xx.
* A date without a year means its next occurrence, today included: on 2026-11-22 ``15/03`` is
  2027-03-15 and ``22/11`` is 2026-11-22. ``29/02`` is the next 29th of February.
* A bare number (``15``) is not a date: it is ambiguous (day? "in 15 days"?), so UNREADABLE.
* Weekday names (``lundi 15 mars``) and words such as "from", "dès", "until", "jusqu'au",
  "від", "до", "року" are ignored; the weekday is not checked against the date.
* Case, accents, apostrophes and extra whitespace never matter. Matching also drops combining
  marks in Cyrillic (``й`` matches ``и``), which only makes it more lenient.
* Russian month names and a few Russian words are understood as well, since many Ukrainian
  speakers type in Russian.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta
from enum import Enum
from typing import Final

from bot.domain.validation import fold


class DateError(Enum):
    """Why a date, period or duration answer was refused.

    UNREADABLE
        Not recognisable as a date (or a duration): garbage, empty, ambiguous bare number.
    NOT_A_DAY
        Shaped like a date but no such day exists: ``31/02``, ``00/01``, ``29/02/2027``, ``15/13``.
    TOO_FAR
        More than :data:`MAX_YEARS_AHEAD` years after today (dates), or longer than
        :data:`MAX_DURATION_DAYS` (durations).
    PAST
        An explicit date more than :data:`MAX_YEARS_BACK` year before today (``15/03/1927``):
        certainly a typo. Recent past dates are *not* refused by :func:`parse_user_date`; see
        :func:`resolve_available_from` and :func:`check_not_past`.
    END_BEFORE_START
        :func:`check_period`: the end is before the start.
    END_SAME_AS_START
        :func:`check_period`: the end is the start day; a stay needs at least one night.
    NOT_POSITIVE
        :func:`parse_duration_days`: zero or negative duration.
    """

    UNREADABLE = "unreadable"
    NOT_A_DAY = "not_a_day"
    TOO_FAR = "too_far"
    PAST = "past"
    END_BEFORE_START = "end_before_start"
    END_SAME_AS_START = "end_same_as_start"
    NOT_POSITIVE = "not_positive"


MAX_YEARS_AHEAD: Final = 3
"""A parsed date may be at most this many calendar years after today."""
MAX_YEARS_BACK: Final = 1
"""An explicit date more than this many calendar years before today is PAST."""
DAYS_PER_WEEK: Final = 7
DAYS_PER_MONTH: Final = 30
DAYS_PER_YEAR: Final = 365
MAX_DURATION_DAYS: Final = MAX_YEARS_AHEAD * DAYS_PER_YEAR
"""Longest accepted minimum stay, in days (3 × 365)."""
MAX_INPUT_LENGTH: Final = 100
"""Answers longer than this are not dates (UNREADABLE) and are not analysed further."""


# --------------------------------------------------------------------------- calendar helpers


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months (may be negative), clamped to the month end.

    2027-01-31 + 1 month = 2027-02-28. Saturates at ``date.min`` / ``date.max`` instead of
    raising.
    """
    years, month_index = divmod(d.month - 1 + months, 12)
    year = d.year + years
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    month = month_index + 1
    return date(year, month, min(d.day, monthrange(year, month)[1]))


def latest_allowed(today: date) -> date:
    """The last day :func:`parse_user_date` accepts: today plus :data:`MAX_YEARS_AHEAD` years."""
    return add_months(today, 12 * MAX_YEARS_AHEAD)


def earliest_allowed(today: date) -> date:
    """The first day :func:`parse_user_date` accepts: today minus :data:`MAX_YEARS_BACK` years."""
    return add_months(today, -12 * MAX_YEARS_BACK)


def days_until(d: date, today: date) -> int:
    """Number of days from ``today`` to ``d``: 0 for today, 1 for tomorrow, negative if past."""
    return (d - today).days


def resolve_available_from(parsed: date, today: date) -> date:
    """An "available from" date in the past simply means "available now": return today."""
    return max(parsed, today)


def check_not_past(d: date, today: date) -> DateError | None:
    """PAST if ``d`` is before today (e.g. an end date already gone), else None."""
    return DateError.PAST if d < today else None


def check_period(start: date, end: date | None) -> DateError | None:
    """Check an accommodation period; ``end`` None means open-ended (always fine).

    Returns END_BEFORE_START if ``end < start`` and END_SAME_AS_START if ``end == start``: a
    stay needs at least one night, so the end (departure day) must be after the start.
    """
    if end is None:
        return None
    if end < start:
        return DateError.END_BEFORE_START
    if end == start:
        return DateError.END_SAME_AS_START
    return None


# --------------------------------------------------------------------------- text normalisation

_SEPARATORS_RE: Final = re.compile(r"[,;:!?()\[\]{}«»\"“”„]+")


def _tokens(text: str) -> list[str]:
    """Fold ``text`` and split it into words, dropping punctuation and trailing dots."""
    cleaned = _SEPARATORS_RE.sub(" ", fold(text))
    tokens: list[str] = []
    for raw in cleaned.split():
        token = raw.strip(".")
        if token:
            tokens.append(token)
    return tokens


def _fold_all(words: str) -> frozenset[str]:
    return frozenset(" ".join(_tokens(word)) for word in words.split("|"))


# --------------------------------------------------------------------------- vocabulary

_MONTHS: Final[dict[str, int]] = {}
for _number, _names in enumerate(
    (
        "janvier|janv|jan|january|січня|січень|января|январь",
        "février|fevr|fév|feb|february|лютого|лютий|февраля|февраль",
        "mars|mar|march|березня|березень|марта|март",
        "avril|avr|apr|april|квітня|квітень|апреля|апрель",
        "mai|may|травня|травень|мая|май",
        "juin|jun|june|червня|червень|июня|июнь",
        "juillet|juil|jul|july|липня|липень|июля|июль",
        "août|aout|aug|august|серпня|серпень|августа|август",
        "septembre|sept|sep|september|вересня|вересень|сентября|сентябрь",
        "octobre|oct|october|жовтня|жовтень|октября|октябрь",
        "novembre|nov|november|листопада|листопад|ноября|ноябрь",
        "décembre|déc|dec|december|грудня|грудень|декабря|декабрь",
    ),
    start=1,
):
    for _name in _fold_all(_names):
        _MONTHS[_name] = _number

_TODAY_WORDS: Final = _fold_all(
    "maintenant|dès maintenant|aujourd'hui|dès aujourd'hui|d'aujourd'hui|immédiatement|tout de suite|de suite"
    "|dès que possible|asap|ce soir|now|right now|today|immediately|as soon as possible|tonight"
    "|зараз|прямо зараз|сьогодні|негайно|відразу|одразу|вже|якнайшвидше|сейчас|сегодня|сразу"
)
_TOMORROW_WORDS: Final = _fold_all("demain|tomorrow|завтра")
_YESTERDAY_WORDS: Final = _fold_all("hier|yesterday|вчора|учора|вчера")
_AFTER_TOMORROW_WORDS: Final = _fold_all(
    "après-demain|après demain|day after tomorrow|the day after tomorrow|післязавтра|послезавтра"
)

# Ignored anywhere in a date answer.
_DATE_FILLERS: Final = _fold_all(
    "dès|à|partir|compter|de|du|d|le|la|l|au|jusqu|jusqu'a|jusqu'au|jusque|vers|environ"
    "|prochain|prochaine|from|starting|start|on|the|of|until|till|by|around|about|next|time"
    "|від|з|із|зі|до|по|в|у|на|року|р|г|года|с|со"
    "|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    "|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    "|понеділок|вівторок|середа|середу|четвер|п'ятниця|п'ятницю|субота|суботу|неділя|неділю"
)
# "in", "dans", "через"... introduce a relative date; they may also be left out ("2 semaines").
_RELATIVE_PREFIXES: Final = _fold_all("dans|d'ici|in|within|через|за|спустя")
_NOW_SUFFIXES: Final = _fold_all("now|maintenant|today|aujourd'hui|зараз|сьогодні")
_HALF_YEAR_WORDS: Final = _fold_all("півроку|пів року|полгода|six mois")

_NUMBER_WORDS: Final[dict[str, int]] = {}
for _value, _words in enumerate(
    (
        "zéro|zero|нуль",
        "un|une|one|a|an|один|одна|одну|одного",
        "deux|two|два|дві|двох",
        "trois|three|три|трьох",
        "quatre|four|чотири",
        "cinq|five|п'ять",
        "six|шість",
        "sept|seven|сім",
        "huit|eight|вісім",
        "neuf|nine|дев'ять",
        "dix|ten|десять",
        "onze|eleven|одинадцять",
        "douze|twelve|дванадцять",
    )
):
    for _word in _fold_all(_words):
        _NUMBER_WORDS[_word] = _value
for _value, _words in ((15, "quinze|fifteen|п'ятнадцять"), (30, "trente|thirty|тридцять")):
    for _word in _fold_all(_words):
        _NUMBER_WORDS[_word] = _value


class _Unit(Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


_UNITS: Final[dict[str, _Unit]] = {}
for _unit, _unit_words in (
    (_Unit.DAY, "jour|jours|j|jrs|day|days|d|день|дні|днів|дня|доба|доби|діб|дней"),
    (_Unit.WEEK, "semaine|semaines|sem|week|weeks|wk|wks|w|тиждень|тижні|тижнів|тижня|неделя|недели|недель"),
    (_Unit.MONTH, "mois|month|months|mo|місяць|місяці|місяців|місяця|міс|месяц|месяца|месяцев"),
    (_Unit.YEAR, "an|ans|année|années|year|years|yr|yrs|рік|роки|років|року|год|года|лет"),
):
    for _word in _fold_all(_unit_words):
        _UNITS[_word] = _unit

_UNIT_DAYS: Final[dict[_Unit, int]] = {
    _Unit.DAY: 1,
    _Unit.WEEK: DAYS_PER_WEEK,
    _Unit.MONTH: DAYS_PER_MONTH,
    _Unit.YEAR: DAYS_PER_YEAR,
}

_ISO_RE: Final = re.compile(r"([0-9]{4})[-./]([0-9]{1,2})[-./]([0-9]{1,2})")
_NUMERIC_RE: Final = re.compile(
    r"([0-9]{1,2})\s*(?:[-./]|\s)\s*([0-9]{1,2})(?:\s*(?:[-./]|\s)\s*([0-9]{4}|[0-9]{2})(?:р|г)?)?"
)
_DAY_SUFFIX: Final = r"(?:-?(?:er|ere|re|eme|e|st|nd|rd|th|го|е|ого))?"
_DAY_MONTH_RE: Final = re.compile(
    r"([0-9]{1,2})" + _DAY_SUFFIX + r"\s*-?\s*([^\W\d_]+)(?:\s*-?\s*([0-9]{4}|[0-9]{2}))?"
)
_MONTH_DAY_RE: Final = re.compile(
    r"([^\W\d_]+)\s*-?\s*([0-9]{1,2})" + _DAY_SUFFIX + r"(?:\s+([0-9]{4}|[0-9]{2}))?"
)
_NUMBER_UNIT_RE: Final = re.compile(r"([0-9]+)\s*([^\W\d_]+)")
_MAX_RELATIVE_DIGITS: Final = 5


# --------------------------------------------------------------------------- parse_user_date


def _full_year(year_text: str) -> int:
    year = int(year_text)
    return 2000 + year if len(year_text) == 2 else year


def _explicit_date(day: int, month: int, year: int, today: date) -> date | DateError:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return DateError.NOT_A_DAY
    if year < today.year - MAX_YEARS_BACK - 1:
        return DateError.PAST
    if year > today.year + MAX_YEARS_AHEAD + 1:
        return DateError.TOO_FAR
    try:
        return date(year, month, day)
    except ValueError:
        return DateError.NOT_A_DAY


def _next_occurrence(day: int, month: int, today: date) -> date | DateError:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return DateError.NOT_A_DAY
    for year in range(today.year, today.year + 9):
        if year > date.max.year:
            break
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return DateError.NOT_A_DAY


def _day_month(day: int, month: int, year_text: str | None, today: date) -> date | DateError:
    if year_text is None:
        return _next_occurrence(day, month, today)
    return _explicit_date(day, month, _full_year(year_text), today)


def _numeric(day: int, month: int, year_text: str | None, today: date) -> date | DateError:
    if month > 12 and 1 <= day <= 12:  # obviously month first: 03/15
        day, month = month, day
    return _day_month(day, month, year_text, today)


def _shift(today: date, amount: int, unit: _Unit) -> date | DateError:
    if unit is _Unit.DAY or unit is _Unit.WEEK:
        days = amount * _UNIT_DAYS[unit]
        if days > 2 * DAYS_PER_YEAR * MAX_YEARS_AHEAD:
            return DateError.TOO_FAR
        try:
            return today + timedelta(days=days)
        except OverflowError:
            return DateError.TOO_FAR
    months = amount * (12 if unit is _Unit.YEAR else 1)
    if months > 2 * 12 * MAX_YEARS_AHEAD:
        return DateError.TOO_FAR
    return add_months(today, months)


def _relative(core: list[str], had_prefix: bool, today: date) -> date | DateError | None:
    """``[number] unit`` after the prefix ("dans", "in", "через"); None if not that shape."""
    if len(core) > 1 and core[-1] in _NOW_SUFFIXES:  # "2 weeks from now" -> "2 weeks"
        core = core[:-1]
    amount: int | None = None
    unit_word: str | None = None
    joined = " ".join(core)
    match = _NUMBER_UNIT_RE.fullmatch(joined)
    if match is not None:
        digits = match.group(1).lstrip("0") or "0"
        if len(digits) > _MAX_RELATIVE_DIGITS:
            return DateError.TOO_FAR if match.group(2) in _UNITS else None
        amount, unit_word = int(digits), match.group(2)
    elif len(core) == 2 and core[0] in _NUMBER_WORDS:
        amount, unit_word = _NUMBER_WORDS[core[0]], core[1]
    elif len(core) == 1 and had_prefix:
        amount, unit_word = 1, core[0]
    if amount is None or unit_word is None or unit_word not in _UNITS:
        return None
    return _shift(today, amount, _UNITS[unit_word])


def _parse_date_core(tokens: list[str], today: date) -> date | DateError:
    whole = " ".join(tokens)
    core_tokens = [t for t in tokens if t not in _DATE_FILLERS and t not in _RELATIVE_PREFIXES]
    core = " ".join(core_tokens)
    for phrase in (whole, core):
        if phrase in _TODAY_WORDS:
            return today
        if phrase in _TOMORROW_WORDS:
            return today + timedelta(days=1)
        if phrase in _YESTERDAY_WORDS:  # for days in the past (a visit); a start date then means today
            return today - timedelta(days=1)
        if phrase in _AFTER_TOMORROW_WORDS:
            return today + timedelta(days=2)
    if not core:
        return DateError.UNREADABLE

    iso = _ISO_RE.fullmatch(core)
    if iso is not None:
        return _explicit_date(int(iso.group(3)), int(iso.group(2)), int(iso.group(1)), today)
    numeric = _NUMERIC_RE.fullmatch(core)
    if numeric is not None:
        return _numeric(int(numeric.group(1)), int(numeric.group(2)), numeric.group(3), today)
    day_month = _DAY_MONTH_RE.fullmatch(core)
    if day_month is not None and day_month.group(2) in _MONTHS:
        month = _MONTHS[day_month.group(2)]
        return _day_month(int(day_month.group(1)), month, day_month.group(3), today)
    month_day = _MONTH_DAY_RE.fullmatch(core)
    if month_day is not None and month_day.group(1) in _MONTHS:
        month = _MONTHS[month_day.group(1)]
        return _day_month(int(month_day.group(2)), month, month_day.group(3), today)

    if " ".join(t for t in tokens if t not in _RELATIVE_PREFIXES) in _HALF_YEAR_WORDS:
        return add_months(today, 6)
    had_prefix = any(t in _RELATIVE_PREFIXES for t in tokens)
    relative = _relative(core_tokens, had_prefix, today)
    if relative is not None:
        return relative
    return DateError.UNREADABLE


def parse_user_date(text: str, today: date) -> date | DateError:
    """Read a date typed by a user (fr/uk/en); see the module docstring for the conventions.

    Accepted shapes, case/accent/whitespace-insensitive:

    * numeric: ``15/03``, ``15.03``, ``15-03``, ``15 03``, ``15/03/27``, ``15.03.2027``;
      ISO ``2027-03-15``;
    * month names: ``15 mars``, ``1er avril``, ``15 березня 2027 року``, ``March 15, 2027``,
      ``15th March``, ``lundi 15 mars``, abbreviations (``15 janv.``, ``Sept 3``);
    * words: ``maintenant``, ``dès maintenant``, ``aujourd'hui``, ``immédiatement``, ``now``,
      ``today``, ``зараз``, ``сьогодні``, ``негайно`` (today); ``demain``, ``tomorrow``,
      ``завтра``; ``après-demain``, ``післязавтра``; ``hier``, ``yesterday``, ``вчора``;
    * relative: ``dans 2 semaines``, ``in 3 days``, ``через 2 тижні``, ``dans un mois``,
      ``in a week``, ``через тиждень``, ``2 weeks from now``, ``через півроку``. Days and weeks
      are added as days; months and years as calendar months clamped to the month end
      (2027-01-31 + 1 month = 2027-02-28).

    Returns the date, or UNREADABLE, NOT_A_DAY, TOO_FAR (after :func:`latest_allowed`) or PAST
    (before :func:`earliest_allowed`, only possible with an explicit year). Dates between
    :func:`earliest_allowed` and yesterday are returned as they are: the caller decides
    (:func:`resolve_available_from`, :func:`check_not_past`). Never raises.
    """
    if len(text) > MAX_INPUT_LENGTH:
        return DateError.UNREADABLE
    tokens = _tokens(text)
    if not tokens:
        return DateError.UNREADABLE
    result = _parse_date_core(tokens, today)
    if isinstance(result, DateError):
        return result
    if result > latest_allowed(today):
        return DateError.TOO_FAR
    if result < earliest_allowed(today):
        return DateError.PAST
    return result


# --------------------------------------------------------------------------- open-ended answers

# Answers that are exactly one of these phrases.
_OPEN_EXACT: Final = _fold_all(
    "open|aucune|aucun|rien|none|nothing|unknown|inconnu|inconnue|inconnu pour l'instant|jamais"
    "|немає|нема|ніколи|je sais pas|je ne sais pas|sais pas|jsp|on verra"
    "|don't know|i don't know|not sure|we'll see|не знаю|побачимо|never|∞|infini|open end"
)
# Answers containing one of these words or phrases.
_OPEN_CONTAINED: Final = _fold_all(
    "pas de fin|sans fin|pas de date de fin|pas de limite|sans limite|sans limites|illimité"
    "|illimitée|indéterminé|indéterminée|indéfini|indéfinie|indéfiniment|pas de date|non définie"
    "|non défini|aussi longtemps|le temps qu'il faudra|le temps qu'il faut|pas de durée"
    "|no end|no end date|no limit|open-ended|open ended|indefinite|indefinitely|unlimited"
    "|as long as needed|as long as necessary|no fixed|undetermined|undefined|not defined"
    "|безстроково|безстрокове|безстроковий|без обмежень|без обмеження|невідомо|без терміну"
    "|без кінця|не визначено|невизначено|необмежено|до невизначеного|скільки потрібно"
    "|скільки буде потрібно|бессрочно|без ограничений|неизвестно"
)


def parse_open_ended(text: str) -> bool:
    """True if the answer means "no end date / open-ended / unknown end".

    Examples: ``pas de fin``, ``durée indéterminée``, ``sans limite``, ``aucune``, ``no end``,
    ``open``, ``indefinitely``, ``безстроково``, ``без обмежень``, ``невідомо``. Short, risky
    words (``open``, ``aucune``, ``none``, ``unknown``…) must be the whole answer; distinctive
    phrases (``pas de fin``, ``безстроково``…) may appear inside a longer answer. A bare "no" is
    not open-ended (use ``validation.parse_yes_no`` for that). Never raises.
    """
    if len(text) > 2 * MAX_INPUT_LENGTH:
        return False
    tokens = _tokens(text)
    if not tokens:
        return False
    whole = " ".join(tokens)
    if whole in _OPEN_EXACT:
        return True
    padded = f" {whole} "
    return any(f" {phrase} " in padded for phrase in _OPEN_CONTAINED)


# --------------------------------------------------------------------------- durations

_DURATION_FILLERS: Final = _fold_all(
    "minimum|min|mini|au|moins|at|least|pendant|durant|for|environ|about|around|approx|approximately"
    "|et|and|і|й|та|плюс|plus|мінімум|щонайменше|принаймні|не|менше|хоча|б|бы|на|близько|около|минимум"
    "|de|of|la|le|les|the|une durée de|durée"
)
_DIGIT_LETTER_RE: Final = re.compile(r"([0-9])([^\W\d_])")
_SIGNED_INT_RE: Final = re.compile(r"([+-]?)([0-9]+)")
_MAX_DURATION_DIGITS: Final = 6


def parse_duration_days(text: str) -> int | DateError:
    """Read a minimum stay as a number of days.

    ``10 jours`` → 10, ``2 semaines`` → 14, ``3 mois`` → 90, ``1 an`` → 365, ``90`` → 90 (a bare
    number is days), ``3 months``, ``2 weeks``, ``3 місяці``, ``2 тижні``, ``10 днів``,
    ``1 рік``, ``un mois``, ``a year``, ``minimum 3 mois``, ``1 an et 6 mois`` → 545.
    A week is 7 days, a month 30, a year 365.

    Returns the number of days (1 … :data:`MAX_DURATION_DAYS`), or UNREADABLE (garbage,
    decimals such as ``1,5 mois``, ``1e9``), NOT_POSITIVE (zero or negative) or TOO_FAR (longer
    than 3 × 365 days). Never raises.
    """
    if len(text) > MAX_INPUT_LENGTH:
        return DateError.UNREADABLE
    folded = _DIGIT_LETTER_RE.sub(r"\1 \2", _SEPARATORS_RE.sub(" ", fold(text)))
    tokens = [t for t in (raw.strip(".") for raw in folded.split()) if t]
    joined = " ".join(tokens)
    for filler in sorted(_DURATION_FILLERS, key=len, reverse=True):
        if " " in filler:
            joined = f" {joined} ".replace(f" {filler} ", " ").strip()
    tokens = [t for t in joined.split() if t not in _DURATION_FILLERS]
    if not tokens:
        return DateError.UNREADABLE

    total = 0
    negative = False
    too_big = False
    pending: int | None = None  # a number waiting for its unit
    pending_is_word = False
    saw_unit = False
    for token in tokens:
        number = _SIGNED_INT_RE.fullmatch(token)
        # "an" is both "a" (English article) and "year" (French): a unit if a number precedes it.
        is_unit = token in _UNITS and (pending is not None or token not in _NUMBER_WORDS)
        if number is not None or (token in _NUMBER_WORDS and not is_unit):
            if pending is not None:
                return DateError.UNREADABLE
            if number is not None:
                negative = negative or number.group(1) == "-"
                digits = number.group(2).lstrip("0") or "0"
                if len(digits) > _MAX_DURATION_DIGITS:
                    too_big = True
                    digits = "9" * _MAX_DURATION_DIGITS
                pending, pending_is_word = int(digits), False
            else:
                pending, pending_is_word = _NUMBER_WORDS[token], True
        elif is_unit:
            total += (1 if pending is None else pending) * _UNIT_DAYS[_UNITS[token]]
            pending = None
            saw_unit = True
        else:
            return DateError.UNREADABLE
    if pending is not None:
        if saw_unit or pending_is_word:  # "1 mois 3", "trois": a number without its unit
            return DateError.UNREADABLE
        total = pending
    if negative or total <= 0:
        return DateError.NOT_POSITIVE
    if too_big or total > MAX_DURATION_DAYS:
        return DateError.TOO_FAR
    return total
