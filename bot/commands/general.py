"""/help, /cancel, and the answer to anything unexpected."""

from __future__ import annotations

from bot.chat import Reply
from bot.commands.start import main_menu
from bot.context import Ctx
from bot.domain.access import Action
from bot.i18n import N_, Translator
from conversations import engine, importing
from storage import roles

# (command, description) shown in /help and registered as Telegram command menus.
EVERYONE = [
    ("start", N_("Start, or come back to the main menu")),
    ("myoffers", N_("See and update my offers")),
    ("mydata", N_("See or erase what the bot knows about me")),
    ("language", N_("Change the language")),
    ("help", N_("What I can do")),
    ("cancel", N_("Stop the current question")),
]
CASEWORKER = [
    ("search", N_("Search available places (/help search for the one-line form)")),
    ("household", N_("Record a household")),
    ("placements", N_("Households, placements and their end dates")),
]
COORDINATOR = [
    ("invite", N_("Invite a caseworker or a coordinator")),
    ("members", N_("Members of my territory")),
    ("stats", N_("Statistics and chart of my territory")),
    ("export", N_("Excel export (/export csv for CSV files)")),
    ("alerts", N_("Stale offers, undeliverable alerts, alert settings")),
    ("milestones", N_("Days before a placement ends to alert, e.g. /milestones 44 60 30 14 7 1")),
    ("freshness", N_("Days before asking hosts “still available?”, e.g. /freshness 44 14")),
    ("digest", N_("Weekly digest on Monday morning: /digest on or /digest off")),
    ("import", N_("Import offers from a spreadsheet (.xlsx or .csv)")),
]


def commands_for(user_roles: frozenset[str]) -> list[tuple[str, str]]:
    commands = list(EVERYONE)
    if user_roles & {roles.CASEWORKER, roles.COORDINATOR}:
        commands += CASEWORKER
    if roles.COORDINATOR in user_roles:
        commands += COORDINATOR
    return commands


def describe(t: Translator, commands: list[tuple[str, str]]) -> str:
    return "\n".join(f"/{name} — {t._(description)}" for name, description in commands)


async def show_help(ctx: Ctx) -> list[Reply]:
    if ctx.incoming.args[:1] == ("search",) and ctx.actor.roles:
        from bot.commands.search import search_help

        return [Reply(search_help(ctx.t))]
    text = ctx.t._("Here is what you can do:") + "\n\n" + describe(ctx.t, commands_for(ctx.actor.roles))
    if await engine.in_progress(ctx):
        text += "\n\n" + ctx.t._("You are in the middle of a question: answer it to continue, or /cancel.")
    return [Reply(text)]


async def cancel(ctx: Ctx) -> list[Reply]:
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
    if ctx.incoming.callback is not None:
        return [Reply(ctx.t._("This button is no longer active.")), main_menu(ctx)]
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
