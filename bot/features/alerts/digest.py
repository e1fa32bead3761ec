"""The weekly digest: on Monday morning, coordinators who asked for it (`/digest on`) get their territory's week."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.messages import Reply, esc
from bot.domain import reminders
from bot.domain.access import Action
from bot.domain.reminders import MORNING, PARIS, morning_of
from bot.features.alerts.base import AlertKind, Sweep
from bot.i18n import N_, Translator
from bot.services import casework
from storage import alerts, offers, roles
from storage import reminders as reminder_queries
from storage.models import Alert


async def _due(session: AsyncSession, sweep: Sweep) -> list[dict[str, Any]]:
    local = sweep.now.astimezone(PARIS)
    if local.weekday() != 0 or local.time() < MORNING:
        return []
    year, week, _ = local.isocalendar()
    return [
        KIND.row(f"dg:{subscriber}:{year}-{week:02d}", subscriber, morning_of(local.date()))
        for subscriber in await alerts.digest_subscribers(session)
    ]


async def _render(session: AsyncSession, alert: Alert, t: Translator, now: datetime) -> Reply | None:
    if alert.recipient_id is None:  # erased meanwhile
        return None
    return Reply(await digest_text(session, t, alert.recipient_id, now))


async def digest_text(session: AsyncSession, t: Translator, coordinator_id: int, now: datetime) -> str:
    actor = await roles.actor_of(session, coordinator_id)
    territory = actor.territory(Action.SEE_PLACEMENTS)
    today = reminders.paris_day(now)
    ending = [
        row for row in await casework.open_placements(session, actor)
        if row[0].planned_end and today <= row[0].planned_end <= today + timedelta(days=30)
    ] if territory else []  # fmt: skip
    stale = await reminder_queries.stale_counts(session, territory)
    to_qualify = await offers.count_to_qualify(session, territory)
    lines = [
        t._("<b>Weekly digest</b> ({departements})").format(departements=", ".join(sorted(territory)) or "—")
    ]
    lines.append(t.n_("{n} placement ends in the next 30 days", "{n} placements end in the next 30 days",
                      len(ending)).format(n=len(ending)))  # fmt: skip
    for placed, family, offer in ending[:10]:
        assert placed.planned_end is not None
        lines.append(
            f"• {esc(family.reference)} — #{offer.id} {esc(offer.commune_name)} — {t.date(placed.planned_end)}"
        )
    total_stale = sum(stale.values())
    lines.append(t.n_("{n} offer not re-confirmed by its host (stale)", "{n} offers not re-confirmed by their hosts (stale)",
                      total_stale).format(n=total_stale))  # fmt: skip
    lines.append(t.n_("{n} new offer to qualify", "{n} offers to qualify", to_qualify).format(n=to_qualify))
    return "\n".join(lines)


KIND = AlertKind(name="digest", label=N_("Weekly digest"), due=_due, render=_render)
