"""Joining as a caseworker or coordinator with an invitation code (typed, or from a t.me deep link)."""

from __future__ import annotations

from typing import Any

from bot.chat.context import Ctx
from bot.chat.messages import Incoming, Reply, esc
from bot.domain.access import CASEWORKER
from bot.domain.invitations import FAILURE_WINDOW, MAX_FAILURES, canonical, shown
from conversations import engine
from conversations.engine import Accepted, Invalid, Outcome, Step
from storage import audit, invitations
from storage.invitations import Redeemed

NAME = "join"
CODE = "code"
EXAMPLE = "K7M4Q9TZX3"  # a code of the right shape, for the hint


def _problem(ctx: Ctx, outcome: Redeemed) -> str:
    # Written out so that the strings are extracted for translation.
    return {
        Redeemed.UNKNOWN: ctx.t._(
            "This code does not exist. Check it, or ask your coordinator for a new invitation."
        ),
        Redeemed.EXPIRED: ctx.t._(
            "This invitation has expired (after 7 days). Ask your coordinator for a new one."
        ),
        Redeemed.USED: ctx.t._("This invitation was already used. Ask your coordinator for a new one."),
        Redeemed.REVOKED: ctx.t._("This invitation was cancelled. Ask your coordinator for a new one."),
    }[outcome]


async def redeem(ctx: Ctx, typed: str) -> tuple[list[Reply], bool]:
    """Grant the invitation's role; the replies, and whether it worked. Wrong codes are counted and logged:
    after a few within the hour, the person is asked to wait."""
    failures = await audit.count_since(ctx.session, ctx.user_id, audit.JOIN_FAILED, ctx.now - FAILURE_WINDOW)
    if failures >= MAX_FAILURES:
        return [
            Reply(ctx.t._("Too many wrong codes. Please wait an hour, or ask your coordinator for the link."))
        ], False
    code = canonical(typed)
    outcome, invitation = (
        await invitations.redeem(ctx.session, code, ctx.user_id, ctx.now)
        if code
        else (Redeemed.UNKNOWN, None)
    )
    if outcome is not Redeemed.OK or invitation is None:
        await audit.record(ctx.session, ctx.user_id, audit.JOIN_FAILED, f"invitation:{outcome}", ctx.now)
        return [Reply(_problem(ctx, outcome))], False
    await audit.record(ctx.session, ctx.user_id, audit.JOINED, f"invitation:{invitation.code}", ctx.now,
                       role=invitation.role, departements=invitation.departements)  # fmt: skip
    role = ctx.t._("caseworker") if invitation.role == CASEWORKER else ctx.t._("coordinator")
    text = ctx.t._(
        "Welcome! You are now {role} for {organisation} in: {departements}. Send /help to see what you can do."
    )
    return [Reply(text.format(role=role, organisation=esc(invitation.organisation),
                              departements=", ".join(invitation.departements))),
            Reply(menu=True)], True  # fmt: skip


class InvitationCode(Step):
    name = CODE

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        return Reply(ctx.t._("Please type the invitation code you received (or open the invitation link)."))

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        code = (incoming.text or "").strip()
        if not code or incoming.command is not None or len(code) > 40:
            example = shown(EXAMPLE)
            return Invalid(ctx.t._("Please type the code only, for example {code}.").format(code=example))
        replies, joined = await redeem(ctx, code)
        return Accepted({"welcome": replies[0].text}) if joined else Invalid(replies[0].text)


class Join(engine.Dialogue):
    name = NAME
    steps = (InvitationCode(),)

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        return [Reply(answers["welcome"]), Reply(menu=True)]


DIALOGUE = Join()


async def begin(ctx: Ctx) -> list[Reply]:
    intro = Reply(
        ctx.t._(
            "Caseworkers and coordinators join with an invitation from their coordinator (DDETS). "
            "Open the invitation link you received, or type your invitation code here."
        )
    )
    return [intro, *await engine.begin(ctx, DIALOGUE)]
