"""Alerts before placements end, offer ends and freshness, through the real bot with the clock moved."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from telegram import Bot

from bot.i18n import translator
from bot.telegram.rate import Limiter
from bot.telegram.sender import Sender, queue_alerts, sweep_once
from storage import alerts, households, placements
from storage.db import Database
from storage.models import Alert, Offer, Placement
from tests.casework_fixtures import accepted_user, grant, offer
from tests.harness import BotUnderTest, texts

FR, UK = translator("fr"), translator("uk")
HOST, CASEWORKER, COORDINATOR = 1001, 600, 500


async def placed(bot: BotUnderTest, planned_end: date) -> tuple[int, int]:
    """A family of 3 in the host's place until `planned_end`; returns (placement id, offer id)."""
    await accepted_user(bot, HOST, "uk")
    await grant(bot, CASEWORKER, "caseworker", "44")
    await grant(bot, COORDINATOR, "coordinator", "44")
    async with bot.database.transaction() as session:
        from storage import users

        coordinator = await users.find(session, COORDINATOR)
        assert coordinator is not None
        await users.set_language(session, coordinator, "uk")
    place = await offer(bot, HOST, "Nantes", status="occupied")
    async with bot.database.transaction() as session:
        family = await households.create(session, CASEWORKER, {"reference": "DOS-7", "departement": "44",
                                                               "adults": 2, "children": 1}, bot.clock())  # fmt: skip
        created = await placements.create(session, family.id or 0, place, CASEWORKER, bot.clock())
        await placements.update(session, created, bot.clock(), status="active", start_date=date(2026, 11, 1),
                                planned_end=planned_end)  # fmt: skip
    assert created.id is not None
    return created.id, place


def messages_with(bot: BotUnderTest, user_id: int, fragment: str) -> list[str]:
    return [m["text"] for m in bot.api.bot_messages(user_id) if fragment in (m.get("text") or "")]


async def rows(bot: BotUnderTest) -> list[Alert]:
    async with bot.database.transaction() as session:
        return await alerts.all_alerts(session)


async def test_each_milestone_once_in_each_language(bot: BotUnderTest) -> None:
    end = date(2027, 1, 22)  # 61 days after 2026-11-22
    placement_id, place = await placed(bot, end)
    await bot.run_alerts()
    assert await rows(bot) == []

    seen = []
    for days_left in (60, 30, 14, 7, 1):
        # 08:05 in Paris on the milestone's day
        bot.clock.current = datetime(2026, 11, 22, 7, 5, tzinfo=UTC) + timedelta(
            days=(end - date(2026, 11, 22)).days - days_left
        )
        await bot.run_alerts()
        await bot.run_alerts()  # a second round adds nothing
        fr = FR.n_("A placement ends in {n} day", "A placement ends in {n} days", days_left).format(
            n=days_left
        )
        uk = UK.n_("A placement ends in {n} day", "A placement ends in {n} days", days_left).format(
            n=days_left
        )
        assert len(messages_with(bot, CASEWORKER, fr)) == 1
        assert len(messages_with(bot, COORDINATOR, uk)) == 1
        seen.append(days_left)
    host_questions = messages_with(bot, HOST, UK._("Does the stay in your place #{offer} end as planned on {date}?")
                                   .format(offer=place, date=UK.date(end)))  # fmt: skip
    assert len(host_questions) == 5
    assert {a.status for a in await rows(bot)} == {"sent"} and len(await rows(bot)) == 15
    alert_text = messages_with(bot, CASEWORKER, "DOS-7")[0]
    assert FR.date(end) in alert_text and "Nantes" in alert_text
    assert not any(a.late for a in await rows(bot))
    assert placement_id


async def test_host_answer_extends_the_placement_and_tells_the_caseworker(bot: BotUnderTest) -> None:
    end = date(2026, 12, 22)
    placement_id, _place = await placed(bot, end)
    await bot.run_alerts()  # 30 days left: milestone 30
    host = bot.user(HOST, "uk")
    await host.press(UK._("It will be extended until…"))
    assert UK._("For an extension, give a day after {date}.").format(date=UK.date(end)) in texts(
        await host.send("20/12")
    )
    await host.send("15/02/2027")
    async with bot.database.transaction() as session:
        updated = await session.get(Placement, placement_id)
    assert updated is not None and updated.planned_end == date(2027, 2, 15)
    echo = messages_with(bot, CASEWORKER, "DOS-7")[-1]
    assert FR.date(date(2027, 2, 15)) in echo
    # The next milestones follow the new date; the old alerts are not re-sent.
    before = len(await rows(bot))
    await bot.run_alerts()
    assert len(await rows(bot)) == before


