"""Statistics of a territory for coordinators: what the figures mean and how they are put together.

Pure: no I/O, no clock, no Telegram. :mod:`storage.statistics` runs aggregate queries (a few small
result sets, never one row per offer) and feeds them to a :class:`Tally`, which builds the
:class:`TerritoryStatistics` for the whole territory and for each of its départements.

Definitions
-----------
* **Offers by status** (withdrawn offers are left out): available, reserved, occupied, paused and
  *stale* — an available offer whose host did not re-confirm it (``stale_since`` set) is counted as
  stale, not as available. *To qualify*: available (stale or not) or paused, not yet qualified.
* **Places available**: people the available, non-stale offers can welcome (their ``people``).
  **Places occupied**: people living in active placements (the household's size, unless a correction said
  fewer or more moved in).
* **Ending soon**: active placements whose planned end is between today and today + 7 / 30 / 60 days
  (bounds included; a planned end already passed is not "ending soon").
* **Weeks**: the last ``weeks`` ISO weeks (Monday to Sunday), the current one included, oldest
  first, zeros included. *New offers*: offers submitted that week (whatever became of them since;
  weeks follow the French calendar, Europe/Paris). *New placements*: arrivals, i.e. placements that
  started that week (active or ended, by ``start_date``); cancelled proposals are not placements, an
  arrival undone (recorded by mistake) is not one, and a household's arrival in a place counts once (a stay
  closed and recorded again for the same household in the same place counts on its first start).
* **Delays**, in whole days (24-hour periods) from the offer's submission: to its qualification
  (qualified or turned down, ``qualified_at``), and to its first placement (the first proposal
  recorded for it, whatever its fate). Medians over the offers that have one; None without any.
* **Département** of a placement: the département of the place (the offer), not of the household.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from bot.domain.offers import Status

WEEKS: Final = 12
"""Weeks shown by default in the trends."""
HORIZONS: Final = (7, 30, 60)
"""Days ahead for "placements ending soon"."""


@dataclass(frozen=True)
class OfferCounts:
    """Offers by status; ``stale`` offers are not in ``available``. ``to_qualify`` overlaps the others."""

    available: int = 0
    reserved: int = 0
    occupied: int = 0
    paused: int = 0
    stale: int = 0
    to_qualify: int = 0

    @property
    def total(self) -> int:
        """Every offer that is not withdrawn."""
        return self.available + self.reserved + self.occupied + self.paused + self.stale


@dataclass(frozen=True)
class EndingSoon:
    """Active placements whose planned end is within 7, 30, 60 days (each includes the shorter ones)."""

    in_7_days: int = 0
    in_30_days: int = 0
    in_60_days: int = 0


@dataclass(frozen=True)
class Week:
    """One ISO week, from Monday ``start``."""

    start: date
    new_offers: int = 0
    new_placements: int = 0

    @property
    def end(self) -> date:
        """The Sunday."""
        return self.start + timedelta(days=6)

    @property
    def number(self) -> int:
        """The ISO week number (1–53)."""
        return self.start.isocalendar().week


@dataclass(frozen=True)
class Delays:
    """Median whole days from submission to qualification and to the first placement, and over how
    many offers each median was taken (None when there is none)."""

    days_to_qualification: float | None = None
    qualified_offers: int = 0
    days_to_first_placement: float | None = None
    placed_offers: int = 0


@dataclass(frozen=True)
class Figures:
    """Every figure for one area: the whole territory or one département."""

    offers: OfferCounts
    places_available: int
    places_occupied: int
    ending: EndingSoon
    weeks: tuple[Week, ...]
    delays: Delays


@dataclass(frozen=True)
class TerritoryStatistics:
    """The figures of a territory and of each of its départements (all of them, even without data,
    in ``departements`` order)."""

    today: date
    departements: tuple[str, ...]
    territory: Figures
    by_departement: Mapping[str, Figures]


def week_starts(today: date, weeks: int = WEEKS) -> tuple[date, ...]:
    """The Mondays of the last ``weeks`` ISO weeks, the current week last."""
    if weeks < 1:
        raise ValueError("at least one week")
    current = today - timedelta(days=today.weekday())
    return tuple(current - timedelta(weeks=back) for back in range(weeks - 1, -1, -1))


def median(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as {value: how many times}; None when empty."""
    total = sum(count for count in histogram.values() if count > 0)
    if total == 0:
        return None
    # The two middle positions (0-based); the same one when total is odd.
    low_rank, high_rank = (total - 1) // 2, total // 2
    low = high = None
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        if count <= 0:
            continue
        seen += count
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    assert low is not None and high is not None
    return (low + high) / 2


