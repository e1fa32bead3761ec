"""Fixtures: a real bot (python-telegram-bot Application) over real HTTP against the local Bot API stand-in,
on a real SQLite file, and on PostgreSQL too when TEST_DATABASE_URL points at one (CI does)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.sandbox.botapi import FakeBotApi
from bot.settings import Settings
from storage.db import Database
from storage.models import User
from tests.english import english_in
from tests.harness import BotUnderTest, Clock

TOKEN = "123456789:TEST-token-for-the-local-stand-in-0000"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3"  # type: ignore[operator]
        return
    url = os.environ["TEST_DATABASE_URL"]
    database = Database(url)
    async with database.engine.begin() as connection:  # every test starts from an empty schema
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await database.close()
    yield url


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))


def settings_for(api: FakeBotApi, database_url: str, **more: Any) -> Settings:
    """The settings of a bot under test, talking to the stand-in, with `more` settings."""
    return Settings(
        token=TOKEN,
        database_url=database_url,
        api_base_url=api.bot_base_url,
        api_file_base_url=api.file_base_url,
        alert_interval_seconds=0,  # the tests run the alert rounds themselves, at the times they choose
        flood_updates=0,  # tests type faster than people; the flood test sets its own limit
        **more,
    )


@asynccontextmanager
async def running(api: FakeBotApi, settings: Settings, clock: Clock) -> AsyncIterator[BotUnderTest]:
    database = Database(settings.database_url)
    under_test = BotUnderTest(api, settings, database, clock)
    await under_test.start()
    try:
        yield under_test
    finally:
        await under_test.stop()
        async with database.transaction() as session:
            languages = {user.id: user.language for user in await session.scalars(select(User))}
        await database.close()
    untranslated = [
        (user["id"], found)
        for user in api.users
        if languages.get(user["id"], user.get("language_code") or "fr") in ("fr", "uk")
        for message in api.bot_messages(user["id"])
        if (found := english_in(message.get("text") or message.get("caption") or ""))
    ]
    assert not untranslated, f"English source text shown to French or Ukrainian users: {untranslated[:5]}"


@pytest.fixture
async def bot(api: FakeBotApi, database_url: str, clock: Clock) -> AsyncIterator[BotUnderTest]:
    async with running(api, settings_for(api, database_url), clock) as under_test:
        yield under_test
