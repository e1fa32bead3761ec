"""Whether a pair of the plan is worth proposing now, or whether its household had better wait for a better place.

A plan houses whoever can be housed today. Proposing every pair at once is myopic: a household that could
wait takes a place that fits it poorly, and the place is gone for the household it would suit. Letting
households that can wait stay in the pool for a few days makes the pool "thicker": the next plans choose among
more households and more places (the patient policies of dynamic matching). Measured on the benchmark
(``bench/matching.py``, ``docs/matching.md``): the total fit rises from under 90 % of the hindsight optimum
(every arrival known in advance) to about 95 %, at the price of a longer mean wait.

The rule, for a pair of the plan (pure, used the same way by the benchmark's policy and by ``/match``):

- never wait when the household's priority reaches that of sleeping rough (:data:`NEVER_HOLD_PRIORITY`);
- otherwise the household may wait :data:`MAX_HOLD_DAYS` days from its recording, fewer the more urgent
  it is (:func:`hold_days`); past them, the pair is proposed whatever its fit;
- within them, the pair is advised to wait when the search's score of its place is below :data:`GOOD_ENOUGH`
  of the household's ideal score (:func:`ideal_score`: what a perfect place would score for exactly its
  needs). The score is the fit without the penalties for what is not qualified, not stated or stale: those
  are caveats, shown as such, not a measure of how well the place suits the household.

The advice never decides: a person reads it and may still tick the pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from bot.domain import situations
from bot.domain.matching.needs import HouseholdNeeds
from bot.domain.search import ranking

MAX_HOLD_DAYS: Final = 14
"""Longest a household in no priority situation is advised to wait for a better place (from its recording)."""
NEVER_HOLD_PRIORITY: Final = situations.SITUATION_BY_NAME["street"].weight
"""A household this urgent (sleeping rough, or situations adding up to as much) is never advised to wait."""
HOLD_PRIORITY_SPAN: Final = 2 * NEVER_HOLD_PRIORITY
"""Each priority point shortens the wait by 1/HOLD_PRIORITY_SPAN of :data:`MAX_HOLD_DAYS` (a shelter, 60: 10
days; very young children, 30: 12 days)."""
GOOD_ENOUGH: Final = 0.9
"""A pair whose place scores at least this share of the household's ideal score is proposed at once."""


@dataclass(frozen=True)
class Hold:
    """The advice to wait for a better place: the place's score as a share of the household's ideal score
    (``share``, 0–1), and how many more days the household may wait (``days_left``, at least 1)."""

    share: float
    days_left: int


def ideal_score(household: HouseholdNeeds) -> float:
    """The search's score of a perfect place for this household: freshly confirmed, exactly its size, in its commune
    (when it named one), open-ended, speaking two of its languages (as many as it speaks, up to two)."""
    return (
        ranking.W_FRESH
        + ranking.W_CAPACITY
        + (ranking.W_DISTANCE if household.near is not None else 0.0)
        + ranking.W_LENGTH
        + ranking.W_LANGUAGE * min(2, len(household.languages))
    )


def hold_days(priority: int) -> int:
    """How many days from its recording a household of this priority may be advised to wait."""
    if priority >= NEVER_HOLD_PRIORITY:
        return 0
    return round(MAX_HOLD_DAYS * max(0.0, 1.0 - priority / HOLD_PRIORITY_SPAN))


def advice(household: HouseholdNeeds, score: float, priority: int, today: date) -> Hold | None:
    """A :class:`Hold` when the household had better wait for a better place than this pair's (``score``: the
    search's score of the place for it, ``ranking.Match.score``; ``priority``: its priority in its
    département), None to propose it now."""
    waited = (today - household.waiting_since).days if household.waiting_since else 0
    days_left = hold_days(priority) - max(0, waited)
    share = max(0.0, score) / ideal_score(household)
    if days_left <= 0 or share >= GOOD_ENOUGH:
        return None
    return Hold(round(share, 2), days_left)
