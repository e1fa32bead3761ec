"""Sending the recorded alerts: rendered in each recipient's language, within Telegram's limits, never lost.

A periodic job (APScheduler, through PTB's JobQueue) runs `run_alerts`: one process at a time sweeps (a lease
in the database), then every process may send: each alert is claimed before it is sent, so it is sent once.
A 429 pauses sending for the time Telegram asks; network errors and 5xx are retried with backoff; a user who
blocked the bot makes the alert undeliverable, which coordinators can list with /alerts.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.callbacks import OfferEnd, PlacementAlert, StayEnd
from bot.cards import people
from bot.chat import Button, Reply, esc
from bot.commands.coordination import digest_text
from bot.commands.host import still_available_question
from bot.domain import reminders
from bot.i18n import Translator, translator
from bot.rate import Limiter
from bot.telegram_io import send_one
from storage import alerts, updates, users
from storage.db import Database
from storage.models import Alert, Household, Offer, Placement

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
SWEEP_LEASE = timedelta(seconds=90)
INSTANCE = f"bot-{uuid.uuid4().hex[:12]}"


@dataclass
class SendReport:
    sent: int = 0
    throttled: int = 0  # 429 answers: Telegram asked to wait
    retried: int = 0
    undeliverable: int = 0
    obsolete: int = 0
    errors: list[str] = field(default_factory=list)


async def render(session: AsyncSession, alert: Alert, now: datetime) -> Reply | None:
    """The message for this alert in the recipient's language; None if what it announced no longer holds."""
    recipient = await users.find(session, alert.recipient_id)
    t = translator(recipient.language if recipient else None)
    late = reminders.is_late(alert.due_at, now)
    if alert.kind in (reminders.PLACEMENT_END, reminders.HOST_END):
        placement = await session.get(Placement, alert.placement_id)
        if placement is None or placement.status != "active" or placement.planned_end is None:
            return None
        if f":{placement.planned_end.isoformat()}:" not in alert.key:
            return None  # the end date changed since: the new date has its own alerts
        household = await session.get(Household, placement.household_id)
        offer = await session.get(Offer, placement.offer_id)
        assert household is not None and offer is not None
        reply = (placement_alert if alert.kind == reminders.PLACEMENT_END else host_question)(
            t, placement, household, offer, reminders.paris_day(now)
        )
    elif alert.kind == reminders.OFFER_END:
        offer = await session.get(Offer, alert.offer_id)
        if offer is None or offer.status not in ("available", "paused") or offer.available_until is None:
            return None
        if not alert.key.endswith(offer.available_until.isoformat()):
            return None
        reply = offer_end_question(t, offer, reminders.paris_day(now))
    elif alert.kind == reminders.FRESHNESS:
        offer = await session.get(Offer, alert.offer_id)
        if (
            offer is None
            or offer.status != "available"
            or not alert.key.endswith(offer.last_confirmed_at.isoformat())
        ):
            return None  # confirmed, paused or withdrawn meanwhile
        reply = still_available_question(t, offer)
    else:
        reply = Reply(await digest_text(session, t, alert.recipient_id, now))
    if late:
        reply.text = t._("(Sent late: the bot was unavailable at the planned time.)") + "\n" + reply.text
    return reply


def placement_alert(
    t: Translator, placement: Placement, household: Household, offer: Offer, today: date
) -> Reply:
    assert placement.planned_end is not None
    left = (placement.planned_end - today).days
    host = (
        t._('host: <a href="tg://user?id={id}">on Telegram</a>').format(id=offer.host_id)
        if offer.host_id
        else t._("managed by: {organisation}").format(organisation=esc(offer.managed_by or "—"))
    )
    text = "\n".join(
        [
            "⏰ " + t.n_("A placement ends in {n} day", "A placement ends in {n} days", left).format(n=left),
            t._("Household {reference} ({people})").format(
                reference=esc(household.reference), people=people(t, household.adults + household.children)),
            t._("Place #{offer}, {commune} ({departement}), {host}").format(
                offer=offer.id, commune=esc(offer.commune_name), departement=offer.departement, host=host),
            t._("Planned end: {date}").format(date=t.date(placement.planned_end)),
        ]
    )  # fmt: skip
    assert placement.id is not None
    buttons = [
        [Button(t._("Rehousing found"), PlacementAlert("rehoused", placement.id)),
         Button(t._("Extend until…"), PlacementAlert("extend", placement.id))],
        [Button(t._("Open placement"), PlacementAlert("open", placement.id))],
    ]  # fmt: skip
    return Reply(text, buttons)


def host_question(
    t: Translator, placement: Placement, household: Household, offer: Offer, today: date
) -> Reply:
    assert placement.planned_end is not None
    text = t._("Does the stay in your place #{offer} end as planned on {date}?").format(
        offer=offer.id, date=t.date(placement.planned_end)
    )
    assert placement.id is not None
    buttons = [
        [Button(t._("Yes"), StayEnd("yes", placement.id))],
        [Button(t._("It will be extended until…"), StayEnd("later", placement.id))],
        [Button(t._("It must end earlier"), StayEnd("earlier", placement.id))],
    ]
    return Reply(text, buttons)


