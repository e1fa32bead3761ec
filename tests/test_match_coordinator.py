"""/match by a coordinator, through the real bot: the plan covers every waiting household of the territory (a
caseworker's, only the households they recorded), the coordinator ticks and proposes, each household's caseworker
is told, and the hosts' answers (accept, decline, call me, silence) reach the caseworker and the coordinator, once
each, in their own language; the host's contact goes to the caseworker only; recording the arrival stays theirs."""

from __future__ import annotations

from sqlmodel import select

from bot.chat.callbacks import PlacementStep
from bot.domain.consent import DECLINE_LABELS, DeclineReason
from bot.features.casework.consent import moment
from bot.i18n import Translator, translator
from storage import audit, roles
from storage.models import MatchPlan, Placement
from tests.casework_fixtures import grant, stored_offer
from tests.harness import BotUnderTest, Message, User, texts
from tests.test_match import (
    CASEWORKER,
    COORDINATOR,
    all_households_plan,
    expected_plan,
    family,
    own_households_plan,
    references,
    territory,
)

FR, UK = translator("fr"), translator("uk")
OTHER_CASEWORKER, NEWCOMER = 601, 602
REFUSED = ("Sorry, this is reserved for caseworkers and coordinators of the territory concerned. Ask your "
           "coordinator if you need it.")  # fmt: skip


async def placement_of(bot: BotUnderTest, offer_id: int) -> Placement:
    async with bot.database.transaction() as session:
        found = await session.scalar(select(Placement).where(Placement.offer_id == offer_id))
    assert found is not None
    return found


def pairs_page(user: User, shown: list[Message]) -> Message:
    return next(m for m in shown if any(label.startswith("▫️") for label, _ in user.buttons(m)))


async def propose_first(bot: BotUnderTest, coordinator: User, t: Translator, ticks: int) -> list[Message]:
    """The coordinator runs /match 44, ticks the first `ticks` pairs and proposes them: the messages since."""
    page = pairs_page(coordinator, await coordinator.send("/match 44"))
    for number in range(1, ticks + 1):
        await coordinator.press(f"▫️ {number}", page)
    page = next(m for m in bot.api.bot_messages(coordinator.user_id) if m["message_id"] == page["message_id"])
    label = t.n_("Propose the {n} ticked pair", "Propose the {n} ticked pairs", ticks).format(n=ticks)
    return await coordinator.press(label, page)


