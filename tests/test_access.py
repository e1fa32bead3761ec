"""Every caseworker/coordinator command and button × role × territory: allowed or refused (and logged)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.access import CASEWORKER, COORDINATOR, Action, Actor
from bot.domain.casework import PlacementStatus
from bot.domain.keepers import organisation_ref
from bot.i18n import translator
from storage import audit, households, invitations, placements
from storage.models import Offer
from tests.casework_fixtures import accepted_user, grant, offer, offer_fields
from tests.harness import BotUnderTest, texts

FR = translator("fr")
REFUSAL = FR._("Sorry, this is reserved for caseworkers and coordinators of the territory concerned. "
               "Ask your coordinator if you need it.")  # fmt: skip
HOST, CW44, CW85, COORD44 = 1001, 601, 602, 603
ROLES = {HOST: "host", CW44: "caseworker 44", CW85: "caseworker 85", COORD44: "coordinator 44"}

# (what the user does, the users allowed). Targets (offer, household, placement) are in département 44.
TABLE = [
    ("/search 44 2p", {CW44, COORD44}),
    ("/search", {CW44, CW85, COORD44}),  # guided: within their own territory
    ("/invite", {COORD44}),
    ("/members", {COORD44}),
    ("/household", {CW44, CW85}),
    ("/placements", {CW44, CW85, COORD44}),
    ("button od:{offer}", {CW44, COORD44}),  # details
    ("button oc:{offer}", {CW44}),  # contact: caseworkers only
    ("button oq:{offer}", {CW44}),  # qualify
    ("button op:{offer}", {CW44, COORD44}),  # propose: to which household (a coordinator: the waiting list)
    ("button pl:arrive:{placement}", {CW44}),
    ("button pl:leave:{active}", {CW44}),
    ("button mem:uninvite:{invitation}", {COORD44}),
    ("/keepers", {COORD44}),
    ("button kp:pick:44:{organisation}", {COORD44}),
    (
        "button kr:gone:{managed}:ask",
        {COORD44},
    ),  # the managed offer's keeper (its importer), or a coordinator
    ("button kr:ok:{managed}", {COORD44}),
    # Creates a proposal (after the others): coordinators too, the household's caseworker follows it.
    ("button pp:{offer}:{household}", {CW44, COORD44}),
    ("button pl:cancel:{placement}", {CW44}),
    ("button mem:revoke:{cw85}", {COORD44}),  # last: changes the roles
]


@pytest.mark.parametrize("action", list(Action))
def test_actor_rights_by_role_and_territory(action: Action) -> None:
    for role in (CASEWORKER, COORDINATOR):
        actor = Actor(1, {role: frozenset({"44"})})
        allowed = role in {
            Action.INVITE: {COORDINATOR}, Action.MANAGE_MEMBERS: {COORDINATOR}, Action.STATISTICS: {COORDINATOR},
            Action.EXPORT: {COORDINATOR}, Action.IMPORT: {COORDINATOR}, Action.SEARCH: {CASEWORKER, COORDINATOR},
            Action.SEE_OFFER: {CASEWORKER, COORDINATOR}, Action.SEE_PLACEMENTS: {CASEWORKER, COORDINATOR},
            Action.REVEAL_CONTACT: {CASEWORKER}, Action.QUALIFY: {CASEWORKER},
            Action.MANAGE_HOUSEHOLDS: {CASEWORKER}, Action.PLACE: {CASEWORKER},
            Action.KEEP_OFFERS: {CASEWORKER, COORDINATOR}, Action.NAME_KEEPERS: {COORDINATOR},
            Action.PROPOSE: {CASEWORKER, COORDINATOR}, Action.PLAN_TERRITORY: {COORDINATOR},
        }[action]  # fmt: skip
        assert actor.may(action, "44") is allowed
        assert actor.may(action, "85") is False  # never outside the territory
    assert Actor(1).may(action) is False


async def test_every_command_and_button_by_role_and_territory(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    await grant(bot, CW44, "caseworker", "44")
    await grant(bot, CW85, "caseworker", "85")
    await grant(bot, COORD44, "coordinator", "44")
    targets = {"offer": await offer(bot, HOST, "Nantes"), "cw85": CW85}
    active_offer = await offer(bot, HOST, "Rezé")
    async with bot.database.transaction() as session:
        family = await households.create(session, CW44, {"reference": "R1", "departement": "44", "adults": 1,
                                                         "children": 0}, bot.clock())  # fmt: skip
        other = await households.create(session, CW44, {"reference": "R2", "departement": "44", "adults": 1,
                                                        "children": 0}, bot.clock())  # fmt: skip
        third = await households.create(session, CW44, {"reference": "R3", "departement": "44", "adults": 1,
                                                        "children": 0}, bot.clock())  # fmt: skip
        proposed = await placements.create(session, other.id or 0, active_offer, CW44, bot.clock())
        active = await placements.create(session, third.id or 0, active_offer, CW44, bot.clock())
        await placements.update(
            session,
            active,
            bot.clock(),
            status=PlacementStatus.ACTIVE,
            start_date=date(2026, 11, 1),
            planned_end=date(2027, 2, 1),
        )
        invitation = await invitations.create(session, CASEWORKER, "Org", ["44"], COORD44, bot.clock())
        managed = Offer(**offer_fields("Nantes"), host_id=None, status="available", created_at=bot.clock(),
                        updated_at=bot.clock(), last_confirmed_at=bot.clock(), managed_by="Org", imported_by=COORD44)  # fmt: skip
        session.add(managed)
        await session.flush()
    targets |= {
        "managed": managed.id,
        "organisation": organisation_ref("44", "Org"),
        "household": family.id,
        "placement": proposed.id,
        "active": active.id,
        "invitation": invitation.code,
    }

    outcomes = {}
    users = {user_id: bot.user(user_id, "fr") for user_id in ROLES}
    for what, _ in TABLE:
        for user_id in (HOST, CW85, COORD44, CW44):
            user = users[user_id]
            if what.startswith("button "):
                replies = await user.press_data(what.removeprefix("button ").format(**targets))
            else:
                replies = await user.send(what)
            refused = REFUSAL in texts(replies)
            outcomes[(what, ROLES[user_id])] = "refused" if refused else "allowed"
            assert replies, (what, ROLES[user_id])
            await user.send("/cancel")  # leave any dialogue the action started
    expected = {
        (what, ROLES[u]): "allowed" if u in allowed else "refused" for what, allowed in TABLE for u in ROLES
    }
    assert outcomes == expected

    async with bot.database.transaction() as session:
        refusals = await audit.events(session, audit.REFUSED)
    assert len(refusals) == sum(1 for value in expected.values() if value == "refused")
