"""Records people can trust, through the real bot: erasure that protects the household living in a place and
leaves no trace (tables, SQLite files, the debug log), /mydata showing the data itself, the privacy notice, and
the daily retention job."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.chat.callbacks import Erase, MemberRevoke, MemberRevokeConfirmed, OfferContact, OfferPropose
from bot.domain.privacy import months_before
from bot.i18n import LANGUAGE_NAMES, translator
from bot.logs import who
from bot.sandbox.botapi import FakeBotApi
from storage import audit, households, offers, outbox, placements, roles, users
from storage.db import Database
from storage.models import (
    Alert,
    AuditEvent,
    DigestSubscription,
    Household,
    InboxUpdate,
    Invitation,
    Offer,
    OfferEvent,
    OfferPhoto,
    OutboxMessage,
    Placement,
    SavedSearch,
)
from storage.statistics import territory_statistics
from tests.casework_fixtures import accepted_user, grant, offer
from tests.conftest import running, settings_for
from tests.harness import BotUnderTest, Clock, User, texts
from tests.hosting import Contact, Photo, Tap, declare
from tests.privacy_checks import debug_log, files_holding, holds, rows_holding
from tests.processes import BotProcess, log_of, said, start_bot, stop, wait_until
from tests.test_host import PNG

FR, UK = translator("fr"), translator("uk")
HOST, CASEWORKER, COORDINATOR = 7_319_845_502, 6_180_337_215, 5_044_012_377
NAME, LAST_NAME, USERNAME = "Zoryana", "Kvitkovska", "zoryana_hosts_44"
PHONE, ADDRESS, NOTES = "+33687654321", "8 impasse des Glycines", "Digicode 4827B, portail vert"
SHOWN_PHONE = "+33 6 87 65 43 21"  # as cards write it
SECRETS = (
    PHONE,
    "687654321",
    SHOWN_PHONE,
    "87 65 43 21",
    ADDRESS,
    NOTES,
    NAME,
    LAST_NAME,
    USERNAME,
    str(HOST),
)


async def host_with_an_offer(bot: BotUnderTest) -> tuple[User, int]:
    """The host declares a place in Nantes through the dialogue: address, notes, a photo, the phone shared."""
    host = bot.user(HOST, "fr", NAME)
    bot.api.add_user(HOST, NAME, "fr", USERNAME, last_name=LAST_NAME)
    await host.send("/start")
    await host.press(FR._("I accept"))
    await declare(bot, host, FR, {
        "address": ADDRESS, "notes": NOTES, "photos": (Photo(PNG), Tap("Done")), "phone": Contact(PHONE),
    })  # fmt: skip
    await host.press(FR._("Confirm"))
    async with bot.database.transaction() as session:
        [mine] = await offers.of_host(session, HOST)
    assert mine.id is not None and mine.phone == PHONE and mine.address == ADDRESS
    return host, mine.id


async def household_moves_in(bot: BotUnderTest, caseworker: User, offer_id: int, planned_end: str) -> None:
    async with bot.database.transaction() as session:
        await households.create(session, CASEWORKER, {"reference": "DOS-7", "departement": "44", "adults": 1,
                                                      "children": 1}, bot.clock())  # fmt: skip
    await caseworker.press_data(OfferPropose(offer_id).encode())
    await caseworker.press("DOS-7")
    await caseworker.press(FR._("Record the arrival"))
    await caseworker.press(FR._("Today"))
    await caseworker.send(planned_end)


async def pressed(user: User, label: str) -> str:
    """Press a button whose answer replaces its message: that message, as it now reads."""
    await user.press(label)
    return texts([user.last()])


def said_to(bot: BotUnderTest, user_id: int) -> str:
    return texts(bot.api.bot_messages(user_id))


async def no_trace(bot: BotUnderTest, database_url: str) -> None:
    """No row of any table, no byte of the SQLite files holds the host's data or id."""
    assert await rows_holding(bot.database, SECRETS, HOST) == []
    if database_url.startswith("sqlite"):
        assert files_holding(database_url, SECRETS) == []


