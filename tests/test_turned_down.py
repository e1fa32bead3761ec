"""Turned down means told: the caseworker picks a reason, the host reads it kindly in their language with
buttons that work, and is no longer asked whether the offer is still available."""

from __future__ import annotations

from bot.chat.callbacks import OfferDetails, OfferQualify
from bot.chat.messages import payload_of
from bot.domain.offers import TURN_DOWN_LABELS, TURN_DOWN_TO_HOST, TurnDown
from bot.features.hosting.offers import still_available_question
from bot.i18n import Translator, translator
from bot.telegram.gateway import send
from storage import offers
from tests.casework_fixtures import accepted_user, grant, offer, stored_offer
from tests.harness import BotUnderTest, User, texts

FR, UK = translator("fr"), translator("uk")
FRENCH_HOST, UKRAINIAN_HOST, OTHER_HOST, CASEWORKER = 1001, 1002, 1003, 600
STILL_AVAILABLE = "Is your offer still available?"


def notice(t: Translator, offer_id: int, reason: TurnDown) -> list[str]:
    return [
        t._("Thank you for offering a place. After reviewing your offer #{offer} ({commune}), the association "
            "cannot propose it to households for now.").format(offer=offer_id, commune="Nantes"),
        t._("Reason: {reason}").format(reason=t._(TURN_DOWN_TO_HOST[reason])),
        t._("If something has changed, you can change your offer and ask for a new visit. You can also withdraw "
            "it. Until then, you will no longer be asked whether it is still available."),
    ]  # fmt: skip


async def turn_down(
    caseworker: User, offer_id: int, *, visited: bool, reason: TurnDown, note: str | None
) -> str:
    await caseworker.press_data(OfferQualify(offer_id).encode())
    await caseworker.press(FR._("Yes") if visited else FR._("No"))
    if visited:
        await caseworker.press(FR._("Today"))
    asked = texts(await caseworker.press(FR._("No")))  # not decent
    assert FR._("Why is the offer turned down? The host will be told this reason, kindly.") in asked
    labels = [label for label, _ in caseworker.buttons()]
    assert labels == [FR._(label) for label in TURN_DOWN_LABELS.values()]
    assert FR._("Please choose one of the buttons.") in texts(await caseworker.send("sale"))
    await caseworker.press(FR._(TURN_DOWN_LABELS[reason]))
    return texts(await (caseworker.send(note) if note else caseworker.press(FR._("Skip"))))


