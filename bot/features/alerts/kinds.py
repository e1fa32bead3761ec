"""Every kind of alert, and the two things done with all of them: the periodic sweep that records those due,
and the rendering of one when it is sent.

A new kind: a module in this package declaring its `AlertKind` (name, label, when it is due, what it says,
its buttons' answers), listed in `KINDS`; a query in `storage/reminders.py` if it needs one; the catalogs; tests.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.messages import Reply
from bot.domain.reminders import is_late, paris_day
from bot.features.alerts import consent, digest, freshness, keepers, new_places, offer_end, stay_end
from bot.features.alerts.base import AlertKind, Sweep
from bot.i18n import translator
from storage import alerts, users
from storage.models import Alert

KINDS: tuple[AlertKind, ...] = (
    stay_end.STAFF, stay_end.HOST, offer_end.KIND, freshness.KIND, keepers.KIND, digest.KIND, consent.REMINDER,
    consent.LAPSED, new_places.KIND,
)  # fmt: skip
BY_NAME = {kind.name: kind for kind in KINDS}
LABELS = {kind.name: kind.label for kind in KINDS}
assert len(BY_NAME) == len(KINDS), "two kinds of alert with the same name"


async def sweep(session: AsyncSession, now: datetime) -> int:
    """Record every alert due by `now` (and what each kind does after); how many new ones."""
    moment = Sweep(now, paris_day(now), await alerts.milestones_by_departement(session))
    due = [row for kind in KINDS for row in await kind.due(session, moment)]
    created = await alerts.record_due(session, due)
    for kind in KINDS:
        if kind.after_sweep is not None:
            await kind.after_sweep(session, moment)
    return created


async def render(
    session: AsyncSession, alerts: list[Alert], now: datetime
) -> list[tuple[Reply, list[Alert]]]:
    """The messages for these alerts (of one kind, to one recipient) in the recipient's language, each with the
    alerts it carries; an alert carried by none no longer holds what it announced."""
    if alerts[0].recipient_id is None:  # erased meanwhile
        return []
    recipient = await users.find(session, alerts[0].recipient_id)
    t = translator(recipient.language if recipient else None)
    said = await BY_NAME[alerts[0].kind].say(session, alerts, t, now)
    for reply, carried in said:
        if any(is_late(alert.due_at, now) for alert in carried):
            reply.text = t._("(Sent late: the bot was unavailable at the planned time.)") + "\n" + reply.text
    return said
