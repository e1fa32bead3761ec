"""Nothing lost, nothing twice, nobody waits for someone else: the bot through Telegram's failures and ours."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot import routes
from bot.chat.messages import Reply
from bot.features.casework.consent import moment
from bot.i18n import translator
from bot.sandbox.botapi import FakeBotApi
from bot.telegram.pipeline import FloodRule, owed
from bot.telegram.rate import Limiter
from bot.telegram.sender import LEASE, RENEW_EVERY, Sender
from storage import invitations, outbox
from storage.db import Database
from storage.models import InboxUpdate, Offer, OutboxMessage, Placement, RoleGrant, User
from tests.casework_fixtures import accepted_user, anywhere_from_now, grant, offer
from tests.harness import BotUnderTest, texts
from tests.processes import start_bot, stop, wait_until
from tests.test_dialogues_restart import process_logs
from tests.test_webhook import SECRET, free_port, post, text_update

ids = itertools.count(90_000)


def update_from(user: int, *, text: str | None = None, data: str | None = None) -> dict[str, Any]:
    """An update as Telegram would post it: `user` types `text`, or presses a button carrying `data`."""
    sender = {"id": user, "is_bot": False, "first_name": f"User {user}", "language_code": "fr"}
    if data is not None:
        return {"update_id": next(ids), "callback_query": {"id": str(next(ids)), "from": sender,
                                                           "chat_instance": "1", "data": data}}  # fmt: skip
    assert text is not None
    message: dict[str, Any] = {"message_id": next(ids), "date": int(time.time()), "text": text, "from": sender,
                               "chat": {"id": user, "type": "private", "first_name": sender["first_name"]}}  # fmt: skip
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(ids), "message": message}


async def webhook_ready(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(200):
        try:
            if await post(session, url, update_from(1, text="/help")) == 200:
                return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError(url)


FR = translator("fr")
HOST, CASEWORKER, OTHER_CASEWORKER, COORDINATOR = 1001, 600, 601, 500


async def count(database: Database, model: type, *where: object) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


# --------------------------------------------------------------------------- Telegram errors on the way out


async def test_502_and_429_on_replies_delay_them_but_lose_none(bot: BotUnderTest) -> None:
    """A 502 on a dialogue reply: the same question comes once the Bot API answers, and the next answer
    answers that question (not the one after). A 429: retried after the time Telegram asks."""
    camille = bot.user(HOST, "fr")
    await camille.send("/start")
    bot.api.fail_next("editMessageText", 502)
    bot.api.fail_next("sendMessage", 502, count=2)
    bot.api.fail_next("sendMessage", 429, retry_after=1)
    replies = await camille.press(FR._("I accept"))
    said = texts(replies)
    assert FR._("What would you like to do?") in said
    assert said.count(FR._("What would you like to do?")) == 1  # once
    await camille.press(FR._("I offer a place"))
    question = texts(await camille.press(FR._("A room in my home")))
    assert (
        FR._("In which commune is the place? Type its name or postal code, or share a location.") in question
    )


async def test_a_message_on_its_way_longer_than_its_lease_stays_claimed_by_its_sender(
    bot: BotUnderTest,
) -> None:
    """Telegram answers a send late, after the claim's lease would have run out: the sender renews the claim,
    so no other process takes the message and sends it a second time meanwhile."""
    await accepted_user(bot, HOST)
    before = len(bot.api.bot_messages(HOST))
    bot.api.delay_next("sendMessage", 1.5, chat_id=HOST)
    answering = asyncio.create_task(bot.user(HOST, "fr").send("/help"))

    async def claim() -> datetime | None:
        async with bot.database.transaction() as session:
            return await session.scalar(
                select(OutboxMessage.claimed_until).where(OutboxMessage.status == "pending")
            )

    async def claimed() -> bool:
        return await claim() is not None

    await wait_async(claimed)  # the reply is on its way, claimed by this process's sender
    bot.clock.advance(seconds=LEASE.total_seconds() + 5)
    bot.runtime.sender.wake.set()

    async def renewed() -> bool:
        until = await claim()
        return until is not None and until > bot.clock()

    await wait_async(renewed)  # still this sender's, though its first lease ran out
    async with bot.database.transaction() as session:  # what another process's sender would take: nothing
        assert await outbox.claim_heads(session, bot.clock(), 10, LEASE) == []
    await answering
    assert len(bot.api.bot_messages(HOST)) == before + 1  # sent once


class _RolledBack(Exception):
    """Ends a transaction a test looked into, leaving nothing behind."""


async def test_an_older_message_of_a_chat_waits_for_the_one_on_its_way(bot: BotUnderTest) -> None:
    """On PostgreSQL another process can commit a notice to a chat while this one writes its reply to it, already
    claimed: the notice, older, is not sent beside the reply on its way but after it (one message of a chat at a
    time, so they arrive in the order they leave)."""
    await accepted_user(bot, HOST)
    now = bot.clock()
    with pytest.raises(
        _RolledBack
    ):  # in one transaction that nobody else sees, the bot's own sender included
        async with bot.database.transaction() as session:
            await outbox.add(session, owed([Reply("notice")], HOST, None, None), now)
            reply = await outbox.add_claimed(
                session, owed([Reply("reply")], HOST, None, None)[0], now, now + LEASE
            )
            assert await outbox.claim_heads(session, now, 10, LEASE) == []
            await outbox.mark_sent(session, [reply.id or 0], now)
            (notice,) = await outbox.claim_heads(session, now, 10, LEASE)
            assert notice.payload["text"] == "notice"
            raise _RolledBack


async def test_a_send_retried_in_a_round_that_renews_claims_waits_its_backoff_not_a_lease(
    bot: BotUnderTest,
) -> None:
    """A 502 recorded in the very round that renews the claims on their way: the message is free again after
    its backoff (a second), not held for a lease as if it were still on its way."""
    await accepted_user(bot, HOST)
    sender = Sender(bot.database, bot.runtime.bot, bot.clock, Limiter(0))  # a second sender, driven by hand
    now = bot.clock()
    async with bot.database.transaction() as session:
        message = await outbox.add_claimed(session, owed([Reply("…")], HOST, None, None)[0], now, now + LEASE)
    sender._claimed.add(message.id or 0)  # on its way, as `take` records it
    bot.api.fail_next("sendMessage", 502)
    sender._outcomes.append(await sender._send(message))
    assert sender._renewed < now - RENEW_EVERY  # this round renews the claims on their way
    await sender.round()
    async with bot.database.transaction() as session:
        row = await session.get(OutboxMessage, message.id)
    assert row is not None and row.attempts == 1 and row.claimed_until is None
    assert row.next_attempt_at < now + timedelta(seconds=5)  # its backoff: about a second


async def wait_async(condition: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Poll an asynchronous condition until it holds; fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "the condition never held"
        await asyncio.sleep(0.02)


async def test_a_notice_to_a_host_survives_a_502_and_the_caseworker_is_told_it_is_done(
    bot: BotUnderTest,
) -> None:
    await accepted_user(bot, HOST)
    await grant(bot, CASEWORKER, "caseworker", "44")
    place = await offer(bot, HOST, "Nantes")
    caseworker = bot.user(CASEWORKER, "fr")
    await caseworker.send("/household")
    await caseworker.send("DOS-1")
    await caseworker.send("2")
    await caseworker.send("0")
    await caseworker.press(FR._("Done"))
    await caseworker.press(FR._("Done"))
    await anywhere_from_now(caseworker, FR)
    await caseworker.press_data(f"op:{place}")
    bot.api.fail_next("sendMessage", 502, count=3)  # the host's notice among them
    bot.api.fail_next("editMessageText", 502)
    await caseworker.press("DOS-1")
    async with bot.database.transaction() as session:
        [proposal] = list(await session.scalars(select(Placement)))
    assert proposal.consent_due_at is not None
    done = FR._("Offer #{offer} is held for household {reference} until {deadline}. Its host is asked whether they "
                "accept: you will be told of their answer.").format(
        offer=place, reference="DOS-1", deadline=moment(FR, proposal.consent_due_at))  # fmt: skip
    assert texts(bot.api.bot_messages(CASEWORKER)).count(done) == 1  # the pressed one, edited
    notices = [m for m in bot.api.bot_messages(HOST) if f"#{place}" in (m.get("text") or "")]
    assert len(notices) == 1  # told once, after the 502s


async def test_a_csv_export_arrives_whole_under_telegram_s_limits(bot: BotUnderTest) -> None:
    await grant(bot, COORDINATOR, "coordinator", "44")
    await accepted_user(bot, HOST)
    await offer(bot, HOST, "Nantes")
    bot.api.enforce_limits(per_second_overall=30, per_chat_per_second=1)
    try:
        replies = await bot.user(COORDINATOR, "fr").send("/export csv")
    finally:
        bot.api.disable_limits()
    files = [m for m in replies if m.get("document")]
    assert len(files) == 4  # offers, placements, households, alerts: none lost to the 429s
    names = [m["document"]["file_name"] for m in files]
    assert len(set(names)) == 4
    first = bot.api.file_bytes(files[0]["document"]["file_id"]).decode("utf-8-sig")
    assert next(iter(csv.reader(io.StringIO(first), delimiter=";")))[0] == FR._("Offer no.")


async def test_an_export_is_made_out_of_the_update_and_retried_if_making_it_fails(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a coordinator's workbook is being written, a host is answered; a first failure to write it
    delays the file, it does not lose it."""
    await grant(bot, COORDINATOR, "coordinator", "44")
    await accepted_user(bot, HOST)
    await offer(bot, HOST, "Nantes")
    making, finish = asyncio.Event(), asyncio.Event()
    calls = 0
    real = routes.MAKERS["export"]

    async def slow_then_real(database: Database, args: dict[str, Any]) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("disk full")
        making.set()
        await finish.wait()
        return await real(database, args)

    monkeypatch.setitem(routes.MAKERS, "export", slow_then_real)
    coordinator = bot.user(COORDINATOR, "fr")
    exported = asyncio.create_task(coordinator.send("/export"))
    await asyncio.wait_for(making.wait(), 10)
    assert FR._("What would you like to do?") in texts(await bot.user(HOST, "fr").send("/start"))
    finish.set()
    files = [m for m in await exported if m.get("document")]
    assert calls == 2 and len(files) == 1
    assert files[0]["document"]["file_name"].endswith(".xlsx")
    assert bot.api.file_bytes(files[0]["document"]["file_id"])[:2] == b"PK"


