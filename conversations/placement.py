"""Recording a household's arrival (start, planned end, and how many move in when the place is smaller) and
departure (date and outcome), and moving the planned end. A stay outside the host's dates or capacity is
recorded only once the caseworker confirms it was agreed with the host (`AgreedWithHost`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.chat.callbacks import DialogueAnswer
from bot.chat.context import Ctx
from bot.chat.messages import Button, Incoming, Reply
from bot.domain.casework import OUTCOMES, Availability, Mismatch, mismatches
from bot.features.casework.notices import host_notice
from bot.features.hosting.cards import people
from bot.i18n import N_
from bot.services.casework import (
    availability,
    end_placement,
    extend_placement,
    placement_for,
    start_placement,
)
from conversations import engine
from conversations.engine import Accepted, GoTo, Invalid, Outcome, Step
from conversations.steps import Choice, Count, DateAnswer
from storage.models import Offer, Placement

PLACEMENT = "_placement_id"
# What the host offers, read when the dialogue begins (the service checks the offer again when it completes).
OFFER_FROM, OFFER_UNTIL, CAPACITY = "_offer_from", "_offer_until", "_capacity"
HOUSEHOLD = "_people"  # how many people the placement houses so far (the household's size at first)
START = "start"
PLANNED_END = "planned_end"
PEOPLE = "people"
AGREED = "agreed"
ENDED_ON = "ended_on"
OUTCOME = "outcome"
MAX_PEOPLE = 30  # as many as a household may count

OUTCOME_LABELS = {
    "rehoused": N_("Rehoused (next place found)"),
    "extended": N_("Stays longer elsewhere in the scheme"),
    "returned": N_("Returned home"),
    "other": N_("Other"),
}
assert tuple(OUTCOME_LABELS) == OUTCOMES


def about(placement: Placement, offer: Offer) -> dict[str, Any]:
    """The answers a placement dialogue begins with: the placement, what the host offers, how many live there."""
    offered = availability(offer)
    return {
        PLACEMENT: placement.id, OFFER_FROM: offered.available_from.isoformat(),
        OFFER_UNTIL: offered.available_until.isoformat() if offered.available_until else None,
        CAPACITY: offered.capacity, HOUSEHOLD: placement.people,
    }  # fmt: skip


def answered_day(answers: dict[str, Any], key: str) -> date | None:
    """The date answered at `key`, or None when not (yet) answered."""
    return date.fromisoformat(answers[key]) if answers.get(key) else None


def _offered(answers: dict[str, Any]) -> Availability:
    return Availability(
        date.fromisoformat(answers[OFFER_FROM]), answered_day(answers, OFFER_UNTIL), answers[CAPACITY]
    )


def found_mismatches(answers: dict[str, Any], end: str) -> tuple[Mismatch, ...]:
    """What the answers given so far (a start, the planned end answered at `end`, a number of people) do not
    fit in the offer."""
    return mismatches(_offered(answers), start=answered_day(answers, START), end=answered_day(answers, end),
                      people=answers.get(PEOPLE))  # fmt: skip


def confirmed(answers: dict[str, Any]) -> frozenset[Mismatch]:
    return frozenset(Mismatch(code) for code in answers.get(AGREED) or [])


class AgreedWithHost(Step):
    """Asked only when the stay does not fit the offer: says why, and records it only once the caseworker
    confirms the host agreed (a date beyond the host's availability then extends it); or goes back to change."""

    name = AGREED

    def __init__(self, end: str, dates: str, number: str | None = None) -> None:
        # `end`: the answer holding the planned end; `dates`, `number`: the steps that change them.
        self.end, self.dates, self.number = end, dates, number

    def applies(self, answers: dict[str, Any]) -> bool:
        return bool(found_mismatches(answers, self.end))

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        t, offered, found = ctx.t, _offered(answers), found_mismatches(answers, self.end)
        lines = ["⚠️ " + t._("This stay does not fit what the host offers:")]
        if Mismatch.EARLY_START in found:
            lines.append("• " + t._("the place is offered from {offered}; the arrival on {start} is earlier.").format(
                offered=t.date(offered.available_from), start=t.date(date.fromisoformat(answers[START]))))  # fmt: skip
        if Mismatch.LATE_END in found and offered.available_until is not None:
            lines.append("• " + t._("the place is offered until {offered}; the planned end on {end} is later.").format(
                offered=t.date(offered.available_until), end=t.date(date.fromisoformat(answers[self.end]))))  # fmt: skip
        if Mismatch.OVER_CAPACITY in found:
            lines.append("• " + t._("the place is for {capacity}; {people} would live there.").format(
                capacity=people(t, offered.capacity), people=people(t, answers[PEOPLE])))  # fmt: skip
        lines.append(t._("Record it only if the host agreed."))
        if Mismatch.EARLY_START in found or Mismatch.LATE_END in found:
            lines[-1] += " " + t._("The dates of their offer will then be extended to cover the stay.")
        buttons = [[Button(t._("Confirm: the host agreed"), DialogueAnswer(AGREED, "yes"))]]
        if Mismatch.EARLY_START in found or Mismatch.LATE_END in found:
            buttons.append([Button(t._("Change the dates"), DialogueAnswer(AGREED, self.dates))])
        if Mismatch.OVER_CAPACITY in found and self.number is not None:
            buttons.append([Button(t._("Change the number of people"), DialogueAnswer(AGREED, self.number))])
        return Reply("\n".join(lines), buttons)

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        if choice == "yes":
            return Accepted({AGREED: [str(code) for code in found_mismatches(answers, self.end)]})
        if choice in (self.dates, self.number) and choice is not None:
            return GoTo(choice)
        return Invalid(ctx.t._("Please choose one of the buttons."))


class MovingIn(Count):
    """How many people move in, asked only when the household is larger than the place."""

    def applies(self, answers: dict[str, Any]) -> bool:
        return bool(answers.get(HOUSEHOLD)) and answers[HOUSEHOLD] > answers[CAPACITY]

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        t = ctx.t
        question = t._(self.question).format(capacity=people(t, answers[CAPACITY]),
                                             people=people(t, answers[HOUSEHOLD]))  # fmt: skip
        return Reply(question, [[Button(str(n), DialogueAnswer(self.name, str(n)))
                                 for n in sorted({answers[CAPACITY], answers[HOUSEHOLD]})]])  # fmt: skip


class Arrival(engine.Dialogue):
    name = "placement_start"
    steps = (
        DateAnswer(START, N_("Arrival date of the household?"), when="any", now_button=True),
        DateAnswer(PLANNED_END, N_("Planned end of the stay?"), when="after", not_before=START),
        MovingIn(
            PEOPLE,
            N_("The place is for {capacity} and the household counts {people}. How many people move in?"),
            1,
            MAX_PEOPLE,
        ),
        AgreedWithHost(PLANNED_END, dates=START, number=PEOPLE),
    )

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        end = date.fromisoformat(answers[PLANNED_END])
        _placement, notice = await start_placement(
            ctx.session, ctx.actor, int(answers[PLACEMENT]), ctx.now, confirmed(answers),
            start=date.fromisoformat(answers[START]), planned_end=end, people=answers.get(PEOPLE) or answers[HOUSEHOLD],
        )  # fmt: skip
        done = Reply(ctx.t._("Placement recorded until {date}. You will be alerted before it ends.").format(
            date=ctx.t.date(end)))  # fmt: skip
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
    placement, _, offer = await placement_for(
        ctx.session, ctx.actor, placement_id
    )  # refused before any question
    return await engine.begin(ctx, ARRIVAL, about(placement, offer))


async def begin_departure(ctx: Ctx, placement_id: int) -> list[Reply]:
    await placement_for(ctx.session, ctx.actor, placement_id)
    return await engine.begin(ctx, DEPARTURE, {PLACEMENT: placement_id})


START_DAY = "_start"
NEW_END = "new_end"


class Extension(engine.Dialogue):
    """The caseworker moves the planned end of a stay (after an alert)."""

    name = "placement_extend"
    steps = (
        DateAnswer(NEW_END, N_("New planned end of the stay?"), when="after", not_before=START_DAY),
        AgreedWithHost(NEW_END, dates=NEW_END),
    )

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        placement, notice = await extend_placement(
            ctx.session, ctx.actor, int(answers[PLACEMENT]), date.fromisoformat(answers[NEW_END]), ctx.now,
            confirmed(answers),
        )  # fmt: skip
        assert placement.planned_end is not None
        done = Reply(
            ctx.t._("Placement extended until {date}.").format(date=ctx.t.date(placement.planned_end))
        )
        return [done, *([await host_notice(ctx.session, notice)] if notice else [])]


EXTENSION = Extension()


async def begin_extension(ctx: Ctx, placement_id: int) -> list[Reply]:
    placement, _, offer = await placement_for(ctx.session, ctx.actor, placement_id)
    start = placement.start_date or ctx.today
    return await engine.begin(
        ctx, EXTENSION, {**about(placement, offer), START_DAY: max(start, ctx.today).isoformat()}
    )
