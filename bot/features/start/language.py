"""/language: switch between French, Ukrainian and English at any time."""

from __future__ import annotations

from bot.chat.callbacks import LanguageChoice
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, translator
from conversations import engine
from storage import users


async def choose(ctx: Ctx) -> list[Reply]:
    buttons = [
        [Button(("✓ " if code == ctx.t.language else "") + LANGUAGE_NAMES[code], LanguageChoice(code))]
        for code in LANGUAGES
    ]
    return [Reply(ctx.t._("Choose your language:"), buttons)]


async def on_button(ctx: Ctx, pressed: LanguageChoice) -> list[Reply]:
    """Switch to the language chosen."""
    if pressed.language not in LANGUAGES or ctx.user is None:
        return await choose(ctx)
    await users.set_language(ctx.session, ctx.user, pressed.language)
    ctx.t = translator(pressed.language)
    done = Reply(ctx.t._("Language changed: English."), edit=True)
    # In the middle of a dialogue, ask the current question again in the new language.
    return [done, Reply(menu=True), *await engine.current_prompt(ctx)]
