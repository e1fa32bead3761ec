"""/match through the real bot: the plan for a territory (the engine's own, computed out of the update's
transaction), its messages and spreadsheet, pairs ticked and proposed to their hosts in one go, the hosts'
answers; refusals, forged buttons, coordinators reading only, French and Ukrainian."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import load_workbook
from sqlmodel import select

from bot.chat.callbacks import MatchPage, MatchPropose, MatchTick
from bot.chat.context import PARIS
from bot.domain.consent import DECLINE_LABELS, DeclineReason
from bot.domain.matching.holding import hold_days
from bot.domain.matching.plan import Left, Plan, make_plan
from bot.features.casework.matching import BLOCKERS
from bot.i18n import Translator, translator
from bot.services import matching as service
from bot.services.waiting import needs_of
from storage import households
from storage.models import Household, MatchPlan, Offer
from tests.casework_fixtures import accepted_user, grant, offer, stored_offer
from tests.harness import BotUnderTest, Message, texts

FR, UK = translator("fr"), translator("uk")
CASEWORKER, COORDINATOR, STRANGER = 600, 500, 700
HOSTS = tuple(range(1001, 1010))


async def family(bot: BotUnderTest, reference: str, caseworker: int = CASEWORKER, **fields: Any) -> int:
    values = {"reference": reference, "departement": "44", "adults": 2, "children": 0, "children_ages": []}
    async with bot.database.transaction() as session:
        created = await households.create(session, caseworker, values | fields, bot.clock())
    assert created.id is not None
    return created.id


async def territory(bot: BotUnderTest, caseworker_language: str = "fr") -> dict[str, int]:
    """Loire-Atlantique with 8 available offers (and one paused, one elsewhere) and 7 waiting households of different urgency, one that needs step-free
    access (no place has it): the household ids by reference."""
    await grant(bot, CASEWORKER, "caseworker", "44", language=caseworker_language)
    for host in HOSTS:
        await accepted_user(bot, host)
    await offer(bot, HOSTS[0], "Nantes", people=2, bedrooms=1, step_free="partly")
    await offer(bot, HOSTS[1], "Nantes", people=4, pets=True, step_free="no")
    await offer(bot, HOSTS[2], "Rezé", people=6, bedrooms=3, step_free="no")
    await offer(bot, HOSTS[3], "Saint-Nazaire", people=3, children=None, step_free="no")
    await offer(bot, HOSTS[4], "Orvault", people=2, qualification="qualified", step_free="no")
    await offer(bot, HOSTS[5], "Carquefou", people=5, pets=True, children=False, step_free="no")
    await offer(bot, HOSTS[6], "Nantes", people=1, status="paused")  # left out: paused
    await offer(bot, HOSTS[7], "Paris", people=8)  # another département
    await offer(bot, HOSTS[8], "Bouguenais", people=2, pets=True, step_free="no")
    return {
        "RUE-1": await family(bot, "RUE-1", situations=["street"], children=2, children_ages=[1, 5]),
        "ABRI-2": await family(bot, "ABRI-2", situations=["shelter"], pets=True),
        "HOT-3": await family(bot, "HOT-3", situations=["hotel"], adults=1),
        "FIN-4": await family(
            bot, "FIN-4", situations=["hosting_ends"], adults=3, children=2, children_ages=[]
        ),
        "FAU-5": await family(bot, "FAU-5", situations=["medical"], step_free=True, adults=3),
        "SANS-6": await family(bot, "SANS-6", situations=[], adults=1),
        "GRAND-7": await family(bot, "GRAND-7", adults=5),  # situation not stated: last
    }


def own_households_plan(t: Translator, waiting: int, housed: int) -> str:
    """A caseworker's plan, for the households they recorded in Loire-Atlantique."""
    return t.n_("Plan for your {n} waiting household in {name} ({departement}): {housed} housed.",
                "Plan for your {n} waiting households in {name} ({departement}): {housed} housed.", waiting).format(
        n=waiting, name="Loire-Atlantique", departement="44", housed=housed)  # fmt: skip


def all_households_plan(t: Translator, waiting: int, housed: int) -> str:
    """A coordinator's plan, for every waiting household of Loire-Atlantique."""
    return t.n_("Plan for the {n} waiting household of {name} ({departement}): {housed} housed.",
                "Plan for the {n} waiting households of {name} ({departement}): {housed} housed.", waiting).format(
        n=waiting, name="Loire-Atlantique", departement="44", housed=housed)  # fmt: skip


async def expected_plan(bot: BotUnderTest, caseworker: int | None = None) -> Plan:
    """The engine's plan for the same data, computed directly."""
    now = bot.clock()
    async with bot.database.transaction() as session:
        problem = await service.problem(session, "44", now.astimezone(PARIS).date(), caseworker)
    return make_plan(problem.households, problem.places, problem.switched_off, problem.today, now)


