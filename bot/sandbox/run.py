"""`logement-bot sandbox`: the real bot against a local Telegram stand-in, chatted with from the terminal or a page.

Nothing leaves the machine. The token is a made-up one; the database is a local SQLite file by default.
The sandbox's clock can be moved (`:clock +30d`) to see alerts come, and roles granted (`:grant coordinator 44`)
to try the caseworker and coordinator sides without an invitation; `:seed matching 44` makes a territory to try
`/match` on.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.app import Runtime, polling
from bot.domain.validation import normalise_departement
from bot.sandbox.botapi import FakeBotApi
from bot.sandbox.chat import ExtraCommand, run_terminal_chat
from bot.sandbox.seed import seed_command
from bot.settings import SANDBOX_DATABASE_URL, Settings
from storage import roles, users
from storage.db import Database

SANDBOX_TOKEN = "123456789:SANDBOX-not-a-real-token-0000000000"

SHIFT = re.compile(r"^\+(\d{1,4})([dhm])$")


@dataclass
class MovableClock:
    """Real time plus an offset the person in the sandbox chooses."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def sandbox_commands(
    runtime: Runtime, database: Database, clock: MovableClock, api: FakeBotApi
) -> dict[str, ExtraCommand]:
    async def move_clock(_user: int, args: list[str]) -> str:
        match = SHIFT.match(args[0]) if len(args) == 1 else None
        if match is None:
            return "usage: :clock +30d   (or +12h, +45m): move the bot's clock forward, then send what is due"
        amount, unit = int(match.group(1)), match.group(2)
        clock.offset += {
            "d": timedelta(days=amount),
            "h": timedelta(hours=amount),
            "m": timedelta(minutes=amount),
        }[unit]
        await runtime.alerts_round()
        await runtime.sender.drain()
        return f"the bot's clock now reads {clock():%Y-%m-%d %H:%M} UTC; alerts due by then were sent (quiet hours: 21:00–08:00 Paris)"

    async def grant(user: int, args: list[str]) -> str:
        departement = normalise_departement(args[1]) if len(args) == 2 else None
        if len(args) != 2 or args[0] not in roles.ROLES or departement is None:
            return "usage: :grant coordinator 44   (or caseworker): give the current user that role, as an admin would"
        async with database.transaction() as session:
            if await users.find(session, user) is None:
                return "send /start and accept the privacy notice first"
            await roles.grant(session, user, args[0], departement, granted_by=None, organisation="Sandbox")
        return f"user {user} is now {args[0]} in {departement}"

    return {
        "clock": ExtraCommand(
            "+30d     move the bot's clock forward (alerts due by then are sent)", move_clock
        ),
        "grant": ExtraCommand("ROLE DEP give yourself a role, e.g. :grant coordinator 44", grant),
        "seed": seed_command(api, database, clock),
    }


async def run_sandbox(database_url: str | None, web_port: int, use_terminal: bool = True) -> None:
    # Handler logs would interleave with the chat; warnings and errors still show.
    logging.getLogger().setLevel(logging.WARNING)
    clock = MovableClock()
    async with FakeBotApi(port=web_port, token=SANDBOX_TOKEN) as api:
        settings = Settings(
            token=SANDBOX_TOKEN,
            database_url=database_url or SANDBOX_DATABASE_URL,
            api_base_url=api.bot_base_url,
            api_file_base_url=api.file_base_url,
        )
        database = Database(settings.database_url)
        runtime = Runtime(settings, database, clock=clock)
        async with polling(runtime):
            print(f"Sandbox: the bot runs against a local Telegram stand-in. Chat page: {api.url}/")
            print(f"Database: {settings.database_url}")
            if use_terminal:
                await run_terminal_chat(api, extra_commands=sandbox_commands(runtime, database, clock, api))
            else:
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, stop.set)
                await stop.wait()
