"""Search results as a caseworker sees them: 5 short cards a page, each saying why it matches and how fresh it is."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial

from bot.chat.callbacks import ButtonData, SearchPage
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain import offer_schema as schema
from bot.domain.access import Action, require
from bot.domain.offer_schema import NEED_BY_NAME, NEEDS
from bot.domain.offers import Qualification
from bot.domain.search.criteria import Criteria, within_territory
from bot.domain.search.ranking import Caveat, Match, Reason, Why
from bot.features.casework.offers import offer_buttons
from bot.features.hosting.cards import freshness, people, period
from bot.i18n import N_, Translator
from bot.services.waiting import SEE_WAITING, Exclusion, excluded_by
from storage import households, search
from storage.models import Household, Offer

PAGE_SIZE = 5


def language_name(t: Translator, code: object) -> str:
    label = schema.LANGUAGES.get(str(code))
    return t._(label) if label else str(code)


def describe(t: Translator, why: Why) -> str:
    """One reason or caveat, in the user's language."""
    value = why.value
    number = value if isinstance(value, int) else 0
    texts = {
        Reason.QUALIFIED: lambda: t._("qualified"),
        Reason.AVAILABLE_NOW: lambda: t._("available on the wanted date"),
        Reason.COVERS_DATES: lambda: t.n_(
            "covers the {n} day needed", "covers the {n} days needed", number
        ).format(n=number),
        Reason.OPEN_ENDED: lambda: t._("no end date"),
        Reason.CAPACITY_FITS: lambda: t.n_("fits ({n} place)", "fits ({n} places)", number).format(n=number),
        Reason.DISTANCE: lambda: t._("{km} km away").format(km=t.number(float(value or 0))),
        Reason.NEED_MET: lambda: t._(NEED_BY_NAME[str(value)].reason),
        Reason.SPEAKS_LANGUAGE: lambda: t._("host speaks {language}").format(
            language=language_name(t, value)
        ),
        Reason.FRESH: lambda: t._("recently confirmed"),
        Caveat.NOT_QUALIFIED: lambda: t._("not yet qualified"),
        Caveat.PAUSED: lambda: t._("paused by the host"),
        Caveat.STALE: lambda: t.n_(
            "not re-confirmed by the host for {n} day", "not re-confirmed by the host for {n} days", number
        ).format(n=number),
        Caveat.NOT_CONFIRMED: lambda: t.n_(
            "last confirmed {n} day ago", "last confirmed {n} days ago", number
        ).format(n=number),
        Caveat.STARTS_LATER: lambda: t.n_(
            "available {n} day later", "available {n} days later", number
        ).format(n=number),
        Caveat.NEED_PARTLY: lambda: t._(NEED_BY_NAME[str(value)].partly_caveat),
        Caveat.NEED_UNKNOWN: lambda: t._(NEED_BY_NAME[str(value)].unknown_caveat),
        Caveat.LARGER: lambda: t.n_(
            "{n} place more than needed", "{n} places more than needed", number
        ).format(n=number),
        Caveat.LIMITED: lambda: t.n_("available {n} day", "available {n} days", number).format(n=number),
        Caveat.MIN_STAY: lambda: t.n_("minimum stay {n} day", "minimum stay {n} days", number).format(
            n=number
        ),
    }
    return texts[why.code]()


def explained(t: Translator, reasons: Iterable[Why], caveats: Iterable[Why]) -> tuple[str | None, str | None]:
    """The "Why: …" text of a match's reasons and the "⚠️ …" text of its caveats (None when there are none);
    each screen lays them out its own way."""
    why = [describe(t, reason) for reason in reasons]
    warn = [describe(t, caveat) for caveat in caveats]
    return (t._("Why: {reasons}").format(reasons=", ".join(why)) if why else None,
            "⚠️ " + ", ".join(warn) if warn else None)  # fmt: skip


def page_buttons(t: Translator, page: int, pages: int, to_page: Callable[[int], ButtonData]) -> list[Button]:
    """The row of "◀ Previous" / "Next ▶" buttons of page `page` of `pages` (empty for a single page);
    `to_page(n)` is what pressing for page n sends."""
    row = [Button("◀ " + t._("Previous"), to_page(page - 1))] if page > 1 else []
    return row + ([Button(t._("Next") + " ▶", to_page(page + 1))] if page < pages else [])