def offer_end_question(t: Translator, offer: Offer, today: date) -> Reply:
    assert offer.available_until is not None
    left = (offer.available_until - today).days
    text = t.n_(
        "Your offer #{offer} is available until {date} (in {n} day). Do you want to extend it?",
        "Your offer #{offer} is available until {date} (in {n} days). Do you want to extend it?",
        left,
    ).format(offer=offer.id, date=t.date(offer.available_until), n=left)
    assert offer.id is not None
    buttons = [
        [
            Button(t._("Extend"), OfferEnd("extend", offer.id)),
            Button(t._("Let it end"), OfferEnd("end", offer.id)),
        ]
    ]
    return Reply(text, buttons)


async def _send_one(database: Database, bot: Bot, alert: Alert, clock: Callable[[], datetime], limiter: Limiter,
                    report: SendReport) -> None:  # fmt: skip
    assert alert.id is not None
    now = clock()
    async with database.transaction() as session:
        reply = await render(session, alert, now)
    if reply is None:
        async with database.transaction() as session:
            await alerts.finish(session, alert.id, alerts.OBSOLETE, now)
        report.obsolete += 1
        return
    await limiter.wait(alert.recipient_id)
    try:
        await send_one(bot, alert.recipient_id, reply)
    except RetryAfter as error:
        seconds = (
            error.retry_after
            if isinstance(error.retry_after, int | float)
            else error.retry_after.total_seconds()
        )
        limiter.pause(seconds)
        async with database.transaction() as session:
            await alerts.retry_later(session, alert.id, clock() + timedelta(seconds=seconds), str(error),
                                     count_attempt=False)  # fmt: skip
        report.throttled += 1
    except (Forbidden, BadRequest) as error:  # blocked the bot, or no such chat: retrying cannot help
        async with database.transaction() as session:
            await alerts.finish(session, alert.id, alerts.UNDELIVERABLE, clock(), error=str(error)[:300])
        report.undeliverable += 1
    except (NetworkError, TelegramError) as error:  # 5xx, timeouts, connection problems: try again later
        attempts = alert.attempts + 1
        async with database.transaction() as session:
            if attempts >= MAX_ATTEMPTS:
                await alerts.finish(session, alert.id, alerts.UNDELIVERABLE, clock(), error=str(error)[:300])
                report.undeliverable += 1
            else:
                backoff = timedelta(seconds=min(5 * 2**attempts, 3600))
                await alerts.retry_later(session, alert.id, clock() + backoff, str(error), count_attempt=True)
                report.retried += 1
        report.errors.append(str(error))
    else:
        sent_at = clock()
        async with database.transaction() as session:
            await alerts.finish(
                session, alert.id, alerts.SENT, sent_at, late=reminders.is_late(alert.due_at, sent_at)
            )
        report.sent += 1


async def send_due(database: Database, bot: Bot, clock: Callable[[], datetime], limiter: Limiter, *,
                   batch: int = 200, workers: int = 8) -> SendReport:  # fmt: skip
    """Send what is due now, batch after batch, until nothing is left (or quiet hours)."""
    report = SendReport()
    while not reminders.is_quiet(clock()):
        async with database.transaction() as session:
            claimed = await alerts.claim(session, clock(), batch)
        if not claimed:
            break
        queue: asyncio.Queue[Alert] = asyncio.Queue()
        for alert in claimed:
            queue.put_nowait(alert)
        senders = [
            _drain(queue, database, bot, clock, limiter, report) for _ in range(min(workers, len(claimed)))
        ]
        await asyncio.gather(*senders)
    return report


async def _drain(queue: asyncio.Queue[Alert], database: Database, bot: Bot, clock: Callable[[], datetime],
                 limiter: Limiter, report: SendReport) -> None:  # fmt: skip
    while not queue.empty():
        alert = queue.get_nowait()
        try:
            await _send_one(database, bot, alert, clock, limiter, report)
        except Exception:  # an alert must never stay claimed because of one bad row
            log.exception("alert %s could not be processed", alert.id)
            async with database.transaction() as session:
                await alerts.retry_later(session, alert.id or 0, clock() + timedelta(minutes=5), "internal error",
                                         count_attempt=True)  # fmt: skip


async def sweep_once(database: Database, clock: Callable[[], datetime], holder: str = INSTANCE) -> int | None:
    """Record the alerts due now, if this process holds the sweeper lease; None if another one does.
    The same periodic round forgets the ids of updates handled more than two days ago."""
    async with database.transaction() as session:
        now = clock()
        if not await alerts.take_lease(session, "alert-sweeper", holder, now, SWEEP_LEASE):
            return None
        await updates.forget_old(session, now)
        return await reminders.sweep(session, now)
