"""What every kind of alert declares (see `kinds.py` for the list of kinds).

An alert is recorded by the periodic sweep as a row with a unique key (a second sweep, a restart or another
process adds nothing), and rendered when it is sent, in its recipient's language: if what it announced no
longer holds (the stay ended, the end date moved, the offer was confirmed meanwhile) it renders as None and
nothing is sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.messages import Reply
from bot.domain.reminders import DEFAULT_FRESHNESS_DAYS, DEFAULT_MILESTONES
from bot.i18n import Translator
from storage import alerts
from storage.models import Alert, DepartementSettings


@dataclass(frozen=True)
class Sweep:
    """What one sweep knows, read once for every kind: the moment, and each département's settings."""

    now: datetime
    today: date  # in France
    settings: Mapping[str, DepartementSettings]

    def milestones(self, departement: str) -> tuple[int, ...]:
        row = self.settings.get(departement)
        return tuple(row.milestones) if row and row.milestones else DEFAULT_MILESTONES

    def freshness_days(self, departement: str) -> int:
        row = self.settings.get(departement)
        return row.freshness_days if row else DEFAULT_FRESHNESS_DAYS


Render = Callable[[AsyncSession, Alert, Translator, datetime], Awaitable[Reply | None]]
# Several alerts of one kind due to one recipient, said together: each message with the alerts it carries
# (an alert in none of them no longer holds, and is not sent).
RenderTogether = Callable[
    [AsyncSession, list[Alert], Translator, datetime], Awaitable[list[tuple[Reply, list[Alert]]]]
]


async def one_by_one(session: AsyncSession, alerts: list[Alert], t: Translator, now: datetime,
                     render: Render) -> list[tuple[Reply, list[Alert]]]:  # fmt: skip
    """Alerts said each in its own message."""
    said = []
    for alert in alerts:
        reply = await render(session, alert, t, now)
        if reply is not None:
            said.append((reply, [alert]))
    return said


@dataclass(frozen=True)
class AlertKind:
    """One kind of alert. `due` lists the alerts due by the sweep's moment (rows made with `row`); `render`
    says it to its recipient (None: no longer true, not sent), or `render_together` says all those due to one
    recipient at once (e.g. one message listing several offers); `after_sweep` is what else the sweep does for
    this kind (e.g. flag offers whose host never answered)."""

    name: str  # stored in alerts.kind
    label: str  # in exports and /alerts (English source, marked with N_)
    due: Callable[[AsyncSession, Sweep], Awaitable[list[dict[str, Any]]]]
    render: Render | None = None
    after_sweep: Callable[[AsyncSession, Sweep], Awaitable[None]] | None = None
    render_together: RenderTogether | None = None

    async def say(
        self, session: AsyncSession, alerts: list[Alert], t: Translator, now: datetime
    ) -> list[tuple[Reply, list[Alert]]]:
        """The messages for these alerts (all of this kind, to one recipient), each with the alerts it carries."""
        if self.render_together is not None:
            return await self.render_together(session, alerts, t, now)
        assert self.render is not None, f"{self.name}: render or render_together"
        return await one_by_one(session, alerts, t, now, self.render)

    def row(self, key: str, recipient: int, due: datetime, **refs: Any) -> dict[str, Any]:
        """An alert row; `key` is unique across kinds (start it with a prefix of the kind's own)."""
        row = {"key": key, "kind": self.name, "recipient_id": recipient, "due_at": due, "next_attempt_at": due,
               "status": alerts.PENDING, "attempts": 0, "late": False, "placement_id": None, "offer_id": None,
               "milestone": None, "departement": None}  # fmt: skip
        return {**row, **refs}  # every row has the same columns: they are inserted together
