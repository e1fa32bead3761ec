"""A stay ends: its caseworker and the coordinators of the département are alerted at each milestone before the
planned end (only the latest one reached), and the host is asked whether it ends as planned."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.callbacks import PlacementAlert, StayEnd
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain.access import Action
from bot.domain.casework import Conflict, NotFound, PlacementStatus
from bot.domain.reminders import DEFAULT_MILESTONES, current_milestone, morning_of, paris_day
from bot.features.alerts.base import AlertKind, Sweep
from bot.features.casework.notices import caseworker_echo
from bot.features.casework.placements import placement_card
from bot.features.hosting.cards import people
from bot.i18n import N_, Translator
from bot.services import casework
from conversations import host_stay, placement
from storage import reminders
from storage.models import Alert, Household, Offer, Placement


async def _ending(
    session: AsyncSession, sweep: Sweep
) -> list[tuple[reminders.EndingPlacement, str, datetime, dict[str, Any]]]:
    """The stays whose latest milestone is reached: each with its key base, due moment and references."""
    longest = max([*DEFAULT_MILESTONES, *(m for row in sweep.settings.values() for m in row.milestones)])
    reached = []
    for placed in await reminders.placements_ending(
        session, sweep.today, sweep.today + timedelta(days=longest)
    ):
        milestone = current_milestone(placed.planned_end, sweep.today, sweep.milestones(placed.departement))
        if milestone is None:
            continue
        when = max(morning_of(placed.planned_end - timedelta(days=milestone)), placed.updated_at)
        refs = {
            "placement_id": placed.placement_id,
            "milestone": milestone,
            "departement": placed.departement,
        }
        reached.append(
            (placed, f"{placed.placement_id}:{placed.planned_end.isoformat()}:{milestone}", when, refs)
        )
    return reached


async def _staff_due(session: AsyncSession, sweep: Sweep) -> list[dict[str, Any]]:
    coordinators = await reminders.coordinators(session)
    due = []
    for placed, base, when, refs in await _ending(session, sweep):
        staff = {user for user in (placed.caseworker_id, *coordinators.get(placed.departement, [])) if user}
        due += [STAFF.row(f"pe:{base}:{recipient}", recipient, when, **refs) for recipient in sorted(staff)]
    return due


async def _host_due(session: AsyncSession, sweep: Sweep) -> list[dict[str, Any]]:
    return [
        HOST.row(f"he:{base}", placed.host_id, when, **refs)
        for placed, base, when, refs in await _ending(session, sweep)
        if placed.host_id is not None
    ]


async def _still_ending(session: AsyncSession, alert: Alert) -> tuple[Placement, Household, Offer] | None:
    """The stay the alert announced, if it is still in progress and still ends on the date it announced."""
    stay = await session.get(Placement, alert.placement_id)
    if stay is None or stay.status != PlacementStatus.ACTIVE or stay.planned_end is None:
        return None
    if f":{stay.planned_end.isoformat()}:" not in alert.key:
        return None  # the end date changed since: the new date has its own alerts
    household = await session.get(Household, stay.household_id)
    offer = await session.get(Offer, stay.offer_id)
    assert household is not None and offer is not None
    return stay, household, offer


async def _render_staff(session: AsyncSession, alert: Alert, t: Translator, now: datetime) -> Reply | None:
    found = await _still_ending(session, alert)
    return None if found is None else placement_alert(t, *found, paris_day(now))


async def _render_host(session: AsyncSession, alert: Alert, t: Translator, now: datetime) -> Reply | None:
    found = await _still_ending(session, alert)
    return None if found is None else host_question(t, *found)


STAFF = AlertKind(name="placement_end", label=N_("Placement ending"), due=_staff_due, render=_render_staff)
HOST = AlertKind(name="host_end", label=N_("End of stay: question to the host"), due=_host_due,
                 render=_render_host)  # fmt: skip


def placement_alert(t: Translator, stay: Placement, household: Household, offer: Offer, today: date) -> Reply:
    """To the caseworker and coordinators: the stay ends in n days; rehousing found, extend, or open it."""
    assert stay.planned_end is not None and stay.id is not None
    left = (stay.planned_end - today).days
    if offer.host_id:
        host = t._('host: <a href="tg://user?id={id}">on Telegram</a>').format(id=offer.host_id)
    elif offer.anonymised_at is not None and not offer.managed_by:
        host = t._("the host removed their data from the bot")
    else:
        host = t._("managed by: {organisation}").format(organisation=esc(offer.managed_by or "—"))
    text = "\n".join(
        [
            "⏰ " + (t.n_("A placement ends in {n} day", "A placement ends in {n} days", left).format(n=left)
                    if left > 0 else t._("A placement ends today") if left == 0
                    else t.n_("A placement was to end {n} day ago", "A placement was to end {n} days ago",
                              -left).format(n=-left)),
            t._("Household {reference} ({people})").format(
                reference=esc(household.reference), people=people(t, household.adults + household.children)),
            t._("Place #{offer}, {commune} ({departement}), {host}").format(
                offer=offer.id, commune=esc(offer.commune_name), departement=offer.departement, host=host),
            t._("Planned end: {date}").format(date=t.date(stay.planned_end)),
        ]
    )  # fmt: skip
    buttons = [
        [Button(t._("Rehousing found"), PlacementAlert("rehoused", stay.id)),
         Button(t._("Extend until…"), PlacementAlert("extend", stay.id))],
        [Button(t._("Open placement"), PlacementAlert("open", stay.id))],
    ]  # fmt: skip
    return Reply(text, buttons)


def host_question(t: Translator, stay: Placement, household: Household, offer: Offer) -> Reply:
    """To the host: does the stay end as planned?"""
    assert stay.planned_end is not None and stay.id is not None
    text = t._("Does the stay in your place #{offer} end as planned on {date}?").format(
        offer=offer.id, date=t.date(stay.planned_end)
    )
    buttons = [
        [Button(t._("Yes"), StayEnd("yes", stay.id))],
        [Button(t._("It will be extended until…"), StayEnd("later", stay.id))],
        [Button(t._("It must end earlier"), StayEnd("earlier", stay.id))],
    ]
    return Reply(text, buttons)


async def on_staff_button(ctx: Ctx, pressed: PlacementAlert) -> list[Reply]:
    """A caseworker's answer under a placement alert: rehousing found, extend, or open the placement."""
    if pressed.action == "rehoused":
        return await placement.begin_departure(ctx, pressed.placement_id)
    if pressed.action == "extend":
        return await placement.begin_extension(ctx, pressed.placement_id)
    row = await casework.placement_for(ctx.session, ctx.actor, pressed.placement_id, Action.SEE_PLACEMENTS)
    return [placement_card(ctx, *row)]


async def on_host_button(ctx: Ctx, pressed: StayEnd) -> list[Reply]:
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
