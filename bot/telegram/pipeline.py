"""From Telegram to the actions and back, losing nothing and doing nothing twice.

1. Receiving (`receiving.py` for long polling, `webhook.py`): each update is stored in the inbox and committed
   before Telegram is told it arrived; a redelivered update is recognised by its id.
2. Handling (here): workers take the stored updates, each in one transaction that claims the update, runs its
   action (`bot/routes.py`), writes the replies it owes to the outbox and marks the update done. Updates of one
   chat are handled in order, each after the replies to the previous one were sent; different chats go
   concurrently. If the action raises, everything it did is rolled back and the user is told so. Slow work
   (reading a spreadsheet) is done out of the transaction (`NotAtHand`); files to send are made by the sender.
3. Sending (`sender.py`): the outbox is sent within Telegram's limits, in order per chat, retried until it
   gets through or can never get through.

A crash at any point loses nothing: an update not yet stored was not acknowledged (Telegram sends it again), a
stored one is handled by the next worker, a reply written is sent by the next sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import OperationalError
from telegram import Bot
from telegram.error import TelegramError

from bot import routes
from bot.chat.context import Ctx, Failed, NotAtHand
from bot.chat.messages import Reply, payload_of
from bot.domain.privacy import DataPolicy
from bot.i18n import language_from_telegram, translator
from bot.logs import who
from bot.telegram.gateway import chat_of, incoming_from, pressed_message_id
from bot.telegram.rate import Limiter
from bot.telegram.sender import LEASE, Sender
from conversations.engine import Dialogue
from storage import inbox, outbox, roles, users
from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
IDLE_POLL_SECONDS = 0.5  # how often an idle process looks for work another process stored
BUSY_RETRIES = 5  # a transaction that met a locked database or a serialization failure is tried again
AT_HAND = 4  # results of slow work kept for the updates that need them (files read: a few MB each at most)


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FloodRule:
    """Beyond `updates` in `window` one person is told once to slow down, and the excess is dropped."""

    updates: int = 30
    window: timedelta = timedelta(seconds=10)

    @property
    def enabled(self) -> bool:
        return self.updates > 0


@dataclass
class Services:
    database: Database
    dialogues: Mapping[str, Dialogue]  # the dialogues listed in bot/routes.py
    clock: Clock = system_clock
    limiter: Limiter = field(default_factory=Limiter)
    flood: FloodRule = field(default_factory=FloodRule)
    policy: DataPolicy = field(default_factory=DataPolicy)


class Pipeline:
    """The workers of one process: they handle stored updates and wake the sender."""

    def __init__(self, bot: Bot, services: Services, sender: Sender, *, workers: int = 8) -> None:
        self.bot, self.services, self.sender, self.workers = bot, services, sender, workers
        self.work = asyncio.Event()  # something may be waiting in the inbox
        self.waiting = (
            1  # updates stored and not taken yet, as far as this process knows (what the last one left)
        )
        # An update was handled and owes nothing (the sender says when the last reply of one is done).
        self.settled: Callable[[int], None] = lambda _update_id: None
        self._dispatcher: asyncio.Task[None] | None = None
        self._attempts: set[asyncio.Task[None]] = set()
        self.at_hand: OrderedDict[Hashable, Any] = OrderedDict()  # see `bot.chat.context.NotAtHand`
        self._preparing: dict[Hashable, asyncio.Task[None]] = {}
        self._set_aside: set[int] = set()  # updates waiting for slow work, not to be taken by this process

    async def start(self) -> None:
        self._dispatcher = asyncio.create_task(self._dispatch(), name="dispatcher")
        self.work.set()  # what a previous process left

    async def stop(self) -> None:
        tasks = [task for task in (self._dispatcher, *self._attempts) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._dispatcher, self._attempts = None, set()

    def stored(self, count: int) -> None:
        """`count` updates were stored by this process: look for them."""
        self.waiting += count
        self.work.set()

    async def _dispatch(self) -> None:
        """Try to take an update whenever one may be waiting, up to `workers` at once.

        This process knows how many updates it stored and did not take yet; an attempt that takes one asks for
        another at once while some wait (other chats'). Now and then one looks for what other processes stored.
        """
        while True:
            try:  # asyncio.timeout, not wait_for: in 3.11 wait_for can swallow the cancel of a stop
                async with asyncio.timeout(IDLE_POLL_SECONDS):
                    await self.work.wait()
            except TimeoutError:
                self.waiting = max(self.waiting, 1)  # perhaps another process stored some
            self.work.clear()
            if self.waiting > 0 and len(self._attempts) < self.workers:
                task = asyncio.create_task(self._attempt())
                self._attempts.add(task)
                task.add_done_callback(self._attempts.discard)

    async def _attempt(self) -> None:
        try:
            handled = await self.handle_next()
        except Exception:  # the update waits for the next attempt
            log.exception("a worker failed")
            await asyncio.sleep(IDLE_POLL_SECONDS)
            return
        if not handled:
            self.waiting = 0  # what waits is held back (order, replies owed): the sender will wake us

    async def handle_next(self) -> bool:
        """Handle the next waiting update, if any; True if one was handled (or given up)."""
        for attempt in range(BUSY_RETRIES):
            try:
                return await self._handle_next()
            except (
                OperationalError
            ) as error:  # the database was busy or a serialization failed: all rolled back
                if attempt == BUSY_RETRIES - 1:
                    raise
                log.info("database busy, trying the update again: %s", error.orig)
                await asyncio.sleep(0.05 * (attempt + 1))
        return False

    async def _handle_next(self) -> bool:
        try:
            return await self._handle_in_transaction()
        except NotAtHand as needed:  # rolled back: the update waits, its chat's next ones behind it
            assert needed.update_id is not None
            self._set_aside.add(needed.update_id)  # other chats' updates are taken meanwhile
            try:
                await self._prepare(needed)
            finally:
                self._set_aside.discard(needed.update_id)
            self.stored(1)
            return True

    async def _prepare(self, needed: NotAtHand) -> None:
        """Do slow work out of every transaction, once even if several workers need it at the same time."""
        task = self._preparing.get(needed.key)
        if task is None:
            task = self._preparing[needed.key] = asyncio.create_task(self._keep(needed))
            task.add_done_callback(lambda _task: self._preparing.pop(needed.key, None))
        await asyncio.shield(task)

    async def _keep(self, needed: NotAtHand) -> None:
        try:
            result = await needed.work()
        except Exception as error:  # the action raises it in its transaction, and fails as any action does
            result = Failed(error)
        self.at_hand[needed.key] = result
        self.at_hand.move_to_end(needed.key)
        while len(self.at_hand) > AT_HAND:
            self.at_hand.popitem(last=False)

    async def _handle_in_transaction(self) -> bool:
        services = self.services
        claimed: tuple[int, dict[str, Any]] | None = None  # the update's id and payload, kept past a rollback
        queued: list[dict[str, Any]] = []
        handed: OutboxMessage | None = None  # the first reply, claimed for this process's sender
        try:
            async with services.database.transaction() as session:
                now = services.clock()
                claimed = await inbox.take_next(session, now, skip=self._set_aside)
                if claimed is None:
                    return False
                self.waiting = max(0, self.waiting - 1)
                if self.waiting:
                    self.work.set()  # another worker may take the next update (of another chat) meanwhile
                queued = await self._run(session, *claimed, now)
                handed = await self._queue(session, queued, chat_of(claimed[1]), now)
        except OperationalError:
            raise
        except NotAtHand as needed:
            needed.update_id = claimed[0] if claimed else None
            raise
        except Exception:
            if claimed is None:
                raise
            log.exception("the action of update %s failed; its changes are rolled back", claimed[0])
            handed, queued = None, await self._give_up(*claimed)
        assert claimed is not None
        if handed is not None:
            self.sender.take(handed)
        if len(queued) > (handed is not None):
            self.sender.wake.set()
        if not queued:
            self.settled(claimed[0])
        await self._answer_button(claimed[1])
        return True

    async def _queue(
        self, session: Any, queued: list[dict[str, Any]], chat_id: int, now: datetime
    ) -> OutboxMessage | None:
        """Write the replies to the outbox; the first one to the update's own chat is claimed for this process's
        sender, which sends it when the transaction commits (nothing else of that chat is pending: the update
        was taken only once its previous replies were sent)."""
        first = next((i for i, message in enumerate(queued) if message["chat_id"] == chat_id), None)
        if first is None or not self.sender.can_take():
            await outbox.add(session, queued, now)
            return None
        handed = await outbox.add_claimed(session, queued[first], now, now + LEASE)
        await outbox.add(session, queued[:first] + queued[first + 1 :], now)
        return handed

    async def _run(
        self, session: Any, update_id: int, update: dict[str, Any], now: datetime
    ) -> list[dict[str, Any]]:
        """The update's action in this transaction; the messages it owes, for the outbox."""
        incoming = incoming_from(update)
        if incoming is None:  # not something a person did in a private chat: nothing to do
            return []
        user = await users.find(session, incoming.user_id)
        language = user.language if user else language_from_telegram(incoming.language_code)[0]
        ctx = Ctx(
            session=session,
            incoming=incoming,
            t=translator(language),
            now=now,
            user=user,
            grants=await roles.grants_of(session, incoming.user_id) if user else {},
            bot_username=self.bot.username,
            fetch_file=self._download,
            fetch_name=self._name,
            dialogues=self.services.dialogues,
            at_hand=self.at_hand,
            policy=self.services.policy,
        )
        action = routes.action_for(incoming)
        replies = await action(ctx)
        log.debug("update %s of %s: %s.%s, %d replies", update_id, who(incoming.user_id), action.__module__,
                  action.__qualname__, len(replies))  # fmt: skip
        return owed(replies, incoming.user_id, update_id, pressed_message_id(update))

    async def _give_up(self, update_id: int, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """The action raised: its changes were rolled back; the update is marked failed and the user told so."""
        try:
            incoming = incoming_from(payload)
        except (
            TypeError,
            KeyError,
            AttributeError,
            IndexError,
        ):  # not something to answer: marked failed all the same
            incoming = None
        queued: list[dict[str, Any]] = []
        async with self.services.database.transaction() as session:
            await inbox.mark_failed(session, update_id, self.services.clock())
            if incoming is not None:
                user = await users.find(session, incoming.user_id)
                t = translator(user.language if user else language_from_telegram(incoming.language_code)[0])
                sorry = Reply(t._("Sorry, something went wrong on our side and this message was not taken into "
                                  "account. Your earlier answers are kept: please send it again."))  # fmt: skip
                queued = owed([sorry], incoming.user_id, update_id, None)
                await outbox.add(session, queued, self.services.clock())
        return queued

    async def _answer_button(self, payload: dict[str, Any]) -> None:
        """Stop the pressed button's spinner (cosmetic: a failure changes nothing)."""
        query = payload.get("callback_query")
        if not isinstance(query, dict) or not query.get("id"):
            return
        try:
            await self.bot.answer_callback_query(str(query["id"]))
        except TelegramError as error:
            log.info("could not answer a callback query: %s", error)

    async def _name(self, user_id: int) -> str:
        try:  # raw: only three fields are read, whatever else the Bot API's version returns
            chat = await self.bot.do_api_request("getChat", api_kwargs={"chat_id": user_id})
        except TelegramError:
            return ""
        if not isinstance(chat, dict):
            return ""
        name = " ".join(str(chat[part]) for part in ("first_name", "last_name") if chat.get(part))
        return f"{name} (@{chat['username']})" if chat.get("username") else name

    async def _download(self, file_id: str) -> bytes:
        file = await self.bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())


def owed(
    replies: list[Reply], chat_id: int, update_id: int | None, pressed: int | None
) -> list[dict[str, Any]]:
    """The outbox rows of replies to `chat_id` (or to whom each says), in order."""
    return [
        {
            "chat_id": reply.to_user if reply.to_user is not None else chat_id,
            "payload": payload_of(reply, pressed if reply.to_user in (None, chat_id) else None),
            "attachment": reply.attachment.content
            if reply.attachment is not None and isinstance(reply.attachment.content, bytes)
            else None,
            "update_id": update_id,
        }
        for reply in replies
    ]
