"""What a household needs, as the search reads it: :class:`Criteria`, from the one-line command
(``line.py``) or the guided dialogue (``conversations/search.py``), stored as JSON with a saved search.

Pure: no I/O, no clock, no Telegram.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final

from bot.domain import vocabulary
from bot.domain.dates import (
    MAX_DURATION_DAYS,
)
from bot.domain.offer_schema import NEED_BY_NAME
from bot.geo.communes import Commune
from bot.geo.resolve import commune_label

MAX_PEOPLE: Final = 500
"""Largest household size accepted (collective places can be that large)."""
MAX_RADIUS_KM: Final = 300.0

KNOWN_LANGUAGES: Final = vocabulary.LANGUAGE_CODES
"""Language codes an offer can carry (those of ``bot.domain.offers.LANGUAGES``)."""


# =========================================================================== criteria


@dataclass(frozen=True)
class Criteria:
    """What a caseworker looks for.

    ``departements`` is the territory actually searched (an empty tuple matches nothing): from
    :func:`parse_search_line` it holds what the user typed (empty: "all mine"), and
    :func:`within_territory` turns that into a subset of the caseworker's grants. ``near`` is a
    (latitude, longitude) pair, ``near_label`` its commune for display (``"Saint-Denis (93)"``).
    ``start`` None means today, whenever the search runs; ``days`` None means unknown.
    ``radius_km`` only applies with ``near`` (without, as in ``LineError.partial``, it waits for
    one). ``people`` is 1–:data:`MAX_PEOPLE`, ``days`` 1–3 × 365, ``radius_km`` up to
    :data:`MAX_RADIUS_KM`: other values raise ValueError.
    """

    departements: tuple[str, ...] = ()
    near: tuple[float, float] | None = None
    near_label: str | None = None
    radius_km: float | None = None
    people: int = 1
    start: date | None = None
    days: int | None = None
    needs: frozenset[str] = frozenset()  # names of the offer schema's NEEDS
    languages: tuple[str, ...] = ()
    include_stale: bool = False

    def __post_init__(self) -> None:
        """Refuse what no search means (ValueError): the dialogue validates answers before."""
        if not self.needs <= NEED_BY_NAME.keys():
            raise ValueError(f"unknown needs: {sorted(self.needs - NEED_BY_NAME.keys())}")
        if not 1 <= self.people <= MAX_PEOPLE:
            raise ValueError(f"people out of range: {self.people}")
        if self.days is not None and not 1 <= self.days <= MAX_DURATION_DAYS:
            raise ValueError(f"days out of range: {self.days}")
        if self.radius_km is not None and not 0.0 < self.radius_km <= MAX_RADIUS_KM:
            raise ValueError(f"radius out of range: {self.radius_km}")

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (dates in ISO format), read back by :meth:`from_json`."""
        return {
            "v": 2,
            "departements": list(self.departements),
            "near": None if self.near is None else [self.near[0], self.near[1]],
            "near_label": self.near_label,
            "radius_km": self.radius_km,
            "people": self.people,
            "start": None if self.start is None else self.start.isoformat(),
            "days": self.days,
            "needs": sorted(self.needs),
            "languages": list(self.languages),
            "include_stale": self.include_stale,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Criteria:
        """Read what :meth:`to_json` wrote; raises ValueError on anything else."""
        try:
            if data.get("v") == 1:  # saved before needs were declared in the offer schema
                data = {
                    **data,
                    "needs": [name for name in ("step_free", "pets", "children") if _bool(data[name])],
                }
            elif data.get("v") != 2:
                raise ValueError("unknown criteria version")
            near = data["near"]
            start = data["start"]
            criteria = cls(
                departements=tuple(_str(d) for d in _list(data["departements"])),
                near=None if near is None else (_float(_list(near)[0]), _float(near[1])),
                near_label=None if data["near_label"] is None else _str(data["near_label"]),
                radius_km=None if data["radius_km"] is None else _float(data["radius_km"]),
                people=_int(data["people"]),
                start=None if start is None else date.fromisoformat(_str(start)),
                days=None if data["days"] is None else _int(data["days"]),
                needs=frozenset(_str(name) for name in _list(data["needs"])),
                languages=tuple(_str(code) for code in _list(data["languages"])),
                include_stale=_bool(data["include_stale"]),
            )
        except (KeyError, TypeError, IndexError, AttributeError) as error:
            raise ValueError(f"malformed criteria: {error!r}") from error
        if criteria.near is not None and len(near) != 2:
            raise ValueError("malformed criteria: near")
        return criteria


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"not a list: {value!r}")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"not an integer: {value!r}")
    return value


def _float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"not a number: {value!r}")
    return float(value)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"not a boolean: {value!r}")
    return value


def within_territory(criteria: Criteria, granted: Iterable[str]) -> tuple[Criteria, tuple[str, ...]]:
    """Restrict the criteria to the départements the caseworker was granted.

    No département in the criteria means all granted ones (sorted). Returns the restricted
    criteria and the départements asked for but not granted (to tell the user); the restricted
    territory may be empty, and then nothing matches.
    """
    allowed = set(granted)
    if not criteria.departements:
        return replace(criteria, departements=tuple(sorted(allowed))), ()
    kept = tuple(code for code in criteria.departements if code in allowed)
    refused = tuple(code for code in criteria.departements if code not in allowed)
    return replace(criteria, departements=kept), refused


def with_near(criteria: Criteria, commune: Commune) -> Criteria:
    """The criteria centred on this commune (for example one a user picked among homonyms)."""
    return replace(criteria, near=(commune.lat, commune.lon), near_label=commune_label(commune))
