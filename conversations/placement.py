"""Recording a household's arrival (start and planned end) and departure (date and outcome)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.chat.context import Ctx
from bot.chat.messages import Reply
from bot.domain.casework import OUTCOMES
from bot.features.casework.notices import host_notice
from bot.i18n import N_
from bot.services.casework import end_placement, extend_placement, placement_for, start_placement
from conversations import engine
from conversations.steps import Choice, DateAnswer

PLACEMENT = "_placement_id"
START = "start"
PLANNED_END = "planned_end"
ENDED_ON = "ended_on"
OUTCOME = "outcome"

OUTCOME_LABELS = {
    "rehoused": N_("Rehoused (next place found)"),
    "extended": N_("Stays longer elsewhere in the scheme"),
    "returned": N_("Returned home"),
    "other": N_("Other"),
}
assert tuple(OUTCOME_LABELS) == OUTCOMES


class Arrival(engine.Dialogue):
    name = "placement_start"
    steps = (
        DateAnswer(START, N_("Arrival date of the household?"), when="any", now_button=True),
        DateAnswer(PLANNED_END, N_("Planned end of the stay?"), when="after", not_before=START),
    )

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        _placement, notice = await start_placement(
            ctx.session, ctx.actor, int(answers[PLACEMENT]), date.fromisoformat(answers[START]),
            date.fromisoformat(answers[PLANNED_END]), ctx.now,
        )  # fmt: skip
        done = Reply(ctx.t._("Placement recorded until {date}. You will be alerted before it ends.").format(
            date=ctx.t.date(date.fromisoformat(answers[PLANNED_END]))))  # fmt: skip
        return [done, *([await host_notice(ctx.session, notice)] if notice else [])]


class Departure(engine.Dialogue):
    name = "placement_end"
    steps = (
        DateAnswer(
            ENDED_ON, N_("On which day did (or will) the household leave?"), when="any", now_button=True
        ),
        Choice(OUTCOME, N_("What comes next for them?"), OUTCOME_LABELS),
    )

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        _placement, notice = await end_placement(
            ctx.session, ctx.actor, int(answers[PLACEMENT]), date.fromisoformat(answers[ENDED_ON]),
            answers[OUTCOME], ctx.now,
        )  # fmt: skip
        done = Reply(ctx.t._("Placement closed. The place is available again."))
        return [done, *([await host_notice(ctx.session, notice)] if notice else [])]


ARRIVAL = Arrival()
DEPARTURE = Departure()


async def begin_arrival(ctx: Ctx, placement_id: int) -> list[Reply]:
    await placement_for(ctx.session, ctx.actor, placement_id)  # refused before any question
    return await engine.begin(ctx, ARRIVAL, {PLACEMENT: placement_id})


async def begin_departure(ctx: Ctx, placement_id: int) -> list[Reply]:
    await placement_for(ctx.session, ctx.actor, placement_id)
    return await engine.begin(ctx, DEPARTURE, {PLACEMENT: placement_id})


START_DAY = "_start"
NEW_END = "new_end"


class Extension(engine.Dialogue):
    """The caseworker moves the planned end of a stay (after an alert, or from /placements)."""

    name = "placement_extend"
    steps = (DateAnswer(NEW_END, N_("New planned end of the stay?"), when="after", not_before=START_DAY),)

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        placement, notice = await extend_placement(
            ctx.session, ctx.actor, int(answers[PLACEMENT]), date.fromisoformat(answers[NEW_END]), ctx.now
        )
        assert placement.planned_end is not None
        done = Reply(
            ctx.t._("Placement extended until {date}.").format(date=ctx.t.date(placement.planned_end))
        )
        return [done, *([await host_notice(ctx.session, notice)] if notice else [])]


EXTENSION = Extension()


async def begin_extension(ctx: Ctx, placement_id: int) -> list[Reply]:
    placement, _, _ = await placement_for(ctx.session, ctx.actor, placement_id)
    start = placement.start_date or ctx.today
    return await engine.begin(
        ctx, EXTENSION, {PLACEMENT: placement_id, START_DAY: max(start, ctx.today).isoformat()}
    )
