"""What people type, understood through the real bot, in French and Ukrainian (issue "Words people use")."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import select

from bot.i18n import Translator, translator
from storage import dialogues
from storage.models import Placement
from tests.casework_fixtures import accepted_user, grant, offer
from tests.harness import BotUnderTest, User, texts
from tests.test_host import registered

FR, UK = translator("fr"), translator("uk")
TODAY = date(2026, 11, 22)  # a Sunday: the clock of the tests
CASEWORKER, HOST = 600, 1003


async def answers(bot: BotUnderTest, user_id: int) -> dict[str, Any]:
    """The answers of the dialogue the user is in."""
    async with bot.database.transaction() as session:
        state = await dialogues.current(session, user_id)
    assert state is not None
    return dict(state.answers)


async def at_the_start_date(bot: BotUnderTest, user_id: int, t: Translator) -> User:
    """A host declaring a room, at the question "available from"."""
    host = await registered(bot, user_id, t)
    await host.press(t._("I offer a place"))
    await host.press(t._("A room in my home"))
    await host.send("Nantes")
    await host.press(t._("Skip"))
    for answer in ("2", "2", "1"):
        await host.send(answer)
    await host.press(t._("No preference"))
    return host


# --------------------------------------------------------------------------- dates


async def test_next_monday_and_next_wednesday(bot: BotUnderTest) -> None:
    camille = await at_the_start_date(bot, 1001, FR)
    await camille.send("lundi prochain")
    assert (await answers(bot, 1001))["available_from"] == "2026-11-23"
    olena = await at_the_start_date(bot, 2002, UK)
    await olena.send("у наступну середу")
    assert (await answers(bot, 2002))["available_from"] == "2026-11-25"


async def test_dates_read_well_in_a_sentence(bot: BotUnderTest) -> None:
    camille = await at_the_start_date(bot, 1001, FR)
    await camille.send("1/12")
    refused = texts(await camille.send("25/11"))
    assert FR._("It must come after {start}.").format(start="1er décembre 2026") in refused
    olena = await at_the_start_date(bot, 2002, UK)
    await olena.send("01.03.2027")
    refused = texts(await olena.send("15.02.2027"))
    assert UK._("It must come after {start}.").format(start="1 березня 2027\u202fроку") in refused
    assert "р.." not in refused


async def test_an_end_counts_from_the_start_and_both_are_echoed(bot: BotUnderTest) -> None:
    camille = await at_the_start_date(bot, 1001, FR)
    started = texts(await camille.send("7/12"))
    assert "→ " + FR._("from {date}").format(date="7 décembre 2026") in started
    ended = texts(await camille.send("3 mois"))
    assert "→ " + FR._("from {start} to {end}").format(start="7 décembre 2026", end="7 mars 2027") in ended
    assert (await answers(bot, 1001))["available_until"] == "2027-03-07"

    olena = await at_the_start_date(bot, 2002, UK)
    await olena.send("01.12")
    ended = texts(await olena.send("через 2 місяці"))
    start, end = UK.date(date(2026, 12, 1)), UK.date(date(2027, 2, 1))
    assert "→ " + UK._("from {start} to {end}").format(start=start, end=end) in ended
    assert (await answers(bot, 2002))["available_until"] == "2027-02-01"


async def test_no_end_date_and_from_now_are_echoed_too(bot: BotUnderTest) -> None:
    olena = await at_the_start_date(bot, 2002, UK)
    started = texts(await olena.press(UK._("From now")))
    assert "→ " + UK._("from {date}").format(date=UK.date(TODAY)) in started
    ended = texts(await olena.press(UK._("No end date")))
    assert "→ " + UK._("from {start}, no end date").format(start=UK.date(TODAY)) in ended


async def test_a_visit_cannot_be_tomorrow_and_a_day_without_year_is_the_last_one(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    offer_id = await offer(bot, HOST, "Nantes")
    for user_id, t, tomorrow, last in (
        (CASEWORKER, FR, "demain", "15/11"),
        (CASEWORKER + 1, UK, "завтра", "15.11"),
    ):
        await grant(bot, user_id, "caseworker", "44", language=t.language)
        caseworker = bot.user(user_id, t.language)
        first = next(m for m in await caseworker.send("/search 44 2p") if m["text"].startswith("1."))
        assert f"#{offer_id}" in first["text"]
        await caseworker.press(t._("Qualify"), first)
        asked = texts(await caseworker.press(t._("Yes")))
        assert t._("For example: {numeric} or {words}.").format(numeric=last, words=t._("yesterday")) in asked
        refused = texts(await caseworker.send(tomorrow))
        assert t._("The date cannot be in the future: give today or an earlier day.") in refused
        assert t._("When was the visit?") in refused
        accepted = texts(await caseworker.send(last))
        assert "→ " + t.date(date(2026, 11, 15)) in accepted


async def test_arrival_and_departure_offer_today_and_the_planned_end_counts_from_the_arrival(
    bot: BotUnderTest,
) -> None:
    await accepted_user(bot, HOST)
    await offer(bot, HOST, "Nantes")
    await grant(bot, CASEWORKER, "caseworker", "44", language="uk")
    caseworker = bot.user(CASEWORKER, "uk")
    await caseworker.send("/household")
    await caseworker.send("DOS-1")
    for answer in ("2", "0"):
        await caseworker.send(answer)
    await caseworker.press(UK._("Done"))
    await caseworker.press(UK._("Done"))
    first = next(m for m in await caseworker.send("/search 44 2p") if m["text"].startswith("1."))
    await caseworker.press(UK._("Propose"), first)
    await caseworker.press("DOS-1")
    asked = await caseworker.press(UK._("Record the arrival"))
    labels = [label for label, _ in caseworker.buttons(asked[-1])]
    assert UK._("Today") in labels and UK._("From now") not in labels
    await caseworker.send("01.12")
    ended = texts(await caseworker.send("через 3 місяці"))
    start, end = UK.date(date(2026, 12, 1)), UK.date(date(2027, 3, 1))
    assert "→ " + UK._("from {start} to {end}").format(start=start, end=end) in ended
    async with bot.database.transaction() as session:
        [placement] = list(await session.scalars(select(Placement)))
    assert (placement.start_date, placement.planned_end) == (date(2026, 12, 1), date(2027, 3, 1))
    await caseworker.send("/placements")
    asked = await caseworker.press(UK._("Record the departure"))
    labels = [label for label, _ in caseworker.buttons(asked[-1])]
    assert UK._("Today") in labels and UK._("From now") not in labels
