"""Tests for bot.domain.dates: tables of what people type, and properties on arbitrary text."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.dates import (
    MAX_DURATION_DAYS,
    DateError,
    add_months,
    check_not_past,
    check_period,
    days_until,
    earliest_allowed,
    latest_allowed,
    parse_duration_days,
    parse_open_ended,
    parse_user_date,
    resolve_available_from,
)

TODAY = date(2026, 11, 22)
YEAR_END = date(2026, 12, 31)


def _split(spec: str) -> list[str]:
    return spec.split("|")


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, database=None)
# Arbitrary text, lone surrogates excluded, plus texts that look a bit like answers.
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
answer_like = st.lists(
    st.one_of(
        st.sampled_from(
            _split(
                "15|03|/|.|-| |2027|27|mars|березня|march|1er|dans|in|через|2|semaines|weeks|тижні|mois|jours"
                "|an|demain|e|9|0|31|02|29|+|ans|years|року|le|from|sept|un"
            )
        ),
        st.text(max_size=3),
    ),
    max_size=8,
).map("".join)
todays = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


# --------------------------------------------------------------------------- parse_user_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # numeric, day first
        ("15/03", date(2027, 3, 15)),
        ("15.03", date(2027, 3, 15)),
        ("15-03", date(2027, 3, 15)),
        ("15 03", date(2027, 3, 15)),
        ("15/3", date(2027, 3, 15)),
        ("5/3", date(2027, 3, 5)),
        ("15/03/27", date(2027, 3, 15)),
        ("15/03/2027", date(2027, 3, 15)),
        ("15.03.2027", date(2027, 3, 15)),
        ("15.03.2027.", date(2027, 3, 15)),
        ("15-03-2027", date(2027, 3, 15)),
        (" 15 / 03 / 2027 ", date(2027, 3, 15)),
        ("2027-03-15", date(2027, 3, 15)),
        ("2027/3/15", date(2027, 3, 15)),
        ("１５/０３", date(2027, 3, 15)),
        ("03/15", date(2027, 3, 15)),  # impossible day first, obviously month first
        ("12/01", date(2027, 1, 12)),  # ambiguous: day first
        # next occurrence when no year is given
        ("22/11", date(2026, 11, 22)),
        ("21/11", date(2027, 11, 21)),
        ("23/11", date(2026, 11, 23)),
        ("31/12", date(2026, 12, 31)),
        ("01/01", date(2027, 1, 1)),
        ("29/02", date(2028, 2, 29)),
        # month names, French
        ("15 mars", date(2027, 3, 15)),
        ("15 MARS", date(2027, 3, 15)),
        ("15mars", date(2027, 3, 15)),
        ("15 mars 2027", date(2027, 3, 15)),
        ("1er avril", date(2027, 4, 1)),
        ("le 1er avril", date(2027, 4, 1)),
        ("1ᵉʳ avril", date(2027, 4, 1)),
        ("lundi 15 mars", date(2027, 3, 15)),
        ("à partir du 15 mars", date(2027, 3, 15)),
        ("jusqu'au 15 mars", date(2027, 3, 15)),
        ("jusqu’au 15 mars", date(2027, 3, 15)),
        ("dès le 2 janvier", date(2027, 1, 2)),
        ("15 fevrier", date(2027, 2, 15)),
        ("15 février", date(2027, 2, 15)),
        ("15 FÉVRIER", date(2027, 2, 15)),
        ("15 aout", date(2027, 8, 15)),
        ("15 août", date(2027, 8, 15)),
        ("15 décembre", date(2026, 12, 15)),
        ("15 decembre 2026", date(2026, 12, 15)),
        ("3 janv.", date(2027, 1, 3)),
        ("3 sept", date(2027, 9, 3)),
        ("30 juin", date(2027, 6, 30)),
        ("14 juillet", date(2027, 7, 14)),
        ("11 novembre", date(2027, 11, 11)),
        ("25 nov", date(2026, 11, 25)),
        # month names, Ukrainian (genitive and nominative) and Russian
        ("15 березня", date(2027, 3, 15)),
        ("15 Березня", date(2027, 3, 15)),
        ("15 березня 2027", date(2027, 3, 15)),
        ("15 березня 2027 року", date(2027, 3, 15)),
        ("до 15 березня 2027 р.", date(2027, 3, 15)),
        ("з 15 березня", date(2027, 3, 15)),
        ("15-го березня", date(2027, 3, 15)),
        ("1 січня", date(2027, 1, 1)),
        ("2 лютого", date(2027, 2, 2)),
        ("3 квітня", date(2027, 4, 3)),
        ("4 травня", date(2027, 5, 4)),
        ("5 червня", date(2027, 6, 5)),
        ("6 липня", date(2027, 7, 6)),
        ("7 серпня", date(2027, 8, 7)),
        ("8 вересня", date(2027, 9, 8)),
        ("9 жовтня", date(2027, 10, 9)),
        ("10 листопада", date(2027, 11, 10)),
        ("11 грудня", date(2026, 12, 11)),
        ("1 лютий", date(2027, 2, 1)),
        ("1 травень 2027", date(2027, 5, 1)),
        ("15 марта", date(2027, 3, 15)),
        # month names, English
        ("March 15", date(2027, 3, 15)),
        ("march 15th", date(2027, 3, 15)),
        ("March 15, 2027", date(2027, 3, 15)),
        ("15 March 2027", date(2027, 3, 15)),
        ("15th of March", date(2027, 3, 15)),
        ("Sept 3", date(2027, 9, 3)),
        ("on Monday, March 15", date(2027, 3, 15)),
        ("Dec 1st", date(2026, 12, 1)),
        # today
        ("dès maintenant", TODAY),
        ("Dès maintenant !", TODAY),
        ("maintenant", TODAY),
        ("aujourd'hui", TODAY),
        ("Aujourd’hui", TODAY),
        ("aujourdhui", TODAY),
        ("immédiatement", TODAY),
        ("immediatement", TODAY),
        ("tout de suite", TODAY),
        ("dès que possible", TODAY),
        ("now", TODAY),
        ("right now", TODAY),
        ("Today", TODAY),
        ("asap", TODAY),
        ("зараз", TODAY),
        ("сьогодні", TODAY),
        ("негайно", TODAY),
        ("  ЗАРАЗ  ", TODAY),
        # tomorrow and the day after
        ("demain", date(2026, 11, 23)),
        ("Demain.", date(2026, 11, 23)),
        ("завтра", date(2026, 11, 23)),
        ("tomorrow", date(2026, 11, 23)),
        ("après-demain", date(2026, 11, 24)),
        ("après demain", date(2026, 11, 24)),
        ("післязавтра", date(2026, 11, 24)),
        # relative
        ("in 2 weeks", date(2026, 12, 6)),
        ("dans 2 semaines", date(2026, 12, 6)),
        ("d'ici 2 semaines", date(2026, 12, 6)),
        ("2 semaines", date(2026, 12, 6)),
        ("dans 10 jours", date(2026, 12, 2)),
        ("dans 10j", date(2026, 12, 2)),
        ("dans 3 mois", date(2027, 2, 22)),
        ("dans un mois", date(2026, 12, 22)),
        ("dans une semaine", date(2026, 11, 29)),
        ("dans deux semaines", date(2026, 12, 6)),
        ("dans un an", date(2027, 11, 22)),
        ("dans 0 jours", TODAY),
        ("через 2 тижні", date(2026, 12, 6)),
        ("через 10 днів", date(2026, 12, 2)),
        ("через 3 місяці", date(2027, 2, 22)),
        ("через тиждень", date(2026, 11, 29)),
        ("через місяць", date(2026, 12, 22)),
        ("через рік", date(2027, 11, 22)),
        ("через півроку", date(2027, 5, 22)),
        ("за 2 тижні", date(2026, 12, 6)),
        ("in 3 days", date(2026, 11, 25)),
        ("in 1 month", date(2026, 12, 22)),
        ("in a week", date(2026, 11, 29)),
        ("in two weeks", date(2026, 12, 6)),
        ("2 weeks from now", date(2026, 12, 6)),
        ("in 2 years", date(2028, 11, 22)),
        ("in 3 years", date(2029, 11, 22)),
        ("à partir d'aujourd'hui", TODAY),
        ("15 mars prochain", date(2027, 3, 15)),
        ("in 2 weeks time", date(2026, 12, 6)),
        ("dans quinze jours", date(2026, 12, 7)),
        ("15.03.2027р.", date(2027, 3, 15)),
        ("через два тижні", date(2026, 12, 6)),
        ("через 3 дні", date(2026, 11, 25)),
    ],
)
def test_parse_user_date_accepts(text: str, expected: date) -> None:
    assert parse_user_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("15/01", YEAR_END, date(2027, 1, 15)),
        ("31/12", YEAR_END, date(2026, 12, 31)),
        ("30/12", YEAR_END, date(2027, 12, 30)),
        ("1er janvier", YEAR_END, date(2027, 1, 1)),
        ("demain", YEAR_END, date(2027, 1, 1)),
        ("dans 2 mois", YEAR_END, date(2027, 2, 28)),  # clamped to the month end
        ("in 1 month", date(2027, 1, 31), date(2027, 2, 28)),
        ("in 1 month", date(2028, 1, 31), date(2028, 2, 29)),
        ("через 1 місяць", date(2027, 3, 31), date(2027, 4, 30)),
        ("dans 1 an", date(2028, 2, 29), date(2029, 2, 28)),
        ("29/02", date(2028, 2, 29), date(2028, 2, 29)),
        ("29/02", date(2027, 3, 1), date(2028, 2, 29)),
        ("29/02", date(2028, 3, 1), DateError.TOO_FAR),  # next one is 2032
    ],
)
def test_parse_user_date_other_days(text: str, today: date, expected: date | DateError) -> None:
    assert parse_user_date(text, today) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # no such day
        ("31/02", DateError.NOT_A_DAY),
        ("30/02", DateError.NOT_A_DAY),
        ("00/01", DateError.NOT_A_DAY),
        ("32/01", DateError.NOT_A_DAY),
        ("31/11", DateError.NOT_A_DAY),
        ("15/13", DateError.NOT_A_DAY),
        ("13/13", DateError.NOT_A_DAY),
        ("15/00", DateError.NOT_A_DAY),
        ("29/02/2027", DateError.NOT_A_DAY),
        ("2027-02-30", DateError.NOT_A_DAY),
        ("31 avril", DateError.NOT_A_DAY),
        ("0 mars", DateError.NOT_A_DAY),
        ("31 червня", DateError.NOT_A_DAY),
        ("February 30", DateError.NOT_A_DAY),
        # too far
        ("15/03/2031", DateError.TOO_FAR),
        ("23/11/2029", DateError.TOO_FAR),
        ("15/03/99", DateError.TOO_FAR),
        ("2100-01-01", DateError.TOO_FAR),
        ("dans 4 ans", DateError.TOO_FAR),
        ("in 37 months", DateError.TOO_FAR),
        ("dans 2000 jours", DateError.TOO_FAR),
        ("dans 99999999999 jours", DateError.TOO_FAR),
        ("через 100000000000000000000000 днів", DateError.TOO_FAR),
        # far in the past: a typo
        ("15/03/1927", DateError.PAST),
        ("15/03/2025", DateError.PAST),
        ("0000-01-01", DateError.PAST),
        ("1 janvier 2000", DateError.PAST),
        # unreadable
        ("", DateError.UNREADABLE),
        ("   ", DateError.UNREADABLE),
        ("garbage", DateError.UNREADABLE),
        ("bientôt", DateError.UNREADABLE),
        ("15", DateError.UNREADABLE),  # a bare number is ambiguous
        ("2027", DateError.UNREADABLE),
        ("mars", DateError.UNREADABLE),
        ("mars 2027", DateError.UNREADABLE),
        ("1e9", DateError.UNREADABLE),
        ("15/03/202", DateError.UNREADABLE),
        ("15/03/20270", DateError.UNREADABLE),
        ("15 foo", DateError.UNREADABLE),
        ("semaine", DateError.UNREADABLE),
        ("dans", DateError.UNREADABLE),
        ("dans -2 jours", DateError.UNREADABLE),
        ("le", DateError.UNREADABLE),
        ("lundi", DateError.UNREADABLE),
        ("😀", DateError.UNREADABLE),
        ("15/03 😀", DateError.UNREADABLE),
        ("\x00\x01", DateError.UNREADABLE),
        ("15/03" + " " * 200, DateError.UNREADABLE),
        ("x" * 10_000, DateError.UNREADABLE),
        ("١٥/٠٣", DateError.UNREADABLE),  # Arabic-Indic digits are not read
    ],
)
def test_parse_user_date_refuses(text: str, expected: DateError) -> None:
    assert parse_user_date(text, TODAY) == expected


def test_recent_past_date_is_returned_for_the_caller_to_decide() -> None:
    parsed = parse_user_date("15/03/2026", TODAY)
    assert parsed == date(2026, 3, 15)
    assert isinstance(parsed, date)
    assert resolve_available_from(parsed, TODAY) == TODAY
    assert check_not_past(parsed, TODAY) is DateError.PAST


def test_two_digit_year_in_the_recent_past() -> None:
    assert parse_user_date("15/03/26", TODAY) == date(2026, 3, 15)


def test_bounds_are_inclusive() -> None:
    assert latest_allowed(TODAY) == date(2029, 11, 22)
    assert earliest_allowed(TODAY) == date(2025, 11, 22)
    assert parse_user_date("22/11/2029", TODAY) == date(2029, 11, 22)
    assert parse_user_date("23/11/2029", TODAY) is DateError.TOO_FAR
    assert parse_user_date("22/11/2025", TODAY) == date(2025, 11, 22)
    assert parse_user_date("21/11/2025", TODAY) is DateError.PAST


def test_every_day_of_the_year_without_year_is_the_next_occurrence() -> None:
    day = date(2027, 1, 1)
    while day.year == 2027:
        for today in (TODAY, YEAR_END, date(2027, 6, 15)):
            parsed = parse_user_date(f"{day.day:02d}/{day.month:02d}", today)
            assert isinstance(parsed, date)
            assert parsed >= today
            assert (parsed.month, parsed.day) == (day.month, day.day)
            assert parsed - today < timedelta(days=366)
        day += timedelta(days=1)


@PROPERTY_SETTINGS
@given(text=st.one_of(any_text, answer_like), today=todays)
def test_parse_user_date_never_raises_and_respects_bounds(text: str, today: date) -> None:
    result = parse_user_date(text, today)
    assert isinstance(result, (date, DateError))
    if isinstance(result, date):
        assert earliest_allowed(today) <= result <= latest_allowed(today)
        assert result <= today + timedelta(days=3 * 366)


@PROPERTY_SETTINGS
@given(day=st.dates(min_value=date(2025, 11, 22), max_value=date(2029, 11, 22)))
def test_parse_user_date_round_trips_explicit_dates(day: date) -> None:
    for text in (
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        day.isoformat(),
        f"{day.day:02d}/{day.month:02d}/{day.year % 100:02d}",
    ):
        assert parse_user_date(text, TODAY) == day


long_text = st.text(min_size=1, max_size=30).map(lambda s: (s * 10_000)[:10_000])


@settings(max_examples=30, deadline=None, database=None)
@given(long_text)
def test_long_text(text: str) -> None:
    assert parse_user_date(text, TODAY) is DateError.UNREADABLE
    assert parse_duration_days(text) is DateError.UNREADABLE
    assert isinstance(parse_open_ended(text), bool)


# --------------------------------------------------------------------------- small helpers


@pytest.mark.parametrize(
    ("parsed", "expected"),
    [
        (date(2026, 11, 1), TODAY),
        (date(2026, 11, 21), TODAY),
        (TODAY, TODAY),
        (date(2026, 11, 23), date(2026, 11, 23)),
        (date(2027, 3, 15), date(2027, 3, 15)),
    ],
)
def test_resolve_available_from(parsed: date, expected: date) -> None:
    assert resolve_available_from(parsed, TODAY) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (TODAY, None, None),
        (TODAY, date(2026, 11, 23), None),
        (TODAY, date(2027, 3, 15), None),
        (TODAY, TODAY, DateError.END_SAME_AS_START),
        (TODAY, date(2026, 11, 21), DateError.END_BEFORE_START),
        (date(2027, 3, 15), date(2027, 1, 1), DateError.END_BEFORE_START),
    ],
)
def test_check_period(start: date, end: date | None, expected: DateError | None) -> None:
    assert check_period(start, end) == expected


@pytest.mark.parametrize(
    ("d", "expected"),
    [(TODAY, None), (date(2026, 11, 23), None), (date(2026, 11, 21), DateError.PAST)],
)
def test_check_not_past(d: date, expected: DateError | None) -> None:
    assert check_not_past(d, TODAY) == expected


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (TODAY, 0),
        (date(2026, 11, 23), 1),
        (date(2026, 11, 21), -1),
        (date(2026, 12, 22), 30),
        (date(2027, 11, 22), 365),
        (date(2028, 11, 22), 731),  # 2028 is a leap year
    ],
)
def test_days_until(d: date, expected: int) -> None:
    assert days_until(d, TODAY) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 22), 3, date(2027, 2, 22)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
        (date(2027, 1, 15), -1, date(2026, 12, 15)),
        (date(9999, 12, 1), 1, date.max),
        (date(1, 1, 31), -1, date.min),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


# --------------------------------------------------------------------------- parse_open_ended


@pytest.mark.parametrize(
    "text",
    [
        "pas de fin",
        "Pas de fin !",
        "pas de date de fin",
        "pas de date de fin prévue",
        "indéterminé",
        "indeterminee",
        "durée indéterminée",
        "sans limite",
        "Sans limite de durée",
        "illimité",
        "aucune",
        "Aucune.",
        "aussi longtemps que nécessaire",
        "je ne sais pas",
        "on verra",
        "no end",
        "No end date",
        "open",
        "Open-ended",
        "indefinitely",
        "unlimited",
        "as long as needed",
        "none",
        "безстроково",
        "Безстроково",
        "без обмежень",
        "невідомо",
        "поки невідомо",
        "без терміну",
        "не знаю",
        "немає",
        "бессрочно",
    ],
)
def test_parse_open_ended_yes(text: str) -> None:
    assert parse_open_ended(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "15/03",
        "dans 2 semaines",
        "non",
        "no",
        "ні",
        "oui",
        "open house",
        "fin mars",
        "😀",
        "x" * 9999,
    ],
)
def test_parse_open_ended_no(text: str) -> None:
    assert parse_open_ended(text) is False


@PROPERTY_SETTINGS
@given(st.one_of(any_text, answer_like))
def test_parse_open_ended_never_raises(text: str) -> None:
    assert isinstance(parse_open_ended(text), bool)


# --------------------------------------------------------------------------- parse_duration_days


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 mois", 90),
        ("2 semaines", 14),
        ("10 jours", 10),
        ("10j", 10),
        ("90", 90),
        (" 90 ", 90),
        ("1", 1),
        ("3 months", 90),
        ("2 weeks", 14),
        ("1 week", 7),
        ("10 days", 10),
        ("3 місяці", 90),
        ("2 тижні", 14),
        ("10 днів", 10),
        ("1 день", 1),
        ("1 an", 365),
        ("1 year", 365),
        ("1 рік", 365),
        ("2 ans", 730),
        ("3 ans", 1095),
        ("3 years", 1095),
        ("un mois", 30),
        ("une semaine", 7),
        ("a year", 365),
        ("six mois", 180),
        ("quinze jours", 15),
        ("mois", 30),
        ("minimum 3 mois", 90),
        ("3 mois minimum", 90),
        ("au moins 2 semaines", 14),
        ("at least 2 weeks", 14),
        ("мінімум 3 місяці", 90),
        ("щонайменше 2 тижні", 14),
        ("1 an et 6 mois", 545),
        ("1 year and 2 weeks", 379),
        ("3 MOIS", 90),
        ("3 mois.", 90),
    ],
)
def test_parse_duration_days_accepts(text: str, expected: int) -> None:
    assert parse_duration_days(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", DateError.NOT_POSITIVE),
        ("0 jours", DateError.NOT_POSITIVE),
        ("-3", DateError.NOT_POSITIVE),
        ("-3 mois", DateError.NOT_POSITIVE),
        ("−2 weeks", DateError.NOT_POSITIVE),
        ("1096", DateError.TOO_FAR),
        ("4 ans", DateError.TOO_FAR),
        ("37 mois", DateError.TOO_FAR),
        ("200 weeks", DateError.TOO_FAR),
        ("99999999999999999999", DateError.TOO_FAR),
        ("9" * 4000 + " jours", DateError.UNREADABLE),  # far too long to be an answer
        ("", DateError.UNREADABLE),
        ("garbage", DateError.UNREADABLE),
        ("1e9", DateError.UNREADABLE),
        ("1,5 mois", DateError.UNREADABLE),
        ("3.5", DateError.UNREADABLE),
        ("trois", DateError.UNREADABLE),
        ("1 mois 3", DateError.UNREADABLE),
        ("3 4 mois", DateError.UNREADABLE),
        ("15/03", DateError.UNREADABLE),
        ("😀", DateError.UNREADABLE),
        ("minimum", DateError.UNREADABLE),
    ],
)
def test_parse_duration_days_refuses(text: str, expected: DateError) -> None:
    assert parse_duration_days(text) == expected


@PROPERTY_SETTINGS
@given(st.one_of(any_text, answer_like))
def test_parse_duration_days_never_raises_and_respects_bounds(text: str) -> None:
    result = parse_duration_days(text)
    assert isinstance(result, (int, DateError))
    if isinstance(result, int):
        assert 1 <= result <= MAX_DURATION_DAYS


@PROPERTY_SETTINGS
@given(st.integers(min_value=-10_000, max_value=10_000))
def test_parse_duration_days_bare_numbers(n: int) -> None:
    result = parse_duration_days(str(n))
    if 1 <= n <= MAX_DURATION_DAYS:
        assert result == n
    elif n <= 0:
        assert result is DateError.NOT_POSITIVE
    else:
        assert result is DateError.TOO_FAR


def test_yesterday_in_each_language() -> None:
    from datetime import date as day

    from bot.domain.dates import parse_user_date

    for word in ("hier", "Yesterday", "вчора"):
        assert parse_user_date(word, day(2026, 11, 22)) == day(2026, 11, 21)


# --------------------------------------------------------------------------- next week, next Monday

WEDNESDAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("la semaine prochaine", date(2026, 11, 30)),  # the Monday of next week
        ("semaine prochaine", date(2026, 11, 30)),
        ("next week", date(2026, 11, 30)),
        ("наступного тижня", date(2026, 11, 30)),
        ("на наступному тижні", date(2026, 11, 30)),
        ("на следующей неделе", date(2026, 11, 30)),
        ("lundi prochain", date(2026, 11, 30)),
        ("Lundi prochain", date(2026, 11, 30)),
        ("next Monday", date(2026, 11, 30)),
        ("у наступний понеділок", date(2026, 11, 30)),
        ("наступного понеділка", date(2026, 11, 30)),
        ("в следующий понедельник", date(2026, 11, 30)),
        ("mercredi prochain", date(2026, 12, 2)),  # strictly after today, a Wednesday
        ("в наступну середу", date(2026, 12, 2)),
        ("jeudi prochain", date(2026, 11, 26)),
        ("next Tues", date(2026, 12, 1)),
        ("le mois prochain", date(2026, 12, 1)),
        ("next month", date(2026, 12, 1)),
        ("наступного місяця", date(2026, 12, 1)),
        ("l'année prochaine", date(2027, 1, 1)),
        ("l'an prochain", date(2027, 1, 1)),
        ("наступного року", date(2027, 1, 1)),
        ("в следующем году", date(2027, 1, 1)),
        ("15 mars prochain", date(2027, 3, 15)),  # "prochain" after a date adds nothing
        ("prochain", DateError.UNREADABLE),
        ("next", DateError.UNREADABLE),
        ("lundi", DateError.UNREADABLE),
        ("prochain lundi mardi", DateError.UNREADABLE),
    ],
)
def test_next_week_and_next_weekday(text: str, expected: date | DateError) -> None:
    assert parse_user_date(text, WEDNESDAY) == expected


def test_next_weekday_is_after_today_whatever_today_is() -> None:
    for offset in range(7):
        today = TODAY + timedelta(days=offset)
        for word, weekday in (("lundi", 0), ("mercredi", 2), ("неділі", 6)):
            parsed = parse_user_date(f"{word} prochain" if word != "неділі" else f"наступної {word}", today)
            assert isinstance(parsed, date) and parsed.weekday() == weekday
            assert 1 <= (parsed - today).days <= 7
        next_week = parse_user_date("next week", today)
        assert isinstance(next_week, date) and next_week.weekday() == 0 and 1 <= (next_week - today).days <= 7


# --------------------------------------------------------------------------- relative to a start, in the past

START = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 mois", date(2027, 3, 7)),
        ("dans 3 mois", date(2027, 3, 7)),
        ("6 weeks", date(2027, 1, 18)),
        ("через 2 місяці", date(2027, 2, 7)),
        ("через півроку", date(2027, 6, 7)),
        ("un an", date(2027, 12, 7)),
        ("2 weeks from now", date(2026, 12, 6)),  # says it counts from today
        ("demain", date(2026, 11, 23)),  # a day, not a length
        ("15/03", date(2027, 3, 15)),
        ("la semaine prochaine", date(2026, 11, 23)),
        ("dans 3 ans", DateError.TOO_FAR),
    ],
)
def test_a_relative_answer_counts_from_the_given_day(text: str, expected: date | DateError) -> None:
    assert parse_user_date(text, TODAY, relative_to=START) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/12", date(2025, 12, 15)),
        ("22/11", TODAY),
        ("21/11", date(2026, 11, 21)),
        ("1er novembre", date(2026, 11, 1)),
        ("15/12/2026", date(2026, 12, 15)),  # an explicit year is kept: the caller says it is to come
        ("demain", date(2026, 11, 23)),
        ("hier", date(2026, 11, 21)),
    ],
)
def test_in_the_past_a_day_without_year_is_its_latest_occurrence(text: str, expected: date) -> None:
    assert parse_user_date(text, TODAY, in_the_past=True) == expected
