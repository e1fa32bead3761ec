"""A host answers that a stay in their place ends later or earlier than planned: the placement follows."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.chat.context import Ctx
from bot.chat.messages import Incoming, Reply
from bot.features.casework.notices import caseworker_echo
from bot.i18n import N_
from bot.services.casework import host_answers, hosted_placement_end
from conversations import engine
from conversations.engine import Accepted, Invalid, Outcome
from conversations.steps import DateAnswer

NAME = "host_stay"
PLACEMENT = "_placement_id"
PLANNED_END = "_planned_end"
DIRECTION = "_direction"  # "later" or "earlier"
START = "_start"
NEW_END = "new_end"


class NewEnd(DateAnswer):
    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        outcome = await super().accept(ctx, answers, incoming, choice)
        if not isinstance(outcome, Accepted):
            return outcome
        day, planned = date.fromisoformat(outcome.values[NEW_END]), date.fromisoformat(answers[PLANNED_END])
        if answers[DIRECTION] == "later" and day <= planned:
            return Invalid(
                ctx.t._("For an extension, give a day after {date}.").format(date=ctx.t.date(planned))
            )
        if answers[DIRECTION] == "earlier" and (day >= planned or day < ctx.today):
            return Invalid(
                ctx.t._("Give a day from today to before {date}.").format(date=ctx.t.date(planned))
            )
        return outcome


class HostStay(engine.Dialogue):
    name = NAME
    steps = (NewEnd(NEW_END, N_("Until which day can the household stay?"), when="after", not_before=START),)

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        answer = await host_answers(
            ctx.session, ctx.user_id, int(answers[PLACEMENT]), date.fromisoformat(answers[NEW_END]), ctx.now
        )
        done = Reply(ctx.t._("Thank you, the social worker is informed: the stay now ends on {date}.").format(
            date=ctx.t.date(answer.planned_end)))  # fmt: skip
        echo = await caseworker_echo(ctx.session, answer)
        return [done, *([echo] if echo else [])]


DIALOGUE = HostStay()


async def begin(ctx: Ctx, placement_id: int, direction: str) -> list[Reply]:
    start, planned_end = await hosted_placement_end(ctx.session, ctx.user_id, placement_id)
    answers = {PLACEMENT: placement_id, PLANNED_END: planned_end.isoformat(), DIRECTION: direction,
               START: start.isoformat()}  # fmt: skip
    return await engine.begin(ctx, DIALOGUE, answers)
