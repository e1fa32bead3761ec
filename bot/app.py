"""One bot process: python-telegram-bot's Application (the Bot API client and the periodic jobs), the workers,
the sender, and how updates arrive (long polling, or webhooks behind aiohttp). See `bot/telegram/pipeline.py`.
"""

from __future__ import annotations

import asyncio
import io
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import BotCommand, Update
from telegram.ext import Application, ContextTypes

from bot import routes
from bot.i18n import all_translators
from bot.settings import Settings
from bot.telegram.http import AiohttpRequest
from bot.telegram.pipeline import Clock, FloodRule, Pipeline, Services, system_clock
from bot.telegram.rate import Limiter
from bot.telegram.receiving import Poller, store_updates
from bot.telegram.sender import Sender, queue_alerts, sweep_once
from bot.telegram.webhook import make_web_app
from storage.db import Database

log = logging.getLogger(__name__)
# Long enough that a slow Telegram rarely makes a delivered message look lost (and then sent again).
SEND_TIMEOUT_SECONDS = 25.0


class Runtime:
    """Everything one process runs; `start` and `stop` it (or use `polling`)."""

    def __init__(self, settings: Settings, database: Database, clock: Clock = system_clock) -> None:
        self.settings, self.database, self.clock = settings, database, clock
        request = AiohttpRequest(connection_pool_size=64, read_timeout=SEND_TIMEOUT_SECONDS,
                                 write_timeout=SEND_TIMEOUT_SECONDS, connect_timeout=10.0, pool_timeout=10.0)  # fmt: skip
        builder = (
            Application.builder().token(settings.token).request(request)
            .get_updates_request(AiohttpRequest(connection_pool_size=1)).updater(None)
        )  # fmt: skip
        if settings.api_base_url:
            builder.base_url(settings.api_base_url)
        if settings.api_file_base_url:
            builder.base_file_url(settings.api_file_base_url)
        self.application = builder.build()
        self.services = Services(
            database=database, dialogues=routes.dialogues(), clock=clock, limiter=Limiter(settings.send_per_second),
            flood=FloodRule(settings.flood_updates, timedelta(seconds=settings.flood_window_seconds)),
            policy=settings.data_policy,
        )  # fmt: skip
        self.bot = self.application.bot
        self.sender = Sender(database, self.bot, clock, self.services.limiter, routes.MAKERS, routes.menu_of)
        self.pipeline = Pipeline(self.bot, self.services, self.sender)
        self.sender.delivered = lambda: self.pipeline.stored(1)  # a chat's next update may be free now
        self.poller: Poller | None = None
        self._webhook: web.AppRunner | None = None

    async def start(self, *, polling: bool) -> None:
        await self.application.initialize()
        await self.database.upgrade()
        await register_command_menus(self.application)
        if self.settings.alert_interval_seconds > 0:
            assert self.application.job_queue is not None
            self.application.job_queue.run_repeating(
                self._alerts_job, interval=self.settings.alert_interval_seconds,
                first=min(5.0, self.settings.alert_interval_seconds), name="alerts",
                job_kwargs={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
            )  # fmt: skip
        await self.application.start()
        await self.pipeline.start()
        self.sender.start()
        if polling:
            self.poller = Poller(self.bot, self.database, self.clock, self.services.flood, self._stored)
            await self.poller.start()

    async def stop(self) -> None:
        if self.poller is not None:
            await self.poller.stop()
        if self._webhook is not None:
            await self._webhook.cleanup()
        await self.pipeline.stop()
        await self.sender.stop()
        await self.application.stop()
        await self.application.shutdown()
        await self.database.close()  # in the event loop its connections belong to (asyncpg refuses another)

    async def store(self, update: dict[str, Any]) -> None:
        """Store an update that arrived by webhook, then wake the workers."""
        self._stored(
            *await store_updates(self.database, [update], self.clock(), self.services.flood, self.bot)
        )

    def _stored(self, new: int, dropped: set[int]) -> None:
        """Updates were stored: wake the workers; those dropped (a flood) owe nothing."""
        self.pipeline.stored(new - len(dropped))
        self.sender.wake.set()
        for update_id in dropped:
            self.pipeline.settled(update_id)

    async def serve_webhook(self) -> None:
        settings = self.settings
        assert settings.webhook_url and settings.webhook_secret
        path = urlsplit(settings.webhook_url).path or "/"
        self._webhook = web.AppRunner(make_web_app(self.bot, path, settings.webhook_secret, self.store))
        await self._webhook.setup()
        await web.TCPSite(self._webhook, settings.webhook_listen, settings.webhook_port).start()
        await self.bot.set_webhook(
            settings.webhook_url, secret_token=settings.webhook_secret, allowed_updates=Update.ALL_TYPES
        )
        log.info("serving webhooks on %s:%s%s", settings.webhook_listen, settings.webhook_port, path)

    async def alerts_round(self) -> None:
        """Record what is due (if this process holds the sweeper lease), then queue what may be sent now."""
        await sweep_once(self.database, self.clock, policy=self.settings.data_policy)
        if await queue_alerts(self.database, self.clock):
            self.sender.wake.set()

    async def _alerts_job(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.alerts_round()


async def register_command_menus(application: Application) -> None:  # type: ignore[type-arg]
    for t in all_translators():
        commands = [BotCommand(name, description) for name, description in routes.command_menu(t)]
        await application.bot.set_my_commands(commands, language_code=t.language)
        if t.language == "en":
            await application.bot.set_my_commands(commands)  # users of any other language


@asynccontextmanager
async def polling(runtime: Runtime) -> AsyncIterator[Runtime]:
    """Run a process with long polling inside a running event loop (the sandbox and the tests)."""
    await runtime.start(polling=True)
    try:
        yield runtime
    finally:
        await runtime.stop()


def log_tasks() -> None:
    """`kill -USR1` a bot process: what each of its tasks is waiting for goes to the log (a stop that hangs)."""
    for task in asyncio.all_tasks():
        stream = io.StringIO()
        task.print_stack(limit=12, file=stream)
        log.warning("task %s:\n%s", task.get_name(), stream.getvalue())


def run(settings: Settings) -> None:
    """The `logement-bot run` command: until SIGINT or SIGTERM."""

    async def main() -> None:
        runtime = Runtime(settings, Database(settings.database_url))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGUSR1, log_tasks)
        await runtime.start(polling=not settings.webhook_url)
        if settings.webhook_url:
            await runtime.serve_webhook()
        else:
            log.info("long polling")
        await stop.wait()
        await runtime.stop()

    asyncio.run(main())
