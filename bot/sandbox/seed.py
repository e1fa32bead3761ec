"""`:seed matching 44` in the sandbox: a territory to try `/match` on — 10 waiting households followed by the
current user and 30 offers of 30 simulated hosts (users 880001…880030, to switch to with `:user`), in the
département's largest communes. Seeded: the same territory every time. Made-up data only."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Final

from bot.domain.access import CASEWORKER
from bot.domain.matching.needs import COLLECTIVE_KINDS, YOUNG_CHILDREN
from bot.domain.situations import SITUATIONS
from bot.geo.communes import load_communes
from bot.sandbox.botapi import FakeBotApi
from bot.sandbox.chat import ExtraCommand
from storage import households, offers, roles, users
from storage.db import Database

FIRST_HOST: Final = 880001
HOUSEHOLDS: Final = 10
OFFERS: Final = 30
USAGE: Final = (
    "usage: :seed matching 44   10 waiting households (yours) and 30 offers of simulated hosts in 44"
)


def _offer(chance: random.Random, commune: Any, now: datetime) -> dict[str, Any]:
    people = chance.choice((1, 2, 2, 3, 4, 4, 5, 6))
    return {
        "kind": chance.choice(("room", "dwelling", "dwelling", "dwelling", "hotel")), "commune_insee": commune.insee,
        "commune_name": commune.name, "departement": commune.departement, "latitude": commune.lat,
        "longitude": commune.lon, "people": people, "beds": people, "bedrooms": max(1, people // 2),
        "welcome": "any", "available_from": (now - timedelta(days=chance.randrange(0, 10))).date(),
        "available_until": None if chance.random() < 0.6 else (now + timedelta(days=chance.randrange(30, 200))).date(),
        "step_free": chance.choice(("yes", "no", "no", "partly", None)), "pets": chance.choice((True, False, None)),
        "children": chance.choice((True, True, None, False)), "smoking": False, "equipment": [], "transport": [],
        "languages": chance.choice(([], ["uk"], ["en"], ["uk", "ru"])), "cost": "free", "phone": "+33600000000",
        "address": "1 rue de l’Exemple",
    }  # fmt: skip


def _household(chance: random.Random, number: int, departement: str, commune: Any) -> dict[str, Any]:
    children = chance.choice((0, 0, 1, 2, 3))
    return {
        "reference": f"SEED-{number:02d}", "departement": departement, "adults": chance.choice((1, 1, 2, 2, 3)),
        "children": children, "children_ages": sorted(chance.randrange(0, 18) for _ in range(children)),
        "step_free": chance.random() < 0.15, "pets": chance.random() < 0.25,
        "languages": chance.choice(([], ["uk"], ["uk", "ru"])), "area": commune.insee if chance.random() < 0.6 else "all",
        "radius_km": chance.choice((None, 20, 40)),
        "situations": chance.sample([s.name for s in SITUATIONS if s.name != YOUNG_CHILDREN], chance.randrange(0, 3)),
    }  # fmt: skip


def seed_command(api: FakeBotApi, database: Database, clock: Any) -> ExtraCommand:
    async def seed(user: int, args: list[str]) -> str:
        if len(args) != 2 or args[0] != "matching" or not load_communes().is_departement(args[1]):
            return USAGE
        departement, now = args[1], clock()
        communes = sorted((c for c in load_communes() if c.departement == departement and not c.is_arrondissement),
                          key=lambda c: -c.population)[:12]  # fmt: skip
        chance = random.Random(departement)
        async with database.transaction() as session:
            if await users.find(session, user) is None:
                return "send /start and accept the privacy notice first"
            if await households.reference_taken(session, departement, "SEED-01"):
                return f"{departement} is seeded already"
            await roles.grant(session, user, CASEWORKER, departement, granted_by=None, organisation="Sandbox")
            for number in range(OFFERS):
                host = FIRST_HOST + number
                api.add_user(host, f"Host {number + 1}", language_code="fr")
                if await users.find(session, host) is None:
                    await users.register(session, host, "fr", now)
                fields = _offer(chance, chance.choice(communes), now)
                if fields["kind"] in COLLECTIVE_KINDS:
                    fields["people"] = fields["beds"] = 12
                await offers.create(session, host, fields, [], now)
            for number in range(1, HOUSEHOLDS + 1):
                fields = _household(chance, number, departement, chance.choice(communes))
                await households.create(session, user, fields, now)
        return (f"you are a caseworker in {departement}, with {HOUSEHOLDS} waiting households (SEED-01…) and "
                f"{OFFERS} offers of hosts {FIRST_HOST}…{FIRST_HOST + OFFERS - 1}: try /match {departement}")  # fmt: skip

    return ExtraCommand("matching DEP  a territory for /match: 10 households, 30 offers", seed)
