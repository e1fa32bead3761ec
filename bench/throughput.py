# SPDX-License-Identifier: AGPL-3.0-or-later
"""How fast the bot answers, against a bare python-telegram-bot echo bot on the same stand-in.

Each bot runs as its own process (`logement-bot run`, or `bench/echo_bot.py`), long polling the local Bot API
stand-in that this script runs; simulated users talk to it over the stand-in.

1. Closed loop: `--users` users each send "/help", wait for the answer, and send again, for `--seconds`;
   the same against the echo bot (the baseline), each bot with a fresh stand-in. Reported: updates answered
   per second, reply latency, and each bot's CPU time per update (a figure the machine's load moves much less).
   Our bot runs with its flood limit off here (closed-loop users type faster than people) and without its
   overall pace of 28 messages a second (the echo bot has none; Telegram's own limit is about 30). The echo
   bot keeps python-telegram-bot's HTTP client (httpx); ours calls the Bot API over aiohttp
   (`bot/telegram/http.py`, docs/design.md "Throughput").
2. People: the same users, each sending "/help" every `--pace` seconds as a person would. Reported: latency.
3. Flood: the same again while one more user sends `--flood` messages as fast as the stand-in takes them;
   with the bot's flood limit on. Reported: the other users' reply latency.

    python bench/throughput.py [--users 20] [--seconds 10] [--flood 500] [--database-url URL]

The last line is one JSON object with at least ratio, p95_ms, echo_p95_ms, flood_others_p95_ms. In a closed
loop a user's next message waits for the answer to the previous one, so the mean latency is the number of
users divided by the throughput (Little's law): 20 users at 300 answers a second wait about 67 ms on average.

"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bot.sandbox.botapi import FakeBotApi
from storage.db import Database

TOKEN = "123456789:BENCH-token-for-the-local-stand-in-00000"
ROOT = Path(__file__).resolve().parent.parent
FIRST_USER = 5_000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def start_process(command: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
                   "PYTHONPATH": str(ROOT), **env}  # fmt: skip
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            *command, env=environment, stdout=out, stderr=out, cwd=log.parent
        )


async def stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def ask(api: FakeBotApi, user: int, text: str, timeout: float = 30.0) -> float:
    """Send `text` as `user`; the seconds until the bot's next message to them."""
    last = api.last_bot_message(user)
    after = last["message_id"] if last else 0
    started = time.perf_counter()
    api.send_text(user, text)
    await api.wait_for_bot_message(user, after_message_id=after, timeout=timeout)
    return time.perf_counter() - started


async def warm_up(api: FakeBotApi, users: list[int]) -> None:
    """Until every user got one answer (the bot has started, migrated, registered its menus)."""
    for user in users:
        await ask(api, user, "/help", timeout=120)


def cpu_seconds(process: asyncio.subprocess.Process) -> float:
    """CPU time the process used so far (Linux), user and system: the figure load on the machine hardly moves."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """This process's garbage collector paused while it measures. Its full passes over the stand-in's history
    (every message of the run, kept) stalled all the users at once, for tens of milliseconds: the bench's pause,
    not the bot's, which doubled the p95 of either bot."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


async def closed_loop(api: FakeBotApi, users: list[int], seconds: float) -> tuple[int, list[float], float]:
    """Updates answered per second, the latencies, and the share of one core this process (the stand-in and
    the users) was busy: near 1, the bench itself is what keeps the answers waiting, for either bot."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def talk(user: int) -> None:
        while time.perf_counter() < deadline:
            latencies.append(await ask(api, user, "/help"))

    with collector_paused():
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(talk(user) for user in users))
        elapsed = time.perf_counter() - started
    return int(len(latencies) / elapsed), latencies, (time.process_time() - cpu) / elapsed


async def flood(
    api: FakeBotApi, users: list[int], flooder: int, messages: int, pace: float, seconds: float
) -> list[float]:
    """The other users' latencies while `flooder` sends `messages` at once."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def talk(user: int, offset: float) -> None:
        await asyncio.sleep(offset)
        while time.perf_counter() < deadline:
            latencies.append(await ask(api, user, "/help"))
            await asyncio.sleep(pace)

    with collector_paused():
        for i in range(messages if flooder is not None else 0):
            api.send_text(flooder, f"/help {i}")
        await asyncio.gather(*(talk(user, pace * i / len(users)) for i, user in enumerate(users)))
    return latencies


@contextlib.asynccontextmanager
async def stand_in(users: list[int], env: dict[str, str]) -> AsyncIterator[FakeBotApi]:
    """A fresh Bot API stand-in knowing `users`; `env` is told its address."""
    async with FakeBotApi(token=TOKEN) as api:
        for user in users:
            api.add_user(user, f"User {user}", language_code="fr")
        env["TELEGRAM_API_BASE_URL"] = api.bot_base_url
        yield api