async def test_a_coordinator_proposes_the_plan_the_caseworker_follows_and_both_hear_the_hosts(
    bot: BotUnderTest,
) -> None:
    await territory(bot)
    await grant(bot, COORDINATOR, "coordinator", "44")
    expected = await expected_plan(bot)
    named = await references(bot)
    coordinator, caseworker = bot.user(COORDINATOR), bot.user(CASEWORKER)
    shown = texts(await coordinator.send("/match 44"))
    assert all_households_plan(FR, 7, len(expected.pairs)) in shown
    assert FR._("Each household's caseworker is told of the proposals made for it and of the hosts' answers, and "
                "records the arrivals.") in shown  # fmt: skip

    before = len(bot.api.bot_messages(CASEWORKER))
    told = await propose_first(bot, coordinator, FR, 3)
    assert FR.n_("{n} proposal sent to the hosts:", "{n} proposals sent to the hosts:", 3).format(
        n=3
    ) in texts(told)
    first, second, third = expected.pairs[:3]
    for pair in (first, second, third):
        placement = await placement_of(bot, pair.offer_id)
        assert (placement.caseworker_id, placement.proposed_by) == (CASEWORKER, COORDINATOR)
        assert placement.consent_due_at is not None
        assert FR._("Offer #{offer} is held for household {reference} until {deadline}. Its host is asked whether "
                    "they accept: you and the household's caseworker will be told of their answer.").format(
            offer=pair.offer_id, reference=named[pair.household_id],
            deadline=moment(FR, placement.consent_due_at)) in texts(told)  # fmt: skip
    # The coordinator records nothing: no "Record the arrival" nor "Withdraw" for them.
    assert not any(FR._("Record the arrival") in label for m in told for label, _ in coordinator.buttons(m))
    # The caseworker gets one message for the three households.
    news = bot.api.bot_messages(CASEWORKER)[before:]
    assert len(news) == 1
    assert FR.n_("A coordinator of {departement} proposed a place for your household:",
                 "A coordinator of {departement} proposed places for {n} of your households:", 3).format(
        departement="44", n=3) in news[0]["text"]  # fmt: skip
    for pair in (first, second, third):
        assert f"• {named[pair.household_id]} → #{pair.offer_id} (" in news[0]["text"]
    hosts = {
        pair.offer_id: bot.user((await stored_offer(bot, pair.offer_id)).host_id or 0)
        for pair in expected.pairs
    }
    where = {pair.offer_id: {"offer": pair.offer_id, "commune": (await stored_offer(bot, pair.offer_id)).commune_name,
                             "reference": named[pair.household_id]} for pair in (first, second, third)}  # fmt: skip

    # Accepted: the caseworker is asked to agree the arrival and record it; the coordinator, that they will.
    await hosts[first.offer_id].press(FR._("Accept"))
    accepted = caseworker.last()
    assert FR._("The host of place #{offer} ({commune}) accepts household {reference}. Agree the arrival with "
                "them, then record it.").format(**where[first.offer_id]) in accepted["text"]  # fmt: skip
    assert FR._("Record the arrival") in [label for label, _ in caseworker.buttons(accepted)]
    assert FR._("The host of place #{offer} ({commune}) accepts household {reference}. The household's caseworker "
                "is told: they agree the arrival with the host and record it.").format(
        **where[first.offer_id]) in coordinator.last()["text"]  # fmt: skip
    placement = await placement_of(bot, first.offer_id)
    assert placement.id is not None
    assert FR._(REFUSED) in texts(
        await coordinator.press_data(PlacementStep("arrive", placement.id).encode())
    )

    # Declined: both are told why, with the next best places for that household, to propose.
    await hosts[second.offer_id].press(FR._("Decline"))
    await hosts[second.offer_id].press(FR._(DECLINE_LABELS[DeclineReason.DATES]))
    declined = FR._("The host of place #{offer} ({commune}) declines household {reference}: {reason}. The place is "
                    "available again.").format(reason=FR._(DECLINE_LABELS[DeclineReason.DATES]), **where[second.offer_id])  # fmt: skip
    next_best = FR._("Next best places for household {reference}:").format(
        reference=named[second.household_id]
    )
    for user in (caseworker, coordinator):
        assert declined in user.last()["text"] and next_best in user.last()["text"]
        assert texts(bot.api.bot_messages(user.user_id)).count(declined) == 1
    proposable = [label for label, _ in coordinator.buttons(coordinator.last())
                  if label.startswith(FR._("Propose #{offer}").split("#")[0])]  # fmt: skip
    assert proposable

    # Call me: the contact goes to the caseworker (logged), the coordinator only hears that they are asked.
    await hosts[third.offer_id].press(FR._("Ask the social worker to call me"))
    due = (await placement_of(bot, third.offer_id)).consent_due_at
    assert due is not None
    assert "+33612345678" in caseworker.last()["text"]
    call = coordinator.last()["text"]
    assert FR._("The host of place #{offer} ({commune}) asks to be called about household {reference} before "
                "answering: the household's caseworker is asked to call them. The place stays held until "
                "{deadline}.").format(deadline=moment(FR, due), **where[third.offer_id]) in call  # fmt: skip
    assert "+336" not in call
    async with bot.database.transaction() as session:
        revealed = [(e.actor_id, e.subject) for e in await audit.events(session, audit.CONTACT_REVEALED)]
    assert revealed == [(CASEWORKER, f"offer:{third.offer_id}")]

    # The coordinator proposes the next best place: the caseworker still follows the household, and is told.
    before = len(bot.api.bot_messages(CASEWORKER))
    await coordinator.press(proposable[0])
    again = bot.api.bot_messages(CASEWORKER)[before:]
    assert len(again) == 1 and FR.n_(
        "A coordinator of {departement} proposed a place for your household:",
        "A coordinator of {departement} proposed places for {n} of your households:", 1,
    ).format(departement="44", n=1) in again[0]["text"]  # fmt: skip
    async with bot.database.transaction() as session:
        latest = (await session.scalars(select(Placement).order_by(Placement.id.desc()))).first()  # type: ignore[union-attr]
    assert latest is not None and latest.household_id == second.household_id
    assert (latest.caseworker_id, latest.proposed_by, latest.status) == (CASEWORKER, COORDINATOR, "proposed")


