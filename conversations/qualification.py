"""A caseworker qualifies an offer after a visit: visited, when, decent (if not: why), a note. A turned-down
offer's host is told why, kindly, in their language, with what they can do."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.chat.context import Ctx
from bot.chat.messages import Reply
from bot.domain import offers
from bot.domain.access import Action
from bot.features.casework.notices import turned_down
from bot.i18n import N_
from bot.services.casework import offer_for, qualify
from conversations import engine
from conversations.steps import Choice, DateAnswer, FreeText, yes_no

NAME = "qualification"
OFFER = "_offer_id"
VISITED = "visited"
VISIT_DATE = "visit_date"
DECENT = "decent"
REASON = "reason"
NOTE = "note"


class VisitDate(DateAnswer):
    def applies(self, answers: dict[str, Any]) -> bool:
        return bool(answers.get(VISITED))


class TurnDownReason(Choice):
    def applies(self, answers: dict[str, Any]) -> bool:
        return answers.get(DECENT) is False


class Qualification(engine.Dialogue):
    name = NAME
    steps = (
        yes_no(VISITED, N_("Did you (or your association) visit the place?")),
        VisitDate(VISIT_DATE, N_("When was the visit?"), when="past", now_button=True),
        yes_no(DECENT, N_("Is the place decent and as described (salubrity, safety, equipment)?")),
        TurnDownReason(
            REASON,
            N_("Why is the offer turned down? The host will be told this reason, kindly."),
            offers.TURN_DOWN_LABELS,
        ),
        FreeText(NOTE, N_("A note for the other caseworkers (optional):"), 500, optional=True),
    )

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        visit = date.fromisoformat(answers[VISIT_DATE]) if answers.get(VISIT_DATE) else None
        reason = offers.TurnDown(answers[REASON]) if answers.get(REASON) else None
        offer = await qualify(ctx.session, ctx.actor, int(answers[OFFER]), visited=answers[VISITED],
                              visit_date=visit, decent=answers[DECENT], reason=reason, note=answers.get(NOTE),
                              now=ctx.now)  # fmt: skip
        if offer.qualification == offers.Qualification.QUALIFIED:
            return [Reply(ctx.t._("Offer #{id} is qualified. Thank you.").format(id=offer.id))]
        done = ctx.t._("Offer #{id} is turned down: it no longer appears in searches.").format(id=offer.id)
        notice = await turned_down(ctx.session, offer)
        if notice is None:
            return [Reply(done)]
        told = ctx.t._("The host is told the reason and what they can do.")
        return [Reply(f"{done}\n{told}"), notice]


DIALOGUE = Qualification()


async def begin(ctx: Ctx, offer_id: int) -> list[Reply]:
    await offer_for(ctx.session, ctx.actor, offer_id, Action.QUALIFY)  # refused before any question
    intro = Reply(ctx.t._("Qualification of offer #{id}.").format(id=offer_id))
    return [intro, *await engine.begin(ctx, DIALOGUE, {OFFER: offer_id})]
