"""Sending what the bot owes — replies, notices, alerts — from the outbox, within Telegram's limits.

Each chat's messages leave in order, one at a time; different chats go concurrently. One limiter paces them
all (about 28 a second overall); a 429 holds back the chat it came for (everyone, when several chats get one)
for the time Telegram asks; 5xx answers, network errors and timeouts are retried with backoff; a person who
blocked the bot, or a message Telegram refuses for good, is marked undeliverable (coordinators see alerts of
that kind in /alerts). A timeout is ambiguous: the message may have arrived, and then it arrives twice (rare,
with the long timeouts `bot/app.py` sets).

Alerts are queued here too: a periodic round records the alerts that are due (one process at a time, under a
lease), then queues them in the outbox in the recipients' languages, outside quiet hours.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.chat.messages import payload_of
from bot.domain import reminders
from bot.domain.privacy import RETENTION_EVERY, DataPolicy
from bot.features.alerts.kinds import render, sweep
from bot.logs import who
from bot.services import privacy
from bot.telegram.gateway import send, set_menu
from bot.telegram.rate import Limiter
from storage import alerts, inbox, outbox
from storage.db import Database
from storage.models import Alert, OutboxMessage

log = logging.getLogger(__name__)
Maker = Callable[[Database, dict[str, Any]], Awaitable[bytes]]  # makes a file announced with `Later`
Menu = Callable[[Database, int], Awaitable[list[tuple[str, str]]]]  # a user's command menu, from their roles
MAX_ATTEMPTS = 12  # backoff doubling from 1 s: a message is given up after about an hour of failures
# A message claimed by a sender that died is sent by another after this; a live sender renews its claims.
LEASE = timedelta(seconds=15)
RENEW_EVERY = timedelta(seconds=5)
CONCURRENCY = 32  # messages on their way at once (each to a different chat)
STOP_WAIT = 10.0  # seconds a stopping sender lets the messages on their way arrive
IDLE_POLL_SECONDS = 0.5
SWEEP_LEASE = timedelta(seconds=90)
INSTANCE = f"bot-{uuid.uuid4().hex[:12]}"
ALERT_BATCH = 200
DEFAULT_POLICY = DataPolicy()


@dataclass(frozen=True)
class _Outcome:
    """What became of one message: sent, to retry at `retry_at`, or given up (`error` without `retry_at`)."""

    message: OutboxMessage
    retry_at: datetime | None = None
    error: str | None = None
    counted: bool = False


class Sender:
    """Sends the outbox of every process's workers (and alerts) from this process.

    One loop does the bookkeeping, in one transaction a round: it records what became of the messages that
    finished since the last round and claims the next ones (each the oldest of its chat); each message is sent
    by a task of its own, so a slow chat holds up no other.
    """

    def __init__(self, database: Database, bot: Bot, clock: Callable[[], datetime], limiter: Limiter,
                 makers: Mapping[str, Maker] | None = None, menu_of: Menu | None = None) -> None:  # fmt: skip
        self.database, self.bot, self.clock, self.limiter = database, bot, clock, limiter
        self.makers = makers or {}
        self.menu_of = menu_of
        self.wake = asyncio.Event()
        # Told when an update's last message is done (tests wait for it); nobody listening saves a query a round.
        self.settled: Callable[[int], None] | None = None
        self.delivered: Callable[[], None] = lambda: None  # a chat's next update may be handled now
        self._in_flight: dict[int, asyncio.Task[None]] = {}  # chat -> its message on its way
        self._outcomes: list[_Outcome] = []
        self._claimed: set[int] = set()  # messages this sender claimed and has not recorded yet
        self._let_go: set[int] = set()  # claimed for this sender by a worker, but their chat was busy
        self._renewed = datetime.min.replace(tzinfo=UTC)
        self._loop: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="sender")
        self.wake.set()

    async def stop(self) -> None:
        """Stop sending: nothing new is started, what is on its way may arrive (for up to STOP_WAIT seconds) and
        is recorded; what did not is let go (another process, or the next start, sends it). Cancelling a send
        whose request already left would have it sent twice."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()), timeout=STOP_WAIT)
        tasks = list(self._in_flight.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        outcomes, self._outcomes = self._outcomes, []
        async with self.database.transaction() as session:
            await self._record(session, outcomes, self.clock(), settling=False)
            await outbox.release(session, self._claimed)
        self._loop, self._in_flight, self._claimed, self._let_go = None, {}, set(), set()

    def can_take(self) -> bool:
        """Whether a worker may claim a reply for this sender in its own transaction (see `take`)."""
        return self._loop is not None and len(self._in_flight) < CONCURRENCY

    def take(self, message: OutboxMessage) -> None:
        """Send a message a worker claimed for this sender in the transaction that wrote it (the reply to an
        update, the head of its chat): it leaves at once, without a round of bookkeeping to claim it."""
        assert message.id is not None
        self._claimed.add(message.id)
        if message.chat_id in self._in_flight or self._loop is None:  # rare: let the next round decide
            self._let_go.add(message.id)
            self.wake.set()
            return
        self._in_flight[message.chat_id] = asyncio.create_task(self._deliver(message))

    async def _run(self) -> None:
        while True:
            self.wake.clear()  # before looking: a wake-up that comes while we look is not lost
            try:
                busy = await self.round()
            except Exception:  # the loop must outlive any failure; what was not sent stays in the outbox
                log.exception("the sender failed")
                busy = False
                await asyncio.sleep(IDLE_POLL_SECONDS)
            if not busy:  # asyncio.timeout, not wait_for: in 3.11 wait_for can swallow the cancel of a stop
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(IDLE_POLL_SECONDS):
                        await self.wake.wait()

    async def round(self) -> bool:
        """Record what finished, start what is due; True if there was anything to do."""
        outcomes, self._outcomes = self._outcomes, []
        free = max(0, CONCURRENCY - len(self._in_flight))  # workers may hand over a few more meanwhile
        now = self.clock()
        let_go, self._let_go = self._let_go, set()
        renew = now - self._renewed >= RENEW_EVERY
        try:
            async with self.database.transaction() as session:
                settled = await self._record(session, outcomes, now, settling=self.settled is not None)
                await outbox.release(session, let_go)
                if renew:  # what is on its way stays this sender's, however long Telegram takes to answer
                    finished = {
                        o.message.id for o in outcomes
                    }  # recorded just now: a retry keeps its own time
                    await outbox.renew(session, self._claimed - let_go - finished, now + LEASE)
                claimed = (
                    await outbox.claim_heads(session, now, free, LEASE, busy=list(self._in_flight))
                    if free
                    else []
                )
        except (
            BaseException
        ):  # not recorded (stopped, or the database failed): recorded later, never sent again
            self._outcomes = outcomes + self._outcomes
            self._let_go |= let_go
            raise
        if renew:
            self._renewed = now
        self._claimed -= let_go
        if outcomes:
            self.delivered()
        for update_id in settled:
            assert self.settled is not None
            self.settled(update_id)
        self._claimed.difference_update(o.message.id for o in outcomes if o.message.id is not None)
        for message in claimed:
            assert message.id is not None
            self._claimed.add(message.id)
            self._in_flight[message.chat_id] = asyncio.create_task(self._deliver(message))
        return bool(outcomes or claimed)

    async def drain(self, timeout: float = 30.0) -> None:
        """Send until nothing is due now by the bot's clock (tests, benchmarks, the sandbox's clock)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            if await self.round():
                continue
            if self._in_flight:
                await asyncio.wait(list(self._in_flight.values()), timeout=1.0)
                continue
            async with self.database.transaction() as session:
                due = await outbox.next_due(session)
            if due is None or due > self.clock():
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("the outbox did not drain")

    async def _deliver(self, message: OutboxMessage) -> None:
        try:
            outcome = await self._send(message)
        except Exception:  # never lose the message to a bug: it is retried after its lease, no longer renewed
            log.exception("message %s could not be processed", message.id)
            self._claimed.discard(message.id)
        else:
            self._outcomes.append(outcome)
        finally:
            self._in_flight.pop(message.chat_id, None)
            self.wake.set()

    async def _send(self, message: OutboxMessage) -> _Outcome:
        attachment = message.attachment
        later = (message.payload.get("attachment") or {}).get("later")
        if attachment is None and later is not None:  # made now, out of every transaction but its own reading
            try:
                attachment = await self.makers[later["maker"]](self.database, later["args"])
            except Exception as error:  # a file that cannot be made is tried again, then given up, like a 5xx
                log.exception("the file of message %s could not be made", message.id)
                return self._failed(message, repr(error))
        await self.limiter.wait(message.chat_id, bulk=message.alert_id is not None)
        try:
            if message.payload.get("menu") and self.menu_of is not None:  # read now: the roles as they are
                await set_menu(self.bot, message.chat_id, await self.menu_of(self.database, message.chat_id))
            else:
                await send(self.bot, message.chat_id, message.payload, attachment)
        except RetryAfter as error:
            seconds = _seconds(error.retry_after)
            self.limiter.hold(message.chat_id, seconds)
            return _Outcome(message, self.clock() + timedelta(seconds=seconds), str(error))
        except (Forbidden, BadRequest) as error:  # blocked the bot, no such chat, refused content: for good
            log.warning("message %s to %s undeliverable: %s", message.id, who(message.chat_id), error)
            return _Outcome(message, error=str(error))
        except (NetworkError, TelegramError) as error:  # 5xx, timeouts, connection problems: try again later
            return self._failed(message, str(error))
        return _Outcome(message)

    def _failed(self, message: OutboxMessage, error: str) -> _Outcome:
        """Try again later, waiting twice as long each time, up to MAX_ATTEMPTS."""
        if message.attempts + 1 >= MAX_ATTEMPTS:
            return _Outcome(message, error=error)
        backoff = timedelta(seconds=min(2**message.attempts, 3600))
        return _Outcome(message, self.clock() + backoff, error, counted=True)

    @staticmethod
    async def _record(session: Any, outcomes: list[_Outcome], now: datetime, *, settling: bool) -> list[int]:
        """Record what became of messages (and of the alerts they carry); the updates that owe nothing more
        (if `settling`)."""
        sent = [o.message for o in outcomes if o.retry_at is None and o.error is None]
        await outbox.mark_sent(session, [message.id for message in sent if message.id is not None], now)
        for outcome in outcomes:
            message = outcome.message
            assert message.id is not None
            if outcome.retry_at is not None:
                await outbox.retry_later(session, message.id, outcome.retry_at, outcome.error or "",
                                         counted=outcome.counted)  # fmt: skip
            elif outcome.error is not None:
                await outbox.mark_undeliverable(session, message.id, now, outcome.error)
            if message.alert_id is not None and outcome.retry_at is None:
                status = alerts.SENT if outcome.error is None else alerts.UNDELIVERABLE
                carried = [message.alert_id, *message.payload.get("more_alerts", ())]
                await alerts.finish(session, carried, status, now, late=message.payload.get("late", False),
                                    error=outcome.error and outcome.error[:300])  # fmt: skip
        if not settling:
            return []
        done = {
            o.message.update_id for o in outcomes if o.retry_at is None and o.message.update_id is not None
        }
        return sorted(done - await outbox.updates_still_owed(session, done)) if done else []


def _seconds(retry_after: Any) -> float:
    return float(retry_after) if isinstance(retry_after, int | float) else float(retry_after.total_seconds())


async def queue_alerts(database: Database, clock: Callable[[], datetime]) -> int:
    """Put the alerts due now in the outbox, in their recipients' languages; how many. Not in quiet hours.

    The alerts of one kind due to one recipient are rendered together (a kind may say them in one message); a
    message carrying several alerts names the first as its `alert_id` and the others in its payload
    (`more_alerts`), and all are marked sent (or undeliverable) with it."""
    queued = 0
    while not reminders.is_quiet(clock()):
        async with database.transaction() as session:
            now = clock()
            due = await alerts.claim(session, now, ALERT_BATCH)
            together: dict[tuple[str, int | None], list[Alert]] = {}
            for alert in due:
                together.setdefault((alert.kind, alert.recipient_id), []).append(alert)
            for (_kind, recipient), group in together.items():
                carried: set[int | None] = set()
                for reply, its_alerts in await render(session, group, now):
                    ids = [alert.id for alert in its_alerts]
                    late = any(reminders.is_late(alert.due_at, now) for alert in its_alerts)
                    payload = {**payload_of(reply), "late": late, "more_alerts": ids[1:]}
                    await outbox.add(session, [{"chat_id": recipient, "payload": payload, "alert_id": ids[0],
                                                "attachment": None, "update_id": None}], now)  # fmt: skip
                    carried.update(ids)
                    queued += 1
                await alerts.finish(session, [i for i in carried if i is not None], alerts.QUEUED, now)
                # Carried by no message: what they announced no longer holds.
                await alerts.finish(session, [a.id for a in group if a.id not in carried and a.id is not None],
                                    alerts.OBSOLETE, now)  # fmt: skip
        if not due:
            break
    return queued


async def sweep_once(
    database: Database,
    clock: Callable[[], datetime],
    holder: str = INSTANCE,
    policy: DataPolicy = DEFAULT_POLICY,
) -> int | None:
    """Record the alerts due now, if this process holds the sweeper lease; None if another one does.
    The same periodic round forgets the updates and messages handled more than two days ago, and once a day
    applies the retention periods of `policy` (docs/privacy.md)."""
    async with database.transaction() as session:
        now = clock()
        if not await alerts.take_lease(session, "alert-sweeper", holder, now, SWEEP_LEASE):
            return None
        await inbox.forget_old(session, now)
        await outbox.forget_old(session, now)
        if await alerts.due_once(session, "retention", now, RETENTION_EVERY):
            done = await privacy.apply_retention(session, now, policy)
            log.info("retention: %s", done)
        return await sweep(session, now)
