"""The buttons under alert messages: caseworkers' and hosts' answers about the end of a stay or an offer."""

from __future__ import annotations

from bot.chat.callbacks import OfferEnd, PlacementAlert, StayEnd
from bot.chat.context import Ctx
from bot.chat.messages import Reply
from bot.domain.access import Action
from bot.domain.casework import Conflict, NotFound
from bot.features.casework.notices import caseworker_echo
from bot.features.casework.placements import placement_card
from bot.services import casework
from conversations import host_offer, host_stay, placement
from storage import offers


async def on_alert_button(ctx: Ctx, pressed: PlacementAlert) -> list[Reply]:
    """A caseworker's answer under a placement alert: rehousing found, extend, or open the placement."""
    if pressed.action == "rehoused":
        return await placement.begin_departure(ctx, pressed.placement_id)
    if pressed.action == "extend":
        return await placement.begin_extension(ctx, pressed.placement_id)
    row = await casework.placement_for(ctx.session, ctx.actor, pressed.placement_id, Action.SEE_PLACEMENTS)
    return [placement_card(ctx, *row)]


async def on_host_question_button(ctx: Ctx, pressed: StayEnd) -> list[Reply]:
    """The host's answer about the end of a stay in their place."""
    try:
        if pressed.answer == "yes":
            told = await casework.host_answers(ctx.session, ctx.user_id, pressed.placement_id, None, ctx.now)
            echo = await caseworker_echo(ctx.session, told)
            return [
                Reply(ctx.t._("Thank you, the social worker is informed."), edit=True),
                *([echo] if echo else []),
            ]
        return await host_stay.begin(ctx, pressed.placement_id, pressed.answer)
    except (NotFound, Conflict):
        return [Reply(ctx.t._("This stay is no longer in progress."))]


async def on_offer_end_button(ctx: Ctx, pressed: OfferEnd) -> list[Reply]:
    """The host's answer when their offer's availability ends soon."""
    offer = await offers.of_host_by_id(ctx.session, ctx.user_id, pressed.offer_id)
    if offer is None:
        return [Reply(ctx.t._("This offer no longer exists."))]
    if pressed.answer == "extend":
        return await host_offer.change(ctx, offer, host_offer.AVAILABLE_UNTIL)
    return [Reply(ctx.t._("Noted: the offer ends as planned. Thank you!"), edit=True)]
