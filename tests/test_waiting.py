"""The waiting list through the real bot: where, when and the situation asked in /household, /waiting by
priority, "Find places" for exactly one household's needs, why nothing matches, situations per département."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import select

from bot.domain.offer_schema import NEED_BY_NAME
from bot.features.casework.consent import moment
from bot.features.search.results import EXCLUDED_BY_NEED
from bot.geo.resolve import commune_label, load_resolver
from bot.i18n import translator
from storage import households, placements
from storage.db import Database, alembic_config
from storage.models import Household, Placement
from tests.casework_fixtures import accepted_user, grant, household_up_to_where, offer
from tests.conftest import running, settings_for
from tests.harness import BotUnderTest, Clock, Message, texts

FR, UK = translator("fr"), translator("uk")
COORDINATOR, CASEWORKER, CASEWORKER_85, HOST = 500, 600, 610, 1001
NANTES = load_resolver().resolve("Nantes").commune


async def household(bot: BotUnderTest, reference: str, departement: str = "44", **fields: Any) -> int:
    """A household recorded `days_ago` days ago (default: today) with these fields."""
    recorded = bot.clock() - timedelta(days=fields.pop("days_ago", 0))
    values = {"reference": reference, "departement": departement, "adults": 1, "children": 0, "children_ages": [],
              "step_free": False, "pets": False, "languages": [], "area": "all", "wanted_from": recorded.date(),
              "situations": []} | fields  # fmt: skip
    async with bot.database.transaction() as session:
        created = await households.create(session, CASEWORKER, values, recorded)
    assert created.id is not None
    return created.id


def cards(messages: list[Message]) -> list[Message]:
    return [m for m in messages if re.match(r"\d+\. ", m["text"])]


def references(messages: list[Message]) -> list[str]:
    """The references of the waiting households shown, in order ("1. DOS-1 · 44 · …")."""
    return [m["text"].split(" ", 2)[1] for m in cards(messages)]


async def test_household_says_where_when_and_its_situation_bad_answers_asked_again(bot: BotUnderTest) -> None:
    cases = ((CASEWORKER, FR, "44", "La Roche-sur-Yon", "Nantes", "loin", "31/02", "beaucoup", "3 mois"),
             (CASEWORKER_85, UK, "85", "Nantes", "La Roche-sur-Yon", "далеко", "31.02", "багато", "3 місяці"))  # fmt: skip
    for user_id, t, departement, elsewhere, commune, far, no_day, vague, months in cases:
        await grant(bot, user_id, "caseworker", departement, language=t.language)
        caseworker = bot.user(user_id, t.language)
        await household_up_to_where(caseworker, t, f"DOS-{departement}")
        where = t._("Where should the household live? Type a commune to look around it, or choose the whole "
                    "département.")  # fmt: skip
        assert where in texts([caseworker.last()])
        unknown = texts(await caseworker.send("Zzxqwv"))
        assert t._("I do not know this commune. Check the spelling, or type its postal code.") in unknown
        not_here = texts(await caseworker.send(elsewhere))
        other = load_resolver().resolve(elsewhere).commune
        assert other is not None
        assert t._("{commune} is not in {departement}. Type a commune of {departement}, or choose the whole "
                   "département.").format(commune=commune_label(other), departement=departement) in not_here  # fmt: skip
        assert t._("Within how many kilometres?") in texts(await caseworker.send(commune))
        too_far = texts(await caseworker.send(far))
        assert t._("Please give a distance from 1 to 300 km, for example 20.") in too_far
        assert t._("From when does the household need a place?") in texts(await caseworker.send("20"))
        assert t._("This day does not exist in the calendar.") in texts(await caseworker.send(no_day))
        assert t._("For how long? (skip if unknown)") in texts(
            await caseworker.send("15/12" if t is FR else "15.12")
        )
        unreadable = texts(await caseworker.send(vague))
        assert t._("I could not read this duration.") in unreadable
        situation = texts(await caseworker.send(months))
        assert (
            t._("Their situation now (it orders the waiting list): tick what applies, then “Done”.")
            in situation
        )
        assert t._("Tap the options that apply, then “Done”.") in texts(await caseworker.send("urgent"))
        await caseworker.press(t._("Sleeping rough"))
        await caseworker.press(t._("Medical needs"))
        recorded = await caseworker.press(t._("Done"))
        assert t._("Household {reference} recorded. Find places for them now, or later from /waiting.").format(
            reference=f"DOS-{departement}") in texts(recorded)  # fmt: skip
        assert t._("Find places") in [label for label, _ in caseworker.buttons(recorded[-1])]

    async with bot.database.transaction() as session:
        stored = {h.reference: h for h in await session.scalars(select(Household))}
    nantes = stored["DOS-44"]
    assert (nantes.area, nantes.radius_km, nantes.wanted_from, nantes.stay_days, nantes.situations) == (
        NANTES.insee if NANTES else None, 20, date(2026, 12, 15), 90, ["street", "medical"])  # fmt: skip
    assert (nantes.adults, nantes.children, nantes.children_ages, nantes.pets, nantes.languages) == (
        2, 1, [1], True, ["uk"])  # fmt: skip
    assert stored["DOS-85"].area == load_resolver().resolve("La Roche-sur-Yon").commune.insee  # type: ignore[union-attr]


async def test_waiting_households_by_priority_then_waiting_time(bot: BotUnderTest) -> None:
    await grant(bot, CASEWORKER, "caseworker", "44")
    await accepted_user(bot, HOST)
    place = await offer(bot, HOST, "Nantes")
    await household(bot, "HOTEL-OLD", situations=["hotel"], days_ago=9)
    await household(bot, "HOTEL-NEW", situations=["hotel"], days_ago=2)
    await household(bot, "STREET", situations=["street"], days_ago=1)
    await household(bot, "SHELTER-MEDICAL", situations=["shelter", "medical"], days_ago=3)  # 60 + 30 < 100
    await household(bot, "NONE", days_ago=20)
    await household(bot, "NOT-STATED", area=None, wanted_from=None, situations=None, days_ago=30)
    withdrawn = await household(bot, "WITHDRAWN", situations=["young_children"], days_ago=4)
    housed = await household(bot, "HOUSED", situations=["street"], days_ago=40)
    await household(bot, "ELSEWHERE", "85", situations=["street"])
    async with bot.database.transaction() as session:
        await placements.create(session, housed, place, CASEWORKER, bot.clock())
        proposal = await placements.create(session, withdrawn, place, CASEWORKER, bot.clock())
        proposal.status = "cancelled"  # a proposal withdrawn: waiting again

    caseworker = bot.user(CASEWORKER, "fr")
    first = await caseworker.send("/waiting")
    assert FR.n_("{n} household waiting, the most urgent first:", "{n} households waiting, the most urgent first:",
                 7).format(n=7) in texts(first)  # fmt: skip
    assert references(first) == ["STREET", "SHELTER-MEDICAL", "HOTEL-OLD", "HOTEL-NEW", "WITHDRAWN"]
    second = await caseworker.press(FR._("Next"))
    assert references(second) == ["NONE", "NOT-STATED"]  # nothing urgent stated, then never asked
    none, not_stated = cards(second)
    assert FR._("No urgent situation stated") in none["text"]
    for said in (FR._("Situation: not stated"), FR._("Where: not stated"), FR._("From when: not stated")):
        assert said in not_stated["text"]
    street = cards(first)[0]["text"]
    assert FR._("Sleeping rough") in street
    assert FR.n_("waiting for {n} day", "waiting for {n} days", 1).format(n=1) in street
    assert references(await caseworker.press(FR._("Previous")))[0] == "STREET"


async def test_find_places_ranks_for_exactly_this_household_and_proposes(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST, "uk")
    dog_friendly = await offer(bot, HOST, "Rezé", people=5, pets=True)
    larger = await offer(bot, HOST, "Saint-Herblain", people=8, pets=True)  # pets, but far too large
    await offer(bot, HOST, "Nantes", people=4, pets=False)  # nearest, but no pets
    await offer(bot, HOST, "Saint-Nazaire", people=5, pets=True)  # beyond 20 km
    await offer(bot, HOST, "Rezé", people=5, pets=True, available_until=date(2026, 12, 20))  # ends too soon
    await offer(bot, HOST, "La Roche-sur-Yon", people=5, pets=True)  # another département
    await grant(bot, CASEWORKER, "caseworker", "44")
    caseworker = bot.user(CASEWORKER, "fr")
    await household_up_to_where(caseworker, FR, "DOS-1")
    await caseworker.send("Nantes")
    await caseworker.press("20 km")
    await caseworker.press(FR._("From now"))
    await caseworker.send("3 mois")
    await caseworker.press(FR._("Done"))

    results = await caseworker.press(FR._("Find places"))
    shown = texts(results)
    assert "DOS-1" in results[0]["text"] and "Nantes (44) + 20 km" in results[0]["text"]
    assert FR.n_("{n} place found", "{n} places found", 2).format(n=2) in shown
    found = cards(results)
    assert [f"#{dog_friendly}" in found[0]["text"], f"#{larger}" in found[1]["text"]] == [True, True]
    assert (
        FR._("pets accepted") in found[0]["text"] and FR._("host speaks {language}") not in found[0]["text"]
    )
    assert (
        FR.n_("covers the {n} day needed", "covers the {n} days needed", 90).format(n=90) in found[0]["text"]
    )
    assert "Saint-Nazaire" not in shown and "Roche-sur-Yon" not in shown

    await caseworker.press(FR._("Propose for {reference}").format(reference="DOS-1"), found[0])
    async with bot.database.transaction() as session:
        [placement] = list(await session.scalars(select(Placement)))
    assert (placement.offer_id, placement.status, placement.people) == (dog_friendly, "proposed", 3)
    assert placement.consent_due_at is not None
    assert FR._("Offer #{offer} is held for household {reference} until {deadline}. Its host is asked whether "
                "they accept: you will be told of their answer.").format(
        offer=dog_friendly, reference="DOS-1", deadline=moment(FR, placement.consent_due_at),
    ) in bot.api.message(CASEWORKER, found[0]["message_id"])["text"]  # fmt: skip
    asked = texts(bot.api.bot_messages(HOST))  # the host is asked, in Ukrainian, with the household's dates
    assert f"#{dog_friendly}" in asked
    assert UK._("as soon as possible") + ", " + UK.n_("for {n} day", "for {n} days", 90).format(n=90) in asked
    # Proposed: no longer waiting; its old button says so.
    assert FR._("No household is waiting for a place in your territory.") in texts(
        await caseworker.send("/waiting")
    )
    again = await caseworker.press(FR._("Find places"))  # on the message that recorded the household
    assert FR._("{reference} is no longer waiting: see /placements.").format(reference="DOS-1") in texts(
        again
    )


async def test_nothing_matches_says_which_need_excludes_every_place(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    await offer(bot, HOST, "Nantes", people=4, pets=False)
    await offer(bot, HOST, "Rezé", people=2, pets=False)
    await grant(bot, CASEWORKER, "caseworker", "44", "85")
    dog = await household(bot, "DOG", pets=True, adults=2)
    crowd = await household(bot, "CROWD", adults=9, pets=True)  # two needs, each excluding everything alone
    nobody = await household(bot, "NOBODY-IN-85", "85")
    far = load_resolver().by_insee("44184")  # Saint-Nazaire, 50 km from Nantes
    assert far is not None
    near_the_sea = await household(bot, "SEA", area=far.insee, radius_km=10, stay_days=30)
    caseworker = bot.user(CASEWORKER, "fr")

    excluded = texts(await caseworker.press_data(f"fp:{dog}"))
    assert FR._("No place meets all these needs. What excludes every place:") in excluded
    assert FR._("No place accepts pets in {departement}").format(departement="44") in excluded
    assert FR.n_("without it: {n} place", "without it: {n} places", 2).format(n=2) in excluded

    too_far = texts(await caseworker.press_data(f"fp:{near_the_sea}"))
    assert FR._("No place within {km} km of {commune}").format(km=10, commune=commune_label(far)) in too_far
    assert FR._("No place is available for {n} days") not in too_far  # the offers have no end: not the dates
    both = texts(await caseworker.press_data(f"fp:{crowd}"))
    assert FR._("No place in {departement} meets all these needs at once, though none of them alone excludes "
                "every place.").format(departement="44") in both  # fmt: skip
    empty = texts(await caseworker.press_data(f"fp:{nobody}"))
    assert FR._("No place is available in {departement} at the moment.").format(departement="85") in empty
    assert set(EXCLUDED_BY_NEED) == set(NEED_BY_NAME)  # every need has its sentence


async def test_a_caseworker_sees_and_searches_only_their_territory(bot: BotUnderTest) -> None:
    await grant(bot, CASEWORKER, "caseworker", "44")
    await grant(bot, CASEWORKER_85, "caseworker", "85", language="uk")
    await grant(bot, COORDINATOR, "coordinator", "44")
    in_44 = await household(bot, "DOS-44", situations=["street"])
    await household(bot, "DOS-85", "85")
    other = bot.user(CASEWORKER_85, "uk")
    assert references(await other.send("/waiting")) == ["DOS-85"]
    refused = texts(await other.press_data(f"fp:{in_44}"))
    assert UK._("Sorry, this is reserved for caseworkers and coordinators of the territory concerned. Ask your "
                "coordinator if you need it.") in refused  # fmt: skip
    forged = texts(await other.press_data("fp:0"))
    assert UK._("This button is no longer active.") in forged
    # A coordinator sees their département's list and its places, and proposes to that household at once (its
    # caseworker follows the placement: tests/test_propose_coordinator.py).
    coordinator = bot.user(COORDINATOR, "fr")
    assert references(await coordinator.send("/waiting")) == ["DOS-44"]
    await accepted_user(bot, HOST)
    await offer(bot, HOST, "Nantes")
    found = await coordinator.press(FR._("Find places"))
    assert "DOS-44" in found[0]["text"]  # searched for that household
    labels = [label for label, _ in coordinator.buttons(cards(found)[0])]
    assert FR._("Propose for {reference}").format(reference="DOS-44") in labels


async def test_situations_switched_off_in_a_departement(bot: BotUnderTest) -> None:
    await grant(bot, COORDINATOR, "coordinator", "44")
    await grant(bot, CASEWORKER, "caseworker", "44")
    await household(bot, "STREET", situations=["street"], days_ago=1)
    await household(bot, "HOTEL", situations=["hotel"], days_ago=0)
    coordinator = bot.user(COORDINATOR, "fr")
    assert FR._("Write the département, for example: /situations 44") in texts(
        await coordinator.send("/situations")
    )
    await coordinator.send("/situations 44")
    assert "✅ " + FR._("Sleeping rough") in [label for label, _ in coordinator.buttons()]
    await coordinator.press(FR._("Sleeping rough"))
    assert "⛔ " + FR._("Sleeping rough") in [label for label, _ in coordinator.buttons()]  # the same message

    caseworker = bot.user(CASEWORKER, "fr")
    # Not counted any more: the hotel comes first; and not asked when recording a household.
    assert references(await caseworker.send("/waiting")) == ["HOTEL", "STREET"]
    await household_up_to_where(caseworker, FR, "DOS-NEW")
    await caseworker.press(FR._("Anywhere in {departement}").format(departement="44"))
    await caseworker.press(FR._("From now"))
    asked = await caseworker.press(FR._("Skip"))
    labels = [label for label, _ in caseworker.buttons(asked[-1])]
    assert FR._("In a hotel, night after night") in labels and FR._("Sleeping rough") not in labels
    await caseworker.press(FR._("Done"))

    # Switched on again; a caseworker, or a forged situation, cannot switch anything.
    await coordinator.press(FR._("Sleeping rough"))
    assert references(await caseworker.send("/waiting"))[:2] == ["STREET", "HOTEL"]
    assert FR._("Sorry, this is reserved for caseworkers and coordinators of the territory concerned. Ask your "
                "coordinator if you need it.") in texts(await caseworker.press_data("sit:44:street:off"))  # fmt: skip
    assert FR._("This button is no longer active.") in texts(
        await coordinator.press_data("sit:44:origin:off")
    )


async def test_a_household_recorded_before_is_listed_as_not_stated(
    api: Any, database_url: str, clock: Clock
) -> None:
    """Migration 0010: a household recorded before had no where, when nor situation: none is invented."""
    from alembic import command

    database = Database(database_url)
    recorded = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0009"))
        await connection.execute(
            text("INSERT INTO households (reference, departement, adults, children, children_ages, step_free, pets,"
                 " languages, caseworker_id, created_at) VALUES ('OLD-1', '44', 2, 0, '[]', :no, :yes, '[\"uk\"]',"
                 " :caseworker, :at)"),
            {"no": False, "yes": True, "caseworker": CASEWORKER, "at": recorded},
        )  # fmt: skip
    await database.close()
    async with running(api, settings_for(api, database_url), clock) as bot:
        async with bot.database.transaction() as session:
            [old] = list(await session.scalars(select(Household)))
        assert (old.area, old.radius_km, old.wanted_from, old.stay_days, old.situations) == (None,) * 5
        await grant(bot, CASEWORKER, "caseworker", "44", language="uk")
        caseworker = bot.user(CASEWORKER, "uk")
        [card] = cards(await caseworker.send("/waiting"))
        for said in (UK._("Situation: not stated"), UK._("Where: not stated"), UK._("From when: not stated")):
            assert said in card["text"]
        # Its search: anywhere in its département, from today, with what it did state (a pet, 2 people).
        await accepted_user(bot, HOST)
        await offer(bot, HOST, "Saint-Nazaire", people=2, pets=True)
        found = await caseworker.press(UK._("Find places"))
        assert UK.n_("{n} place found", "{n} places found", 1).format(n=1) in texts(found)