async def references(bot: BotUnderTest) -> dict[int, str]:
    async with bot.database.transaction() as session:
        return {h.id or 0: h.reference for h in await session.scalars(select(Household))}


def spreadsheet(bot: BotUnderTest, messages: list[Message]) -> Any:
    document = next(message for message in messages if message.get("document"))
    assert document["document"]["file_name"].startswith("plan-44-")
    return load_workbook(io.BytesIO(bot.api.file_bytes(document["document"]["file_id"])))


async def test_the_plan_is_the_engines_its_pairs_are_ticked_proposed_and_answered(bot: BotUnderTest) -> None:
    ids = await territory(bot)
    expected = await expected_plan(bot)
    named = await references(bot)
    assert len(expected.pairs) >= 3 and [left.why for left in expected.unmatched] == [Left.NO_PLACE]

    caseworker = bot.user(CASEWORKER)
    shown = await caseworker.send("/match 44")
    text = texts(shown)
    assert own_households_plan(FR, 7, len(expected.pairs)) in text
    for rank, pair in enumerate(expected.pairs, start=1):
        if rank <= 5:  # the first page
            assert f"{rank}. {named[pair.household_id]} → #{pair.offer_id}" in text
    for left in expected.unmatched:
        assert f"• {named[left.household_id]}: " in text
    blocked = FR.n_("no place meets its needs: {constraint} excludes {n} place that fits otherwise",
                    "no place meets its needs: {constraint} excludes {n} places that fit otherwise", 1)  # fmt: skip
    assert blocked.split("{constraint}")[0] in text and FR._(BLOCKERS["step_free"]) in text  # type: ignore[index]
    assert ids["FAU-5"] in [left.household_id for left in expected.unmatched]

    workbook = spreadsheet(bot, shown)
    pairs_sheet = workbook.worksheets[0]
    rows = list(pairs_sheet.iter_rows(min_row=2, values_only=True))
    assert [(row[1], row[3]) for row in rows] == [(named[p.household_id], p.offer_id) for p in expected.pairs]
    assert [row[0] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)] == [
        named[left.household_id] for left in expected.unmatched
    ]

    # Nothing proposed yet; two pairs ticked, then proposed in one go.
    async with bot.database.transaction() as session:
        assert [o.status for o in await session.scalars(select(Offer))].count("reserved") == 0
    page = next(message for message in shown if "☑️" in str(caseworker.buttons(message)) or "▫️ 1" in
                [label for label, _ in caseworker.buttons(message)])  # fmt: skip
    await caseworker.press("▫️ 1", page)
    await caseworker.press("▫️ 2", page)
    edited = next(m for m in bot.api.bot_messages(CASEWORKER) if m["message_id"] == page["message_id"])
    assert "☑️ 1." in edited["text"] and "☑️ 2." in edited["text"] and "▫️ 3." in edited["text"]
    await caseworker.press(
        FR.n_("Propose the {n} ticked pair", "Propose the {n} ticked pairs", 2).format(n=2), edited
    )
    first, second = expected.pairs[0], expected.pairs[1]
    hosts = {}
    for pair in (first, second):
        assert (await stored_offer(bot, pair.offer_id)).status == "reserved"
        host = (await stored_offer(bot, pair.offer_id)).host_id
        assert host is not None
        hosts[pair.offer_id] = bot.user(host)
        assert (
            FR._("A social worker proposes your place #{offer} ({commune}) to a household:").format(
                offer=pair.offer_id, commune=(await stored_offer(bot, pair.offer_id)).commune_name
            )
            in hosts[pair.offer_id].last()["text"]
        )
    told = texts(bot.api.bot_messages(CASEWORKER))
    assert FR.n_("{n} proposal sent to the hosts:", "{n} proposals sent to the hosts:", 2).format(n=2) in told
    third = expected.pairs[2]
    assert (await stored_offer(bot, third.offer_id)).status == "available"  # not ticked: not proposed

    # One host accepts, the other declines: the caseworker is told, with the next best for that household.
    await hosts[first.offer_id].press(FR._("Accept"))
    offers = {pair.offer_id: await stored_offer(bot, pair.offer_id) for pair in (first, second)}
    assert FR._("The host of place #{offer} ({commune}) accepts household {reference}. Agree the arrival with "
                "them, then record it.").format(offer=first.offer_id, commune=offers[first.offer_id].commune_name,
                                                reference=named[first.household_id]) in caseworker.last()["text"]  # fmt: skip
    await hosts[second.offer_id].press(FR._("Decline"))
    await hosts[second.offer_id].press(FR._(DECLINE_LABELS[DeclineReason.DATES]))
    released = caseworker.last()["text"]
    assert FR._("The host of place #{offer} ({commune}) declines household {reference}: {reason}. The place is "
                "available again.").format(offer=second.offer_id, commune=offers[second.offer_id].commune_name,
                                           reference=named[second.household_id],
                                           reason=FR._(DECLINE_LABELS[DeclineReason.DATES])) in released  # fmt: skip
    assert (
        FR._("Next best places for household {reference}:").format(reference=named[second.household_id])
        in released
    )

    # The plan survives a restart; proposing again proposes nothing twice.
    await bot.restart()
    async with bot.database.transaction() as session:
        kept = (await session.scalars(select(MatchPlan))).one()
    assert kept.proposed == [0, 1] and kept.ticked == []
    assert kept.id is not None
    again = await caseworker.press_data(MatchPropose(kept.id).encode())
    assert FR._("No pair is ticked: tick the pairs to propose first.") in texts(again)
    await caseworker.press_data(MatchTick(kept.id, "all", 1).encode())
    async with bot.database.transaction() as session:
        kept = (await session.scalars(select(MatchPlan))).one()
    advised_to_wait = {index for index, pair in enumerate(expected.pairs) if pair.hold}
    assert 0 < len(advised_to_wait) < len(expected.pairs) - 2  # both kinds among the pairs not proposed yet
    assert kept.ticked == [i for i in range(2, len(expected.pairs)) if i not in advised_to_wait]