async def test_erasing_with_a_household_in_the_place_warns_tells_keeps_the_stay_and_leaves_no_trace(
    bot: BotUnderTest, database_url: str
) -> None:
    with debug_log() as log:
        host, offer_id = await host_with_an_offer(bot)
        await grant(bot, CASEWORKER, "caseworker", "44")
        await grant(bot, COORDINATOR, "coordinator", "44", language="uk")
        caseworker = bot.user(CASEWORKER, "fr")
        assert PHONE in texts(await caseworker.press_data(OfferContact(offer_id).encode()))
        await household_moves_in(bot, caseworker, offer_id, "22/12/2026")
        await bot.run_alerts()  # 30 days left: the caseworker, the coordinator and the host are told
        assert FR._("Does the stay in your place #{offer} end as planned on {date}?").format(
            offer=offer_id, date=FR.date(date(2026, 12, 22))) in said_to(bot, HOST)  # fmt: skip

        # Asked, the host is told what erasing means for the household, and may step back.
        await host.send("/mydata")
        warned = await pressed(host, FR._("Erase my data"))
        assert FR._("A household lives in your place #{offer} ({commune}) until {date}.").format(
            offer=offer_id, commune="Nantes", date=FR.date(date(2026, 12, 22))) in warned  # fmt: skip
        assert FR._("Erase everything the bot holds about you? This cannot be undone.") in warned
        assert [label for label, _ in host.buttons()] == [FR._("Erase anyway"), FR._("No")]
        assert FR._("Nothing was erased.") in await pressed(host, FR._("No"))
        # A "yes" without the warning (an older question, a household arrived since) warns first.
        [stale_yes, *_] = await host.press_data(Erase("yes").encode())
        assert FR._("Erase anyway") in str(host.buttons(stale_yes))
        async with bot.database.transaction() as session:
            assert await users.find(session, HOST) is not None
        before = {CASEWORKER: len(said_to(bot, CASEWORKER)), COORDINATOR: len(said_to(bot, COORDINATOR))}
        erased = await pressed(host, FR._("Erase anyway"))
        assert FR._("Your data is erased. Send /start if you want to use the bot again.") in erased
        await no_trace(bot, database_url)  # at once, while the bot runs

        # The caseworker (French) and the coordinator (Ukrainian) are told, without anything about the host.
        for user_id, t in ((CASEWORKER, FR), (COORDINATOR, UK)):
            told = said_to(bot, user_id)[before[user_id] :]
            assert t._("The host of place #{offer} ({commune}, {departement}) removed their data from the bot.").format(
                offer=offer_id, commune="Nantes", departement="44") in told  # fmt: skip
            assert t._("Household {reference} still lives there: the placement is kept, with its end date "
                       "({date}) and its alerts, but the host's contact is no longer available.").format(
                reference="DOS-7", date=t.date(date(2026, 12, 22))) in told  # fmt: skip
            assert not [secret for secret in SECRETS if holds(told, secret)]

        # The stay goes on in an anonymous place; the contact says the host is gone.
        async with bot.database.transaction() as session:
            [stay] = list(await session.scalars(select(Placement)))
            place = await session.get(Offer, offer_id)
        assert (stay.status, stay.caseworker_id, stay.planned_end) == (
            "active",
            CASEWORKER,
            date(2026, 12, 22),
        )
        assert place is not None and (place.status, place.host_id, place.phone, place.address, place.notes) == (
            "occupied", None, None, None, None)  # fmt: skip
        assert place.anonymised_at is not None and place.people == 2 and place.commune_name == "Nantes"
        contact = texts(await caseworker.press_data(OfferContact(offer_id).encode()))
        assert FR._("The host removed their data from the bot: there is no contact any more.") in contact

        # The next milestone still reaches the caseworker and the coordinator; the host is asked nothing.
        host_had = len(bot.api.bot_messages(HOST))
        bot.clock.current = datetime(2026, 12, 8, 7, 5, tzinfo=UTC)  # 14 days before the end, 08:05 in Paris
        await bot.run_alerts()
        alert = said_to(bot, CASEWORKER).split(FR.n_("A placement ends in {n} day", "A placement ends in {n} days",
                                                     14).format(n=14))[-1]  # fmt: skip
        assert "DOS-7" in alert and FR._("the host removed their data from the bot") in alert
        assert UK.n_("A placement ends in {n} day", "A placement ends in {n} days", 14).format(
            n=14
        ) in said_to(bot, COORDINATOR)
        assert len(bot.api.bot_messages(HOST)) == host_had

        await no_trace(bot, database_url)
        # Back to the privacy notice: nothing is stored until accepted again.
        assert FR._("Do you accept? Nothing is stored until you do.") in texts(await host.send("/mydata"))
    written = log.getvalue()
    assert "mydata.on_erase_button" in written and " DEBUG " in written  # the log is there, at DEBUG
    assert [secret for secret in SECRETS if holds(written, secret)] == []


