"""The host consents: a proposal waits for the host's answer until a deadline (per département), with a
reminder at half time; what they answer, why they decline, and the figures coordinators see. Pure.

The use cases are in `bot.services.consent`, the messages in `bot.features.casework.consent`, the deadline and
the reminder are alert kinds (`bot.features.alerts.consent`).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.i18n import N_

DEFAULT_CONSENT_HOURS = 48
CONSENT_HOURS_RANGE = (1, 168)  # what /consent accepts: an hour to a week


class HostConsent(StrEnum):
    """What became of a proposal to a host (`Placement.host_answer`); None while it waits."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    TIMED_OUT = "timed_out"  # the deadline passed without an answer


class DeclineReason(StrEnum):
    """Why a host declines a proposal: they pick one, their caseworker and /stats read it."""

    DATES = "dates"
    TOO_MANY = "too_many"
    CHILDREN = "children"
    PETS = "pets"
    NOT_AVAILABLE = "not_available"
    OTHER = "other"


DECLINE_LABELS: dict[str, str] = {  # as the host chooses, the caseworker and coordinators read
    DeclineReason.DATES: N_("The dates do not suit"),
    DeclineReason.TOO_MANY: N_("Too many people"),
    DeclineReason.CHILDREN: N_("Cannot welcome children now"),
    DeclineReason.PETS: N_("Cannot welcome a pet"),
    DeclineReason.NOT_AVAILABLE: N_("The place is no longer available"),
    DeclineReason.OTHER: N_("Another reason"),
}


def deadline(proposed_at: datetime, hours: int) -> datetime:
    return proposed_at + timedelta(hours=hours)


def reminder_at(proposed_at: datetime, due_at: datetime) -> datetime:
    """Half way to the deadline."""
    return proposed_at + (due_at - proposed_at) / 2


@dataclass(frozen=True)
class Outcome:
    """One proposal to a host that ended: how, when it was made and answered (or lapsed), and why."""

    answer: HostConsent
    proposed_at: datetime
    answered_at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class ConsentFigures:
    """Proposals to hosts in a territory: how many were accepted, declined (by reason) or lapsed; the share
    accepted; the median time to a host's answer (hours)."""

    accepted: int
    declined: int
    timed_out: int
    declines_by_reason: dict[str, int]
    median_hours_to_answer: float | None

    @property
    def ended(self) -> int:
        return self.accepted + self.declined + self.timed_out

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.ended if self.ended else None


def figures(outcomes: Iterable[Outcome]) -> ConsentFigures:
    counts = dict.fromkeys(HostConsent, 0)
    reasons: dict[str, int] = {}
    hours = []
    for outcome in outcomes:
        counts[outcome.answer] += 1
        if outcome.answer is HostConsent.DECLINED:
            reason = outcome.reason or DeclineReason.OTHER
            reasons[reason] = reasons.get(reason, 0) + 1
        if outcome.answer is not HostConsent.TIMED_OUT:
            hours.append((outcome.answered_at - outcome.proposed_at).total_seconds() / 3600)
    return ConsentFigures(
        counts[HostConsent.ACCEPTED], counts[HostConsent.DECLINED], counts[HostConsent.TIMED_OUT],
        dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0]))),
        statistics.median(hours) if hours else None,
    )  # fmt: skip
