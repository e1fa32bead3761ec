"""/keepers: a coordinator sees the organisations managing offers in their territory (offers imported from
their files) and who answers "still available?" for each, and names or removes keepers among the caseworkers
and coordinators of the département (`bot.domain.keepers` says who keeps what when nobody is named)."""

from __future__ import annotations

from bot.chat.callbacks import KeeperPick, KeeperSet
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain.access import CASEWORKER, COORDINATOR, Action, require
from bot.domain.casework import NotFound
from bot.domain.keepers import organisation_ref
from bot.features.team.members import role_label
from bot.i18n import Translator, translator
from storage import audit, keepers, roles, users
from storage.keepers import Managed

MAX_CANDIDATES = 40  # buttons under one message (Telegram allows 100)


def _card(t: Translator, managed: Managed, named: list[int]) -> Reply:
    """An organisation in a département: its offers, its keepers, and the buttons to change them."""
    text = t.n_("<b>{organisation}</b> ({departement}): {n} offer, {stale} stale",
                "<b>{organisation}</b> ({departement}): {n} offers, {stale} stale", managed.offers).format(
        organisation=esc(managed.organisation), departement=managed.departement, n=managed.offers,
        stale=managed.stale)  # fmt: skip
    if named:
        text += "\n" + t._("Keepers: {people}").format(
            people=", ".join(f'<a href="tg://user?id={user}">#{user}</a>' for user in named)
        )
    else:
        text += "\n" + t._("No keeper named: the coordinator who imported each offer answers for it (or, if they "
                           "are no longer coordinator here, the coordinators of {departement}).").format(
            departement=managed.departement)  # fmt: skip
    ref = organisation_ref(managed.departement, managed.organisation)
    buttons = [[Button(t._("Name a keeper"), KeeperPick(managed.departement, ref))]]
    buttons += [[Button(t._("Remove #{user}").format(user=user), KeeperSet("remove", managed.departement, ref, user))]
                for user in named]  # fmt: skip
    return Reply(text, buttons)


async def keepers_command(ctx: Ctx) -> list[Reply]:
    """/keepers: the organisations with managed offers in the coordinator's territory, and their keepers."""
    require(ctx.actor, Action.NAME_KEEPERS)
    territory = ctx.actor.territory(Action.NAME_KEEPERS)
    t = ctx.t
    found = await keepers.organisations(ctx.session, territory)
    if not found:
        return [Reply(t._("No offer in your territory is managed by an organisation yet: offers imported from a "
                          "spreadsheet appear here, with who answers “still available?” for them."))]  # fmt: skip
    intro = t._("Offers imported from an organisation's file are asked “still available?” like a host's, of "
                "their keepers, in one message listing them. Name caseworkers or coordinators of the "
                "département to answer for an organisation:")  # fmt: skip
    cards = [
        _card(t, managed, await keepers.named(ctx.session, managed.departement, managed.organisation))
        for managed in found
    ]
    return [Reply(intro), *cards]


async def _managed(ctx: Ctx, departement: str, ref: str) -> Managed:
    """The organisation a button refers to, in a département the coordinator may manage."""
    require(ctx.actor, Action.NAME_KEEPERS, departement)
    for managed in await keepers.organisations(ctx.session, {departement}):
        if organisation_ref(departement, managed.organisation) == ref:
            return managed
    raise NotFound(ref)


async def on_pick(ctx: Ctx, pressed: KeeperPick) -> list[Reply]:
    """ "Name a keeper": the caseworkers and coordinators of the département not named yet."""
    managed = await _managed(ctx, pressed.departement, pressed.organisation)
    t = ctx.t
    named = set(await keepers.named(ctx.session, managed.departement, managed.organisation))
    candidates: dict[int, list[str]] = {}
    for grant in await roles.members(ctx.session, frozenset({managed.departement})):
        if grant.user_id not in named and grant.role in (CASEWORKER, COORDINATOR):
            candidates.setdefault(grant.user_id, []).append(
                f"{role_label(t, grant.role)} · {grant.organisation or '—'}"
            )
    if not candidates:
        return [Reply(t._("Nobody else is caseworker or coordinator in {departement}: invite them first with "
                          "/invite.").format(departement=managed.departement))]  # fmt: skip
    shown = sorted(candidates)[:MAX_CANDIDATES]
    text = t._("Who answers “still available?” for the offers of {organisation} in {departement}?").format(
        organisation=esc(managed.organisation), departement=managed.departement)  # fmt: skip
    if len(candidates) > len(shown):
        text += "\n" + t._("Only the first {n} are shown.").format(n=len(shown))
    ref = pressed.organisation
    buttons = [[Button(f"#{user} · {'; '.join(candidates[user])}"[:60], KeeperSet("name", managed.departement, ref, user))]
               for user in shown]  # fmt: skip
    return [Reply(text, buttons)]


async def on_set(ctx: Ctx, pressed: KeeperSet) -> list[Reply]:
    """A keeper named or removed; the person is told."""
    managed = await _managed(ctx, pressed.departement, pressed.organisation)
    departement, organisation, user = managed.departement, managed.organisation, pressed.user_id
    t = ctx.t
    if pressed.action == "name":
        member_roles = {
            g.role for g in await roles.members(ctx.session, frozenset({departement})) if g.user_id == user
        }
        if not member_roles & {CASEWORKER, COORDINATOR}:
            return [Reply(t._("This person is no longer caseworker or coordinator in {departement}.").format(
                departement=departement))]  # fmt: skip
        changed = await keepers.name(ctx.session, departement, organisation, user, ctx.user_id, ctx.now)
    else:
        changed = await keepers.remove(ctx.session, departement, organisation, user)
    replies = [replace_card(t, managed, await keepers.named(ctx.session, departement, organisation))]
    if changed:
        await audit.record(ctx.session, ctx.user_id, audit.KEEPERS_CHANGED, f"user:{user}", ctx.now,
                           change=pressed.action, departement=departement, organisation=organisation)  # fmt: skip
        replies.append(await _told(ctx, user, managed, named=pressed.action == "name"))
    return replies


def replace_card(t: Translator, managed: Managed, named: list[int]) -> Reply:
    card = _card(t, managed, named)
    card.edit = True
    return card


async def _told(ctx: Ctx, user_id: int, managed: Managed, *, named: bool) -> Reply:
    """The keeper named or removed is told, in their language."""
    person = await users.find(ctx.session, user_id)
    t = translator(person.language if person else None)
    if named:
        text = t._("You now answer “still available?” for the offers that {organisation} manages in "
                   "{departement}: they come as one message listing them, with a button for each.")  # fmt: skip
    else:
        text = t._("You no longer answer “still available?” for the offers that {organisation} manages in "
                   "{departement}.")  # fmt: skip
    return Reply(
        text.format(organisation=esc(managed.organisation), departement=managed.departement), to_user=user_id
    )
