"""The only place that turns Telegram updates into `Incoming`, and the outbox's messages into Bot API calls."""

from __future__ import annotations

import logging
import warnings
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.warnings import PTBUserWarning

from bot.chat.messages import Document, Incoming

log = logging.getLogger(__name__)
# We call these two methods by name on purpose: the updates are stored as Telegram sends them, and the message
# Telegram returns after a send is not needed (reading it into objects costs more than the send).
for _method in ("getUpdates", "sendMessage"):
    warnings.filterwarnings("ignore", message=f"Please use 'Bot.{_method}'", category=PTBUserWarning)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def incoming_from(update: dict[str, Any]) -> Incoming | None:
    """What a person did, read from the update as Telegram sends it (not through python-telegram-bot's objects,
    whose building cost a tenth of an update's CPU): a message in a private chat, or a pressed button. An update
    whose fields are not of the types Telegram sends raises TypeError (the webhook answers 400)."""
    incoming = _read(update)
    return _checked(incoming) if incoming is not None else None


def _read(update: dict[str, Any]) -> Incoming | None:
    query: dict[str, Any] | None = update.get("callback_query")
    message: dict[str, Any] = update.get("message") or {}
    user = (query if query is not None else message).get("from")
    if not isinstance(user, dict) or user.get("is_bot"):
        return None
    if query is not None:
        markup = (_accessible(query.get("message")) or {}).get("reply_markup") or {}
        beside = tuple(
            button["callback_data"]
            for row in markup.get("inline_keyboard", ())
            for button in row
            if isinstance(button.get("callback_data"), str)
        )
        return Incoming(
            user["id"], user.get("language_code"), callback=query.get("data") or "", beside=beside
        )
    chat_type = (message.get("chat") or {}).get("type")
    if not isinstance(chat_type, str | None):
        raise TypeError("chat type")
    if chat_type != "private":
        return None
    text = message.get("text") or message.get("caption")
    if not isinstance(text, str | None):
        raise TypeError("text")
    command: str | None = None
    args: tuple[str, ...] = ()
    if text and text == message.get("text") and text.startswith("/"):
        head, *rest = text.split()
        command = head[1:].split("@", 1)[0].lower()
        args = tuple(rest)
    document = None
    if (doc := message.get("document")) is not None:
        document = Document(doc["file_id"], doc.get("file_name") or "file", doc.get("file_size") or 0,
                            doc.get("mime_type") or "")  # fmt: skip
    contact = message.get("contact")
    location = message.get("location")
    return Incoming(
        user["id"],
        user.get("language_code"),
        text=text,
        command=command,
        args=args,
        location=(location["latitude"], location["longitude"]) if location else None,
        contact_phone=contact.get("phone_number") if contact else None,
        contact_is_own=bool(contact and contact.get("user_id") == user["id"]),
        photo_id=message["photo"][-1]["file_id"] if message.get("photo") else None,
        document=document,
    )


_TEXTS = ("language_code", "text", "callback", "contact_phone", "photo_id")


def _checked(incoming: Incoming) -> Incoming:
    """The fields read, of the types Telegram sends: a forged update is refused whole, never half read."""
    if type(incoming.user_id) is not int or not all(
        isinstance(getattr(incoming, f), str | None) for f in _TEXTS
    ):
        raise TypeError("a user's id or text")
    if incoming.location is not None and not all(type(v) in (int, float) for v in incoming.location):
        raise TypeError("location")
    document = incoming.document
    if document is not None and not (
        isinstance(document.file_id, str) and isinstance(document.filename, str)
        and type(document.size) is int and isinstance(document.mime_type, str)
    ):  # fmt: skip
        raise TypeError("document")
    return incoming


def _accessible(message: Any) -> dict[str, Any] | None:
    """A pressed button's message, unless Telegram no longer gives it (too old: its date is then 0)."""
    return message if isinstance(message, dict) and message.get("date") else None


def chat_of(update: dict[str, Any]) -> int:
    """The chat an update (as Telegram sends it) belongs to: its updates are handled in order. 0 for the rare
    update with neither a chat nor a sender."""
    for kind, content in update.items():
        if kind == "update_id" or not isinstance(content, dict):
            continue
        for holder in (content.get("chat"), (content.get("message") or {}).get("chat"), content.get("from")):
            if isinstance(holder, dict) and type(holder.get("id")) is int:
                return int(holder["id"])
    return 0


def pressed_message_id(update: dict[str, Any]) -> int | None:
    """The message whose button was pressed (a reply may replace it)."""
    message = _accessible((update.get("callback_query") or {}).get("message"))
    return int(message["message_id"]) if message is not None else None


def _markup(
    payload: dict[str, Any],
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if payload["buttons"]:
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(b["label"], url=b["url"])
                    if b["url"]
                    else InlineKeyboardButton(b["label"], callback_data=b["data"])
                    for b in row
                ]
                for row in payload["buttons"]
            ]
        )
    if payload["ask_for"]:
        keys = [
            [
                KeyboardButton(
                    a["label"],
                    request_contact=a["what"] == "contact",
                    request_location=a["what"] == "location",
                )
            ]
            for a in payload["ask_for"]
        ]
        return ReplyKeyboardMarkup(keys, resize_keyboard=True, one_time_keyboard=True)
    if payload["remove_keyboard"]:
        return ReplyKeyboardRemove()
    return None


async def set_menu(bot: Bot, chat_id: int, commands: list[tuple[str, str]]) -> None:
    """The command menu of one chat (Telegram shows it instead of the menu of the user's language); none:
    the chat's own menu is removed, and the menu of the user's language applies again."""
    if not commands:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
        return
    await bot.set_my_commands([BotCommand(name, description) for name, description in commands],
                              scope=BotCommandScopeChat(chat_id))  # fmt: skip


async def send(bot: Bot, chat_id: int, payload: dict[str, Any], attachment: bytes | None) -> None:
    """Send one message of the outbox (or edit the pressed message when the payload says so).

    Raises python-telegram-bot's errors as they come: the sender decides what to do with each."""
    markup = _markup(payload)
    text: str = payload["text"]
    if payload.get("edit_message_id") is not None:
        try:
            await bot.edit_message_text(
                text, chat_id=chat_id, message_id=payload["edit_message_id"], parse_mode=ParseMode.HTML,
                reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
                link_preview_options=NO_PREVIEW,
            )  # fmt: skip
            return
        except BadRequest as error:
            # "message is not modified" (same content) is harmless; anything else: send a new message.
            if "not modified" in str(error):
                return
            log.info("could not edit a message, sending a new one: %s", error)
    caption = text[:1024] or None
    described = payload.get("attachment")
    if described is not None and attachment is not None:
        send_file = bot.send_photo if described["kind"] == "photo" else bot.send_document
        await send_file(
            chat_id, attachment, caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup,
            filename=described["filename"],
        )  # fmt: skip
    elif payload.get("photo_id"):
        await bot.send_photo(
            chat_id, payload["photo_id"], caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    else:  # the message Telegram returns is not needed: not read into python-telegram-bot's objects
        api_kwargs: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML,
                                      "link_preview_options": NO_PREVIEW.to_dict()}  # fmt: skip
        if markup is not None:
            api_kwargs["reply_markup"] = markup.to_dict()
        await bot.do_api_request("sendMessage", api_kwargs=api_kwargs)
