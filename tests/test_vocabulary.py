"""The vocabulary: one entry per language, CLDR names, and the same words understood everywhere."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pytest
from babel import Locale

from bot.domain import dates, validation, vocabulary
from bot.domain.dates import DateError, parse_duration_days, parse_user_date
from bot.domain.search import line
from bot.domain.search.criteria import Criteria
from bot.domain.search.line import parse_search_line
from bot.domain.vocabulary import (
    ADULTS,
    CHILDREN,
    KM,
    LANGUAGE_CODES,
    LANGUAGE_NAMES,
    MONTHS,
    NUMBERS,
    PEOPLE,
    UNITS,
    VOCABULARY,
    WEEKDAYS,
    Unit,
    Words,
    fold,
    phrase,
    spellings,
)

TODAY = date(2026, 11, 22)
UNIT_DAYS = {Unit.DAY: 1, Unit.WEEK: 7, Unit.MONTH: 30, Unit.YEAR: 365}
OPTIONAL = {"age_fillers", "languages", "months", "weekdays", "multipliers", "phone_region", "greet_in"}


@pytest.mark.parametrize("language", sorted(VOCABULARY))
def test_each_language_has_words_for_each_idea(language: str) -> None:
    words = VOCABULARY[language]
    assert words.language == language
    missing = [f.name for f in fields(Words) if f.name not in OPTIONAL and not getattr(words, f.name)]
    assert not missing, missing
    assert set(words.units) == set(Unit)
    assert {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 20, 30, 50} <= set(words.numbers)


def test_fold_is_the_one_fold() -> None:
    assert dates.fold is validation.fold is line.fold is fold
    assert fold("Aujourd’hui — DÈS") == "aujourdhui - des"
    assert phrase("  janv.  Sept. ") == "janv sept"
    assert spellings("Fév|fev||d'accord") == {"fev", "daccord"}


@pytest.mark.parametrize("language", ["fr", "uk", "en", "ru"])
def test_month_and_weekday_names_come_from_cldr(language: str) -> None:
    locale = Locale.parse(language)
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for number, name in locale.months[context][width].items():
                assert MONTHS[phrase(name)] == number, name
            for number, name in locale.days[context][width].items():
                assert WEEKDAYS.get(phrase(name), number) == number, name


@pytest.mark.parametrize(
    ("word", "month"),
    [("березня", 3), ("березень", 3), ("бер.", 3), ("марта", 3), ("март", 3), ("janv.", 1), ("fév", 2),
     ("Sept", 9), ("août", 8), ("листопада", 11), ("груд", 12)],
)  # fmt: skip
def test_months(word: str, month: int) -> None:
    assert MONTHS[phrase(word)] == month


@pytest.mark.parametrize(
    ("word", "weekday"),
    [("lundi", 0), ("понеділок", 0), ("понеділка", 0), ("понедельника", 0), ("mardi", 1), ("вт", 1),
     ("середу", 2), ("п’ятниця", 4), ("пятницу", 4), ("Sunday", 6), ("неділі", 6)],
)  # fmt: skip
def test_weekdays(word: str, weekday: int) -> None:
    assert WEEKDAYS[phrase(word)] == weekday


def test_a_month_is_never_taken_for_a_weekday() -> None:
    # French "mar." (mardi) is English "Mar" (March).
    assert MONTHS["mar"] == 3
    assert "mar" not in WEEKDAYS
    assert parse_user_date("15 mar", TODAY) == date(2027, 3, 15)


def test_a_spelling_meaning_two_things_is_refused() -> None:
    with pytest.raises(ValueError, match="means both"):
        vocabulary._index([("jour|day", 1), ("Jour", 2)], "test")


def test_count_words_and_time_units_do_not_overlap() -> None:
    tables = [set(UNITS), set(PEOPLE), set(ADULTS), set(CHILDREN), set(KM)]
    for n, table in enumerate(tables):
        for other in tables[n + 1 :]:
            assert not table & other, table & other


def test_numbers_in_each_language() -> None:
    for word, value in [("cinquante", 50), ("deux", 2), ("два", 2), ("двоє", 2), ("three", 3), ("douze", 12),
                        ("п'ятнадцять", 15), ("тридцать", 30), ("twenty", 20), ("нуль", 0)]:  # fmt: skip
        assert NUMBERS[phrase(word)] == value


@pytest.mark.parametrize("word", sorted(UNITS))
def test_dates_durations_and_the_search_line_read_the_same_unit_words(word: str) -> None:
    days = 2 * UNIT_DAYS[UNITS[word]]
    assert parse_duration_days(f"2 {word}") == days
    assert parse_duration_days(f"2{word}") == days
    line = parse_search_line(f"1p 2{word}", TODAY)
    assert isinstance(line, Criteria) and line.days == days, line
    assert parse_search_line(f"1p 2 {word}", TODAY) == line
    later = parse_user_date(f"через 2{word}", TODAY)
    assert isinstance(later, date) and later > TODAY
    if word not in vocabulary.DATE_FILLERS:  # "2027 р." and "року" mark a year when written apart
        assert parse_user_date(f"dans 2 {word}", TODAY) == later


def test_doba_is_a_day_everywhere() -> None:
    assert parse_user_date("через 2 доби", TODAY) == date(2026, 11, 24)
    assert parse_user_date("через добу", TODAY) == date(2026, 11, 23)
    assert parse_duration_days("3 доби") == 3
    assert parse_search_line("1p 3доби", TODAY) == Criteria(people=1, days=3)
    assert parse_search_line("1p 3 доби", TODAY) == Criteria(people=1, days=3)


def test_every_name_of_a_language_reads_on_the_search_line() -> None:
    for code in LANGUAGE_CODES:
        for language in VOCABULARY:
            name = Locale.parse(language).languages[code]
            assert LANGUAGE_NAMES[phrase(name)] == code
            assert parse_search_line(f"1p {name.replace(' ', '')}", TODAY) == Criteria(
                people=1, languages=(code,)
            )
    assert parse_search_line("1p polski italiano", TODAY) == Criteria(people=1, languages=("pl", "it"))


def test_needs_and_stale_read_in_every_language() -> None:
    assert parse_search_line("1p fauteuil кішка дітей все", TODAY) == Criteria(
        people=1, needs=frozenset({"step_free", "pets", "children"}), include_stale=True
    )
    assert parse_search_line("2 человека", TODAY) == Criteria(people=2)


def test_the_year_marker_stays_a_year_marker() -> None:
    assert parse_user_date("15 березня 2027 р.", TODAY) == date(2027, 3, 15)
    assert parse_user_date("до 2027 року", TODAY) is DateError.UNREADABLE
