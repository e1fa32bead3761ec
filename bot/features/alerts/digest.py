"""The weekly digest: on Monday morning, coordinators who asked for it (`/digest on`) get their territory's week."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.messages import Reply
from bot.domain.reminders import MORNING, PARIS, morning_of
from bot.features.alerts.base import AlertKind, Sweep
from bot.features.coordination.settings import digest_text
from bot.i18n import N_, Translator
from storage import alerts
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
    return Reply(await digest_text(session, t, alert.recipient_id, now))


KIND = AlertKind(name="digest", label=N_("Weekly digest"), due=_due, render=_render)
