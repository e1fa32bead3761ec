"""The offer search: the one-line command, the ranking, and the search on a real database."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.domain.dates import DateError
from bot.domain.offer_schema import LANGUAGES
from bot.domain.search.criteria import KNOWN_LANGUAGES, Criteria, with_near, within_territory
from bot.domain.search.line import (
    MAX_LINE_LENGTH,
    SEARCH_LINE_EXAMPLES,
    SEARCH_LINE_HELP,
    LineError,
    LineErrorCode,
    format_search_line,
    parse_search_line,
)
from bot.domain.search.ranking import (
    START_TOLERANCE_DAYS,
    Caveat,
    Match,
    OfferFacts,
    Reason,
    Why,
    rank,
    score,
    shortlist,
)
from bot.domain.validation import DEPARTEMENTS
from bot.geo.communes import Commune, distance_km, load_communes
from storage import offers
from storage.db import Database
from storage.models import Offer, SavedSearch, User
from storage.search import facts_of, find, load_criteria, purge_saved_searches, save_criteria

TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, database=None)


def commune(name: str, departement: str) -> Commune:
    return next(
        c for c in load_communes().search(f"{name} ({departement})", limit=20) if c.departement == departement
    )


NANTES = commune("Nantes", "44")
SAINT_DENIS_93 = commune("Saint-Denis", "93")
SAINT_DENIS_974 = commune("Saint-Denis", "974")
SAINT_NAZAIRE_44 = commune("Saint-Nazaire", "44")
SAINT_NAZAIRE_66 = commune("Saint-Nazaire", "66")
LE_MANS = commune("Le Mans", "72")
CARQUEFOU = commune("Carquefou", "44")


def near(c: Commune, **fields: Any) -> Criteria:
    return with_near(Criteria(**fields), c)


# =========================================================================== the one-line command

GOOD_LINES: list[tuple[str, Criteria]] = [
    ("44 3p", Criteria(departements=("44",), people=3)),
    (
        "44 3p from:2027-01-10 60d pmr pets near:Nantes 20km",
        near(
            NANTES,
            departements=("44",),
            people=3,
            start=date(2027, 1, 10),
            days=60,
            needs=frozenset({"step_free", "pets"}),
            radius_km=20.0,
        ),
    ),
    ("3P 44", Criteria(departements=("44",), people=3)),
    ("2a 2B 1pers stale", Criteria(departements=("2A", "2B"), people=1, include_stale=True)),
    ("44,85 01 3p", Criteria(departements=("44", "85", "01"), people=3)),
    ("dep:44,85 3p 44", Criteria(departements=("44", "85"), people=3)),
    ("3 personnes 8s", Criteria(people=3, days=56)),
    ("3people 8w", Criteria(people=3, days=56)),
    ("3PERS 3mois", Criteria(people=3, days=90)),
    ("people:4 3m", Criteria(people=4, days=90)),
    ("1p 1an", Criteria(people=1, days=365)),
    ("1p 60j", Criteria(people=1, days=60)),
    ("1p 2 semaines", Criteria(people=1, days=14)),
    ('1p for:"1 an et 6 mois"', Criteria(people=1, days=545)),
    ("2adultes 2enfants", Criteria(people=4, needs=frozenset({"children"}))),
    ("2adults 1child pets", Criteria(people=3, needs=frozenset({"children", "pets"}))),
    ("1ad 0enf", Criteria(people=1)),
    ("1p from:15/03", Criteria(people=1, start=date(2027, 3, 15))),
    ("1p from:now", Criteria(people=1)),
    ("1p from:22/11", Criteria(people=1)),  # today: re-evaluated whenever the search runs
    ("1p dès:1/12", Criteria(people=1, start=date(2026, 12, 1))),
    ("1p from: 15 mars 2027 pets", Criteria(people=1, start=date(2027, 3, 15), needs=frozenset({"pets"}))),
    ('1p from:"dans 2 semaines"', Criteria(people=1, start=date(2026, 12, 6))),
    ("1p until:30/06", Criteria(people=1, days=(date(2027, 6, 30) - TODAY).days)),
    ("1p jusqu'au:31/12 from:1/12", Criteria(people=1, start=date(2026, 12, 1), days=30)),
    ("1p lang:uk,ru", Criteria(people=1, languages=("uk", "ru"))),
    ("1p uk Russe english ua", Criteria(people=1, languages=("uk", "ru", "en"))),
    ("1p langue:ukrainien+fr", Criteria(people=1, languages=("uk", "fr"))),
    ("1p animaux enfants plainpied", Criteria(people=1, needs=frozenset({"pets", "children", "step_free"}))),
    (
        "1p stepfree dog kids tout",
        Criteria(people=1, needs=frozenset({"pets", "children", "step_free"}), include_stale=True),
    ),
    ("1p near:Saint-Denis-93", near(SAINT_DENIS_93, people=1)),
    ('1p near:"Saint-Denis 93"', near(SAINT_DENIS_93, people=1)),
    ("1p «near:Saint-Denis (93)»", near(SAINT_DENIS_93, people=1)),
    ("93 1p near:Saint-Denis", near(SAINT_DENIS_93, departements=("93",), people=1)),
    ("1p near:Saint-Denis dep:93", near(SAINT_DENIS_93, departements=("93",), people=1)),
    ("1p near:Saint-Denis 974", near(SAINT_DENIS_974, departements=("974",), people=1)),
    ('1p near:"Saint-Denis, Réunion"', near(SAINT_DENIS_974, people=1)),
    ("1p près:Le Mans 10 km", near(LE_MANS, people=1, radius_km=10.0)),
    ("1p near:le mans", near(LE_MANS, people=1)),
    ("1p near:44470", near(CARQUEFOU, people=1)),
    ("1p near:Saint Nazaire", near(SAINT_NAZAIRE_44, people=1)),  # 26 times the population of the next
    ("1p 2.5km near:Nantes", near(NANTES, people=1, radius_km=2.5)),
    ("1p rayon:12 near:Nantes", near(NANTES, people=1, radius_km=12.0)),
]


@pytest.mark.parametrize(("line", "expected"), GOOD_LINES)
def test_good_lines(line: str, expected: Criteria) -> None:
    assert parse_search_line(line, TODAY) == expected


def test_homonyms_are_picked_in_the_callers_territory() -> None:
    line = "1p near:Saint-Nazaire"
    assert parse_search_line(line, TODAY, prefer=("66", "11")) == near(SAINT_NAZAIRE_66, people=1)
    assert parse_search_line("1p near:Saint-Denis", TODAY, prefer=("93",)) == near(SAINT_DENIS_93, people=1)


BAD_LINES: list[tuple[str, LineErrorCode, str, DateError | None]] = [
    ("", LineErrorCode.EMPTY, "", None),
    ("   ", LineErrorCode.EMPTY, "", None),
    ("1p " + "x" * MAX_LINE_LENGTH, LineErrorCode.TOO_LONG, "", None),
    ("44", LineErrorCode.MISSING_PEOPLE, "", None),
    ("44 pets 60d", LineErrorCode.MISSING_PEOPLE, "", None),
    ("1p foo", LineErrorCode.UNKNOWN_TOKEN, "foo", None),
    ("1p foo:bar", LineErrorCode.UNKNOWN_TOKEN, "foo:bar", None),
    ("1p 10:30", LineErrorCode.UNKNOWN_TOKEN, "10:30", None),
    ("1p 3x", LineErrorCode.UNKNOWN_TOKEN, "3x", None),
    ("1p from:", LineErrorCode.MISSING_VALUE, "from:", None),
    ("20 1p", LineErrorCode.NOT_A_DEPARTEMENT, "20", None),
    ("1p 96", LineErrorCode.NOT_A_DEPARTEMENT, "96", None),
    ("1p 975", LineErrorCode.NOT_A_DEPARTEMENT, "975", None),
    ("1p 44000", LineErrorCode.NOT_A_DEPARTEMENT, "44000", None),
    ("1p 2C", LineErrorCode.UNKNOWN_TOKEN, "2C", None),
    ("1p 44,99", LineErrorCode.NOT_A_DEPARTEMENT, "44,99", None),
    ("1p 3", LineErrorCode.AMBIGUOUS_NUMBER, "3", None),
    ("0p", LineErrorCode.BAD_NUMBER, "0p", None),
    ("501p", LineErrorCode.BAD_NUMBER, "501p", None),
    ("2.5p", LineErrorCode.BAD_NUMBER, "2.5p", None),
    ("99999999999p", LineErrorCode.BAD_NUMBER, "99999999999p", None),
    ("1p 0km near:Nantes", LineErrorCode.BAD_NUMBER, "0km", None),
    ("1p 301km near:Nantes", LineErrorCode.BAD_NUMBER, "301km", None),
    ("1p rayon:loin near:Nantes", LineErrorCode.BAD_NUMBER, "rayon:loin", None),
    ("1p from:31/02", LineErrorCode.BAD_DATE, "from:31/02", DateError.NOT_A_DAY),
    ("1p from:01/01/2026", LineErrorCode.BAD_DATE, "from:01/01/2026", DateError.PAST),
    ("1p from:bientôt", LineErrorCode.BAD_DATE, "from:bientôt", DateError.UNREADABLE),
    ("1p from:15 marss", LineErrorCode.BAD_DATE, "from:15 marss", DateError.UNREADABLE),
    ("1p until:22/11", LineErrorCode.BAD_DATE, "until:22/11", DateError.END_SAME_AS_START),
    ("1p from:1/12 until:25/11", LineErrorCode.BAD_DATE, "until:25/11", DateError.END_BEFORE_START),
    ("1p 0d", LineErrorCode.BAD_DURATION, "0d", DateError.NOT_POSITIVE),
    ("1p 4y", LineErrorCode.BAD_DURATION, "4y", DateError.TOO_FAR),
    ("1p 99999999999d", LineErrorCode.BAD_DURATION, "99999999999d", DateError.TOO_FAR),
    ("1p 2,5m", LineErrorCode.BAD_DURATION, "2,5m", DateError.UNREADABLE),
    ("1p for:longtemps", LineErrorCode.BAD_DURATION, "for:longtemps", DateError.UNREADABLE),
    ("1p lang:uk,xx", LineErrorCode.UNKNOWN_LANGUAGE, "xx", None),
    ("1p near:Xyzzyville", LineErrorCode.UNKNOWN_COMMUNE, "near:Xyzzyville", None),
    ("1p near:Sant Nazaire", LineErrorCode.UNSURE_COMMUNE, "near:Sant Nazaire", None),
    ("1p 20km", LineErrorCode.RADIUS_WITHOUT_NEAR, "20km", None),
    ("1p rayon:20", LineErrorCode.RADIUS_WITHOUT_NEAR, "rayon:20", None),
    ("1p 2p", LineErrorCode.CONFLICT, "2p", None),
    ("2ad 1p", LineErrorCode.CONFLICT, "1p", None),
    ("1p 30d 60d", LineErrorCode.CONFLICT, "60d", None),
    ("1p 30d until:1/3", LineErrorCode.CONFLICT, "until:1/3", None),
    ("1p 10km 20km near:Nantes", LineErrorCode.CONFLICT, "20km", None),
    ("1p near:Nantes near:Rennes", LineErrorCode.CONFLICT, "near:Rennes", None),
    ("1p from:1/12 from:2/12", LineErrorCode.CONFLICT, "from:2/12", None),
    # The first offending word is reported.
    ("1p foo 20", LineErrorCode.UNKNOWN_TOKEN, "foo", None),
    ("20 foo 1p", LineErrorCode.NOT_A_DEPARTEMENT, "20", None),
    # An ambiguous commune is reported last (the user can fix it with one tap, the rest not).
    ("1p near:Saint-Denis 2p", LineErrorCode.CONFLICT, "2p", None),
    # Words after near: that mean nothing else belong to the name.
    ("1p near:Saint-Denis foo", LineErrorCode.UNSURE_COMMUNE, "near:Saint-Denis foo", None),
    ("1p near:Nantes foo", LineErrorCode.UNKNOWN_TOKEN, "foo", None),  # but a commune alone is a commune
]


@pytest.mark.parametrize(("line", "code", "token", "date_error"), BAD_LINES)
def test_bad_lines(line: str, code: LineErrorCode, token: str, date_error: DateError | None) -> None:
    result = parse_search_line(line, TODAY)
    assert isinstance(result, LineError), result
    assert (result.code, result.token, result.date_error) == (code, token, date_error)


def test_an_ambiguous_commune_comes_with_the_candidates_and_the_rest_of_the_line() -> None:
    result = parse_search_line("2p 30d pets near:Saint-Denis 10km", TODAY)
    assert isinstance(result, LineError)
    assert (result.code, result.token) == (LineErrorCode.AMBIGUOUS_COMMUNE, "near:Saint-Denis")
    assert result.candidates[:2] == (SAINT_DENIS_974, SAINT_DENIS_93)  # most populated first
    assert all(c.name == "Saint-Denis" for c in result.candidates)
    assert result.partial == Criteria(people=2, days=30, needs=frozenset({"pets"}), radius_km=10.0)
    assert with_near(result.partial, SAINT_DENIS_93) == near(
        SAINT_DENIS_93, people=2, days=30, needs=frozenset({"pets"}), radius_km=10
    )
    # A département typed anywhere on the line decides.
    assert parse_search_line("44 2p near:Saint-Denis 93", TODAY) == near(
        SAINT_DENIS_93, departements=("44", "93"), people=2
    )
    # A prefix matching several names is ambiguous too; an exact name is not.
    prefix = parse_search_line("1p near:Nante", TODAY)
    assert isinstance(prefix, LineError) and prefix.code is LineErrorCode.AMBIGUOUS_COMMUNE
    assert prefix.candidates[0] == NANTES and len(prefix.candidates) == 8
    assert parse_search_line("1p near:Nant", TODAY) == near(commune("Nant", "12"), people=1)


def test_the_languages_are_those_an_offer_can_carry() -> None:
    assert set(KNOWN_LANGUAGES) == set(LANGUAGES)


def test_the_examples_and_the_help() -> None:
    for line in SEARCH_LINE_EXAMPLES:
        assert isinstance(parse_search_line(line, TODAY), Criteria), line
    for word in ("44", "3p", "from:", "60d", "pmr", "pets", "children", "lang:", "near:", "20km", "stale"):
        assert word in SEARCH_LINE_HELP


def test_the_line_of_criteria_reads_back() -> None:
    for _, criteria in GOOD_LINES:
        assert parse_search_line(format_search_line(criteria), TODAY) == criteria


words = st.sampled_from(
    [
        "44",
        "2A",
        "2b",
        "3p",
        "3 personnes",
        "0p",
        "1p",
        "20",
        "3",
        "44000",
        "from:",
        "from:15/03",
        "from:now",
        "from:31/02",
        "until:1/1",
        "60d",
        "8w",
        "3m",
        "1y",
        "0d",
        "pmr",
        "pets",
        "animaux",
        "children",
        "stale",
        "lang:uk,ru",
        "uk",
        "ru",
        "lang:",
        "near:",
        "near:Nantes",
        "near:Saint-Denis",
        "near:44470",
        'near:"Saint-Denis 93"',
        "near:Le",
        "Mans",
        "20km",
        "0km",
        "2,5km",
        "rayon:",
        "for:",
        "people:",
        "dep:",
        "2ad",
        "1enf",
        '"',
        "«",
        "»",
        ":",
        "=",
        ",",
        "-",
        "foo",
        "Saint",
        "Denis",
        "93",
        "974",
        "١",
        "３",
        "\xa0",
        "\u202f",
        "\x00",
        "🏠",
        "x:y",
        "1e9",
        "-3p",
        "+3p",
        "3.5p",
        "jusqu'au:",
        "dès:",
    ]
)
lines = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(words, st.text(max_size=6)), max_size=10).map(" ".join),
    st.lists(words, max_size=12).map(" ".join),
)


@PROPERTY_SETTINGS
@given(lines)
@example("1AD NEAR:AKY")  # a lookalike commune: offered as buttons, the rest of the line kept
def test_parsing_never_raises_and_gives_valid_criteria(line: str) -> None:
    result = parse_search_line(line, TODAY)
    if isinstance(result, LineError):
        assert isinstance(result.code, LineErrorCode)
        with_choices = result.code in (LineErrorCode.AMBIGUOUS_COMMUNE, LineErrorCode.UNSURE_COMMUNE)
        assert (result.partial is not None) == with_choices  # the rest of the line, kept for the buttons
        return
    assert 1 <= result.people <= 500
    assert all(code in DEPARTEMENTS for code in result.departements)
    assert len(set(result.departements)) == len(result.departements)
    assert result.days is None or 1 <= result.days <= 3 * 365
    assert result.start is None or result.start > TODAY
    assert result.radius_km is None or result.near is not None
    assert (result.near is None) == (result.near_label is None)
    assert set(result.languages) <= set(KNOWN_LANGUAGES)
    assert Criteria.from_json(json.loads(json.dumps(result.to_json()))) == result


@PROPERTY_SETTINGS
@given(st.text(alphabet=st.characters(), max_size=400))
def test_parsing_any_text_never_raises(line: str) -> None:
    assert isinstance(parse_search_line(line, TODAY, prefer=("93",)), Criteria | LineError)


SAMPLE_COMMUNES = [NANTES, SAINT_DENIS_93, SAINT_DENIS_974, LE_MANS, CARQUEFOU, commune("Ajaccio", "2A")]
criteria_strategy = st.builds(
    Criteria,
    departements=st.lists(st.sampled_from(sorted(DEPARTEMENTS)), unique=True, max_size=4).map(tuple),
    people=st.integers(1, 500),
    start=st.one_of(st.none(), st.dates(TODAY + timedelta(days=1), TODAY + timedelta(days=3 * 365))),
    days=st.one_of(st.none(), st.integers(1, 3 * 365)),
    needs=st.frozensets(st.sampled_from(["step_free", "pets", "children"])),
    languages=st.lists(st.sampled_from(KNOWN_LANGUAGES), unique=True, max_size=3).map(tuple),
    include_stale=st.booleans(),
)


@PROPERTY_SETTINGS
@given(
    criteria_strategy,
    st.one_of(st.none(), st.sampled_from(SAMPLE_COMMUNES)),
    st.sampled_from([None, 1.0, 2.5, 20.0, 300.0]),
)
def test_any_criteria_round_trip_through_the_line_and_json(
    criteria: Criteria, place: Commune | None, radius: float | None
) -> None:
    if place is not None:
        criteria = replace(with_near(criteria, place), radius_km=radius)
    assert parse_search_line(format_search_line(criteria), TODAY) == criteria
    assert Criteria.from_json(json.loads(json.dumps(criteria.to_json()))) == criteria


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"v": 2},
        {**Criteria().to_json(), "people": "3"},
        {**Criteria().to_json(), "people": True},
        {**Criteria().to_json(), "people": 0},
        {**Criteria().to_json(), "days": 5000},
        {**Criteria().to_json(), "start": "15/03"},
        {**Criteria().to_json(), "near": [1.0]},
        {**Criteria().to_json(), "near": "Nantes"},
        {**Criteria().to_json(), "radius_km": float("nan")},
        {**Criteria().to_json(), "departements": "44"},
        {**Criteria().to_json(), "languages": [1]},
    ],
)
def test_malformed_json_criteria_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Criteria.from_json(data)


def test_the_territory_is_always_within_the_grants() -> None:
    granted = ["85", "44", "49"]
    assert within_territory(Criteria(people=2), granted) == (
        Criteria(departements=("44", "49", "85"), people=2),
        (),
    )
    asked = Criteria(departements=("44", "75"), people=2)
    assert within_territory(asked, granted) == (Criteria(departements=("44",), people=2), ("75",))
    assert within_territory(asked, []) == (Criteria(people=2), ("44", "75"))


# =========================================================================== ranking


def offer(offer_id: int, **fields: Any) -> OfferFacts:
    values: dict[str, Any] = {
        "id": offer_id,
        "departement": "44",
        "status": "available",
        "latitude": NANTES.lat,
        "longitude": NANTES.lon,
        "people": 2,
        "available_from": TODAY - timedelta(days=10),
        "available_until": None,
        "min_stay_days": None,
        "step_free": "no",
        "pets": False,
        "children": True,
        "qualification": "unqualified",
        "last_confirmed_at": NOW - timedelta(days=2),
        "stale_since": None,
        "languages": (),
    }
    values.update(fields)
    return OfferFacts(**values)


def ids(criteria: Criteria, candidates: list[OfferFacts], **kwargs: Any) -> list[int]:
    return [m.offer_id for m in rank(criteria, candidates, TODAY, NOW, **kwargs).matches]


def only(criteria: Criteria, candidate: OfferFacts) -> Match:
    (match,) = rank(criteria, [candidate], TODAY, NOW).matches
    return match


IN_44 = Criteria(departements=("44",), people=2)


def test_qualified_comes_first_even_if_less_fresh() -> None:
    fresh_unqualified = offer(1, last_confirmed_at=NOW)
    qualified = offer(2, qualification="qualified", last_confirmed_at=NOW - timedelta(days=20))
    assert ids(IN_44, [fresh_unqualified, qualified]) == [2, 1]
    assert Why(Reason.QUALIFIED) in only(IN_44, qualified).reasons
    assert Why(Caveat.NOT_QUALIFIED) in only(IN_44, fresh_unqualified).caveats


def test_fresher_comes_first() -> None:
    old, recent = offer(1, last_confirmed_at=NOW - timedelta(days=40)), offer(2, last_confirmed_at=NOW)
    assert ids(IN_44, [old, recent]) == [2, 1]
    assert only(IN_44, recent).freshness_days == 0 and Why(Reason.FRESH, 0) in only(IN_44, recent).reasons
    assert only(IN_44, old).freshness_days == 40 and all(
        w.code is not Reason.FRESH for w in only(IN_44, old).reasons
    )
    stale_looking = only(IN_44, offer(3, last_confirmed_at=NOW - timedelta(days=50)))
    assert Why(Caveat.NOT_CONFIRMED, 50) in stale_looking.caveats


def test_two_people_prefer_a_two_place_offer_to_a_house_for_six() -> None:
    house, flat = offer(1, people=6), offer(2, people=2)
    assert ids(IN_44, [house, flat]) == [2, 1]
    assert Why(Reason.CAPACITY_FITS, 2) in only(IN_44, flat).reasons
    assert Why(Caveat.LARGER, 4) in only(IN_44, house).caveats  # 6 places for 2 people: 4 spare
    assert ids(IN_44, [offer(3, people=1)]) == []  # too small


def test_nearer_ranks_higher_and_the_radius_cuts() -> None:
    here = offer(1, latitude=NANTES.lat + 0.05)  # ≈ 5.6 km north
    there = offer(2, latitude=NANTES.lat + 0.2)  # ≈ 22 km north
    criteria = with_near(IN_44, NANTES)
    assert ids(criteria, [there, here]) == [1, 2]
    assert only(criteria, here).distance_km == pytest.approx(5.6, abs=0.1)
    assert Why(Reason.DISTANCE, only(criteria, here).distance_km) in only(criteria, here).reasons
    assert ids(replace(criteria, radius_km=10.0), [there, here]) == [1]
    assert only(IN_44, here).distance_km is None


def test_another_departement_never_appears_even_if_nearer() -> None:
    across = offer(1, departement="85", latitude=NANTES.lat, longitude=NANTES.lon)
    farther = offer(2, latitude=NANTES.lat + 0.3)
    criteria = replace(with_near(IN_44, NANTES), radius_km=50.0)
    assert ids(criteria, [across, farther]) == [2]
    assert ids(replace(criteria, departements=()), [across, farther]) == []


def test_a_dog_needs_pets_accepted() -> None:
    no_pets, pets = offer(1, pets=False), offer(2, pets=True)
    with_dog = replace(IN_44, needs=frozenset({"pets"}))
    assert ids(with_dog, [no_pets, pets]) == [2]
    assert Why(Reason.NEED_MET, "pets") in only(with_dog, pets).reasons
    assert ids(IN_44, [no_pets, pets]) == [1, 2]


def test_children_need_an_offer_that_welcomes_them() -> None:
    assert ids(replace(IN_44, needs=frozenset({"children"})), [offer(1, children=False), offer(2)]) == [2]


def test_step_free_yes_before_partly_then_not_known_and_never_no() -> None:
    candidates = [
        offer(1, step_free="partly"),
        offer(2, step_free="no"),
        offer(3, step_free="unknown"),  # the host did not know: as good as not stated
        offer(4, step_free="yes"),
        offer(5, step_free=None),
    ]
    needs = replace(IN_44, needs=frozenset({"step_free"}))
    assert ids(needs, candidates) == [4, 1, 3, 5]
    assert Why(Reason.NEED_MET, "step_free") in only(needs, candidates[3]).reasons
    assert Why(Caveat.NEED_PARTLY, "step_free") in only(needs, candidates[0]).caveats
    for unknown in candidates[2], candidates[4]:
        match = only(needs, unknown)
        assert Why(Caveat.NEED_UNKNOWN, "step_free") in match.caveats
        assert not any(why.code is Reason.NEED_MET for why in match.reasons)


def test_stale_and_paused_only_when_asked_and_then_after_the_others() -> None:
    stale = offer(
        1,
        qualification="qualified",
        stale_since=NOW - timedelta(days=3),
        last_confirmed_at=NOW - timedelta(days=40),
    )
    paused = offer(2, status="paused", qualification="qualified")
    active = offer(3)
    assert ids(IN_44, [stale, paused, active]) == [3]
    everything = replace(IN_44, include_stale=True)
    assert ids(everything, [stale, paused, active]) == [3, 2, 1]
    stale_match, paused_match = only(everything, stale), only(everything, paused)
    assert (stale_match.stale, stale_match.paused, paused_match.stale, paused_match.paused) == (
        True,
        False,
        False,
        True,
    )
    assert Why(Caveat.STALE, 3) in stale_match.caveats and Why(Caveat.PAUSED) in paused_match.caveats


@pytest.mark.parametrize("status", ["reserved", "occupied", "withdrawn", "draft"])
def test_other_statuses_never(status: str) -> None:
    assert ids(replace(IN_44, include_stale=True), [offer(1, status=status)]) == []


def test_turned_down_never() -> None:
    turned_down = offer(1, qualification="turned_down", last_confirmed_at=NOW)
    assert ids(IN_44, [turned_down]) == []
    assert ids(replace(IN_44, include_stale=True), [turned_down]) == []


def test_dates_must_cover_the_need() -> None:
    start = TODAY + timedelta(days=20)
    need = replace(IN_44, start=start, days=60)
    later = offer(1, available_from=start + timedelta(days=START_TOLERANCE_DAYS + 1))
    ends_too_soon = offer(2, available_until=start + timedelta(days=59))
    ends_just_right = offer(3, available_until=start + timedelta(days=60))
    min_stay_too_long = offer(4, min_stay_days=90)
    min_stay_fine = offer(5, min_stay_days=60)
    a_bit_later = offer(
        6, available_from=start + timedelta(days=3), available_until=start + timedelta(days=63)
    )
    a_bit_later_too_short = offer(
        7, available_from=start + timedelta(days=3), available_until=start + timedelta(days=62)
    )
    candidates = [
        later,
        ends_too_soon,
        ends_just_right,
        min_stay_too_long,
        min_stay_fine,
        a_bit_later,
        a_bit_later_too_short,
    ]
    assert set(ids(need, candidates)) == {3, 5, 6}
    assert ids(need, candidates)[-1] == 6  # starts later: last
    assert Why(Caveat.STARTS_LATER, 3) in only(need, a_bit_later).caveats
    assert Why(Reason.COVERS_DATES, 60) in only(need, ends_just_right).reasons
    assert Why(Reason.AVAILABLE_NOW) in only(need, ends_just_right).reasons
    assert Why(Reason.OPEN_ENDED) in only(need, min_stay_fine).reasons
    # Unknown duration: the minimum stay is not checked but shown, a limited availability is shown.
    unknown = replace(need, days=None)
    assert set(ids(unknown, candidates)) == {2, 3, 4, 5, 6, 7}
    assert Why(Caveat.MIN_STAY, 90) in only(unknown, min_stay_too_long).caveats
    assert Why(Caveat.LIMITED, 59) in only(unknown, ends_too_soon).caveats
    # An offer that ended before the start, or ends on the start day, never.
    assert (
        ids(unknown, [offer(8, available_until=start), offer(9, available_until=start - timedelta(days=1))])
        == []
    )


def test_a_past_start_means_today() -> None:
    saved_long_ago = replace(IN_44, start=TODAY - timedelta(days=30), days=10)
    assert ids(saved_long_ago, [offer(1, available_until=TODAY + timedelta(days=10))]) == [1]
    assert ids(saved_long_ago, [offer(1, available_until=TODAY + timedelta(days=9))]) == []


def test_longer_availability_ranks_higher_when_the_duration_is_unknown() -> None:
    assert ids(IN_44, [offer(1, available_until=TODAY + timedelta(days=30)), offer(2)]) == [2, 1]


def test_shared_languages_rank_higher() -> None:
    speaks = replace(IN_44, languages=("uk", "ru"))
    candidates = [
        offer(1, languages=("fr",)),
        offer(2, languages=("fr", "uk")),
        offer(3, languages=("ru", "uk")),
    ]
    assert ids(speaks, candidates) == [3, 2, 1]
    assert [w for w in only(speaks, candidates[2]).reasons if w.code is Reason.SPEAKS_LANGUAGE] == [
        Why(Reason.SPEAKS_LANGUAGE, "uk"),
        Why(Reason.SPEAKS_LANGUAGE, "ru"),
    ]


def test_ties_are_broken_by_offer_id_whatever_the_input_order() -> None:
    candidates = [offer(n) for n in (5, 3, 9, 1)]
    assert ids(IN_44, candidates) == [1, 3, 5, 9]
    assert ids(IN_44, list(reversed(candidates))) == [1, 3, 5, 9]


def test_limit_and_total() -> None:
    ranking = rank(IN_44, [offer(n) for n in range(1, 8)], TODAY, NOW, limit=3)
    assert ranking.total == 7 and [m.offer_id for m in ranking.matches] == [1, 2, 3]
    assert rank(IN_44, [offer(1)], TODAY, NOW, limit=0).matches == []


def random_offers(rng: random.Random, count: int) -> list[OfferFacts]:
    def maybe(value: Any, p: float = 0.5) -> Any:
        return value if rng.random() < p else None

    return [
        offer(
            n,
            departement=rng.choice(["44", "44", "85", "49"]),
            status=rng.choice(["available"] * 6 + ["paused", "occupied"]),
            latitude=NANTES.lat + rng.uniform(-0.5, 0.5),
            longitude=NANTES.lon + rng.uniform(-0.7, 0.7),
            people=rng.randint(1, 8),
            available_from=TODAY + timedelta(days=rng.randint(-60, 20)),
            available_until=maybe(TODAY + timedelta(days=rng.randint(10, 400))),
            min_stay_days=maybe(rng.choice([30, 60, 90, 180]), 0.4),
            step_free=rng.choice(["yes", "partly", "no", "unknown", None]),
            pets=rng.choice([True, True, False, False, None]),
            children=rng.choice([True, True, True, False, None]),
            qualification=rng.choice(["unqualified", "unqualified", "qualified", "turned_down"]),
            last_confirmed_at=NOW - timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 23)),
            stale_since=maybe(NOW - timedelta(days=rng.randint(0, 20)), 0.15),
            languages=tuple(code for code in ("fr", "en", "uk", "ru") if rng.random() < 0.3),
        )
        for n in range(1, count + 1)
    ]


def random_criteria(rng: random.Random) -> Criteria:
    criteria = Criteria(
        departements=tuple(rng.sample(["44", "85", "49", "75"], rng.randint(1, 3))),
        people=rng.randint(1, 5),
        start=rng.choice([None, TODAY + timedelta(days=rng.randint(1, 30))]),
        days=rng.choice([None, 30, 60, 120]),
        needs=frozenset(
            name
            for name, chance in (("step_free", 0.2), ("pets", 0.2), ("children", 0.4))
            if rng.random() < chance
        ),
        languages=tuple(rng.sample(["uk", "ru", "en"], rng.randint(0, 2))),
        include_stale=rng.random() < 0.2,
    )
    if rng.random() < 0.5:
        criteria = replace(with_near(criteria, NANTES), radius_km=rng.choice([None, 10.0, 30.0]))
    return criteria


def test_the_score_of_a_match_is_the_documented_score() -> None:
    rng = random.Random(7)
    candidates = random_offers(rng, 300)
    by_id = {o.id: o for o in candidates}
    for _ in range(50):
        criteria = random_criteria(rng)
        start = criteria.start or TODAY
        for match in rank(criteria, candidates, TODAY, NOW).matches:
            distance = None
            if criteria.near is not None:
                distance = distance_km(*criteria.near, match.facts.latitude, match.facts.longitude)
            assert match.score == round(score(criteria, by_id[match.offer_id], start, NOW, distance), 3)


def test_the_shortlist_holds_the_first_results_once_languages_are_known() -> None:
    rng = random.Random(11)
    for _ in range(200):
        candidates = random_offers(rng, rng.randint(0, 80))
        criteria = random_criteria(rng)
        limit = rng.randint(1, 12)
        expected = rank(criteria, candidates, TODAY, NOW, limit=limit)
        blind = [o._replace(languages=()) for o in candidates]
        total, chosen = shortlist(criteria, blind, TODAY, NOW, limit)
        again = rank(criteria, [o for o in candidates if o.id in set(chosen)], TODAY, NOW, limit=limit)
        assert total == expected.total
        assert again.matches == expected.matches


# =========================================================================== on a real database

HOST = 501


def place(c: Commune, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "dwelling",
        "commune_insee": c.insee,
        "commune_name": c.name,
        "departement": c.departement,
        "latitude": c.lat,
        "longitude": c.lon,
        "people": 2,
        "beds": 2,
        "bedrooms": 1,
        "welcome": "any",
        "available_from": TODAY - timedelta(days=5),
        "available_until": None,
        "min_stay_days": None,
        "step_free": "no",
        "pets": False,
        "children": True,
        "smoking": False,
        "languages": [],
        "cost": "free",
    }
    values.update(fields)
    return values


async def started(database_url: str) -> Database:
    database = Database(database_url)
    await database.upgrade()
    async with database.transaction() as session:
        session.add(User(id=HOST, language="fr", privacy_accepted_at=NOW, created_at=NOW))
    return database


async def test_find_on_a_real_database(database_url: str) -> None:
    database = await started(database_url)
    rezé = commune("Rezé", "44")
    saint_nazaire = SAINT_NAZAIRE_44
    created: dict[str, int] = {}
    async with database.transaction() as session:
        for name, fields in {
            "nantes_qualified": place(NANTES, people=3, languages=["uk", "fr"]),
            "nantes_big": place(NANTES, people=8),
            "reze_pets": place(rezé, pets=True, people=4, available_until=TODAY + timedelta(days=200)),
            "saint_nazaire": place(saint_nazaire, people=3, step_free="yes"),
            "vendee": place(commune("La Roche-sur-Yon", "85"), people=3),
            "too_small": place(NANTES, people=1),
            "not_yet": place(NANTES, people=3, available_from=TODAY + timedelta(days=40)),
            "paused": place(NANTES, people=3),
            "stale": place(rezé, people=3),
            "turned_down": place(NANTES, people=3),
        }.items():
            new = await offers.create(session, HOST, fields, [], NOW - timedelta(days=1))
            assert new.id is not None
            created[name] = new.id
        rows = {o.id: o for o in await session.scalars(select(Offer))}
        rows[created["nantes_qualified"]].qualification = "qualified"
        rows[created["turned_down"]].qualification = "turned_down"
        rows[created["stale"]].stale_since = NOW - timedelta(hours=5)
        await offers.set_status(session, rows[created["paused"]], HOST, "paused", NOW)
    name_of = {offer_id: name for name, offer_id in created.items()}

    async def names(criteria: Criteria, limit: int | None = None) -> list[str]:
        async with database.transaction() as session:
            found = await find(session, criteria, TODAY, NOW, limit=limit)
        assert limit is not None or found.total == len(found.matches)
        return [name_of[m.offer_id] for m in found.matches]

    three = Criteria(departements=("44",), people=3)
    assert await names(three) == ["nantes_qualified", "saint_nazaire", "reze_pets", "nantes_big"]
    assert await names(three, limit=2) == ["nantes_qualified", "saint_nazaire"]
    assert await names(replace(three, include_stale=True)) == [
        "nantes_qualified", "saint_nazaire", "reze_pets", "nantes_big", "paused", "stale",
    ]  # fmt: skip
    assert await names(replace(with_near(three, NANTES), radius_km=20.0)) == [
        "nantes_qualified",
        "nantes_big",
        "reze_pets",
    ]
    # Qualified first, however far (within the radius).
    assert await names(replace(with_near(three, saint_nazaire), radius_km=100.0), limit=2) == [
        "nantes_qualified",
        "saint_nazaire",
    ]
    assert await names(replace(three, needs=frozenset({"pets"}))) == ["reze_pets"]
    assert await names(replace(three, needs=frozenset({"step_free"}))) == ["saint_nazaire"]
    assert await names(replace(three, days=300)) == ["nantes_qualified", "saint_nazaire", "nantes_big"]
    later = replace(three, departements=("44", "85"), start=TODAY + timedelta(days=40))
    assert await names(later) == [
        "nantes_qualified",
        "saint_nazaire",
        "vendee",
        "not_yet",
        "reze_pets",
        "nantes_big",
    ]
    assert "vendee" not in await names(three) and "vendee" in await names(
        replace(three, departements=("85",))
    )
    assert await names(Criteria(people=1)) == []  # no territory, nothing
    async with database.transaction() as session:
        found = await find(session, replace(three, languages=("uk",)), TODAY, NOW, limit=1)
    assert found.total == 4
    (best,) = found.matches
    assert best.facts.languages == ("uk", "fr") and Why(Reason.SPEAKS_LANGUAGE, "uk") in best.reasons
    await database.close()


async def test_find_agrees_with_ranking_everything(database_url: str) -> None:
    """The SQL prefilter never drops an offer the ranking would keep, and the shortlisted languages
    give the same first results, on random offers and searches."""
    database = await started(database_url)
    rng = random.Random(3)
    facts = random_offers(rng, 120)
    async with database.transaction() as session:
        for fact in facts:
            fields = place(NANTES, **{k: v for k, v in fact._asdict().items() if k in offers.EDITABLE})
            fields["languages"] = list(fact.languages)
            new = await offers.create(session, HOST, fields, [], fact.last_confirmed_at)
            new.status, new.qualification, new.stale_since = fact.status, fact.qualification, fact.stale_since
            session.add(new)
    async with database.transaction() as session:
        stored = [facts_of(o) for o in await session.scalars(select(Offer))]
    assert sorted(stored, key=lambda o: o.id) == facts
    for _ in range(40):
        criteria = random_criteria(rng)
        limit = rng.choice([None, 1, 5, 20])
        expected = rank(criteria, stored, TODAY, NOW, limit=limit)
        async with database.transaction() as session:
            assert await find(session, criteria, TODAY, NOW, limit=limit) == expected, criteria
    await database.close()


async def test_saved_searches_belong_to_their_owner(database_url: str) -> None:
    database = await started(database_url)
    criteria = near(
        SAINT_DENIS_93,
        departements=("93",),
        people=4,
        start=date(2027, 1, 10),
        days=90,
        needs=frozenset({"pets"}),
        languages=("uk",),
        radius_km=15.0,
    )
    async with database.transaction() as session:
        search_id = await save_criteria(session, 42, criteria, NOW)
        other_id = await save_criteria(session, 43, Criteria(people=1), NOW + timedelta(days=2))
    async with database.transaction() as session:
        assert await load_criteria(session, search_id, 42) == criteria
        assert await load_criteria(session, search_id, 43) is None
        assert await load_criteria(session, 999_999, 42) is None
        session.add(SavedSearch(user_id=42, criteria={"v": 99}, created_at=NOW))
        await session.flush()
        assert await load_criteria(session, search_id + 2, 42) is None  # unreadable
    async with database.transaction() as session:
        assert await purge_saved_searches(session, NOW + timedelta(days=1)) == 2
    async with database.transaction() as session:
        assert await load_criteria(session, search_id, 42) is None
        assert await load_criteria(session, other_id, 43) == Criteria(people=1)
    await database.close()
