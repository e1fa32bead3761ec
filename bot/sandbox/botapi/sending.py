"""Bot API methods that send to a chat: sendMessage, sendPhoto, sendDocument, sendLocation, sendChatAction.

Also the helpers the other methods share to find the target chat and to read texts and captions.
"""

from __future__ import annotations

import copy
import mimetypes
import time
from typing import Any

from bot.sandbox.botapi.errors import ApiError, bad_request
from bot.sandbox.botapi.files import StoredFile, image_size
from bot.sandbox.botapi.formatting import caption_text, message_text
from bot.sandbox.botapi.markup import check_reply_markup
from bot.sandbox.botapi.params import Call, Upload, as_bool, as_float, as_int, as_json_object, as_text
from bot.sandbox.botapi.state import Chat, Record, State

JsonDict = dict[str, Any]

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


async def send_message(state: State, call: Call) -> Any:
    chat = sendable_chat(state, call.params)
    raw_text, parse_mode, text, entities = text_of(call.params)
    record = _new_bot_record(state, chat, call.params)
    record.text, record.raw_text, record.entities = text, raw_text, entities
    record.parse_mode = parse_mode
    return _commit(state, chat, record)


async def send_photo(state: State, call: Call) -> Any:
    chat = sendable_chat(state, call.params)
    photo = call.params.get("photo")
    if photo in (None, ""):
        raise bad_request("there is no photo in the request")
    if isinstance(photo, Upload):
        size = image_size(photo.data)
        if size is None or min(size) <= 0:
            raise bad_request("IMAGE_PROCESS_FAILED")
        sizes = state.files.store_photo(photo.data, *size)
    else:
        sizes = _photo_sizes_of(state, _existing_file(state, photo, "photo"))
    record = _captioned_record(state, chat, call.params)
    record.photo = sizes
    return _commit(state, chat, record)


async def send_document(state: State, call: Call) -> Any:
    chat = sendable_chat(state, call.params)
    document = call.params.get("document")
    if document in (None, ""):
        raise bad_request("there is no document in the request")
    if isinstance(document, Upload):
        if not document.data:
            raise bad_request("file must be non-empty")
        name = document.filename or "document"
        mime = document.content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        info = state.files.store_document(document.data, name, mime)
    else:
        info = _existing_file(state, document, "document").document()
    record = _captioned_record(state, chat, call.params)
    record.document = info
    return _commit(state, chat, record)


async def send_location(state: State, call: Call) -> Any:
    chat = sendable_chat(state, call.params)
    lat = as_float(call.params.get("latitude"), "latitude")
    lon = as_float(call.params.get("longitude"), "longitude")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request("wrong latitude/longitude")
    record = _new_bot_record(state, chat, call.params)
    record.location = {"latitude": lat, "longitude": lon}
    return _commit(state, chat, record)


async def send_chat_action(state: State, call: Call) -> Any:
    sendable_chat(state, call.params)
    if as_text(call.params.get("action")) not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


# --------------------------------------------------------------------------------------------------
# Shared by the methods


def target_chat(state: State, params: JsonDict) -> Chat:
    """The chat of ``chat_id`` (a user id or "@username")."""
    raw = params.get("chat_id")
    if raw in (None, ""):
        raise bad_request("chat_id is empty")
    if isinstance(raw, str) and raw.startswith("@"):
        for chat in state.chats.values():
            if chat.user.get("username") == raw[1:]:
                return chat
        raise bad_request("chat not found")
    found = state.chats.get(as_int(raw, "chat_id"))
    if found is None:
        raise bad_request("chat not found")
    return found


def sendable_chat(state: State, params: JsonDict) -> Chat:
    chat = target_chat(state, params)
    if chat.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    return chat


def text_of(params: JsonDict) -> tuple[str, str | None, str, list[JsonDict]]:
    """The text of sendMessage / editMessageText: as sent, its parse_mode, as shown, its entities."""
    raw_text = as_text(params.get("text"))
    parse_mode = as_text(params.get("parse_mode")) or None
    text, entities = message_text(raw_text, parse_mode)
    return raw_text, parse_mode, text, entities


def caption_of(params: JsonDict) -> tuple[str | None, str | None, list[JsonDict], str | None]:
    """The caption of a photo or document: as shown, as sent, its entities, its parse_mode."""
    raw = params.get("caption")
    if raw in (None, ""):
        return None, None, [], None
    raw_caption = as_text(raw)
    parse_mode = as_text(params.get("parse_mode")) or None
    caption, entities = caption_text(raw_caption, parse_mode)
    return caption, raw_caption, entities, parse_mode


def _new_bot_record(state: State, chat: Chat, params: JsonDict) -> Record:
    """A new bot message with the keyboard and reply of ``params``, not in the transcript yet."""
    markup = check_reply_markup(params.get("reply_markup"))
    record = Record(state.new_message_id(chat), int(chat.user["id"]), True, int(time.time()))
    record.reply_markup = markup
    record.reply_to_message_id = _reply_to(chat, params)
    return record


def _captioned_record(state: State, chat: Chat, params: JsonDict) -> Record:
    """A new bot message with the caption and keyboard of ``params`` (photos, documents)."""
    caption, raw_caption, entities, parse_mode = caption_of(params)
    record = _new_bot_record(state, chat, params)
    record.caption, record.raw_caption, record.caption_entities, record.parse_mode = (
        caption, raw_caption, entities, parse_mode,
    )  # fmt: skip
    return record


def _commit(state: State, chat: Chat, record: Record) -> JsonDict:
    """Add the bot message to the transcript; returns it as the Message Telegram answers."""
    chat.records[record.message_id] = record
    markup = record.reply_markup
    if markup is not None and "keyboard" in markup:
        chat.reply_keyboard = copy.deepcopy(markup)
    elif markup is not None and markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    state.touch(chat, "bot", record.message_id, record.snapshot())
    return state.message_object(record)


def _reply_to(chat: Chat, params: JsonDict) -> int | None:
    target: Any = params.get("reply_to_message_id")
    reply_parameters = params.get("reply_parameters")
    if reply_parameters not in (None, ""):
        target = as_json_object(reply_parameters, "reply parameters").get("message_id")
    if target in (None, ""):
        return None
    message_id = as_int(target, "reply_to_message_id")
    if message_id not in chat.records:
        allow = False
        if reply_parameters not in (None, ""):
            parsed = as_json_object(reply_parameters, "reply parameters")
            allow = as_bool(parsed.get("allow_sending_without_reply", False))
        if not allow:
            raise bad_request("message to be replied not found")
        return None
    return message_id


def _existing_file(state: State, value: Any, kind: str) -> StoredFile:
    """A file sent again by its file_id."""
    reference = as_text(value)
    if reference.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content (the sandbox does not fetch URLs)")
    stored = state.files.get(reference)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request("type of file mismatch")
    return stored


def _photo_sizes_of(state: State, stored: StoredFile) -> list[JsonDict]:
    """The PhotoSize list a stored photo belongs to (re-sending by file_id gives the same sizes)."""
    for chat in state.chats.values():
        for record in chat.records.values():
            if record.photo and any(size["file_id"] == stored.file_id for size in record.photo):
                return copy.deepcopy(record.photo)
    return [stored.photo_size()]