class _Area:
    """Running totals for one area."""

    def __init__(self, weeks: int) -> None:
        self.offers: Counter[str] = Counter()
        self.places_available = 0
        self.places_occupied = 0
        self.ending: Counter[int] = Counter()
        self.new_offers = [0] * weeks
        self.new_placements = [0] * weeks
        self.to_qualification: Counter[int] = Counter()
        self.to_placement: Counter[int] = Counter()

    def figures(self, starts: tuple[date, ...]) -> Figures:
        counts = OfferCounts(
            available=self.offers[Status.AVAILABLE],
            reserved=self.offers[Status.RESERVED],
            occupied=self.offers[Status.OCCUPIED],
            paused=self.offers[Status.PAUSED],
            stale=self.offers["stale"],
            to_qualify=self.offers["to_qualify"],
        )
        return Figures(
            offers=counts,
            places_available=self.places_available,
            places_occupied=self.places_occupied,
            ending=EndingSoon(*(self.ending[horizon] for horizon in HORIZONS)),
            weeks=tuple(
                Week(start, offers, placements)
                for start, offers, placements in zip(
                    starts, self.new_offers, self.new_placements, strict=True
                )
            ),
            delays=Delays(
                median(self.to_qualification),
                sum(self.to_qualification.values()),
                median(self.to_placement),
                sum(self.to_placement.values()),
            ),
        )


class Tally:
    """Collects aggregated rows (per département) into :class:`TerritoryStatistics`.

    Every ``add_*`` method takes a département and a count of rows sharing the other values; rows of
    a département outside the territory are ignored. Each row counts for its département and for the
    whole territory.
    """

    def __init__(self, departements: Iterable[str], today: date, weeks: int = WEEKS) -> None:
        self.today = today
        self.departements = tuple(sorted(set(departements)))
        self.starts = week_starts(today, weeks)
        self._total = _Area(weeks)
        self._areas = {departement: _Area(weeks) for departement in self.departements}

    def _both(self, departement: str) -> tuple[_Area, ...]:
        area = self._areas.get(departement)
        return () if area is None else (area, self._total)

    def add_offers(
        self,
        departement: str,
        status: str,
        count: int,
        *,
        stale: int = 0,
        unqualified: int = 0,
        people: int = 0,
    ) -> None:
        """``count`` offers with this status: ``stale`` of them not re-confirmed (``stale_since`` set),
        ``unqualified`` not yet qualified, and ``people`` the capacity of those that are not stale."""
        if status == Status.WITHDRAWN:
            return
        for area in self._both(departement):
            if status == Status.AVAILABLE:
                area.offers[Status.AVAILABLE] += count - stale
                area.offers["stale"] += stale
                area.places_available += people
            else:
                area.offers[status] += count
            if status in (Status.AVAILABLE, Status.PAUSED):
                area.offers["to_qualify"] += unqualified

    def add_active_placements(
        self, departement: str, planned_end: date | None, count: int, people: int
    ) -> None:
        """``count`` active placements planned to end on ``planned_end``, housing ``people`` in all."""
        days = None if planned_end is None else (planned_end - self.today).days
        for area in self._both(departement):
            area.places_occupied += people
            for horizon in HORIZONS:
                if days is not None and 0 <= days <= horizon:
                    area.ending[horizon] += count

    def add_new_offers(self, departement: str, week: int, count: int) -> None:
        """``count`` offers submitted in week number ``week`` (0: the oldest shown)."""
        if 0 <= week < len(self.starts):
            for area in self._both(departement):
                area.new_offers[week] += count

    def add_new_placements(self, departement: str, week: int, count: int) -> None:
        """``count`` placements started in week number ``week`` (0: the oldest shown)."""
        if 0 <= week < len(self.starts):
            for area in self._both(departement):
                area.new_placements[week] += count

    def add_days_to_qualification(self, departement: str, days: int, count: int) -> None:
        for area in self._both(departement):
            area.to_qualification[max(days, 0)] += count

    def add_days_to_first_placement(self, departement: str, days: int, count: int) -> None:
        for area in self._both(departement):
            area.to_placement[max(days, 0)] += count

    def result(self) -> TerritoryStatistics:
        return TerritoryStatistics(
            today=self.today,
            departements=self.departements,
            territory=self._total.figures(self.starts),
            by_departement={dep: area.figures(self.starts) for dep, area in self._areas.items()},
        )
