"""Property: whatever a host types at any free-text question, the bot answers and stores only valid values.

The real bot runs in a background thread with its own event loop (Hypothesis drives synchronous tests);
each example puts the host on a question (by saving the dialogue state), sends the text over the stand-in,
and checks the answer and the saved state.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.domain import offer_schema as schema
from bot.geo.communes import load_communes
from bot.sandbox.botapi import FakeBotApi
from bot.settings import Settings
from conversations.host_offer import NAME
from storage import dialogues, users
from storage.db import Database
from tests.harness import BotUnderTest, Clock

T = TypeVar("T")
TOKEN = "123456789:TEST-token-for-the-local-stand-in-0000"
HOST = 1001
BEFORE_NOTES = {
    "kind": "room", "commune": "44109", "commune_insee": "44109", "commune_name": "Nantes", "departement": "44",
    "latitude": 47.23, "longitude": -1.55, "address": None, "people": 2, "beds": 2, "bedrooms": 1,
    "welcome": "any", "available_from": "2026-12-01", "available_until": "2027-06-01", "min_stay_days": None,
    "step_free": "no", "pets": False, "children": True, "smoking": False, "equipment": [], "transport": [],
    "languages": [], "cost": "rent",
}  # fmt: skip
# The answers each step needs before it, and whether what it stores is valid.
ORDER = ["commune", "address", "people", "beds", "bedrooms", "available_from", "available_until",
         "min_stay_days", "cost_eur", "notes", "phone"]  # fmt: skip


def valid(step: str, answers: dict[str, Any]) -> bool:
    value = answers.get(step)
    if step == "commune":
        commune = load_communes().by_insee(answers["commune_insee"])
        return commune is not None and answers["departement"] == commune.departement
    if step in ("address", "notes"):
        limit = schema.MAX_ADDRESS if step == "address" else schema.MAX_NOTES
        return isinstance(value, str) and 0 < len(value) <= limit and any(c.isalnum() for c in value)
    if step in ("people", "beds", "bedrooms", "cost_eur", "min_stay_days"):
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1000 * 5
    if step in ("available_from", "available_until"):
        if value is None:
            return step == "available_until"  # "no end date" is an answer
        day = date.fromisoformat(value)
        start = date.fromisoformat(answers["available_from"])
        return date(2026, 11, 22) <= day <= date(2029, 11, 22) and (step == "available_from" or day > start)
    if step == "phone":
        return isinstance(value, str) and value.startswith("+") and value[1:].isdigit()
    raise AssertionError(step)


class ThreadedBot:
    """The bot and the stand-in on an event loop in another thread."""

    def __init__(self, database_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.database_url = database_url

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    async def start(self) -> None:
        self.api = FakeBotApi(token=TOKEN)
        await self.api.start()
        self.database = Database(self.database_url)
        settings_ = Settings(token=TOKEN, database_url=self.database_url, api_base_url=self.api.bot_base_url,
                             api_file_base_url=self.api.file_base_url, alert_interval_seconds=0, flood_updates=0)  # fmt: skip
        self.bot = BotUnderTest(
            self.api, settings_, self.database, Clock(datetime(2026, 11, 22, 10, tzinfo=UTC))
        )
        await self.bot.start()
        async with self.database.transaction() as session:
            await users.register(session, HOST, "fr", self.bot.clock())
        self.user = self.bot.user(HOST, "fr")

    async def answer(self, step: str, text: str) -> tuple[list[dict[str, Any]], Any]:
        answers = {key: value for key, value in BEFORE_NOTES.items()
                   if key not in ORDER or ORDER.index(key) < ORDER.index(step)}  # fmt: skip
        async with self.database.transaction() as session:
            await dialogues.save(session, HOST, NAME, step, answers, self.bot.clock())
        replies = await self.user.send(text)
        async with self.database.transaction() as session:
            state = await dialogues.current(session, HOST)
        return replies, state

    async def stop(self) -> None:
        await self.bot.stop()
        await self.database.close()
        await self.api.stop()


@pytest.fixture(scope="module")
def threaded_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedBot]:
    path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    threaded = ThreadedBot(f"sqlite+aiosqlite:///{path}")
    threaded.run(threaded.start())
    yield threaded
    threaded.run(threaded.stop())
    threaded.loop.call_soon_threadsafe(threaded.loop.stop)


typed = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=5000),
    st.sampled_from(["-3", "1e9", "0", "3.5", "<b>x</b>", "*bold*", "&amp;", "🙂", "\u202e", "   ", "06 12",
                     "31/02", "2027-13-01", "Saint-Denis", "44000", "/cancel x", "\x00"]),
)  # fmt: skip


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(step=st.sampled_from(ORDER), text=typed)
def test_any_text_at_any_question_gets_an_answer_and_only_valid_values_are_kept(
    threaded_bot: ThreadedBot, step: str, text: str
) -> None:
    assume(text.strip())  # Telegram delivers no empty message
    if text.startswith("/"):
        text = " " + text  # commands are not answers; they are tested elsewhere
    replies, state = threaded_bot.run(threaded_bot.answer(step, text))
    assert replies, f"no answer to {text[:40]!r} at {step}"
    assert all(reply.get("text") or reply.get("caption") for reply in replies)
    assert state is not None and state.dialogue == NAME
    if state.step == step:
        return  # asked again (or candidates offered): nothing stored for this question
    assert valid(step, state.answers), (step, text, state.answers.get(step))