async def test_a_flooding_user_is_told_once_and_others_are_answered(bot: BotUnderTest) -> None:
    assert bot.runtime.poller is not None
    bot.runtime.poller.flood = FloodRule(updates=10)  # the tests' bot has none: people type slower than tests
    flooder, other = bot.user(HOST, "fr"), bot.user(1002, "uk")
    for i in range(40):
        bot.api.send_text(HOST, f"/help {i}")
    answered = texts(await other.send("/help"))
    assert translator("uk")._("What I can do") in answered or answered  # the other user is answered
    await wait_until(lambda: any("plus vite" in (m.get("text") or "") for m in bot.api.bot_messages(HOST)))
    await asyncio.sleep(0.5)
    slow_down = [m for m in bot.api.bot_messages(HOST) if "plus vite" in (m.get("text") or "")]
    helped = [m for m in bot.api.bot_messages(HOST) if "/help" in (m.get("text") or "")]
    assert len(slow_down) == 1 and 1 <= len(helped) <= 10
    assert flooder.api is bot.api


# --------------------------------------------------------------------------- hard kills


async def test_kill_9_with_a_backlog_loses_no_update_and_applies_none_twice(
    api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    """Long polling: many people accept the privacy notice at once; the bot is killed in the middle."""
    people = range(3000, 3080)
    for user in people:
        api.add_user(user, f"User {user}", language_code="fr")
    first = await start_bot(api, database_url, tmp_path, FLOOD_UPDATES="0")
    try:
        for user in people:
            api.send_text(user, "/start")
        await wait_until(lambda: all(api.bot_messages(user) for user in people), timeout=60)
        for user in people:
            notice = api.bot_messages(user)[-1]
            data = notice["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            api.press_button(user, notice["message_id"], data)
        await wait_until(lambda: any(len(api.bot_messages(user)) > 1 for user in people))
    finally:
        await stop(first, hard=True)
    second = await start_bot(api, database_url, tmp_path, FLOOD_UPDATES="0")
    try:
        welcome = FR._("Thank you. You can change the language at any time with /language.")
        await wait_until(
            lambda: all(any(welcome in (m.get("text") or "") for m in api.bot_messages(u)) for u in people),
            timeout=60,
        )
    finally:
        await stop(second)
    database = Database(database_url)
    registered = await count(database, User)
    await database.close()
    assert registered == len(people)  # each acceptance applied (once: the id is the key)
    for user in people:  # each was told once, unless a message was delivered just before the kill
        told = [
            m
            for m in api.bot_messages(user)
            if welcome in (m.get("text") or "") or "Merci" in (m.get("text") or "")
        ]
        assert 1 <= len(told) <= 2


async def test_kill_9_after_webhook_answers_loses_nothing(
    api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    """Webhooks: every update answered 200 was stored; a new process handles what the killed one did not."""
    port = free_port()
    environment = {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": SECRET,
                   "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port), "FLOOD_UPDATES": "0"}  # fmt: skip
    api.add_user(1001, "Camille", language_code="fr")
    first = await start_bot(api, database_url, tmp_path, **environment)
    url = f"http://127.0.0.1:{port}/hook"
    try:
        async with aiohttp.ClientSession() as session:
            await webhook_ready(session, url)
            statuses = await asyncio.gather(
                *(post(session, url, text_update(f"/help {i}")) for i in range(60))
            )
        assert statuses == [200] * 60
    finally:
        await stop(first, hard=True)
    second = await start_bot(api, database_url, tmp_path, **{**environment, "WEBHOOK_PORT": str(free_port())})
    try:
        await wait_until(lambda: len(api.bot_messages(1001)) >= 60, timeout=60)
    finally:
        await stop(second)
    assert (
        len(api.bot_messages(1001)) >= 60
    )  # every /help answered (one perhaps twice: a send just before the kill)


# --------------------------------------------------------------------------- two processes, one place


async def test_two_processes_proposing_the_same_offer_at_once_reserve_it_once(
    api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    """Two caseworkers press "Propose" on the same places through two webhook processes at the same instant,
    and two people redeem the same invitation: each place reserved once, the invitation used once."""
    from storage import households, offers, roles, users
    from tests.casework_fixtures import offer_fields

    database = Database(database_url)
    await database.upgrade()
    now = datetime.now(UTC)
    async with database.transaction() as session:
        for user in (HOST, CASEWORKER, OTHER_CASEWORKER, 700, 701):
            await users.register(session, user, "fr", now)
        for user in (CASEWORKER, OTHER_CASEWORKER):
            await roles.grant(session, user, "caseworker", "44", granted_by=None, organisation="Test")
        places = [(await offers.create(session, HOST, offer_fields("Nantes"), [], now)).id for _ in range(10)]
        families = {
            user: [(await households.create(session, user, {"reference": f"R{user}-{i}", "departement": "44",
                                                            "adults": 1, "children": 0}, now)).id for i in range(10)]
            for user in (CASEWORKER, OTHER_CASEWORKER)
        }  # fmt: skip
        invitation = await invitations.create(session, "caseworker", "Org", ["44"], COORDINATOR, now)
    for user in (HOST, CASEWORKER, OTHER_CASEWORKER, 700, 701):
        api.add_user(user, f"User {user}", language_code="fr")
    ports = [free_port(), free_port()]
    processes = [
        await start_bot(api, database_url, tmp_path, WEBHOOK_URL="https://bot.example.org/hook",
                        WEBHOOK_SECRET=SECRET, WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port))
        for port in ports
    ]  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:
            urls = [f"http://127.0.0.1:{port}/hook" for port in ports]
            for url in urls:
                await webhook_ready(session, url)
            presses = []
            for i, place in enumerate(places):
                for url, user in zip(urls, (CASEWORKER, OTHER_CASEWORKER), strict=True):
                    presses.append(
                        post(session, url, update_from(user, data=f"pp:{place}:{families[user][i]}"))
                    )
            presses += [post(session, url, update_from(user, text=f"/start {invitation.code}"))
                        for url, user in zip(urls, (700, 701), strict=True)]  # fmt: skip
            assert set(await asyncio.gather(*presses)) == {200}
        answered = lambda: all(len(api.bot_messages(user)) >= n for user, n in  # noqa: E731
                               ((CASEWORKER, 10), (OTHER_CASEWORKER, 10), (700, 1), (701, 1)))  # fmt: skip
        await wait_until(answered, timeout=60)
    finally:
        for process in processes:
            await stop(process)
    placed = await count(database, Placement)
    reserved = await count(database, Offer, Offer.status == "reserved")  # type: ignore[arg-type]
    members = await count(database, RoleGrant, RoleGrant.user_id.in_([700, 701]))  # type: ignore[attr-defined]
    await database.close()
    assert placed == reserved == len(places)  # each place reserved once, for one of the two households
    assert members == 1  # one invitation, one new member; the other was told it is used
    refused = FR._(
        "Offer #{offer} was proposed to another household a moment ago, or is no longer available."
    )
    told = texts(api.bot_messages(CASEWORKER)) + texts(api.bot_messages(OTHER_CASEWORKER))
    assert all(told.count(refused.format(offer=place)) == 1 for place in places)  # the second of each pair


async def test_an_update_the_bot_cannot_read_is_set_aside_and_its_chat_goes_on(bot: BotUnderTest) -> None:
    """Telegram never sends fields of the wrong types; were a stored update to have them, it is marked failed once
    (nobody to answer, no endless retry) and the chat's next message is answered."""
    camille = bot.user(HOST, "fr")
    unreadable = update_from(HOST, text="/help")
    unreadable["message"]["text"] = 5
    await bot.runtime.store(unreadable)  # as the poller or the webhook stores what arrived
    await bot.handled(unreadable["update_id"])
    assert texts(await camille.send("/help"))
    async with bot.database.transaction() as session:
        status = await session.scalar(
            select(InboxUpdate.status).where(InboxUpdate.update_id == unreadable["update_id"])
        )
    assert status == "failed"


# --------------------------------------------------------------------------- hostile requests


async def test_webhook_refuses_what_is_not_an_update_without_a_traceback(
    api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    process = await start_bot(api, database_url, tmp_path, WEBHOOK_URL="https://bot.example.org/hook",
                              WEBHOOK_SECRET=SECRET, WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port))  # fmt: skip
    url = f"http://127.0.0.1:{port}/hook"
    try:
        async with aiohttp.ClientSession() as session:
            await webhook_ready(session, url)
            bad_secrets = ["", "wrong", SECRET[:-1], "é" * 10, "ÿþ" + SECRET]
            statuses = []
            for secret in bad_secrets:
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
                async with session.post(url, data=b"{}", headers=headers) as response:
                    statuses.append(response.status)
            assert statuses == [403] * len(bad_secrets)
            bodies = [
                b"[]",
                b"null",
                b"5",
                b'"x"',
                b"{",
                b'{"update_id": "1"}',
                b"\xff\xfe",
                b"[" * 5000 + b"]" * 5000,  # deeper than any update
                b'{"update_id": 1, "message": ' + b'{"a":' * 100 + b"1" + b"}" * 101,
            ]
            statuses = []
            for body in bodies:
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
                async with session.post(url, data=body, headers=headers) as response:
                    statuses.append(response.status)
            assert statuses == [400] * len(bodies)
            confused = [
                update_from(1001, text="/help") for _ in range(4)
            ]  # well formed, of the wrong types inside
            confused[0]["message"]["text"] = 5
            confused[1]["message"]["from"]["id"] = "1001"
            confused[2]["message"]["chat"]["type"] = ["private"]
            confused[3]["message"]["document"] = {"file_id": 7, "file_unique_id": "u", "file_size": "big"}
            assert [await post(session, url, update) for update in confused] == [400] * len(confused)
            api.add_user(1001, "Camille", language_code="fr")
            assert await post(session, url, update_from(1001, text="/search 44 3p near:\ud800x")) == 200
            await wait_until(lambda: api.bot_messages(1001))
    finally:
        await stop(process)
    logs = process_logs(tmp_path)
    assert "Traceback" not in logs and "ERROR" not in logs
