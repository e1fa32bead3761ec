"""Sending the recorded alerts within Telegram's limits, never lost.

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
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.domain import reminders
from bot.features.alerts.messages import render
from bot.services.reminders import sweep
from bot.telegram.gateway import send_one
from bot.telegram.rate import Limiter
from storage import alerts, updates
from storage.db import Database
from storage.models import Alert

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
        return await sweep(session, now)
