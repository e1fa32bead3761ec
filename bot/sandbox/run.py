"""`logement-bot sandbox`: the real bot against a local Telegram stand-in, chatted with from the terminal or a page.

Nothing leaves the machine. The token is a made-up one; the database is a local SQLite file by default.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.app import build_application, polling
from bot.config import Settings
from bot.sandbox.botapi import FakeBotApi
from bot.sandbox.chat import run_terminal_chat
from storage.db import Database

SANDBOX_TOKEN = "123456789:SANDBOX-not-a-real-token-0000000000"
SANDBOX_DATABASE_URL = "sqlite+aiosqlite:///logement-sandbox.sqlite3"


async def run_sandbox(database_url: str | None, web_port: int, use_terminal: bool = True) -> None:
    # Handler logs would interleave with the chat; warnings and errors still show.
    logging.getLogger().setLevel(logging.WARNING)
    async with FakeBotApi(port=web_port, token=SANDBOX_TOKEN) as api:
        settings = Settings(
            token=SANDBOX_TOKEN,
            database_url=database_url or SANDBOX_DATABASE_URL,
            api_base_url=api.bot_base_url,
            api_file_base_url=api.file_base_url,
        )
        database = Database(settings.database_url)
        application = build_application(settings, database)
        async with polling(application):
            print(f"Sandbox: the bot runs against a local Telegram stand-in. Chat page: {api.url}/")
            print(f"Database: {settings.database_url}")
            if use_terminal:
                await run_terminal_chat(api)
            else:
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, stop.set)
                await stop.wait()
        await database.close()
