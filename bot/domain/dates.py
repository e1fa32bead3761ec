"""Dates and durations as people type them, in French, Ukrainian, English or Russian.

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
  2027-03-15 and ``22/11`` is 2026-11-22. ``29/02`` is the next 29th of February. For a day in
  the past (a visit), it means its latest occurrence up to today instead.
* "Next" names a day from today: ``lundi prochain`` is the first Monday after today, ``next week``
  the Monday of next week. A relative answer (``dans 3 mois``, ``6 weeks``) counts from the day
  the caller gives: an end date counts from its start.
* A bare number (``15``) is not a date: it is ambiguous (day? "in 15 days"?), so UNREADABLE.
* Weekday names (``lundi 15 mars``) and words such as "from", "dès", "until", "jusqu'au",
  "від", "до", "року" are ignored; the weekday is not checked against the date.
* Case, accents, apostrophes and extra whitespace never matter. Matching also drops combining
  marks in Cyrillic (``й`` matches ``и``), which only makes it more lenient.
* The words are those of :mod:`bot.domain.vocabulary`: French, Ukrainian, English and Russian
  (many Ukrainian speakers type in Russian); month and weekday names are CLDR's.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta
from enum import Enum
from typing import Final

from bot.domain.vocabulary import (
    AFTER_TOMORROW,
    DATE_FILLERS,
    DURATION_FILLERS,
    HALF_YEAR,
    MONTHS,
    NEXT,
    NUMBERS,
    OPEN_ENDED,
    OPEN_ENDED_INSIDE,
    RELATIVE,
    TODAY,
    TOMORROW,
    UNITS,
    WEEKDAYS,
    YESTERDAY,
    Unit,
    fold,
)


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


# Words that never carry the date themselves: "dès le 15 mars", "lundi 15 mars", "15 mars prochain".
_IGNORED: Final = DATE_FILLERS | WEEKDAYS.keys() | NEXT

_UNIT_DAYS: Final[dict[Unit, int]] = {
    Unit.DAY: 1,
    Unit.WEEK: DAYS_PER_WEEK,
    Unit.MONTH: DAYS_PER_MONTH,
    Unit.YEAR: DAYS_PER_YEAR,
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


def _occurrence(day: int, month: int, today: date, in_the_past: bool) -> date | DateError:
    """The next such day from today on, or with ``in_the_past`` the latest one up to today."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return DateError.NOT_A_DAY
    years = range(today.year, today.year - 9, -1) if in_the_past else range(today.year, today.year + 9)
    for year in years:
        if not date.min.year <= year <= date.max.year:
            break
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if (candidate <= today) if in_the_past else (candidate >= today):
            return candidate
    return DateError.NOT_A_DAY


def _day_month(
    day: int, month: int, year_text: str | None, today: date, in_the_past: bool
) -> date | DateError:
    if year_text is None:
        return _occurrence(day, month, today, in_the_past)
    return _explicit_date(day, month, _full_year(year_text), today)


def _shift(start: date, amount: int, unit: Unit) -> date | DateError:
    if unit is Unit.DAY or unit is Unit.WEEK:
        days = amount * _UNIT_DAYS[unit]
        if days > 2 * DAYS_PER_YEAR * MAX_YEARS_AHEAD:
            return DateError.TOO_FAR
        try:
            return start + timedelta(days=days)
        except OverflowError:
            return DateError.TOO_FAR
    months = amount * (12 if unit is Unit.YEAR else 1)
    if months > 2 * 12 * MAX_YEARS_AHEAD:
        return DateError.TOO_FAR
    return add_months(start, months)


def _relative(core: list[str], had_prefix: bool, today: date, start: date) -> date | DateError | None:
    """``[number] unit`` after the prefix ("dans", "in", "через"), counted from ``start``; None if not that
    shape. "2 weeks from now" counts from today, whatever ``start`` is: the answer says so."""
    if len(core) > 1 and core[-1] in TODAY:
        core, start = core[:-1], today
    amount: int | None = None
    unit_word: str | None = None
    joined = " ".join(core)
    match = _NUMBER_UNIT_RE.fullmatch(joined)
    if match is not None:
        digits = match.group(1).lstrip("0") or "0"
        if len(digits) > _MAX_RELATIVE_DIGITS:
            return DateError.TOO_FAR if match.group(2) in UNITS else None
        amount, unit_word = int(digits), match.group(2)
    elif len(core) == 2 and core[0] in NUMBERS:
        amount, unit_word = NUMBERS[core[0]], core[1]
    elif len(core) == 1 and had_prefix:
        amount, unit_word = 1, core[0]
    if amount is None or unit_word is None or unit_word not in UNITS:
        return None
    return _shift(start, amount, UNITS[unit_word])


def _next(tokens: list[str], today: date) -> date | None:
    """A day said with "next": a weekday ("lundi prochain": the first Monday after today), the week
    ("next week": its Monday), the month (its first day) or the year ("наступного року": 1 January);
    None if the answer is not of that shape."""
    if not any(t in NEXT for t in tokens):
        return None
    rest = [t for t in tokens if t not in NEXT and (t in UNITS or t not in DATE_FILLERS)]
    if len(rest) != 1:
        return None
    word = rest[0]
    unit = UNITS.get(word)
    try:
        if word in WEEKDAYS:
            return today + timedelta(days=(WEEKDAYS[word] - today.weekday() - 1) % DAYS_PER_WEEK + 1)
        if unit is Unit.DAY:
            return today + timedelta(days=1)
        if unit is Unit.WEEK:
            return today + timedelta(days=DAYS_PER_WEEK - today.weekday())
        if unit is Unit.MONTH:
            return add_months(today.replace(day=1), 1)
        if unit is Unit.YEAR:
            return date(today.year + 1, 1, 1)
    except (OverflowError, ValueError):  # after date.max
        return None
    return None


