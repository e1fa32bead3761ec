"""What the stand-in remembers: the bot, the users and their chats, every message, files, commands.

Plain data and the operations on it; no HTTP. Every change in a chat is an event with a new ``version``
(a counter over all chats), and fires ``changes`` so that waiters wake up.
"""

from __future__ import annotations

import asyncio
import bisect
import copy
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.botapi.errors import UnknownUserError
from bot.sandbox.botapi.files import FileStore
from bot.sandbox.botapi.updates import Signal, UpdateQueue

JsonDict = dict[str, Any]
Predicate = Callable[[JsonDict], bool]


@dataclass
class Record:
    """One message of a chat transcript, in either direction."""

    message_id: int
    user_id: int
    from_bot: bool
    date: int
    text: str | None = None
    raw_text: str | None = None
    entities: list[JsonDict] = field(default_factory=list)
    caption: str | None = None
    raw_caption: str | None = None
    caption_entities: list[JsonDict] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: JsonDict | None = None
    photo: list[JsonDict] | None = None
    document: JsonDict | None = None
    location: JsonDict | None = None
    contact: JsonDict | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    edit_history: list[JsonDict] = field(default_factory=list)
    deleted: bool = False

    def content(self) -> JsonDict:
        """What an edit may change, as kept in ``edit_history``."""
        return {
            "text": self.text,
            "raw_text": self.raw_text,
            "caption": self.caption,
            "raw_caption": self.raw_caption,
            "parse_mode": self.parse_mode,
            "entities": copy.deepcopy(self.entities),
            "caption_entities": copy.deepcopy(self.caption_entities),
            "reply_markup": copy.deepcopy(self.reply_markup),
            "date": self.edit_date or self.date,
        }

    def snapshot(self) -> JsonDict:
        """The message as the transcript shows it (``messages``, /_sim/messages)."""
        return {
            "message_id": self.message_id,
            "user_id": self.user_id,
            "chat_id": self.user_id,
            "from_bot": self.from_bot,
            "date": self.date,
            "text": self.text,
            "raw_text": self.raw_text,
            "entities": copy.deepcopy(self.entities),
            "caption": self.caption,
            "raw_caption": self.raw_caption,
            "caption_entities": copy.deepcopy(self.caption_entities),
            "parse_mode": self.parse_mode,
            "reply_markup": copy.deepcopy(self.reply_markup),
            "photo": copy.deepcopy(self.photo),
            "document": copy.deepcopy(self.document),
            "location": copy.deepcopy(self.location),
            "contact": copy.deepcopy(self.contact),
            "reply_to_message_id": self.reply_to_message_id,
            "edited": self.edit_date is not None,
            "edit_date": self.edit_date,
            "edit_history": copy.deepcopy(self.edit_history),
            "deleted": self.deleted,
        }


@dataclass
class Event:
    seq: int
    user_id: int
    kind: str  # "user" | "bot" | "edit" | "delete" | "answer" | "user_changed"
    message_id: int | None
    snapshot: JsonDict | None


@dataclass
class Chat:
    """The private chat with one user (only private chats exist here: a chat id is its user's id)."""

    user: JsonDict
    phone_number: str | None = None
    records: dict[int, Record] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: JsonDict | None = None
    answers: list[JsonDict] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    version: int = 0
    blocked: bool = False


@dataclass
class CallbackQuery:
    """A button press, until the bot answers it."""

    user_id: int
    message_id: int
    data: str
    answered: bool = False


def chat_object(chat: Chat) -> JsonDict:
    """The chat as a Telegram Chat."""
    obj: JsonDict = {"id": chat.user["id"], "type": "private", "first_name": chat.user["first_name"]}
    for key in ("last_name", "username"):
        if chat.user.get(key):
            obj[key] = chat.user[key]
    return obj