async def test_a_pair_that_changed_meanwhile_is_skipped_and_said(bot: BotUnderTest) -> None:
    await territory(bot, caseworker_language="uk")
    expected = await expected_plan(bot)
    named = await references(bot)
    caseworker = bot.user(CASEWORKER, "uk")
    shown = await caseworker.send("/match")  # their only département
    assert own_households_plan(UK, 7, len(expected.pairs)) in texts(shown)
    page = shown[-2]
    await caseworker.press(UK._("Tick all"), page)
    page = next(m for m in bot.api.bot_messages(CASEWORKER) if m["message_id"] == page["message_id"])
    taken = expected.pairs[0]
    assert taken.hold is None  # sleeping rough: never advised to wait
    ticked = [pair for pair in expected.pairs if pair.hold is None]
    async with bot.database.transaction() as session:
        changed = await session.get(Offer, taken.offer_id)
        assert changed is not None
        changed.status = "withdrawn"
    await caseworker.press(UK.n_("Propose the {n} ticked pair", "Propose the {n} ticked pairs",
                                 len(ticked)).format(n=len(ticked)), page)  # fmt: skip
    told = texts(bot.api.bot_messages(CASEWORKER))
    assert UK._("Not proposed, the household or the place changed since the plan:") in told
    assert f"• {named[taken.household_id]} → #{taken.offer_id}" in told
    proposed = len(ticked) - 1
    assert UK.n_("{n} proposal sent to the hosts:", "{n} proposals sent to the hosts:", proposed).format(
        n=proposed) in told  # fmt: skip
    async with bot.database.transaction() as session:
        kept = (await session.scalars(select(MatchPlan))).one()
    assert (
        0 not in kept.proposed and len(kept.proposed) == proposed
    )  # the skipped pair is not marked proposed


async def test_a_pair_advised_to_wait_is_said_left_out_by_tick_all_and_may_be_ticked_alone(
    bot: BotUnderTest,
) -> None:
    ids = await territory(bot)
    expected = await expected_plan(bot)
    named = await references(bot)
    held = next(index for index, pair in enumerate(expected.pairs[:5]) if pair.hold)
    hold = expected.pairs[held].hold
    weights = {"ABRI-2": 60, "HOT-3": 50, "FIN-4": 40, "FAU-5": 30, "SANS-6": 0, "GRAND-7": 0}
    reference = named[expected.pairs[held].household_id]
    assert hold is not None and hold.days_left == hold_days(weights[reference])  # recorded today
    assert ids["RUE-1"] not in [pair.household_id for pair in expected.pairs if pair.hold]
    caseworker = bot.user(CASEWORKER)
    shown = await caseworker.send("/match 44")
    page = shown[-2]
    advice = "⏳ " + FR.n_(
        "Better wait: this place scores {share} % of an ideal one for this household, which can wait {n} more "
        "day for a better place (“Tick all” leaves this pair out).",
        "Better wait: this place scores {share} % of an ideal one for this household, which can wait {n} more "
        "days for a better place (“Tick all” leaves this pair out).", hold.days_left).format(
        share=round(100 * hold.share), n=hold.days_left)  # fmt: skip
    pair = expected.pairs[held]
    assert f"{held + 1}.</b> {named[pair.household_id]} → #{pair.offer_id}" in page["text"] or (
        f"{held + 1}. {named[pair.household_id]} → #{pair.offer_id}" in texts([page])
    )
    assert advice in texts([page])
    assert texts([page]).count("⏳ ") == sum(1 for pair in expected.pairs[:5] if pair.hold)

    await caseworker.press(FR._("Tick all"), page)
    page = next(m for m in bot.api.bot_messages(CASEWORKER) if m["message_id"] == page["message_id"])
    assert f"▫️ {held + 1}." in page["text"] and "☑️ 1." in page["text"]
    await caseworker.press(f"▫️ {held + 1}", page)  # a person may still tick it
    async with bot.database.transaction() as session:
        kept = (await session.scalars(select(MatchPlan))).one()
    assert held in kept.ticked
    assert kept.ticked == sorted({held} | {i for i, pair in enumerate(expected.pairs) if pair.hold is None})

    # Fourteen days later, nobody is advised to wait any more: "Tick all" ticks every pair.
    bot.clock.advance(days=15)
    later = await expected_plan(bot)
    assert later.pairs and not any(pair.hold for pair in later.pairs)
    shown = await caseworker.send("/match 44")
    assert "⏳" not in texts(shown)


