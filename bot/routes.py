"""Every entry point of the bot, declared once.

- COMMANDS: name, action, guard (who may use it), audience (who sees it in /help), help text, and whether it is
  in Telegram's command menu. /help and the command menus are generated from this table.
- MENU: the buttons of the main menu, each a shortcut to what a command or a dialogue starts.
- BUTTONS: each family of button data (`bot/callbacks.py`) → the handler that receives it, decoded and typed.
  Data that does not decode (unknown, malformed, forged) goes to ANSWERS: "This button is no longer active."
- DIALOGUES: the question series a process can start and continue. Their state is in the database, so a
  dialogue missing here could not be continued after a restart or by another process.
- ANSWERS: everything else (typed text, a shared location, contact, photo or spreadsheet): the answer to the
  dialogue in progress, or a spreadsheet to import, or a helpful reply.

`bot/app.py` builds the python-telegram-bot Application from these tables.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from bot.chat import callbacks
from bot.chat.callbacks import ButtonData, MenuChoice
from bot.chat.context import Action, Ctx
from bot.chat.messages import Incoming, Reply
from bot.domain import casework as casework_rules
from bot.domain.access import CASEWORKER, COORDINATOR, AccessDenied
from bot.features.alerts import keepers as keeper_round
from bot.features.alerts import offer_end, stay_end
from bot.features.casework import consent, matching, placements, waiting
from bot.features.casework import offers as casework
from bot.features.coordination import reports, situations
from bot.features.coordination import settings as coordination
from bot.features.hosting import mydata
from bot.features.hosting import offers as host
from bot.features.search import command as search
from bot.features.search import results as search_results
from bot.features.start import general, language, seeking, start
from bot.features.team import keepers
from bot.features.team import members as team
from bot.i18n import N_, Translator, translator
from bot.logs import who
from conversations import (
    engine,
    host_offer,
    host_stay,
    household,
    importing,
    invitation,
    join,
    placement,
    placement_correction,
    qualification,
)
from conversations import search as guided_search
from storage import audit, users
from storage.db import Database
from storage.roles import grants_of

log = logging.getLogger(__name__)

Data = TypeVar("Data", bound=ButtonData)


class Guard(Enum):
    """Who may use an entry point, checked before its action runs."""

    PUBLIC = "anyone"
    REGISTERED = "users who accepted the privacy notice"
    EXCLUSIVE = "registered, and no question series open (its answers would be lost)"
    PROFESSIONAL = "exclusive; missing rights of caseworkers and coordinators are refused politely and logged"
    ANSWERING = "registered, answering the question series in progress; refusals as for PROFESSIONAL"


class Audience(Enum):
    """Who sees a command in /help."""

    EVERYONE = frozenset[str]()
    CASEWORKERS = frozenset({CASEWORKER, COORDINATOR})  # caseworkers and coordinators
    COORDINATORS = frozenset({COORDINATOR})

    def includes(self, roles: frozenset[str]) -> bool:
        return not self.value or bool(self.value & roles)


@dataclass(frozen=True)
class Command:
    name: str
    action: Action
    guard: Guard
    audience: Audience
    help: str  # marked with N_, translated when shown
    in_menu: bool = False  # Telegram's command menu is the same for everyone: EVERYONE's commands only


@dataclass(frozen=True)
class MenuButton:
    choice: MenuChoice
    action: Action
    guard: Guard


@dataclass(frozen=True)
class Buttons(Generic[Data]):
    family: type[Data]
    handler: Callable[[Ctx, Data], Awaitable[list[Reply]]]
    guard: Guard


async def show_help(ctx: Ctx) -> list[Reply]:
    """/help: the commands of the table below that this user may use; /help search: the one-line search."""
    if ctx.incoming.args[:1] == ("search",) and ctx.actor.roles:
        return [Reply(search.search_help(ctx.t))]
    text = ctx.t._("Here is what you can do:") + "\n\n" + describe(ctx.t, commands_for(ctx.actor.roles))
    if await engine.in_progress(ctx):
        text += "\n\n" + ctx.t._("You are in the middle of a question: answer it to continue, or /cancel.")
    return [Reply(text)]


# Shorter names for the tables' columns.
PUBLIC, REGISTERED, EXCLUSIVE = Guard.PUBLIC, Guard.REGISTERED, Guard.EXCLUSIVE
PROFESSIONAL, ANSWERING = Guard.PROFESSIONAL, Guard.ANSWERING
EVERYONE, CASEWORKERS, COORDINATORS = Audience.EVERYONE, Audience.CASEWORKERS, Audience.COORDINATORS

# fmt: off
COMMANDS = (
    Command("start", start.start, PUBLIC, EVERYONE, N_("Start, or come back to the main menu"), in_menu=True),
    Command("myoffers", host.my_offers, EXCLUSIVE, EVERYONE, N_("See and update my offers"), in_menu=True),
    Command("mydata", mydata.my_data, REGISTERED, EVERYONE, N_("See or erase what the bot knows about me"), in_menu=True),
    Command("language", language.choose, REGISTERED, EVERYONE, N_("Change the language"), in_menu=True),
    Command("help", show_help, PUBLIC, EVERYONE, N_("What I can do"), in_menu=True),
    Command("cancel", general.cancel, REGISTERED, EVERYONE, N_("Stop the current question"), in_menu=True),
    Command("search", search.search_command, PROFESSIONAL, CASEWORKERS, N_("Search available places (/help search for the one-line form)")),
    Command("household", placements.new_household, PROFESSIONAL, CASEWORKERS, N_("Record a household")),
    Command("placements", placements.my_placements, PROFESSIONAL, CASEWORKERS, N_("Households, placements and their end dates")),
    Command("waiting", waiting.waiting_command, PROFESSIONAL, CASEWORKERS, N_("Households waiting for a place, the most urgent first, with “Find places”")),
    Command("match", matching.match_command, PROFESSIONAL, CASEWORKERS, N_("The best plan for a département's waiting households, e.g. /match 44")),
    Command("invite", team.invite, PROFESSIONAL, COORDINATORS, N_("Invite a caseworker or a coordinator")),
    Command("members", team.members, PROFESSIONAL, COORDINATORS, N_("Members of my territory")),
    Command("stats", reports.statistics, PROFESSIONAL, COORDINATORS, N_("Statistics and chart of my territory")),
    Command("export", reports.export, PROFESSIONAL, COORDINATORS, N_("Excel export (/export csv for CSV files)")),
    Command("alerts", coordination.alerts_overview, PROFESSIONAL, COORDINATORS, N_("Stale offers, undeliverable alerts, alert settings")),
    Command("milestones", coordination.set_milestones, PROFESSIONAL, COORDINATORS, N_("Days before a placement ends to alert, e.g. /milestones 44 60 30 14 7 1")),
    Command("consent", coordination.set_consent, PROFESSIONAL, COORDINATORS, N_("Hours a host has to answer a proposal, e.g. /consent 44 48")),
    Command("freshness", coordination.set_freshness, PROFESSIONAL, COORDINATORS, N_("Days before asking hosts “still available?”, e.g. /freshness 44 14")),
    Command("reception", seeking.set_reception, PROFESSIONAL, COORDINATORS, N_("Where people looking for a place go in your département: /reception 44 address, phone, hours")),
    Command("situations", situations.situations_command, PROFESSIONAL, COORDINATORS, N_("Situations that order the waiting list, e.g. /situations 44")),
    Command("digest", coordination.toggle_digest, PROFESSIONAL, COORDINATORS, N_("Weekly digest on Monday morning: /digest on or /digest off")),
    Command("import", importing.begin, PROFESSIONAL, COORDINATORS, N_("Import offers from a spreadsheet (.xlsx or .csv)")),
    Command("keepers", keepers.keepers_command, PROFESSIONAL, COORDINATORS, N_("Who answers “still available?” for the offers organisations manage")),
)

MENU = (  # start.main_menu shows each user the buttons they may use
    MenuButton("host", host_offer.begin, EXCLUSIVE),
    MenuButton("pro", join.begin, EXCLUSIVE),
    MenuButton("search", guided_search.begin, PROFESSIONAL),
    MenuButton("placements", placements.my_placements, PROFESSIONAL),
    MenuButton("household", placements.new_household, PROFESSIONAL),
    MenuButton("invite", team.invite, PROFESSIONAL),
    MenuButton("members", team.members, PROFESSIONAL),
    MenuButton("seek", seeking.seeking, PUBLIC),
)

BUTTONS: tuple[Buttons[Any], ...] = (
    # The privacy notice, /language and /mydata.
    Buttons(callbacks.PrivacyAccept, start.on_privacy_accept, PUBLIC),
    Buttons(callbacks.PrivacyDecline, start.on_privacy_decline, PUBLIC),
    Buttons(callbacks.PrivacyLanguage, start.on_privacy_language, PUBLIC),
    Buttons(callbacks.SeekingIn, seeking.on_departement, PUBLIC),
    Buttons(callbacks.LanguageChoice, language.on_button, REGISTERED),
    Buttons(callbacks.Erase, mydata.on_erase_button, REGISTERED),
    # Hosts: their offers, and their answers to alerts.
    Buttons(callbacks.HostOffer, host.on_offer_button, EXCLUSIVE),
    Buttons(callbacks.StillAvailable, host.on_still_available_answer, EXCLUSIVE),
    Buttons(callbacks.OfferEnd, offer_end.on_button, EXCLUSIVE),
    Buttons(callbacks.StayEnd, stay_end.on_host_button, EXCLUSIVE),
    Buttons(callbacks.ConsentAnswer, consent.on_answer, EXCLUSIVE),
    Buttons(callbacks.ConsentDecline, consent.on_decline, EXCLUSIVE),
    # Caseworkers: search results, offers, placements and their alerts.
    Buttons(callbacks.SearchPage, search_results.on_page_button, PROFESSIONAL),
    Buttons(callbacks.SearchCommune, search.on_commune_button, PROFESSIONAL),
    Buttons(callbacks.OfferDetails, casework.details, PROFESSIONAL),
    Buttons(callbacks.OfferContact, casework.contact, PROFESSIONAL),
    Buttons(callbacks.OfferQualify, casework.qualify, PROFESSIONAL),
    Buttons(callbacks.OfferPropose, casework.choose_household, PROFESSIONAL),
    Buttons(callbacks.ProposeTo, consent.propose, PROFESSIONAL),
    Buttons(callbacks.PlacementStep, placements.on_placement_button, PROFESSIONAL),
    Buttons(callbacks.PastPlacements, placements.on_past_button, PROFESSIONAL),
    Buttons(callbacks.PlacementAlert, stay_end.on_staff_button, PROFESSIONAL),
    Buttons(callbacks.WaitingPage, waiting.on_page_button, PROFESSIONAL),
    Buttons(callbacks.FindPlaces, waiting.on_find_places, PROFESSIONAL),
    Buttons(callbacks.MatchTick, matching.on_tick, PROFESSIONAL),
    Buttons(callbacks.MatchPage, matching.on_page, PROFESSIONAL),
    Buttons(callbacks.MatchPropose, matching.on_propose, PROFESSIONAL),
    # Keepers of the offers organisations manage: their "still available?" round.
    Buttons(callbacks.KeeperConfirm, keeper_round.on_confirm, PROFESSIONAL),
    Buttons(callbacks.KeeperWithdraw, keeper_round.on_withdraw, PROFESSIONAL),
    # Coordinators: members, invitations and keepers.
    Buttons(callbacks.MemberRevoke, team.on_revoke_button, PROFESSIONAL),
    Buttons(callbacks.MemberRevokeConfirmed, team.on_revoke_confirmed, PROFESSIONAL),
    Buttons(callbacks.InvitationCancel, team.on_uninvite_button, PROFESSIONAL),
    Buttons(callbacks.KeeperPick, keepers.on_pick, PROFESSIONAL),
    Buttons(callbacks.KeeperSet, keepers.on_set, PROFESSIONAL),
    Buttons(callbacks.SituationSwitch, situations.on_switch, PROFESSIONAL),
    # The questions of dialogues.
    Buttons(callbacks.DialogueAnswer, general.on_dialogue_button, ANSWERING),
)

DIALOGUES = (
    host_offer.DIALOGUE,  # a host declares or changes an offer (menu, /myoffers)
    host_stay.DIALOGUE,  # a host moves the end of a stay in their place (alert)
    guided_search.DIALOGUE,  # /search without words
    household.DIALOGUE,  # /household
    qualification.DIALOGUE,  # a caseworker qualifies an offer after a visit
    placement.ARRIVAL, placement.DEPARTURE, placement.EXTENSION,  # /placements and alerts
    placement_correction.DIALOGUE,  # /placements: a stay recorded wrong
    invitation.DIALOGUE,  # /invite
    join.DIALOGUE,  # "I work for an association…": the invitation code
    importing.DIALOGUE,  # /import, or a spreadsheet sent by a coordinator
)
# fmt: on

ANSWERS = general.anything_else  # with the guard ANSWERING

MAKERS = {  # files made when they are sent (`Later`), out of the update's transaction
    "statistics_chart": reports.make_chart,
    "export": reports.make_export,
    "match_plan": matching.make_spreadsheet,
}


# What is generated from the tables.


def commands_for(roles: frozenset[str]) -> list[Command]:
    return [command for command in COMMANDS if command.audience.includes(roles)]


def describe(t: Translator, commands: list[Command]) -> str:
    return "\n".join(f"/{command.name} — {t._(command.help)}" for command in commands)


def command_menu(t: Translator, roles: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Telegram's command menu in one language: (command, description); everyone's, and with `roles` the
    commands of those roles too (a host never sees /search; a coordinator sees theirs)."""
    return [
        (command.name, t._(command.help))
        for command in COMMANDS
        if command.in_menu
        or (roles and command.audience is not EVERYONE and command.audience.includes(roles))
    ]


