"""The guided search: where, how many, from when, for how long, needs, languages; then the results."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.chat.callbacks import AreaDepartement, DialogueAnswer
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain import offer_schema as schema
from bot.domain.access import Action, require
from bot.domain.search.criteria import Criteria
from bot.features.search import results as search_results
from bot.geo.communes import Commune, load_communes
from bot.geo.resolve import commune_label
from bot.i18n import N_
from conversations import engine
from conversations.engine import Accepted, Outcome
from conversations.steps import TERRITORY, CommuneAnswer, Count, DateAnswer, Duration, Radius, Ticks

NAME = "search"
AREA = "area"
RADIUS = "radius"
PEOPLE = "people"
START = "start"
DAYS = "days"
NEEDS = "needs"
LANGUAGES = "languages"

ALL = "all"
NEED_LABELS = {need.name: need.label for need in schema.NEEDS}


class Area(CommuneAnswer):
    """A département of the territory, all of it, or around a commune."""

    name = AREA

    def question(self, ctx: Ctx) -> str:
        return ctx.t._("Where? Choose a département, or type a commune to search around it.")

    def other_buttons(self, ctx: Ctx, answers: dict[str, Any]) -> list[list[Button]]:
        names = load_communes()
        rows = [
            [
                Button(
                    f"{code} — {names.departement_name(code)}",
                    DialogueAnswer(AREA, AreaDepartement(code).encode()),
                )
            ]
            for code in answers.get(TERRITORY) or []
        ]
        if len(rows) > 1:
            rows.append([Button(ctx.t._("All my départements"), DialogueAnswer(AREA, ALL))])
        return rows

    def other_choice(self, ctx: Ctx, answers: dict[str, Any], choice: str) -> Outcome | None:
        if choice == ALL:
            return Accepted({AREA: list(answers.get(TERRITORY) or []), "near": None})
        picked = AreaDepartement.decode(choice)
        if picked is not None and picked.code in (answers.get(TERRITORY) or []):
            return Accepted({AREA: [picked.code], "near": None})
        return None

    def chosen(self, ctx: Ctx, commune: Commune) -> Accepted:
        near = {"lat": commune.lat, "lon": commune.lon, "label": commune_label(commune)}
        return Accepted({AREA: [], "near": near}, acknowledgement=f"📍 {esc(commune_label(commune))}")


class GuidedSearch(engine.Dialogue):
    name = NAME
    steps = (
        Area(),
        Radius(RADIUS, around="near"),
        Count(
            PEOPLE,
            N_("How many people (adults and children)?"),
            1,
            schema.MAX_PEOPLE,
            quick=(1, 2, 3, 4, 5, 6),
        ),
        DateAnswer(START, N_("From when?"), now_button=True),
        Duration(DAYS, N_("For how long? (skip if unknown)"), optional=True),
        Ticks(NEEDS, N_("Needs: tick what applies, then “Done”."), NEED_LABELS),
        Ticks(LANGUAGES, N_("Languages the household speaks: tick them, then “Done”."), schema.LANGUAGES),
    )

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        return await search_results.run(ctx, criteria_from(answers, ctx.today))


def criteria_from(answers: dict[str, Any], today: date) -> Criteria:
    near = answers.get("near")
    needs = set(answers.get(NEEDS) or []) & schema.NEED_BY_NAME.keys()
    start = date.fromisoformat(answers[START]) if answers.get(START) else None
    return Criteria(
        departements=tuple(answers.get(AREA) or []),
        near=(near["lat"], near["lon"]) if near else None,
        near_label=near["label"] if near else None,
        radius_km=answers.get(RADIUS),
        people=answers[PEOPLE],
        start=None if start == today else start,
        days=answers.get(DAYS),
        needs=frozenset(needs),
        languages=tuple(answers.get(LANGUAGES) or []),
    )


DIALOGUE = GuidedSearch()


async def begin(ctx: Ctx) -> list[Reply]:
    require(ctx.actor, Action.SEARCH)
    answers: dict[str, Any] = {TERRITORY: sorted(ctx.actor.territory(Action.SEARCH))}
    return await engine.begin(ctx, DIALOGUE, answers)
