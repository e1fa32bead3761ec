# SPDX-License-Identifier: AGPL-3.0-or-later
"""Latency of the offer search: ``python bench/search.py [--offers N] [--database-url URL] [--queries N]``.

Fills a database with realistic offers (spread over the départements by population, placed at a
commune centroid plus a little jitter, with plausible capacities, dates, needs, qualification
and freshness) and a few hundred households, then times :func:`storage.search.find` (SQL
prefilter + ranking of a first page of 10, in a transaction, as the bot runs it) for typical
searches, as many of each: a département with people and dates ("dates"); near a commune within
a radius ("near"); with step-free or pet needs ("needs"); a whole département for one person,
nothing else ("browse"); the one-line command, parsing included ("line"). Then, reported apart
as a stress case, not in the headline figures: a region of four départements for one person
("region", thousands of matches). The baseline, in the same run on the same typical searches:
every offer of the territory loaded as ORM objects, then ranked in Python (the results must be
identical, checked).

Without ``--database-url`` the data goes to a temporary SQLite file, deleted afterwards. A
PostgreSQL database is used in a schema of its own (``--schema``, dropped and re-created at the
start, dropped at the end unless ``--keep``): nothing else in it is touched. A SQLite file
given must not hold offers yet. Prints a table, then one JSON line:
``{"offers": N, "backend": "sqlite", "p50_ms": …, "p95_ms": …, "baseline_p95_ms": …, …}``.
The machine's load average is printed too: latencies are wall-clock, other processes inflate them
(each search waits on the database thread or server a few times); ``--repeat R`` keeps the best
of R runs of each search, which filters that noise out.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alembic import command
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.domain.search.criteria import Criteria, with_near, within_territory
from bot.domain.search.line import LineError, format_search_line, parse_search_line
from bot.domain.search.ranking import Ranking, rank
from bot.geo.communes import Commune, load_communes
from storage.db import alembic_config, make_engine
from storage.models import Offer
from storage.search import facts_of, find

TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
PLM_CITIES = frozenset({"75056", "69123", "13055"})  # Paris, Lyon, Marseille: their arrondissements are used
KINDS = ("dates", "near", "needs", "browse", "line")
STRESS = "region"


# --------------------------------------------------------------------------- database


class BenchDatabase:
    """An engine and sessions like storage.db.Database, optionally in a PostgreSQL schema of its own."""

    def __init__(self, url: str, schema: str | None) -> None:
        self.url = url
        self.schema = schema
        if schema is None:
            self.engine: AsyncEngine = make_engine(url)
        else:
            self.engine = create_async_engine(url, connect_args={"server_settings": {"search_path": schema}})
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    async def prepare(self) -> None:
        if self.schema is not None:
            admin = create_async_engine(self.url)
            async with admin.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
                await connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            await admin.dispose()
        async with self.engine.begin() as connection:
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))

    async def drop(self) -> None:
        if self.schema is not None:
            await self.engine.dispose()
            admin = create_async_engine(self.url)
            async with admin.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            await admin.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session, session.begin():
            yield session


# --------------------------------------------------------------------------- data


class Places:
    """Communes drawn at random in proportion to their population."""

    def __init__(self, communes: list[Commune]) -> None:
        self.communes = [c for c in communes if c.insee not in PLM_CITIES and c.population > 0]
        self.cumulative = list(itertools.accumulate(c.population for c in self.communes))
        self.by_departement: dict[str, Places] = {}

    def draw(self, rng: random.Random) -> Commune:
        point = rng.random() * self.cumulative[-1]
        return self.communes[bisect.bisect_right(self.cumulative, point)]

    def within(self, departement: str) -> Places:
        if departement not in self.by_departement:
            self.by_departement[departement] = Places(
                [c for c in self.communes if c.departement == departement]
            )
        return self.by_departement[departement]


def pick(rng: random.Random, table: dict[Any, float]) -> Any:
    return rng.choices(list(table), weights=list(table.values()))[0]


def make_offer(rng: random.Random, places: Places) -> dict[str, Any]:
    commune = places.draw(rng)
    kind = pick(
        rng,
        {"room": 45, "dwelling": 40, "hotel": 4, "holiday_centre": 4, "company": 3, "other_collective": 4},
    )
    if kind in ("room", "dwelling"):
        people = pick(rng, {1: 20, 2: 25, 3: 18, 4: 16, 5: 9, 6: 7, 7: 2, 8: 3})
    else:
        people = pick(rng, {6: 10, 10: 20, 15: 15, 20: 20, 30: 15, 50: 10, 80: 5, 120: 5})
    status = pick(rng, {"available": 60, "paused": 10, "reserved": 5, "occupied": 18, "withdrawn": 7})
    created = NOW - timedelta(days=rng.randint(0, 900))
    if rng.random() < 0.7:  # available now, for some time already
        available_from = TODAY - timedelta(days=rng.randint(0, 200))
    else:
        available_from = TODAY + timedelta(days=rng.randint(1, 120))
    available_until = None
    if rng.random() < 0.55:
        available_until = available_from + timedelta(
            days=rng.choice([21, 30, 45, 60, 90, 120, 180, 270, 365, 540])
        )
    confirmed_days = min(400, int(rng.expovariate(1 / 25)))
    last_confirmed = NOW - timedelta(days=confirmed_days, seconds=rng.randint(0, 86_399))
    stale_since = None
    if status == "available" and confirmed_days > 35 and rng.random() < 0.7:
        stale_since = last_confirmed + timedelta(days=35)
    qualification = pick(rng, {"unqualified": 62, "qualified": 32, "turned_down": 6})
    languages = ["fr"] + [
        code for code, p in (("en", 0.4), ("uk", 0.07), ("ru", 0.1), ("de", 0.05)) if rng.random() < p
    ]
    return {
        "host_id": None,
        "status": status,
        "kind": kind,
        "commune_insee": commune.insee,
        "commune_name": commune.name,
        "departement": commune.departement,
        "latitude": round(commune.lat + rng.uniform(-0.02, 0.02), 5),
        "longitude": round(commune.lon + rng.uniform(-0.03, 0.03), 5),
        "address": None,
        "people": people,
        "beds": people,
        "bedrooms": max(1, people // 2),
        "welcome": pick(rng, {"any": 50, "family": 30, "adults": 12, "single": 8}),
        "available_from": available_from,
        "available_until": available_until,
        "min_stay_days": pick(rng, {None: 55, 30: 15, 60: 10, 90: 15, 180: 5}),
        # About one offer in ten imported from a spreadsheet that did not say.
        "step_free": pick(rng, {"yes": 15, "partly": 15, "no": 45, "unknown": 15, None: 10}),
        "pets": pick(rng, {True: 32, False: 58, None: 10}),
        "children": pick(rng, {True: 68, False: 22, None: 10}),
        "smoking": rng.random() < 0.1,
        "equipment": ["furnished", "kitchen"],
        "transport": ["public_transport"] if rng.random() < 0.6 else [],
        "languages": languages,
        "cost": pick(rng, {"free": 80, "charges": 15, "rent": 5}),
        "cost_eur": None,
        "notes": None,
        "phone": None,
        "created_at": created,
        "updated_at": created,
        "last_confirmed_at": last_confirmed,
        "stale_since": stale_since,
        "qualification": qualification,
    }


async def fill(database: BenchDatabase, count: int, places: Places, seed: int) -> float:
    rng = random.Random(seed)
    started = time.perf_counter()
    table = Offer.__table__  # type: ignore[attr-defined]
    chunk = 5000
    for first in range(0, count, chunk):
        rows = [make_offer(rng, places) for _ in range(min(chunk, count - first))]
        async with database.transaction() as session:
            await session.execute(insert(table), rows)
    # Statistics, and on PostgreSQL the visibility map that index-only scans use (autovacuum keeps
    # both up to date on a live database).
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        postgres = database.engine.dialect.name == "postgresql"
        await autocommit.execute(text("VACUUM ANALYZE offers" if postgres else "ANALYZE"))
    return time.perf_counter() - started


@dataclass(frozen=True)
class Household:
    departement: str
    people: int
    children: bool
    pets: bool
    step_free: bool
    languages: tuple[str, ...]
    home: Commune


def make_households(rng: random.Random, places: Places, count: int) -> list[Household]:
    households = []
    for _ in range(count):
        home = places.draw(rng)
        adults = pick(rng, {1: 45, 2: 45, 3: 10})
        kids = pick(rng, {0: 35, 1: 25, 2: 25, 3: 10, 4: 5})
        households.append(
            Household(
                departement=home.departement,
                people=adults + kids,
                children=kids > 0,
                pets=rng.random() < 0.15,
                step_free=rng.random() < 0.08,
                languages=("uk", "ru") if rng.random() < 0.4 else ("uk",),
                home=home,
            )
        )
    return households


@dataclass(frozen=True)
class Query:
    kind: str
    criteria: Criteria
    line: str | None = None  # for "line": what the caseworker types


def make_queries(rng: random.Random, households: list[Household], places: Places, count: int) -> list[Query]:
    """``count`` typical searches, as many of each kind, and a fifth as many region searches, mixed."""
    queries = []
    departements = sorted({c.departement for c in places.communes})
    kinds = [*KINDS, STRESS]
    for n in range(count + count // len(KINDS)):
        household = households[n % len(households)]
        kind = kinds[n % len(kinds)]
        base = Criteria(
            departements=(household.departement,),
            people=household.people,
            start=None if rng.random() < 0.6 else TODAY + timedelta(days=rng.randint(1, 30)),
            days=rng.choice([None, 30, 60, 90, 180]),
            needs=frozenset({"children"} if household.children else ()),
            languages=household.languages,
        )
        if kind in ("near", "line"):
            commune = places.within(household.departement).draw(rng)
            base = replace(with_near(base, commune), radius_km=float(rng.choice([10, 20, 30])))
        if kind == "needs":
            step_free = {"step_free"} if household.step_free or rng.random() < 0.5 else set()
            base = replace(base, needs=base.needs | step_free | {"pets"})
        if kind == "browse":  # "44 1p": what is there in my département?
            base = Criteria(departements=(household.departement,), people=1)
        if kind == STRESS:  # a coordinator's region: four neighbouring départements, one person
            at = departements.index(household.departement)
            base = Criteria(departements=tuple(departements[max(0, at - 2) : at + 2]), people=1)
        line = format_search_line(base) if kind == "line" else None
        queries.append(Query(kind, base, line))
    return queries


# --------------------------------------------------------------------------- timing


async def run_query(database: BenchDatabase, query: Query) -> int:
    return (await search_once(database, query)).total


async def search_once(database: BenchDatabase, query: Query) -> Ranking:
    criteria = query.criteria
    if query.line is not None:
        parsed = parse_search_line(query.line, TODAY)
        if isinstance(parsed, LineError):
            raise RuntimeError(f"{query.line!r}: {parsed}")
        criteria, _ = within_territory(parsed, [query.criteria.departements[0]])
    async with database.transaction() as session:
        return await find(session, criteria, TODAY, NOW, limit=10)


async def run_baseline(database: BenchDatabase, query: Query) -> int:
    return (await baseline_once(database, query)).total


async def baseline_once(database: BenchDatabase, query: Query) -> Ranking:
    """No SQL prefilter: every offer of the territory as an ORM object, ranked in Python."""
    criteria = query.criteria
    if query.line is not None:
        parsed = parse_search_line(query.line, TODAY)
        assert not isinstance(parsed, LineError)
        criteria, _ = within_territory(parsed, [query.criteria.departements[0]])
    async with database.transaction() as session:
        offers = await session.scalars(select(Offer).where(Offer.departement.in_(criteria.departements)))  # type: ignore[attr-defined]
        facts = [facts_of(o) for o in offers]
    return rank(criteria, facts, TODAY, NOW, limit=10)


async def timed(
    database: BenchDatabase,
    queries: list[Query],
    call: Callable[[BenchDatabase, Query], Awaitable[int]],
    repeat: int,
) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    """Milliseconds (the best of ``repeat`` runs of each search) and match counts by kind; "all"
    gathers the typical kinds (not the stress case)."""
    times: dict[str, list[float]] = {"all": []}
    totals: dict[str, list[int]] = {"all": []}
    clock = time.perf_counter
    for query in queries:
        elapsed = math.inf
        for _ in range(repeat):
            started = clock()
            total = await call(database, query)
            elapsed = min(elapsed, (clock() - started) * 1000.0)
        for key in (query.kind,) if query.kind == STRESS else (query.kind, "all"):
            times.setdefault(key, []).append(elapsed)
            totals.setdefault(key, []).append(total)
    return times, totals


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    scratch = None
    url = args.database_url
    if url is None:
        scratch = tempfile.TemporaryDirectory(prefix="bench-search-")
        url = f"sqlite+aiosqlite:///{Path(scratch.name) / 'bench.sqlite3'}"
    postgres = url.startswith("postgresql")
    database = BenchDatabase(url, args.schema if postgres else None)
    try:
        await database.prepare()
        async with database.transaction() as session:
            existing = await session.scalar(select(func.count()).select_from(Offer))
        if existing:
            raise SystemExit(f"{url} already holds {existing} offers: give an empty database")
        places = Places(list(load_communes()))
        insert_s = await fill(database, args.offers, places, args.seed)
        rng = random.Random(args.seed + 1)
        households = make_households(rng, places, args.households)
        queries = make_queries(rng, households, places, args.queries)
        baseline_queries = [query for query in queries if query.kind != STRESS][: args.baseline]

        for query in queries[:50]:  # warm-up: caches, statement compilation, connection pool
            await run_query(database, query)
        ours, totals = await timed(database, queries, run_query, args.repeat)
        theirs, _ = await timed(database, baseline_queries, run_baseline, args.repeat)
        for query in baseline_queries:  # the two must agree
            assert await search_once(database, query) == await baseline_once(database, query), query
    finally:
        if not args.keep:
            await database.drop()
        await database.engine.dispose()
        if scratch is not None:
            scratch.cleanup()

    backend = "postgresql" if postgres else "sqlite"
    load = os.getloadavg()[0]
    print(f"{args.offers} offers on {backend}, inserted in {insert_s:.1f} s; {len(households)} households")
    best = f", best of {args.repeat} runs of each search" if args.repeat > 1 else ""
    print(f"first page of 10; load average {load:.2f} on {os.cpu_count()} CPUs (wall-clock times{best})")
    header = f"{'search':<8}{'runs':>6}{'matches':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
    print(f"{header}  |{'baseline runs':>14}{'p50 ms':>9}{'p95 ms':>9}{'p95 ratio':>11}")
    for kind in [*KINDS, "all", STRESS]:
        mine, base = ours.get(kind, []), theirs.get(kind, [])
        if not mine:
            continue
        matches = sorted(totals[kind])[len(totals[kind]) // 2]
        ratio = f"{percentile(base, 95) / percentile(mine, 95):>10.1f}x" if base else f"{'-':>11}"
        baseline = (
            f"{len(base):>14}{percentile(base, 50):>9.2f}{percentile(base, 95):>9.2f}"
            if base
            else f"{'-':>14}{'':>18}"
        )
        print(
            f"{kind:<8}{len(mine):>6}{matches:>9}{percentile(mine, 50):>9.2f}{percentile(mine, 95):>9.2f}"
            f"{max(mine):>9.2f}  |{baseline}{ratio}"
        )
    stress = ours.get(STRESS, [])
    return {
        "offers": args.offers,
        "backend": backend,
        "queries": len(ours["all"]),
        "p50_ms": round(percentile(ours["all"], 50), 2),
        "p95_ms": round(percentile(ours["all"], 95), 2),
        "max_ms": round(max(ours["all"]), 2),
        "baseline_queries": len(theirs["all"]),
        "baseline_p50_ms": round(percentile(theirs["all"], 50), 2),
        "baseline_p95_ms": round(percentile(theirs["all"], 95), 2),
        "region_p50_ms": round(percentile(stress, 50), 2),
        "region_p95_ms": round(percentile(stress, 95), 2),
        "repeat": args.repeat,
        "insert_s": round(insert_s, 1),
        "load_average": round(load, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--offers", type=int, default=100_000, help="offers to generate (%(default)s)")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--queries", type=int, default=500, help="typical searches to time (%(default)s)")
    parser.add_argument("--baseline", type=int, default=150, help="baseline searches to time (%(default)s)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="time each search this many times, keep the best (%(default)s)"
    )
    parser.add_argument("--households", type=int, default=400, help="households to search for (%(default)s)")
    parser.add_argument("--schema", default="bench_search", help="PostgreSQL schema to use (%(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema afterwards")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
