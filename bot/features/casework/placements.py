"""Placements: the caseworker's list of households and stays (current ones, and past ones on request), the
buttons that move a stay along or correct it, and a stay's history."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.chat.callbacks import Menu, PastPlacements, PlacementStep
from bot.chat.context import PARIS, Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain.access import Action
from bot.domain.casework import CHANGE_LABELS, Mismatch, PlacementStatus
from bot.domain.consent import HostConsent
from bot.features.casework.consent import moment
from bot.features.casework.notices import host_notice
from bot.features.hosting.cards import people
from bot.i18n import N_, Translator
from bot.services import casework
from conversations import household, placement, placement_correction
from conversations.placement import OUTCOME_LABELS
from storage.models import Household, Offer, Placement, PlacementEvent

PAST_PAGE = 5
CHANGED_FIELDS = {  # what a history entry shows of the values before and after
    "start_date": N_("arrival"),
    "planned_end": N_("planned end"),
    "people": N_("people"),
    "actual_end": N_("departure"),
    "outcome": N_("outcome"),
}
CONFIRMED_LABELS = {
    Mismatch.EARLY_START: N_("arrival before the offer's dates"),
    Mismatch.LATE_END: N_("end after the offer's dates"),
    Mismatch.OVER_CAPACITY: N_("more people than places"),
}


def _heading(t: Translator, placed: Placement, family: Household, offer: Offer) -> str:
    living = placed.people if placed.people is not None else family.adults + family.children
    return (f"<b>{esc(family.reference)}</b> · {people(t, living)} → "
            f"#{offer.id} {esc(offer.commune_name)} ({offer.departement})")  # fmt: skip


def placement_card(ctx: Ctx, placed: Placement, family: Household, offer: Offer) -> Reply:
    t = ctx.t
    lines = [_heading(t, placed, family, offer)]
    assert placed.id is not None
    if placed.status == PlacementStatus.PROPOSED:
        lines.append(t._("Proposed, arrival not recorded yet"))
        if placed.host_answer == HostConsent.ACCEPTED:
            lines.append("✅ " + t._("Accepted by the host"))
        elif (
            placed.consent_due_at is not None and offer.host_id is not None
        ):  # not if the host erased their data
            lines.append("⏳ " + t._("Waiting for the host's answer until {deadline}").format(
                deadline=moment(t, placed.consent_due_at)))  # fmt: skip
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
        buttons = [
            [Button(t._("Record the departure"), PlacementStep("leave", placed.id))],
            [Button(t._("Correct"), PlacementStep("correct", placed.id)),
             Button(t._("Undo the arrival"), PlacementStep("undo", placed.id))],
        ]  # fmt: skip
    buttons.append([Button(t._("History"), PlacementStep("history", placed.id))])
    return Reply("\n".join(lines), buttons)


def past_card(t: Translator, placed: Placement, family: Household, offer: Offer) -> Reply:
    """A placement that ended (with its dates and outcome) or a proposal that was withdrawn."""
    assert placed.id is not None
    lines = [_heading(t, placed, family, offer)]
    if placed.status == PlacementStatus.CANCELLED:
        lines.append(t._("Proposal withdrawn on {date}").format(date=t.date(placed.actual_end))
                     if placed.actual_end else t._("Proposal withdrawn"))  # fmt: skip
    else:
        start = t.date(placed.start_date) if placed.start_date else "—"
        end = t.date(placed.actual_end) if placed.actual_end else "—"
        outcome = OUTCOME_LABELS.get(placed.outcome or "")
        lines.append(t._("From {start} to {end} · {outcome}").format(
            start=start, end=end, outcome=t._(outcome) if outcome else "—"))  # fmt: skip
    return Reply("\n".join(lines), [[Button(t._("History"), PlacementStep("history", placed.id))]])


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
    past = [[Button(ctx.t._("Past placements"), PastPlacements(1))]]
    replies = [Reply(summary, past), *(placement_card(ctx, *row) for row in rows)]
    if waiting:
        names = ", ".join(esc(family.reference) for family in waiting)
        replies.append(
            Reply(ctx.t._("Households waiting for a place: {references}").format(references=names))
        )
    if ctx.actor.may(Action.MANAGE_HOUSEHOLDS):
        replies.append(Reply(ctx.t._("Record another household:"),
                             [[Button(ctx.t._("New household"), Menu("household"))]]))  # fmt: skip
    return replies


async def on_past_button(ctx: Ctx, pressed: PastPlacements) -> list[Reply]:
    """A page of the placements that ended or were withdrawn, the latest first."""
    t = ctx.t
    total, rows = await casework.past_placements(
        ctx.session, ctx.actor, (pressed.page - 1) * PAST_PAGE, PAST_PAGE
    )
    if total == 0:
        return [Reply(t._("No past placement yet."))]
    pages = -(-total // PAST_PAGE)
    nav = []
    if pressed.page > 1:
        nav.append(Button("◀ " + t._("Newer"), PastPlacements(pressed.page - 1)))
    if pressed.page < pages:
        nav.append(Button(t._("Older") + " ▶", PastPlacements(pressed.page + 1)))
    heading = t.n_("{n} past placement.", "{n} past placements.", total).format(n=total)
    footer = t._("Page {page} of {pages}").format(page=min(pressed.page, pages), pages=pages)
    return [Reply(heading), *(past_card(t, *row) for row in rows), Reply(footer, [nav] if nav else [])]


def _value(t: Translator, key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key in ("start_date", "planned_end", "actual_end"):
        return t.date(date.fromisoformat(value))
    if key == "outcome":
        label = OUTCOME_LABELS.get(value)
        return t._(label) if label else esc(value)
    return esc(value)


def history_line(t: Translator, event: PlacementEvent, offer: Offer) -> str:
    """One change: when, who, what, and the values before → after."""
    moment = event.at.astimezone(PARIS)
    who = t._("the host") if event.actor_id is not None and event.actor_id == offer.host_id else (
        f"#{event.actor_id}" if event.actor_id is not None else t._("nobody (automatic)"))  # fmt: skip
    label = CHANGE_LABELS.get(event.action)
    before, after = event.detail.get("before", {}), event.detail.get("after", {})
    changes = []
    for key, name in CHANGED_FIELDS.items():
        if key in after:
            shown = _value(t, key, after[key])
            if before.get(key) is not None:
                shown = f"{_value(t, key, before[key])} → {shown}"
            changes.append(f"{t._(name)}: {shown}")
    line = f"{t.date(moment.date())} {moment:%H:%M} · {who} · {t._(label) if label else esc(event.action)}"
    if changes:
        line += "\n    " + "; ".join(changes)
    confirmed = [t._(CONFIRMED_LABELS[Mismatch(code)]) for code in event.detail.get("confirmed", [])]
    if confirmed:
        line += "\n    " + t._("agreed with the host: {what}").format(what=", ".join(confirmed))
    return line


async def show_history(ctx: Ctx, placement_id: int) -> list[Reply]:
    placed, family, offer, events = await casework.placement_history(ctx.session, ctx.actor, placement_id)
    t = ctx.t
    lines = [t._("History of this placement:"), _heading(t, placed, family, offer),
             t._("Proposed on {date}").format(date=t.date(placed.created_at.astimezone(PARIS).date()))]  # fmt: skip
    lines += [history_line(t, event, offer) for event in events]
    return [Reply("\n".join(lines))]


async def on_placement_button(ctx: Ctx, pressed: PlacementStep) -> list[Reply]:
    """Record the arrival or the departure of a household, withdraw a proposal, correct a stay or undo its
    arrival, or see its history."""
    t, placement_id = ctx.t, pressed.placement_id
    if pressed.action == "arrive":
        return await placement.begin_arrival(ctx, placement_id)
    if pressed.action == "leave":
        return await placement.begin_departure(ctx, placement_id)
    if pressed.action == "correct":
        return await placement_correction.begin(ctx, placement_id)
    if pressed.action == "history":
        return await show_history(ctx, placement_id)
    if pressed.action == "undo":
        await casework.placement_for(ctx.session, ctx.actor, placement_id)  # refused before the question
        return [Reply(t._("Undo this arrival? Do it only if it was recorded by mistake: the household has not "
                          "moved in. The place goes back to reserved for them, and the host is told."),
                      [[Button(t._("Yes, undo the arrival"), PlacementStep("undo_yes", placement_id)),
                        Button(t._("No, keep it"), PlacementStep("undo_no", placement_id))]])]  # fmt: skip
    if pressed.action == "undo_no":
        return [Reply(t._("The arrival is kept."), edit=True)]
    if pressed.action == "undo_yes":
        _, notice = await casework.undo_arrival(ctx.session, ctx.actor, placement_id, ctx.now)
        done = Reply(t._("The arrival is undone: the placement is a proposal again and the place is reserved."),
                     edit=True)  # fmt: skip
        return [done, *([await host_notice(ctx.session, notice)] if notice else [])]
    _, notice = await casework.end_placement(
        ctx.session, ctx.actor, placement_id, ctx.today, PlacementStatus.CANCELLED, ctx.now
    )
    done = Reply(t._("The proposal is withdrawn; the place is available again."), edit=True)
    return [done, *([await host_notice(ctx.session, notice)] if notice else [])]


async def new_household(ctx: Ctx) -> list[Reply]:
    return await household.begin(ctx)