async def test_others_are_refused_and_forged_buttons_too(bot: BotUnderTest) -> None:
    await territory(bot)
    await grant(bot, COORDINATOR, "coordinator", "44", language="uk")
    await grant(bot, STRANGER, "caseworker", "75")
    coordinator = bot.user(COORDINATOR, "uk")
    shown = await coordinator.send("/match 44")
    assert spreadsheet(bot, shown).worksheets[0].title == UK._("Pairs")
    async with bot.database.transaction() as session:
        plan = (await session.scalars(select(MatchPlan))).one()
    assert plan.id is not None
    assert texts(await coordinator.press_data(MatchPage(plan.id, 2).encode()))  # their own plan, further

    stranger = bot.user(STRANGER)
    sorry = FR._("Sorry, this is reserved for caseworkers and coordinators of the territory concerned. Ask your "
                 "coordinator if you need it.")  # fmt: skip
    assert sorry in texts(await stranger.send("/match 44"))
    gone = FR._("This no longer exists.")
    assert gone in texts(await stranger.press_data(MatchTick(plan.id, 0, 1).encode()))  # another's plan
    assert gone in texts(await stranger.press_data(MatchPropose(plan.id).encode()))
    caseworker = bot.user(CASEWORKER)
    await caseworker.send("/match 44")
    async with bot.database.transaction() as session:
        mine = max((await session.scalars(select(MatchPlan.id).where(MatchPlan.user_id == CASEWORKER))).all())
    assert gone in texts(await caseworker.press_data(MatchTick(mine, 9999, 1).encode()))  # no such pair
    inactive = FR._("This button is no longer active.")
    assert inactive in texts(await caseworker.press_data("mt:0:1:1"))
    assert inactive in texts(await caseworker.press_data(f"mt:{mine}:x:1"))
    assert inactive in texts(await caseworker.press_data(f"mx:{mine}:1"))


async def test_nobody_waiting_and_a_plan_that_takes_too_long(bot: BotUnderTest, monkeypatch: Any) -> None:
    await grant(bot, CASEWORKER, "caseworker", "44", "85")
    caseworker = bot.user(CASEWORKER)
    assert FR._("Which département? For example: /match {departement}").format(departement="44") in texts(
        await caseworker.send("/match"))  # fmt: skip
    assert FR._("Which département? For example: /match {departement}").format(departement="44") in texts(
        await caseworker.send("/match 4x"))  # a typo is asked again, not refused  # fmt: skip
    assert FR._("None of the households you recorded is waiting for a place in {departement}.").format(
        departement="44") in texts(await caseworker.send("/match 44"))  # fmt: skip
    await grant(bot, COORDINATOR, "coordinator", "44")
    assert FR._("No household is waiting for a place in {departement}.").format(departement="44") in texts(
        await bot.user(COORDINATOR).send("/match 44"))  # fmt: skip
    await family(bot, "RUE-1", situations=["street"])
    original = service.solve

    async def hurried(problem: service.Problem, now: Any, seconds: float = 0.0) -> Plan:
        return await original(problem, now, seconds=0.0)

    monkeypatch.setattr(service, "solve", hurried)
    told = texts(await caseworker.send("/match 44"))
    assert FR._("Sorry, the plan for {departement} takes too long to compute. Try again later, or use /waiting and "
                "“Find places” for the most urgent households.").format(departement="44") in told  # fmt: skip


def test_children_without_recorded_ages_count_without_an_age() -> None:
    old = Household(reference="X", departement="44", adults=1, children=3, children_ages=[4], step_free=False)
    needs = needs_of(old, date(2026, 12, 1))
    assert needs.children_ages == (4,) and needs.unaged_children == 2 and needs.people == 4
    assert "children" in needs.needs and needs.criteria().people == 4
