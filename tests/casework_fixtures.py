"""Offers, roles and users put straight into the database for the caseworker tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.geo.communes import load_communes
from bot.i18n import Translator
from storage import offers, roles, users
from storage.models import Offer
from tests.harness import BotUnderTest, Message, User


async def accepted_user(bot: BotUnderTest, user_id: int, language: str = "fr") -> None:
    bot.api.add_user(user_id, f"User {user_id}", language_code=language)
    async with bot.database.transaction() as session:
        await users.register(session, user_id, language, bot.clock())


async def grant(bot: BotUnderTest, user_id: int, role: str, *departements: str, language: str = "fr") -> None:
    await accepted_user(bot, user_id, language)
    async with bot.database.transaction() as session:
        for departement in departements:
            await roles.grant(session, user_id, role, departement, granted_by=None, organisation="Test")


def offer_fields(commune: str, **fields: Any) -> dict[str, Any]:
    """A complete offer in `commune` (the first commune of that name), with these fields changed."""
    place = load_communes().search(commune)[0]
    values: dict[str, Any] = {
        "kind": "dwelling", "commune_insee": place.insee, "commune_name": place.name,
        "departement": place.departement, "latitude": place.lat, "longitude": place.lon,
        "people": 4, "beds": 4, "bedrooms": 2, "welcome": "any", "available_from": date(2026, 11, 1),
        "available_until": None, "step_free": "unknown", "pets": False, "children": True, "smoking": False,
        "equipment": [], "transport": [], "languages": [], "cost": "free", "phone": "+33612345678",
        "address": "3 rue des Lilas",
    }  # fmt: skip
    return values | fields


async def offer(bot: BotUnderTest, host_id: int, commune: str, **fields: Any) -> int:
    status = fields.pop("status", "available")
    async with bot.database.transaction() as session:
        created = await offers.create(session, host_id, offer_fields(commune, **fields), [], bot.clock())
        created.status = status
    assert created.id is not None
    return created.id


async def stored_offer(bot: BotUnderTest, offer_id: int) -> Offer:
    """The offer as it is in the database now."""
    async with bot.database.transaction() as session:
        found = await session.get(Offer, offer_id)
    assert found is not None
    return found


async def household_up_to_where(user: User, t: Translator, reference: str, ages: str = "1") -> None:
    """/household for two adults, children of these ages, a pet, speaking Ukrainian: up to "where?"."""
    await user.send("/household")
    await user.send(reference)
    await user.send("2")
    await user.send(str(len(ages.split(","))))
    await user.send(ages)
    await user.press(t._("A pet"))
    await user.press(t._("Done"))
    await user.press(t._("Ukrainian"))
    await user.press(t._("Done"))


async def anywhere_from_now(user: User, t: Translator, departement: str = "44") -> list[Message]:
    """The last /household questions, answered the simplest way: anywhere in the département, from now, for a
    time not known, no urgent situation. Returns what recording the household said."""
    await user.press(t._("Anywhere in {departement}").format(departement=departement))
    await user.press(t._("From now"))
    await user.press(t._("Skip"))
    return await user.press(t._("Done"))
