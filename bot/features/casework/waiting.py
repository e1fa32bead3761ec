"""/waiting: the households of the territory waiting for a place, by priority then waiting time, five a page,
each with "Find places" (the ranked search for exactly its needs, nothing to retype)."""

from __future__ import annotations

from datetime import timedelta

from bot.chat.callbacks import FindPlaces, WaitingPage
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain import offer_schema as schema
from bot.features.hosting.cards import people
from bot.features.search import results as search_results
from bot.geo.resolve import commune_label, load_resolver
from bot.i18n import Translator
from bot.services import waiting
from storage import households
from storage.models import Household

PAGE_SIZE = 5


def _composition(t: Translator, household: Household) -> str:
    text = people(t, household.adults + household.children)
    if household.children:
        ages = ", ".join(str(age) for age in household.children_ages)
        children = t.n_("{n} child", "{n} children", household.children).format(n=household.children)
        text += f" ({children}: {ages})" if ages else f" ({children})"
    return text


def _needs(t: Translator, household: Household) -> str:
    # The needs a household ticks are its columns of the same name (children: their number, shown apart).
    needs = [t._(need.short) for need in schema.NEEDS if getattr(household, need.name, False) is True]
    languages = [search_results.language_name(t, code) for code in household.languages]
    return " · ".join(needs + languages)


def _where(t: Translator, household: Household) -> str:
    if household.area is None:
        return t._("Where: not stated")
    commune = load_resolver().by_insee(household.area)
    if commune is None:  # the whole département
        return t._("Anywhere in {departement}").format(departement=household.departement)
    around = esc(commune_label(commune))
    if household.radius_km is None:
        return t._("Around {commune}, nearest first").format(commune=around)
    return t._("Within {km} km of {commune}").format(km=household.radius_km, commune=around)


def _when(t: Translator, household: Household) -> str:
    if household.wanted_from is None:
        return t._("From when: not stated")
    start = t._("from {date}").format(date=t.date(household.wanted_from))
    if household.stay_days is None:
        return start
    end = household.wanted_from + timedelta(days=household.stay_days)
    return t._("from {start} to {end}").format(start=t.date(household.wanted_from), end=t.date(end))


def _situation(t: Translator, listed: waiting.Waiting) -> str:
    if listed.priority is None:
        return t._("Situation: not stated")
    if not listed.situations:
        return t._("No urgent situation stated")
    return "⚠️ " + ", ".join(t._(situation.label) for situation in listed.situations)


def waiting_card(ctx: Ctx, rank: int, listed: waiting.Waiting) -> Reply:
    t, household = ctx.t, listed.household
    assert household.id is not None
    days = (ctx.today - household.created_at.date()).days
    since = t.n_("waiting for {n} day", "waiting for {n} days", days).format(n=days)
    lines = [
        f"<b>{rank}. {esc(household.reference)}</b> · {household.departement} · {since}",
        "👥 " + " · ".join(part for part in (_composition(t, household), _needs(t, household)) if part),
        f"📍 {_where(t, household)}",
        f"📅 {_when(t, household)}",
        _situation(t, listed),
    ]
    return Reply("\n".join(lines), [[Button(t._("Find places"), FindPlaces(household.id))]])


async def waiting_list(ctx: Ctx, number: int = 1) -> list[Reply]:
    """/waiting, and its pages."""
    t = ctx.t
    listed = await waiting.waiting_list(ctx.session, ctx.actor)
    if not listed:
        return [Reply(t._("No household is waiting for a place in your territory."))]
    pages = -(-len(listed) // PAGE_SIZE)
    number = min(max(1, number), pages)
    first = (number - 1) * PAGE_SIZE
    head = t.n_("{n} household waiting, the most urgent first:", "{n} households waiting, the most urgent first:",
                len(listed)).format(n=len(listed))  # fmt: skip
    replies = [Reply(f"<b>{head}</b>")]
    replies += [
        waiting_card(ctx, rank, one) for rank, one in enumerate(listed[first : first + PAGE_SIZE], first + 1)
    ]
    nav = search_results.page_buttons(t, number, pages, WaitingPage)
    replies.append(
        Reply(t._("Page {page} of {pages}").format(page=number, pages=pages), [nav] if nav else [])
    )
    return replies


async def on_page_button(ctx: Ctx, pressed: WaitingPage) -> list[Reply]:
    """Another page of the waiting list."""
    return await waiting_list(ctx, pressed.page)


async def on_find_places(ctx: Ctx, pressed: FindPlaces) -> list[Reply]:
    """The ranked search for exactly this household's needs, its results proposing to it."""
    household = await waiting.household_in_view(ctx.session, ctx.actor, pressed.household_id)
    if not await households.is_waiting(ctx.session, pressed.household_id):
        return [Reply(ctx.t._("{reference} is no longer waiting: see /placements.").format(
            reference=esc(household.reference)))]  # fmt: skip
    return await search_results.run(ctx, waiting.criteria_for(household, ctx.today), household.id)


async def waiting_command(ctx: Ctx) -> list[Reply]:
    """/waiting"""
    return await waiting_list(ctx)
