"""Why nothing matches: the searches that each drop one constraint of a household's criteria.

When no available place meets a household's needs, the constraint that excludes everything is the one whose
removal alone brings places back ("no place accepts pets in 44"). Pure: the caller counts the matches of
each relaxed search.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.domain.search.criteria import Criteria


@dataclass(frozen=True)
class Relaxed:
    """The criteria without one constraint. `constraint`: "people", "distance", "start", "days", or the
    name of a need of the offer schema."""

    constraint: str
    criteria: Criteria


def one_at_a_time(criteria: Criteria) -> list[Relaxed]:
    """Each constraint of the criteria dropped in turn (languages only order the results: never dropped)."""
    relaxed = [
        Relaxed(need, replace(criteria, needs=criteria.needs - {need})) for need in sorted(criteria.needs)
    ]
    if criteria.people > 1:
        relaxed.append(Relaxed("people", replace(criteria, people=1)))
    if criteria.near is not None and criteria.radius_km is not None:
        relaxed.append(Relaxed("distance", replace(criteria, radius_km=None)))
    if criteria.start is not None:
        relaxed.append(Relaxed("start", replace(criteria, start=None)))
    if criteria.days is not None:
        relaxed.append(Relaxed("days", replace(criteria, days=None)))
    return relaxed


def anything(criteria: Criteria) -> Criteria:
    """The same territory with no constraint: is any place available there at all?"""
    return Criteria(departements=criteria.departements, include_stale=criteria.include_stale)
