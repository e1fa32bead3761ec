"""A local stand-in for the Telegram Bot API, for tests, demos and training.

``FakeBotApi`` is a small aiohttp server that answers the subset of the Bot API our bot uses, so the
real python-telegram-bot ``Application`` can run against it over real HTTP::

    async with FakeBotApi() as api:
        app = (
            Application.builder().token("123:ABC")
            .base_url(api.bot_base_url).base_file_url(api.file_base_url).build()
        )
        api.add_user(1001, "Camille")
        api.send_text(1001, "/start")
        reply = await api.wait_for_bot_message(1001)

The simulation side (users typing, pressing buttons, sharing a location...) is available both as
Python methods and as JSON endpoints, answering ``{"ok": true, "result": ...}``:

- ``GET /`` the chat web page (page.html); ``GET|POST /_sim/users`` list / create-or-update a user
  ``{user_id, first_name, language_code, username?}``
- ``POST /_sim/send`` ``{user_id, text}`` | ``{user_id, callback: {message_id, data}}`` |
  ``{user_id, location: {lat, lon}}`` | ``{user_id, contact: {phone_number}}``
- ``POST /_sim/upload`` multipart ``user_id``, ``kind`` (photo|document), ``file``, ``caption?``
- ``GET /_sim/messages?user_id=N&after=M`` the transcript after message M
- ``GET /_sim/wait?user_id=N&after=M&timeout=S`` the next bot message (new or edited) after M, or null;
  ``GET /_sim/wait?user_id=N&since=V&timeout=S`` the whole chat state once its version passes V
- ``GET /_sim/file/{file_id}[?download=1]``, ``GET /_sim/calls[?method=...]``, ``GET /_sim/commands``,
  ``GET /_sim/updates``, ``POST /_sim/fail`` (as ``fail_next``), ``POST /_sim/limits`` (as
  ``enforce_limits``, or ``{"enabled": false}``)

Only private chats exist here: a chat id is the id of its user.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import itertools
import json
import math
import mimetypes
import re
import secrets
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

__all__ = [
    "ApiError",
    "EntityParseError",
    "FakeBotApi",
    "SimulationError",
    "UnknownUserError",
    "image_size",
    "inline_buttons",
    "parse_html",
    "reply_keyboard_buttons",
]

JsonDict = dict[str, Any]
Predicate = Callable[[JsonDict], bool]

PAGE_FILE = Path(__file__).with_name("page.html")

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100

# Parameters whose value is always a string, even when it looks like JSON ("123", "true"...).
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "photo",
        "document",
        "file_id",
        "language_code",
        "url",
        "action",
        "description",
        "short_description",
        "name",
        "secret_token",
        "file_name",
        "query",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "phone_number",
        "first_name",
        "last_name",
        "title",
        "emoji",
        "inline_message_id",
    }
)
_JSON_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Methods that count as "sending a message" for the optional rate limiter.
_RATE_LIMITED = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendLocation"})

_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_UPDATE_TYPES = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "inline_query",
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


# --------------------------------------------------------------------------------------------------
# Errors


class ApiError(Exception):
    """An error answered to the bot as ``{"ok": false, ...}`` with HTTP status ``error_code``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class SimulationError(ValueError):
    """A simulated user action that Telegram would not allow (e.g. pressing a button that isn't there)."""


class UnknownUserError(SimulationError):
    """The simulated user does not exist: call ``add_user`` first."""


class EntityParseError(ValueError):
    """Text with ``parse_mode`` that Telegram would refuse ("can't parse entities: ...")."""


def _bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


# --------------------------------------------------------------------------------------------------
# Telegram HTML parsing (the subset Telegram accepts), used to validate what the bot sends


_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_NAME = re.compile(r"[A-Za-z0-9-]*")
_ATTR_NAME = re.compile(r"[A-Za-z0-9_-]+")
_HTML_ENTITY = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z]{1,10});")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _utf16_len(text: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def _decode_entity(match: re.Match[str]) -> str | None:
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code)
        return None
    return _NAMED_ENTITIES.get(body)


@dataclass
class _OpenTag:
    name: str
    offset: int  # UTF-16 offset in the plain text
    attrs: dict[str, str]


def parse_html(text: str) -> tuple[str, list[JsonDict]]:
    """Parse Telegram-flavoured HTML into (plain text, MessageEntity dicts) like Telegram does.

    Raises ``EntityParseError`` with a Telegram-like message for unsupported tags, unbalanced tags,
    malformed tags... Only ``&lt; &gt; &amp; &quot;`` and numeric entities are decoded; other
    ``&...;`` sequences and lone ``&`` stay as they are.
    """
    out: list[str] = []
    pos16 = 0
    stack: list[_OpenTag] = []
    entities: list[JsonDict] = []
    i = 0
    n = len(text)

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    def emit(chars: str) -> None:
        nonlocal pos16
        out.append(chars)
        pos16 += _utf16_len(chars)

    while i < n:
        ch = text[i]
        if ch == "&":
            match = _HTML_ENTITY.match(text, i)
            decoded = _decode_entity(match) if match else None
            if match and decoded is not None:
                emit(decoded)
                i = match.end()
            else:
                emit("&")
                i += 1
            continue
        if ch != "<":
            emit(ch)
            i += 1
            continue
        start = i
        if text.startswith("</", i):
            end = text.find(">", i)
            if end < 0:
                raise EntityParseError(f"Unclosed end tag at byte offset {byte_offset(start)}")
            name = text[i + 2 : end].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset(start)}")
            top = stack[-1]
            if name != top.name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {byte_offset(start)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            stack.pop()
            _close_entity(top, pos16, stack, entities)
            i = end + 1
            continue
        name_match = _TAG_NAME.match(text, i + 1)
        assert name_match is not None  # the pattern matches the empty string
        name = name_match.group(0).lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {byte_offset(start)}')
        i = name_match.end()
        attrs: dict[str, str] = {}
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(start)}")
            if text[i] == ">":
                i += 1
                break
            attr_match = _ATTR_NAME.match(text, i)
            if attr_match is None:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {byte_offset(start)}'
                )
            attr = attr_match.group(0).lower()
            i = attr_match.end()
            while i < n and text[i].isspace():
                i += 1
            if i >= n or text[i] != "=":
                raise EntityParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                    f"at byte offset {byte_offset(start)}"
                )
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i < n and text[i] in "\"'":
                quote = text[i]
                close = text.find(quote, i + 1)
                if close < 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(start)}")
                raw_value = text[i + 1 : close]
                i = close + 1
            else:
                value_start = i
                while i < n and not text[i].isspace() and text[i] != ">":
                    i += 1
                raw_value = text[value_start:i]
            attrs[attr] = _HTML_ENTITY.sub(lambda m: _decode_entity(m) or m.group(0), raw_value)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(start)}'
            )
        if name == "tg-emoji" and "emoji-id" not in attrs:
            raise EntityParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {byte_offset(start)}'
            )
        stack.append(_OpenTag(name, pos16, attrs))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_entity(tag: _OpenTag, end16: int, stack: list[_OpenTag], entities: list[JsonDict]) -> None:
    length = end16 - tag.offset
    kind = _HTML_TAGS[tag.name]
    if tag.name == "code" and stack and stack[-1].name == "pre":
        language = tag.attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].attrs["language"] = language[len("language-") :]
            return
    if length <= 0:
        return
    entity: JsonDict = {"type": kind, "offset": tag.offset, "length": length}
    if kind == "text_link":
        href = tag.attrs.get("href")
        if not href:
            return
        entity["url"] = href
    elif kind == "pre" and tag.attrs.get("language"):
        entity["language"] = tag.attrs["language"]
    elif kind == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    entities.append(entity)


