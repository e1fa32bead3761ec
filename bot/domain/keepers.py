"""Who keeps an offer that an organisation manages (imported from its file, the host is not on Telegram): who
is asked "still available?" for it, and may answer. Pure.

The keepers of an organisation's offers in a département are the people a coordinator named for it (those
still caseworker or coordinator there); without any, the coordinator who imported the offer if they still are
one there; else the département's coordinators. Coordinators of the département may always answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.domain.access import COORDINATOR

Roles = Mapping[int, frozenset[str]]  # user -> their roles in one département


def organisation_ref(departement: str, organisation: str) -> str:
    """A short, stable reference to an organisation in a département (for buttons: names are long)."""
    return hashlib.sha256(f"{departement}\x1f{organisation}".encode()).hexdigest()[:12]


@dataclass(frozen=True)
class KeeperIndex:
    """The named keepers and the members of each département, read once, to say who keeps which offers."""

    named: Mapping[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)  # (dép., organisation)
    members: Mapping[str, Roles] = field(default_factory=dict)  # département -> user -> roles

    def named_for(self, departement: str, organisation: str) -> tuple[int, ...]:
        """The people named for the organisation there who are still caseworker or coordinator there."""
        roles = self.members.get(departement, {})
        return tuple(user for user in self.named.get((departement, organisation), ()) if roles.get(user))

    def coordinators(self, departement: str) -> tuple[int, ...]:
        return tuple(
            sorted(u for u, roles in self.members.get(departement, {}).items() if COORDINATOR in roles)
        )

    def keepers(self, departement: str, organisation: str, imported_by: int | None) -> tuple[int, ...]:
        """Who is asked "still available?" for an offer the organisation manages in the département."""
        named = self.named_for(departement, organisation)
        if named:
            return named
        coordinators = self.coordinators(departement)
        return (imported_by,) if imported_by in coordinators else coordinators

    def may_keep(self, user_id: int, departement: str, organisation: str, imported_by: int | None) -> bool:
        """Whether the user may answer for such an offer: a keeper, or a coordinator of the département."""
        return user_id in self.keepers(
            departement, organisation, imported_by
        ) or user_id in self.coordinators(departement)
