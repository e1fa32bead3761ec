"""Offers an organisation manages have keepers: the "still available?" round as one message per keeper, stale
offers without an answer, keepers named by coordinators, and re-importing the organisation's updated file,
through the real bot (and the sandbox)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from bot.chat.callbacks import KeeperConfirm, KeeperSet
from bot.domain.keepers import organisation_ref
from bot.i18n import translator
from bot.sandbox.chat import ChatSession
from bot.sandbox.run import MovableClock, sandbox_commands
from storage import offers
from storage.models import Alert, Offer, OfferEvent
from tests.casework_fixtures import grant, offer_fields
from tests.harness import BotUnderTest, Message, texts
from tests.test_import_sync import FIRST, HEADERS
from tests.test_importing import csv_bytes

FR, UK = translator("fr"), translator("uk")
COORDINATOR, OTHER_COORDINATOR, COORDINATOR_85, KEEPER, CASEWORKER = 500, 501, 502, 600, 601
ORGANISATION = "Croix-Rouge 44"
ROUND = FR._("<b>Still available?</b> Nobody has confirmed these offers for a while. Tap ✓ for each one still "
             "available, ✗ for one that is not, or confirm them all. Without an answer within {n} days, they "
             "leave the default search.").format(n=7)  # fmt: skip
ROUND_START = re.sub("<[^>]+>", "", ROUND)[:40]  # as the stand-in shows it (tags are entities)
REFUSAL = FR._("Sorry, this is reserved for caseworkers and coordinators of the territory concerned. "
               "Ask your coordinator if you need it.")  # fmt: skip
NEXT_MORNING = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)  # 14 days after the import, 08:30 in Paris


async def send_file(bot: BotUnderTest, user_id: int, rows: list[list[str]], name: str = "offres.csv", *,
                    known: bool = False) -> list[Message]:  # fmt: skip
    """A coordinator sends the organisation's file and answers up to the preview (`known`: by tapping the
    organisation, which already manages offers there)."""
    user = bot.user(user_id, "fr")
    await user._after(bot.api.send_document(user_id, csv_bytes([HEADERS, *rows]), name))
    await (user.press(ORGANISATION) if known else user.send(ORGANISATION))
    return await user.press(FR._("Continue"))


async def by_source(bot: BotUnderTest) -> dict[str, Offer]:
    async with bot.database.transaction() as session:
        return {o.source_id or "": o for o in await session.scalars(select(Offer).order_by(col(Offer.id)))}


def rounds(bot: BotUnderTest, user_id: int) -> list[Message]:
    return [m for m in bot.api.bot_messages(user_id) if ROUND_START in (m.get("text") or "")]


async def search_count(bot: BotUnderTest) -> int:
    answer = texts(await bot.user(CASEWORKER, "fr").send("/search 44 2p"))
    return next(n for n in range(50) if found(n) in answer)


def found(n: int) -> str:
    return FR.n_("{n} place found", "{n} places found", n).format(n=n)


async def test_the_importer_gets_one_message_listing_the_offers_and_unanswered_ones_go_stale(
    bot: BotUnderTest,
) -> None:
    for user_id, role in (
        (COORDINATOR, "coordinator"),
        (OTHER_COORDINATOR, "coordinator"),
        (CASEWORKER, "caseworker"),
    ):
        await grant(bot, user_id, role, "44")
    coordinator = bot.user(COORDINATOR, "fr")
    await send_file(bot, COORDINATOR, FIRST)
    await coordinator.press(FR._("Import"))
    offered = await by_source(bot)
    assert {o.imported_by for o in offered.values()} == {COORDINATOR}

    bot.clock.advance(days=14)
    await bot.run_alerts()
    assert rounds(bot, COORDINATOR) == []  # the round comes in the morning
    bot.clock.current = NEXT_MORNING
    await bot.run_alerts()
    await bot.run_alerts()
    [message] = rounds(bot, COORDINATOR)
    assert all(f"#{o.id}" in message["text"] for o in offered.values()) and ORGANISATION in message["text"]
    labels = [label for label, _ in coordinator.buttons(message)]
    assert labels == [
        label for o in offered.values() for label in (f"✓ #{o.id} {o.commune_name}", f"✗ #{o.id}")
    ] + [FR._("✓ All still available")]
    assert rounds(bot, OTHER_COORDINATOR) == []  # the importer is still coordinator here: they keep them

    edited = await coordinator.press(f"✓ #{offered['A-1'].id} ", message)
    assert FR._("✓ #{offer} confirmed as still available.").format(offer=offered["A-1"].id) in texts(edited)
    shown = bot.api.message(COORDINATOR, message["message_id"])
    listing = shown["text"].split("\n", 1)[1]  # under the note
    assert f"#{offered['A-1'].id} " not in listing and f"#{offered['A-2'].id} " in listing
    assert len(coordinator.buttons(shown)) == 3 * 2 + 1
    confirmed = await by_source(bot)
    assert bot.clock.just_now(confirmed["A-1"].last_confirmed_at)
    async with bot.database.transaction() as session:
        history = await offers.history(session, offered["A-1"].id or 0)
    assert (history[-1].action, history[-1].actor_id) == ("confirmed", COORDINATOR)

    bot.clock.advance(days=7, minutes=1)
    await bot.run_alerts()
    stale = {source for source, o in (await by_source(bot)).items() if o.stale_since is not None}
    assert stale == {"A-2", "A-3", "A-4"}
    assert await search_count(bot) == 1  # out of the default search
    overview = texts(await coordinator.send("/alerts"))
    assert "44: 3 (" + FR._("{n} managed by organisations").format(n=3) + ")" in overview

    await coordinator.press(
        FR._("✓ All still available"), bot.api.message(COORDINATOR, message["message_id"])
    )
    assert FR.n_("✓ {n} offer confirmed as still available. Thank you!",
                 "✓ {n} offers confirmed as still available. Thank you!", 3).format(n=3) in texts(
        [bot.api.message(COORDINATOR, message["message_id"])])  # fmt: skip
    assert all(o.stale_since is None for o in (await by_source(bot)).values())
    assert await search_count(bot) == 4


async def test_named_keepers_answer_instead_of_the_importer_and_others_are_refused(bot: BotUnderTest) -> None:
    await grant(bot, COORDINATOR, "coordinator", "44")
    await grant(bot, COORDINATOR_85, "coordinator", "85")
    await grant(bot, KEEPER, "caseworker", "44", language="uk")
    await grant(bot, CASEWORKER, "caseworker", "44")
    coordinator, keeper = bot.user(COORDINATOR, "fr"), bot.user(KEEPER, "uk")
    await send_file(bot, COORDINATOR, FIRST)
    await coordinator.press(FR._("Import"))
    offered = await by_source(bot)

    listing = texts(await coordinator.send("/keepers"))
    assert ORGANISATION in listing and FR.n_("<b>{organisation}</b> ({departement}): {n} offer, {stale} stale",
        "<b>{organisation}</b> ({departement}): {n} offers, {stale} stale", 4).format(
        organisation=ORGANISATION, departement="44", n=4, stale=0).replace("<b>", "").replace("</b>", "") in listing  # fmt: skip
    await coordinator.press(FR._("Name a keeper"))
    assert {f"#{KEEPER}", f"#{CASEWORKER}"} <= {label.split(" ")[0] for label, _ in coordinator.buttons()}
    await coordinator.press(f"#{KEEPER} ")  # the list becomes the organisation's card
    assert FR._("Keepers: {people}").format(people=f"#{KEEPER}") in texts([coordinator.last()])
    assert UK._("You now answer “still available?” for the offers that {organisation} manages in "
                "{departement}: they come as one message listing them, with a button for each.").format(
        organisation=ORGANISATION, departement="44") in texts(bot.api.bot_messages(KEEPER))  # fmt: skip

    # Others may not name keepers nor answer for these offers.
    ref = organisation_ref("44", ORGANISATION)
    assert REFUSAL in texts(await bot.user(CASEWORKER, "fr").send("/keepers"))
    assert REFUSAL in texts(
        await bot.user(COORDINATOR_85, "fr").press_data(KeeperSet("name", "44", ref, CASEWORKER).encode())
    )
    assert REFUSAL in texts(
        await bot.user(CASEWORKER, "fr").press_data(KeeperConfirm(offered["A-1"].id or 0).encode())
    )

    bot.clock.current = NEXT_MORNING
    await bot.run_alerts()
    assert rounds(bot, COORDINATOR) == []
    [message] = [m for m in bot.api.bot_messages(KEEPER) if "✓ #" in str(m.get("reply_markup"))]
    assert UK._("✓ All still available") in [label for label, _ in keeper.buttons(message)]
    await keeper.press(f"✗ #{offered['A-2'].id}", message)
    asked = bot.api.message(KEEPER, message["message_id"])  # the same message, ✗ asked again
    await keeper.press(UK._("#{offer}: no longer available").format(offer=offered["A-2"].id), asked)
    await keeper.press(UK._("✓ All still available"), bot.api.message(KEEPER, message["message_id"]))
    after = await by_source(bot)
    assert after["A-2"].status == "withdrawn" and all(
        after[s].status == "available" for s in ("A-1", "A-3", "A-4")
    )
    assert all(bot.clock.just_now(after[s].last_confirmed_at) for s in ("A-1", "A-3", "A-4"))
    async with bot.database.transaction() as session:
        events = list(await session.scalars(select(OfferEvent).where(col(OfferEvent.actor_id) == KEEPER)))
    assert sorted(e.action for e in events) == ["confirmed", "confirmed", "confirmed", "status"]

    # Removed, the keeper is told; the next round goes to the importer again.
    await coordinator.send("/keepers")
    await coordinator.press(FR._("Remove #{user}").format(user=KEEPER))
    assert UK._("You no longer answer “still available?” for the offers that {organisation} manages in "
                "{departement}.").format(organisation=ORGANISATION, departement="44") in texts(bot.api.bot_messages(KEEPER))  # fmt: skip
    bot.clock.current = NEXT_MORNING + timedelta(days=15)  # confirmed after 08:00: asked the next morning
    await bot.run_alerts()
    assert len(rounds(bot, COORDINATOR)) == 1


async def test_a_keeper_with_many_offers_gets_them_in_messages_within_telegrams_limits(
    bot: BotUnderTest,
) -> None:
    await grant(bot, COORDINATOR, "coordinator", "44")
    long_name = "Association départementale d'accueil et d'hébergement des personnes déplacées " * 2
    async with bot.database.transaction() as session:
        for n in range(45):
            created = Offer(**offer_fields("Saint-Sébastien-sur-Loire", notes=f"n° {n}"), host_id=None,
                            status="available", created_at=bot.clock(), updated_at=bot.clock(),
                            last_confirmed_at=bot.clock(), managed_by=long_name.strip(), imported_by=COORDINATOR,
                            source_id=f"DOSSIER-2026-{n:05d}-" + "x" * 60)  # fmt: skip
            session.add(created)
    bot.clock.current = NEXT_MORNING
    await bot.run_alerts()
    await bot.run_alerts()
    sent = rounds(bot, COORDINATOR)
    assert len(sent) == 3 and all(f"({page}/3)" in m["text"] for page, m in enumerate(sent, start=1))
    assert all(len(m["text"]) <= 4096 and len(bot.user(COORDINATOR).buttons(m)) <= 100 for m in sent)
    listed = re.findall(r"#(\d+) ", " ".join(m["text"] for m in sent))
    assert len(listed) == len(set(listed)) == 45
    async with bot.database.transaction() as session:
        statuses = [
            a.status for a in await session.scalars(select(Alert).where(Alert.kind == "keeper_round"))
        ]
    assert statuses == ["sent"] * 45  # every alert of each message marked sent with it

    # "All still available" from a message Telegram no longer gives back: every offer still asked.
    await bot.user(COORDINATOR, "fr").press_data(KeeperConfirm("all").encode())
    assert all(bot.clock.just_now(o.last_confirmed_at) for o in (await by_source(bot)).values())


async def test_reimport_previews_updates_creations_and_withdrawals(bot: BotUnderTest) -> None:
    await grant(bot, COORDINATOR, "coordinator", "44")
    coordinator = bot.user(COORDINATOR, "fr")
    await send_file(bot, COORDINATOR, FIRST)
    await coordinator.press(FR._("Import"))
    before = await by_source(bot)
    bot.clock.advance(days=20)

    corrected = [
        FIRST[0],
        ["A-2", "Rezé", "44400", "6", "01/12/2026", "31/05/2027"],
        ["A-5", "Saint-Nazaire", "44600", "2", "01/01/2027", ""],
    ]
    preview = texts(await send_file(bot, COORDINATOR, corrected, "offres-corrigees.csv", known=True))
    for expected in (
        FR.n_("{n} offer to import", "{n} offers to import", 1).format(n=1),
        FR.n_("{n} offer imported before, to update", "{n} offers imported before, to update", 1).format(n=1),
        f"#{before['A-2'].id} ({FR._('line {line}').format(line=3)}, {FR._('id {id}').format(id='A-2')}) — "
        f"{FR._('Number of people')}",
        FR.n_("{n} offer unchanged (confirmed as still available)",
              "{n} offers unchanged (confirmed as still available)", 1).format(n=1),
        FR.n_("{n} offer of this organisation absent from the file",
              "{n} offers of this organisation absent from the file", 2).format(n=2),
        f"#{before['A-3'].id} ({FR._('id {id}').format(id='A-3')}) — Clisson",
    ):  # fmt: skip
        assert expected in preview, expected
    assert await by_source(bot) == before  # nothing written before the choice
    done = texts(await coordinator.press(FR._("Import: the file is complete (withdraw {n} offer)")[:30]))
    assert FR.n_("{n} offer absent from the file, marked as no longer available.",
                 "{n} offers absent from the file, marked as no longer available.", 2).format(n=2) in done  # fmt: skip
    after = await by_source(bot)
    assert after["A-2"].people == 6 and after["A-2"].id == before["A-2"].id
    assert {s: o.status for s, o in after.items()} == {"A-1": "available", "A-2": "available", "A-3": "withdrawn",
                                                         "A-4": "withdrawn", "A-5": "available"}  # fmt: skip
    assert bot.clock.just_now(after["A-1"].last_confirmed_at)  # the unchanged row is a confirmation
    assert after["A-5"].imported_by == COORDINATOR


async def test_in_the_sandbox_a_coordinator_reimports_a_corrected_file(
    bot: BotUnderTest, tmp_path: Path
) -> None:
    output: list[str] = []
    commands = sandbox_commands(bot.runtime, bot.database, MovableClock(), bot.api)
    chat = ChatSession(
        bot.api, output.append, user_id=COORDINATOR, reply_timeout=10.0, extra_commands=commands
    )
    first, corrected = tmp_path / "offres.csv", tmp_path / "offres-corrigees.csv"
    first.write_bytes(csv_bytes([HEADERS, *FIRST]))
    corrected.write_bytes(csv_bytes([HEADERS, FIRST[0], ["A-2", "Rezé", "44400", "6", "01/12/2026", ""]]))
    for line in ("/start", "#1", ":grant coordinator 44", f":file {first}", ORGANISATION, "#1", "#1",
                 f":file {corrected}", ORGANISATION, "#1"):  # fmt: skip
        await chat.handle_line(line)
    shown = "\n".join(output)
    assert FR.n_("{n} offer imported.", "{n} offers imported.", 4).format(n=4) in shown
    assert (
        FR.n_("{n} offer imported before, to update", "{n} offers imported before, to update", 1).format(n=1)
        in shown
    )
    assert FR.n_("{n} offer of this organisation absent from the file",
                 "{n} offers of this organisation absent from the file", 2).format(n=2) in shown  # fmt: skip
    assert FR._("Import: the file is partial (keep them)") in shown
    await chat.handle_line("#2")  # partial: the absent offers are kept
    assert {o.status for o in (await by_source(bot)).values()} == {"available"}
