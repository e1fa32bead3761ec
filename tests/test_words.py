"""What people type, understood through the real bot, in French and Ukrainian (issue "Words people use")."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.i18n import Translator, translator
from storage import dialogues
from tests.harness import BotUnderTest, User, texts
from tests.test_host import registered

FR, UK = translator("fr"), translator("uk")
TODAY = date(2026, 11, 22)  # a Sunday: the clock of the tests


async def answers(bot: BotUnderTest, user_id: int) -> dict[str, Any]:
    """The answers of the dialogue the user is in."""
    async with bot.database.transaction() as session:
        state = await dialogues.current(session, user_id)
    assert state is not None
    return dict(state.answers)


async def at_the_start_date(bot: BotUnderTest, user_id: int, t: Translator) -> User:
    """A host declaring a room, at the question "available from"."""
    host = await registered(bot, user_id, t)
    await host.press(t._("I offer a place"))
    await host.press(t._("A room in my home"))
    await host.send("Nantes")
    await host.press(t._("Skip"))
    for answer in ("2", "2", "1"):
        await host.send(answer)
    await host.press(t._("No preference"))
    return host


# --------------------------------------------------------------------------- dates


async def test_next_monday_and_next_wednesday(bot: BotUnderTest) -> None:
    camille = await at_the_start_date(bot, 1001, FR)
    await camille.send("lundi prochain")
    assert (await answers(bot, 1001))["available_from"] == "2026-11-23"
    olena = await at_the_start_date(bot, 2002, UK)
    await olena.send("у наступну середу")
    assert (await answers(bot, 2002))["available_from"] == "2026-11-25"


async def test_dates_read_well_in_a_sentence(bot: BotUnderTest) -> None:
    camille = await at_the_start_date(bot, 1001, FR)
    await camille.send("1/12")
    refused = texts(await camille.send("25/11"))
    assert FR._("It must come after {start}.").format(start="1er décembre 2026") in refused
    olena = await at_the_start_date(bot, 2002, UK)
    await olena.send("01.03.2027")
    refused = texts(await olena.send("15.02.2027"))
    assert UK._("It must come after {start}.").format(start="1 березня 2027\u202fроку") in refused
    assert "р.." not in refused
