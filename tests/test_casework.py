"""Caseworkers and coordinators through the real bot: invitations, search, reveal, qualification, placements."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import select

from bot.domain.access import Action
from bot.i18n import translator
from storage import audit, roles
from storage.models import Offer, Placement
from tests.casework_fixtures import accepted_user, anywhere_from_now, grant, household_up_to_where, offer
from tests.harness import BotUnderTest, texts

FR, UK = translator("fr"), translator("uk")
COORDINATOR, CASEWORKER, HOST, OTHER_HOST = 500, 600, 1001, 1002


async def audit_actions(bot: BotUnderTest, action: str) -> list[tuple[int | None, str]]:
    async with bot.database.transaction() as session:
        return [(event.actor_id, event.subject) for event in await audit.events(session, action)]


async def test_invitation_by_deep_link_and_by_code(bot: BotUnderTest) -> None:
    await grant(bot, COORDINATOR, "coordinator", "44")
    coordinator = bot.user(COORDINATOR, "fr")
    await coordinator.send("/invite")
    await coordinator.press(FR._("Caseworker (association)"))
    ready = texts(await coordinator.send("Secours Solidaire 44"))
    link = re.search(r"https://t\.me/(\w+)\?start=([\w-]+)", ready)
    assert link is not None, ready
    assert link.group(1) == bot.application.bot.username

    # The caseworker opens the link: /start <code>, accepts the privacy notice, and is in.
    caseworker = bot.user(CASEWORKER, "uk", "Iryna")
    await caseworker.send(f"/start {link.group(2)}")
    welcome = texts(await caseworker.press(UK._("I accept")))
    assert "Secours Solidaire 44" in welcome and "44" in welcome
    async with bot.database.transaction() as session:
        assert await roles.grants_of(session, CASEWORKER) == {"caseworker": frozenset({"44"})}
    assert UK._("Search available places (/help search for the one-line form)") in texts(
        await caseworker.send("/help")
    )

    # One-time: a second person cannot use it.
    intruder = bot.user(700, "fr")
    await intruder.send("/start")
    await intruder.press(FR._("I accept"))
    await intruder.press(FR._("I work for an association or the prefecture"))
    used = texts(await intruder.send(link.group(2)))
    assert FR._("This invitation was already used. Ask your coordinator for a new one.") in used

    # Typing a fresh code works; an expired one does not.
    await coordinator.send("/invite")
    await coordinator.press(FR._("Coordinator (DDETS)"))
    code = re.search(r"start=([\w-]+)", texts(await coordinator.send("DDETS 44")))
    assert code is not None
    bot.clock.advance(days=8)
    expired = texts(await intruder.send(code.group(1)))
    assert FR._("This invitation has expired (after 7 days). Ask your coordinator for a new one.") in expired
    assert [a for a, _ in await audit_actions(bot, audit.JOINED)] == [CASEWORKER]


async def test_members_list_and_revoke(bot: BotUnderTest) -> None:
    await grant(bot, COORDINATOR, "coordinator", "44")
    await grant(bot, CASEWORKER, "caseworker", "44", "85")
    coordinator = bot.user(COORDINATOR, "fr")
    listing = texts(await coordinator.send("/members"))
    assert (
        f"User {CASEWORKER}" in listing and "(Test)" in listing
    )  # the name as Telegram shows it, the organisation
    assert f"{FR._('caseworker')} 44" in listing
    await coordinator.press(FR._("Revoke"))
    asked = texts([coordinator.last()])  # the listing's message, replaced by the question
    assert f"User {CASEWORKER}" in asked and FR._("Yes, remove the access") in [
        b for b, _ in coordinator.buttons()
    ]
    async with bot.database.transaction() as session:
        assert await roles.grants_of(session, CASEWORKER) == {
            "caseworker": frozenset({"44", "85"})
        }  # not yet
    await coordinator.press(FR._("Yes, remove the access"))
    async with bot.database.transaction() as session:
        # Only in the coordinator's territory: 85 stays.
        assert await roles.grants_of(session, CASEWORKER) == {"caseworker": frozenset({"85"})}
        left = await roles.actor_of(session, CASEWORKER)
    assert left.user_id == CASEWORKER and left.territory(Action.PLACE) == {"85"}
    assert await audit_actions(bot, audit.REVOKED) == [(COORDINATOR, f"user:{CASEWORKER}")]
    told = texts(bot.api.bot_messages(CASEWORKER))
    assert FR._("A coordinator removed your access as caseworker or coordinator in: {departements}. "
                "Your own offers, if any, are not affected.").format(departements="44") in told  # fmt: skip


async def test_family_of_four_with_a_dog_from_search_to_placement(bot: BotUnderTest) -> None:
    """The issue's "done when": find the best place near a commune, qualify it, house the family, tell the host."""
    await accepted_user(bot, HOST, "uk")
    await accepted_user(bot, OTHER_HOST)
    dog_friendly = await offer(bot, HOST, "Rezé", people=5, pets=True)
    await offer(bot, OTHER_HOST, "Nantes", people=4, pets=False)  # nearer, but no pets
    await offer(bot, OTHER_HOST, "Saint-Herblain", people=8, pets=True)  # pets, but far too large
    await offer(bot, OTHER_HOST, "La Roche-sur-Yon", people=4, pets=True)  # another département
    await grant(bot, CASEWORKER, "caseworker", "44")
    caseworker = bot.user(CASEWORKER, "fr")

    await household_up_to_where(caseworker, FR, "DOS-2027-014", ages="4, 9")
    recorded = texts(await anywhere_from_now(caseworker, FR))
    assert "DOS-2027-014" in recorded

    results = await caseworker.send("/search 44 4p pets children near:Nantes 30km")
    shown = texts(results)
    assert FR.n_("{n} place found", "{n} places found", 2).format(n=2) in shown
    first = next(m for m in results if m["text"].startswith("1."))
    assert f"#{dog_friendly}" in first["text"] and FR._("pets accepted") in first["text"]
    assert "Roche-sur-Yon" not in shown

    revealed = texts(await caseworker.press(FR._("Contact host"), first))
    assert "+33612345678" in revealed and "3 rue des Lilas" in revealed
    assert await audit_actions(bot, audit.CONTACT_REVEALED) == [(CASEWORKER, f"offer:{dog_friendly}")]

    await caseworker.press(FR._("Qualify"), first)
    await caseworker.press(FR._("Yes"))
    await caseworker.press(FR._("Today"))
    await caseworker.press(FR._("Yes"))
    done = texts(await caseworker.send("Maison saine, jardin clos pour le chien."))
    assert FR._("Offer #{id} is qualified. Thank you.").format(id=dog_friendly) in done
    details = texts(await caseworker.press(FR._("Details"), first))
    assert FR._("Qualified") in details and "jardin clos" in details

    await caseworker.press(FR._("Propose"), first)
    proposed = texts(await caseworker.press("DOS-2027-014"))
    assert FR._("Record the arrival") in str(caseworker.buttons()) or proposed
    host_side = texts(bot.api.bot_messages(HOST))
    assert UK._("A social worker proposes your place #{offer} ({commune}) to a household:").format(
        offer=dog_friendly, commune="Rezé") in host_side  # the host is asked to consent (tests/test_consent.py)  # fmt: skip
    assert (
        UK.n_("{n} child, aged {ages}", "{n} children, aged {ages}", 2).format(n=2, ages="4, 9") in host_side
    )
    assert "DOS-2027-014" not in host_side  # the host never sees the household's reference

    await caseworker.press(FR._("Record the arrival"))
    await caseworker.press(FR._("Today"))
    await caseworker.send("22/05/2027")
    async with bot.database.transaction() as session:
        [placement] = list(await session.scalars(select(Placement)))
        placed_offer = await session.get(Offer, dog_friendly)
    assert (placement.status, placement.start_date, placement.planned_end) == ("active", date(2026, 11, 22),
                                                                               date(2027, 5, 22))  # fmt: skip
    assert placed_offer is not None and placed_offer.status == "occupied"
    assert "22 травня 2027" in texts(bot.api.bot_messages(HOST))

    listing = texts(await caseworker.send("/placements"))
    assert FR.n_("{n} day left", "{n} days left", 181).format(n=181) in listing
    await caseworker.press(FR._("Record the departure"))
    await caseworker.press(FR._("Today"))
    await caseworker.press(FR._("Rehoused (next place found)"))
    async with bot.database.transaction() as session:
        [placement] = list(await session.scalars(select(Placement)))
        placed_offer = await session.get(Offer, dog_friendly)
    assert (placement.status, placement.outcome) == ("ended", "rehoused")
    assert placed_offer is not None and placed_offer.status == "available"


