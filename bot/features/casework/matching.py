"""/match 44: the best plan for the département's waiting households — how many housed, each pair with its reasons
and caveats, who stays waiting and why — as messages and as a spreadsheet. A coordinator's plan covers the
territory's waiting households, a caseworker's their own; either ticks pairs (or all) and proposes the ticked ones to
their hosts in one go (each household's caseworker is told)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.callbacks import MatchPage, MatchPropose, MatchTick
from bot.chat.context import Ctx
from bot.chat.messages import Attachment, Button, Later, Reply, esc, split_lines
from bot.domain.matching.candidates import Constraint
from bot.domain.matching.plan import Left
from bot.domain.validation import DEPARTEMENTS
from bot.features.casework.consent import caseworkers_told, proposed, unfollowed
from bot.features.coordination.exports import Kind, Table, Value, workbook_of
from bot.features.search.results import describe, explained, page_buttons
from bot.geo.communes import DEPARTEMENTS as DEPARTEMENT_NAMES
from bot.i18n import N_, Translator, translator
from bot.services import matching as service
from bot.services.reader import Overrun
from bot.services.waiting import SEE_WAITING
from storage import households as household_rows
from storage import matching as plan_rows
from storage import offers as offer_rows
from storage.db import Database
from storage.models import Household, MatchPlan, Offer

PAIRS_PER_PAGE: Final = 5

BLOCKERS: Final = {
    Constraint.TERRITORY: N_("no place is available in the département"),
    Constraint.CAPACITY: N_("the number of people"),
    Constraint.START: N_("the start date"),
    Constraint.LENGTH: N_("the length of stay"),
    Constraint.MIN_STAY: N_("the places' minimum stays"),
    Constraint.STEP_FREE: N_("step-free access"),
    Constraint.PETS: N_("the pet"),
    Constraint.CHILDREN: N_("the children"),
    Constraint.DISTANCE: N_("the distance"),
}
assert set(BLOCKERS) == set(Constraint), "every constraint has its words"


async def _rows(session: AsyncSession, plan: MatchPlan, pairs: Iterable[int] | None = None,
                unmatched: bool = True) -> tuple[dict[int, Household], dict[int, Offer]]:  # fmt: skip
    """The households and offers of these pairs (all by default) and of the unmatched households, as they are now
    (an erased one is missing)."""
    shown = [plan.pairs[index] for index in pairs] if pairs is not None else plan.pairs
    ids = {pair["household"] for pair in shown} | (
        {left["household"] for left in plan.unmatched} if unmatched else set()
    )
    return await household_rows.by_ids(session, ids), await offer_rows.by_ids(
        session, {pair["offer"] for pair in shown}
    )


def _reference(households: dict[int, Household], household_id: int) -> str:
    household = households.get(household_id)
    return esc(household.reference) if household else "—"


def _why_left(t: Translator, left: dict[str, Any]) -> str:
    why = Left(left["why"])
    if why is Left.NO_PLACE and left["blocker"] == Constraint.TERRITORY:
        return t._(BLOCKERS[Constraint.TERRITORY])
    if why is Left.NO_PLACE:
        blocker = t._(BLOCKERS[Constraint(left["blocker"])])
        n = left["blocker_places"]
        if not n:
            return t._("no place meets its needs (the most excluding: {constraint})").format(
                constraint=blocker
            )
        return t.n_("no place meets its needs: {constraint} excludes {n} place that fits otherwise",
                    "no place meets its needs: {constraint} excludes {n} places that fit otherwise", n).format(
            constraint=blocker, n=n)  # fmt: skip
    if why is Left.TAKEN_BY_PRIORITY:
        return t.n_("its {n} possible place goes to more urgent households",
                    "its {n} possible places go to more urgent households", left["places"]).format(n=left["places"])  # fmt: skip
    return t.n_("its {n} possible place goes to a household as urgent (better fit overall)",
                "its {n} possible places go to households as urgent (better fit overall)", left["places"]).format(
        n=left["places"])  # fmt: skip


def summary(t: Translator, plan: MatchPlan, whole: bool) -> str:
    """How many of whose households the plan houses (the territory's, or the caseworker's own), and what next."""
    where = {"departement": plan.departement, "name": DEPARTEMENT_NAMES.get(plan.departement, plan.departement),
             "housed": len(plan.pairs), "n": plan.waiting}  # fmt: skip
    if whole:
        text = t.n_("Plan for the {n} waiting household of {name} ({departement}): {housed} housed.",
                    "Plan for the {n} waiting households of {name} ({departement}): {housed} housed.", plan.waiting)  # fmt: skip
    else:
        text = t.n_("Plan for your {n} waiting household in {name} ({departement}): {housed} housed.",
                    "Plan for your {n} waiting households in {name} ({departement}): {housed} housed.", plan.waiting)  # fmt: skip
    lines = [text.format(**where)]
    if not whole:
        lines.append(t._("Only the households you recorded are planned, against every available place of the "
                         "département; a coordinator's plan covers all of them."))  # fmt: skip
    if plan.pairs:
        lines.append(t._("Nothing is proposed until you tick pairs and press “Propose the ticked pairs”."))
    if plan.pairs and whole:
        lines.append(t._("Each household's caseworker is told of the proposals made for it and of the hosts' "
                         "answers, and records the arrivals."))  # fmt: skip
    return "\n".join(lines)


def unmatched_replies(t: Translator, plan: MatchPlan, households: dict[int, Household]) -> list[Reply]:
    if not plan.unmatched:
        return []
    head = t.n_("{n} household stays waiting:", "{n} households stay waiting:", len(plan.unmatched)).format(
        n=len(plan.unmatched))  # fmt: skip
    lines = [f"<b>{head}</b>"]
    lines += [
        f"• {_reference(households, left['household'])}: {_why_left(t, left)}" for left in plan.unmatched
    ]
    return [Reply(text) for text in split_lines(lines)]


def _pair_text(t: Translator, plan: MatchPlan, index: int, households: dict[int, Household],
               offers: dict[int, Offer]) -> str:  # fmt: skip
    pair = plan.pairs[index]
    offer = offers.get(pair["offer"])
    mark = "📨" if index in plan.proposed else "☑️" if index in plan.ticked else "▫️"
    where = f" · {esc(offer.commune_name)}" if offer else ""
    text = f"{mark} <b>{index + 1}.</b> {_reference(households, pair['household'])} → #{pair['offer']}{where}"
    reasons, caveats = explained(t, service.whys_of(pair["reasons"]), service.whys_of(pair["caveats"]))
    text += "".join("\n" + line for line in (reasons, caveats) if line)
    if hold := pair.get("hold"):
        text += "\n⏳ " + t.n_(
            "Better wait: this place scores {share} % of an ideal one for this household, which can wait {n} more "
            "day for a better place (“Tick all” leaves this pair out).",
            "Better wait: this place scores {share} % of an ideal one for this household, which can wait {n} more "
            "days for a better place (“Tick all” leaves this pair out).", hold["days_left"]).format(
            share=round(100 * hold["share"]), n=hold["days_left"])  # fmt: skip
    return text


async def pairs_page(ctx: Ctx, plan: MatchPlan, page: int, *, edit: bool = False) -> Reply:
    """A page of the plan's pairs, a tick button for each pair not proposed yet, "Tick all" and "Propose"."""
    t = ctx.t
    assert plan.id is not None
    pages = max(1, -(-len(plan.pairs) // PAIRS_PER_PAGE))
    page = min(max(1, page), pages)
    first = (page - 1) * PAIRS_PER_PAGE
    shown = range(first, min(first + PAIRS_PER_PAGE, len(plan.pairs)))
    households, offers = await _rows(ctx.session, plan, shown, unmatched=False)
    heading = t._("Pairs (page {page} of {pages}):").format(page=page, pages=pages)
    lines = [f"<b>{heading}</b>"]
    lines += [_pair_text(t, plan, index, households, offers) for index in shown]
    buttons: list[list[Button]] = []
    ticks = [Button(("☑️ " if i in plan.ticked else "▫️ ") + str(i + 1), MatchTick(plan.id, i, page))
             for i in shown if i not in plan.proposed]  # fmt: skip
    if ticks:
        buttons.append(ticks)
    buttons.append([Button(t._("Tick all"), MatchTick(plan.id, "all", page))])
    if plan.ticked:
        label = t.n_("Propose the {n} ticked pair", "Propose the {n} ticked pairs", len(plan.ticked))
        buttons.append([Button(label.format(n=len(plan.ticked)), MatchPropose(plan.id))])
    if nav := page_buttons(t, page, pages, partial(MatchPage, plan.id)):
        buttons.append(nav)
    return Reply("\n\n".join(lines), buttons, edit=edit)


async def match_command(ctx: Ctx) -> list[Reply]:
    """/match 44: the plan, computed out of the update's transaction, then kept to be ticked."""
    t = ctx.t
    named = ctx.incoming.args[0] if ctx.incoming.args else None
    if (named is None and len(ctx.actor.territory(SEE_WAITING)) > 1) or (
        named is not None and named not in DEPARTEMENTS
    ):  # a typo is asked again; a real département outside the territory is refused (and logged)
        return [Reply(t._("Which département? For example: /match {departement}").format(
            departement=min(ctx.actor.territory(SEE_WAITING))))]  # fmt: skip
    departement = service.territory(ctx.actor, named)
    caseworker = service.caseworker_of_plan(ctx.actor, departement)
    problem = await service.problem(ctx.session, departement, ctx.today, caseworker)
    if not problem.households:
        nobody = (t._("No household is waiting for a place in {departement}.") if caseworker is None
                  else t._("None of the households you recorded is waiting for a place in {departement}."))  # fmt: skip
        return [Reply(nobody.format(departement=departement))]
    now = ctx.now
    try:
        plan = ctx.outside(("match", ctx.user_id, problem), lambda: service.solve(problem, now))
    except Overrun:
        return [Reply(t._("Sorry, the plan for {departement} takes too long to compute. Try again later, or use "
                          "/waiting and “Find places” for the most urgent households.").format(departement=departement))]  # fmt: skip
    kept = await service.keep(ctx.session, ctx.actor, problem, plan, ctx.now)
    assert kept.id is not None
    households, _ = await _rows(ctx.session, kept, (), unmatched=True)
    spreadsheet = Later("match_plan", {"plan": kept.id, "user": ctx.user_id, "language": t.language})
    replies = [Reply(summary(t, kept, whole=caseworker is None))]
    replies += unmatched_replies(t, kept, households)
    if kept.pairs:
        replies.append(await pairs_page(ctx, kept, 1))
    replies.append(
        Reply("", attachment=Attachment(f"plan-{departement}-{ctx.today.isoformat()}.xlsx", spreadsheet))
    )
    return replies


async def on_tick(ctx: Ctx, pressed: MatchTick) -> list[Reply]:
    """Tick or untick a pair, or tick them all; the page is shown again with its marks."""
    plan = await service.plan_for(ctx.session, ctx.actor, pressed.plan_id)
    await service.tick(ctx.session, ctx.actor, plan, None if pressed.pair == "all" else pressed.pair)
    return [await pairs_page(ctx, plan, pressed.page, edit=True)]


async def on_page(ctx: Ctx, pressed: MatchPage) -> list[Reply]:
    """Another page of the plan's pairs."""
    plan = await service.plan_for(ctx.session, ctx.actor, pressed.plan_id)
    return [await pairs_page(ctx, plan, pressed.page, edit=True)]


async def on_propose(ctx: Ctx, pressed: MatchPropose) -> list[Reply]:
    """The ticked pairs proposed to their hosts in one go; those whose household or place changed, skipped."""
    t = ctx.t
    plan = await service.plan_for(ctx.session, ctx.actor, pressed.plan_id)
    if not plan.ticked:
        return [Reply(t._("No pair is ticked: tick the pairs to propose first."))]
    outcome = await service.propose_ticked(ctx.session, ctx.actor, plan, ctx.now)
    head = t.n_("{n} proposal sent to the hosts:", "{n} proposals sent to the hosts:", len(outcome.proposed))
    replies = [Reply(head.format(n=len(outcome.proposed)))]
    for placement, household, offer in outcome.proposed:
        replies += await proposed(ctx, placement, household, offer, edit=False)
    replies += await caseworkers_told(ctx, outcome.proposed)
    households, _ = await _rows(ctx.session, plan, outcome.skipped + outcome.unfollowed, unmatched=False)

    def named(indexes: list[int]) -> list[str]:
        return [
            f"{_reference(households, plan.pairs[i]['household'])} → #{plan.pairs[i]['offer']}"
            for i in indexes
        ]

    if outcome.skipped:
        replies.append(Reply("\n".join([t._("Not proposed, the household or the place changed since the plan:"),
                                        *(f"• {pair}" for pair in named(outcome.skipped)),
                                        t._("Run /match again for a new plan.")])))  # fmt: skip
    if outcome.unfollowed:
        replies.append(unfollowed(t, plan.departement, named(outcome.unfollowed)))
    return replies


def plan_tables(
    t: Translator, plan: MatchPlan, households: dict[int, Household], offers: dict[int, Offer]
) -> list[Table]:
    """The plan as two sheets: the pairs, and the households that stay waiting."""

    def reference(household_id: int) -> str | None:
        household = households.get(household_id)
        return household.reference if household else None

    pairs = [
        [index + 1, reference(pair["household"]), pair["level"] + 1, pair["offer"],
         offers[pair["offer"]].commune_name if pair["offer"] in offers else None,
         ", ".join(describe(t, why) for why in service.whys_of(pair["reasons"])),
         ", ".join(describe(t, why) for why in service.whys_of(pair["caveats"]))]
        for index, pair in enumerate(plan.pairs)
    ]  # fmt: skip
    left: list[list[Value]] = [[reference(one["household"]), _why_left(t, one)] for one in plan.unmatched]
    text, number = Kind.TEXT, Kind.INTEGER
    return [
        Table(t._("Pairs"), [t._("Pair"), t._("Household"), t._("Priority level"), t._("Offer"), t._("Commune"),
                              t._("Why"), t._("Caveats")], [number, text, number, number, text, text, text], pairs),
        Table(t._("Waiting"), [t._("Household"), t._("Why no place")], [text, text], left),
    ]  # fmt: skip


async def make_spreadsheet(database: Database, args: dict[str, Any]) -> bytes:
    """The plan's spreadsheet, made when it is sent."""
    async with database.transaction() as session:
        plan = await plan_rows.plan_of(session, args["plan"], args["user"])
        if plan is None:
            raise LookupError(f"plan {args['plan']}")
        households, offers = await _rows(session, plan)
    t = translator(args["language"])
    return await asyncio.to_thread(workbook_of, plan_tables(t, plan, households, offers), t)