def result_card(
    ctx: Ctx, rank: int, match: Match, offer: Offer, propose_to: Household | None = None
) -> Reply:
    t = ctx.t
    place = f"{esc(offer.commune_name)} ({offer.departement})"
    if match.distance_km is not None:
        place += " · " + t._("{km} km").format(km=t.number(match.distance_km))
    kind = schema.KIND.card_text(t, offer.kind)  # "Kind of place: not stated" rather than a bare "not stated"
    lines = [
        f"<b>{rank}.</b> #{offer.id} · {esc(kind)} · {place}",
        f"👥 {people(t, offer.people)} · 📅 {period(t, offer.available_from, offer.available_until)}",
        ("✅ " + t._("Qualified") if offer.qualification == Qualification.QUALIFIED else "⚪ " + t._("Not yet qualified"))
        + " · " + freshness(t, offer.last_confirmed_at, ctx.now),
    ]  # fmt: skip
    # The qualification has its own line above.
    reasons, caveats = explained(t, [why for why in match.reasons if why.code is not Reason.QUALIFIED],
                                 [why for why in match.caveats if why.code is not Caveat.NOT_QUALIFIED])  # fmt: skip
    lines += [text for text in (reasons, caveats) if text]
    return Reply("\n".join(lines), offer_buttons(ctx, offer.id or 0, propose_to))


def summary(t: Translator, criteria: Criteria) -> str:
    parts = [people(t, criteria.people)]
    if criteria.near_label:
        parts.append(
            esc(criteria.near_label) + (f" + {t.number(criteria.radius_km)} km" if criteria.radius_km else "")
        )
    else:
        parts.append(", ".join(criteria.departements))
    if criteria.start:
        parts.append(t._("from {date}").format(date=t.date(criteria.start)))
    if criteria.days:
        parts.append(t.n_("{n} day", "{n} days", criteria.days).format(n=criteria.days))
    needs = [t._(need.short) for need in NEEDS if need.name in criteria.needs]
    return " · ".join(parts + needs)


async def run(ctx: Ctx, criteria: Criteria, household_id: int | None = None) -> list[Reply]:
    """Restrict the criteria to the caseworker's territory, save them (for `household_id`: "Find places"),
    and show the first page."""
    require(ctx.actor, Action.SEARCH)
    restricted, refused = within_territory(criteria, ctx.actor.territory(Action.SEARCH))
    if refused and not restricted.departements:
        require(ctx.actor, Action.SEARCH, refused[0])  # asked only for départements not granted: refused
    search_id = await search.save_criteria(ctx.session, ctx.user_id, restricted, ctx.now, household_id)
    replies = await page(ctx, search_id, 1)
    if refused:
        note = ctx.t._("Not searched (not in your territory): {departements}.").format(
            departements=", ".join(refused)
        )
        replies.insert(0, Reply(note))
    return replies


