"""Caseworkers: offer details, the host's contact, qualification, proposals, households and placements."""

from __future__ import annotations

from bot.chat.callbacks import (
    Menu,
    OfferContact,
    OfferDetails,
    OfferPropose,
    OfferQualify,
    ProposeTo,
)
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain.access import Action
from bot.domain.offers import STATUS_LABELS, TURN_DOWN_LABELS, Qualification, Status, TurnDown
from bot.features.hosting.cards import freshness, offer_card, people
from bot.services import casework
from bot.services.waiting import waiting_list
from conversations import qualification
from storage import offers, placements
from storage.models import Household, Offer


def qualification_line(ctx: Ctx, offer: Offer) -> str:
    t = ctx.t
    if offer.qualification == Qualification.QUALIFIED:
        line = "✅ " + t._("Qualified")
    elif offer.qualification == Qualification.TURNED_DOWN:
        line = "⛔ " + t._("Turned down")
        if offer.turned_down_reason:
            line += f" ({t._(TURN_DOWN_LABELS[TurnDown(offer.turned_down_reason)])})"
    else:
        return "⚪ " + t._("Not yet qualified")
    if offer.visit_date:
        line += " · " + t._("visited on {date}").format(date=t.date(offer.visit_date))
    if offer.qualification_note:
        line += f"\n📝 {esc(offer.qualification_note)}"
    return line


def offer_buttons(ctx: Ctx, offer_id: int, propose_to: Household | None = None) -> list[list[Button]]:
    """An offer's buttons; "Propose" asks for which household, or proposes it to `propose_to` at once."""
    t = ctx.t
    if propose_to is not None and propose_to.id is not None:
        label = t._("Propose for {reference}").format(reference=propose_to.reference)
        propose = Button(label, ProposeTo(offer_id, propose_to.id))
    else:
        propose = Button(t._("Propose"), OfferPropose(offer_id))
    return [
        [Button(t._("Details"), OfferDetails(offer_id)), Button(t._("Contact host"), OfferContact(offer_id))],
        [Button(t._("Qualify"), OfferQualify(offer_id)), propose],
    ]


async def details(ctx: Ctx, pressed: OfferDetails) -> list[Reply]:
    """An offer as caseworkers see it, with its photos."""
    offer_id = pressed.offer_id
    offer = await casework.offer_for(ctx.session, ctx.actor, offer_id)
    status = ctx.t._(STATUS_LABELS[Status(offer.status)])
    header = f"<b>#{offer.id}</b> · {status} · {freshness(ctx.t, offer.last_confirmed_at, ctx.now)}"
    lines = [header, offer_card(ctx.t, offer.model_dump(), private=False), qualification_line(ctx, offer)]
    if offer.managed_by:
        lines.append(ctx.t._("Managed by: {organisation}").format(organisation=esc(offer.managed_by)))
    photos = await offers.photos(ctx.session, offer_id)
    shown = [
        Reply(ctx.t._("Photo {n}").format(n=i + 1), photo_id=file_id) for i, file_id in enumerate(photos)
    ]
    return [Reply("\n".join(lines), offer_buttons(ctx, offer_id)), *shown]


async def contact(ctx: Ctx, pressed: OfferContact) -> list[Reply]:
    """The host's contact details (each consultation is recorded)."""
    offer_id = pressed.offer_id
    found = await casework.reveal_contact(ctx.session, ctx.actor, offer_id, ctx.now)
    t = ctx.t
    lines = [t._("Contact for offer #{id} (this consultation is recorded):").format(id=offer_id)]
    if found.erased:
        lines.append(t._("The host removed their data from the bot: there is no contact any more."))
        return [Reply("\n".join(lines))]
    if found.host_id is not None:
        lines.append(
            t._('Telegram: <a href="tg://user?id={id}">write to the host</a>').format(id=found.host_id)
        )
    if found.managed_by:
        lines.append(t._("Managed by: {organisation}").format(organisation=esc(found.managed_by)))
    lines.append(t._("Phone: {phone}").format(phone=esc(found.phone) if found.phone else "—"))
    lines.append(t._("Address: {address}").format(address=esc(found.address) if found.address else "—"))
    return [Reply("\n".join(lines))]


async def qualify(ctx: Ctx, pressed: OfferQualify) -> list[Reply]:
    """The qualification questions about an offer."""
    return await qualification.begin(ctx, pressed.offer_id)


async def choose_household(ctx: Ctx, pressed: OfferPropose) -> list[Reply]:
    """Which household to propose the offer to: a caseworker's households without a place, or for a coordinator
    the département's waiting list, the most urgent first."""
    offer_id = pressed.offer_id
    offer = await casework.offer_for(ctx.session, ctx.actor, offer_id, Action.PROPOSE)
    if not ctx.actor.may(Action.MANAGE_HOUSEHOLDS, offer.departement):
        waiting = [w.household for w in await waiting_list(ctx.session, ctx.actor)
                   if w.household.departement == offer.departement]  # fmt: skip
        if not waiting:
            return [Reply(ctx.t._("No household is waiting for a place in {departement}.").format(
                departement=offer.departement))]  # fmt: skip
        return [_households_to_choose(ctx, offer_id, waiting)]
    candidates = [
        h for h in await casework.households_of(ctx.session, ctx.actor)
        if h.departement == offer.departement and await placements.open_for_household(ctx.session, h.id or 0) is None
    ]  # fmt: skip
    if not candidates:
        return [Reply(ctx.t._("No household without a place in this département. Record one first:"),
                      [[Button(ctx.t._("New household"), Menu("household"))]])]  # fmt: skip
    return [_households_to_choose(ctx, offer_id, candidates)]


def _households_to_choose(ctx: Ctx, offer_id: int, candidates: list[Household]) -> Reply:
    buttons = [
        [Button(f"{h.reference} · {people(ctx.t, h.adults + h.children)}", ProposeTo(offer_id, h.id or 0))]
        for h in candidates[:20]
    ]
    return Reply(ctx.t._("Propose offer #{id} to which household?").format(id=offer_id), buttons)
