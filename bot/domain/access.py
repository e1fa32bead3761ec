"""Who may do what, where. Every caseworker or coordinator action goes through `require` in the domain layer,
whatever handler or button called it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

CASEWORKER = "caseworker"
COORDINATOR = "coordinator"


class Action(StrEnum):
    INVITE = "invite"
    MANAGE_MEMBERS = "manage_members"
    SEARCH = "search"
    SEE_OFFER = "see_offer"
    REVEAL_CONTACT = "reveal_contact"
    QUALIFY = "qualify"
    MANAGE_HOUSEHOLDS = "manage_households"
    PLACE = "place"
    PROPOSE = "propose"  # ask a host to take a household (the consent flow); the stay itself is PLACE
    PLAN_TERRITORY = (
        "plan_territory"  # /match over every waiting household of the territory, not only one's own
    )
    SEE_PLACEMENTS = "see_placements"
    STATISTICS = "statistics"
    EXPORT = "export"
    IMPORT = "import"
    KEEP_OFFERS = (
        "keep_offers"  # answer "still available?" for offers an organisation manages (if its keeper)
    )
    NAME_KEEPERS = "name_keepers"


ALLOWED_ROLES: dict[Action, frozenset[str]] = {
    Action.INVITE: frozenset({COORDINATOR}),
    Action.MANAGE_MEMBERS: frozenset({COORDINATOR}),
    Action.SEARCH: frozenset({CASEWORKER, COORDINATOR}),
    Action.SEE_OFFER: frozenset({CASEWORKER, COORDINATOR}),
    # The host's phone and address: only to the caseworkers who may house someone there.
    Action.REVEAL_CONTACT: frozenset({CASEWORKER}),
    Action.QUALIFY: frozenset({CASEWORKER}),
    Action.MANAGE_HOUSEHOLDS: frozenset({CASEWORKER}),
    Action.PLACE: frozenset({CASEWORKER}),
    # Coordinators propose the plan /match computes; the household stays followed by its caseworker.
    Action.PROPOSE: frozenset({CASEWORKER, COORDINATOR}),
    Action.PLAN_TERRITORY: frozenset({COORDINATOR}),
    Action.SEE_PLACEMENTS: frozenset({CASEWORKER, COORDINATOR}),
    Action.STATISTICS: frozenset({COORDINATOR}),
    Action.EXPORT: frozenset({COORDINATOR}),
    Action.IMPORT: frozenset({COORDINATOR}),
    Action.KEEP_OFFERS: frozenset({CASEWORKER, COORDINATOR}),
    Action.NAME_KEEPERS: frozenset({COORDINATOR}),
}


class AccessDenied(Exception):
    def __init__(self, action: Action, departement: str | None) -> None:
        super().__init__(f"{action} refused{f' in {departement}' if departement else ''}")
        self.action = action
        self.departement = departement


@dataclass(frozen=True)
class Actor:
    user_id: int
    grants: Mapping[str, frozenset[str]] = field(default_factory=dict)  # role -> départements

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(role for role, departements in self.grants.items() if departements)

    def territory(self, action: Action) -> frozenset[str]:
        """The départements where this actor may do `action`."""
        allowed = ALLOWED_ROLES[action]
        return frozenset().union(*(deps for role, deps in self.grants.items() if role in allowed))

    def may(self, action: Action, departement: str | None = None) -> bool:
        territory = self.territory(action)
        return bool(territory) if departement is None else departement in territory


def require(actor: Actor, action: Action, departement: str | None = None) -> None:
    """Raise AccessDenied unless the actor may do `action` (in `departement`, when it concerns one)."""
    if not actor.may(action, departement):
        raise AccessDenied(action, departement)
