"""Where a waiting household is now, which orders the waiting list: declared once, with a weight each.

Only what makes a stay urgent: never nationality, origin or religion. Coordinators switch situations off for
their département (`/situations`); a switched-off situation is neither asked nor counted. A household's
priority is the sum of the weights of its situations that are on; the waiting list shows the highest first,
then the longest waiting. A household whose situation nobody stated (recorded before it was asked) has no
priority: it comes after the others, by waiting time, and is shown as not stated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bot.i18n import N_


@dataclass(frozen=True)
class Situation:
    name: str  # stored in households.situations and departement_settings.situations_off
    label: str  # the tick in /household, the line in /waiting and /situations
    weight: int


SITUATIONS: Final = (
    Situation("street", N_("Sleeping rough"), 100),
    Situation("shelter", N_("In an emergency shelter"), 60),
    Situation("hotel", N_("In a hotel, night after night"), 50),
    Situation("hosting_ends", N_("Hosted, but it ends soon"), 40),
    Situation("young_children", N_("Very young children (under 3)"), 30),
    Situation("medical", N_("Medical needs"), 30),
)
VERY_YOUNG_AGE: Final = 3
"""A child younger than this makes the household count as "very young children" in matching."""
SITUATION_BY_NAME: Final = {situation.name: situation for situation in SITUATIONS}


def in_use(switched_off: Iterable[str] | None) -> tuple[Situation, ...]:
    """The situations a département asks and counts (all but those its coordinators switched off)."""
    off = set(switched_off or ())
    return tuple(situation for situation in SITUATIONS if situation.name not in off)


def priority(situations: Iterable[str] | None, switched_off: Iterable[str] | None) -> int | None:
    """The household's priority in its département; None when its situation was never stated."""
    if situations is None:
        return None
    counted = {situation.name: situation.weight for situation in in_use(switched_off)}
    return sum(counted.get(name, 0) for name in set(situations))


def waiting_order(
    household_priority: int | None, recorded_at: datetime, household_id: int
) -> tuple[bool, int, datetime, int]:
    """Sort key of the waiting list: stated priorities first, highest first, then the longest waiting."""
    return (household_priority is None, -(household_priority or 0), recorded_at, household_id)
