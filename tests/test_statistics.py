"""Statistics of a territory, counted by the database (SQLite and PostgreSQL), and their chart."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.domain.statistics import (
    Delays,
    EndingSoon,
    OfferCounts,
    Tally,
    TerritoryStatistics,
    median,
    week_starts,
)
from bot.features.coordination.charts import statistics_chart
from bot.i18n import translator
from storage import households, offers, placements, users
from storage.db import Database
from storage.statistics import territory_statistics

HOST, CASEWORKER = 1001, 2002
TODAY = date(2026, 11, 22)  # a Sunday: the current ISO week (47) started on Monday 16
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
PLACES = {
    "44": ("44109", "Nantes", 47.22, -1.55),
    "85": ("85191", "La Roche-sur-Yon", 46.67, -1.43),
    "49": ("49007", "Angers", 47.47, -0.55),
    "56": ("56260", "Vannes", 47.66, -2.76),
}


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


async def add_offer(
    session: Any, departement: str, people: int, created: datetime, *, status: str = "available",
    stale: bool = False, qualification: str = "unqualified", qualified: datetime | None = None,
) -> int:  # fmt: skip
    insee, name, lat, lon = PLACES[departement]
    fields = {
        "kind": "dwelling", "commune_insee": insee, "commune_name": name, "departement": departement,
        "latitude": lat, "longitude": lon, "people": people, "beds": people, "bedrooms": 1, "welcome": "any",
        "available_from": created.date(), "step_free": "unknown", "pets": False, "children": True,
        "smoking": False, "cost": "free",
    }  # fmt: skip
    offer = await offers.create(session, HOST, fields, [], created)
    offer.status = status
    offer.stale_since = created + timedelta(days=15) if stale else None
    offer.qualification, offer.qualified_at = qualification, qualified
    session.add(offer)
    await session.flush()
    assert offer.id is not None
    return offer.id


async def add_placement(
    session: Any, offer_id: int, reference: str, composition: tuple[int, int], created: datetime,
    status: str, start: date | None = None, planned_end: date | None = None, departement: str = "44",
) -> int:  # fmt: skip
    adults, children = composition
    household = await households.create(
        session, CASEWORKER,
        {"reference": reference, "departement": departement, "adults": adults, "children": children},
        created,
    )  # fmt: skip
    assert household.id is not None
    placement = await placements.create(session, household.id, offer_id, CASEWORKER, created)
    fields: dict[str, Any] = {"status": status, "start_date": start, "planned_end": planned_end}
    if status in ("ended", "cancelled"):
        fields |= {"actual_end": (start or created.date()) + timedelta(days=14), "outcome": "rehoused"}
    await placements.update(session, placement, created, **fields)
    assert placement.id is not None
    return placement.id


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.upgrade()
    async with database.transaction() as session:
        await users.register(session, HOST, "fr", at("2026-01-01"))
    yield database
    await database.close()


async def populate(database: Database) -> None:
    """Offers and placements at known dates in 44 and 85 (the territory), 49 (outside)."""
    async with database.transaction() as session:
        a = await add_offer(session, "44", 4, at("2026-11-20", 9))
        await add_offer(session, "44", 3, at("2026-11-02"), stale=True)
        c = await add_offer(session, "44", 2, at("2026-10-01"), status="paused", qualification="qualified",
                            qualified=at("2026-10-04", 12))  # fmt: skip
        d = await add_offer(session, "44", 5, at("2026-10-01"), status="reserved", qualification="qualified",
                            qualified=at("2026-10-11", 9))  # fmt: skip
        e = await add_offer(session, "44", 6, at("2026-09-01"), status="occupied", qualification="qualified",
                            qualified=at("2026-09-02"))  # fmt: skip
        j = await add_offer(session, "44", 3, at("2026-10-20"), status="occupied")
        await add_offer(session, "44", 8, at("2026-11-18"), status="withdrawn")
        f = await add_offer(session, "85", 2, at("2026-08-01"), status="occupied", qualification="qualified",
                            qualified=at("2026-08-11"))  # fmt: skip
        i = await add_offer(session, "85", 4, at("2026-06-01"), status="occupied", qualification="turned_down",
                            qualified=at("2026-06-03"))  # fmt: skip
        # Monday 16 November 00:30 in Paris (still Sunday in UTC), then Sunday 15 at 23:30 in Paris.
        await add_offer(session, "85", 2, at("2026-11-15", 23, 30))
        await add_offer(session, "85", 1, at("2026-11-15", 22, 30), status="paused")
        x = await add_offer(session, "49", 10, at("2026-11-19"), status="occupied",
                            qualification="qualified", qualified=at("2026-11-20"))  # fmt: skip

        await add_placement(session, c, "C", (2, 0), at("2026-10-05"), "ended", date(2026, 10, 6))
        await add_placement(session, d, "D0", (1, 0), at("2026-10-12"), "cancelled")
        await add_placement(session, d, "D", (1, 0), at("2026-10-15"), "proposed")
        await add_placement(session, e, "E", (2, 2), at("2026-09-05"), "active", date(2026, 9, 10),
                            date(2026, 11, 29))  # fmt: skip
        await add_placement(session, f, "F", (1, 0), at("2026-08-20"), "active", date(2026, 11, 17),
                            date(2027, 1, 10))  # fmt: skip
        await add_placement(session, a, "A", (3, 0), at("2026-11-21", 8), "cancelled")
        await add_placement(session, i, "I", (3, 1), at("2026-06-10"), "active", date(2026, 7, 1),
                            date(2026, 11, 20), departement="85")  # fmt: skip
        await add_placement(session, j, "J", (1, 1), at("2026-10-22"), "active", date(2026, 10, 26),
                            date(2026, 12, 22))  # fmt: skip
        await add_placement(session, x, "X", (5, 0), at("2026-11-20"), "active", date(2026, 11, 16),
                            date(2026, 11, 25), departement="49")  # fmt: skip


def weekly(stats_weeks: Any) -> tuple[list[int], list[int]]:
    return [w.new_offers for w in stats_weeks], [w.new_placements for w in stats_weeks]


async def test_every_figure_of_a_territory(database: Database) -> None:
    await populate(database)
    async with database.transaction() as session:
        stats = await territory_statistics(session, frozenset({"44", "85"}), TODAY, NOW)

    assert stats.today == TODAY and stats.departements == ("44", "85")
    assert set(stats.by_departement) == {"44", "85"}
    loire, vendee, total = stats.by_departement["44"], stats.by_departement["85"], stats.territory

    assert loire.offers == OfferCounts(available=1, reserved=1, occupied=2, paused=1, stale=1, to_qualify=2)
    assert vendee.offers == OfferCounts(available=1, reserved=0, occupied=2, paused=1, stale=0, to_qualify=2)
    assert total.offers == OfferCounts(available=2, reserved=1, occupied=4, paused=2, stale=1, to_qualify=4)
    assert total.offers.total == 10  # the withdrawn offer and the one in 49 are left out

    assert (loire.places_available, vendee.places_available, total.places_available) == (4, 2, 6)
    # Occupied: by the département of the place (F is in 85, its household is followed in 44).
    assert (loire.places_occupied, vendee.places_occupied, total.places_occupied) == (6, 5, 11)

    assert loire.ending == EndingSoon(in_7_days=1, in_30_days=2, in_60_days=2)
    assert vendee.ending == EndingSoon(in_7_days=0, in_30_days=0, in_60_days=1)  # I's end has passed
    assert total.ending == EndingSoon(in_7_days=1, in_30_days=2, in_60_days=3)

    assert [w.start for w in total.weeks] == list(week_starts(TODAY))
    assert total.weeks[0].start == date(2026, 8, 31) and total.weeks[-1].start == date(2026, 11, 16)
    assert [w.number for w in total.weeks] == list(range(36, 48))
    assert weekly(loire.weeks) == (
        [1, 0, 0, 0, 2, 0, 0, 1, 0, 1, 0, 2],  # the withdrawn offer was submitted in week 47
        [0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0],  # arrivals only: no proposal, no cancelled one
    )
    assert weekly(vendee.weeks) == (
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],  # weeks follow Paris time
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    )
    assert weekly(total.weeks) == (
        [1, 0, 0, 0, 2, 0, 0, 1, 0, 1, 1, 3],
        [0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1],
    )

    # Qualification: 44 took 3, 9 and 1 days; 85 took 10 and 2 (turned down counts: it was decided).
    # First placement: 44 took 4, 11 (the cancelled proposal of D), 4, 0 and 2 days; 85: 19 and 9.
    assert loire.delays == Delays(3.0, 3, 4.0, 5)
    assert vendee.delays == Delays(6.0, 2, 14.0, 2)
    assert total.delays == Delays(3.0, 5, 4.0, 7)


async def test_a_territory_without_data(database: Database) -> None:
    await populate(database)
    async with database.transaction() as session:
        stats = await territory_statistics(session, frozenset({"2A"}), TODAY, NOW, weeks=4)
        nothing = await territory_statistics(session, frozenset(), TODAY, NOW)
    figures = stats.by_departement["2A"]
    assert figures == stats.territory
    assert figures.offers == OfferCounts() and figures.offers.total == 0
    assert (figures.places_available, figures.places_occupied) == (0, 0)
    assert figures.ending == EndingSoon()
    assert [(w.start, w.new_offers, w.new_placements) for w in figures.weeks] == [
        (date(2026, 10, 26), 0, 0), (date(2026, 11, 2), 0, 0), (date(2026, 11, 9), 0, 0),
        (date(2026, 11, 16), 0, 0),
    ]  # fmt: skip
    assert figures.delays == Delays(None, 0, None, 0)
    assert nothing.departements == () and nothing.by_departement == {}
    assert nothing.territory.offers.total == 0 and len(nothing.territory.weeks) == 12


async def test_delays_count_whole_days_and_the_first_placement_only(database: Database) -> None:
    async with database.transaction() as session:
        # Exactly one day, then a day minus a minute: 1 and 0 whole days.
        first = await add_offer(session, "56", 1, at("2026-09-01"), qualified=at("2026-09-02"),
                                qualification="qualified", status="occupied")  # fmt: skip
        await add_offer(session, "56", 1, at("2026-09-01"), qualified=at("2026-09-02", 9, 59),
                        qualification="qualified")  # fmt: skip
        await add_placement(session, first, "P2", (1, 0), at("2026-09-06"), "active", date(2026, 9, 7),
                            date(2027, 3, 1), departement="56")  # fmt: skip
        await add_placement(session, first, "P1", (1, 0), at("2026-09-03"), "cancelled", departement="56")
    async with database.transaction() as session:
        stats = await territory_statistics(session, frozenset({"56"}), TODAY, NOW)
    assert stats.territory.delays == Delays(0.5, 2, 2.0, 1)


def test_median_of_a_histogram() -> None:
    assert median({}) is None
    assert median({5: 0}) is None
    assert median({4: 1}) == 4.0
    assert median({1: 1, 3: 1}) == 2.0
    assert median({1: 2, 10: 1}) == 1.0
    assert median({0: 3, 7: 3}) == 3.5
    assert median({9: 1, 2: 1, 4: 1}) == 4.0


def test_week_starts_are_mondays_oldest_first() -> None:
    assert week_starts(date(2026, 11, 16), 3) == (date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16))
    assert week_starts(date(2027, 1, 3), 2) == (date(2026, 12, 21), date(2026, 12, 28))
    with pytest.raises(ValueError):
        week_starts(TODAY, 0)


# --------------------------------------------------------------------------- the chart


def sample_statistics(departements: int = 3) -> TerritoryStatistics:
    codes = ["44", "85", "49", "56", "53", "72", "35", "22", "29", "2A", "971", "75", "93", "13"][
        :departements
    ]
    tally = Tally(codes, TODAY)
    for n, code in enumerate(codes):
        tally.add_offers(code, "available", 6 + n, stale=1, unqualified=5 + n, people=12 + 3 * n)
        tally.add_offers(code, "occupied", 3)
        tally.add_active_placements(code, TODAY + timedelta(days=20), 2, 7 + 2 * n)
        for week in range(12):
            tally.add_new_offers(code, week, (week * 7 + n) % 5)
            tally.add_new_placements(code, week, (week + n) % 3)
    return tally.result()


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG header (the IHDR chunk comes first)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def distinct_colours(data: bytes) -> int:
    import matplotlib.image

    pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
    flat = (pixels[:, :, :3] * 255).astype("uint8").reshape(-1, 3)
    return len({tuple(row) for row in flat[:: max(1, len(flat) // 20000)]})


@pytest.mark.parametrize("language", ["fr", "uk", "en"])
def test_chart_is_a_portrait_png_in_every_language(language: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph (Cyrillic, narrow no-break space…) warns
        data = statistics_chart(sample_statistics(), translator(language))
    assert png_size(data) == (1080, 1350)
    assert distinct_colours(data) > 20  # bars, text and axes: not a blank page
    assert zlib.crc32(data) == zlib.crc32(statistics_chart(sample_statistics(), translator(language)))


def test_chart_of_many_departements_and_of_nothing() -> None:
    many = statistics_chart(sample_statistics(14), translator("fr"))
    assert png_size(many) == (1080, 1350)
    empty = Tally(["44"], TODAY).result()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = statistics_chart(empty, translator("uk"))
    assert png_size(data) == (1080, 1350) and distinct_colours(data) > 5


def test_tally_rules() -> None:
    tally = Tally(["44"], TODAY, weeks=2)
    tally.add_offers("44", "paused", 2, stale=1, unqualified=2, people=9)  # a paused offer is not stale
    tally.add_offers("44", "available", 5, stale=2, unqualified=1, people=8)
    tally.add_offers("44", "reserved", 1, unqualified=1)  # reserved: not "to qualify"
    tally.add_offers("44", "withdrawn", 7, people=30)
    tally.add_offers("85", "available", 3, people=12)  # outside the territory
    tally.add_active_placements("44", TODAY, 1, 2)  # ends today: still "ending soon"
    tally.add_active_placements("44", TODAY - timedelta(days=1), 1, 3)  # passed
    tally.add_active_placements("44", None, 1, 1)
    tally.add_new_offers("44", 2, 5)  # beyond the weeks shown
    tally.add_days_to_qualification("44", -1, 1)  # clock skew: zero days
    figures = tally.result().by_departement["44"]
    assert figures.offers == OfferCounts(available=3, reserved=1, paused=2, stale=2, to_qualify=3)
    assert (figures.places_available, figures.places_occupied) == (8, 6)
    assert figures.ending == EndingSoon(1, 1, 1)
    assert [w.new_offers for w in figures.weeks] == [0, 0]
    assert figures.delays.days_to_qualification == 0.0
    assert tally.result().territory == figures


async def test_a_stay_closed_and_recorded_again_is_one_arrival(database: Database) -> None:
    """Before corrections existed, a wrong date was fixed by closing the stay ("other") and recording it again:
    the household arrived once. The people living there are those of the placement."""
    async with database.transaction() as session:
        place = await add_offer(session, "56", 4, at("2026-11-02"), status="occupied")
        family = await households.create(
            session, CASEWORKER, {"reference": "TWICE", "departement": "56", "adults": 2, "children": 1}, NOW
        )
        assert family.id is not None
        for status, start in (("ended", date(2026, 11, 17)), ("active", date(2026, 11, 18))):
            placement = await placements.create(session, family.id, place, CASEWORKER, NOW)
            fields: dict[str, Any] = {"status": status, "start_date": start, "planned_end": date(2027, 1, 10)}
            if status == "ended":
                fields |= {"actual_end": date(2026, 11, 18), "outcome": "other"}
            await placements.update(session, placement, NOW, **fields)
        await placements.update(session, placement, NOW, people=2)  # one of them stayed elsewhere
    async with database.transaction() as session:
        stats = await territory_statistics(session, frozenset({"56"}), TODAY, NOW)
    assert [week.new_placements for week in stats.territory.weeks[-2:]] == [0, 1]
    assert stats.territory.places_occupied == 2
