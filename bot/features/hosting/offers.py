"""/myoffers (a host's offers, with one-tap updates), "still available?" answers, and /mydata."""

from __future__ import annotations

from bot.chat.callbacks import HostOffer, Menu, OfferAction, StillAvailable
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply
from bot.domain.offers import OPEN_TO_HOSTING, STATUS_LABELS, Qualification, Status
from bot.features.hosting.cards import freshness, offer_card
from bot.features.hosting.mydata import stays_told, stays_warning
from bot.features.hosting.turned_down import reason_for_host, turned_down_buttons, turned_down_notice
from bot.i18n import Translator
from bot.services.privacy import delete_offer
from conversations import host_offer
from storage import offers, privacy
from storage.models import Offer


def offer_buttons(ctx: Ctx, offer: Offer) -> list[list[Button]]:
    assert offer.id is not None
    t, offer_id = ctx.t, offer.id
    if offer.status == Status.WITHDRAWN:
        return [[Button(t._("Available again"), HostOffer(offer_id, "resume"))],
                [Button(t._("Delete"), HostOffer(offer_id, "delete"))]]  # fmt: skip
    if offer.qualification == Qualification.TURNED_DOWN:
        return [
            *turned_down_buttons(t, offer_id),
            [Button(t._("Withdraw and delete"), HostOffer(offer_id, "delete"))],
        ]
    # "Still available" only where it is true: a paused offer is resumed, a reserved or occupied one is in use.
    first = (
        [Button(t._("✓ Still available"), HostOffer(offer_id, "confirm"))]
        if offer.status == Status.AVAILABLE
        else []
    )
    pause = (
        Button(t._("Resume"), HostOffer(offer_id, "resume"))
        if offer.status == Status.PAUSED
        else Button(t._("Pause"), HostOffer(offer_id, "pause"))
    )
    return [
        [*first, Button(t._("Update dates"), HostOffer(offer_id, "dates"))],
        [pause, Button(t._("No longer available"), HostOffer(offer_id, "unavailable"))],
        [Button(t._("Change a field"), HostOffer(offer_id, "edit")),
         Button(t._("Photos"), HostOffer(offer_id, "photos"))],
        [Button(t._("Withdraw and delete"), HostOffer(offer_id, "delete"))],
    ]  # fmt: skip


def card(ctx: Ctx, offer: Offer) -> Reply:
    status = ctx.t._(STATUS_LABELS[Status(offer.status)])
    header = f"<b>#{offer.id}</b> · {status} · {freshness(ctx.t, offer.last_confirmed_at, ctx.now)}"
    lines = [header, offer_card(ctx.t, offer.model_dump())]
    if offer.qualification == Qualification.TURNED_DOWN and offer.status != Status.WITHDRAWN:
        reason = reason_for_host(ctx.t, offer)
        lines.append("⛔ " + ctx.t._("Not retained after review") + (f": {reason}" if reason else ""))
    return Reply("\n".join(lines), offer_buttons(ctx, offer))


async def my_offers(ctx: Ctx) -> list[Reply]:
    mine = await offers.of_host(ctx.session, ctx.user_id, include_withdrawn=True)
    if not mine:
        return [
            Reply(ctx.t._("You have no offer yet."), [[Button(ctx.t._("I offer a place"), Menu("host"))]])
        ]
    count = ctx.t.n_("You have {n} offer.", "You have {n} offers.", len(mine)).format(n=len(mine))
    return [Reply(count), *(card(ctx, offer) for offer in mine)]


async def on_offer_button(ctx: Ctx, pressed: HostOffer) -> list[Reply]:
    """A button under one of the host's offers."""
    return await act_on_offer(ctx, pressed.offer_id, pressed.action)


