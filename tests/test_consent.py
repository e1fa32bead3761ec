"""The host consents, through the real bot: "Propose" asks the host (in their language, never the household's
reference), who accepts, declines with a reason, asks to be called, or says nothing until the deadline (reminded
half way); the caseworker is told, with the next best places when the proposal is released; /stats counts it."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from sqlmodel import select

from bot.chat.callbacks import ConsentAnswer, ProposeTo
from bot.domain.consent import DECLINE_LABELS, DeclineReason
from bot.features.casework.consent import moment
from bot.i18n import translator
from storage import audit, households
from storage.models import Alert, Placement, PlacementEvent
from tests.casework_fixtures import accepted_user, grant, offer, stored_offer
from tests.harness import BotUnderTest, User, texts

FR, UK = translator("fr"), translator("uk")
HOST, OTHER_HOST, CASEWORKER, OTHER_CASEWORKER, COORDINATOR = 1001, 1002, 600, 601, 500


async def family(
    bot: BotUnderTest, reference: str = "DOS-1", caseworker: int = CASEWORKER, **fields: Any
) -> int:
    values = {"reference": reference, "departement": "44", "adults": 2, "children": 2, "children_ages": [4, 9],
              "pets": True} | fields  # fmt: skip
    async with bot.database.transaction() as session:
        created = await households.create(session, caseworker, values, bot.clock())
    assert created.id is not None
    return created.id


async def placement_of(bot: BotUnderTest, offer_id: int) -> Placement:
    async with bot.database.transaction() as session:
        found = await session.scalar(select(Placement).where(Placement.offer_id == offer_id))
    assert found is not None
    return found


async def proposed(bot: BotUnderTest, host_language: str = "fr", caseworker_language: str = "fr",
                   household: dict[str, Any] | None = None, **offer_fields: Any) -> tuple[User, User, int, int]:  # fmt: skip
    """A caseworker of 44 proposed HOST's place to a family of 2 adults and 2 children with a pet, by the search
    and "Propose": (caseworker, host, offer id, household id)."""
    await accepted_user(bot, HOST, host_language)
    place = await offer(bot, HOST, "Nantes", pets=True, **offer_fields)
    await grant(bot, CASEWORKER, "caseworker", "44", language=caseworker_language)
    household_id = await family(bot, **(household or {}))
    caseworker, t = bot.user(CASEWORKER, caseworker_language), translator(caseworker_language)
    results = await caseworker.send("/search 44 4p pets children")
    card = next(m for m in results if f"#{place}" in m["text"] and m["text"].startswith("1."))
    await caseworker.press(t._("Propose"), card)
    await caseworker.press("DOS-1")
    return caseworker, bot.user(HOST, host_language), place, household_id


async def test_the_host_is_asked_in_their_language_accepts_and_the_caseworker_records_the_arrival(
    bot: BotUnderTest,
) -> None:
    caseworker, host, place, _ = await proposed(
        bot, host_language="uk", household={"wanted_from": date(2026, 12, 1), "stay_days": 90}
    )
    placement = await placement_of(bot, place)
    assert placement.consent_due_at == placement.created_at + timedelta(hours=48)  # the default deadline
    assert (await stored_offer(bot, place)).status == "reserved"  # held meanwhile
    told = texts(bot.api.bot_messages(CASEWORKER))
    assert FR._("Offer #{offer} is held for household {reference} until {deadline}. Its host is asked whether "
                "they accept: you will be told of their answer.").format(
        offer=place, reference="DOS-1", deadline=moment(FR, placement.consent_due_at)) in told  # fmt: skip

    question = host.last()
    assert UK._("A social worker proposes your place #{offer} ({commune}) to a household:").format(
        offer=place, commune="Nantes") in question["text"]  # fmt: skip
    assert UK.n_("{n} adult", "{n} adults", 2).format(n=2) in question["text"]
    assert (
        UK.n_("{n} child, aged {ages}", "{n} children, aged {ages}", 2).format(n=2, ages="4, 9")
        in question["text"]
    )
    assert UK._("a pet") in question["text"]
    assert UK._("from {date}").format(date=UK.date(date(2026, 12, 1))) + ", " + UK.n_(
        "for {n} day", "for {n} days", 90).format(n=90) in question["text"]  # fmt: skip
    assert moment(UK, placement.consent_due_at) in question["text"]
    assert "DOS-1" not in texts(bot.api.bot_messages(HOST))  # never the household's reference
    assert [label for label, _ in host.buttons(question)] == [
        UK._("Accept"), UK._("Decline"), UK._("Ask the social worker to call me")]  # fmt: skip

    bot.clock.advance(hours=5)
    answered = await host.press(UK._("Accept"), question)
    assert UK._("Thank you! The social worker will contact you to arrange the arrival.") in texts(answered)
    accepted = caseworker.last()
    assert FR._("The host of place #{offer} ({commune}) accepts household {reference}. Agree the arrival with "
                "them, then record it.").format(offer=place, commune="Nantes", reference="DOS-1") in accepted["text"]  # fmt: skip
    placement = await placement_of(bot, place)
    assert placement.host_answer == "accepted" and placement.status == "proposed"
    assert placement.host_answered_at is not None and bot.clock.just_now(placement.host_answered_at)
    assert placement.id is not None
    again = await host.press_data(
        ConsentAnswer("decline", placement.id).encode()
    )  # an old copy of the question
    assert UK._("You have already answered this proposal. Thank you!") in texts(again)

    await caseworker.press(FR._("Record the arrival"), accepted)
    await caseworker.press(FR._("Today"))
    await caseworker.send("22/05/2027")
    assert (await placement_of(bot, place)).status == "active"
    assert (await stored_offer(bot, place)).status == "occupied"
    await bot.run_alerts()  # nothing is due any more: no reminder, no lapse
    async with bot.database.transaction() as session:
        assert list(await session.scalars(select(Alert))) == []


async def test_a_declined_proposal_frees_the_place_tells_the_reason_and_shows_the_next_best(
    bot: BotUnderTest,
) -> None:
    caseworker, host, place, _ = await proposed(bot, caseworker_language="uk")
    await accepted_user(bot, OTHER_HOST)
    other = await offer(bot, OTHER_HOST, "Rezé", pets=True)
    unsuitable = await offer(bot, OTHER_HOST, "Rezé", pets=False)  # refuses pets: never a next best

    stated = FR._("arrival date to be agreed") + ", " + FR._("length of stay to be agreed")
    assert stated in host.last()["text"]  # nobody said when: never invented
    asked = await host.press(FR._("Decline"))
    assert FR._(
        "Why do you decline? The social worker will read it, and it helps to propose better."
    ) in texts(asked)
    assert [label for label, _ in host.buttons()] == [FR._(label) for label in DECLINE_LABELS.values()]
    assert (await stored_offer(bot, place)).status == "reserved"  # not declined until a reason is given
    await host.press(FR._(DECLINE_LABELS[DeclineReason.TOO_MANY]))
    assert FR._("Noted, thank you. Your place #{offer} is available again: pause it with /myoffers if you need a "
                "break.").format(offer=place) in host.last()["text"]  # fmt: skip

    assert (await stored_offer(bot, place)).status == "available"
    placement = await placement_of(bot, place)
    assert (placement.status, placement.host_answer, placement.decline_reason) == (
        "cancelled",
        "declined",
        "too_many",
    )
    told = caseworker.last()
    assert UK._("The host of place #{offer} ({commune}) declines household {reference}: {reason}. The place is "
                "available again.").format(offer=place, commune="Nantes", reference="DOS-1",
                                           reason=UK._("Too many people")) in told["text"]  # fmt: skip
    assert UK._("Next best places for household {reference}:").format(reference="DOS-1") in told["text"]
    offered = [label for label, _ in caseworker.buttons(told)]
    assert UK._("Propose #{offer}").format(offer=other) in offered
    assert (
        UK._("Propose #{offer}").format(offer=place) not in offered
    )  # its host just declined this household
    assert f"#{unsuitable}" not in told["text"]

    await caseworker.press(UK._("Propose #{offer}").format(offer=other), told)
    assert (await stored_offer(bot, other)).status == "reserved"
    assert f"#{other}" in bot.user(OTHER_HOST).last()["text"]
    async with bot.database.transaction() as session:
        events = list(
            await session.scalars(select(PlacementEvent).where(PlacementEvent.action == "host_declined"))
        )
    assert [(event.actor_id, event.placement_id) for event in events] == [(HOST, placement.id)]


async def test_silence_a_reminder_half_way_then_the_place_is_released_once(bot: BotUnderTest) -> None:
    caseworker, host, place, _ = await proposed(bot)
    await accepted_user(bot, OTHER_HOST)
    other = await offer(bot, OTHER_HOST, "Rezé", pets=True)
    question = host.last()
    placement = await placement_of(bot, place)
    assert placement.consent_due_at is not None

    bot.clock.advance(hours=23)
    await bot.run_alerts()
    assert host.last()["message_id"] == question["message_id"]  # not yet half way
    bot.clock.advance(hours=1, minutes=1)
    await bot.run_alerts()
    reminder = host.last()
    assert FR._("Reminder: a social worker is waiting for your answer.") in reminder["text"]
    assert moment(FR, placement.consent_due_at) in reminder["text"] and "DOS-1" not in reminder["text"]
    await bot.run_alerts()
    assert host.last()["message_id"] == reminder["message_id"]  # reminded once

    before = len(bot.api.bot_messages(CASEWORKER))
    bot.clock.advance(hours=24)
    await bot.run_alerts()
    assert (await stored_offer(bot, place)).status == "available"
    placement = await placement_of(bot, place)
    assert (placement.status, placement.host_answer) == ("cancelled", "timed_out")
    new = bot.api.bot_messages(CASEWORKER)[before:]
    assert len(new) == 1
    assert FR._("The host of place #{offer} ({commune}) did not answer in time for household {reference}. The "
                "proposal is released and the place is available again.").format(
        offer=place, commune="Nantes", reference="DOS-1") in new[0]["text"]  # fmt: skip
    assert FR._("Propose #{offer}").format(offer=other) in [label for label, _ in caseworker.buttons(new[0])]
    await bot.run_alerts()
    assert len(bot.api.bot_messages(CASEWORKER)) == before + 1  # told once

    late = await host.press(FR._("Accept"), question)
    assert FR._("Thank you for answering. This proposal has lapsed: its deadline passed without an answer, and "
                "your place #{offer} is available again.").format(offer=place) in texts(late)  # fmt: skip
    assert len(bot.api.bot_messages(CASEWORKER)) == before + 1  # the caseworker knew already
    assert (await placement_of(bot, place)).host_answer == "timed_out"


async def test_an_answer_after_the_deadline_before_any_sweep_releases_the_place_and_is_told_kindly(
    bot: BotUnderTest,
) -> None:
    _, host, place, _ = await proposed(bot, host_language="uk", caseworker_language="uk")
    question = host.last()
    bot.clock.advance(hours=48, minutes=5)
    late = await host.press(UK._("Accept"), question)
    assert UK._("Thank you for answering. This proposal has lapsed: its deadline passed without an answer, and "
                "your place #{offer} is available again.").format(offer=place) in texts(late)  # fmt: skip
    assert (await stored_offer(bot, place)).status == "available"
    told = texts(bot.api.bot_messages(CASEWORKER))
    lapsed = UK._("The host of place #{offer} ({commune}) did not answer in time for household {reference}. The "
                  "proposal is released and the place is available again.").format(
        offer=place, commune="Nantes", reference="DOS-1")  # fmt: skip
    assert told.count(lapsed) == 1
    await bot.run_alerts()  # the sweep finds nothing left to release nor to say
    assert texts(bot.api.bot_messages(CASEWORKER)).count(lapsed) == 1
    assert (await placement_of(bot, place)).host_answer == "timed_out"


async def test_call_me_gives_the_caseworker_the_contact_logged_and_keeps_the_proposal_waiting(
    bot: BotUnderTest,
) -> None:
    caseworker, host, place, _ = await proposed(bot)
    question = host.last()
    asked = await host.press(FR._("Ask the social worker to call me"), question)
    placement = await placement_of(bot, place)
    assert placement.consent_due_at is not None
    assert FR._("The social worker is asked to call you. Your place stays held until {deadline}: answer above "
                "once you have talked.").format(deadline=moment(FR, placement.consent_due_at)) in texts(asked)  # fmt: skip
    call = caseworker.last()["text"]
    assert FR._("The host of place #{offer} ({commune}) asks you to call them about household {reference} before "
                "answering. The place stays held until {deadline}.").format(
        offer=place, commune="Nantes", reference="DOS-1", deadline=moment(FR, placement.consent_due_at)) in call  # fmt: skip
    assert "+33612345678" in call
    async with bot.database.transaction() as session:
        revealed = [
            (e.actor_id, e.subject, e.detail.get("asked_by"))
            for e in await audit.events(session, audit.CONTACT_REVEALED)
        ]
    assert revealed == [(CASEWORKER, f"offer:{place}", "host")]
    assert (placement.status, placement.host_answer) == ("proposed", None)
    assert (await stored_offer(bot, place)).status == "reserved"

    again = await host.press(FR._("Ask the social worker to call me"), question)
    assert FR._("The social worker was already asked to call you.") in texts(again)
    async with bot.database.transaction() as session:
        assert len(await audit.events(session, audit.CONTACT_REVEALED)) == 1
    await host.press(FR._("Accept"), question)
    assert (await placement_of(bot, place)).host_answer == "accepted"


async def test_a_button_of_someone_else_s_proposal_or_a_forged_one_is_refused_politely(
    bot: BotUnderTest,
) -> None:
    _, host, place, _ = await proposed(bot)
    placement = await placement_of(bot, place)
    assert placement.id is not None
    await accepted_user(bot, OTHER_HOST)
    stranger = bot.user(OTHER_HOST)
    for data in (ConsentAnswer("accept", placement.id).encode(), ConsentAnswer("accept", 99999).encode(),
                 f"hc:accept:{placement.id}x", f"hcd:bored:{placement.id}"):  # fmt: skip
        refused = await stranger.press_data(data)
        assert FR._("This button is no longer active.") in texts(refused)
    refused = await host.press_data(f"hcd:bored:{placement.id}")
    assert FR._("This button is no longer active.") in texts(refused)
    placement = await placement_of(bot, place)
    assert (placement.status, placement.host_answer) == ("proposed", None)


async def test_two_caseworkers_proposing_the_same_place_at_once_one_wins_the_other_sees_the_next_best(
    bot: BotUnderTest,
) -> None:
    await accepted_user(bot, HOST)
    await accepted_user(bot, OTHER_HOST)
    place = await offer(bot, HOST, "Nantes", pets=True)
    other = await offer(bot, OTHER_HOST, "Rezé", pets=True)
    await grant(bot, CASEWORKER, "caseworker", "44")
    await grant(bot, OTHER_CASEWORKER, "caseworker", "44", language="uk")
    families = {
        CASEWORKER: await family(bot, "DOS-1"),
        OTHER_CASEWORKER: await family(bot, "DOS-2", OTHER_CASEWORKER),
    }
    users = {CASEWORKER: bot.user(CASEWORKER, "fr"), OTHER_CASEWORKER: bot.user(OTHER_CASEWORKER, "uk")}
    await asyncio.gather(*(users[who].press_data(ProposeTo(place, families[who]).encode()) for who in users))

    async with bot.database.transaction() as session:
        [won] = list(await session.scalars(select(Placement)))
    loser = OTHER_CASEWORKER if won.caseworker_id == CASEWORKER else CASEWORKER
    t = FR if loser == CASEWORKER else UK
    told = users[loser].last()
    assert t._("Offer #{offer} was proposed to another household a moment ago, or is no longer available.").format(
        offer=place) in told["text"]  # fmt: skip
    assert t._("Propose #{offer}").format(offer=other) in [label for label, _ in users[loser].buttons(told)]
    questions = [m for m in bot.api.bot_messages(HOST) if FR._("Accept") in str(m.get("reply_markup"))]
    assert len(questions) == 1  # the host is asked once
    await users[loser].press(t._("Propose #{offer}").format(offer=other), told)
    assert (await stored_offer(bot, other)).status == "reserved"


async def test_an_offer_an_organisation_manages_is_reserved_at_once_and_the_caseworker_told_why(
    bot: BotUnderTest,
) -> None:
    await grant(bot, CASEWORKER, "caseworker", "44")
    async with bot.database.transaction() as session:
        managed = await offer_of_organisation(session, bot)
    household = await family(bot)
    done = await bot.user(CASEWORKER).press_data(ProposeTo(managed, household).encode())
    assert FR._("Offer #{offer} is reserved for household {reference}. It is managed by {organisation}, not by a "
                "host on Telegram: agree the arrival with them, then record it.").format(
        offer=managed, reference="DOS-1", organisation="Asso Toit") in texts(done)  # fmt: skip
    placement = await placement_of(bot, managed)
    assert (placement.consent_due_at, (await stored_offer(bot, managed)).status) == (None, "reserved")
    bot.clock.advance(days=3)
    await bot.run_alerts()
    assert (
        await placement_of(bot, managed)
    ).status == "proposed"  # no deadline: agreed with the organisation


async def offer_of_organisation(session: Any, bot: BotUnderTest) -> int:
    from storage import offers
    from tests.casework_fixtures import offer_fields

    created = await offers.create(session, None, offer_fields("Nantes", pets=True), [], bot.clock())  # type: ignore[arg-type]
    created.status, created.managed_by = "available", "Asso Toit"
    assert created.id is not None
    return created.id


async def test_the_deadline_is_set_per_departement_and_stats_show_the_outcomes(bot: BotUnderTest) -> None:
    await grant(bot, COORDINATOR, "coordinator", "44", language="uk")
    coordinator = bot.user(COORDINATOR, "uk")
    for wrong in ("/consent", "/consent 44", "/consent 44 0", "/consent 44 500", "/consent 99X 12"):
        refused = texts(await coordinator.send(wrong))
        assert UK._("Write the département then a number of hours ({low} to {high}), for example: /consent 44 48").format(
            low=1, high=168) in refused  # fmt: skip
    set_to = texts(await coordinator.send("/consent 44 12"))
    assert UK.n_("{departement}: hosts have {n} hour to accept or decline a proposal; they are reminded half way.",
                 "{departement}: hosts have {n} hours to accept or decline a proposal; they are reminded half way.",
                 12).format(departement="44", n=12) in set_to  # fmt: skip
    assert UK.n_("{departement}: hosts answer a proposal within {n} hour.",
                 "{departement}: hosts answer a proposal within {n} hours.", 12).format(departement="44", n=12) in texts(
        await coordinator.send("/alerts"))  # fmt: skip

    caseworker, host, place, _ = await proposed(bot)
    placement = await placement_of(bot, place)
    assert placement.consent_due_at == placement.created_at + timedelta(hours=12)
    bot.clock.advance(hours=2)
    await host.press(FR._("Accept"))  # answered in 2 hours

    await accepted_user(bot, OTHER_HOST)
    declined, silent = await offer(bot, OTHER_HOST, "Rezé"), await offer(bot, OTHER_HOST, "Orvault")
    other_host = bot.user(OTHER_HOST)
    await caseworker.press_data(
        ProposeTo(declined, await family(bot, "DOS-2", children=0, children_ages=[], pets=False)).encode()
    )
    bot.clock.advance(hours=4)
    await other_host.press(FR._("Decline"))
    await other_host.press(FR._(DECLINE_LABELS[DeclineReason.DATES]))  # answered in 4 hours
    await caseworker.press_data(
        ProposeTo(silent, await family(bot, "DOS-3", children=0, children_ages=[], pets=False)).encode()
    )
    bot.clock.advance(hours=13)
    await bot.run_alerts()
    assert (await placement_of(bot, silent)).host_answer == "timed_out"

    stats = texts(await coordinator.send("/stats"))
    assert UK._("<b>Proposals to hosts</b>: {accepted} accepted, {declined} declined, {timed_out} without an answer "
                "in time").format(accepted=1, declined=1, timed_out=1).replace("<b>", "").replace("</b>", "") in stats  # fmt: skip
    assert UK._("Acceptance rate: {rate}; median time to a host's answer: {time}").format(
        rate=UK._("{percent}%").format(percent=33), time=UK.n_("{n} hour", "{n} hours", 3).format(n=3)) in stats  # fmt: skip
    assert (
        UK._("Declines by reason: {reasons}").format(reasons=UK._("The dates do not suit") + " (1)") in stats
    )


async def test_an_arrival_recorded_before_the_host_answered_or_a_withdrawal_ends_the_question(
    bot: BotUnderTest,
) -> None:
    caseworker, host, place, _ = await proposed(bot)
    question = host.last()
    await caseworker.press(FR._("Record the arrival"))  # agreed with the host by phone
    await caseworker.press(FR._("Today"))
    await caseworker.send("22/05/2027")
    await caseworker.send("/placements")
    await caseworker.press(FR._("Undo the arrival"))
    await caseworker.press(FR._("Yes, undo the arrival"))  # a proposal again, no longer waiting for the host
    bot.clock.advance(hours=49)
    await bot.run_alerts()
    placement = await placement_of(bot, place)
    assert (placement.status, placement.host_answer, placement.consent_due_at) == ("proposed", None, None)
    assert (await stored_offer(bot, place)).status == "reserved"
    late = await host.press(FR._("Accept"), question)
    assert FR._("This proposal no longer waits for an answer: it was withdrawn, or the household has "
                "arrived.") in texts(late)  # fmt: skip

    await caseworker.send("/placements")
    await caseworker.press(FR._("Withdraw the proposal"))
    assert (await stored_offer(bot, place)).status == "available"
    assert FR._("The proposal for your place #{offer} was withdrawn. The place is available again.").format(
        offer=place) in host.last()["text"]  # fmt: skip
    again = await host.press(FR._("Decline"), question)
    assert FR._("This proposal no longer waits for an answer: it was withdrawn, or the household has "
                "arrived.") in texts(again)  # fmt: skip
