"""A coordinator invites a caseworker or another coordinator: role, organisation, départements, then a link."""

from __future__ import annotations

from typing import Any

from bot.chat.context import Ctx
from bot.chat.messages import Reply, esc
from bot.domain.access import CASEWORKER, COORDINATOR, Action, require
from bot.domain.invitations import shown
from bot.i18n import N_
from conversations import engine
from conversations.steps import TERRITORY, Choice, FreeText, Ticks
from storage import audit, invitations

NAME = "invitation"
ROLE = "role"
ORGANISATION = "organisation"
DEPARTEMENTS = "departements"


ROLES = {CASEWORKER: N_("Caseworker (association)"), COORDINATOR: N_("Coordinator (DDETS)")}


class Invite(engine.Dialogue):
    name = NAME
    steps = (
        Choice(ROLE, N_("Whom do you invite?"), ROLES),
        FreeText(ORGANISATION, N_("Name of their organisation (association or service)?"), 100),
        Ticks(DEPARTEMENTS, N_("For which départements? Tick them, then “Done”."), options_from=TERRITORY,
              at_least_one=True),
    )  # fmt: skip

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        for departement in answers[DEPARTEMENTS]:
            require(ctx.actor, Action.INVITE, departement)
        invitation = await invitations.create(
            ctx.session, answers[ROLE], answers[ORGANISATION], answers[DEPARTEMENTS], ctx.user_id, ctx.now
        )
        await audit.record(ctx.session, ctx.user_id, audit.INVITED, f"invitation:{invitation.code}", ctx.now,
                           role=invitation.role, departements=invitation.departements)  # fmt: skip
        link = f"https://t.me/{ctx.bot_username}?start={invitation.code}"
        text = ctx.t._(
            "Invitation ready: send this link to the person (valid 7 days, for one person only):\n{link}\n\n"
            "Or they can open the bot, choose “I work for an association or the prefecture” and type this code: "
            "<code>{code}</code>"
        ).format(link=esc(link), code=esc(shown(invitation.code)))
        return [Reply(text)]


DIALOGUE = Invite()


async def begin(ctx: Ctx) -> list[Reply]:
    territory = sorted(ctx.actor.territory(Action.INVITE))
    require(ctx.actor, Action.INVITE)
    answers: dict[str, Any] = {TERRITORY: territory}
    if len(territory) == 1:
        answers[DEPARTEMENTS] = territory  # nothing to choose
    replies = await engine.begin(ctx, DIALOGUE, answers)
    return replies
