"""What people type, understood through the real bot, in French and Ukrainian (issue "Words people use")."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import select

from bot.i18n import Translator, translator
from storage import dialogues, users
from storage.models import Placement
from tests.casework_fixtures import accepted_user, anywhere_from_now, grant, offer
from tests.harness import BotUnderTest, User, texts
from tests.hosting import Tap, declare
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
    await declare(bot, host, t, until="available_from")
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
    await anywhere_from_now(caseworker, UK)
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


# --------------------------------------------------------------------------- numbers


async def at_the_cost(bot: BotUnderTest, host: User, t: Translator) -> None:
    """From the question "available from" to the question "how much per month"."""
    await declare(bot, host, t, {"cost": Tap("Contribution to charges")}, until="cost_eur", resume=True)


async def test_counts_and_amounts_in_words_or_with_the_euro_sign(bot: BotUnderTest) -> None:
    camille = await registered(bot, 1001, FR)
    await camille.press(FR._("I offer a place"))
    await camille.press(FR._("A room in my home"))
    await camille.send("Nantes")
    await camille.press(FR._("Skip"))
    refused = texts(await camille.send("3.5"))
    assert FR._("Please give a whole number.") in refused
    assert FR._("How many people can you welcome?") in refused
    await camille.send("trois")
    await camille.send("deux lits")
    await camille.press(FR._("Yes, that's right"))  # 3 people for 2 beds: confirmed
    await camille.send("un")
    assert {key: value for key, value in (await answers(bot, 1001)).items() if key in ("people", "beds", "bedrooms")} == {
        "people": 3, "beds": 2, "bedrooms": 1}  # fmt: skip
    await camille.press(FR._("No preference"))
    await at_the_cost(bot, camille, FR)
    await camille.send("cinquante euros")
    assert (await answers(bot, 1001))["cost_eur"] == 50

    olena = await registered(bot, 2002, UK)
    await olena.press(UK._("I offer a place"))
    await olena.press(UK._("A room in my home"))
    await olena.send("Nantes")
    await olena.press(UK._("Skip"))
    refused = texts(await olena.send("через 2 тижні"))
    assert UK._("Please answer with a number.") in refused
    await olena.send("двоє")
    await olena.send("два")
    await olena.send("1")
    await olena.press(UK._("No preference"))
    await at_the_cost(bot, olena, UK)
    refused = texts(await olena.send("50 грн"))
    assert UK._("Please give an amount in euros from {minimum} to {maximum}, for example {example}.").format(
        minimum=1, maximum=5000, example=350) in refused  # fmt: skip
    await olena.send("50€")
    state = await answers(bot, 2002)
    assert (state["people"], state["beds"], state["cost_eur"]) == (2, 2, 50)


async def test_children_ages_with_their_unit(bot: BotUnderTest) -> None:
    for user_id, t, adults, ages, expected in (
        (CASEWORKER, FR, "deux", "7 ans, 18 mois", [7, 1]),
        (CASEWORKER + 1, UK, "двоє", "7 років і 3 роки", [7, 3]),
    ):
        await grant(bot, user_id, "caseworker", "44", language=t.language)
        caseworker = bot.user(user_id, t.language)
        await caseworker.send("/household")
        await caseworker.send(f"REF-{user_id}")
        await caseworker.send(adults)
        await caseworker.send("2")
        refused = texts(await caseworker.send("7 ans"))
        assert t.n_("Please give {n} age from 0 to 17.", "Please give {n} ages from 0 to 17, separated by commas.",
                    2).format(n=2) in refused  # fmt: skip
        await caseworker.send(ages)
        state = await answers(bot, user_id)
        assert (state["adults"], state["children_ages"]) == (2, expected)


# --------------------------------------------------------------------------- durations


async def test_a_duration_that_fails_says_duration(bot: BotUnderTest) -> None:
    for user_id, t, unreadable, too_long in ((1001, FR, "longtemps", "4 ans"), (2002, UK, "довго", "4 роки")):
        host = await at_the_start_date(bot, user_id, t)
        await host.press(t._("From now"))
        await host.press(t._("No end date"))
        refused = texts(await host.send(unreadable))
        assert t._("I could not read this duration.") in refused
        assert t._("I could not read this date.") not in refused
        assert t._("This is longer than three years.") in texts(await host.send(too_long))
        await host.send("6 тижнів" if t is UK else "6 semaines")
        assert (await answers(bot, user_id))["min_stay_days"] == 42


# --------------------------------------------------------------------------- household references


async def test_a_reference_typed_with_spaces_is_one_word(bot: BotUnderTest) -> None:
    for user_id, t, departement in ((CASEWORKER, FR, "44"), (CASEWORKER + 1, UK, "85")):
        await grant(bot, user_id, "caseworker", departement, language=t.language)
        caseworker = bot.user(user_id, t.language)
        await caseworker.send("/household")
        assert "→ DOS-2027-014" in texts(await caseworker.send("DOS 2027  014"))
        assert (await answers(bot, user_id))["reference"] == "DOS-2027-014"
        for answer in ("1", "0"):
            await caseworker.send(answer)
        await caseworker.press(t._("Done"))
        await caseworker.press(t._("Done"))
        await anywhere_from_now(caseworker, t, departement)
        await caseworker.send("/household")
        refused = texts(await caseworker.send("DOS-2027-014"))
        assert t._("This reference is already used in this département.") in refused
        assert t._("Up to 40 letters, digits and . / # - _ (spaces become -).") in texts(
            await caseworker.send("DOS 2027 / n°14 ?"))  # fmt: skip
        await caseworker.send("/cancel")


# --------------------------------------------------------------------------- communes


async def test_a_misspelt_or_cyrillic_commune_gets_suggestions_as_buttons(bot: BotUnderTest) -> None:
    camille = await registered(bot, 1001, FR)
    await declare(bot, camille, FR, until="commune")
    asked = texts(await camille.send("Nantess"))
    assert FR._("I do not know this commune. Did you mean one of these? (or type it again)") in asked
    assert camille.buttons()[0][0] == "Nantes (44)"
    assert "Nantes (44)" in texts(await camille.press("Nantes (44)"))
    assert (await answers(bot, 1001))["commune"] == "44109"

    olena = await registered(bot, 2002, UK)
    await declare(bot, olena, UK, until="commune")
    assert "Nantes (44)" in texts(await olena.send("Нант"))  # the city's Ukrainian name
    olena_2 = await registered(bot, 2003, UK)
    await declare(bot, olena_2, UK, until="commune")
    asked = texts(await olena_2.send("Сен-Назер"))
    assert UK._("I do not know this commune. Did you mean one of these? (or type it again)") in asked
    await olena_2.press("Saint-Nazaire (44)")
    assert (await answers(bot, 2003))["commune"] == "44184"


async def test_a_search_near_a_misspelt_commune_offers_those_that_sound_like_it(bot: BotUnderTest) -> None:
    await accepted_user(bot, 1001)
    await offer(bot, 1001, "Saint-Nazaire")
    await grant(bot, CASEWORKER, "caseworker", "44")
    caseworker = bot.user(CASEWORKER, "fr")
    asked = await caseworker.send("/search 2p near:Sant Nazaire")
    assert FR._("Did you mean one of these?") in texts(asked)
    results = texts(await caseworker.press("Saint-Nazaire (44)"))
    assert "Saint-Nazaire" in results and FR._("Did you mean one of these?") not in results


async def test_a_russian_speaking_phone_is_greeted_in_ukrainian_with_a_one_tap_switch(
    bot: BotUnderTest,
) -> None:
    greeting = await bot.user(3003, "ru").send("/start")
    assert UK._("Do you accept? Nothing is stored until you do.") in texts(greeting)
    labels = [label for label, _ in bot.user(3003).buttons(greeting[-1])]
    assert "Français" in labels and "English" in labels


# --------------------------------------------------------------------------- a way in for everyone


async def test_someone_looking_for_a_place_is_told_what_to_do_and_nothing_is_stored(
    bot: BotUnderTest,
) -> None:
    seeker = bot.user(4004, "uk", "Oksana")
    await seeker.send("/start")
    answer = texts(await seeker.press(UK._("I am looking for a place to stay")))
    assert "115" in answer and UK._("This bot does not record anything about you for this.") in answer
    assert (
        UK._(
            "No département has given its reception contacts in this bot yet: call 115, or ask at the town hall."
        )
        in answer
    )

    await grant(bot, 500, "coordinator", "44")
    coordinator = bot.user(500, "fr")
    assert FR._("People looking for a place in {departement} will be shown:").format(
        departement="44"
    ) in texts(
        await coordinator.send(
            "/reception 44 Accueil DDETS, 2 rue de la Paix, Nantes — 02 40 00 00 00, 9h-17h"
        )
    )
    assert "02 40 00 00 00" in texts(await coordinator.send("/reception"))
    assert FR._("Sorry, this is reserved for caseworkers and coordinators of the territory concerned. "
                "Ask your coordinator if you need it.") in texts(await coordinator.send("/reception 85 Ailleurs"))  # fmt: skip

    await seeker.send("/start")
    await seeker.press(UK._("I am looking for a place to stay"))
    contacts = texts(await seeker.press("44 — Loire-Atlantique"))
    assert "02 40 00 00 00" in contacts and UK._("In an emergency, tonight: call 115.") in contacts
    async with bot.database.transaction() as session:
        assert await users.find(session, 4004) is None  # nothing stored about them

    camille = await registered(bot, 1001, FR)
    assert FR._("I am looking for a place to stay") in [label for label, _ in camille.buttons()]
