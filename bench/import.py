# SPDX-License-Identifier: AGPL-3.0-or-later
"""Speed of a spreadsheet import: ``python bench/import.py [--rows N] [--seed S] [--database-url URL]``.

Generates a workbook like the 2022 online-form exports (one row per application: timestamp, host's
name and e-mail — left out by the import —, "44109 - Nantes"-style commune with INSEE code, postal
code as a number, typed integers, real date cells, Oui/Non and X checkboxes, languages, rent), with
communes of five départements of western France weighted by population and about 3 % of bad rows
(unknown commune, impossible date, negative capacity, end before start, rent without amount).

Then times what the bot does with it — read → map → validate → import (one transaction) → error
report — against a fresh SQLite file (default) or ``--database-url`` (e.g. the local PostgreSQL: the
offers this bench imports are deleted before and after the run, nothing else is touched). Prints a
breakdown per phase, then one JSON line: ``{"rows": N, "seconds": …, "imported": …, "failed": …}``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, func, select

from bot.domain.importing.mapping import propose_mapping
from bot.domain.importing.reading import ImportRefusal
from bot.domain.importing.report import error_report
from bot.domain.importing.rows import validate
from bot.geo.communes import load_communes
from bot.services.imports import PARIS, import_offers
from bot.services.reader import read_file
from storage.db import Database
from storage.models import Offer, OfferEvent

DEPARTEMENTS = ("44", "35", "49", "85", "56")
ORGANISATION = "Bench import (bench/import.py)"
HEADERS = [
    "Horodateur", "Nom", "Prénom", "Adresse e-mail", "Téléphone", "Commune (code INSEE)", "Code postal",
    "Adresse du logement", "Type d'hébergement", "Nombre de places", "Nombre de lits", "Nombre de chambres",
    "Date de disponibilité", "Disponible jusqu'au", "Accessible PMR", "Animaux acceptés", "Enfants acceptés",
    "Fumeur", "Langues parlées", "Hébergement gratuit", "Montant du loyer", "Commentaires",
]  # fmt: skip
KINDS = [
    ("Chambre chez l'habitant", 55), ("Logement indépendant (appartement, maison)", 30), ("Gîte", 5),
    ("Mobil-home", 3), ("Centre de vacances", 3), ("Hôtel", 2), ("Autre hébergement collectif", 2),
]  # fmt: skip
FIRST_NAMES = ["Marie", "Jean", "Anne", "Pierre", "Sophie", "Luc", "Claire", "Paul", "Julie", "Marc"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy"]
STREETS = ["rue des Lilas", "avenue de la Gare", "chemin du Moulin", "place de l'Église", "rue Jean Jaurès"]
LANGUAGES = ["Anglais", "Russe", "Ukrainien", "Polonais", "Allemand", "Espagnol"]
REMARKS = [
    "Maison calme avec jardin.", "Proche des écoles et des commerces.", "Accès bus à 5 minutes.",
    "Pas d'escalier, chambre au rez-de-chaussée.", "Nous parlons un peu anglais.", "Vélo à disposition.",
    "", "", "",
]  # fmt: skip


def generate(rows: int, seed: int, today: date) -> bytes:
    import openpyxl

    rng = random.Random(seed)
    communes = [c for c in load_communes() if c.departement in DEPARTEMENTS and not c.is_arrondissement]
    weights = [max(c.population, 50) for c in communes]
    kinds, kind_weights = zip(*KINDS, strict=True)
    # A normal (not write-only) workbook: like Excel, LibreOffice or Google Sheets exports, it starts with
    # the sheet's dimension, which spares the reader a first pass over the whole sheet.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Réponses au formulaire 1"
    sheet.append(HEADERS)
    for n in range(rows):
        commune = rng.choices(communes, weights)[0]
        kind = rng.choices(kinds, kind_weights)[0]
        collective = kind in ("Centre de vacances", "Hôtel", "Autre hébergement collectif")
        places = rng.randint(10, 60) if collective else rng.choice([1, 2, 2, 3, 4, 4, 5, 6])
        start = today + timedelta(days=rng.randint(-400, 90))
        end = start + timedelta(days=rng.choice([90, 180, 365, 730])) if rng.random() < 0.6 else None
        if end is not None and end < today:
            end = today + timedelta(days=rng.randint(30, 400))
        free = rng.random() < 0.85
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        row: list[object] = [
            datetime(2022, 3, 1, 9) + timedelta(minutes=7 * n),
            last,
            first,
            f"{first}.{last}{n}@example.org".lower(),
            f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            f"{commune.insee} - {commune.name}",
            int(commune.postal_codes[0]) if commune.postal_codes else None,
            f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
            kind,
            places,
            places + rng.choice([0, 0, 1]),
            max(1, places // 2) if not collective else places // 2,
            start,
            end,
            rng.choice(["Oui", "Non", "Non", ""]),
            rng.choice(["X", "", ""]),
            rng.choice(["Oui", "Oui", "Non"]),
            "Non",
            ", ".join(rng.sample(LANGUAGES, rng.randint(0, 2))),
            "Oui" if free else "Non",
            None if free else rng.choice([150, 250, 300, 450]),
            f"{rng.choice(REMARKS)} Dossier {n}.".strip(),
        ]
        bad = rng.random()
        if bad < 0.006:
            row[5], row[6] = "Atlantide", None  # unknown commune
        elif bad < 0.012:
            row[12] = "32/13/2022"  # impossible date
        elif bad < 0.018:
            row[9] = -2  # negative capacity
        elif bad < 0.024:
            row[13] = start - timedelta(days=10)  # end before start
        elif bad < 0.030:
            row[19], row[20] = "Non", None  # rent without amount
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def run(rows: int, seed: int, database_url: str | None) -> dict[str, object]:
    now = datetime.now(UTC)
    today = now.astimezone(PARIS).date()
    started = time.perf_counter()
    data = generate(rows, seed, today)
    print(
        f"generated   {time.perf_counter() - started:7.2f} s   ({len(data) / 1e6:.1f} MB, {rows} rows, not timed)"
    )

    with tempfile.TemporaryDirectory() as scratch:
        url = database_url or f"sqlite+aiosqlite:///{Path(scratch) / 'bench.sqlite3'}"
        database = Database(url)
        started = time.perf_counter()
        await database.upgrade()
        async with database.transaction() as session:  # a previous run's offers, if any
            await session.execute(delete(Offer).where(Offer.managed_by == ORGANISATION))
        print(f"database    {time.perf_counter() - started:7.2f} s   ({url.split('://')[0]}, not timed)")

        phases: dict[str, tuple[float, float]] = {}  # wall-clock and CPU seconds of this process
        mark, cpu_mark = time.perf_counter(), time.process_time()

        def lap(name: str) -> None:
            nonlocal mark, cpu_mark
            phases[name] = (time.perf_counter() - mark, time.process_time() - cpu_mark)
            mark, cpu_mark = time.perf_counter(), time.process_time()

        table = await read_file(data, "export-formulaire-2022.xlsx")  # in its own process, as the bot does
        if isinstance(table, ImportRefusal):
            raise SystemExit(f"refused: {table}")
        lap("read")
        mapping = propose_mapping(table.headers)
        lap("map")
        results = validate(table, mapping, DEPARTEMENTS, today)
        lap("validate")
        async with database.transaction() as session:
            outcome = await import_offers(
                session, results, organisation=ORGANISATION, actor_id=None, departement=DEPARTEMENTS, now=now
            )
        lap("import")
        report = error_report(table, results)
        lap("report")

        print(f"{'phase':<11} {'seconds':>9} {'cpu':>8}   (cpu: this process only, not a database server)")
        for name, (seconds, cpu) in phases.items():
            print(f"{name:<11} {seconds:7.2f} s {cpu:6.2f} s")
        total = sum(seconds for seconds, _ in phases.values())
        print(f"{'total':<11} {total:7.2f} s {sum(cpu for _, cpu in phases.values()):6.2f} s")
        print(
            f"unmapped columns: {mapping.unmapped_headers() or 'none'}; imported {outcome.imported}, "
            f"already imported {outcome.already_imported}, failed {outcome.failed}; report {len(report) / 1e3:.0f} kB"
        )
        async with database.transaction() as session:
            offers = await session.scalar(
                select(func.count()).select_from(Offer).where(Offer.managed_by == ORGANISATION)
            )
            events = await session.scalar(
                select(func.count())
                .select_from(OfferEvent)
                .join(Offer, Offer.id == OfferEvent.offer_id)
                .where(Offer.managed_by == ORGANISATION, OfferEvent.action == "imported")
            )
            print(f"in the database: {offers} offers, {events} import events")
            if database_url:  # leave a shared database as it was
                await session.execute(delete(Offer).where(Offer.managed_by == ORGANISATION))
        await database.close()
    return {"rows": rows, "seconds": round(total, 3), "imported": outcome.imported, "failed": outcome.failed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args()
    result = asyncio.run(run(args.rows, args.seed, args.database_url))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
