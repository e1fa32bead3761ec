"""Hosts declare and manage their offers through the real bot, in French and Ukrainian."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.domain import offer_schema as schema
from bot.i18n import Translator, translator
from conversations import host_offer
from storage import offers
from storage.models import Offer, OfferEvent, OfferPhoto
from storage.models import User as UserRow
from tests.harness import BotUnderTest, Message, User, texts
from tests.hosting import Contact, Photo, Pin, Tap, Tick, declare

FR, UK = translator("fr"), translator("uk")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00" + b"\x00" * 32
)


async def registered(bot: BotUnderTest, user_id: int, t: Translator) -> User:
    user = bot.user(user_id, t.language)
    await user.send("/start")
    await user.press(t._("I accept"))
    return user


async def stored_offers(bot: BotUnderTest, host_id: int | None = None) -> list[Offer]:
    async with bot.database.transaction() as session:
        query = select(Offer) if host_id is None else select(Offer).where(Offer.host_id == host_id)
        return list(await session.scalars(query.order_by(Offer.id)))


async def events(bot: BotUnderTest, offer_id: int) -> list[OfferEvent]:
    async with bot.database.transaction() as session:
        return await offers.history(session, offer_id)


async def declare_in_french(bot: BotUnderTest, user: User) -> dict[str, list[Message]]:
    """Every question answered, a few with words rather than buttons; stops at the summary."""
    return await declare(bot, user, FR, {
        "kind": Tap("An independent flat or house"), "commune": ("saint denis", Tap("Saint-Denis (93)")),
        "address": "12 rue de la Paix", "people": "4", "beds": Tap("3"), "bedrooms": "2",
        "welcome": Tap("A family with children"), "available_from": "15/01/2027", "available_until": "dans 6 mois",
        "min_stay_days": Tap("3 months"), "step_free": Tap("Partly step-free"), "pets": Tap("Yes"),
        "children": Tap("Yes"), "smoking": Tap("No"), "equipment": Tick(("Kitchen access", "Internet")),
        "transport": Tick(("Public transport nearby",)), "languages": Tick(("Ukrainian", "English")),
        "cost": Tap("Contribution to charges"), "cost_eur": "150", "notes": "<b>Calme</b> après 22h & non-fumeur",
        "photos": (Photo(PNG), Tap("Done")), "phone": Contact("06 12 34 56 78"),
    })  # fmt: skip


async def test_full_declaration_in_french(bot: BotUnderTest) -> None:
    camille = await registered(bot, 1001, FR)
    said = await declare_in_french(bot, camille)
    [homonyms] = [
        m for m in said["commune"] if FR._("Several communes match. Which one?") in (m.get("text") or "")
    ]
    labels = [label for label, _ in camille.buttons(homonyms)]
    assert "Saint-Denis (93)" in labels and "Saint-Denis (974)" in labels
    summary = texts(said["phone"])
    assert FR._("Please check your offer:") in summary
    assert "Saint-Denis (93)" in summary
    assert "<b>Calme</b> après 22h & non-fumeur" in summary  # shown literally, not as formatting
    assert FR.n_("{n} person", "{n} people", 4).format(n=4) in summary
    assert "15 janvier 2027" in summary
    assert not any(e["type"] == "bold" and "Calme" in camille.last()["text"][e["offset"]:e["offset"] + 5]
                   for e in camille.last().get("entities") or [])  # fmt: skip
    assert await stored_offers(bot) == []  # nothing submitted before confirming

    done = texts(await camille.press(FR._("Confirm")))
    assert "/myoffers" in done and FR._("Please check your offer:") not in done
    [offer] = await stored_offers(bot, 1001)
    assert (offer.kind, offer.commune_insee, offer.departement) == ("dwelling", "93066", "93")
    assert (offer.people, offer.beds, offer.bedrooms, offer.welcome) == (4, 3, 2, "family")
    # "dans 6 mois" as the end counts from the start the host gave, not from today.
    assert (offer.available_from, offer.available_until) == (date(2027, 1, 15), date(2027, 7, 15))
    assert (offer.min_stay_days, offer.step_free, offer.pets, offer.children, offer.smoking) == (
        90, "partly", True, True, False)  # fmt: skip
    assert offer.equipment == ["kitchen", "internet"] and offer.transport == ["public_transport"]
    assert offer.languages == ["uk", "en"] and (offer.cost, offer.cost_eur) == ("charges", 150)
    assert offer.address == "12 rue de la Paix" and offer.phone == "+33612345678"
    assert offer.status == "available" and bot.clock.just_now(offer.last_confirmed_at)
    assert [e.action for e in await events(bot, offer.id)] == ["created"]  # type: ignore[arg-type]
    async with bot.database.transaction() as session:
        assert len(await offers.photos(session, offer.id)) == 1  # type: ignore[arg-type]
    # The reply keyboard asking for the contact is gone after the answer.
    assert not bot.api.reply_keyboard(1001)


async def test_full_declaration_in_ukrainian_with_a_location_pin(bot: BotUnderTest) -> None:
    t = UK
    olena = await registered(bot, 2002, t)
    said = await declare(bot, olena, t, {
        "commune": Pin(47.2184, -1.5536),  # Nantes
        "welcome": Tap("A single adult"), "available_from": "зараз", "available_until": "через 3 місяці",
        "step_free": Tap("Step-free"), "pets": "ні",  # typed answers to buttons are understood too
        "languages": Tick(("Ukrainian",)),
    })  # fmt: skip
    assert "Nantes (44)" in texts(said["commune"])
    summary = texts(said["phone"])
    assert t._("Please check your offer:") in summary
    assert "2 особи" in summary or t.n_("{n} person", "{n} people", 2).format(n=2) in summary
    assert t.n_("{n} bedroom", "{n} bedrooms", 1).format(n=1) in summary
    await olena.press(t._("Confirm"))
    [offer] = await stored_offers(bot, 2002)
    today = date(2026, 11, 22)
    assert (offer.commune_insee, offer.available_from, offer.available_until) == (
        "44109",
        today,
        date(2027, 2, 22),
    )
    assert (offer.pets, offer.phone, offer.address, offer.notes) == (False, None, None, None)


async def test_bad_answers_get_a_reason_and_the_same_question(bot: BotUnderTest) -> None:
    t = FR
    camille = await registered(bot, 1001, t)
    await camille.press(t._("I offer a place"))
    assert t._("Please choose one of the buttons.") in texts(await camille.send("un château"))
    await camille.press(t._("A room in my home"))
    assert t._("I do not know this commune. Check the spelling, or type its postal code.") in texts(
        await camille.send("Atlantis"))  # fmt: skip
    assert t._("This location is not in France. Please type the commune instead.") in texts(
        await camille.location(40.7, -74.0))  # fmt: skip
    await camille.send("44000")
    await camille.press(t._("Skip"))
    for bad, reason in [("-3", "The number cannot be negative."), ("1e9", "Please give a whole number."),
                        ("🙂", "Please answer with a number."), ("9999", "This number is too large.")]:  # fmt: skip
        replies = texts(await camille.send(bad))
        assert t._(reason) in replies and t._("How many people can you welcome?") in replies
    for answer in ("3", "3", "1"):
        await camille.send(answer)
    await camille.press(t._("No preference"))
    assert t._("I could not read this date.") in texts(await camille.send("bientôt peut-être"))
    assert t._("This day does not exist in the calendar.") in texts(await camille.send("31/02"))
    await camille.send("01/03/2027")
    replies = texts(await camille.send("15/02/2027"))
    assert t._("The end cannot be before the start.") in replies and "1er mars 2027" in replies
    await camille.send("01/04/2027")
    assert t._("This is longer than the place is available ({days}).").format(
        days=t.n_("{n} day", "{n} days", 31).format(n=31)) in texts(await camille.press(t._("3 months")))  # fmt: skip


async def test_declaration_interrupted_by_a_restart_is_finished_afterwards(bot: BotUnderTest) -> None:
    camille = await registered(bot, 1001, FR)
    await declare(bot, camille, FR, {"kind": Tap("Hotel"), "commune": "Lyon 69"}, until="address")
    # The bot stops and starts again (a fresh Application on the same database).
    await bot.restart()
    assert FR._("Welcome back! Let's continue where you left off.") in texts(await camille.send("/start"))
    await declare(bot, camille, FR, {"people": "40", "beds": "40", "bedrooms": "20", "step_free": Tap("Step-free")},
                  resume=True)  # fmt: skip
    await camille.press(FR._("Confirm"))
    [offer] = await stored_offers(bot, 1001)
    assert (offer.kind, offer.commune_name, offer.people, offer.available_until) == (
        "hotel",
        "Lyon",
        40,
        None,
    )


async def quick_offer(bot: BotUnderTest, user: User) -> Offer:
    """Declares a simple offer (used by the management tests)."""
    await declare(bot, user, FR, {"available_until": "01/06/2027"})
    await user.press(FR._("Confirm"))
    return (await stored_offers(bot, user.user_id))[-1]


async def test_myoffers_actions_change_the_offer_and_record_who_and_when(bot: BotUnderTest) -> None:
    t = FR
    camille = await registered(bot, 1001, t)
    offer = await quick_offer(bot, camille)
    assert offer.id is not None

    cards = await camille.send("/myoffers")
    assert t.n_("You have {n} offer.", "You have {n} offers.", 1).format(n=1) in texts(cards)
    assert t._("confirmed today") in texts(cards)

    bot.clock.advance(days=10)
    cards = await camille.send("/myoffers")
    assert t.n_("confirmed {n} day ago", "confirmed {n} days ago", 10).format(n=10) in texts(cards)
    await camille.press(t._("✓ Still available"))
    assert bot.clock.just_now((await stored_offers(bot))[0].last_confirmed_at)

    await camille.send("/myoffers")
    edited = await camille.press(t._("Pause"))
    assert (await stored_offers(bot))[0].status == "paused"
    assert t._("paused") in texts([camille.last()]) or edited
    await camille.press(t._("Resume"))
    assert (await stored_offers(bot))[0].status == "available"

    # Update the dates through the same questions, then confirm the summary.
    await camille.send("/myoffers")
    await camille.press(t._("Update dates"))
    await camille.send("01/02/2027")
    await camille.send("01/09/2027")
    await camille.press(t._("Skip"))  # minimum stay, asked again with the dates
    summary = texts(await camille.press(t._("Confirm")))
    assert t._("Your offer is updated.") in summary
    updated = (await stored_offers(bot))[0]
    assert (updated.available_from, updated.available_until) == (date(2027, 2, 1), date(2027, 9, 1))

    # Change one field.
    await camille.send("/myoffers")
    await camille.press(t._("Change a field"))
    await camille.press(t._("Number of people"))
    check = texts(await camille.send("5"))  # 5 people for the 2 beds of the simple offer: is that right?
    assert (
        t._("{people} for {beds}: is that right?").format(
            people=t.n_("{n} person", "{n} people", 5).format(n=5),
            beds=t.n_("{n} bed", "{n} beds", 2).format(n=2),
        )
        in check
    )
    summary = texts(await camille.press(t._("Yes, that's right")))
    assert (
        t.n_("{n} person", "{n} people", 5).format(n=5) in summary and t._("Your offer, changed:") in summary
    )
    await camille.press(t._("Confirm"))
    assert (await stored_offers(bot))[0].people == 5

    # Add two photos, remove one.
    await camille.send("/myoffers")
    await camille.press(t._("Photos"))
    await camille.photo(PNG)
    await camille.photo(PNG + b"1")
    await camille.press(t._("Remove photo {n}").format(n=1))
    await camille.press(t._("Done"))
    await camille.press(t._("Confirm"))
    async with bot.database.transaction() as session:
        photo_rows = list(await session.scalars(select(OfferPhoto).where(OfferPhoto.offer_id == offer.id)))
    assert len(photo_rows) == 1

    await camille.send("/myoffers")
    await camille.press(t._("No longer available"))
    assert (await stored_offers(bot))[0].status == "withdrawn"
    await camille.send("/myoffers")
    await camille.press(t._("Available again"))
    assert (await stored_offers(bot))[0].status == "available"

    history = await events(bot, offer.id)
    assert [e.action for e in history] == [
        "created", "confirmed", "status", "status", "confirmed", "updated", "updated", "photos", "status",
        "status", "confirmed",
    ]  # fmt: skip
    assert {e.actor_id for e in history} == {1001}
    assert bot.clock.just_now(history[1].at)
    assert history[5].detail == {"fields": ["available_from", "available_until"]}

    await camille.send("/myoffers")
    await camille.press(t._("Withdraw and delete"))
    await camille.press(t._("Yes, delete it"))
    assert await stored_offers(bot) == []


async def test_still_available_answers(bot: BotUnderTest) -> None:
    from bot.chat.messages import payload_of
    from bot.features.hosting.offers import still_available_question
    from bot.telegram.gateway import send

    camille = await registered(bot, 1001, FR)
    offer = await quick_offer(bot, camille)
    bot.clock.advance(days=15)

    async def ask() -> None:
        question = still_available_question(FR, (await stored_offers(bot))[0])
        await send(bot.application.bot, 1001, payload_of(question), None)

    await ask()
    await camille.press(FR._("Yes"), camille.last())
    assert bot.clock.just_now((await stored_offers(bot))[0].last_confirmed_at)
    await ask()
    await camille.press(FR._("Not until…"), camille.last())
    await camille.send("01/03/2027")
    await camille.send("01/09/2027")
    await camille.press(FR._("Skip"))
    await camille.press(FR._("Confirm"))
    assert (await stored_offers(bot))[0].available_from == date(2027, 3, 1)
    await ask()
    await camille.press(FR._("No longer"), camille.last())
    assert (await stored_offers(bot))[0].status == "withdrawn"
    assert offer.id is not None


async def test_a_host_only_ever_sees_their_own_offers(bot: BotUnderTest) -> None:
    camille = await registered(bot, 1001, FR)
    mine = await quick_offer(bot, camille)
    olena = await registered(bot, 2002, UK)
    assert UK._("You have no offer yet.") in texts(await olena.send("/myoffers"))
    async with bot.database.transaction() as session:
        assert await offers.of_host_by_id(session, 2002, mine.id) is None  # type: ignore[arg-type]
        assert await offers.of_host_by_id(session, 1001, mine.id) is not None  # type: ignore[arg-type]


async def test_mydata_shows_and_erases_everything(bot: BotUnderTest) -> None:
    t = FR
    camille = await registered(bot, 1001, t)
    await quick_offer(bot, camille)
    placed = await quick_offer(bot, camille)
    async with bot.database.transaction() as session:  # as if a household lived there (placements: later)
        row = await session.get(Offer, placed.id)
        assert row is not None
        row.status, row.phone, row.notes = "occupied", "+33611111111", "private"
    shown = texts(await camille.send("/mydata"))
    assert "1001" in shown and t.n_("{n} offer", "{n} offers", 2).format(n=2) in shown
    await camille.press(t._("Erase my data"))
    await camille.press(t._("Yes, erase everything"))
    assert t._("Your data is erased. Send /start if you want to use the bot again.") in texts(
        [camille.last()]
    )
    async with bot.database.transaction() as session:
        assert await session.get(UserRow, 1001) is None
    [kept] = await stored_offers(bot)
    assert (kept.id, kept.host_id, kept.phone, kept.notes, kept.people) == (placed.id, None, None, None, 2)
    assert all(e.actor_id is None for e in await events(bot, kept.id))  # type: ignore[arg-type]
    # Back to the privacy notice: nothing is stored until accepted again.
    assert t._("Do you accept? Nothing is stored until you do.") in texts(await camille.send("/myoffers"))


def test_each_question_may_be_skipped_exactly_when_the_schema_says_the_fact_is_optional() -> None:
    for fact in schema.FACTS:
        assert host_offer.step_for(fact).optional is fact.optional, fact.name
