"""/start: greeting, privacy notice to accept before anything is stored, then the menu by role."""

from __future__ import annotations

import re

from bot.chat.callbacks import Menu, PrivacyAccept, PrivacyDecline, PrivacyLanguage
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain.access import Action
from bot.domain.privacy import MESSAGES_KEPT, DataPolicy
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator, language_from_telegram, supported, translator
from conversations import engine, join
from storage import roles, users

PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def _payload(ctx: Ctx) -> str:
    """A deep-link payload (`t.me/<bot>?start=<payload>`), kept through the privacy step."""
    args = ctx.incoming.args
    return args[0] if args and PAYLOAD.match(args[0]) else ""


def operator_lines(t: Translator, policy: DataPolicy) -> list[str]:
    """Who runs the service and how to reach them about one's data (settings OPERATOR_NAME, OPERATOR_CONTACT)."""
    return [
        t._("Run by: {operator}").format(operator=esc(policy.operator_name) or t._("not stated")),
        t._("Contact about your data: {contact}").format(
            contact=esc(policy.operator_contact) or t._("not stated")
        ),
    ]


def privacy_notice(language: str, payload: str, policy: DataPolicy, *, guessed: bool) -> Reply:
    t = translator(language)
    months = policy.anonymise_after_months
    audit_months = policy.audit_kept_months
    text = "\n\n".join(
        [
            t._(
                "Hello! I help people displaced by a crisis find a place to stay, with hosts and associations."
            ),
            t._("<b>Before we start: your data</b>"),
            t._(
                "I store your Telegram account number, your language and what you tell me (for hosts: your "
                "offers, and your phone number only if you share it). It is used only to match housing offers "
                "with the people who need them."
            ),
            t._(
                "Your phone number and address are shown only to authorised social workers of the same "
                "département, and each time this is recorded. You can see and erase everything with /mydata."
            ),
            t._(
                "What you tell me is kept until you erase it. Withdrawn offers and ended stays are made anonymous "
                "{offers}; the record of who saw your contact details is deleted {audit}; your messages to the bot "
                "are forgotten {messages}."
            ).format(
                messages=t.n_("after {n} day", "after {n} days", MESSAGES_KEPT.days).format(
                    n=MESSAGES_KEPT.days
                ),
                offers=t.n_("after {n} month", "after {n} months", months).format(n=months),
                audit=t.n_("after {n} month", "after {n} months", audit_months).format(n=audit_months),
            ),
            "\n".join(operator_lines(t, policy)),
            t._("You may complain to the CNIL, the French data protection authority: https://www.cnil.fr"),
            t._("Do you accept? Nothing is stored until you do."),
        ]
    )
    buttons = [
        [
            Button(t._("I accept"), PrivacyAccept(language, payload)),
            Button(t._("No, thanks"), PrivacyDecline(language)),
        ]
    ]
    others = [code for code in LANGUAGES if code != language]
    if guessed or others:
        buttons.append([Button(LANGUAGE_NAMES[code], PrivacyLanguage(code, payload)) for code in others])
    buttons.append(
        [Button(t._("I am looking for a place to stay"), Menu("seek"))]
    )  # nothing to accept for that
    return Reply(text, buttons)


def main_menu(ctx: Ctx) -> Reply:
    t, actor = ctx.t, ctx.actor
    buttons = [[Button(t._("I offer a place"), Menu("host"))]]
    if actor.may(Action.SEARCH):
        buttons.append(
            [Button(t._("Search places"), Menu("search")), Button(t._("Placements"), Menu("placements"))]
        )
    if actor.may(Action.MANAGE_HOUSEHOLDS):
        buttons.append([Button(t._("New household"), Menu("household"))])
    if actor.may(Action.INVITE):
        buttons.append(
            [Button(t._("Invite someone"), Menu("invite")), Button(t._("Members"), Menu("members"))]
        )
    if not actor.roles:
        buttons.append([Button(t._("I work for an association or the prefecture"), Menu("pro"))])
    buttons.append([Button(t._("I am looking for a place to stay"), Menu("seek"))])
    return Reply(t._("What would you like to do?"), buttons)


async def start(ctx: Ctx) -> list[Reply]:
    if ctx.user is None:
        language, guessed = language_from_telegram(ctx.incoming.language_code)
        return [privacy_notice(language, _payload(ctx), ctx.policy, guessed=guessed)]
    if _payload(ctx):
        return await _join_with(ctx, _payload(ctx))
    resumed = await engine.current_prompt(ctx)
    if resumed:
        return [Reply(ctx.t._("Welcome back! Let's continue where you left off.")), *resumed]
    return [Reply(ctx.t._("Welcome back!")), main_menu(ctx)]


async def on_privacy_language(ctx: Ctx, pressed: PrivacyLanguage) -> list[Reply]:
    """The privacy notice again, in the language chosen."""
    notice = privacy_notice(supported(pressed.language), pressed.payload, ctx.policy, guessed=False)
    notice.edit = True
    return [notice]


async def on_privacy_decline(ctx: Ctx, pressed: PrivacyDecline) -> list[Reply]:
    """Nothing is stored."""
    t = translator(supported(pressed.language))
    return [
        Reply(t._("Understood: nothing was stored. Send /start whenever you change your mind."), edit=True)
    ]


async def on_privacy_accept(ctx: Ctx, pressed: PrivacyAccept) -> list[Reply]:
    """Registration; then the invitation of a deep link, if the user came with one, or the menu."""
    language = supported(pressed.language)
    ctx.user = await users.register(ctx.session, ctx.user_id, language, ctx.now)
    ctx.t = t = translator(language)
    ctx.grants = await roles.grants_of(
        ctx.session, ctx.user_id
    )  # granted before (e.g. from the command line)
    accepted = Reply(t._("Thank you. You can change the language at any time with /language."), edit=True)
    if pressed.payload:
        return [accepted, *await _join_with(ctx, pressed.payload)]
    return [accepted, *([Reply(menu=True)] if ctx.grants else []), main_menu(ctx)]


async def _join_with(ctx: Ctx, code: str) -> list[Reply]:
    replies, _joined = await join.redeem(ctx, code)
    return replies


async def not_registered(ctx: Ctx) -> list[Reply]:
    """Anyone who has not accepted the privacy notice is shown it again; nothing they send is stored."""
    language, guessed = language_from_telegram(ctx.incoming.language_code)
    return [privacy_notice(language, "", ctx.policy, guessed=guessed)]
