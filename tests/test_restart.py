"""A crash (kill -9) or a second process never loses what a user already answered."""

from __future__ import annotations

from pathlib import Path

from bot.i18n import translator
from bot.sandbox.botapi import FakeBotApi
from storage import dialogues
from storage.db import Database
from tests.processes import bot_texts, press_and_wait, send_and_wait, start_bot, stop, wait_until

FR = translator("fr")


async def test_kill_9_in_the_middle_of_a_declaration_loses_nothing(
    api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    api.add_user(1001, "Camille", language_code="fr")
    first = await start_bot(api, database_url, tmp_path)
    try:
        await send_and_wait(api, 1001, "/start", FR._("Do you accept? Nothing is stored until you do."))
        await press_and_wait(api, 1001, FR._("I accept"), FR._("What would you like to do?"))
        await press_and_wait(api, 1001, FR._("I offer a place"), FR._("What kind of place do you offer?"))
        await press_and_wait(
            api, 1001, FR._("A room in my home"), FR._("For example: Nantes, 44000 or Saint-Denis 93.")
        )
        await send_and_wait(api, 1001, "Nantes", "Nantes (44)")
        await press_and_wait(api, 1001, FR._("Skip"), FR._("How many people can you welcome?"))
        await send_and_wait(api, 1001, "3", FR._("How many beds?"))
    finally:
        await stop(first, hard=True)  # no chance to flush or say goodbye

    second = await start_bot(api, database_url, tmp_path)
    try:
        before = len(bot_texts(api, 1001))
        await send_and_wait(
            api, 1001, "/start", FR._("How many beds?")
        )  # the question comes after the greeting
        # The last question may come again first: the killed bot may have sent it without recording so.
        welcome = FR._("Welcome back! Let's continue where you left off.")
        await wait_until(lambda: welcome in bot_texts(api, 1001)[before:])
        again = [text for text in bot_texts(api, 1001)[before:] if text != FR._("How many beds?")]
        assert again[0] == FR._("Welcome back! Let's continue where you left off.")
        await send_and_wait(api, 1001, "3", FR._("How many bedrooms?"))  # a bed each: nothing to confirm
    finally:
        await stop(second)

    database = Database(database_url)
    async with database.transaction() as session:
        state = await dialogues.current(session, 1001)
    await database.close()
    assert state is not None and state.step == "bedrooms"
    assert state.answers["kind"] == "room"
    assert state.answers["commune_insee"] == "44109"
    assert state.answers["people"] == 3 and state.answers["beds"] == 3