async def test_caseworker_extends_from_the_alert(bot: BotUnderTest) -> None:
    placement_id, _ = await placed(bot, date(2026, 11, 29))  # 7 days left
    await bot.run_alerts()
    caseworker = bot.user(CASEWORKER, "fr")
    await caseworker.press(FR._("Extend until…"))
    await caseworker.send("31/01/2027")
    async with bot.database.transaction() as session:
        updated = await session.get(Placement, placement_id)
    assert updated is not None and updated.planned_end == date(2027, 1, 31)
    assert UK._("The stay in your place #{offer} is now planned until {end}.").split("#")[0] in texts(
        bot.api.bot_messages(HOST)
    )


async def test_restart_between_due_and_sending_and_late_marking(bot: BotUnderTest) -> None:
    await placed(bot, date(2026, 12, 22))
    assert await sweep_once(bot.database, bot.clock) == 3  # recorded: caseworker, coordinator, host
    await bot.restart()
    bot.clock.advance(days=3)  # the bot was down meanwhile
    await bot.run_alerts()
    sent = await rows(bot)
    assert {a.status for a in sent} == {"sent"} and all(a.late for a in sent)
    assert len(messages_with(bot, CASEWORKER, "DOS-7")) == 1
    assert (
        FR._("(Sent late: the bot was unavailable at the planned time.)")
        in messages_with(bot, CASEWORKER, "DOS-7")[0]
    )


async def test_two_processes_sweeping_and_sending_at_once_send_each_alert_once(bot: BotUnderTest) -> None:
    await placed(bot, date(2026, 12, 22))
    # A second "process": its own database engine and its own Bot client.
    other_database = Database(bot.database.url)
    other_bot = Bot(bot.settings.token, base_url=bot.api.bot_base_url)
    await other_bot.initialize()
    try:

        async def round_in(database: Database, client: Bot, holder: str) -> None:
            await sweep_once(database, bot.clock, holder)
            await queue_alerts(database, bot.clock)
            await Sender(database, client, bot.clock, Limiter()).drain()

        await asyncio.gather(round_in(bot.database, bot.application.bot, "a"), round_in(other_database, other_bot, "b"),
                             round_in(bot.database, bot.application.bot, "a"))  # fmt: skip
        await asyncio.gather(
            round_in(other_database, other_bot, "b"), round_in(bot.database, bot.application.bot, "a")
        )
    finally:
        await other_bot.shutdown()
        await other_database.close()
    recorded = await rows(bot)
    assert len(recorded) == 3 and {a.status for a in recorded} == {"sent"}
    assert len(messages_with(bot, CASEWORKER, "DOS-7")) == 1
    assert len(messages_with(bot, COORDINATOR, "DOS-7")) == 1
    assert len(bot.api.bot_messages(HOST)) == 1


async def test_429_and_500_are_retried_and_blocked_users_reported(bot: BotUnderTest) -> None:
    await placed(bot, date(2026, 12, 22))
    bot.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    bot.api.fail_next("sendMessage", 500, "Internal Server Error", count=2)
    bot.api.block_bot(HOST)
    await bot.run_alerts()
    statuses = sorted(a.status for a in await rows(bot))
    assert "queued" in statuses  # the failed ones wait in the outbox for their retry
    for _ in range(8):
        bot.clock.advance(minutes=2)
        await bot.run_alerts()
    final = {a.recipient_id: a for a in await rows(bot)}
    assert final[CASEWORKER].status == "sent" and final[COORDINATOR].status == "sent"
    assert final[HOST].status == "undeliverable" and "blocked" in (final[HOST].last_error or "").lower()
    assert len(messages_with(bot, CASEWORKER, "DOS-7")) == 1  # no duplicate after the retries
    coordinator = bot.user(COORDINATOR, "uk")
    overview = texts(await coordinator.send("/alerts"))
    assert UK.n_("<b>{n} undeliverable alert</b>", "<b>{n} undeliverable alerts</b>", 1).format(n=1).replace(
        "<b>", "").replace("</b>", "") in overview  # fmt: skip
    assert UK._("End of stay: question to the host") in overview and "host_end" not in overview


