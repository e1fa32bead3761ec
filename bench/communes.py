# SPDX-License-Identifier: AGPL-3.0-or-later
"""Latency of commune lookups: ``python bench/communes.py [--lookups N] [--seed S]``.

Times ``CommuneIndex.search`` and ``CommuneIndex.nearest`` on a reproducible mix of queries
(names typed in various ways, prefixes, names with a département, postal codes, INSEE codes,
location pins) and, on a sample of the same queries, a naive baseline that scans every commune.
Prints a table, then one JSON line:
``{"lookups": N, "p50_us": …, "p95_us": …, "baseline_p95_us": …, "load_s": …}``.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.geo.communes import Commune, CommuneIndex, distance_km, load_communes, normalize

Query = tuple[str, Callable[[], object]]  # (kind, call)


class Baseline:
    """What one would write without an index: a scan of every commune per lookup."""

    def __init__(self, communes: list[Commune]) -> None:
        self.communes = communes
        self.keys = [normalize(c.name).replace(" ", "") for c in communes]

    def search(self, query: str, limit: int = 8) -> list[Commune]:
        key = normalize(query).replace(" ", "")
        if not key:
            return []
        if key.isdigit():
            return sorted(
                (c for c in self.communes if key in c.postal_codes or c.insee == key),
                key=lambda c: -c.population,
            )[:limit]
        exact = [c for c, k in zip(self.communes, self.keys, strict=True) if k == key]
        prefix = [c for c, k in zip(self.communes, self.keys, strict=True) if k.startswith(key) and k != key]
        exact.sort(key=lambda c: -c.population)
        prefix.sort(key=lambda c: -c.population)
        return (exact + prefix)[:limit]

    def nearest(self, lat: float, lon: float) -> Commune | None:
        best = min(self.communes, key=lambda c: distance_km(lat, lon, c.lat, c.lon))
        return best if distance_km(lat, lon, best.lat, best.lon) <= 30.0 else None


def typed(name: str, rng: random.Random) -> str:
    """The name as someone might type it."""
    variants = [
        name,
        name.lower(),
        name.upper(),
        normalize(name),
        name.replace("-", " "),
        name.replace("Saint-", "St-").replace("Sainte-", "Ste-"),
        name.split(" ", 1)[-1] if name.startswith(("Le ", "La ", "Les ")) else name,
    ]
    return rng.choice(variants)


def make_queries(
    index: CommuneIndex, baseline: Baseline, count: int, seed: int
) -> tuple[list[Query], list[Query]]:
    rng = random.Random(seed)
    communes = list(index)
    big = communes[:2000]  # people mostly look for places where people live
    queries: list[Query] = []
    base: list[Query] = []
    for n in range(count):
        c = rng.choice(big if n % 3 else communes)
        kind = ("name", "prefix", "name + dep", "postal code", "INSEE code", "nearest", "nearest (sea)")[
            n % 7
        ]
        if kind.startswith("nearest"):
            spread = 0.05 if kind == "nearest" else 3.0  # a pin in town, or one that may be out at sea
            lat = c.lat + rng.uniform(-spread, spread)
            lon = c.lon + rng.uniform(-spread, spread)
            queries.append((kind, functools.partial(index.nearest, lat, lon)))
            base.append((kind, functools.partial(baseline.nearest, lat, lon)))
            continue
        if kind == "name":
            text = typed(c.name, rng)
        elif kind == "prefix":
            text = normalize(c.name)[: rng.randint(3, 6)]
        elif kind == "name + dep":
            text = rng.choice([f"{c.name} {c.departement}", f"{c.name} ({c.departement})"])
        elif kind == "postal code":
            text = rng.choice(c.postal_codes)
        else:
            text = c.insee
        queries.append((kind, functools.partial(index.search, text)))
        base.append((kind, functools.partial(baseline.search, text)))
    return queries, base


def run(queries: list[Query]) -> dict[str, list[float]]:
    """Microseconds per call, by kind (and "all")."""
    times: dict[str, list[float]] = {"all": []}
    clock = time.perf_counter
    for kind, call in queries:
        start = clock()
        call()
        elapsed = (clock() - start) * 1e6
        times.setdefault(kind, []).append(elapsed)
        times["all"].append(elapsed)
    return times


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lookups", type=int, default=5000, help="indexed lookups to time (%(default)s)")
    parser.add_argument("--baseline", type=int, default=350, help="baseline lookups to time (%(default)s)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    start = time.perf_counter()
    index = load_communes()
    cold_load = time.perf_counter() - start
    loads = []
    for _ in range(3):
        load_communes.cache_clear()
        start = time.perf_counter()
        index = load_communes()
        loads.append(time.perf_counter() - start)
    load_s = statistics.median(loads)

    baseline = Baseline(list(index))
    queries, base = make_queries(index, baseline, args.lookups, args.seed)
    run(queries[:200])  # warm-up
    indexed = run(queries)
    scanned = run(base[: args.baseline])  # the same queries, all kinds (they come in turn)

    print(f"communes: {len(index)}   load: {load_s:.3f} s (first, cold: {cold_load:.3f} s)")
    header = f"{'kind':<15}{'calls':>7}{'p50 µs':>10}{'p95 µs':>10}{'max µs':>10}"
    print(f"{header}   {'baseline calls':>14}{'p50 µs':>10}{'p95 µs':>10}")
    for kind in [*sorted(k for k in indexed if k != "all"), "all"]:
        mine = indexed[kind]
        theirs = scanned.get(kind, [])
        ours = f"{percentile(mine, 50):>10.1f}{percentile(mine, 95):>10.1f}{max(mine):>10.1f}"
        naive = f"{percentile(theirs, 50):>10.0f}{percentile(theirs, 95):>10.0f}"
        print(f"{kind:<15}{len(mine):>7}{ours}   {len(theirs):>14}{naive}")
    result = {
        "lookups": len(indexed["all"]),
        "p50_us": round(percentile(indexed["all"], 50), 1),
        "p95_us": round(percentile(indexed["all"], 95), 1),
        "max_us": round(max(indexed["all"]), 1),
        "baseline_lookups": len(scanned["all"]),
        "baseline_p50_us": round(percentile(scanned["all"], 50), 1),
        "baseline_p95_us": round(percentile(scanned["all"], 95), 1),
        "load_s": round(load_s, 3),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
