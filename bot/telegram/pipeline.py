"""Glue between python-telegram-bot handlers and our telegram-free actions.

Each update is handled in one database transaction: it is claimed (so a redelivered update is ignored), the
user and their language are loaded, the action runs, and only after the commit are the replies sent.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.chat.context import Action, Ctx
from bot.i18n import language_from_telegram, translator
from bot.telegram.gateway import deliver, incoming_from
from bot.telegram.rate import Limiter
from conversations.engine import Dialogue
from storage import roles, updates, users
from storage.db import Database

log = logging.getLogger(__name__)

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
Clock = Callable[[], datetime]
SERVICES = "services"


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    database: Database
    dialogues: Mapping[str, Dialogue]  # the dialogues listed in bot/routes.py
    clock: Clock = system_clock
    limiter: Limiter = field(default_factory=Limiter)


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    services = context.bot_data[SERVICES]
    assert isinstance(services, Services)
    return services


async def _run(action: Action, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    incoming = incoming_from(update)
    if incoming is None:
        return
    services = services_of(context)
    now = services.clock()
    async with services.database.transaction() as session:
        if not await updates.claim(session, update.update_id, now):
            log.info("update %s already handled, ignored", update.update_id)
            return
        user = await users.find(session, incoming.user_id)
        language = user.language if user else language_from_telegram(incoming.language_code)[0]
        ctx = Ctx(
            session=session,
            incoming=incoming,
            t=translator(language),
            now=now,
            user=user,
            grants=await roles.grants_of(session, incoming.user_id) if user else {},
            bot_username=context.bot.username,
            fetch_file=lambda file_id: _download(context, file_id),
            dialogues=services.dialogues,
        )
        replies = await action(ctx)

    query = update.callback_query
    if query is not None:
        try:
            await query.answer()  # stops the button's spinner; harmless if it fails (e.g. a query too old)
        except TelegramError as error:
            log.info("could not answer callback query: %s", error)
    pressed = query.message if query is not None and isinstance(query.message, Message) else None
    await deliver(context.bot, incoming.user_id, replies, pressed)


async def _download(context: ContextTypes.DEFAULT_TYPE, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


def handler(action: Action) -> Callback:
    """The python-telegram-bot callback that runs `action` on an update, in one transaction."""

    @functools.wraps(action)
    async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _run(action, update, context)

    return callback


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure and tell the user, in their language, that nothing they entered was lost."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_user is None:
        return
    t = translator(language_from_telegram(update.effective_user.language_code)[0])
    try:
        async with services_of(context).database.transaction() as session:
            user = await users.find(session, update.effective_user.id)
        if user is not None:
            t = translator(user.language)
        await context.bot.send_message(
            update.effective_user.id,
            t._("Sorry, something went wrong on our side. Your previous answers are kept: please try again."),
        )
    except Exception:  # the error handler must never raise itself
        log.exception("could not tell the user about the error")