async def test_guided_search_pages_five_by_five(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    for people in range(1, 13):
        await offer(bot, HOST, "Nantes", people=people + 1)
    await grant(bot, CASEWORKER, "caseworker", "44", "85")
    caseworker = bot.user(CASEWORKER, "fr")
    await caseworker.send("/search")
    await caseworker.press("44 — Loire-Atlantique")
    await caseworker.send("2")
    await caseworker.press(FR._("From now"))
    await caseworker.press(FR._("Skip"))
    await caseworker.press(FR._("Done"))
    page_one = await caseworker.press(FR._("Done"))
    cards = [m for m in page_one if re.match(r"^\d+\.", m["text"])]
    assert [m["text"].split(".")[0] for m in cards] == ["1", "2", "3", "4", "5"]
    assert FR._("Page {page} of {pages}").format(page=1, pages=3) in texts(page_one)
    # Capacity closest to the need first: a 2-place offer for 2 people.
    assert FR.n_("{n} person", "{n} people", 2).format(n=2) in cards[0]["text"]
    page_two = await caseworker.press(FR._("Next"))
    assert [m["text"].split(".")[0] for m in page_two if re.match(r"^\d+\.", m["text"])] == [
        "6",
        "7",
        "8",
        "9",
        "10",
    ]
    await caseworker.press(FR._("Next"))
    page_one_again = await caseworker.press(FR._("Previous"))
    assert FR._("Page {page} of {pages}").format(page=2, pages=3) in texts(page_one_again)
    for message in bot.api.bot_messages(CASEWORKER):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            assert all(len(b.get("callback_data", "").encode()) <= 64 for b in row)


async def test_one_line_search_errors_are_precise(bot: BotUnderTest) -> None:
    await grant(bot, CASEWORKER, "caseworker", "44")
    caseworker = bot.user(CASEWORKER, "fr")
    for line, problem, token in [
        ("44 3p frm:demain", "I do not understand “{token}”.", "frm:demain"),
        ("44 near:Atlantide 3p", "“{token}”: I do not know this commune.", "near:Atlantide"),
        ("44 3p 20km", "“{token}”: a distance needs near:COMMUNE.", "20km"),
        ("44", "How many people? Add for example 3p.", ""),
    ]:
        answer = texts(await caseworker.send(f"/search {line}"))
        assert FR._(problem).format(token=token) in answer, answer
        assert "/search 44 3p from:2027-01-10 60d pmr pets near:Nantes 20km" in answer
    ambiguous = await caseworker.send("/search 3p near:Saint-Denis")
    labels = [label for label, _ in caseworker.buttons(ambiguous[-1])]
    assert "Saint-Denis (93)" in labels and "Saint-Denis (974)" in labels
    assert "/search" in texts(await caseworker.send("/help search"))


async def test_refusals_are_polite_and_logged(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    in_44 = await offer(bot, HOST, "Nantes")
    await grant(bot, CASEWORKER, "caseworker", "85")
    outsider = bot.user(CASEWORKER, "fr")
    refusal = FR._("Sorry, this is reserved for caseworkers and coordinators of the territory concerned. "
                   "Ask your coordinator if you need it.")  # fmt: skip
    assert refusal in texts(await outsider.send("/search 44 3p"))
    host = bot.user(HOST, "fr")
    for command in ("/search 44 2p", "/invite", "/members", "/household", "/placements"):
        assert refusal in texts(await host.send(command)), command
    refused = await audit_actions(bot, audit.REFUSED)
    assert len(refused) == 6 and {actor for actor, _ in refused} == {CASEWORKER, HOST}

    # A caseworker whose role is revoked cannot use the buttons they still have.
    await grant(bot, 601, "caseworker", "44")
    former = bot.user(601, "fr")
    first = next(m for m in await former.send("/search 44 2p") if m["text"].startswith("1."))
    assert f"#{in_44}" in first["text"]
    async with bot.database.transaction() as session:
        await roles.revoke(session, 601, frozenset({"44"}))
    assert refusal in texts(await former.press(FR._("Contact host"), first))
    assert (601, "reveal_contact") in await audit_actions(bot, audit.REFUSED)
    assert await audit_actions(bot, audit.CONTACT_REVEALED) == []


def chat_menu(bot: BotUnderTest, user_id: int) -> list[str]:
    """The commands Telegram shows in one person's chat (their own menu, if the bot set one)."""
    return [c["command"] for c in bot.api.commands(scope={"type": "chat", "chat_id": user_id})]


async def test_a_dictated_code_works_and_wrong_codes_are_limited_and_logged(bot: BotUnderTest) -> None:
    await grant(bot, COORDINATOR, "coordinator", "44")
    coordinator = bot.user(COORDINATOR, "fr")
    await coordinator.send("/invite")
    await coordinator.press(FR._("Caseworker (association)"))
    ready = texts(await coordinator.send("Secours Solidaire 44"))
    code = re.search(r"\b([A-Z0-9]{5})-([A-Z0-9]{5})\b", ready)  # two groups people can read aloud
    assert code is not None and not set(code.group(1) + code.group(2)) & set("0O1IL5S2Z8B"), ready

    caseworker = bot.user(CASEWORKER, "uk")
    await caseworker.send("/start")
    await caseworker.press(UK._("I accept"))
    assert "search" not in chat_menu(bot, CASEWORKER)  # a host's menu: that of their language
    await caseworker.press(UK._("I work for an association or the prefecture"))
    for wrong in ("AAAAA-AAAAA", "hello", "CCCCC CCCCC", "DDDDDDDDDD", "EEEEE-EEEEE"):
        assert UK._("This code does not exist. Check it, or ask your coordinator for a new invitation.") in texts(
            await caseworker.send(wrong)
        )  # fmt: skip
    dictated = f"{code.group(1).lower()} {code.group(2).lower()}"  # read aloud, typed in lower case
    assert UK._("Too many wrong codes. Please wait an hour, or ask your coordinator for the link.") in texts(
        await caseworker.send(dictated)
    )
    assert len(await audit_actions(bot, audit.JOIN_FAILED)) == 5
    bot.clock.advance(hours=1, minutes=1)
    welcome = texts(await caseworker.send(dictated))
    assert "44" in welcome
    assert "search" in chat_menu(bot, CASEWORKER) and "invite" not in chat_menu(bot, CASEWORKER)


async def test_menus_follow_roles_and_a_coordinator_granted_by_command_line_lands_on_their_menu(
    bot: BotUnderTest,
) -> None:
    bot.api.add_user(COORDINATOR, "Claire", language_code="fr")
    async with bot.database.transaction() as session:  # what `logement-bot admin add-coordinator` does
        await roles.grant(session, COORDINATOR, "coordinator", "44", granted_by=None, organisation="DDETS 44")
    coordinator = bot.user(COORDINATOR, "fr")
    await coordinator.send("/start")
    menu = await coordinator.press(FR._("I accept"))
    labels = [label for label, _ in coordinator.buttons(menu[-1])]
    assert (
        FR._("Invite someone") in labels and FR._("I work for an association or the prefecture") not in labels
    )
    assert {"invite", "members", "stats", "export", "search"} <= set(chat_menu(bot, COORDINATOR))
    default = [c["command"] for c in bot.api.commands(language_code="fr")]
    assert "search" not in default and "myoffers" in default  # hosts never see /search

    await grant(bot, CASEWORKER, "caseworker", "44")
    await coordinator.send("/members")
    await coordinator.press(FR._("Revoke"))
    await coordinator.press(FR._("Yes, remove the access"))
    assert chat_menu(bot, CASEWORKER) == []  # back to the menu of their language
    await coordinator.send("/language")
    await coordinator.press("Українська")
    assert UK._("Invite a caseworker or a coordinator") in [
        c["description"] for c in bot.api.commands(scope={"type": "chat", "chat_id": COORDINATOR})
    ]
