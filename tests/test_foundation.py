"""/start, privacy, languages, help, cancel and unexpected input, through the real bot."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.i18n import translator
from storage.models import User as UserRow
from tests.harness import BotUnderTest, User, texts

FR, UK, EN = translator("fr"), translator("uk"), translator("en")
CYRILLIC = re.compile("[а-яіїєґ]", re.IGNORECASE)


async def users_stored(bot: BotUnderTest) -> int:
    async with bot.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(UserRow)) or 0)


async def accept(user: User, t=FR) -> None:  # type: ignore[no-untyped-def]
    await user.send("/start")
    await user.press(t._("I accept"))


async def test_start_in_french_stores_nothing_before_acceptance(bot: BotUnderTest) -> None:
    camille = bot.user(1001, "fr")
    notice = texts(await camille.send("/start"))
    assert FR._("Do you accept? Nothing is stored until you do.") in notice
    assert "/mydata" in notice
    assert FR._("I accept") != "I accept"  # really translated
    assert await users_stored(bot) == 0
    # Anything sent before accepting gets the notice again, and is not stored either.
    assert FR._("I accept") in str(camille.buttons((await camille.send("bonjour"))[-1]))
    assert await users_stored(bot) == 0

    await camille.press(FR._("I accept"))
    assert await users_stored(bot) == 1
    menu = camille.buttons()
    assert [label for label, _ in menu] == [
        FR._("I offer a place"),
        FR._("I work for an association or the prefecture"),
        FR._("I am looking for a place to stay"),
    ]


async def test_start_in_ukrainian(bot: BotUnderTest) -> None:
    olena = bot.user(2002, "uk", "Olena")
    notice = texts(await olena.send("/start"))
    assert UK._("Do you accept? Nothing is stored until you do.") in notice
    assert CYRILLIC.search(notice)
    await olena.press(UK._("I accept"))
    assert UK._("What would you like to do?") in texts([olena.last()])
    assert CYRILLIC.search(texts(await olena.send("/help")))


async def test_declining_stores_nothing(bot: BotUnderTest) -> None:
    camille = bot.user(1001, "fr")
    await camille.send("/start")
    await camille.press(FR._("No, thanks"))
    assert FR._("Understood: nothing was stored. Send /start whenever you change your mind.") in texts(
        [camille.last()]
    )
    assert await users_stored(bot) == 0


async def test_other_telegram_language_gets_french_with_one_tap_switch(bot: BotUnderTest) -> None:
    hans = bot.user(3003, "de", "Hans")
    notice = await hans.send("/start")
    assert FR._("Do you accept? Nothing is stored until you do.") in texts(notice)
    labels = [label for label, _ in hans.buttons(notice[-1])]
    assert "Українська" in labels and "English" in labels
    await hans.press("Українська")
    assert UK._("Do you accept? Nothing is stored until you do.") in texts([hans.last()])
    await hans.press(UK._("I accept"))
    async with bot.database.transaction() as session:
        stored = await session.get(UserRow, 3003)
    assert stored is not None and stored.language == "uk"


async def test_language_switch_at_any_time(bot: BotUnderTest) -> None:
    camille = bot.user(1001, "fr")
    await accept(camille)
    await camille.send("/language")
    await camille.press("Українська")
    assert "Мову змінено" in texts([camille.last()]) or UK._("Language changed: English.") in texts(
        [camille.last()]
    )
    assert CYRILLIC.search(texts(await camille.send("/help")))
    await camille.send("/language")
    await camille.press("English")
    assert EN._("Here is what you can do:") in texts(await camille.send("/help"))


async def test_help_lists_what_this_user_may_do(bot: BotUnderTest) -> None:
    camille = bot.user(1001, "fr")
    await accept(camille)
    help_text = texts(await camille.send("/help"))
    for command in ("/start", "/myoffers", "/mydata", "/language", "/help", "/cancel"):
        assert command in help_text
    assert FR._("See and update my offers") in help_text


async def test_cancel_leaves_the_dialogue_and_says_so(bot: BotUnderTest) -> None:
    camille = bot.user(1001, "fr")
    await accept(camille)
    assert FR._("There is nothing to stop.") in texts(await camille.send("/cancel"))
    await camille.press(FR._("I offer a place"))
    await camille.press(FR._("A room in my home"))
    assert FR._("Stopped. Your answers to this question series were discarded.") in texts(
        await camille.send("/cancel")
    )
    # Free text now gets the menu, not a dialogue re-prompt.
    assert FR._("I did not understand. Choose below, or send /help.") in texts(await camille.send("Nantes"))


async def test_unexpected_input_always_gets_a_helpful_answer(bot: BotUnderTest) -> None:
    camille = bot.user(1001, "fr")
    await accept(camille)
    for text in ("???", "🙂🙂", "/unknowncommand", "<b>bold</b>", "x" * 4000, "/start@logement_de_crise_bot"):
        replies = await camille.send(text)
        assert replies, f"no answer to {text[:20]!r}"
    assert FR._("I do not know this command. Send /help to see what you can do.") in texts(
        await camille.send("/frobnicate")
    )
    assert await camille.location(47.2, -1.55)
    assert await camille.photo(b"\x89PNG\r\n\x1a\n" + b"0" * 64)


async def test_old_dialogue_button_points_to_the_current_question(bot: BotUnderTest) -> None:
    camille = bot.user(1001, "fr")
    await accept(camille)
    await camille.press(FR._("I offer a place"))
    kind_question = camille.last()
    await camille.press(FR._("A room in my home"), kind_question)
    replies = await camille.press(FR._("Hotel"), kind_question)
    assert FR._("That button belongs to an earlier question. Here is the current one:") in texts(replies)


async def test_command_menus_are_registered_in_each_language(bot: BotUnderTest) -> None:
    calls = [params for method, params in bot.api.calls if method == "setMyCommands"]
    by_language = {params.get("language_code"): params["commands"] for params in calls}
    assert {"fr", "uk", "en", None} <= set(by_language)
    descriptions = {
        lang: {c["command"]: c["description"] for c in cmds} for lang, cmds in by_language.items()
    }
    assert descriptions["fr"]["myoffers"] == FR._("See and update my offers")
    assert descriptions["uk"]["myoffers"] == UK._("See and update my offers")
    assert descriptions["fr"]["myoffers"] != descriptions["uk"]["myoffers"]