async def test_the_host_is_told_why_in_their_language_and_can_act(bot: BotUnderTest) -> None:
    await accepted_user(bot, FRENCH_HOST, "fr")
    await accepted_user(bot, UKRAINIAN_HOST, "uk")
    await accepted_user(bot, OTHER_HOST, "fr")
    in_french = await offer(bot, FRENCH_HOST, "Nantes")
    in_ukrainian = await offer(bot, UKRAINIAN_HOST, "Nantes")
    await offer(bot, OTHER_HOST, "Nantes")  # never turned down: asked as usual
    await grant(bot, CASEWORKER, "caseworker", "44")
    caseworker = bot.user(CASEWORKER, "fr")

    done = await turn_down(caseworker, in_ukrainian, visited=True, reason=TurnDown.NOT_AS_DESCRIBED,
                           note="Pas de salle de bain, contrairement à l'annonce.")  # fmt: skip
    assert (
        FR._("Offer #{id} is turned down: it no longer appears in searches.").format(id=in_ukrainian) in done
    )
    assert FR._("The host is told the reason and what they can do.") in done
    turned = await stored_offer(bot, in_ukrainian)
    assert (turned.qualification, turned.turned_down_reason) == ("turned_down", "not_as_described")
    async with bot.database.transaction() as session:
        [qualified] = [e for e in await offers.history(session, in_ukrainian) if e.action == "qualified"]
    assert qualified.actor_id == CASEWORKER and qualified.detail["reason"] == "not_as_described"
    details = texts(await caseworker.press_data(OfferDetails(in_ukrainian).encode()))
    assert f"{FR._('Turned down')} ({FR._('Not as described')})" in details

    told = bot.api.last_bot_message(UKRAINIAN_HOST)
    assert told is not None
    for line in notice(UK, in_ukrainian, TurnDown.NOT_AS_DESCRIBED):
        assert line in told["text"], told["text"]
    assert "salle de bain" not in told["text"]  # the caseworkers' note stays theirs
    ukrainian = bot.user(UKRAINIAN_HOST, "uk")
    assert [label for label, _ in ukrainian.buttons(told)] == [
        UK._("Change my offer and ask for a new visit"), UK._("Withdraw my offer")]  # fmt: skip

    await turn_down(caseworker, in_french, visited=False, reason=TurnDown.UNREACHABLE, note=None)
    told_in_french = bot.api.last_bot_message(FRENCH_HOST)
    assert told_in_french is not None
    for line in notice(FR, in_french, TurnDown.UNREACHABLE):
        assert line in told_in_french["text"]

    # No "still available?" for them any more; the untouched offer is still asked.
    bot.clock.advance(days=15)
    await bot.run_alerts()
    asked = {
        host: FR._(STILL_AVAILABLE) in texts(bot.api.bot_messages(host)) for host in (FRENCH_HOST, OTHER_HOST)
    }
    assert asked == {FRENCH_HOST: False, OTHER_HOST: True}
    assert UK._(STILL_AVAILABLE) not in texts(bot.api.bot_messages(UKRAINIAN_HOST))

    # The French host withdraws it with the button of the notice.
    french = bot.user(FRENCH_HOST, "fr")
    await french.press(FR._("Withdraw my offer"), told_in_french)
    assert (await stored_offer(bot, in_french)).status == "withdrawn"

    # The Ukrainian host's old "still available?" button explains again instead of confirming.
    question = still_available_question(UK, await stored_offer(bot, in_ukrainian))
    await send(bot.application.bot, UKRAINIAN_HOST, payload_of(question), None)
    again = texts(await ukrainian.press(UK._("Yes"), bot.api.last_bot_message(UKRAINIAN_HOST)))
    assert notice(UK, in_ukrainian, TurnDown.NOT_AS_DESCRIBED)[1] in again
    assert UK._("Thank you, your offer is confirmed as still available.") not in again
    card = texts(await ukrainian.send("/myoffers"))
    assert UK._("Not retained after review") in card
    assert UK._("✓ Still available") not in [label for label, _ in ukrainian.buttons()]

    # The Ukrainian host adds what was missing and asks for a new visit: the caseworker who came is told.
    await ukrainian.press(UK._("Change my offer and ask for a new visit"), told)
    await ukrainian.press(UK._("Number of people"))
    await ukrainian.send("3")
    updated = texts(await ukrainian.press(UK._("Confirm")))
    assert (
        UK._("Your offer is updated. The association is asked to visit it again; it will contact you.")
        in updated
    )
    assert (await stored_offer(bot, in_ukrainian)).people == 3
    request = bot.api.last_bot_message(CASEWORKER)
    assert request is not None
    assert FR._("The host of offer #{offer} ({commune}), turned down ({reason}), changed it and asks for a new "
                "visit.").format(offer=in_ukrainian, commune="Nantes", reason=FR._("Not as described")) in request["text"]  # fmt: skip
    assert FR._("Qualify") in [label for label, _ in caseworker.buttons(request)]
    async with bot.database.transaction() as session:
        asked_again = [
            e for e in await offers.history(session, in_ukrainian) if e.action == "new_visit_requested"
        ]
    assert [(e.actor_id, bot.clock.just_now(e.at)) for e in asked_again] == [(UKRAINIAN_HOST, True)]

    # Visited again and found right: qualified, the reason forgotten.
    await caseworker.press(FR._("Qualify"), request)
    await caseworker.press(FR._("Yes"))
    await caseworker.press(FR._("Today"))
    await caseworker.press(FR._("Yes"))
    await caseworker.press(FR._("Skip"))
    requalified = await stored_offer(bot, in_ukrainian)
    assert (requalified.qualification, requalified.turned_down_reason) == ("qualified", None)
