"""Alert sweep and sending, measured.

1. The sweep: 100 000 active placements (most ending months away, a few thousand within the alert window),
   timed against the same sweep over 1 000 placements (the baseline, same run).
2. Sending: the 10 000 alerts it records (caseworker, host and two coordinators per placement ending in 30
   days), sent through the real PTB `Bot` to the local Bot API stand-in, which answers 429 whenever the bot
   exceeds 30 messages/s overall or 1/s per chat. Counts what was lost (neither sent nor undeliverable) and
   duplicated (more messages delivered than alerts sent).

    python bench/alerts.py [--placements 100000] [--alerts 10000] [--database-url URL]

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.features.alerts import kinds
from bot.sandbox.botapi import FakeBotApi
from bot.telegram.rate import Limiter
from bot.telegram.sender import Sender, queue_alerts
from storage import alerts, outbox
from storage.db import Database
from storage.models import Household, Offer, Placement, RoleGrant, User

TOKEN = "123456789:BENCH-token-for-the-local-stand-in-00000"
SEND_TIMEOUT = 5.0  # shorter than the bot's 25 s, so that the injected late answers cost seconds, not minutes
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris: not quiet hours
TODAY = NOW.date()
DEPARTEMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20][:90]


async def populate(database: Database, placements: int, alerting: int) -> set[int]:
    """`alerting` placements end in 30 days (4 alerts each); the others end 61 to 365 days from now."""
    rng = random.Random(7)
    users: set[int] = set()
    coordinators = {dep: (900_000 + 2 * i, 900_001 + 2 * i) for i, dep in enumerate(DEPARTEMENTS)}
    async with database.transaction() as session:
        await session.execute(insert(RoleGrant), [
            {"user_id": uid, "role": "coordinator", "departement": dep, "granted_at": NOW}
            for dep, pair in coordinators.items() for uid in pair
        ])  # fmt: skip
    users |= {uid for pair in coordinators.values() for uid in pair}
    users |= {1_000_000 + i for i in range(placements)} | {2_000_000 + i % 5_000 for i in range(placements)}
    ids = sorted(users)
    for start in range(0, len(ids), 10_000):  # hosts are users (foreign key), inserted first
        async with database.transaction() as session:
            await session.execute(insert(User), [
                {"id": uid, "language": ("fr", "uk", "en")[uid % 3], "privacy_accepted_at": NOW, "created_at": NOW}
                for uid in ids[start : start + 10_000]
            ])  # fmt: skip
    for start in range(0, placements, 10_000):
        batch = range(start, min(start + 10_000, placements))
        offers, households, rows = [], [], []
        for i in batch:
            dep = DEPARTEMENTS[i % len(DEPARTEMENTS)]
            host, caseworker = 1_000_000 + i, 2_000_000 + i % 5_000
            offers.append({
                "id": i + 1, "host_id": host, "status": "occupied", "kind": "room", "commune_insee": "44109",
                "commune_name": "Nantes", "departement": dep, "latitude": 47.2, "longitude": -1.55, "people": 3,
                "beds": 3, "bedrooms": 1, "welcome": "any", "available_from": date(2026, 1, 1), "step_free": "no",
                "pets": False, "children": True, "smoking": False, "equipment": [], "transport": [], "languages": [],
                "cost": "free", "created_at": NOW, "updated_at": NOW, "last_confirmed_at": NOW, "qualification": "qualified",
            })  # fmt: skip
            households.append({"id": i + 1, "reference": f"H{i}", "departement": dep, "adults": 2, "children": 1,
                               "children_ages": [5], "languages": [], "caseworker_id": caseworker, "created_at": NOW})  # fmt: skip
            days = 30 if i < alerting else rng.randint(61, 365)
            rows.append({"id": i + 1, "household_id": i + 1, "offer_id": i + 1, "status": "active",
                         "caseworker_id": caseworker, "start_date": date(2026, 6, 1),
                         "planned_end": TODAY + timedelta(days=days), "created_at": NOW - timedelta(days=60),
                         "updated_at": NOW - timedelta(days=60)})  # fmt: skip
        async with database.transaction() as session:
            await session.execute(insert(Offer), offers)
            await session.execute(insert(Household), households)
            await session.execute(insert(Placement), rows)
    # Fresh tables get their planner statistics, as autovacuum gives them in production.
    async with database.engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    return users


async def timed_sweep(database: Database) -> tuple[float, int]:
    started = time.perf_counter()
    async with database.transaction() as session:
        created = await kinds.sweep(session, NOW)
    return time.perf_counter() - started, created


async def fresh_database(url: str | None, folder: Path, name: str) -> Database:
    database = Database(url or f"sqlite+aiosqlite:///{folder / name}")
    if url:
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await database.upgrade()
    return database


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--placements", type=int, default=100_000)
    parser.add_argument("--alerts", type=int, default=10_000, help="alerts to send (a multiple of 4)")
    parser.add_argument(
        "--database-url", help="PostgreSQL URL (its public schema is emptied!); default SQLite"
    )
    parser.add_argument("--errors", type=int, default=50, help="502 answers injected (%(default)s)")
    parser.add_argument(
        "--timeouts", type=int, default=20, help="answers delayed past the timeout (%(default)s)"
    )
    parser.add_argument("--timeout-after", type=float, default=SEND_TIMEOUT + 2, help="their delay, seconds")
    options = parser.parse_args()
    alerting = options.alerts // 4
    backend = "postgresql" if options.database_url else "sqlite"

    with tempfile.TemporaryDirectory() as folder:
        small = await fresh_database(options.database_url, Path(folder), "baseline.sqlite3")
        await populate(small, 1_000, 250)
        baseline_s, _ = await timed_sweep(small)
        await small.close()

        database = await fresh_database(options.database_url, Path(folder), "bench.sqlite3")
        started = time.perf_counter()
        users = await populate(database, options.placements, alerting)
        print(
            f"populated {options.placements} placements in {time.perf_counter() - started:.1f} s", flush=True
        )
        sweep_s, created = await timed_sweep(database)
        again_s, created_again = await timed_sweep(database)
        print(f"sweep over {options.placements} placements: {sweep_s:.3f} s, {created} alerts recorded "
              f"(baseline 1 000 placements: {baseline_s:.3f} s, ratio {sweep_s / baseline_s:.1f}×); "
              f"second sweep {again_s:.3f} s, {created_again} new", flush=True)  # fmt: skip

        async with FakeBotApi(token=TOKEN) as api:
            for uid in users:
                api.add_user(uid, f"U{uid}", language_code="fr")
            api.enforce_limits(per_second_overall=30, per_chat_per_second=1)
            request = HTTPXRequest(
                connection_pool_size=64, read_timeout=SEND_TIMEOUT, write_timeout=SEND_TIMEOUT
            )
            bot = Bot(TOKEN, base_url=api.bot_base_url, request=request)
            await bot.initialize()
            clock_offset = datetime.now(UTC) - NOW

            def clock() -> datetime:  # bench time flows from NOW at the real pace
                return datetime.now(UTC) - clock_offset

            # Faults on top of the 429s: some 502s, and answers so late that the bot's call times out
            # although the message was delivered (the ambiguity Telegram leaves; counted as duplicates).
            api.fail_next("sendMessage", 502, count=options.errors)
            for host in range(
                1_000_000, 1_000_000 + options.timeouts
            ):  # hosts of placements ending in 30 days
                api.delay_next("sendMessage", options.timeout_after, chat_id=host)
            sender = Sender(database, bot, clock, Limiter())
            started = time.perf_counter()
            while True:
                queued = await queue_alerts(database, clock)
                await sender.drain(timeout=600)
                async with database.transaction() as session:
                    counts = await alerts.counts_by_status(session)
                    waiting = await outbox.pending(session)
                if not queued and not waiting and not counts.get("pending"):
                    break
                await asyncio.sleep(0.2)  # the retried ones wait for their time
            throttled = (
                sum(1 for method, _ in api.calls if method == "sendMessage") - created - options.errors
            )
            elapsed = time.perf_counter() - started
            await bot.shutdown()
            calls = sum(1 for method, _ in api.calls if method == "sendMessage")
            messages = sum(len(api.bot_messages(uid)) for uid in users)
        async with database.transaction() as session:
            counts = await alerts.counts_by_status(session)
        await database.close()

    sent = counts.get("sent", 0)
    lost = created - sent - counts.get("undeliverable", 0)
    duplicates = messages - sent
    rate = sent / elapsed if elapsed else 0.0
    print(f"sent {sent} alerts in {elapsed:.1f} s: {rate:.1f} messages/s (limit 30/s); about {throttled} calls "
          f"answered 429 or timed out and retried; {options.errors} × 502 injected, {options.timeouts} late answers "
          f"injected; lost {lost}; duplicates {duplicates}; statuses {counts}; sendMessage calls {calls}",
          flush=True)  # fmt: skip
    print(json.dumps({"alerts": created, "sent": sent, "lost": lost, "duplicates": duplicates,
                      "errors_injected": options.errors, "timeouts_injected": options.timeouts,
                      "rate_per_s": round(rate, 1), "sweep_s_100k": round(sweep_s, 3),
                      "baseline_sweep_s_1k": round(baseline_s, 3), "backend": backend}))  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