async def act_on_offer(ctx: Ctx, offer_id: int, action: OfferAction) -> list[Reply]:
    offer = await offers.of_host_by_id(ctx.session, ctx.user_id, offer_id)
    if offer is None:
        return [Reply(ctx.t._("This offer no longer exists."))]
    t = ctx.t
    if action == "confirm":
        return await _confirm(ctx, offer)
    if action == "stay_paused":
        return [
            Reply(t._("Your offer stays paused. Resume it with /myoffers when you are ready."), edit=True)
        ]
    if action == "revisit":
        return await host_offer.change(ctx, offer, host_offer.CHANGE_FIELD, new_visit=True)
    if action in ("pause", "resume", "unavailable"):
        allowed = {
            "pause": {Status.AVAILABLE},
            "resume": {Status.PAUSED, Status.WITHDRAWN},
            "unavailable": {Status.AVAILABLE, Status.PAUSED},
        }[action]
        if offer.status not in allowed:
            return [Reply(t._("This is not possible while the offer is {status}.").format(
                status=t._(STATUS_LABELS[Status(offer.status)])))]  # fmt: skip
        new_status = {"pause": Status.PAUSED, "resume": Status.AVAILABLE, "unavailable": Status.WITHDRAWN}[
            action
        ]
        await offers.set_status(ctx.session, offer, ctx.user_id, new_status, ctx.now)
        if new_status == Status.AVAILABLE:
            await offers.confirm_still_available(ctx.session, offer, ctx.user_id, ctx.now)
        updated = card(ctx, offer)
        updated.edit = True
        return [updated]
    if action == "dates":
        return await host_offer.change(ctx, offer, host_offer.AVAILABLE_FROM)
    if action == "edit":
        return await host_offer.change(ctx, offer, host_offer.CHANGE_FIELD)
    if action == "photos":
        assert offer.id is not None
        shown = [
            Reply(t._("Photo {n}").format(n=i + 1), photo_id=file_id)
            for i, file_id in enumerate(await offers.photos(ctx.session, offer.id))
        ]
        return [*shown, *await host_offer.change(ctx, offer, host_offer.PHOTOS)]
    if action in ("delete", "delete_yes", "delete_sure"):
        return await _delete(ctx, offer, action)
    return [Reply(t._("The offer is kept."), edit=True)]  # "keep"


async def _delete(ctx: Ctx, offer: Offer, action: OfferAction) -> list[Reply]:
    """Delete an offer: asked (with a warning if a household lives there), then done; those following the
    household's stay are told."""
    t, offer_id = ctx.t, offer.id or 0
    stays = [stay for stay in await privacy.open_stays(ctx.session, ctx.user_id) if stay[2].id == offer_id]
    if stays and action != "delete_sure":  # asked, or confirmed before a household came: warned first
        return [Reply(t._("Delete this offer for good?") + "\n\n" + stays_warning(t, stays), [[
            Button(t._("Delete anyway"), HostOffer(offer_id, "delete_sure")),
            Button(t._("No, keep it"), HostOffer(offer_id, "keep")),
        ]], edit=action != "delete")]  # fmt: skip
    if action == "delete":
        return [Reply(t._("Delete this offer for good?"), [[
            Button(t._("Yes, delete it"), HostOffer(offer_id, "delete_yes")),
            Button(t._("No, keep it"), HostOffer(offer_id, "keep")),
        ]])]  # fmt: skip
    told = await delete_offer(ctx.session, offer, ctx.user_id, ctx.now)
    return [Reply(t._("The offer is deleted."), edit=True), *await stays_told(ctx.session, told)]


async def _confirm(ctx: Ctx, offer: Offer) -> list[Reply]:
    """ "Still available": confirmed only for an available offer; a paused one is offered to resume, a turned-down
    one is explained again, a reserved or occupied one needs nothing."""
    t = ctx.t
    assert offer.id is not None
    if offer.status == Status.AVAILABLE and offer.qualification != Qualification.TURNED_DOWN:
        await offers.confirm_still_available(ctx.session, offer, ctx.user_id, ctx.now)
        return [Reply(t._("Thank you, your offer is confirmed as still available."))]
    if offer.status == Status.PAUSED and offer.qualification != Qualification.TURNED_DOWN:
        return [Reply(t._("Your offer #{offer} is paused: social workers do not see it. Resume it now?").format(
            offer=offer.id), [[Button(t._("Yes, resume it"), HostOffer(offer.id, "resume")),
                               Button(t._("No, keep it paused"), HostOffer(offer.id, "stay_paused"))]])]  # fmt: skip
    if offer.qualification == Qualification.TURNED_DOWN and offer.status in OPEN_TO_HOSTING:
        return [turned_down_notice(t, offer)]
    return [Reply(t._("This is not possible while the offer is {status}.").format(
        status=t._(STATUS_LABELS[Status(offer.status)])))]  # fmt: skip


def still_available_question(t: Translator, offer: Offer) -> Reply:
    """The periodic "still available?" question and its one-tap answers."""
    assert offer.id is not None
    text = t._("Is your offer still available?") + "\n\n" + offer_card(t, offer.model_dump())
    buttons = [[Button(t._("Yes"), StillAvailable(offer.id, "yes")),
                Button(t._("Not until…"), StillAvailable(offer.id, "later")),
                Button(t._("No longer"), StillAvailable(offer.id, "no"))]]  # fmt: skip
    return Reply(text, buttons)


STILL_AVAILABLE_ACTIONS: dict[str, OfferAction] = {"yes": "confirm", "later": "dates", "no": "unavailable"}


async def on_still_available_answer(ctx: Ctx, pressed: StillAvailable) -> list[Reply]:
    """The host's answer to "Is your offer still available?"."""
    return await act_on_offer(ctx, pressed.offer_id, STILL_AVAILABLE_ACTIONS[pressed.answer])
