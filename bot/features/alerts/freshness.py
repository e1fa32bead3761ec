"""An offer not confirmed for a while (14 days by default, `/freshness`): its host is asked "still available?";
without an answer within a week, the offer is flagged stale and leaves the default search."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.messages import Reply
from bot.domain.offers import Qualification, Status
from bot.domain.reminders import DEFAULT_FRESHNESS_DAYS, GRACE_DAYS
from bot.features.alerts.base import AlertKind, Sweep
from bot.features.hosting.offers import still_available_question
from bot.i18n import N_, Translator
from storage import offers, reminders
from storage.models import Alert, Offer


async def _due(session: AsyncSession, sweep: Sweep) -> list[dict[str, Any]]:
    shortest = min([DEFAULT_FRESHNESS_DAYS, *(row.freshness_days for row in sweep.settings.values())])
    due = []
    for silent in await reminders.unconfirmed_offers(session, sweep.now - timedelta(days=shortest)):
        ask_at = silent.last_confirmed_at + timedelta(days=sweep.freshness_days(silent.departement))
        if ask_at <= sweep.now:
            due.append(KIND.row(f"fr:{silent.offer_id}:{silent.last_confirmed_at.isoformat()}", silent.host_id,
                                ask_at, offer_id=silent.offer_id, departement=silent.departement))  # fmt: skip
    return due


async def _render(session: AsyncSession, alert: Alert, t: Translator, now: datetime) -> Reply | None:
    offer = await session.get(Offer, alert.offer_id)
    if (
        offer is None
        or offer.status != Status.AVAILABLE
        or offer.qualification == Qualification.TURNED_DOWN
        or not alert.key.endswith(offer.last_confirmed_at.isoformat())
    ):
        return None  # confirmed, paused, withdrawn or turned down meanwhile
    return still_available_question(t, offer)


async def _flag_stale(session: AsyncSession, sweep: Sweep) -> None:
    """Offers whose host was asked a week ago and never answered."""
    asked_before = sweep.now - timedelta(days=GRACE_DAYS)
    for offer_id in await reminders.mark_stale(session, KIND.name, asked_before, sweep.now):
        await offers.record(session, offer_id, None, "stale", sweep.now)


KIND = AlertKind(name="freshness", label=N_("Still available? (question to the host)"), due=_due,
                 render=_render, after_sweep=_flag_stale)  # fmt: skip
