"""Figures people can trust, through the real bot: the spare places of a larger offer, "still available" on a
paused offer, and fewer beds than people in the host's dialogue."""

from __future__ import annotations

from sqlmodel import select

from bot.chat.messages import payload_of
from bot.features.hosting.offers import still_available_question
from bot.i18n import translator
from bot.telegram.gateway import send
from storage.models import Offer
from tests.casework_fixtures import accepted_user, grant, offer, stored_offer
from tests.harness import BotUnderTest, texts
from tests.hosting import declare, step_of

FR, UK = translator("fr"), translator("uk")
HOST, CASEWORKER = 1001, 600


async def test_a_larger_offer_says_how_many_places_are_spare(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    five = await offer(bot, HOST, "Nantes", people=5)
    await grant(bot, CASEWORKER, "caseworker", "44")
    results = await bot.user(CASEWORKER, "fr").send("/search 44 3p")
    [card] = [m["text"] for m in results if f"#{five}" in m["text"]]
    assert FR.n_("{n} place more than needed", "{n} places more than needed", 2).format(n=2) in card
    assert FR.n_("{n} place more than needed", "{n} places more than needed", 5).format(n=5) not in card


async def test_still_available_on_a_paused_offer_offers_to_resume_it(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST, "uk")
    place = await offer(bot, HOST, "Nantes")
    host = bot.user(HOST, "uk")
    bot.clock.advance(days=15)
    question = still_available_question(UK, await stored_offer(bot, place))  # asked before the host paused it
    await send(bot.application.bot, HOST, payload_of(question), None)
    asked = bot.api.last_bot_message(HOST)
    await host.send("/myoffers")
    old_card = host.last()  # shown earlier, still on the host's screen
    await host.send("/myoffers")
    await host.press(UK._("Pause"), host.last())
    paused = await stored_offer(bot, place)
    assert paused.status == "paused"
    assert UK._("✓ Still available") not in [
        label for label, _ in host.buttons(host.last())
    ]  # the card no longer offers it

    resume = UK._("Your offer #{offer} is paused: social workers do not see it. Resume it now?").format(
        offer=place
    )
    for pressed in ((UK._("Yes"), asked), (UK._("✓ Still available"), old_card)):
        answer = texts(await host.press(*pressed))
        assert (
            resume in answer and UK._("Thank you, your offer is confirmed as still available.") not in answer
        )
        assert (
            await stored_offer(bot, place)
        ).last_confirmed_at == paused.last_confirmed_at  # nothing confirmed
    await host.press(UK._("No, keep it paused"))
    assert host.last()["text"] == UK._(
        "Your offer stays paused. Resume it with /myoffers when you are ready."
    )
    assert (await stored_offer(bot, place)).status == "paused"

    await host.press(UK._("Yes"), asked)
    await host.press(UK._("Yes, resume it"))
    resumed = await stored_offer(bot, place)
    assert resumed.status == "available" and bot.clock.just_now(resumed.last_confirmed_at)
    assert UK._("✓ Still available") in [label for label, _ in host.buttons(host.last())]


async def test_fewer_beds_than_people_asks_the_host_to_confirm(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    host = bot.user(HOST, "fr")
    await host.send("/start")
    said = await declare(bot, host, FR, {"people": "5", "beds": "4"}, until="beds_check")
    question = FR._("{people} for {beds}: is that right?").format(
        people=FR.n_("{n} person", "{n} people", 5).format(n=5),
        beds=FR.n_("{n} bed", "{n} beds", 4).format(n=4),
    )
    assert question in texts(said["beds"])
    assert FR._("Please choose one of the buttons.") in texts(await host.send("4 lits"))
    assert await step_of(bot, HOST) == "beds_check"
    asked = texts(await host.press(FR._("Change the number of beds")))
    assert FR._("How many beds?") in asked
    await host.send("5")  # as many beds as people: no question
    assert await step_of(bot, HOST) == "bedrooms"

    # From the summary: a new number of people is checked again.
    await declare(bot, host, FR, resume=True)
    await host.press(FR._("Change a field"))
    await host.press(FR._("Number of people"))
    again = texts(await host.send("6"))
    assert FR._("{people} for {beds}: is that right?").format(
        people=FR.n_("{n} person", "{n} people", 6).format(n=6), beds=FR.n_("{n} bed", "{n} beds", 5).format(n=5)
    ) in again  # fmt: skip
    summary = texts(await host.press(FR._("Yes, that's right")))
    assert FR._("Please check your offer:") in summary
    await host.press(FR._("Confirm"))
    async with bot.database.transaction() as session:
        [created] = list(await session.scalars(select(Offer)))
    assert (created.people, created.beds) == (6, 5)
