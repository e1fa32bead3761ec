"""New places reach the households that need them, through the real bot: when an offer becomes available (new,
freed by a decline, confirmed again after being stale), the caseworker of the waiting households it fits gets one
digest with "Propose" buttons, at most one an hour, never at night, never for another territory."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from bot.chat.callbacks import ProposeTo, StillAvailable
from bot.domain.consent import DECLINE_LABELS, DeclineReason
from bot.i18n import translator
from storage import offers
from storage.models import Alert, Offer
from tests.casework_fixtures import accepted_user, grant, offer
from tests.harness import BotUnderTest, Message
from tests.test_consent import family  # a waiting household of 2 adults and 2 children with a pet, in 44

FR, UK = translator("fr"), translator("uk")
HOST, OTHER_HOST, CASEWORKER, OTHER_CASEWORKER = 1001, 1002, 600, 601


def digests(bot: BotUnderTest, user_id: int, t: Any = FR) -> list[Message]:
    """The new-places digests the user received."""
    heads = (t.n_("<b>A new place</b> for your waiting households:", "<b>{n} new places</b> for your waiting "
                  "households:", n).format(n=n) for n in (1, 2, 3))  # fmt: skip
    plain = [head.replace("<b>", "").replace("</b>", "") for head in heads]
    return [m for m in bot.api.bot_messages(user_id) if any(m["text"].startswith(head) for head in plain)]


async def caseworker_with_two_families(bot: BotUnderTest, language: str = "fr") -> tuple[int, int]:
    await grant(bot, CASEWORKER, "caseworker", "44", language=language)
    await accepted_user(bot, HOST)
    return await family(bot, "DOS-1"), await family(bot, "DOS-2", children=0, children_ages=[])


async def test_a_new_place_fitting_two_households_is_one_digest_and_propose_asks_the_host(
    bot: BotUnderTest,
) -> None:
    first, second = await caseworker_with_two_families(bot)
    place = await offer(bot, HOST, "Nantes", pets=True)
    await bot.run_alerts()
    [digest] = digests(bot, CASEWORKER)
    text = digest["text"]
    assert f"#{place} · Nantes (44)" in text
    assert "DOS-1" in text and "DOS-2" in text
    assert "+33612345678" not in text and "rue des Lilas" not in text  # nothing of the host's own
    assert FR._("Why: {reasons}").split("{")[0] in text
    caseworker = bot.user(CASEWORKER)
    labels = [label for label, _ in caseworker.buttons(digest)]
    # best fit first: 4 people in a place for 4 before 2 people in it
    assert labels[:2] == [FR._("Propose #{offer} for {reference}").format(offer=place, reference=reference)
                          for reference in ("DOS-1", "DOS-2")]  # fmt: skip
    assert dict(caseworker.buttons(digest))[labels[0]] == ProposeTo(place, first).encode()
    assert dict(caseworker.buttons(digest))[labels[1]] == ProposeTo(place, second).encode()

    await bot.run_alerts()  # a second sweep adds nothing
    assert len(digests(bot, CASEWORKER)) == 1

    await caseworker.press(labels[1], digest)
    question = bot.user(HOST).last()
    assert FR._("A social worker proposes your place #{offer} ({commune}) to a household:").format(
        offer=place, commune="Nantes") in question["text"]  # fmt: skip
    assert "DOS-2" not in question["text"]


async def test_at_most_one_digest_an_hour_the_places_gathered_into_the_next(bot: BotUnderTest) -> None:
    await caseworker_with_two_families(bot)
    first = await offer(bot, HOST, "Nantes", pets=True)
    await bot.run_alerts()
    assert len(digests(bot, CASEWORKER)) == 1
    bot.clock.advance(minutes=20)
    second = await offer(bot, HOST, "Rezé", pets=True)
    await bot.run_alerts()
    bot.clock.advance(minutes=30)
    third = await offer(bot, HOST, "Saint-Herblain", pets=True)
    await bot.run_alerts()
    bot.clock.advance(minutes=9)
    await bot.run_alerts()
    assert len(digests(bot, CASEWORKER)) == 1  # 59 minutes after the first
    bot.clock.advance(minutes=1, seconds=5)
    await bot.run_alerts()
    sent = digests(bot, CASEWORKER)
    assert len(sent) == 2
    assert f"#{second} ·" in sent[1]["text"] and f"#{third} ·" in sent[1]["text"]
    assert f"#{first} ·" not in sent[1]["text"]
    assert FR.n_("<b>A new place</b> for your waiting households:", "<b>{n} new places</b> for your waiting "
                 "households:", 2).format(n=2).replace("<b>", "").replace("</b>", "") in sent[1]["text"]  # fmt: skip
    assert FR._("(Sent late: the bot was unavailable at the planned time.)") not in sent[1]["text"]


async def test_a_place_freed_by_a_decline_reaches_the_other_waiting_household(bot: BotUnderTest) -> None:
    await grant(bot, CASEWORKER, "caseworker", "44")
    await accepted_user(bot, HOST)
    place = await offer(bot, HOST, "Nantes", pets=True)
    declined = await family(bot, "DOS-1")
    caseworker, host = bot.user(CASEWORKER), bot.user(HOST)
    await caseworker.press_data(ProposeTo(place, declined).encode())  # before any sweep: held, not announced
    await family(bot, "DOS-2")
    await bot.run_alerts()
    assert digests(bot, CASEWORKER) == []  # reserved

    bot.clock.advance(hours=2)
    await host.press(FR._("Decline"))
    await host.press(FR._(DECLINE_LABELS[DeclineReason.DATES]))
    await bot.run_alerts()
    [digest] = digests(bot, CASEWORKER)
    assert f"#{place} ·" in digest["text"] and "DOS-2" in digest["text"]
    assert "DOS-1" not in digest["text"]  # its host declined that household


async def test_a_stale_place_confirmed_again_is_announced(bot: BotUnderTest) -> None:
    await caseworker_with_two_families(bot)
    place = await offer(bot, HOST, "Nantes", pets=True)
    async with bot.database.transaction() as session:
        stale = await session.get(Offer, place)
        assert stale is not None
        stale.stale_since = bot.clock()
        await offers.record(session, place, None, "stale", bot.clock())
    await bot.run_alerts()
    assert digests(bot, CASEWORKER) == []  # stale: not in the search

    bot.clock.advance(hours=3)
    await bot.user(HOST).press_data(StillAvailable(place, "yes").encode())
    await bot.run_alerts()
    [digest] = digests(bot, CASEWORKER)
    assert f"#{place} ·" in digest["text"]


async def test_a_place_fitting_nobody_or_another_territory_says_nothing(bot: BotUnderTest) -> None:
    await caseworker_with_two_families(bot)
    await grant(bot, OTHER_CASEWORKER, "caseworker", "35")
    await family(bot, "REN-1", caseworker=OTHER_CASEWORKER, departement="35")
    await offer(bot, HOST, "Nantes", pets=False)  # the families have a pet
    await bot.run_alerts()
    assert digests(bot, CASEWORKER) == []
    async with bot.database.transaction() as session:
        assert list(await session.scalars(select(Alert).where(Alert.kind == "new_places"))) == []

    await offer(bot, HOST, "Nantes", pets=True)  # it fits a household of 44 only
    await bot.run_alerts()
    assert len(digests(bot, CASEWORKER)) == 1
    assert bot.api.bot_messages(OTHER_CASEWORKER) == []  # 35: not their territory


async def test_quiet_hours_then_the_morning_in_ukrainian(bot: BotUnderTest) -> None:
    await caseworker_with_two_families(bot, language="uk")
    bot.clock.current = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)  # 22:30 in Paris
    place = await offer(bot, HOST, "Nantes", pets=True)
    await bot.run_alerts()
    assert digests(bot, CASEWORKER, UK) == []
    bot.clock.current = datetime(2026, 11, 23, 6, 59, tzinfo=UTC)  # 07:59
    await bot.run_alerts()
    assert digests(bot, CASEWORKER, UK) == []
    bot.clock.current = datetime(2026, 11, 23, 7, 0, 5, tzinfo=UTC)  # 08:00
    await bot.run_alerts()
    [digest] = digests(bot, CASEWORKER, UK)
    assert f"#{place} ·" in digest["text"]
    assert UK._("(Sent late: the bot was unavailable at the planned time.)") not in digest["text"]
    labels = [label for label, _ in bot.user(CASEWORKER, "uk").buttons(digest)]
    assert UK._("Propose #{offer} for {reference}").format(offer=place, reference="DOS-1") in labels