_MDV2_ALWAYS_ESCAPED = frozenset("#+-={}.!")


def _check_markdown_v2(text: str) -> None:
    """A light MarkdownV2 check: characters that are never markup must be escaped."""
    in_code = False
    in_url = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            in_code = not in_code
        elif not in_code:
            if text.startswith("](", i):
                in_url = True
                i += 2
                continue
            if in_url and ch == ")":
                in_url = False
            elif not in_url and ch in _MDV2_ALWAYS_ESCAPED and not text.startswith("![", i):
                raise EntityParseError(
                    f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
                )
        i += 1


def _format_text(text: str, parse_mode: str | None) -> tuple[str, list[JsonDict]]:
    mode = (parse_mode or "").lower()
    try:
        if mode == "html":
            return parse_html(text)
        if mode == "markdownv2":
            _check_markdown_v2(text)
    except EntityParseError as exc:
        raise _bad_request(f"can't parse entities: {exc}") from exc
    if mode not in ("", "markdown", "markdownv2"):
        raise _bad_request("unsupported parse_mode")
    return text, []


# --------------------------------------------------------------------------------------------------
# Small helpers


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of PNG, JPEG, GIF or WebP data; None when it isn't one of those."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            (segment_length,) = struct.unpack(">H", data[i + 2 : i + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + segment_length
        return None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return (512, 512)
    return None


def inline_buttons(message: JsonDict) -> list[JsonDict]:
    """The inline buttons of a transcript message (or Telegram Message dict), flattened in order."""
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        return []
    return [b for row in rows if isinstance(row, list) for b in row if isinstance(b, dict)]


def reply_keyboard_buttons(markup: JsonDict | None) -> list[JsonDict]:
    """The buttons of a ReplyKeyboardMarkup dict, flattened, each as a dict with at least ``text``."""
    rows = (markup or {}).get("keyboard")
    if not isinstance(rows, list):
        return []
    buttons: list[JsonDict] = []
    for row in rows:
        for button in row if isinstance(row, list) else []:
            buttons.append({"text": button} if isinstance(button, str) else dict(button))
    return buttons


def _lenient(key: str, value: Any) -> Any:
    """Decode one request value: JSON when it looks like JSON, else the string itself."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str) or key in _STRING_PARAMS:
        return value
    stripped = value.strip()
    if stripped and (
        stripped[0] in '{["' or stripped in ("true", "false", "null") or _JSON_NUMBER.fullmatch(stripped)
    ):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _bad_request(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise _bad_request(f"invalid {name} specified")


def _as_float(value: Any, name: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value))
    except ValueError as exc:
        raise _bad_request(f"invalid {name} specified") from exc


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _as_json_object(value: Any, what: str) -> JsonDict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise _bad_request(f"can't parse {what} JSON object") from exc
    if not isinstance(value, dict):
        raise _bad_request(f"can't parse {what} JSON object")
    return value


def _message_text(params: JsonDict) -> tuple[str, str | None, str, list[JsonDict]]:
    """The text of sendMessage / editMessageText as sent and as shown, refused as Telegram refuses it."""
    raw_text = _as_text(params.get("text"))
    parse_mode = _as_text(params.get("parse_mode")) or None
    text, entities = _format_text(raw_text, parse_mode)
    if not text.strip():
        raise _bad_request("message text is empty")
    if _utf16_len(text) > MAX_TEXT_LENGTH:
        raise _bad_request("message is too long")
    return raw_text, parse_mode, text, entities


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def _now() -> int:
    return int(time.time())


@dataclass
class _Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes

    def describe(self) -> JsonDict:
        return {"file_name": self.filename, "mime_type": self.content_type, "size": len(self.data)}


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "photo" | "document"
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0


@dataclass
class _Record:
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
class _Event:
    seq: int
    user_id: int
    kind: str  # "user" | "bot" | "edit" | "delete" | "answer"
    message_id: int | None
    snapshot: JsonDict | None


@dataclass
class _Chat:
    user: JsonDict
    phone_number: str | None = None
    records: dict[int, _Record] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: JsonDict | None = None
    answers: list[JsonDict] = field(default_factory=list)
    events: list[_Event] = field(default_factory=list)
    version: int = 0
    blocked: bool = False
    last_action: str | None = None


@dataclass
class _CallbackState:
    user_id: int
    message_id: int
    data: str
    answered: bool = False


@dataclass
class _Failure:
    error_code: int
    description: str
    retry_after: int | None


class _Signal:
    """Wakes every waiter when something changes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(seconds, 0.0))


Handler = Callable[[JsonDict, "web.Request | None"], Awaitable[Any]]


# --------------------------------------------------------------------------------------------------
# The fake server


