"""A caseworker records a household: their own reference (no names), composition, needs, where and when they
need a place, and their situation (which orders the waiting list, `/waiting`)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.chat.callbacks import DialogueAnswer, FindPlaces
from bot.chat.context import Ctx
from bot.chat.messages import Button, Incoming, Reply, esc
from bot.domain import offer_schema as schema
from bot.domain import situations, validation
from bot.domain.access import Action, require
from bot.geo.communes import Commune
from bot.geo.resolve import commune_label, load_resolver
from bot.i18n import N_
from bot.services.casework import create_household
from conversations import engine
from conversations.engine import Accepted, Invalid, Outcome, Step
from conversations.steps import (
    CommuneAnswer,
    Count,
    DateAnswer,
    Departement,
    Duration,
    Radius,
    Ticks,
    with_territory,
)
from storage import households
from storage import situations as situation_settings

NAME = "household"
DEPARTEMENT = "departement"
REFERENCE = "reference"
ADULTS = "adults"
CHILDREN = "children"
CHILDREN_AGES = "children_ages"
NEEDS = "needs"
LANGUAGES = "languages"
AREA = "area"
NEAR = "near"  # the commune chosen, as people read it (the radius is asked only then)
RADIUS = "radius"
WANTED_FROM = "wanted_from"
STAY_DAYS = "stay_days"
SITUATIONS = "situations"
# By département of the territory, the situations its coordinators did not switch off (read at the start).
SITUATIONS_IN_USE = "_situations"
WHOLE_DEPARTEMENT = "all"

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


class Area(CommuneAnswer):
    """Around a commune of the household's département, or anywhere in it."""

    name = AREA

    def question(self, ctx: Ctx) -> str:
        return ctx.t._("Where should the household live? Type a commune to look around it, or choose the "
                       "whole département.")  # fmt: skip

    def other_buttons(self, ctx: Ctx, answers: dict[str, Any]) -> list[list[Button]]:
        label = ctx.t._("Anywhere in {departement}").format(departement=answers[DEPARTEMENT])
        return [[Button(label, DialogueAnswer(AREA, WHOLE_DEPARTEMENT))]]

    def other_choice(self, ctx: Ctx, answers: dict[str, Any], choice: str) -> Outcome | None:
        return Accepted({AREA: WHOLE_DEPARTEMENT, NEAR: None}) if choice == WHOLE_DEPARTEMENT else None

    def chosen(self, ctx: Ctx, commune: Commune) -> Accepted:
        label = commune_label(commune)
        return Accepted({AREA: commune.insee, NEAR: label}, acknowledgement=f"📍 {esc(label)}")

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        outcome = await super().accept(ctx, answers, incoming, choice)
        picked = outcome.values.get(AREA) if isinstance(outcome, Accepted) else None
        commune = load_resolver().by_insee(picked) if picked and picked != WHOLE_DEPARTEMENT else None
        if commune is not None and commune.departement != answers[DEPARTEMENT]:
            # Places are searched in the household's département only: a commune elsewhere would find none.
            return Invalid(ctx.t._("{commune} is not in {departement}. Type a commune of {departement}, or "
                                   "choose the whole département.").format(
                commune=esc(commune_label(commune)), departement=answers[DEPARTEMENT]))  # fmt: skip
        return outcome


class Situations(Ticks):
    """The situations its département asks (not asked when its coordinators switched them all off)."""

    def __init__(self) -> None:
        super().__init__(SITUATIONS, N_("Their situation now (it orders the waiting list): tick what applies, "
                                        "then “Done”."), per_row=1)  # fmt: skip

    def options(self, answers: dict[str, Any]) -> dict[str, str]:
        used = (answers.get(SITUATIONS_IN_USE) or {}).get(answers.get(DEPARTEMENT)) or []
        return {s.name: s.label for s in situations.SITUATIONS if s.name in used}

    def applies(self, answers: dict[str, Any]) -> bool:
        return bool(self.options(answers))


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
        Area(),
        Radius(RADIUS, around=NEAR),
        DateAnswer(WANTED_FROM, N_("From when does the household need a place?"), now_button=True),
        Duration(STAY_DAYS, N_("For how long? (skip if unknown)"), optional=True),
        Situations(),
    )

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        needs = set(answers.get(NEEDS) or [])
        fields = {
            "departement": answers[DEPARTEMENT], "reference": answers[REFERENCE], "adults": answers[ADULTS],
            "children": answers[CHILDREN], "children_ages": answers.get(CHILDREN_AGES) or [],
            "step_free": "step_free" in needs, "pets": "pets" in needs, "languages": answers.get(LANGUAGES) or [],
            "area": answers[AREA], "radius_km": answers.get(RADIUS), "wanted_from": date.fromisoformat(answers[WANTED_FROM]),
            "stay_days": answers.get(STAY_DAYS), "situations": answers.get(SITUATIONS),  # None: not asked
        }  # fmt: skip
        household = await create_household(ctx.session, ctx.actor, fields, ctx.now)
        assert household.id is not None
        text = ctx.t._("Household {reference} recorded. Find places for them now, or later from /waiting.")
        button = Button(ctx.t._("Find places"), FindPlaces(household.id))
        return [Reply(text.format(reference=esc(household.reference)), [[button]])]


DIALOGUE = NewHousehold()


async def begin(ctx: Ctx) -> list[Reply]:
    territory = ctx.actor.territory(Action.MANAGE_HOUSEHOLDS)
    require(ctx.actor, Action.MANAGE_HOUSEHOLDS)
    switched_off = await situation_settings.switched_off(ctx.session, territory)
    in_use = {dep: [s.name for s in situations.in_use(off)] for dep, off in switched_off.items()}
    return await engine.begin(
        ctx, DIALOGUE, with_territory({SITUATIONS_IN_USE: in_use}, territory, DEPARTEMENT)
    )