async def test_quiet_hours_wait_for_the_morning(bot: BotUnderTest) -> None:
    bot.clock.current = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)  # 22:30 in Paris, 30 days before the end
    await placed(bot, date(2026, 12, 23))  # recorded late in the evening
    await bot.run_alerts()
    assert {a.status for a in await rows(bot)} == {"pending"}
    assert messages_with(bot, CASEWORKER, "DOS-7") == []
    bot.clock.current = datetime(2026, 11, 24, 6, 59, tzinfo=UTC)  # 07:59 in Paris
    await bot.run_alerts()
    assert messages_with(bot, CASEWORKER, "DOS-7") == []
    bot.clock.current = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 08:00
    await bot.run_alerts()
    assert len(messages_with(bot, CASEWORKER, "DOS-7")) == 1
    assert not any(a.late for a in await rows(bot))


async def test_unanswered_offer_goes_stale_and_one_tap_brings_it_back(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    place = await offer(bot, HOST, "Nantes", people=2)
    await grant(bot, CASEWORKER, "caseworker", "44")
    caseworker = bot.user(CASEWORKER, "fr")
    bot.clock.advance(days=14)
    await bot.run_alerts()
    assert len(messages_with(bot, HOST, FR._("Is your offer still available?"))) == 1
    bot.clock.advance(days=7, minutes=1)
    await bot.run_alerts()
    async with bot.database.transaction() as session:
        stale = await session.get(Offer, place)
    assert stale is not None and stale.stale_since is not None
    assert FR.n_("{n} place found", "{n} places found", 0).format(n=0) in texts(
        await caseworker.send("/search 44 2p")
    )
    await grant(bot, COORDINATOR, "coordinator", "44")
    assert "44: 1" in texts(await bot.user(COORDINATOR, "fr").send("/alerts"))

    host = bot.user(HOST, "fr")
    await host.press(FR._("Yes"), bot.api.last_bot_message(HOST))
    async with bot.database.transaction() as session:
        fresh = await session.get(Offer, place)
    assert fresh is not None and fresh.stale_since is None
    assert FR.n_("{n} place found", "{n} places found", 1).format(n=1) in texts(
        await caseworker.send("/search 44 2p")
    )


async def test_vacant_offer_ending_asks_the_host(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    place = await offer(bot, HOST, "Nantes", available_until=date(2026, 11, 29))
    await bot.run_alerts()
    host = bot.user(HOST, "fr")
    asked = messages_with(bot, HOST, "#" + str(place))
    assert len(asked) == 1 and FR.date(date(2026, 11, 29)) in asked[0]
    await host.press(FR._("Extend"), bot.api.last_bot_message(HOST))
    await host.send("31/03/2027")
    await host.press(FR._("Skip"))
    await host.press(FR._("Confirm"))
    async with bot.database.transaction() as session:
        extended = await session.get(Offer, place)
    assert extended is not None and extended.available_until == date(2027, 3, 31)


async def test_weekly_digest_on_monday_morning(bot: BotUnderTest) -> None:
    await placed(bot, date(2026, 12, 10))
    coordinator = bot.user(COORDINATOR, "uk")
    await coordinator.send("/digest on")
    await bot.run_alerts()  # Sunday: no digest
    assert messages_with(bot, COORDINATOR, "DOS-7 —") == []
    bot.clock.current = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris
    await bot.run_alerts()
    await bot.run_alerts()
    digests = messages_with(bot, COORDINATOR, "DOS-7 —")
    assert len(digests) == 1
    async with bot.database.transaction() as session:
        kinds = [a.kind for a in await alerts.all_alerts(session)]
    assert kinds.count("digest") == 1


async def test_handled_updates_and_sent_messages_are_forgotten_after_two_days(bot: BotUnderTest) -> None:
    from sqlalchemy import func, select

    from storage.models import InboxUpdate, OutboxMessage

    await bot.user(HOST, "fr").send("/start")

    async def remembered() -> int:
        async with bot.database.transaction() as session:
            updates = await session.scalar(select(func.count()).select_from(InboxUpdate))
            messages = await session.scalar(select(func.count()).select_from(OutboxMessage))
            return int(updates or 0) + int(messages or 0)

    assert await remembered() == 2
    bot.clock.advance(days=1)
    await bot.run_alerts()
    assert await remembered() == 2
    bot.clock.advance(days=1, minutes=1)
    await bot.run_alerts()
    assert await remembered() == 0


async def test_an_alert_sent_on_the_last_day_says_today_not_in_0_days(bot: BotUnderTest) -> None:
    await placed(bot, date(2026, 11, 23))  # the 1-day milestone is due on the morning of the 22nd
    bot.clock.advance(days=1)  # the bot was down: sent late, on the 23rd
    await bot.run_alerts()
    said = " ".join(messages_with(bot, CASEWORKER, "DOS-7"))
    assert FR._("A placement ends today") in said
    assert FR.n_("A placement ends in {n} day", "A placement ends in {n} days", 0).format(n=0) not in said