async def measure(args: argparse.Namespace) -> dict[str, object]:
    users = [FIRST_USER + i for i in range(args.users)]
    flooder = FIRST_USER + args.users
    workdir = Path(tempfile.mkdtemp(prefix="throughput-"))
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    if args.database_url:  # emptied: the stand-in numbers its updates from 1, and the inbox remembers ids
        database = Database(args.database_url)
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await database.close()
    results: dict[str, object] = {
        "users": args.users,
        "seconds": args.seconds,
        "backend": database_url.split(":")[0],
    }
    common = {"TELEGRAM_BOT_TOKEN": TOKEN}
    # Each bot gets a stand-in of its own: the stand-in's work grows with the chats' history, which must not
    # weigh on the second bot measured. (Our bot's two runs share one: its update ids go on.)
    async with stand_in([*users, flooder], common) as api:
        echo = await start_process(
            [sys.executable, str(ROOT / "bench" / "echo_bot.py")], common, workdir / "echo.log"
        )
        try:
            await warm_up(api, users)
            cpu = cpu_seconds(echo)
            echo_rate, echo_latencies, echo_bench_busy = await closed_loop(api, users, args.seconds)
            echo_cpu_ms = 1000 * (cpu_seconds(echo) - cpu) / len(echo_latencies)
        finally:
            await stop_process(echo)

    env = {
        **common,
        "DATABASE_URL": database_url,
        "ALERT_INTERVAL_SECONDS": "0",
        "FLOOD_UPDATES": "0",
        "SEND_PER_SECOND": "0",
    }  # the echo bot does not pace its messages either
    async with stand_in([*users, flooder], env) as api:
        ours = await start_process([sys.executable, "-m", "bot.cli", "run"], env, workdir / "bot.log")
        try:
            await warm_up(api, users)
            cpu = cpu_seconds(ours)
            rate, latencies, bench_busy = await closed_loop(api, users, args.seconds)
            cpu_ms = 1000 * (cpu_seconds(ours) - cpu) / len(latencies)
        finally:
            await stop_process(ours)

        env["FLOOD_UPDATES"] = str(args.flood_limit)
        await asyncio.sleep(11)  # the closed loop's messages leave the flood window (10 s) before the flood
        ours = await start_process([sys.executable, "-m", "bot.cli", "run"], env, workdir / "bot-flood.log")
        try:
            await warm_up(api, users)
            paced_latencies = await flood(api, users, None, 0, args.pace, args.seconds)  # people, no flood
            flood_latencies = await flood(api, users, flooder, args.flood, args.pace, args.seconds)
            told = [m for m in api.bot_messages(flooder) if "plus vite" in (m.get("text") or "")]
        finally:
            await stop_process(ours)

    results.update(
        updates_per_second=rate, echo_updates_per_second=echo_rate, ratio=round(rate / echo_rate, 2),
        p50_ms=round(1000 * statistics.median(latencies), 1), p95_ms=round(1000 * percentile(latencies, 0.95), 1),
        echo_p50_ms=round(1000 * statistics.median(echo_latencies), 1),
        echo_p95_ms=round(1000 * percentile(echo_latencies, 0.95), 1),
        cpu_ms_per_update=round(cpu_ms, 2), echo_cpu_ms_per_update=round(echo_cpu_ms, 2),
        bench_busy=round(bench_busy, 2), echo_bench_busy=round(echo_bench_busy, 2),
        paced_p95_ms=round(1000 * percentile(paced_latencies, 0.95), 1),
        flood_messages=args.flood, flood_others_replies=len(flood_latencies),
        flood_others_p95_ms=round(1000 * percentile(flood_latencies, 0.95), 1), flooder_told=len(told),
        load_average=round(os.getloadavg()[0], 2),
    )  # fmt: skip
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--flood", type=int, default=500, help="messages the flooding user sends (%(default)s)"
    )
    parser.add_argument("--flood-limit", type=int, default=30, help="the bot's FLOOD_UPDATES (%(default)s)")
    parser.add_argument("--pace", type=float, default=1.0, help="seconds between two messages of a person")
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a temporary SQLite file; a PostgreSQL database is emptied",
    )
    results = asyncio.run(measure(parser.parse_args()))
    print(f"ours {results['updates_per_second']}/s p95 {results['p95_ms']} ms; echo {results['echo_updates_per_second']}/s "
          f"p95 {results['echo_p95_ms']} ms; flood: others' p95 {results['flood_others_p95_ms']} ms")  # fmt: skip
    print(json.dumps(results))


if __name__ == "__main__":
    main()