async def menu_of(database: Database, user_id: int) -> list[tuple[str, str]]:
    """One user's own command menu as their roles and language are now; [] without a role (then the menu
    of their language applies)."""
    async with database.transaction() as session:
        user = await users.find(session, user_id)
        grants = await grants_of(session, user_id)
    return command_menu(translator(user.language if user else None), frozenset(grants)) if grants else []


def dialogues() -> Mapping[str, engine.Dialogue]:
    return engine.by_name(DIALOGUES)


@functools.cache
def _dispatch() -> tuple[dict[str, Action], dict[str, Action], tuple[tuple[str, Action], ...], Action]:
    """Each entry point behind its guard: commands by name, menu buttons by their data, families by prefix."""
    commands = {command.name: with_guard(command.guard, command.action) for command in COMMANDS}
    menu = {
        callbacks.Menu(button.choice).encode(): with_guard(button.guard, button.action) for button in MENU
    }
    families = tuple(
        (route.family.prefix + callbacks.SEPARATOR, with_guard(route.guard, decoding(route)))
        for route in BUTTONS
    )
    return commands, menu, families, answers_action()


def action_for(incoming: Incoming) -> Action:
    """The action an update goes to: its command, its button's family, else the answers of ANSWERS."""
    commands, menu, families, answers = _dispatch()
    if incoming.command is not None:
        return commands.get(incoming.command, answers)
    data = incoming.callback
    if data is not None:
        return menu.get(data) or next(
            (action for prefix, action in families if data.startswith(prefix)), answers
        )
    return answers


