"""The routing table is complete: every button family, menu button and dialogue has its entry, once."""

from __future__ import annotations

import importlib
import pkgutil
from typing import get_args

import conversations
from bot import routes
from bot.chat import callbacks
from bot.chat.callbacks import AnswerValue, ButtonData
from bot.i18n import translator
from conversations.engine import Dialogue
from tests.casework_fixtures import accepted_user, grant
from tests.harness import BotUnderTest, texts


def test_every_button_family_has_one_handler() -> None:
    families = {
        value for value in vars(callbacks).values()
        if isinstance(value, type) and issubclass(value, ButtonData) and hasattr(value, "fields")
        and not issubclass(value, AnswerValue)  # read by the dialogue step that offered it
    }  # fmt: skip
    routed = [route.family for route in routes.BUTTONS]
    assert len(routed) == len(set(routed))
    assert set(routed) == families - {callbacks.Menu}  # each menu button has its own entry
    assert sorted(button.choice for button in routes.MENU) == sorted(get_args(callbacks.MenuChoice))


def test_every_dialogue_is_listed_once() -> None:
    defined = set()
    for module in pkgutil.iter_modules(conversations.__path__):
        found = vars(importlib.import_module(f"conversations.{module.name}")).values()
        defined |= {value for value in found if isinstance(value, Dialogue)}
    assert len(routes.DIALOGUES) == len(defined) == len(routes.dialogues())
    assert set(routes.DIALOGUES) == defined


def test_commands_are_unique_and_the_menu_shows_only_what_everyone_may_use() -> None:
    names = [command.name for command in routes.COMMANDS]
    assert len(names) == len(set(names))
    for command in routes.COMMANDS:
        assert not command.in_menu or command.audience is routes.Audience.EVERYONE, command.name
        assert command.audience is routes.Audience.EVERYONE or command.guard is routes.Guard.PROFESSIONAL


async def test_help_is_generated_from_the_table_for_each_role(bot: BotUnderTest) -> None:
    t = translator("fr")
    await accepted_user(bot, 1001)
    await grant(bot, 601, "caseworker", "44")
    await grant(bot, 701, "coordinator", "44")
    for user_id, roles in ((1001, frozenset()), (601, {"caseworker"}), (701, {"coordinator"})):
        shown = texts(await bot.user(user_id).send("/help"))
        for command in routes.COMMANDS:
            line = f"/{command.name} — {t._(command.help)}"
            assert (line in shown) is command.audience.includes(frozenset(roles)), (user_id, command.name)