def scope_key(scope: JsonDict | None) -> str:
    """A command scope as a key of ``State.commands``."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


class State:
    """Everything the stand-in remembers, shared by the Bot API methods and the simulated users."""

    def __init__(self, bot_user: JsonDict) -> None:
        self.bot_user = bot_user
        self.chats: dict[int, Chat] = {}
        self.updates = UpdateQueue()
        self.files = FileStore()
        self.callbacks: dict[str, CallbackQuery] = {}
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}  # by (scope key, language_code)
        self.bot_texts: dict[tuple[str, str], str] = {}  # by (field name, language_code)
        self.version = 0
        self.changes = Signal()
        self.closing = False
        self._callback_counter = itertools.count(1)

    def open(self) -> None:
        self.closing = False
        self.updates.closed = False

    def close(self) -> None:
        """Release every waiter: long polls answer at once, waits end."""
        self.closing = True
        self.updates.close()
        self.changes.fire()

    # ---------------------------------------------------------------------------------- changes

    def chat_of(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None:
            raise UnknownUserError(f"unknown user {user_id}: call add_user first")
        return chat

    def touch(self, chat: Chat, kind: str, message_id: int | None, snapshot: JsonDict | None) -> None:
        """Record a change in that chat as an event, and wake the waiters."""
        self.version += 1
        chat.version = self.version
        chat.events.append(Event(self.version, int(chat.user["id"]), kind, message_id, snapshot))
        self.changes.fire()

    @staticmethod
    def new_message_id(chat: Chat) -> int:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return message_id

    def new_callback_query(self, user_id: int, message_id: int, data: str) -> str:
        query_id = str(4_000_000_000_000_000 + next(self._callback_counter))
        self.callbacks[query_id] = CallbackQuery(user_id, message_id, data)
        return query_id

    def message_object(self, record: Record, *, nested: bool = False) -> JsonDict:
        """The record as a Telegram Message, as the bot receives it."""
        chat = self.chats[record.user_id]
        obj: JsonDict = {
            "message_id": record.message_id,
            "from": dict(self.bot_user) if record.from_bot else dict(chat.user),
            "chat": chat_object(chat),
            "date": record.date,
        }
        if record.edit_date is not None:
            obj["edit_date"] = record.edit_date
        if record.text is not None:
            obj["text"] = record.text
            if record.entities:
                obj["entities"] = copy.deepcopy(record.entities)
        for key in ("photo", "document", "location", "contact"):
            value = getattr(record, key)
            if value is not None:
                obj[key] = copy.deepcopy(value)
        if record.caption is not None:
            obj["caption"] = record.caption
            if record.caption_entities:
                obj["caption_entities"] = copy.deepcopy(record.caption_entities)
        # Telegram echoes inline keyboards only.
        if record.reply_markup and "inline_keyboard" in record.reply_markup:
            obj["reply_markup"] = copy.deepcopy(record.reply_markup)
        if record.reply_to_message_id is not None and not nested:
            replied = chat.records.get(record.reply_to_message_id)
            if replied is not None and not replied.deleted:
                obj["reply_to_message"] = self.message_object(replied, nested=True)
        return obj

    # ---------------------------------------------------------------------------------- reading

    def messages(self, user_id: int) -> list[JsonDict]:
        """The transcript of the chat with that user, both directions, oldest first."""
        return [r.snapshot() for r in self.chat_of(user_id).records.values()]

    def chat_state(self, user_id: int) -> JsonDict:
        """The whole chat as the sandbox page draws it."""
        chat = self.chat_of(user_id)
        return {
            "version": chat.version,
            "user": dict(chat.user),
            "messages": self.messages(user_id),
            "reply_keyboard": copy.deepcopy(chat.reply_keyboard),
            "answers": copy.deepcopy(chat.answers),
        }

    def events(self, since: int = 0, user_id: int | None = None) -> list[JsonDict]:
        chats = [self.chat_of(user_id)] if user_id is not None else list(self.chats.values())
        found = [e for chat in chats for e in chat.events if e.seq > since]
        found.sort(key=lambda e: e.seq)
        return [
            {"seq": e.seq, "user_id": e.user_id, "kind": e.kind, "message_id": e.message_id} for e in found
        ]

    async def wait_for_change(self, since: int, timeout: float, user_id: int | None = None) -> int:
        """Wait until the version (of that user's chat, or of any) exceeds ``since``; returns it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout

        def current() -> int:
            return self.version if user_id is None else self.chat_of(user_id).version

        while current() <= since and not self.closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self.changes.wait(remaining)
        return current()

    async def wait_for_bot_message(
        self, user_id: int, after_message_id: int | None, timeout: float, predicate: Predicate | None
    ) -> JsonDict:
        """The first bot message (new, or an edit) matching ``predicate``; see ``FakeBotApi``."""
        chat = self.chat_of(user_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        start_seq = self.version
        if after_message_id is not None:
            for record in list(chat.records.values()):
                if record.from_bot and record.message_id > after_message_id and not record.deleted:
                    snap = record.snapshot()
                    if predicate is None or predicate(snap):
                        return snap
        index = bisect.bisect_right(chat.events, start_seq, key=lambda event: event.seq)  # only what comes
        while True:
            while index < len(chat.events):
                event = chat.events[index]
                index += 1
                if event.seq <= start_seq or event.kind not in ("bot", "edit") or event.snapshot is None:
                    continue
                if predicate is None or predicate(event.snapshot):
                    return copy.deepcopy(event.snapshot)
            remaining = deadline - loop.time()
            if remaining <= 0 or self.closing:
                raise TimeoutError(f"no bot message for user {user_id} within {timeout}s")
            await self.changes.wait(remaining)
