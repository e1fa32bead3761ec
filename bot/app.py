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

from bot import search_results
from bot.alerts import send_due, sweep_once
from bot.chat import Reply
from bot.commands import casework as casework_commands
from bot.commands import coordination, general, host, language, reports, search, start, team
from bot.commands.general import commands_for
from bot.context import Ctx
from bot.domain import casework
from bot.domain.access import AccessDenied
from bot.handlers import SERVICES, Action, Callback, Clock, Services, handler, on_error, system_clock
from bot.i18n import all_translators
from bot.settings import Settings
from conversations import engine, importing
from storage import audit
from storage.db import Database

log = logging.getLogger(__name__)


def registered(action: Action) -> Action:
    """Only for users who accepted the privacy notice."""

    async def guarded(ctx: Ctx) -> list[Reply]:
        return await (action(ctx) if ctx.user is not None else start.not_registered(ctx))

    guarded.__name__ = action.__name__
    return guarded


def exclusive(action: Action) -> Action:
    """Registered users only, and not while another question series is open (its answers would be lost)."""

    async def guarded(ctx: Ctx) -> list[Reply]:
        if await engine.in_progress(ctx):
            return await general.busy_elsewhere(ctx)
        return await action(ctx)

    guarded.__name__ = action.__name__
    return registered(guarded)


def professional(action: Action) -> Action:
    """Caseworker and coordinator actions: a refusal (logged) instead of an error when rights are missing."""

    async def guarded(ctx: Ctx) -> list[Reply]:
        try:
            return await action(ctx)
        except AccessDenied as denied:
            await audit.record(ctx.session, ctx.user_id, audit.REFUSED, str(denied.action), ctx.now,
                               departement=denied.departement, command=ctx.incoming.command or ctx.incoming.callback)  # fmt: skip
            log.info("refused %s to %s", denied, ctx.user_id)
            return [Reply(ctx.t._("Sorry, this is reserved for caseworkers and coordinators of the territory "
                                  "concerned. Ask your coordinator if you need it."))]  # fmt: skip
        except casework.NotFound:
            return [Reply(ctx.t._("This no longer exists."))]
        except casework.Conflict:
            return [
                Reply(ctx.t._("This is not possible in the current state. Open it again to see where it is."))
            ]

    guarded.__name__ = action.__name__
    return guarded


def add_handlers(application: Application) -> None:  # type: ignore[type-arg]
    def host_side(action: Action) -> Callback:
        return handler(exclusive(action))

    def pro(action: Action) -> Callback:
        return handler(exclusive(professional(action)))

    commands: dict[str, Callback] = {
        "start": handler(start.start),
        "help": handler(general.show_help),
        "language": handler(registered(language.choose)),
        "cancel": handler(registered(general.cancel)),
        "mydata": handler(registered(host.my_data)),
        "myoffers": host_side(host.my_offers),
        "search": pro(search.search_command),
        "household": pro(casework_commands.new_household),
        "placements": pro(casework_commands.my_placements),
        "invite": pro(team.invite),
        "members": pro(team.members),
        "stats": pro(reports.statistics),
        "export": pro(reports.export),
        "import": pro(importing.begin),
        "alerts": pro(coordination.alerts_overview),
        "milestones": pro(coordination.set_milestones),
        "freshness": pro(coordination.set_freshness),
        "digest": pro(coordination.toggle_digest),
    }
    # Buttons, by the prefix of their data (dialogue buttons, "d:", go to the dialogue in progress).
    buttons: dict[str, Callback] = {
        "privacy": handler(start.on_privacy_button),
        "lang": handler(registered(language.on_button)),
        "erase": handler(registered(host.on_erase_button)),
        "offer": host_side(host.on_offer_button),
        "fresh": host_side(host.on_still_available_answer),
        "hq": host_side(coordination.on_host_question_button),
        "oe": host_side(coordination.on_offer_end_button),
        "menu": pro(start.on_menu_button),
        "mem": pro(team.on_members_button),
        "al": pro(coordination.on_alert_button),
        "sr": pro(search_results.on_page_button),
        "sn": pro(search.on_commune_button),
        "od|oc|oq|op|pp": pro(casework_commands.on_offer_button),
        "pl": pro(casework_commands.on_placement_button),
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback))
    for prefixes, callback in buttons.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=rf"^({prefixes}):"))
    # Everything else: the answer to the dialogue in progress, or a helpful reply.
    anything_else = handler(registered(professional(general.anything_else)))
    application.add_handler(MessageHandler(filters.ALL, anything_else))
    application.add_handler(CallbackQueryHandler(anything_else))
    application.add_error_handler(on_error)


async def register_command_menus(application: Application) -> None:  # type: ignore[type-arg]
    everyone = commands_for(frozenset())
    for t in all_translators():
        commands = [BotCommand(name, t._(description)) for name, description in everyone]
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

    application = builder.post_init(post_init).build()
    application.bot_data[SERVICES] = Services(database=database, clock=clock)
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
        from bot.webhook import serve_webhook

        asyncio.run(serve_webhook(application, settings))
    else:
        log.info("starting long polling")
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    asyncio.run(database.close())


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