async def page(ctx: Ctx, search_id: int, number: int) -> list[Reply]:
    criteria = await search.load_criteria(ctx.session, search_id, ctx.user_id)
    if criteria is None:
        return [Reply(ctx.t._("This search is no longer available. Search again with /search."))]
    require(ctx.actor, Action.SEARCH)
    # The territory may have shrunk since the search was saved (a role revoked).
    criteria, _ = within_territory(criteria, ctx.actor.territory(Action.SEARCH))
    ranking = await search.find(ctx.session, criteria, ctx.today, ctx.now, limit=number * PAGE_SIZE)
    pages = max(1, -(-ranking.total // PAGE_SIZE))
    number = min(max(1, number), pages)
    shown = ranking.matches[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    t = ctx.t
    head = t.n_("{n} place found", "{n} places found", ranking.total).format(n=ranking.total)
    household = await _searched_for(ctx, search_id)
    # Its results propose to it at once, for those who may propose in its département (its caseworker follows).
    propose_to = household if household and ctx.actor.may(Action.PROPOSE, household.departement) else None
    for_whom = f"<b>{esc(household.reference)}</b> · " if household else ""
    replies = [Reply(f"🔎 {for_whom}{summary(t, criteria)}\n<b>{head}</b>")]
    for rank, match in enumerate(shown, start=(number - 1) * PAGE_SIZE + 1):
        offer = await ctx.session.get(Offer, match.offer_id)
        if offer is not None:
            replies.append(result_card(ctx, rank, match, offer, propose_to))
    nav = page_buttons(t, number, pages, partial(SearchPage, search_id))
    rows = [nav] if nav else []
    if not criteria.include_stale:
        rows.append([Button(t._("Also show paused and unconfirmed offers"), SearchPage(search_id, "stale"))])
    replies.append(Reply(t._("Page {page} of {pages}").format(page=number, pages=pages), rows))
    if ranking.total == 0 and household is not None:
        replies[-1].text = exclusion_text(
            t, criteria, await excluded_by(ctx.session, criteria, ctx.today, ctx.now)
        )
    elif ranking.total == 0:
        replies[-1].text = t._("No place matches. Try a larger radius, fewer needs, or later dates.")
    return replies


async def _searched_for(ctx: Ctx, search_id: int) -> Household | None:
    """The household a search was made for ("Find places"), while the user may still see it."""
    household_id = await search.household_of(ctx.session, search_id)
    household = await households.get(ctx.session, household_id) if household_id else None
    return household if household and ctx.actor.may(SEE_WAITING, household.departement) else None


EXCLUDED_BY_NEED = {
    "step_free": N_("No place with step-free access in {departement}"),
    "pets": N_("No place accepts pets in {departement}"),
    "children": N_("No place welcomes children in {departement}"),
}


def exclusion_text(t: Translator, criteria: Criteria, exclusion: Exclusion) -> str:
    """Why no place meets a household's needs: the constraints that alone exclude every place."""
    departement = ", ".join(criteria.departements)
    if exclusion.nothing_available:
        return t._("No place is available in {departement} at the moment.").format(departement=departement)
    if not exclusion.constraints:
        return t._("No place in {departement} meets all these needs at once, though none of them alone "
                   "excludes every place.").format(departement=departement)  # fmt: skip
    lines = [t._("No place meets all these needs. What excludes every place:")]
    for constraint, total in exclusion.constraints:
        without = t.n_("without it: {n} place", "without it: {n} places", total).format(n=total)
        lines.append(f"• {_excluding(t, criteria, constraint, departement)} ({without})")
    return "\n".join(lines)


def _excluding(t: Translator, criteria: Criteria, constraint: str, departement: str) -> str:
    if constraint == "people":
        return t.n_("No place has room for {n} person in {departement}",
                    "No place has room for {n} people in {departement}", criteria.people).format(
            n=criteria.people, departement=departement)  # fmt: skip
    if constraint == "distance":
        return t._("No place within {km} km of {commune}").format(
            km=t.number(criteria.radius_km or 0), commune=esc(criteria.near_label or "")
        )
    if constraint == "start" and criteria.start is not None:
        return t._("No place is available from {date} in {departement}").format(
            date=t.date(criteria.start), departement=departement
        )
    if constraint == "days" and criteria.days is not None:
        return t.n_("No place is available for {n} day in {departement}",
                    "No place is available for {n} days in {departement}", criteria.days).format(
            n=criteria.days, departement=departement)  # fmt: skip
    return t._(EXCLUDED_BY_NEED[constraint]).format(departement=departement)


async def on_page_button(ctx: Ctx, pressed: SearchPage) -> list[Reply]:
    """Another page of a search, or the same search with paused and unconfirmed offers."""
    if pressed.page != "stale":
        return await page(ctx, pressed.search_id, pressed.page)
    criteria = await search.load_criteria(ctx.session, pressed.search_id, ctx.user_id)
    if criteria is None:
        return [Reply(ctx.t._("This search is no longer available. Search again with /search."))]
    household_id = await search.household_of(ctx.session, pressed.search_id)
    return await run(ctx, replace(criteria, include_stale=True), household_id)
