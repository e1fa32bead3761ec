"""Placements: the caseworker's list of households and stays, and the buttons that move a stay along."""

from __future__ import annotations

from bot.chat.callbacks import (
    Menu,
    PlacementStep,
)
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain.access import Action
from bot.domain.casework import PlacementStatus
from bot.features.casework.notices import host_notice
from bot.features.hosting.cards import people
from bot.services import casework
from conversations import household, placement
from storage.models import Household, Offer, Placement


def placement_card(ctx: Ctx, placed: Placement, family: Household, offer: Offer) -> Reply:
    t = ctx.t
    lines = [
        f"<b>{esc(family.reference)}</b> · {people(t, family.adults + family.children)} → "
        f"#{offer.id} {esc(offer.commune_name)} ({offer.departement})"
    ]
    assert placed.id is not None
    if placed.status == PlacementStatus.PROPOSED:
        lines.append(t._("Proposed, arrival not recorded yet"))
        buttons = [[Button(t._("Record the arrival"), PlacementStep("arrive", placed.id)),
                    Button(t._("Withdraw the proposal"), PlacementStep("cancel", placed.id))]]  # fmt: skip
    else:
        assert placed.start_date and placed.planned_end
        left = (placed.planned_end - ctx.today).days
        lines.append(
            t._("From {start} until {end}").format(
                start=t.date(placed.start_date), end=t.date(placed.planned_end)
            )
        )
        lines.append(
            t.n_("{n} day left", "{n} days left", left).format(n=left)
            if left >= 0
            else t._("Planned end passed")
        )
        buttons = [[Button(t._("Record the departure"), PlacementStep("leave", placed.id))]]
    return Reply("\n".join(lines), buttons)


async def my_placements(ctx: Ctx) -> list[Reply]:
    rows = await casework.open_placements(ctx.session, ctx.actor)
    families = (
        await casework.households_of(ctx.session, ctx.actor)
        if ctx.actor.may(Action.MANAGE_HOUSEHOLDS)
        else []
    )
    placed_ids = {family.id for _, family, _ in rows}
    waiting = [family for family in families if family.id not in placed_ids]
    summary = ctx.t.n_("{n} open placement.", "{n} open placements.", len(rows)).format(n=len(rows))
    replies = [Reply(summary), *(placement_card(ctx, *row) for row in rows)]
    if waiting:
        names = ", ".join(esc(family.reference) for family in waiting)
        replies.append(
            Reply(ctx.t._("Households waiting for a place: {references}").format(references=names))
        )
    if ctx.actor.may(Action.MANAGE_HOUSEHOLDS):
        replies.append(Reply(ctx.t._("Record another household:"),
                             [[Button(ctx.t._("New household"), Menu("household"))]]))  # fmt: skip
    return replies


async def on_placement_button(ctx: Ctx, pressed: PlacementStep) -> list[Reply]:
    """Record the arrival or the departure of a household, or withdraw a proposal."""
    if pressed.action == "arrive":
        return await placement.begin_arrival(ctx, pressed.placement_id)
    if pressed.action == "leave":
        return await placement.begin_departure(ctx, pressed.placement_id)
    _, notice = await casework.end_placement(
        ctx.session, ctx.actor, pressed.placement_id, ctx.today, PlacementStatus.CANCELLED, ctx.now
    )
    done = Reply(ctx.t._("The proposal is withdrawn; the place is available again."), edit=True)
    return [done, *([await host_notice(ctx.session, notice)] if notice else [])]


async def new_household(ctx: Ctx) -> list[Reply]:
    return await household.begin(ctx)
