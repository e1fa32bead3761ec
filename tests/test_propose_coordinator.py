"""A coordinator proposes from the screens a caseworker uses ("Find places" from /waiting, "Propose" in /search),
through the real bot: the household's caseworker follows the placement, a household nobody follows is refused
politely; and two people pressing "Propose" for the same household (both told of a decline, with the next best
places) — the second is told the household has a proposal already, or, the place being taken, sees the next best."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.chat.callbacks import ProposeTo
from bot.domain.consent import DECLINE_LABELS, DeclineReason
from bot.features.casework.consent import moment
from bot.i18n import translator
from storage import households
from storage.models import Placement
from tests.casework_fixtures import accepted_user, grant, offer, stored_offer
from tests.harness import BotUnderTest, Message, texts

FR, UK = translator("fr"), translator("uk")
CASEWORKER, COORDINATOR, GONE = 600, 500, 650  # GONE recorded a household, then left the territory
HOSTS = (1001, 1002, 1003)


async def family(bot: BotUnderTest, reference: str, caseworker: int = CASEWORKER, **fields: Any) -> int:
    values = {"reference": reference, "departement": "44", "adults": 2, "children": 0, "children_ages": [],
              "situations": ["street"]} | fields  # fmt: skip
    async with bot.database.transaction() as session:
        created = await households.create(session, caseworker, values, bot.clock())
    assert created.id is not None
    return created.id


async def places(bot: BotUnderTest) -> list[int]:
    """Three available places in Loire-Atlantique, each with its host on Telegram."""
    for host in HOSTS:
        await accepted_user(bot, host)
    return [await offer(bot, host, commune, people=3) for host, commune in zip(HOSTS, ("Nantes", "Rezé", "Orvault"),
                                                                                  strict=True)]  # fmt: skip


async def all_placements(bot: BotUnderTest) -> list[Placement]:
    async with bot.database.transaction() as session:
        return list(await session.scalars(select(Placement).order_by(Placement.id)))  # type: ignore[arg-type]


def card_of(messages: list[Message], reference: str) -> Message:
    return next(m for m in messages if f" {reference} " in m["text"])


async def test_a_coordinator_proposes_from_find_places_and_search_the_caseworker_follows(
    bot: BotUnderTest,
) -> None:
    offers = await places(bot)
    await grant(bot, CASEWORKER, "caseworker", "44", language="uk")
    await grant(bot, COORDINATOR, "coordinator", "44")
    coordinator = bot.user(COORDINATOR, "fr")
    # Nobody waiting yet: "Propose" in the search results says so (a coordinator records no household).
    card = next(m for m in await coordinator.send("/search 44 2p") if m["text"].startswith("1. "))
    assert FR._("No household is waiting for a place in {departement}.").format(departement="44") in texts(
        await coordinator.press(FR._("Propose"), card)
    )
    followed = await family(bot, "DOS-1")
    await family(bot, "SEUL-2", caseworker=GONE)  # its caseworker has no role (any more) in 44

    # "Find places" from /waiting: the results propose to that household at once, as for its caseworker.
    listed = await coordinator.send("/waiting")
    found = await coordinator.press(FR._("Find places"), card_of(listed, "DOS-1"))
    first = next(m for m in found if m["text"].startswith("1. "))
    chosen = next(place for place in offers if f"#{place}" in first["text"])
    before = len(bot.api.bot_messages(CASEWORKER))
    await coordinator.press(FR._("Propose for {reference}").format(reference="DOS-1"), first)
    [placement] = await all_placements(bot)
    assert (placement.household_id, placement.offer_id) == (followed, chosen)
    assert (placement.caseworker_id, placement.proposed_by, placement.status) == (
        CASEWORKER,
        COORDINATOR,
        "proposed",
    )
    assert placement.consent_due_at is not None
    assert FR._("Offer #{offer} is held for household {reference} until {deadline}. Its host is asked whether they "
                "accept: you and the household's caseworker will be told of their answer.").format(
        offer=chosen, reference="DOS-1", deadline=moment(FR, placement.consent_due_at),
    ) in bot.api.message(COORDINATOR, first["message_id"])["text"]  # the card became the answer  # fmt: skip
    news = bot.api.bot_messages(CASEWORKER)[before:]
    assert len(news) == 1 and UK.n_(
        "A coordinator of {departement} proposed a place for your household:",
        "A coordinator of {departement} proposed places for {n} of your households:", 1,
    ).format(departement="44", n=1) in news[0]["text"]  # fmt: skip
    assert (await stored_offer(bot, chosen)).status == "reserved"

    # "Propose" in /search: the coordinator chooses among the département's waiting households (not DOS-1 any
    # more); one nobody follows is refused politely, and nothing is held.
    results = await coordinator.send("/search 44 2p")
    card = next(m for m in results if m["text"].startswith("1. "))
    free = next(place for place in offers if f"#{place}" in card["text"])
    choice = await coordinator.press(FR._("Propose"), card)
    assert FR._("Propose offer #{id} to which household?").format(id=free) in texts(choice)
    labels = [label for label, _ in coordinator.buttons(choice[-1])]
    assert [label.split(" ")[0] for label in labels] == ["SEUL-2"]
    refused = texts(await coordinator.press("SEUL-2", choice[-1]))
    assert FR._("Not proposed, no caseworker of {departement} follows the household any more:").format(
        departement="44") in refused  # fmt: skip
    assert FR._("A caseworker of the territory must follow it before a place is proposed: the host would have "
                "nobody to agree the arrival with.") in refused  # fmt: skip
    assert len(await all_placements(bot)) == 1 and (await stored_offer(bot, free)).status == "available"


async def test_the_second_of_two_pressing_propose_on_the_same_next_best_list_is_told_why(
    bot: BotUnderTest,
) -> None:
    first, second, third = await places(bot)
    await grant(bot, CASEWORKER, "caseworker", "44", language="uk")
    await grant(bot, COORDINATOR, "coordinator", "44")
    household = await family(bot, "DOS-1")
    other, last = await family(bot, "DOS-2"), await family(bot, "DOS-3")
    commune = (await stored_offer(bot, second)).commune_name
    caseworker, coordinator = bot.user(CASEWORKER, "uk"), bot.user(COORDINATOR, "fr")
    await coordinator.press_data(ProposeTo(first, household).encode())
    host = bot.user(HOSTS[0])
    await host.press(FR._("Decline"))
    await host.press(FR._(DECLINE_LABELS[DeclineReason.DATES]))
    # Both got the decline with the next best places; the caseworker proposes one, then the coordinator another.
    told = {CASEWORKER: caseworker.last(), COORDINATOR: coordinator.last()}
    await caseworker.press(UK._("Propose #{offer}").format(offer=second), told[CASEWORKER])
    proposal = next(p for p in await all_placements(bot) if p.offer_id == second)
    assert (proposal.caseworker_id, proposal.proposed_by) == (CASEWORKER, CASEWORKER)
    assert proposal.consent_due_at is not None
    waiting = FR._("A proposal for household {reference} is already waiting for the host's answer: place #{offer} "
                   "({commune}), until {deadline}.").format(reference="DOS-1", offer=second, commune=commune,
                                                             deadline=moment(FR, proposal.consent_due_at))  # fmt: skip
    for place in (third, second):  # another place of the list, or the same one: the household is the answer
        assert waiting in texts(await coordinator.press(FR._("Propose #{offer}").format(offer=place),
                                                        told[COORDINATOR]))  # fmt: skip
    assert len(await all_placements(bot)) == 2 and (await stored_offer(bot, third)).status == "available"

    # The host accepts: pressed again (by the caseworker, in Ukrainian, on a digest of new places say), the
    # household has its place already.
    await bot.user(HOSTS[1]).press(FR._("Accept"))
    answer = texts(await caseworker.press_data(ProposeTo(third, household).encode()))
    assert UK._("Household {reference} already has a place proposed or recorded: #{offer} ({commune}). See "
                "/placements.").format(reference="DOS-1", offer=second, commune=commune) in answer  # fmt: skip
    assert "✅ " + UK._("Accepted by the host") in answer
    assert len(await all_placements(bot)) == 2

    # The place itself taken (for another household a moment before): the next best for this one, as ever.
    await caseworker.press_data(ProposeTo(third, other).encode())
    taken = await coordinator.press_data(ProposeTo(third, last).encode())
    assert FR._("Offer #{offer} was proposed to another household a moment ago, or is no longer available.").format(
        offer=third) in texts(taken)  # fmt: skip
    assert FR._("Propose #{offer}").format(offer=first) in [
        label for label, _ in coordinator.buttons(taken[-1])
    ]
