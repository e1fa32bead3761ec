"""A caseworker records a household: their own reference (no names), composition and needs."""

from __future__ import annotations

import re
from typing import Any

from bot.chat.context import Ctx
from bot.chat.messages import Incoming, Reply, esc
from bot.domain import offer_schema as schema
from bot.domain import validation
from bot.domain.access import Action, require
from bot.i18n import N_
from bot.services.casework import create_household
from conversations import engine
from conversations.engine import Accepted, Invalid, Outcome, Step
from conversations.steps import Count, Departement, Ticks, with_territory
from storage import households

NAME = "household"
DEPARTEMENT = "departement"
REFERENCE = "reference"
ADULTS = "adults"
CHILDREN = "children"
CHILDREN_AGES = "children_ages"
NEEDS = "needs"
LANGUAGES = "languages"

NEED_LABELS = {"step_free": N_("Step-free access"), "pets": N_("A pet")}
REFERENCE_PATTERN = re.compile(r"^[\w./#-]{1,40}$")


class Reference(Step):
    name = REFERENCE

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        return Reply(ctx.t._("Your reference for this household (your association's file number; no names), "
                             "for example DOS-2027-014:"))  # fmt: skip

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        typed = (incoming.text or "") if incoming.command is None else ""
        # One word, whatever the spaces: "DOS 2027 014" is the file "DOS-2027-014", found as taken if it is.
        reference = "-".join(typed.split())
        if not REFERENCE_PATTERN.match(reference):
            return Invalid(ctx.t._("Up to 40 letters, digits and . / # - _ (spaces become -)."))
        if await households.reference_taken(ctx.session, answers[DEPARTEMENT], reference):
            return Invalid(ctx.t._("This reference is already used in this département."))
        return Accepted(
            {REFERENCE: reference}, acknowledgement=f"→ {esc(reference)}" if reference != typed else None
        )


class ChildrenAges(Step):
    name = CHILDREN_AGES

    def applies(self, answers: dict[str, Any]) -> bool:
        return bool(answers.get(CHILDREN))

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        return Reply(ctx.t._("Ages of the children, separated by commas (for example: 3, 7, 12):"))

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        ages = validation.parse_ages(incoming.text or "", 17) if incoming.command is None else None
        if not isinstance(ages, list) or len(ages) != answers[CHILDREN]:
            message = ctx.t.n_("Please give {n} age from 0 to 17.", "Please give {n} ages from 0 to 17, separated by commas.",
                               answers[CHILDREN])  # fmt: skip
            return Invalid(message.format(n=answers[CHILDREN]))
        return Accepted({CHILDREN_AGES: ages})


class NewHousehold(engine.Dialogue):
    name = NAME
    steps = (
        Departement(DEPARTEMENT, N_("In which département?")),
        Reference(),
        Count(ADULTS, N_("How many adults?"), 1, 30, quick=(1, 2, 3, 4)),
        Count(CHILDREN, N_("How many children (under 18)?"), 0, 30, quick=(0, 1, 2, 3, 4)),
        ChildrenAges(),
        Ticks(NEEDS, N_("Needs: tick what applies, then “Done”."), NEED_LABELS),
        Ticks(LANGUAGES, N_("Languages the household speaks: tick them, then “Done”."), schema.LANGUAGES),
    )

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        needs = set(answers.get(NEEDS) or [])
        fields = {
            "departement": answers[DEPARTEMENT], "reference": answers[REFERENCE], "adults": answers[ADULTS],
            "children": answers[CHILDREN], "children_ages": answers.get(CHILDREN_AGES) or [],
            "step_free": "step_free" in needs, "pets": "pets" in needs, "languages": answers.get(LANGUAGES) or [],
        }  # fmt: skip
        household = await create_household(ctx.session, ctx.actor, fields, ctx.now)
        text = ctx.t._(
            "Household {reference} recorded. Search a place for them with /search, then “Propose”."
        )
        return [Reply(text.format(reference=esc(household.reference)))]


DIALOGUE = NewHousehold()


async def begin(ctx: Ctx) -> list[Reply]:
    territory = ctx.actor.territory(Action.MANAGE_HOUSEHOLDS)
    require(ctx.actor, Action.MANAGE_HOUSEHOLDS)
    return await engine.begin(ctx, DIALOGUE, with_territory({}, territory, DEPARTEMENT))