async def a_stay(bot: BotUnderTest, place: int, reference: str, status: str) -> None:
    async with bot.database.transaction() as session:
        family = await households.create(session, CASEWORKER, {"reference": reference, "departement": "44",
                                                               "adults": 2, "children": 0}, bot.clock())  # fmt: skip
        stay = await placements.create(session, family.id or 0, place, CASEWORKER, bot.clock())
        await placements.update(session, stay, bot.clock(), status=status, start_date=date(2026, 11, 1),
                                planned_end=date(2026, 12, 22))  # fmt: skip
        found = await session.get(Offer, place)
        assert found is not None
        found.status = "occupied" if status == "active" else "available"


async def test_deleting_one_offer_with_a_household_in_it_warns_and_tells_likewise(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    lived_in, once_lived_in = await offer(bot, HOST, "Nantes"), await offer(bot, HOST, "Rezé")
    await grant(bot, CASEWORKER, "caseworker", "44")
    await a_stay(bot, lived_in, "DOS-1", "active")
    await a_stay(bot, once_lived_in, "DOS-2", "ended")
    host = bot.user(HOST, "fr")

    _count, card, _other = await host.send("/myoffers")
    warned = texts(await host.press(FR._("Withdraw and delete"), card))
    assert FR._("Delete this offer for good?") in warned
    assert FR._("A household lives in your place #{offer} ({commune}) until {date}.").format(
        offer=lived_in, commune="Nantes", date=FR.date(date(2026, 12, 22))) in warned  # fmt: skip
    assert FR._("The offer is deleted.") in await pressed(host, FR._("Delete anyway"))
    assert FR._("The host of place #{offer} ({commune}, {departement}) removed their data from the bot.").format(
        offer=lived_in, commune="Nantes", departement="44") in said_to(bot, CASEWORKER)  # fmt: skip

    # An offer where a household once lived is kept, anonymous and withdrawn, for the statistics.
    _count, card = await host.send("/myoffers")
    await host.press(FR._("Withdraw and delete"), card)
    assert FR._("The offer is deleted.") in await pressed(host, FR._("Yes, delete it"))
    async with bot.database.transaction() as session:
        kept = [await session.get(Offer, place) for place in (lived_in, once_lived_in)]
    assert [(o.status, o.host_id, o.phone) for o in kept if o] == [
        ("occupied", None, None),
        ("withdrawn", None, None),
    ]

    # When the household leaves, the place of a host who is gone is not offered again.
    caseworker = bot.user(CASEWORKER, "fr")
    await caseworker.send("/placements")
    await caseworker.press(FR._("Record the departure"))
    await caseworker.press(FR._("Today"))
    await caseworker.press(FR._("Rehoused (next place found)"))
    async with bot.database.transaction() as session:
        left = await session.get(Offer, lived_in)
    assert left is not None and left.status == "withdrawn"


async def test_messages_to_others_not_sent_yet_that_mention_an_erased_host_are_withdrawn(
    bot: BotUnderTest,
) -> None:
    await accepted_user(bot, HOST)
    await offer(bot, HOST, "Nantes", phone=PHONE, address=ADDRESS)
    await grant(bot, CASEWORKER, "caseworker", "44")
    later = bot.clock() + timedelta(hours=1)  # Telegram failed: they wait for a retry
    async with bot.database.transaction() as session:
        alert = Alert(key="pe:waiting", kind="placement_end", recipient_id=CASEWORKER, due_at=bot.clock(),
                      next_attempt_at=bot.clock(), status="queued")  # fmt: skip
        session.add(alert)
        await session.flush()
        await outbox.add(session, [
            {"chat_id": CASEWORKER, "payload": {"text": f"Téléphone : {PHONE}"}},  # a contact just revealed
            {"chat_id": CASEWORKER, "payload": {"text": f'<a href="tg://user?id={HOST}">hôte</a>'}, "alert_id": alert.id},
            {"chat_id": CASEWORKER, "payload": {"text": f"Offre #{HOST}0 : rien sur cet hôte"}},
        ], later)  # fmt: skip
    host = bot.user(HOST, "fr")
    await host.send("/mydata")
    await host.press(FR._("Erase my data"))
    await host.press(FR._("Yes, erase everything"))
    async with bot.database.transaction() as session:
        waiting = list(
            await session.scalars(select(OutboxMessage).where(col(OutboxMessage.chat_id) == CASEWORKER))
        )
        said_again = await session.get(Alert, alert.id)
    assert [message.payload["text"] for message in waiting] == [f"Offre #{HOST}0 : rien sur cet hôte"]
    assert said_again is not None and said_again.status == "pending"  # rendered again, as things now are


async def test_handled_updates_keep_nothing_of_what_they_said(bot: BotUnderTest) -> None:
    await bot.user(HOST, "fr", NAME).send("/start")
    async with bot.database.transaction() as session:
        [update] = list(await session.scalars(select(InboxUpdate)))
    assert (update.status, update.payload) == ("done", {})


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month() -> None:
    moment = datetime(2027, 3, 31, 9, 30, tzinfo=UTC)
    assert months_before(moment, 1) == datetime(2027, 2, 28, 9, 30, tzinfo=UTC)
    assert months_before(moment, 13) == datetime(2026, 2, 28, 9, 30, tzinfo=UTC)
    assert months_before(datetime(2028, 3, 31, tzinfo=UTC), 1) == datetime(2028, 2, 29, tzinfo=UTC)
    assert months_before(moment, 24) == datetime(2025, 3, 31, 9, 30, tzinfo=UTC)


async def test_a_caseworker_and_a_coordinator_who_erase_their_data_leave_no_id_behind(
    bot: BotUnderTest,
) -> None:
    await accepted_user(bot, 1001)
    place = await offer(bot, 1001, "Nantes")
    await grant(bot, COORDINATOR, "coordinator", "44")
    await grant(bot, 501, "coordinator", "85")
    coordinator = bot.user(COORDINATOR, "fr")
    await coordinator.send("/digest on")
    await coordinator.send("/invite")
    await coordinator.press(FR._("Caseworker (association)"))
    invited = texts(await coordinator.send("Secours Solidaire 44"))
    code = invited.split("start=", 1)[1].split()[0]
    caseworker = bot.user(CASEWORKER, "fr", "Iryna")
    await caseworker.send(f"/start {code}")
    await caseworker.press(FR._("I accept"))
    await grant(bot, CASEWORKER, "caseworker", "85")
    await bot.user(501, "fr").press_data(
        MemberRevokeConfirmed(CASEWORKER).encode()
    )  # 85 taken back: "user:<id>"
    await caseworker.press_data(MemberRevoke(CASEWORKER).encode())  # refused: the button's data is logged
    assert "Nantes" in texts(await caseworker.send("/search 44 2p"))  # a saved search
    await caseworker.press_data(OfferContact(place).encode())
    async with bot.database.transaction() as session:
        family = await households.create(session, CASEWORKER, {"reference": "DOS-9", "departement": "44",
                                                               "adults": 2, "children": 0}, bot.clock())  # fmt: skip
        stay = await placements.create(session, family.id or 0, place, CASEWORKER, bot.clock())
        await placements.update(session, stay, bot.clock(), status="active", start_date=date(2026, 11, 1),
                                planned_end=date(2026, 12, 22))  # fmt: skip
        (await session.get(Offer, place)).status = "occupied"  # type: ignore[union-attr]
    await bot.run_alerts()  # 30 days left: the caseworker and the coordinator are alerted
    await caseworker.send("/mydata")
    await caseworker.press(FR._("Erase my data"))
    chat = {"type": "chat", "chat_id": CASEWORKER}
    assert "search" in [command["command"] for command in bot.api.commands(scope=chat)]
    await caseworker.press(FR._("Yes, erase everything"))  # not a host: no stay to warn about
    assert bot.api.commands(scope=chat) == []  # their own command menu went with their roles

    assert await rows_holding(bot.database, [str(CASEWORKER)], CASEWORKER) == []
    async with bot.database.transaction() as session:
        kept = await session.get(Household, family.id)
        [placed] = list(await session.scalars(select(Placement)))
        [invitation] = list(await session.scalars(select(Invitation)))
        revoked = list(
            await session.scalars(select(AuditEvent).where(col(AuditEvent.action) == audit.REVOKED))
        )
        erased = list(await session.scalars(select(Alert).where(col(Alert.recipient_id).is_(None))))
    assert kept is not None and kept.caseworker_id is None and placed.caseworker_id is None
    assert placed.status == "active" and invitation.used_by == 0 and invitation.created_by == COORDINATOR
    assert [event.subject for event in revoked] == ["user:0"]
    assert [alert.key for alert in erased] == [f"erased:{alert.id}" for alert in erased] and erased

    # The household's alerts now go to the coordinator alone.
    bot.clock.current = datetime(2026, 12, 8, 7, 5, tzinfo=UTC)
    await bot.run_alerts()
    async with bot.database.transaction() as session:
        latest = list(
            await session.scalars(
                select(Alert).where(col(Alert.milestone) == 14, col(Alert.kind) == "placement_end")
            )
        )
    assert [alert.recipient_id for alert in latest] == [COORDINATOR]

    await coordinator.send("/mydata")
    await coordinator.press(FR._("Erase my data"))
    await coordinator.press(FR._("Yes, erase everything"))
    assert await rows_holding(bot.database, [str(COORDINATOR)], COORDINATOR) == []
    async with bot.database.transaction() as session:
        [invitation] = list(await session.scalars(select(Invitation)))
        assert await session.get(DigestSubscription, COORDINATOR) is None
        assert list(await session.scalars(select(SavedSearch))) == []
    assert invitation.created_by == 0


async def test_mydata_shows_the_data_itself_and_who_looked_at_the_contact(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    place = await offer(bot, HOST, "Nantes", phone=PHONE, address=ADDRESS, notes=NOTES)
    await grant(bot, HOST, "caseworker", "85")  # a host may be a caseworker elsewhere
    await grant(bot, CASEWORKER, "caseworker", "44")
    async with bot.database.transaction() as session:  # a reveal recorded before organisations were
        await audit.record(session, CASEWORKER, audit.CONTACT_REVEALED, f"offer:{place}",
                           datetime(2026, 11, 20, 8, 0, tzinfo=UTC), departement="44")  # fmt: skip
    bot.clock.current = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)  # 14:30 in Paris
    await bot.user(CASEWORKER, "fr").press_data(OfferContact(place).encode())

    host = bot.user(HOST, "fr")
    for t in (FR, UK):
        shown = texts(await host.send("/mydata"))
        assert t._("Telegram account number: {id}").format(id=HOST) in shown
        assert t._("Language: {language}").format(language=LANGUAGE_NAMES[t.language]) in shown
        assert t._("Privacy notice accepted on {date}").format(date=t.date(date(2026, 11, 22))) in shown
        assert t._("Role: {role} in {departement} ({organisation})").format(
            role=t._("caseworker"), departement="85", organisation="Test") in shown  # fmt: skip
        assert t.n_("{n} offer", "{n} offers", 1).format(n=1) in shown
        assert f"#{place} · {t._('available')}" in shown
        assert [fact for fact in (SHOWN_PHONE, ADDRESS, NOTES, "Nantes") if fact not in shown] == [], shown
        assert t.n_("{n} photo", "{n} photos", 0).format(n=0) in shown
        assert t._("{date} at {time}: offer #{offer}, {organisation}").format(
            date=t.date(date(2026, 11, 20)), time="09:00", offer=place,
            organisation=t._("organisation not recorded")) in shown  # fmt: skip
        assert (
            t._("{date} at {time}: offer #{offer}, {organisation}").format(
                date=t.date(date(2026, 11, 23)), time="14:30", offer=place, organisation="Test"
            )
            in shown
        )
        assert shown.index("09:00") < shown.index("14:30")
        await host.send("/language")
        await host.press(LANGUAGE_NAMES["uk"])


@pytest.fixture
async def operated_bot(api: FakeBotApi, database_url: str, clock: Clock) -> AsyncIterator[BotUnderTest]:
    """A bot whose operator is named, keeping data 6 months and audit entries 36."""
    settings = settings_for(
        api, database_url, operator_name="DDETS de Loire-Atlantique",
        operator_contact="ddets-logement@loire-atlantique.gouv.fr", retention_months=6, audit_retention_months=36,
    )  # fmt: skip
    async with running(api, settings, clock) as under_test:
        yield under_test


async def test_the_privacy_notice_names_the_operator_retention_and_the_cnil(
    operated_bot: BotUnderTest,
) -> None:
    for user_id, t in ((801, FR), (802, UK)):
        notice = texts(await operated_bot.user(user_id, t.language).send("/start"))
        assert t._("Run by: {operator}").format(operator="DDETS de Loire-Atlantique") in notice
        assert t._("Contact about your data: {contact}").format(
            contact="ddets-logement@loire-atlantique.gouv.fr") in notice  # fmt: skip
        assert t.n_("after {n} month", "after {n} months", 6).format(n=6) in notice
        assert t.n_("after {n} month", "after {n} months", 36).format(n=36) in notice
        assert t.n_("after {n} day", "after {n} days", 2).format(n=2) in notice
        assert (
            t._("You may complain to the CNIL, the French data protection authority: https://www.cnil.fr")
            in notice
        )
        assert t._("Do you accept? Nothing is stored until you do.") in notice


async def test_without_an_operator_the_notice_says_it_is_not_stated(bot: BotUnderTest) -> None:
    notice = texts(await bot.user(803, "uk").send("/start"))
    assert UK._("Run by: {operator}").format(operator=UK._("not stated")) in notice
    assert UK.n_("after {n} month", "after {n} months", 12).format(n=12) in notice
    assert UK.n_("after {n} month", "after {n} months", 24).format(n=24) in notice


async def statistics(bot: BotUnderTest, today: date) -> object:
    async with bot.database.transaction() as session:
        return await territory_statistics(session, frozenset({"44"}), today, bot.clock())


async def test_retention_anonymises_after_twelve_months_and_deletes_audit_entries_after_twenty_four(
    bot: BotUnderTest,
) -> None:
    start = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    for host in (1001, 1002, 1003):
        await accepted_user(bot, host)
    await grant(bot, CASEWORKER, "caseworker", "44")
    caseworker = bot.user(CASEWORKER, "fr")
    withdrawn = await offer(bot, 1001, "Nantes", status="withdrawn", notes=NOTES)
    async with bot.database.transaction() as session:
        await offers.replace_photos(session, withdrawn, ["photo-file-id"])
    lived_in = await offer(bot, 1002, "Rezé")
    await caseworker.press_data(OfferContact(lived_in).encode())  # an audit entry now
    assert "Rezé" in texts(await caseworker.send("/search 44 2p"))  # a saved search
    async with bot.database.transaction() as session:
        family = await households.create(session, CASEWORKER, {"reference": "DOS-3", "departement": "44",
                                                               "adults": 2, "children": 2, "children_ages": [4, 9],
                                                               "languages": ["uk"], "area": "44109", "radius_km": 10,
                                                               "situations": ["medical"]}, bot.clock())  # fmt: skip
        stay = await placements.create(session, family.id or 0, lived_in, CASEWORKER, bot.clock())
        await placements.update(session, stay, bot.clock(), status="ended", start_date=date(2026, 10, 1),
                                planned_end=date(2026, 11, 22), actual_end=date(2026, 11, 22), outcome="rehoused")  # fmt: skip
    await bot.run_alerts()  # the first daily run: nothing is old yet
    bot.clock.current = start + timedelta(days=1, hours=6)
    later = await offer(bot, 1003, "Nantes", status="withdrawn", phone=PHONE)

    async def stored() -> tuple[Offer, Offer, Offer, Placement, Household, int, int, int]:
        async with bot.database.transaction() as session:
            found = [await session.get(Offer, offer_id) for offer_id in (withdrawn, lived_in, later)]
            placed, household = await session.get(Placement, stay.id), await session.get(Household, family.id)
            photos = len(list(await session.scalars(select(OfferPhoto))))
            entries = len(await audit.events(session))
            searches = len(list(await session.scalars(select(SavedSearch))))
        assert all(found) and placed and household
        return *found, placed, household, photos, entries, searches  # type: ignore[return-value]

    assert (await stored())[-1] == 1  # the saved search

    # Twelve months and a day later: the offer withdrawn then and the stay ended then are anonymised.
    bot.clock.current = datetime(2027, 11, 23, 10, 0, tzinfo=UTC)
    today = date(2027, 11, 23)
    figures = await statistics(bot, today)
    await bot.run_alerts()
    gone, live, recent, placed, household, photos, entries, searches = await stored()
    assert gone.host_id is None and gone.notes is None and gone.anonymised_at is not None and photos == 0
    assert (gone.kind, gone.people, gone.commune_name, gone.status) == ("dwelling", 4, "Nantes", "withdrawn")
    async with bot.database.transaction() as session:
        assert {event.actor_id for event in await offers.history(session, withdrawn)} == {None}
    assert live.host_id == 1002 and live.anonymised_at is None  # its host still offers it
    assert recent.host_id == 1003 and recent.phone == PHONE  # withdrawn less than twelve months ago
    assert placed.caseworker_id is None and placed.anonymised_at is not None and placed.outcome == "rehoused"
    assert (household.reference, household.children_ages, household.languages, household.caseworker_id) == (
        f"∅{family.id}", [], [], None)  # fmt: skip
    assert (household.adults, household.children) == (2, 2)
    assert (household.situations, household.area, household.radius_km) == (None, None, None)
    assert await statistics(bot, today) == figures
    assert entries == 1 and searches == 0  # audit entries stay 24 months; saved searches 30 days

    # Once a day: half a day later, the offer withdrawn since waits for the next run, the day after.
    bot.clock.advance(hours=12)
    await bot.run_alerts()
    assert (await stored())[2].phone == PHONE
    bot.clock.advance(hours=12, minutes=1)
    await bot.run_alerts()
    assert (await stored())[2].phone is None

    # Twenty-four months and a day after the contact was looked at: the audit entry is deleted.
    bot.clock.current = datetime(2028, 11, 23, 10, 0, tzinfo=UTC)
    await caseworker.press_data(OfferContact(lived_in).encode())
    await bot.run_alerts()
    async with bot.database.transaction() as session:
        assert [event.at.year for event in await audit.events(session)] == [2028]
        assert not list(await session.scalars(select(OfferEvent).where(col(OfferEvent.actor_id) == 1001)))


def test_log_lines_name_nobody_and_tracebacks_quote_no_message() -> None:
    assert who(HOST) == who(HOST) != who(CASEWORKER) and str(HOST) not in who(HOST)
    with debug_log() as log:
        try:
            try:
                int(PHONE + " " + NAME)  # its message would quote both
            except ValueError as error:
                raise KeyError(ADDRESS) from error
        except KeyError:
            logging.getLogger("bot.telegram.pipeline").exception("the action of update %s failed", 12)
    written = log.getvalue()
    assert "the action of update 12 failed" in written and "int(PHONE" in written  # where it failed
    assert written.index("builtins.ValueError") < written.index(
        "builtins.KeyError (its message is not logged)"
    )
    assert [secret for secret in SECRETS if holds(written, secret)] == []


async def test_logement_bot_run_verbose_prints_and_keeps_nothing_of_an_erased_host(
    api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    """`logement-bot -v run` as production runs it: a host declares a place, a caseworker looks at the contact,
    the host erases everything; the log (DEBUG) and, while the bot still runs, the database hold nothing of it."""
    api.add_user(HOST, NAME, "fr", USERNAME, last_name=LAST_NAME)
    database = Database(database_url)
    process = await start_bot(api, database_url, tmp_path, "-v")
    try:
        api.send_text(HOST, "/start")  # the process is up once it answers (its schema is then in place)
        await wait_until(lambda: said(api, HOST, FR._("Do you accept? Nothing is stored until you do.")), 60)
        running = BotProcess(api, database)
        host = running.user(HOST, "fr", NAME)
        host.seen = len(api.bot_messages(HOST))
        await host.press(FR._("I accept"))
        await declare(running, host, FR, {"address": ADDRESS, "notes": NOTES, "phone": Contact(PHONE)})
        await host.press(FR._("Confirm"))
        async with database.transaction() as session:
            await users.register(session, CASEWORKER, "fr", datetime.now(UTC))
            await roles.grant(
                session, CASEWORKER, "caseworker", "44", granted_by=None, organisation="Asso 44"
            )
        caseworker = running.user(CASEWORKER, "fr", "Iryna")
        await caseworker.send("/search 44 2p")
        assert PHONE in texts(await caseworker.press(FR._("Contact host")))
        await host.send("/mydata")
        await host.press(FR._("Erase my data"))
        await host.press(FR._("Yes, erase everything"))
        assert FR._("Your data is erased. Send /start if you want to use the bot again.") in texts(
            [host.last()]
        )
        assert await rows_holding(database, SECRETS, HOST) == []
        if database_url.startswith("sqlite"):
            assert files_holding(database_url, SECRETS) == []
    finally:
        await stop(process)
        await database.close()
    log = log_of(tmp_path)
    assert "DEBUG bot.telegram.pipeline" in log and "mydata.on_erase_button" in log
    assert [secret for secret in SECRETS if holds(log, secret)] == []
