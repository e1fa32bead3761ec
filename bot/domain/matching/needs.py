"""What matching needs to know of a household and of a place, and the order of priority.

A household record holds no name: its composition, needs, where and when it wants to live, and its
situation. The situation gives its priority through a list each département can reorder; nationality,
origin or religion are not situations and cannot be one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from bot.domain import situations as declared
from bot.domain.dates import MAX_DURATION_DAYS
from bot.domain.offer_schema import MAX_PEOPLE
from bot.domain.search.criteria import KNOWN_LANGUAGES, MAX_RADIUS_KM, Criteria
from bot.domain.search.ranking import OfferFacts

SITUATIONS: Final = tuple(situation.name for situation in declared.SITUATIONS)
"""The situations a household can be in (declared once, with their weights, in ``bot.domain.situations``)."""

YOUNG_CHILDREN: Final = "young_children"
"""The situation a child younger than :data:`bot.domain.situations.VERY_YOUNG_AGE` puts the household in."""
MAX_CHILD_AGE: Final = 17

COLLECTIVE_KINDS: Final = frozenset({"hotel", "holiday_centre", "company", "other_collective"})
"""Kinds of place that can take several households at once (the offer schema's KINDS)."""


@dataclass(frozen=True)
class HouseholdNeeds:
    """What matching reads of a waiting household (no name, no origin).

    ``near`` (latitude, longitude) with ``radius_km``: within that distance; ``near`` without a
    radius, or no ``near``: anywhere in ``departement`` (nearer ranks higher when ``near`` is
    given). ``start`` None: as soon as possible; ``days`` None: for an unknown time.
    ``waiting_since``: the day it was recorded (how long it has waited; None: not known, counted as today).
    ``unaged_children``: children whose age nobody recorded (households recorded before ages were asked):
    they count as people and as a need for children, never as an age.
    ``situations`` are names of :data:`SITUATIONS`; a child younger than
    :data:`bot.domain.situations.VERY_YOUNG_AGE` adds :data:`YOUNG_CHILDREN`. Out-of-range values raise ValueError.
    """

    id: int
    departement: str
    adults: int
    children_ages: tuple[int, ...] = ()
    unaged_children: int = 0
    step_free: bool = False
    pets: bool = False
    languages: tuple[str, ...] = ()
    near: tuple[float, float] | None = None
    near_label: str | None = None
    radius_km: float | None = None
    start: date | None = None
    days: int | None = None
    situations: frozenset[str] = frozenset()
    waiting_since: date | None = None

    def __post_init__(self) -> None:
        """Refuse a record no search could read (the dialogues validate answers before)."""
        if self.adults < 0 or self.unaged_children < 0 or not 1 <= self.people <= MAX_PEOPLE:
            raise ValueError(f"bad composition: {self.adults} adults, {self.children} children")
        if any(not 0 <= age <= MAX_CHILD_AGE for age in self.children_ages):
            raise ValueError(f"bad child age: {self.children_ages}")
        if not set(self.languages) <= set(KNOWN_LANGUAGES) or len(set(self.languages)) != len(self.languages):
            raise ValueError(f"bad languages: {self.languages}")
        if not self.situations <= set(SITUATIONS):
            raise ValueError(f"unknown situations: {sorted(self.situations - set(SITUATIONS))}")
        if self.radius_km is not None and (self.near is None or not 0.0 < self.radius_km <= MAX_RADIUS_KM):
            raise ValueError(f"bad radius: {self.radius_km}")
        if self.days is not None and not 1 <= self.days <= MAX_DURATION_DAYS:
            raise ValueError(f"bad duration: {self.days}")

    @property
    def children(self) -> int:
        return len(self.children_ages) + self.unaged_children

    @property
    def people(self) -> int:
        return self.adults + self.children

    @property
    def needs(self) -> frozenset[str]:
        """Names of the offer schema's NEEDS this household has."""
        return frozenset(
            name
            for name, needed in (
                ("step_free", self.step_free),
                ("pets", self.pets),
                ("children", self.children > 0),
            )
            if needed
        )

    def all_situations(self) -> frozenset[str]:
        """The situations recorded, and :data:`YOUNG_CHILDREN` when a child is that young."""
        if any(age < declared.VERY_YOUNG_AGE for age in self.children_ages):
            return self.situations | {YOUNG_CHILDREN}
        return self.situations

    def criteria(self) -> Criteria:
        """The search for exactly this household's needs (stale offers included, marked)."""
        return Criteria(
            departements=(self.departement,), near=self.near, near_label=self.near_label,
            radius_km=self.radius_km, people=self.people, start=self.start, days=self.days,
            needs=self.needs, languages=self.languages, include_stale=True,
        )  # fmt: skip


def priorities(households: Sequence[HouseholdNeeds], switched_off: Iterable[str]) -> list[int]:
    """Each household's priority in its département: the weights of its situations that are on
    (``bot.domain.situations.priority``), 0 for none."""
    off = tuple(switched_off)
    return [declared.priority(household.all_situations(), off) or 0 for household in households]


def priority_levels(priority: Sequence[int]) -> list[int]:
    """Each household's level, 0 for the most urgent: its priority (:func:`priorities`) ranked among those of
    the households planned together."""
    ranks = {value: level for level, value in enumerate(sorted(set(priority), reverse=True))}
    return [ranks[value] for value in priority]


@dataclass(frozen=True)
class Place:
    """An offer as matching sees it: its facts, and how many households it can take at once.

    ``households`` is 1 for a room or a dwelling; a collective place may take several, as long as
    their people add up to at most ``facts.people``.
    """

    facts: OfferFacts
    households: int = 1

    def __post_init__(self) -> None:
        """Refuse a capacity no place has."""
        if not 1 <= self.households <= max(1, self.facts.people):
            raise ValueError(f"bad household capacity: {self.households}")


def household_capacity(kind: str | None, bedrooms: int | None, people: int) -> int:
    """How many households an offer can take: one for a home; for a collective place, one per
    bedroom when the host stated them, else as many as its people (its people then bind)."""
    if kind not in COLLECTIVE_KINDS:
        return 1
    return max(1, min(people, bedrooms)) if bedrooms else max(1, people)