def answers_action() -> Action:
    return with_guard(ANSWERING, ANSWERS)


def decoding(route: Buttons[Data]) -> Action:
    """The route's handler, given the button's data decoded; data that does not decode goes to ANSWERS."""
    otherwise = answers_action()

    @functools.wraps(route.handler)
    async def pressed(ctx: Ctx) -> list[Reply]:
        data = route.family.decode(ctx.incoming.callback)
        return await (otherwise(ctx) if data is None else route.handler(ctx, data))

    return pressed


# Guards.


def registered(action: Action) -> Action:
    """Only for users who accepted the privacy notice; others are shown it (nothing they send is stored)."""

    @functools.wraps(action)
    async def checked(ctx: Ctx) -> list[Reply]:
        return await (action(ctx) if ctx.user is not None else start.not_registered(ctx))

    return checked


def exclusive(action: Action) -> Action:
    """Not while a question series is open: its answers would be lost."""

    @functools.wraps(action)
    async def checked(ctx: Ctx) -> list[Reply]:
        if await engine.in_progress(ctx):
            return await general.busy_elsewhere(ctx)
        return await action(ctx)

    return checked


def refusals_explained(action: Action) -> Action:
    """Caseworker and coordinator actions: a refusal (logged) instead of an error when rights are missing."""

    @functools.wraps(action)
    async def checked(ctx: Ctx) -> list[Reply]:
        try:
            return await action(ctx)
        except AccessDenied as denied:
            await audit.record(ctx.session, ctx.user_id, audit.REFUSED, str(denied.action), ctx.now,
                               departement=denied.departement, command=ctx.incoming.command or ctx.incoming.callback)  # fmt: skip
            log.info("refused %s to %s", denied, who(ctx.user_id))
            return [Reply(ctx.t._("Sorry, this is reserved for caseworkers and coordinators of the territory "
                                  "concerned. Ask your coordinator if you need it."))]  # fmt: skip
        except casework_rules.NotFound:
            return [Reply(ctx.t._("This no longer exists."))]
        except casework_rules.Conflict:
            return [
                Reply(ctx.t._("This is not possible in the current state. Open it again to see where it is."))
            ]

    return checked


LAYERS: dict[Guard, tuple[Callable[[Action], Action], ...]] = {  # outermost first
    Guard.PUBLIC: (),
    Guard.REGISTERED: (registered,),
    Guard.EXCLUSIVE: (registered, exclusive),
    Guard.PROFESSIONAL: (registered, exclusive, refusals_explained),
    Guard.ANSWERING: (registered, refusals_explained),
}


def with_guard(guard: Guard, action: Action) -> Action:
    for layer in reversed(LAYERS[guard]):
        action = layer(action)
    return action
