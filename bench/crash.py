# SPDX-License-Identifier: AGPL-3.0-or-later
"""Nothing lost, nothing twice, when the bot is killed (`kill -9`) in the middle of a rush.

`--users` hosts are in the middle of declaring an offer, at the question "How many people can you welcome?".
They all answer "3" at once; the bot process (`logement-bot run`, long polling or webhooks) is killed with
SIGKILL after a random moment, and a new process is started on the same database. Then, for each host:
- the answer is lost if the dialogue still waits at that question;
- it was applied twice if the dialogue went past the next question ("3" taken as the number of beds too);
- the reply is lost if the host never got the next question ("How many beds?"); a reply sent twice (the
  message went out just before the kill, before it was recorded as sent) is counted apart.

    python bench/crash.py [--users 300] [--mode polling|webhook|both] [--database-url URL] [--seed N]

The last line is one JSON object with at least updates, lost, replies_lost, applied_twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from sqlalchemy import text

from bench.throughput import start_process, stop_process
from bot.i18n import translator
from bot.sandbox.botapi import FakeBotApi
from conversations.host_offer import NAME as HOST_OFFER
from storage import dialogues, users
from storage.db import Database

TOKEN = "123456789:BENCH-token-for-the-local-stand-in-00000"
SECRET = "bench-secret"
FIRST = 10_000
FR = translator("fr")
NEXT_QUESTION = FR._("How many beds?")
ANSWERS = {"kind": "room", "commune": "44109", "commune_insee": "44109", "commune_name": "Nantes", "departement": "44",
           "latitude": 47.2, "longitude": -1.55, "address": None}  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def healthy(session: aiohttp.ClientSession, port: int) -> None:
    """Wait until the webhook process on `port` answers its health check (10 s at most)."""
    for _ in range(100):
        try:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no webhook on port {port}")


async def prepare(database_url: str, people: list[int]) -> None:
    database = Database(database_url)
    await database.upgrade()
    now = datetime.now(UTC)
    async with database.transaction() as session:
        for user in people:
            await users.register(session, user, "fr", now)
            await dialogues.save(session, user, HOST_OFFER, "people", ANSWERS, now)
    await database.close()


def update(user: int, number: int) -> dict[str, Any]:
    sender = {"id": user, "is_bot": False, "first_name": f"H{user}", "language_code": "fr"}
    return {"update_id": number, "message": {"message_id": number, "date": int(time.time()), "text": "3",
                                             "from": sender, "chat": {"id": user, "type": "private"}}}  # fmt: skip


async def run(
    mode: str, database_url: str, people: list[int], rng: random.Random, workdir: Path
) -> dict[str, Any]:
    await prepare(database_url, people)
    async with FakeBotApi(token=TOKEN) as api:
        for user in people:
            api.add_user(user, f"H{user}", language_code="fr")
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.bot_base_url, "DATABASE_URL": database_url,
               "ALERT_INTERVAL_SECONDS": "0", "FLOOD_UPDATES": "0"}  # fmt: skip
        if mode == "webhook":
            port = free_port()
            env |= {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": SECRET,
                    "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port)}  # fmt: skip
        first = await start_process([sys.executable, "-m", "bot.cli", "run"], env, workdir / f"{mode}-1.log")
        acknowledged = 0
        try:
            if mode == "polling":
                await asyncio.sleep(3.0)  # started and polling
                for user in people:
                    api.send_text(user, "3")
                await asyncio.sleep(rng.uniform(0.05, 1.5))
            else:
                url = f"http://127.0.0.1:{port}/hook"
                async with aiohttp.ClientSession() as session:
                    await healthy(session, port)

                    async def post(user: int, number: int) -> int:
                        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                        try:
                            async with session.post(
                                url, json=update(user, number), headers=headers
                            ) as response:
                                return response.status
                        except aiohttp.ClientError:
                            return 0

                    posts = [asyncio.create_task(post(user, 1000 + i)) for i, user in enumerate(people)]
                    await asyncio.sleep(rng.uniform(0.05, 1.5))
                    first.kill()
                    statuses = await asyncio.gather(*posts)
                    acknowledged = statuses.count(200)
        finally:
            first.kill()
            await first.wait()
        if mode == "webhook":  # Telegram sends again what was not acknowledged
            env["WEBHOOK_PORT"] = str(port := free_port())
        second = await start_process([sys.executable, "-m", "bot.cli", "run"], env, workdir / f"{mode}-2.log")
        try:
            if mode == "webhook":
                url = f"http://127.0.0.1:{port}/hook"
                async with aiohttp.ClientSession() as session:
                    await healthy(session, port)
                    for i, user in enumerate(people):  # redelivered, acknowledged or not: recognised by id
                        async with session.post(
                            url,
                            json=update(user, 1000 + i),
                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                        ) as response:
                            assert response.status == 200
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if all(
                    any(NEXT_QUESTION in (m.get("text") or "") for m in api.bot_messages(u)) for u in people
                ):
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.0)
        finally:
            await stop_process(second)
        replies = {
            u: sum(NEXT_QUESTION in (m.get("text") or "") for m in api.bot_messages(u)) for u in people
        }
    database = Database(database_url)
    async with database.transaction() as session:
        steps = dict((await session.execute(text("SELECT user_id, step FROM dialogue_states"))).all())
    await database.close()
    return {
        "mode": mode,
        "updates": len(people),
        "acknowledged_before_kill": acknowledged if mode == "webhook" else None,
        "lost": sum(1 for u in people if steps.get(u) == "people"),
        "applied_twice": sum(1 for u in people if steps.get(u) not in ("people", "beds")),
        "replies_lost": sum(1 for u in people if replies[u] == 0),
        "replies_twice": sum(1 for u in people if replies[u] > 1),
    }


async def reset(database_url: str | None, workdir: Path, mode: str) -> str:
    if database_url is None:
        return f"sqlite+aiosqlite:///{workdir / f'{mode}.sqlite3'}"
    database = Database(database_url)
    async with database.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await database.close()
    return database_url


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--mode", choices=("polling", "webhook", "both"), default="both")
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a temporary SQLite file; a PostgreSQL database is emptied",
    )
    parser.add_argument("--seed", type=int, default=None)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    people = [FIRST + i for i in range(options.users)]
    workdir = Path(tempfile.mkdtemp(prefix="crash-"))
    results = []
    for mode in ("polling", "webhook") if options.mode == "both" else (options.mode,):
        url = await reset(options.database_url, workdir, mode)
        result = await run(mode, url, people, rng, workdir)
        print(result, flush=True)
        results.append(result)
    total = {
        key: sum(r[key] for r in results)
        for key in ("updates", "lost", "applied_twice", "replies_lost", "replies_twice")
    }
    print(json.dumps({**total, "modes": [r["mode"] for r in results], "backend": (options.database_url or "sqlite").split(":")[0],
                      "runs": results}))  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
