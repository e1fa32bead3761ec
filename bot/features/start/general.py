"""/cancel, answers to the dialogue in progress, and the answer to anything unexpected."""

from __future__ import annotations

from bot.chat.callbacks import DialogueAnswer
from bot.chat.context import Ctx
from bot.chat.messages import Reply
from bot.domain.access import Action
from bot.features.start.start import main_menu
from conversations import engine, importing


async def cancel(ctx: Ctx) -> list[Reply]:
    """Leave the dialogue in progress, if any."""
    if await engine.cancel(ctx):
        return [
            Reply(
                ctx.t._("Stopped. Your answers to this question series were discarded."), remove_keyboard=True
            ),
            main_menu(ctx),
        ]
    return [Reply(ctx.t._("There is nothing to stop.")), main_menu(ctx)]


async def anything_else(ctx: Ctx) -> list[Reply]:
    """Answers to the dialogue in progress, or a short helpful answer: never silence."""
    answered = await engine.handle_answer(ctx)
    if answered is not None:
        return answered
    if ctx.incoming.document is not None and ctx.actor.may(Action.IMPORT):
        return await importing.begin(ctx)
    if ctx.incoming.command:
        return [Reply(ctx.t._("I do not know this command. Send /help to see what you can do."))]
    if ctx.incoming.is_button:
        return await no_longer_active(ctx)
    return [Reply(ctx.t._("I did not understand. Choose below, or send /help.")), main_menu(ctx)]


async def busy_elsewhere(ctx: Ctx) -> list[Reply]:
    """A command that would start something else while a question series is open."""
    return [
        Reply(
            ctx.t._(
                "You are in the middle of a question: answer it to continue, or /cancel to stop it first."
            )
        ),
        *await engine.current_prompt(ctx),
    ]


async def on_dialogue_button(ctx: Ctx, pressed: DialogueAnswer) -> list[Reply]:
    """A button of a dialogue's question: an answer to the dialogue in progress."""
    answered = await engine.handle_answer(ctx, pressed)
    return answered if answered is not None else await no_longer_active(ctx)


async def no_longer_active(ctx: Ctx) -> list[Reply]:
    """A button whose data is unknown, malformed or forged, or of a question series already over."""
    return [Reply(ctx.t._("This button is no longer active.")), main_menu(ctx)]
