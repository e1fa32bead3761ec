"""Builds the python-telegram-bot Application and runs it (long polling, or webhooks behind aiohttp)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import routes
from bot.i18n import all_translators
from bot.settings import Settings
from bot.telegram.pipeline import SERVICES, Clock, Services, handler, on_error, system_clock
from bot.telegram.sender import send_due, sweep_once
from storage.db import Database

log = logging.getLogger(__name__)


def add_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """The handlers of every entry point in `bot/routes.py`, each behind its guard."""
    for name, action in routes.command_actions():
        application.add_handler(CommandHandler(name, handler(action)))
    for pattern, action in routes.button_actions():
        application.add_handler(CallbackQueryHandler(handler(action), pattern=pattern))
    answers = handler(routes.answers_action())
    application.add_handler(MessageHandler(filters.ALL, answers))
    application.add_handler(CallbackQueryHandler(answers))  # data of no family: "no longer active"
    application.add_error_handler(on_error)


async def register_command_menus(application: Application) -> None:  # type: ignore[type-arg]
    for t in all_translators():
        commands = [BotCommand(name, description) for name, description in routes.command_menu(t)]
        await application.bot.set_my_commands(commands, language_code=t.language)
        if t.language == "en":
            await application.bot.set_my_commands(commands)  # users of any other language


def build_application(settings: Settings, database: Database, clock: Clock = system_clock) -> Application:  # type: ignore[type-arg]
    builder = Application.builder().token(settings.token)
    if settings.api_base_url:
        builder.base_url(settings.api_base_url)
    if settings.api_file_base_url:
        builder.base_file_url(settings.api_file_base_url)
    if settings.webhook_url:
        builder.updater(None)

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        await database.upgrade()
        await register_command_menus(application)

    async def post_shutdown(_application: Application) -> None:  # type: ignore[type-arg]
        await database.close()  # in the event loop its connections belong to (asyncpg refuses another)

    application = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    application.bot_data[SERVICES] = Services(database=database, dialogues=routes.dialogues(), clock=clock)
    add_handlers(application)
    if settings.alert_interval_seconds > 0:
        assert application.job_queue is not None
        application.job_queue.run_repeating(
            alerts_job, interval=settings.alert_interval_seconds, first=min(5.0, settings.alert_interval_seconds),
            name="alerts", job_kwargs={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )  # fmt: skip
    return application


async def run_alerts(application: Application) -> None:  # type: ignore[type-arg]
    """One round: record what is due (if this process holds the sweeper lease), then send what is due."""
    services = application.bot_data[SERVICES]
    await sweep_once(services.database, services.clock)
    await send_due(services.database, application.bot, services.clock, services.limiter)


async def alerts_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_alerts(context.application)


def run(settings: Settings) -> None:
    database = Database(settings.database_url)
    application = build_application(settings, database)
    if settings.webhook_url:
        from bot.telegram.webhook import serve_webhook

        asyncio.run(serve_webhook(application, settings))
    else:
        log.info("starting long polling")
        application.run_polling(allowed_updates=Update.ALL_TYPES)


@asynccontextmanager
async def polling(application: Application) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Run the application with long polling inside a running event loop (the sandbox and the tests)."""
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
