"""Correcting a stay recorded wrong: its arrival date, its planned end or how many people live there. The
stay is checked against the offer as at the arrival, the change is kept in the placement's history, and the
host is told."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.chat.context import Ctx
from bot.chat.messages import Incoming, Reply
from bot.domain.casework import Conflict
from bot.features.casework.notices import host_notice
from bot.i18n import N_
from bot.services.casework import correct_placement, placement_for
from conversations import engine
from conversations.engine import Accepted, Invalid, Outcome, Step
from conversations.placement import (
    HOUSEHOLD,
    MAX_PEOPLE,
    PEOPLE,
    PLACEMENT,
    PLANNED_END,
    START,
    AgreedWithHost,
    about,
    answered_day,
    confirmed,
)
from conversations.steps import Choice, Count, DateAnswer

WHAT = "what"
CURRENT_START, CURRENT_END = "_start", "_end"
FIELDS = {
    START: N_("The arrival date"),
    PLANNED_END: N_("The planned end"),
    PEOPLE: N_("The number of people"),
}


class Chosen(Step):
    """A question asked only for the answer chosen at WHAT."""

    def applies(self, answers: dict[str, Any]) -> bool:
        return answers.get(WHAT) == self.name


class NewStart(Chosen, DateAnswer):
    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        outcome = await super().accept(ctx, answers, incoming, choice)
        end = date.fromisoformat(answers[CURRENT_END])
        if isinstance(outcome, Accepted) and date.fromisoformat(outcome.values[START]) >= end:
            return Invalid(ctx.t._("The arrival must come before the planned end ({date}).").format(
                date=ctx.t.date(end)))  # fmt: skip
        return outcome


class NewEnd(Chosen, DateAnswer):
    pass


class NewPeople(Chosen, Count):
    pass


class Correction(engine.Dialogue):
    name = "placement_correct"
    steps = (
        Choice(WHAT, N_("What was recorded wrong?"), FIELDS),
        NewStart(START, N_("Arrival date of the household?"), when="any", now_button=True),
        NewEnd(PLANNED_END, N_("Planned end of the stay?"), when="after", not_before=CURRENT_START),
        NewPeople(PEOPLE, N_("How many people live there?"), 1, MAX_PEOPLE),
        AgreedWithHost(PLANNED_END, dates=START, number=PEOPLE),
    )

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        recorded = {
            START: answers[CURRENT_START],
            PLANNED_END: answers[CURRENT_END],
            PEOPLE: answers[HOUSEHOLD],
        }
        if answers.get(answers[WHAT]) == recorded[answers[WHAT]]:
            return [Reply(ctx.t._("That is what was recorded: nothing changed."))]
        placement, notice = await correct_placement(
            ctx.session, ctx.actor, int(answers[PLACEMENT]), ctx.now, confirmed(answers),
            start=answered_day(answers, START), planned_end=answered_day(answers, PLANNED_END),
            people=answers.get(PEOPLE),
        )  # fmt: skip
        assert placement.start_date is not None and placement.planned_end is not None
        done = Reply(ctx.t._("Placement corrected: {people}, from {start} until {end}.").format(
            people=ctx.t.n_("{n} person", "{n} people", placement.people or 0).format(n=placement.people or 0),
            start=ctx.t.date(placement.start_date), end=ctx.t.date(placement.planned_end)))  # fmt: skip
        return [done, *([await host_notice(ctx.session, notice)] if notice else [])]


DIALOGUE = Correction()


async def begin(ctx: Ctx, placement_id: int) -> list[Reply]:
    placement, _, offer = await placement_for(
        ctx.session, ctx.actor, placement_id
    )  # refused before any question
    if placement.start_date is None or placement.planned_end is None:
        raise Conflict(f"placement is {placement.status}")
    return await engine.begin(ctx, DIALOGUE, {
        **about(placement, offer), CURRENT_START: placement.start_date.isoformat(),
        CURRENT_END: placement.planned_end.isoformat(),
    })  # fmt: skip
