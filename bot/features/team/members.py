"""Coordinators: invite people (/invite) and see or revoke the members of their territory (/members)."""

from __future__ import annotations

import asyncio

from bot.chat.callbacks import InvitationCancel, MemberRevoke, MemberRevokeConfirmed, Menu
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain.access import CASEWORKER, Action, require
from bot.i18n import Translator, translator
from conversations import invitation
from storage import audit, invitations, roles, users


async def invite(ctx: Ctx) -> list[Reply]:
    return await invitation.begin(ctx)


def _names(ctx: Ctx, user_ids: list[int]) -> dict[int, str]:
    """Members' names as Telegram shows them now, asked for out of the transaction."""
    fetch = ctx.fetch_name
    assert fetch is not None

    async def ask() -> dict[int, str]:
        return dict(
            zip(user_ids, await asyncio.gather(*(fetch(user_id) for user_id in user_ids)), strict=True)
        )

    names: dict[int, str] = ctx.outside(("names", tuple(user_ids)), ask)
    return names


def role_label(t: Translator, role: str) -> str:
    """A professional role in words, as /members and /keepers write it."""
    return t._("caseworker") if role == CASEWORKER else t._("coordinator")


async def members(ctx: Ctx) -> list[Reply]:
    """/members: each member's name, roles, départements and organisation; invitations not used yet."""
    require(ctx.actor, Action.MANAGE_MEMBERS)
    territory = ctx.actor.territory(Action.MANAGE_MEMBERS)
    t = ctx.t
    by_user: dict[int, list[str]] = {}
    for grant in await roles.members(ctx.session, territory):
        by_user.setdefault(grant.user_id, []).append(
            f"{role_label(t, grant.role)} {grant.departement} ({esc(grant.organisation or '—')})"
        )
    names = _names(ctx, sorted(by_user))
    replies = [
        Reply(
            t._("Members of your territory ({departements}):").format(
                departements=", ".join(sorted(territory))
            )
        )
    ]
    for user_id, lines in by_user.items():
        buttons = [] if user_id == ctx.user_id else [[Button(t._("Revoke"), MemberRevoke(user_id))]]
        name = esc(names.get(user_id) or t._("(name not available)"))
        replies.append(Reply(f'<a href="tg://user?id={user_id}">{name}</a>: ' + "; ".join(lines), buttons))
    for pending in await invitations.pending(ctx.session, territory, ctx.now):
        text = t._("Invitation not used yet: {role}, {organisation}, {departements}, until {date}.").format(
            role=role_label(t, pending.role), organisation=esc(pending.organisation),
            departements=", ".join(pending.departements), date=t.date(pending.expires_at.date()),
        )  # fmt: skip
        replies.append(Reply(text, [[Button(t._("Cancel the invitation"), InvitationCancel(pending.code))]]))
    return replies


async def on_revoke_button(ctx: Ctx, pressed: MemberRevoke) -> list[Reply]:
    """Revoking asks first, naming the person and what they lose."""
    require(ctx.actor, Action.MANAGE_MEMBERS)
    territory = ctx.actor.territory(Action.MANAGE_MEMBERS)
    grants = [g for g in await roles.members(ctx.session, territory) if g.user_id == pressed.user_id]
    if not grants:
        return [Reply(ctx.t._("This person has no access in your territory any more."), edit=True)]
    name = _names(ctx, [pressed.user_id]).get(pressed.user_id) or f"#{pressed.user_id}"
    text = ctx.t._("Remove the access of {name} ({roles})? They will be told.").format(
        name=esc(name), roles="; ".join(f"{role_label(ctx.t, g.role)} {g.departement}" for g in grants)
    )
    buttons = [[Button(ctx.t._("Yes, remove the access"), MemberRevokeConfirmed(pressed.user_id)),
                Button(ctx.t._("No"), Menu("members"))]]  # fmt: skip
    return [Reply(text, buttons, edit=True)]


async def on_revoke_confirmed(ctx: Ctx, pressed: MemberRevokeConfirmed) -> list[Reply]:
    """A member loses their roles in the coordinator's territory, and is told."""
    require(ctx.actor, Action.MANAGE_MEMBERS)
    territory = ctx.actor.territory(Action.MANAGE_MEMBERS)
    removed = await roles.revoke(ctx.session, pressed.user_id, territory)
    if not removed:
        return [Reply(ctx.t._("This person has no access in your territory any more."), edit=True)]
    await audit.record(ctx.session, ctx.user_id, audit.REVOKED, f"user:{pressed.user_id}", ctx.now,
                       departements=sorted(territory), grants=removed)  # fmt: skip
    member = await users.find(ctx.session, pressed.user_id)
    t = translator(member.language if member else None)
    told = t._("A coordinator removed your access as caseworker or coordinator in: {departements}. "
               "Your own offers, if any, are not affected.").format(departements=", ".join(sorted(territory)))  # fmt: skip
    return [
        Reply(ctx.t._("Access removed in your territory."), edit=True),
        Reply(told, to_user=pressed.user_id),
        Reply(menu=True, to_user=pressed.user_id),
    ]


async def on_uninvite_button(ctx: Ctx, pressed: InvitationCancel) -> list[Reply]:
    """An invitation not used yet is cancelled."""
    require(ctx.actor, Action.MANAGE_MEMBERS)
    pending = await invitations.find(ctx.session, pressed.code)
    if pending is not None:
        for departement in pending.departements:
            require(ctx.actor, Action.MANAGE_MEMBERS, departement)
        await invitations.revoke(ctx.session, pending)
        await audit.record(ctx.session, ctx.user_id, audit.REVOKED, f"invitation:{pressed.code}", ctx.now)
    return [Reply(ctx.t._("The invitation is cancelled."), edit=True)]