async def test_a_caseworker_plans_for_their_households_a_coordinator_for_all(bot: BotUnderTest) -> None:
    await territory(bot)
    await grant(bot, OTHER_CASEWORKER, "caseworker", "44", language="uk")
    await grant(bot, NEWCOMER, "caseworker", "44")
    await grant(bot, COORDINATOR, "coordinator", "44", language="uk")
    await family(bot, "AUTRE-1", caseworker=OTHER_CASEWORKER, situations=["street"])
    await family(bot, "AUTRE-2", caseworker=OTHER_CASEWORKER, situations=[], pets=True)
    theirs = await expected_plan(bot, OTHER_CASEWORKER)
    named = await references(bot)
    planned = [left.household_id for left in theirs.unmatched] + [pair.household_id for pair in theirs.pairs]
    assert sorted(named[household] for household in planned) == ["AUTRE-1", "AUTRE-2"]

    other = bot.user(OTHER_CASEWORKER, "uk")
    shown = await other.send("/match 44")
    assert own_households_plan(UK, 2, len(theirs.pairs)) in texts(shown)
    assert UK._("Only the households you recorded are planned, against every available place of the département; "
                "a coordinator's plan covers all of them.") in texts(shown)  # fmt: skip
    assert "AUTRE-1" in texts(shown) and "RUE-1" not in texts(shown)
    # Proposing from it works in Ukrainian, and the caseworker follows the household they proposed for.
    told = await propose_first(bot, other, UK, 1)
    assert UK.n_("{n} proposal sent to the hosts:", "{n} proposals sent to the hosts:", 1).format(
        n=1
    ) in texts(told)
    placement = await placement_of(bot, theirs.pairs[0].offer_id)
    assert (placement.caseworker_id, placement.proposed_by) == (OTHER_CASEWORKER, OTHER_CASEWORKER)
    assert UK._("Record the arrival") in [label for m in told for label, _ in other.buttons(m)]

    caseworker_plan = await expected_plan(bot, CASEWORKER)
    assert own_households_plan(FR, 7, len(caseworker_plan.pairs)) in texts(
        await bot.user(CASEWORKER).send("/match 44")
    )
    everything = await expected_plan(bot)  # AUTRE-1 is proposed now: not waiting any more
    assert all_households_plan(UK, 8, len(everything.pairs)) in texts(
        await bot.user(COORDINATOR, "uk").send("/match 44")
    )
    assert FR._("None of the households you recorded is waiting for a place in {departement}.").format(
        departement="44") in texts(await bot.user(NEWCOMER).send("/match 44"))  # fmt: skip


async def test_silence_is_told_to_both_once_and_a_household_nobody_follows_is_not_proposed(
    bot: BotUnderTest,
) -> None:
    await territory(bot, caseworker_language="uk")
    await grant(bot, COORDINATOR, "coordinator", "44")
    expected = await expected_plan(bot)
    named = await references(bot)
    coordinator = bot.user(COORDINATOR)
    await propose_first(bot, coordinator, FR, 1)
    first = expected.pairs[0]
    where = {"offer": first.offer_id, "commune": (await stored_offer(bot, first.offer_id)).commune_name,
             "reference": named[first.household_id]}  # fmt: skip
    bot.clock.advance(hours=49)
    await bot.run_alerts()
    await bot.run_alerts()
    for user, t in ((CASEWORKER, UK), (COORDINATOR, FR)):
        lapsed = t._("The host of place #{offer} ({commune}) did not answer in time for household {reference}. The "
                     "proposal is released and the place is available again.").format(**where)  # fmt: skip
        assert texts(bot.api.bot_messages(user)).count(lapsed) == 1
    assert (await stored_offer(bot, first.offer_id)).status == "available"

    # The caseworker leaves the territory: their households have nobody to follow them, so nothing is proposed.
    async with bot.database.transaction() as session:
        await roles.revoke(session, CASEWORKER, frozenset({"44"}))
    told = texts(await propose_first(bot, coordinator, FR, 2))
    assert FR._("Not proposed, no caseworker of {departement} follows the household any more:").format(
        departement="44") in told  # fmt: skip
    assert FR.n_("{n} proposal sent to the hosts:", "{n} proposals sent to the hosts:", 0).format(n=0) in told
    async with bot.database.transaction() as session:
        assert (await session.scalars(select(MatchPlan).where(MatchPlan.user_id == COORDINATOR))).all()
        assert len((await session.scalars(select(Placement))).all()) == 1  # the lapsed one only


async def test_a_coordinator_who_is_also_the_caseworker_is_told_once(bot: BotUnderTest) -> None:
    await territory(bot)
    await grant(bot, CASEWORKER, "coordinator", "44")
    expected = await expected_plan(bot)
    caseworker = bot.user(CASEWORKER)
    assert all_households_plan(FR, 7, len(expected.pairs)) in texts(await caseworker.send("/match 44"))
    await propose_first(bot, caseworker, FR, 1)
    first = expected.pairs[0]
    placement = await placement_of(bot, first.offer_id)
    assert (placement.caseworker_id, placement.proposed_by) == (CASEWORKER, CASEWORKER)
    before = len(bot.api.bot_messages(CASEWORKER))
    await bot.user((await stored_offer(bot, first.offer_id)).host_id or 0).press(FR._("Accept"))
    assert len(bot.api.bot_messages(CASEWORKER)) == before + 1