def _parse_date_core(tokens: list[str], today: date, start: date, in_the_past: bool) -> date | DateError:
    whole = " ".join(tokens)
    core_tokens = [t for t in tokens if t not in _IGNORED and t not in RELATIVE]
    core = " ".join(core_tokens)
    for words in (whole, core):
        if words in TODAY:
            return today
        if words in TOMORROW:
            return today + timedelta(days=1)
        if words in YESTERDAY:  # for days in the past (a visit); a start date then means today
            return today - timedelta(days=1)
        if words in AFTER_TOMORROW:
            return today + timedelta(days=2)
    following = _next(tokens, today)
    if following is not None:
        return following
    if not core:
        return DateError.UNREADABLE

    iso = _ISO_RE.fullmatch(core)
    if iso is not None:
        return _explicit_date(int(iso.group(3)), int(iso.group(2)), int(iso.group(1)), today)
    numeric = _NUMERIC_RE.fullmatch(core)
    if numeric is not None:
        day, month = int(numeric.group(1)), int(numeric.group(2))
        if month > 12 and 1 <= day <= 12:  # obviously month first: 03/15
            day, month = month, day
        return _day_month(day, month, numeric.group(3), today, in_the_past)
    day_month = _DAY_MONTH_RE.fullmatch(core)
    if day_month is not None and day_month.group(2) in MONTHS:
        month = MONTHS[day_month.group(2)]
        return _day_month(int(day_month.group(1)), month, day_month.group(3), today, in_the_past)
    month_day = _MONTH_DAY_RE.fullmatch(core)
    if month_day is not None and month_day.group(1) in MONTHS:
        month = MONTHS[month_day.group(1)]
        return _day_month(int(month_day.group(2)), month, month_day.group(3), today, in_the_past)

    if " ".join(t for t in tokens if t not in RELATIVE) in HALF_YEAR:
        return add_months(start, 6)
    had_prefix = any(t in RELATIVE for t in tokens)
    relative = _relative(core_tokens, had_prefix, today, start)
    if relative is not None:
        return relative
    return DateError.UNREADABLE


def parse_user_date(
    text: str, today: date, *, relative_to: date | None = None, in_the_past: bool = False
) -> date | DateError:
    """Read a date typed by a user (fr/uk/en/ru); see the module docstring for the conventions.

    Accepted shapes, case/accent/whitespace-insensitive:

    * numeric: ``15/03``, ``15.03``, ``15-03``, ``15 03``, ``15/03/27``, ``15.03.2027``;
      ISO ``2027-03-15``;
    * month names: ``15 mars``, ``1er avril``, ``15 березня 2027 року``, ``March 15, 2027``,
      ``15th March``, ``lundi 15 mars``, abbreviations (``15 janv.``, ``Sept 3``);
    * words: ``maintenant``, ``dès maintenant``, ``aujourd'hui``, ``immédiatement``, ``now``,
      ``today``, ``зараз``, ``сьогодні``, ``негайно`` (today); ``demain``, ``tomorrow``,
      ``завтра``; ``après-demain``, ``післязавтра``; ``hier``, ``yesterday``, ``вчора``;
    * next: ``lundi prochain``, ``next Monday``, ``у наступний понеділок``, ``наступного понеділка``
      (the first such weekday after today); ``la semaine prochaine``, ``next week``, ``наступного
      тижня`` (the Monday of next week); ``le mois prochain`` (its first day), ``l'an prochain``
      (1 January);
    * relative: ``dans 2 semaines``, ``in 3 days``, ``через 2 тижні``, ``dans un mois``,
      ``in a week``, ``через тиждень``, ``3 mois``, ``2 weeks from now``, ``через півроку``. Days and
      weeks are added as days; months and years as calendar months clamped to the month end
      (2027-01-31 + 1 month = 2027-02-28). They count from ``relative_to`` (default today; an end
      date counts from its start), except "… from now", which says it counts from today.

    A date without a year is its next occurrence, today included; with ``in_the_past`` (a visit), its
    latest occurrence up to today.

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
    result = _parse_date_core(tokens, today, relative_to or today, in_the_past)
    if isinstance(result, DateError):
        return result
    if result > latest_allowed(today):
        return DateError.TOO_FAR
    if result < earliest_allowed(today):
        return DateError.PAST
    return result


# --------------------------------------------------------------------------- open-ended answers


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
    if whole in OPEN_ENDED:
        return True
    padded = f" {whole} "
    return any(f" {words} " in padded for words in OPEN_ENDED_INSIDE)


# --------------------------------------------------------------------------- durations

# Longest first, so that "au moins" goes before "au" and "moins".
_DURATION_PHRASES: Final = sorted((f for f in DURATION_FILLERS if " " in f), key=len, reverse=True)
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
    for filler in _DURATION_PHRASES:
        joined = f" {joined} ".replace(f" {filler} ", " ").strip()
    tokens = [t for t in joined.split() if t not in DURATION_FILLERS]
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
        is_unit = token in UNITS and (pending is not None or token not in NUMBERS)
        if number is not None or (token in NUMBERS and not is_unit):
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
                pending, pending_is_word = NUMBERS[token], True
        elif is_unit:
            total += (1 if pending is None else pending) * _UNIT_DAYS[UNITS[token]]
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