class FakeBotApi:
    """A local Telegram Bot API server plus a simulator of the users talking to the bot."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str | None = None,
        bot_id: int | None = None,
        bot_first_name: str = "Logement de crise",
        bot_username: str = "logement_de_crise_bot",
    ) -> None:
        self.host = host
        self.port = port
        self.expected_token = token
        self.tokens: list[str] = []
        self.calls: list[tuple[str, JsonDict]] = []
        self.bot_user: JsonDict = {
            "id": bot_id or 7000000001,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._bot_id_fixed = bot_id is not None
        self._url: str | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False

        self._chats: dict[int, _Chat] = {}
        self._updates: list[JsonDict] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._webhook_url = ""
        self._seq = 0
        self._updates_signal = _Signal()
        self._changes_signal = _Signal()

        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._callbacks: dict[str, _CallbackState] = {}
        self._callback_counter = itertools.count(1)

        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._failures: dict[str, collections.deque[_Failure]] = {}
        self._limits: tuple[int, int] | None = None
        self._sent_overall: collections.deque[float] = collections.deque()
        self._sent_per_chat: dict[int, collections.deque[float]] = {}

        self._handlers: dict[str, Handler] = {}
        self._canonical: dict[str, str] = {}
        for name, handler in self._api_methods().items():
            self._handlers[name.lower()] = handler
            self._canonical[name.lower()] = name

    # ---------------------------------------------------------------------------------- lifecycle

    async def start(self) -> str:
        """Start serving; returns the base url, e.g. ``http://127.0.0.1:PORT``."""
        if self._url is not None:
            return self._url
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file_download)
        app.router.add_get("/", self._handle_page)
        app.router.add_get("/_sim/users", self._sim_get_users)
        app.router.add_post("/_sim/users", self._sim_post_users)
        app.router.add_post("/_sim/send", self._sim_send)
        app.router.add_post("/_sim/upload", self._sim_upload)
        app.router.add_get("/_sim/messages", self._sim_messages)
        app.router.add_get("/_sim/wait", self._sim_wait)
        app.router.add_get("/_sim/file/{file_id}", self._sim_file)
        app.router.add_get("/_sim/calls", self._sim_calls)
        app.router.add_get("/_sim/commands", self._sim_commands)
        app.router.add_get("/_sim/updates", self._sim_updates)
        app.router.add_post("/_sim/fail", self._sim_fail)
        app.router.add_post("/_sim/limits", self._sim_limits)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self._closing = False
        self.port = int(runner.addresses[0][1])
        self._url = f"http://{self.host}:{self.port}"
        return self._url

    async def stop(self) -> None:
        """Stop serving; pending long polls are answered with an empty list first."""
        self._closing = True
        self._updates_signal.fire()
        self._changes_signal.fire()
        if self._runner is not None:
            await asyncio.sleep(0)
            await self._runner.cleanup()
            self._runner = None
        self._url = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._url

    @property
    def bot_base_url(self) -> str:
        """For ``ApplicationBuilder.base_url`` / ``Bot(base_url=...)``."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        """For ``ApplicationBuilder.base_file_url`` / ``Bot(base_file_url=...)``."""
        return f"{self.url}/file/bot"

    @property
    def token(self) -> str | None:
        """The first token the bot used."""
        return self.tokens[0] if self.tokens else None

    # ---------------------------------------------------------------------------------- users

    def add_user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = "fr",
        username: str | None = None,
        *,
        last_name: str | None = None,
        phone_number: str | None = None,
    ) -> JsonDict:
        """Create a simulated user (and their private chat), or update an existing one."""
        if user_id <= 0:
            raise SimulationError("user_id must be a positive integer")
        if not first_name:
            raise SimulationError("first_name must not be empty")
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        chat = self._chats.get(user_id)
        if chat is None:
            chat = self._chats[user_id] = _Chat(user=user)
        else:
            chat.user = user
        if phone_number:
            chat.phone_number = phone_number
        self._touch(chat, "user_changed", None, None)
        return dict(user)

    def set_language(self, user_id: int, language_code: str | None) -> None:
        """Change the Telegram language of a user (``from.language_code`` of their next updates)."""
        chat = self._chat_of(user_id)
        if language_code:
            chat.user["language_code"] = language_code
        else:
            chat.user.pop("language_code", None)
        self._touch(chat, "user_changed", None, None)

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """Simulate the user blocking the bot: sending to them then answers 403 Forbidden."""
        self._chat_of(user_id).blocked = blocked

    def user(self, user_id: int) -> JsonDict:
        return dict(self._chat_of(user_id).user)

    @property
    def users(self) -> list[JsonDict]:
        return [dict(chat.user) for chat in self._chats.values()]

    # ---------------------------------------------------------------------------------- user actions

    def send_text(self, user_id: int, text: str) -> int:
        """The user sends a text message; returns the update_id."""
        if not text:
            raise SimulationError("Telegram does not send empty messages")
        message: JsonDict = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        return self._user_message(user_id, message, _Record(0, user_id, False, 0, text=text, raw_text=text))

    def send_location(self, user_id: int, lat: float, lon: float) -> int:
        """The user shares a location; returns the update_id."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise SimulationError("latitude must be in [-90, 90] and longitude in [-180, 180]")
        location = {"latitude": float(lat), "longitude": float(lon)}
        return self._user_message(
            user_id, {"location": dict(location)}, _Record(0, user_id, False, 0, location=location)
        )

    def send_contact(self, user_id: int, phone_number: str) -> int:
        """The user shares their own contact (as with a request_contact button); returns the update_id."""
        chat = self._chat_of(user_id)
        if not phone_number:
            raise SimulationError("phone_number must not be empty")
        chat.phone_number = phone_number
        contact: JsonDict = {
            "phone_number": phone_number,
            "first_name": chat.user["first_name"],
            "user_id": user_id,
        }
        if chat.user.get("last_name"):
            contact["last_name"] = chat.user["last_name"]
        return self._user_message(
            user_id, {"contact": dict(contact)}, _Record(0, user_id, False, 0, contact=contact)
        )

    def send_photo(self, user_id: int, data: bytes, caption: str | None = None) -> int:
        """The user sends a photo; returns the update_id."""
        self._chat_of(user_id)
        if not data:
            raise SimulationError("empty photo")
        width, height = image_size(data) or (1280, 960)
        sizes = self._store_photo(data, width, height)
        message: JsonDict = {"photo": copy.deepcopy(sizes)}
        if caption:
            message["caption"] = caption
        record = _Record(0, user_id, False, 0, photo=sizes, caption=caption, raw_caption=caption)
        return self._user_message(user_id, message, record)

    def send_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        """The user sends a file; returns the update_id."""
        self._chat_of(user_id)
        if not data:
            raise SimulationError("empty file")
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        document = self._store_document(data, file_name, mime)
        message: JsonDict = {"document": dict(document)}
        if caption:
            message["caption"] = caption
        record = _Record(0, user_id, False, 0, document=document, caption=caption, raw_caption=caption)
        return self._user_message(user_id, message, record)

    def press_button(self, user_id: int, message_id: int, callback_data: str) -> int:
        """The user presses the inline button with ``callback_data`` under bot message ``message_id``."""
        chat = self._chat_of(user_id)
        record = chat.records.get(message_id)
        if record is None or record.deleted:
            raise SimulationError(f"message {message_id} does not exist in the chat with {user_id}")
        if not record.from_bot:
            raise SimulationError(f"message {message_id} is not a bot message")
        if not any(b.get("callback_data") == callback_data for b in inline_buttons(record.snapshot())):
            raise SimulationError(f"message {message_id} has no inline button with data {callback_data!r}")
        query_id = str(4_000_000_000_000_000 + next(self._callback_counter))
        self._callbacks[query_id] = _CallbackState(user_id, message_id, callback_data)
        query = {
            "id": query_id,
            "from": dict(chat.user),
            "message": self._bot_message_object(record),
            "chat_instance": str(-(8_000_000_000_000 + user_id)),
            "data": callback_data,
        }
        return self._enqueue("callback_query", query)

    # ---------------------------------------------------------------------------------- reading

    def messages(self, user_id: int) -> list[JsonDict]:
        """The transcript of the chat with that user, both directions, oldest first."""
        return [r.snapshot() for r in self._chat_of(user_id).records.values()]

    def bot_messages(self, user_id: int, include_deleted: bool = True) -> list[JsonDict]:
        return [m for m in self.messages(user_id) if m["from_bot"] and (include_deleted or not m["deleted"])]

    def message(self, user_id: int, message_id: int) -> JsonDict:
        record = self._chat_of(user_id).records.get(message_id)
        if record is None:
            raise SimulationError(f"no message {message_id} in the chat with {user_id}")
        return record.snapshot()

    def last_bot_message(self, user_id: int) -> JsonDict | None:
        live = self.bot_messages(user_id, include_deleted=False)
        return live[-1] if live else None

    def reply_keyboard(self, user_id: int) -> JsonDict | None:
        """The reply keyboard currently shown to the user, if any."""
        return copy.deepcopy(self._chat_of(user_id).reply_keyboard)

    def callback_answers(self, user_id: int) -> list[JsonDict]:
        """What the bot answered to the user's button presses (answerCallbackQuery), oldest first."""
        return copy.deepcopy(self._chat_of(user_id).answers)

    def chat_action(self, user_id: int) -> str | None:
        """The last sendChatAction for that chat."""
        return self._chat_of(user_id).last_action

    def file_bytes(self, file_id: str) -> bytes:
        """The content of a file sent by the bot or a user."""
        stored = self._files.get(file_id)
        if stored is None:
            raise SimulationError(f"unknown file_id {file_id!r}")
        return stored.data

    def file_info(self, file_id: str) -> JsonDict:
        stored = self._files.get(file_id)
        if stored is None:
            raise SimulationError(f"unknown file_id {file_id!r}")
        return {
            "file_id": stored.file_id,
            "kind": stored.kind,
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "file_size": len(stored.data),
        }

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by the bot (via a later getUpdates offset)."""
        return copy.deepcopy(self._updates)

    @property
    def version(self) -> int:
        """A counter increased by every change in any chat (messages, edits, deletions, answers)."""
        return self._seq

    def events(self, since: int = 0, user_id: int | None = None) -> list[JsonDict]:
        """Chat events after version ``since``: kind is user|bot|edit|delete|answer|user_changed."""
        chats = [self._chat_of(user_id)] if user_id is not None else list(self._chats.values())
        found = [e for chat in chats for e in chat.events if e.seq > since]
        found.sort(key=lambda e: e.seq)
        return [
            {"seq": e.seq, "user_id": e.user_id, "kind": e.kind, "message_id": e.message_id} for e in found
        ]

    async def wait_for_change(self, since: int, timeout: float) -> int:
        """Wait until ``version`` exceeds ``since`` (or timeout); returns the version."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._seq <= since and not self._closing:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            await self._changes_signal.wait(remaining)
        return self._seq

    async def wait_for_bot_message(
        self,
        user_id: int,
        after_message_id: int | None = None,
        timeout: float = 5.0,
        predicate: Predicate | None = None,
    ) -> JsonDict:
        """Resolve with the first bot message (new, or an edit) matching ``predicate`` for that user.

        Without ``after_message_id``: only what the bot sends or edits from now on. With it: a bot
        message whose id is greater, already there (as it is now) or to come, or an edit from now on.
        Raises ``TimeoutError`` when nothing comes in time.
        """
        chat = self._chat_of(user_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        start_seq = self._seq
        if after_message_id is not None:
            for record in list(chat.records.values()):
                if record.from_bot and record.message_id > after_message_id and not record.deleted:
                    snap = record.snapshot()
                    if predicate is None or predicate(snap):
                        return snap
        index = 0
        while True:
            while index < len(chat.events):
                event = chat.events[index]
                index += 1
                if event.seq <= start_seq or event.kind not in ("bot", "edit") or event.snapshot is None:
                    continue
                if predicate is None or predicate(event.snapshot):
                    return copy.deepcopy(event.snapshot)
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                raise TimeoutError(f"no bot message for user {user_id} within {timeout}s")
            await self._changes_signal.wait(remaining)

    def commands(self, language_code: str = "", scope: JsonDict | None = None) -> list[JsonDict]:
        """The command list set with setMyCommands for that language and scope (default scope)."""
        return copy.deepcopy(self._commands.get((self._scope_key(scope), language_code), []))

    @property
    def command_sets(self) -> dict[tuple[str, str], list[JsonDict]]:
        """Every command list set, keyed by (scope as JSON, language_code)."""
        return copy.deepcopy(self._commands)

    def calls_of(self, method: str) -> list[JsonDict]:
        """The params of every call of ``method`` (case-insensitive), oldest first."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    # ---------------------------------------------------------------------------------- faults

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail with that error (429 carries retry_after)."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        queue = self._failures.setdefault(method.lower(), collections.deque())
        for _ in range(count):
            queue.append(_Failure(error_code, description, retry_after))

    def enforce_limits(self, per_second_overall: int = 30, per_chat_per_second: int = 1) -> None:
        """Answer 429 when the bot sends more than these messages in any one-second window."""
        self._limits = (per_second_overall, per_chat_per_second)
        self._sent_overall.clear()
        self._sent_per_chat.clear()

    def disable_limits(self) -> None:
        self._limits = None

    # ---------------------------------------------------------------------------------- internals

    def _chat_of(self, user_id: int) -> _Chat:
        chat = self._chats.get(user_id)
        if chat is None:
            raise UnknownUserError(f"unknown user {user_id}: call add_user first")
        return chat

    def _touch(self, chat: _Chat, kind: str, message_id: int | None, snapshot: JsonDict | None) -> None:
        self._seq += 1
        chat.version = self._seq
        chat.events.append(_Event(self._seq, int(chat.user["id"]), kind, message_id, snapshot))
        self._changes_signal.fire()

    def _new_record_id(self, chat: _Chat) -> int:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return message_id

    def _user_message(self, user_id: int, content: JsonDict, record: _Record) -> int:
        chat = self._chat_of(user_id)
        record.message_id = self._new_record_id(chat)
        record.date = _now()
        chat.records[record.message_id] = record
        message: JsonDict = {
            "message_id": record.message_id,
            "from": dict(chat.user),
            "chat": self._chat_object(chat),
            "date": record.date,
        }
        message.update(content)
        self._touch(chat, "user", record.message_id, record.snapshot())
        return self._enqueue("message", message)

    def _enqueue(self, kind: str, payload: JsonDict) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, kind: payload})
        self._updates_signal.fire()
        return update_id

    @staticmethod
    def _chat_object(chat: _Chat) -> JsonDict:
        obj: JsonDict = {"id": chat.user["id"], "type": "private", "first_name": chat.user["first_name"]}
        for key in ("last_name", "username"):
            if chat.user.get(key):
                obj[key] = chat.user[key]
        return obj

    def _bot_message_object(self, record: _Record, *, nested: bool = False) -> JsonDict:
        chat = self._chats[record.user_id]
        obj: JsonDict = {
            "message_id": record.message_id,
            "from": dict(self.bot_user) if record.from_bot else dict(chat.user),
            "chat": self._chat_object(chat),
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
                obj["reply_to_message"] = self._bot_message_object(replied, nested=True)
        return obj

    def _new_file_ids(self, prefix: str) -> tuple[str, str]:
        number = next(self._file_counter)
        return f"{prefix}{number:04d}{secrets.token_hex(8)}", f"AQAD{number:04d}{secrets.token_hex(3)}"

    def _store_photo(self, data: bytes, width: int, height: int) -> list[JsonDict]:
        dims = [(width, height)]
        longest = max(width, height)
        if longest > 320:
            scale = 320 / longest
            dims.insert(0, (max(1, round(width * scale)), max(1, round(height * scale))))
        sizes: list[JsonDict] = []
        for w, h in dims:
            file_id, unique_id = self._new_file_ids("AgACAgQAAxk")
            number = len(self._files) + 1
            stored = _StoredFile(
                file_id,
                unique_id,
                "photo",
                data,
                f"photos/file_{number}.jpg",
                mime_type="image/jpeg",
                width=w,
                height=h,
            )
            self._register_file(stored)
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": w,
                    "height": h,
                    "file_size": len(data),
                }
            )
        return sizes

    def _store_document(self, data: bytes, file_name: str | None, mime_type: str | None) -> JsonDict:
        file_id, unique_id = self._new_file_ids("BQACAgQAAxk")
        suffix = Path(file_name).suffix if file_name else ""
        stored = _StoredFile(
            file_id,
            unique_id,
            "document",
            data,
            f"documents/file_{len(self._files) + 1}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self._register_file(stored)
        document: JsonDict = {"file_id": file_id, "file_unique_id": unique_id, "file_size": len(data)}
        if file_name:
            document["file_name"] = file_name
        if mime_type:
            document["mime_type"] = mime_type
        return document

    def _register_file(self, stored: _StoredFile) -> None:
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored

    @staticmethod
    def _scope_key(scope: JsonDict | None) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    # ---------------------------------------------------------------------------------- HTTP: Bot API

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        name = self._canonical.get(method.lower(), method)
        try:
            self._check_token(token)
            params = await self._read_params(request)
        except ApiError as exc:
            self.calls.append((name, {}))
            return web.json_response(exc.payload(), status=exc.error_code)
        self.calls.append((name, self._loggable(params)))
        handler = self._handlers.get(method.lower())
        try:
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            self._maybe_fail(name)
            self._check_limits(name, params)
            result = await handler(params, request)
        except ApiError as exc:
            return web.json_response(exc.payload(), status=exc.error_code)
        return web.json_response({"ok": True, "result": result})

    def _check_token(self, token: str) -> None:
        if self.expected_token is not None and token != self.expected_token:
            raise ApiError(401, "Unauthorized")
        if token not in self.tokens:
            self.tokens.append(token)
            prefix = token.split(":", 1)[0]
            if len(self.tokens) == 1 and not self._bot_id_fixed and prefix.isdigit():
                self.bot_user["id"] = int(prefix)

    async def _read_params(self, request: web.Request) -> JsonDict:
        params: JsonDict = {key: _lenient(key, value) for key, value in request.query.items()}
        if request.method != "POST" or not request.body_exists:
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise _bad_request("can't parse JSON body") from exc
            if not isinstance(body, dict):
                raise _bad_request("the JSON body must be an object")
            params.update({key: _lenient(key, value) for key, value in body.items()})
            return params
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = _Upload(value.filename, value.content_type, value.file.read())
            else:
                params[key] = _lenient(key, value)
        return params

    @staticmethod
    def _loggable(params: JsonDict) -> JsonDict:
        return {
            key: value.describe() if isinstance(value, _Upload) else copy.deepcopy(value)
            for key, value in params.items()
        }

    def _maybe_fail(self, method: str) -> None:
        queue = self._failures.get(method.lower())
        if queue:
            failure = queue.popleft()
            raise ApiError(failure.error_code, failure.description, failure.retry_after)

    def _check_limits(self, method: str, params: JsonDict) -> None:
        if self._limits is None or method not in _RATE_LIMITED:
            return
        overall, per_chat = self._limits
        now = time.monotonic()
        try:
            chat_id = _as_int(params.get("chat_id"), "chat_id")
        except ApiError:
            chat_id = 0
        chat_window = self._sent_per_chat.setdefault(chat_id, collections.deque())
        for window in (self._sent_overall, chat_window):
            while window and window[0] <= now - 1.0:
                window.popleft()
        for window, limit in ((self._sent_overall, overall), (chat_window, per_chat)):
            if len(window) >= limit:
                retry_after = max(1, math.ceil(window[0] + 1.0 - now))
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        self._sent_overall.append(now)
        chat_window.append(now)

    async def _handle_file_download(self, request: web.Request) -> web.StreamResponse:
        try:
            self._check_token(request.match_info["token"])
        except ApiError as exc:
            return web.json_response(exc.payload(), status=exc.error_code)
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    def _api_methods(self) -> dict[str, Handler]:
        return {
            "getMe": self._m_get_me,
            "logOut": self._m_true,
            "close": self._m_true,
            "getUpdates": self._m_get_updates,
            "setWebhook": self._m_set_webhook,
            "deleteWebhook": self._m_delete_webhook,
            "getWebhookInfo": self._m_get_webhook_info,
            "setMyCommands": self._m_set_my_commands,
            "getMyCommands": self._m_get_my_commands,
            "deleteMyCommands": self._m_delete_my_commands,
            "setMyDescription": self._m_set_bot_text("description"),
            "getMyDescription": self._m_get_bot_text("description"),
            "setMyShortDescription": self._m_set_bot_text("short_description"),
            "getMyShortDescription": self._m_get_bot_text("short_description"),
            "setMyName": self._m_set_bot_text("name"),
            "getMyName": self._m_get_bot_text("name"),
            "getChat": self._m_get_chat,
            "sendMessage": self._m_send_message,
            "sendPhoto": self._m_send_photo,
            "sendDocument": self._m_send_document,
            "sendLocation": self._m_send_location,
            "editMessageText": self._m_edit_message_text,
            "editMessageCaption": self._m_edit_message_caption,
            "editMessageReplyMarkup": self._m_edit_message_reply_markup,
            "deleteMessage": self._m_delete_message,
            "answerCallbackQuery": self._m_answer_callback_query,
            "sendChatAction": self._m_send_chat_action,
            "getFile": self._m_get_file,
        }

    # ---------------------------------------------------------------------------------- API methods

    async def _m_true(self, params: JsonDict, request: web.Request | None) -> Any:
        return True

    async def _m_get_me(self, params: JsonDict, request: web.Request | None) -> Any:
        return dict(self.bot_user)

    async def _m_get_updates(self, params: JsonDict, request: web.Request | None) -> Any:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params["offset"], "offset") if params.get("offset") is not None else None
        limit = _as_int(params.get("limit", 100), "limit") if params.get("limit") is not None else 100
        limit = min(max(limit, 1), 100)
        timeout = _as_float(params.get("timeout") or 0, "timeout")
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._allowed_updates = [str(a) for a in allowed] if isinstance(allowed, list) else []
        if offset is not None:
            if offset < 0:
                del self._updates[: max(0, len(self._updates) + offset)]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if self._allowed_updates:
            self._updates = [u for u in self._updates if any(kind in u for kind in self._allowed_updates)]
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.fire()  # an older pending poll gets a 409, as with Telegram
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, _DEFAULT_DESCRIPTIONS[409])
            if self._updates or self._closing:
                return copy.deepcopy(self._updates[:limit])
            if request is not None and (request.transport is None or request.transport.is_closing()):
                return []  # the client went away: nothing is delivered, nothing is lost
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self._updates_signal.wait(min(remaining, 0.5))

    async def _m_set_webhook(self, params: JsonDict, request: web.Request | None) -> Any:
        url = _as_text(params.get("url"))
        if url and not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook_url = url
        if _as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        return True

    async def _m_delete_webhook(self, params: JsonDict, request: web.Request | None) -> Any:
        self._webhook_url = ""
        if _as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        return True

    async def _m_get_webhook_info(self, params: JsonDict, request: web.Request | None) -> Any:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _command_key(self, params: JsonDict) -> tuple[str, str]:
        scope = params.get("scope")
        scope_obj = _as_json_object(scope, "scope") if scope not in (None, "") else None
        language = _as_text(params.get("language_code", ""))
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad_request("invalid language code specified")
        return self._scope_key(scope_obj), language

    async def _m_set_my_commands(self, params: JsonDict, request: web.Request | None) -> Any:
        commands = params.get("commands")
        if isinstance(commands, str):
            commands = _lenient("commands", commands)
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("too many commands")
        cleaned: list[JsonDict] = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad_request("can't parse BotCommand JSON object")
            command = _as_text(item.get("command"))
            description = _as_text(item.get("description"))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        key = self._command_key(params)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _m_get_my_commands(self, params: JsonDict, request: web.Request | None) -> Any:
        return copy.deepcopy(self._commands.get(self._command_key(params), []))

    async def _m_delete_my_commands(self, params: JsonDict, request: web.Request | None) -> Any:
        self._commands.pop(self._command_key(params), None)
        return True

    def _m_set_bot_text(self, field_name: str) -> Handler:
        async def handler(params: JsonDict, request: web.Request | None) -> Any:
            language = _as_text(params.get("language_code", ""))
            self._bot_texts[(field_name, language)] = _as_text(params.get(field_name, ""))
            return True

        return handler

    def _m_get_bot_text(self, field_name: str) -> Handler:
        async def handler(params: JsonDict, request: web.Request | None) -> Any:
            language = _as_text(params.get("language_code", ""))
            return {field_name: self._bot_texts.get((field_name, language), "")}

        return handler

    def _target_chat(self, params: JsonDict) -> _Chat:
        raw = params.get("chat_id")
        if raw in (None, ""):
            raise _bad_request("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in self._chats.values():
                if chat.user.get("username") == raw[1:]:
                    break
            else:
                raise _bad_request("chat not found")
        else:
            chat_id = _as_int(raw, "chat_id")
            found = self._chats.get(chat_id)
            if found is None:
                raise _bad_request("chat not found")
            chat = found
        return chat

    def _sendable_chat(self, params: JsonDict) -> _Chat:
        chat = self._target_chat(params)
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    async def _m_get_chat(self, params: JsonDict, request: web.Request | None) -> Any:
        chat = self._target_chat(params)
        obj = self._chat_object(chat)
        obj.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                },
            }
        )
        return obj

    @staticmethod
    def _check_reply_markup(raw: Any) -> JsonDict | None:
        if raw in (None, ""):
            return None
        markup = _as_json_object(raw, "reply keyboard markup")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad_request("can't parse inline keyboard markup JSON object")
            buttons = [b for row in rows for b in row]
            if len(buttons) > MAX_INLINE_BUTTONS:
                raise _bad_request("reply markup is too long")
            for button in buttons:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise _bad_request("can't parse inline keyboard button: Text must be a string")
                if not button["text"].strip():
                    raise _bad_request("BUTTON_TEXT_INVALID")
                actions = [key for key in _INLINE_ACTIONS if key in button]
                if not actions:
                    raise _bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str):
                        raise _bad_request(
                            'can\'t parse inline keyboard button: "callback_data" must be of type String'
                        )
                    if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                        raise _bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"(https?|tg)://\S+$", str(button["url"])):
                    raise _bad_request("BUTTON_URL_INVALID")
            return markup
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad_request("can't parse keyboard markup JSON object")
            for row in rows:
                for button in row:
                    text = (
                        button
                        if isinstance(button, str)
                        else (button.get("text") if isinstance(button, dict) else None)
                    )
                    if not isinstance(text, str) or not text.strip():
                        raise _bad_request("keyboard button text must be non-empty")
                    if (
                        isinstance(button, dict)
                        and button.get("request_contact")
                        and button.get("request_location")
                    ):
                        raise _bad_request("keyboard button can't request both contact and location")
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise _bad_request("can't parse reply keyboard markup JSON object")

    def _apply_reply_keyboard(self, chat: _Chat, markup: JsonDict | None) -> None:
        if markup is None:
            return
        if "keyboard" in markup:
            chat.reply_keyboard = copy.deepcopy(markup)
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None

    def _reply_to(self, chat: _Chat, params: JsonDict) -> int | None:
        target: Any = params.get("reply_to_message_id")
        reply_parameters = params.get("reply_parameters")
        if reply_parameters not in (None, ""):
            target = _as_json_object(reply_parameters, "reply parameters").get("message_id")
        if target in (None, ""):
            return None
        message_id = _as_int(target, "reply_to_message_id")
        if message_id not in chat.records:
            allow = False
            if reply_parameters not in (None, ""):
                parsed = _as_json_object(reply_parameters, "reply parameters")
                allow = _as_bool(parsed.get("allow_sending_without_reply", False))
            if not allow:
                raise _bad_request("message to be replied not found")
            return None
        return message_id

    def _new_bot_record(self, chat: _Chat, params: JsonDict, markup: JsonDict | None) -> _Record:
        record = _Record(self._new_record_id(chat), int(chat.user["id"]), True, _now())
        record.reply_markup = markup
        record.reply_to_message_id = self._reply_to(chat, params)
        return record

    def _commit_bot_record(self, chat: _Chat, record: _Record) -> JsonDict:
        chat.records[record.message_id] = record
        self._apply_reply_keyboard(chat, record.reply_markup)
        self._touch(chat, "bot", record.message_id, record.snapshot())
        return self._bot_message_object(record)

    async def _m_send_message(self, params: JsonDict, request: web.Request | None) -> Any:
        chat = self._sendable_chat(params)
        raw_text, parse_mode, text, entities = _message_text(params)
        markup = self._check_reply_markup(params.get("reply_markup"))
        record = self._new_bot_record(chat, params, markup)
        record.text, record.raw_text, record.entities = text, raw_text, entities
        record.parse_mode = parse_mode
        return self._commit_bot_record(chat, record)

    def _caption(self, params: JsonDict) -> tuple[str | None, str | None, list[JsonDict], str | None]:
        raw = params.get("caption")
        if raw in (None, ""):
            return None, None, [], None
        raw_caption = _as_text(raw)
        parse_mode = _as_text(params.get("parse_mode")) or None
        caption, entities = _format_text(raw_caption, parse_mode)
        if _utf16_len(caption) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        return caption, raw_caption, entities, parse_mode

    def _existing_file(self, value: Any, kind: str) -> _StoredFile:
        reference = _as_text(value)
        if reference.startswith(("http://", "https://")):
            raise _bad_request("failed to get HTTP URL content (the sandbox does not fetch URLs)")
        stored = self._files.get(reference)
        if stored is None:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise _bad_request("type of file mismatch")
        return stored

    async def _m_send_photo(self, params: JsonDict, request: web.Request | None) -> Any:
        chat = self._sendable_chat(params)
        photo = params.get("photo")
        if photo in (None, ""):
            raise _bad_request("there is no photo in the request")
        if isinstance(photo, _Upload):
            size = image_size(photo.data)
            if size is None or min(size) <= 0:
                raise _bad_request("IMAGE_PROCESS_FAILED")
            sizes = self._store_photo(photo.data, *size)
        else:
            stored = self._existing_file(photo, "photo")
            sizes = self._photo_sizes_of(stored)
        record = self._captioned_record(chat, params)
        record.photo = sizes
        return self._commit_bot_record(chat, record)

    def _photo_sizes_of(self, stored: _StoredFile) -> list[JsonDict]:
        """The PhotoSize list a stored photo belongs to (re-sending by file_id gives the same sizes)."""
        for chat in self._chats.values():
            for record in chat.records.values():
                if record.photo and any(size["file_id"] == stored.file_id for size in record.photo):
                    return copy.deepcopy(record.photo)
        return [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": stored.width,
                "height": stored.height,
                "file_size": len(stored.data),
            }
        ]

    async def _m_send_document(self, params: JsonDict, request: web.Request | None) -> Any:
        chat = self._sendable_chat(params)
        document = params.get("document")
        if document in (None, ""):
            raise _bad_request("there is no document in the request")
        if isinstance(document, _Upload):
            if not document.data:
                raise _bad_request("file must be non-empty")
            name = document.filename or "document"
            mime = document.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            info = self._store_document(document.data, name, mime)
        else:
            stored = self._existing_file(document, "document")
            info = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data),
            }
            if stored.file_name:
                info["file_name"] = stored.file_name
            if stored.mime_type:
                info["mime_type"] = stored.mime_type
        record = self._captioned_record(chat, params)
        record.document = info
        return self._commit_bot_record(chat, record)

    def _captioned_record(self, chat: _Chat, params: JsonDict) -> _Record:
        """A new bot message with the caption and keyboard of `params` (photos, documents)."""
        caption, raw_caption, entities, parse_mode = self._caption(params)
        record = self._new_bot_record(chat, params, self._check_reply_markup(params.get("reply_markup")))
        record.caption, record.raw_caption, record.caption_entities, record.parse_mode = (
            caption, raw_caption, entities, parse_mode,
        )  # fmt: skip
        return record

    async def _m_send_location(self, params: JsonDict, request: web.Request | None) -> Any:
        chat = self._sendable_chat(params)
        lat = _as_float(params.get("latitude"), "latitude")
        lon = _as_float(params.get("longitude"), "longitude")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _bad_request("wrong latitude/longitude")
        markup = self._check_reply_markup(params.get("reply_markup"))
        record = self._new_bot_record(chat, params, markup)
        record.location = {"latitude": lat, "longitude": lon}
        return self._commit_bot_record(chat, record)

    def _editable(self, params: JsonDict) -> tuple[_Chat, _Record]:
        if params.get("inline_message_id"):
            raise _bad_request("inline messages are not supported by the sandbox")
        chat = self._target_chat(params)
        if params.get("message_id") in (None, ""):
            raise _bad_request("message identifier is not specified")
        message_id = _as_int(params["message_id"], "message_id")
        record = chat.records.get(message_id)
        if record is None or record.deleted:
            raise _bad_request("message to edit not found")
        if not record.from_bot:
            raise _bad_request("message can't be edited")
        return chat, record

    def _commit_edit(self, chat: _Chat, record: _Record, before: JsonDict) -> JsonDict:
        # Telegram compares what is shown (text, entities, keyboard), not how it was written.
        shown = ("text", "entities", "caption", "caption_entities", "reply_markup")
        after = record.content()
        if all(before[key] == after[key] for key in shown):
            # Nothing changed: the caller restores the record; Telegram refuses such an edit.
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are exactly the "
                "same as a current content and reply markup of the message"
            )
        record.edit_history.append(before)
        record.edit_date = _now()
        self._touch(chat, "edit", record.message_id, record.snapshot())
        return self._bot_message_object(record)

    async def _m_edit_message_text(self, params: JsonDict, request: web.Request | None) -> Any:
        chat, record = self._editable(params)
        if record.text is None:
            raise _bad_request("there is no text in the message to edit")
        raw_text, parse_mode, text, entities = _message_text(params)
        markup = self._check_reply_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad_request("inline keyboard expected")
        before = record.content()
        saved = (record.text, record.raw_text, record.entities, record.parse_mode, record.reply_markup)
        # Editing the text without reply_markup removes the inline keyboard, as with Telegram.
        record.text, record.raw_text, record.entities = text, raw_text, entities
        record.parse_mode, record.reply_markup = parse_mode, markup
        try:
            return self._commit_edit(chat, record, before)
        except ApiError:
            record.text, record.raw_text, record.entities, record.parse_mode, record.reply_markup = saved
            raise

    async def _m_edit_message_caption(self, params: JsonDict, request: web.Request | None) -> Any:
        chat, record = self._editable(params)
        if record.photo is None and record.document is None:
            raise _bad_request("there is no caption in the message to edit")
        caption, raw_caption, entities, parse_mode = self._caption(params)
        markup = self._check_reply_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad_request("inline keyboard expected")
        before = record.content()
        saved = (
            record.caption,
            record.raw_caption,
            record.caption_entities,
            record.parse_mode,
            record.reply_markup,
        )
        record.caption, record.raw_caption, record.caption_entities = caption, raw_caption, entities
        record.parse_mode, record.reply_markup = parse_mode, markup
        try:
            return self._commit_edit(chat, record, before)
        except ApiError:
            (
                record.caption,
                record.raw_caption,
                record.caption_entities,
                record.parse_mode,
                record.reply_markup,
            ) = saved
            raise

    async def _m_edit_message_reply_markup(self, params: JsonDict, request: web.Request | None) -> Any:
        chat, record = self._editable(params)
        markup = self._check_reply_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad_request("inline keyboard expected")
        if markup is not None and not inline_buttons({"reply_markup": markup}):
            markup = None
        before = record.content()
        saved = record.reply_markup
        record.reply_markup = markup
        try:
            return self._commit_edit(chat, record, before)
        except ApiError:
            record.reply_markup = saved
            raise

    async def _m_delete_message(self, params: JsonDict, request: web.Request | None) -> Any:
        chat = self._target_chat(params)
        message_id = _as_int(params.get("message_id"), "message_id")
        record = chat.records.get(message_id)
        if record is None or record.deleted:
            raise _bad_request("message to delete not found")
        record.deleted = True
        self._touch(chat, "delete", message_id, record.snapshot())
        return True

    async def _m_answer_callback_query(self, params: JsonDict, request: web.Request | None) -> Any:
        query_id = _as_text(params.get("callback_query_id"))
        state = self._callbacks.get(query_id)
        if state is None or state.answered:
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        text = _as_text(params.get("text")) or None
        if text is not None and len(text) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        state.answered = True
        chat = self._chat_of(state.user_id)
        answer = {
            "callback_query_id": query_id,
            "message_id": state.message_id,
            "data": state.data,
            "text": text,
            "show_alert": _as_bool(params.get("show_alert", False)),
            "url": params.get("url"),
        }
        chat.answers.append(answer)
        self._touch(chat, "answer", state.message_id, dict(answer))
        return True

    async def _m_send_chat_action(self, params: JsonDict, request: web.Request | None) -> Any:
        chat = self._sendable_chat(params)
        action = _as_text(params.get("action"))
        if action not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        chat.last_action = action
        return True

    async def _m_get_file(self, params: JsonDict, request: web.Request | None) -> Any:
        stored = self._files.get(_as_text(params.get("file_id")))
        if stored is None:
            raise _bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    # ---------------------------------------------------------------------------------- HTTP: simulation

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _sim_error(exc: Exception) -> web.Response:
        status = 404 if isinstance(exc, UnknownUserError) else 400
        return web.json_response({"ok": False, "error_code": status, "description": str(exc)}, status=status)

    async def _json_body(self, request: web.Request) -> JsonDict:
        try:
            body = await request.json()
        except ValueError as exc:
            raise SimulationError("the body must be a JSON object") from exc
        if not isinstance(body, dict):
            raise SimulationError("the body must be a JSON object")
        return body

    @staticmethod
    def _query_int(request: web.Request, name: str, default: int | None = None) -> int:
        raw = request.query.get(name)
        if raw in (None, ""):
            if default is None:
                raise SimulationError(f"missing query parameter {name}")
            return default
        try:
            return int(str(raw))
        except ValueError as exc:
            raise SimulationError(f"query parameter {name} must be an integer") from exc

    @staticmethod
    def _body_int(body: JsonDict, name: str) -> int:
        value = body.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise SimulationError(f"{name} must be an integer")
        try:
            return int(value)
        except ValueError as exc:
            raise SimulationError(f"{name} must be an integer") from exc

    async def _handle_page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE_FILE.read_text(encoding="utf-8"), content_type="text/html")

    def _state(self, user_id: int) -> JsonDict:
        chat = self._chat_of(user_id)
        return {
            "version": chat.version,
            "user": dict(chat.user),
            "messages": self.messages(user_id),
            "reply_keyboard": copy.deepcopy(chat.reply_keyboard),
            "answers": copy.deepcopy(chat.answers),
        }

    async def _sim_get_users(self, request: web.Request) -> web.Response:
        return self._ok(self.users)

    async def _sim_post_users(self, request: web.Request) -> web.Response:
        try:
            body = await self._json_body(request)
            user = self.add_user(
                self._body_int(body, "user_id"),
                str(body.get("first_name") or f"User {body.get('user_id')}"),
                language_code=body.get("language_code", "fr"),
                username=body.get("username") or None,
                last_name=body.get("last_name") or None,
                phone_number=body.get("phone_number") or None,
            )
        except SimulationError as exc:
            return self._sim_error(exc)
        return self._ok(user)

    async def _sim_send(self, request: web.Request) -> web.Response:
        try:
            body = await self._json_body(request)
            user_id = self._body_int(body, "user_id")
            if "text" in body:
                update_id = self.send_text(user_id, str(body["text"]))
            elif isinstance(body.get("callback"), dict):
                callback = body["callback"]
                update_id = self.press_button(
                    user_id, self._body_int(callback, "message_id"), str(callback.get("data", ""))
                )
            elif isinstance(body.get("location"), dict):
                location = body["location"]
                try:
                    lat, lon = float(location["lat"]), float(location["lon"])
                except (KeyError, TypeError, ValueError) as exc:
                    raise SimulationError("location needs numeric lat and lon") from exc
                update_id = self.send_location(user_id, lat, lon)
            elif isinstance(body.get("contact"), dict):
                update_id = self.send_contact(user_id, str(body["contact"].get("phone_number") or ""))
            else:
                raise SimulationError("expected one of text, callback, location, contact")
        except SimulationError as exc:
            return self._sim_error(exc)
        return self._ok({"update_id": update_id, "version": self.version})

    async def _sim_upload(self, request: web.Request) -> web.Response:
        try:
            form = await request.post()
            upload = form.get("file")
            if not isinstance(upload, web.FileField):
                raise SimulationError("expected a multipart 'file' part")
            try:
                user_id = int(str(form.get("user_id", "")))
            except ValueError as exc:
                raise SimulationError("user_id must be an integer") from exc
            kind = str(form.get("kind", "document"))
            caption = str(form.get("caption") or "") or None
            data = upload.file.read()
            if kind == "photo":
                update_id = self.send_photo(user_id, data, caption)
            elif kind == "document":
                update_id = self.send_document(
                    user_id, data, upload.filename or "file", upload.content_type or None, caption
                )
            else:
                raise SimulationError("kind must be photo or document")
        except SimulationError as exc:
            return self._sim_error(exc)
        return self._ok({"update_id": update_id, "version": self.version})

    async def _sim_messages(self, request: web.Request) -> web.Response:
        try:
            user_id = self._query_int(request, "user_id")
            after = self._query_int(request, "after", 0)
            state = self._state(user_id)
        except SimulationError as exc:
            return self._sim_error(exc)
        messages = [m for m in state["messages"] if m["message_id"] > after]
        return web.json_response({"ok": True, "result": messages, "version": state["version"]})

    async def _sim_wait(self, request: web.Request) -> web.Response:
        """``after=M``: the next bot message after message M (result null on timeout).

        ``since=V``: wait until the chat changes after version V; result is the whole chat state.
        """
        try:
            user_id = self._query_int(request, "user_id")
            chat = self._chat_of(user_id)
            try:
                timeout = min(float(request.query.get("timeout", "10")), 60.0)
            except ValueError as exc:
                raise SimulationError("timeout must be a number") from exc
            if "since" in request.query:
                since = self._query_int(request, "since")
                deadline = asyncio.get_running_loop().time() + timeout
                while chat.version <= since and not self._closing:
                    remaining = deadline - asyncio.get_running_loop().time()
                    if remaining <= 0:
                        break
                    await self._changes_signal.wait(remaining)
                return self._ok(self._state(user_id))
            after = self._query_int(request, "after", -1)
            try:
                message = await self.wait_for_bot_message(
                    user_id, after_message_id=None if after < 0 else after, timeout=timeout
                )
            except TimeoutError:
                return self._ok(None)
            return self._ok(message)
        except SimulationError as exc:
            return self._sim_error(exc)

    async def _sim_file(self, request: web.Request) -> web.Response:
        stored = self._files.get(request.match_info["file_id"])
        if stored is None:
            return self._sim_error(SimulationError("unknown file_id"))
        headers = {}
        if request.query.get("download"):
            name = stored.file_name or Path(stored.file_path).name
            safe = re.sub(r"[^A-Za-z0-9._ -]", "_", name)
            headers["Content-Disposition"] = f'attachment; filename="{safe}"'
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream", headers=headers
        )

    async def _sim_calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = [
            {"method": name, "params": params}
            for name, params in self.calls
            if method is None or name.lower() == method.lower()
        ]
        return self._ok(calls)

    async def _sim_commands(self, request: web.Request) -> web.Response:
        return self._ok(
            [
                {"scope": json.loads(scope), "language_code": language, "commands": commands}
                for (scope, language), commands in self._commands.items()
            ]
        )

    async def _sim_updates(self, request: web.Request) -> web.Response:
        return self._ok(self.pending_updates)

    async def _sim_fail(self, request: web.Request) -> web.Response:
        try:
            body = await self._json_body(request)
            retry_after = body.get("retry_after")
            self.fail_next(
                str(body.get("method") or ""),
                self._body_int(body, "error_code"),
                body.get("description"),
                int(retry_after) if retry_after is not None else None,
                int(body.get("count", 1)),
            )
        except (SimulationError, ValueError, TypeError) as exc:
            return self._sim_error(exc)
        return self._ok(True)

    async def _sim_limits(self, request: web.Request) -> web.Response:
        try:
            body = await self._json_body(request)
            if body.get("enabled", True) is False:
                self.disable_limits()
            else:
                self.enforce_limits(
                    int(body.get("per_second_overall", 30)), int(body.get("per_chat_per_second", 1))
                )
        except (SimulationError, ValueError, TypeError) as exc:
            return self._sim_error(exc)
        return self._ok(True)
