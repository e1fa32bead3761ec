"""A proposal waits for its host's consent: the host is reminded at half time; past the deadline without an
answer, the proposal is released (the place is available again) and its caseworker told, with the next best
places for the household. The deadline is set per département (/consent, 48 hours by default)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.messages import Reply
from bot.domain.consent import reminder_at
from bot.domain.reminders import paris_day
from bot.features.alerts.base import AlertKind, Sweep
from bot.features.casework.consent import host_question, released_notice
from bot.i18n import N_, Translator
from bot.services import consent
from bot.services.consent import State
from storage import reminders
from storage.models import Alert


async def _reminders_due(session: AsyncSession, sweep: Sweep) -> list[dict[str, Any]]:
    due = []
    for waiting in await reminders.proposals_waiting(session):
        at = reminder_at(waiting.proposed_at, waiting.due_at)
        if at <= sweep.now < waiting.due_at:
            due.append(REMINDER.row(f"cr:{waiting.placement_id}", waiting.host_id, at,
                                    placement_id=waiting.placement_id, departement=waiting.departement))  # fmt: skip
    return due


async def _lapsed_due(session: AsyncSession, sweep: Sweep) -> list[dict[str, Any]]:
    """The caseworkers of proposals past their deadline, and the coordinators who proposed them (released right
    after, by `_release`)."""
    return [
        LAPSED.row(f"cl:{waiting.placement_id}" if user == waiting.caseworker_id else f"clp:{waiting.placement_id}",
                   user, waiting.due_at, placement_id=waiting.placement_id, departement=waiting.departement)
        for waiting in await reminders.proposals_waiting(session)
        if waiting.due_at <= sweep.now
        for user in consent.told_of_answer(waiting)
    ]  # fmt: skip


async def _release(session: AsyncSession, sweep: Sweep) -> None:
    await consent.release_lapsed(session, sweep.now)


async def _render_reminder(session: AsyncSession, alert: Alert, t: Translator, now: datetime) -> Reply | None:
    proposal = await consent.proposal_of(session, alert.placement_id or 0)
    if proposal is None or proposal.state is not State.WAITING:
        return None  # answered, withdrawn or arrived meanwhile
    placement = proposal.placement
    if placement.consent_due_at is None or placement.consent_due_at <= now:
        return None  # lapsed: the caseworker is told
    return host_question(t, placement, proposal.household, proposal.offer, paris_day(now), reminder=True)


async def _render_lapsed(session: AsyncSession, alert: Alert, t: Translator, now: datetime) -> Reply | None:
    proposal = await consent.proposal_of(session, alert.placement_id or 0)
    if proposal is None or proposal.state is not State.LAPSED:
        return None
    return await released_notice(
        session, proposal, t, paris_day(now), now, to_user=None
    )  # to the alert's recipient


REMINDER = AlertKind(name="consent_reminder", label=N_("Proposal: reminder to the host"), due=_reminders_due,
                     render=_render_reminder)  # fmt: skip
LAPSED = AlertKind(name="consent_lapsed", label=N_("Proposal: no answer from the host in time"), due=_lapsed_due,
                   render=_render_lapsed, after_sweep=_release)  # fmt: skip
