"""Coordinators: invite people (/invite) and see or revoke the members of their territory (/members)."""

from __future__ import annotations

from bot.chat.callbacks import InvitationCancel, MemberRevoke
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain.access import CASEWORKER, Action, require
from conversations import invitation
from storage import audit, invitations, roles


async def invite(ctx: Ctx) -> list[Reply]:
    return await invitation.begin(ctx)


async def members(ctx: Ctx) -> list[Reply]:
    require(ctx.actor, Action.MANAGE_MEMBERS)
    territory = ctx.actor.territory(Action.MANAGE_MEMBERS)
    t = ctx.t
    by_user: dict[int, list[str]] = {}
    for grant in await roles.members(ctx.session, territory):
        role = t._("caseworker") if grant.role == CASEWORKER else t._("coordinator")
        by_user.setdefault(grant.user_id, []).append(
            f"{role} {grant.departement} ({esc(grant.organisation or '—')})"
        )
    replies = [
        Reply(
            t._("Members of your territory ({departements}):").format(
                departements=", ".join(sorted(territory))
            )
        )
    ]
    for user_id, lines in by_user.items():
        buttons = [] if user_id == ctx.user_id else [[Button(t._("Revoke"), MemberRevoke(user_id))]]
        replies.append(
            Reply(f'<a href="tg://user?id={user_id}">#{user_id}</a>: ' + "; ".join(lines), buttons)
        )
    for pending in await invitations.pending(ctx.session, territory, ctx.now):
        text = t._("Invitation not used yet: {role}, {organisation}, {departements}, until {date}.").format(
            role=t._("caseworker") if pending.role == CASEWORKER else t._("coordinator"),
            organisation=esc(pending.organisation), departements=", ".join(pending.departements),
            date=t.date(pending.expires_at.date()),
        )  # fmt: skip
        replies.append(Reply(text, [[Button(t._("Cancel the invitation"), InvitationCancel(pending.code))]]))
    return replies


async def on_revoke_button(ctx: Ctx, pressed: MemberRevoke) -> list[Reply]:
    """A member loses their roles in the coordinator's territory."""
    require(ctx.actor, Action.MANAGE_MEMBERS)
    territory = ctx.actor.territory(Action.MANAGE_MEMBERS)
    removed = await roles.revoke(ctx.session, pressed.user_id, territory)
    await audit.record(ctx.session, ctx.user_id, audit.REVOKED, f"user:{pressed.user_id}", ctx.now,
                       departements=sorted(territory), grants=removed)  # fmt: skip
    return [Reply(ctx.t._("Access removed in your territory."), edit=True)]


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
