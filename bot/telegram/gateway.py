"""The only place that turns Telegram updates into `Incoming` and `Reply` into Bot API calls."""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.chat.messages import Document, Incoming, Reply

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def incoming_from(update: Update) -> Incoming | None:
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    if update.callback_query is not None:
        return Incoming(user.id, user.language_code, callback=update.callback_query.data or "")
    message = update.message
    if message is None or (update.effective_chat and update.effective_chat.type != "private"):
        return None
    text = message.text or message.caption
    command: str | None = None
    args: tuple[str, ...] = ()
    if message.text and message.text.startswith("/"):
        head, *rest = message.text.split()
        command = head[1:].split("@", 1)[0].lower()
        args = tuple(rest)
    document = None
    if message.document is not None:
        doc = message.document
        document = Document(doc.file_id, doc.file_name or "file", doc.file_size or 0, doc.mime_type or "")
    contact = message.contact
    return Incoming(
        user.id,
        user.language_code,
        text=text,
        command=command,
        args=args,
        location=(message.location.latitude, message.location.longitude) if message.location else None,
        contact_phone=contact.phone_number if contact else None,
        contact_is_own=bool(contact and contact.user_id == user.id),
        photo_id=message.photo[-1].file_id if message.photo else None,
        document=document,
    )


def _markup(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if reply.buttons:
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(b.label, url=b.url)
                    if b.url
                    else InlineKeyboardButton(b.label, callback_data=b.data)
                    for b in row
                ]
                for row in reply.buttons
            ]
        )
    if reply.ask_for:
        keys = [
            [
                KeyboardButton(
                    a.label, request_contact=a.what == "contact", request_location=a.what == "location"
                )
            ]
            for a in reply.ask_for
        ]
        return ReplyKeyboardMarkup(keys, resize_keyboard=True, one_time_keyboard=True)
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


async def deliver(bot: Bot, chat_id: int, replies: list[Reply], pressed: Message | None = None) -> None:
    """Send the replies in order; `pressed` is the message whose button was pressed, if any."""
    for reply in replies:
        if reply.to_user is not None and reply.to_user != chat_id:
            try:
                await send_one(bot, reply.to_user, reply)
            except (
                TelegramError
            ) as error:  # e.g. the host blocked the bot: the user's own action still succeeded
                log.warning("could not notify user %s: %s", reply.to_user, error)
            continue
        await send_one(bot, chat_id, reply, pressed)


async def send_one(bot: Bot, target: int, reply: Reply, pressed: Message | None = None) -> None:
    """Send one reply (or edit `pressed`, the message whose button was pressed, when the reply says so)."""
    markup = _markup(reply)
    if reply.edit and pressed is not None and not reply.ask_for:
        try:
            await pressed.edit_text(
                reply.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
            )
            return
        except BadRequest as error:
            # "message is not modified" (same content) is harmless; anything else: send a new message.
            if "not modified" in str(error):
                return
            log.info("could not edit message %s: %s", pressed.message_id, error)
    if reply.attachment is not None and reply.attachment.kind == "photo":
        await bot.send_photo(
            target, reply.attachment.content, caption=reply.text[:1024] or None, parse_mode=ParseMode.HTML,
            reply_markup=markup, filename=reply.attachment.filename,
        )  # fmt: skip
    elif reply.attachment is not None:
        await bot.send_document(
            target, reply.attachment.content, caption=reply.text[:1024] or None, parse_mode=ParseMode.HTML,
            reply_markup=markup, filename=reply.attachment.filename,
        )  # fmt: skip
    elif reply.photo_id is not None:
        await bot.send_photo(
            target,
            reply.photo_id,
            caption=reply.text[:1024] or None,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    else:
        await bot.send_message(
            target,
            reply.text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=NO_PREVIEW,
        )
