"""`logement-bot` command line: run, sandbox, db, admin."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import logs
from bot.domain.validation import normalise_departement
from bot.settings import (
    SANDBOX_DATABASE_URL,
    SANDBOX_FILE,
    ConfigError,
    load_settings,
    normalise_database_url,
    read_environment,
)


def _database_url(args: argparse.Namespace) -> str:
    url = args.database_url or read_environment().get("DATABASE_URL") or ""
    return normalise_database_url(url) if url else load_settings(require_token=False).database_url


def cmd_run(_args: argparse.Namespace) -> None:
    from bot.app import run

    run(load_settings())


def cmd_sandbox(args: argparse.Namespace) -> None:
    from bot.sandbox.run import run_sandbox

    url = args.database_url or read_environment().get("DATABASE_URL")  # else the sandbox's own SQLite file
    database_url = normalise_database_url(url) if url else None
    asyncio.run(run_sandbox(database_url=database_url, web_port=args.port, use_terminal=not args.web_only))


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    from storage.db import upgrade_database

    url = _database_url(args)
    upgrade_database(url)
    print(f"Database is up to date ({url.split('://')[0]}).")


def cmd_db_revision(args: argparse.Namespace) -> None:
    from storage.db import autogenerate_revision

    autogenerate_revision(args.message)


def cmd_add_coordinator(args: argparse.Namespace) -> None:
    from storage.admin import grant_coordinator

    departements = []
    for text in args.departement:
        code = normalise_departement(text)
        if code is None:
            raise ConfigError(f"{text!r} is not a French département code (01…95, 2A, 2B, 971…976).")
        departements.append(code)
    url = SANDBOX_DATABASE_URL if args.sandbox else _database_url(args)
    granted = asyncio.run(grant_coordinator(url, args.telegram_id, departements))
    print(f"User {args.telegram_id} is coordinator for: {', '.join(granted)} (database: {url}).")
    if not args.sandbox and Path(SANDBOX_FILE).exists() and SANDBOX_FILE not in url:
        print(f"The sandbox's database is {SANDBOX_FILE}: add --sandbox to grant there.")


def cmd_import_offers(args: argparse.Namespace) -> None:

    from bot.domain.importing.report import describe_refusal
    from bot.services.imports import import_file

    departement = normalise_departement(args.departement)
    if departement is None:
        raise ConfigError(f"{args.departement!r} is not a French département code (01…95, 2A, 2B, 971…976).")
    path = Path(args.file)
    if not path.is_file():
        raise ConfigError(f"{path} is not a file.")
    result = asyncio.run(
        import_file(_database_url(args), path, departement, args.organisation, complete=args.complete)
    )
    if result.refusal is not None:
        raise ConfigError(describe_refusal(result.refusal))
    if result.outcome is None:
        raise ConfigError(
            "Some required columns are missing: " + ", ".join(str(m) for m in result.missing) + "."
        )
    outcome = result.outcome
    print(
        f"{outcome.imported} offers imported, {outcome.updated} updated, {outcome.unchanged} unchanged (confirmed), "
        f"{outcome.withdrawn} withdrawn, {outcome.already_imported} already imported by someone else, "
        f"{outcome.failed} failed."
    )
    if result.report is not None:
        report = path.with_name(path.stem + "-errors.xlsx")
        report.write_bytes(result.report)
        print(f"The rows not imported, with the reason, are in {report}.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="logement-bot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="run the bot (long polling, or webhook when WEBHOOK_URL is set)").set_defaults(
        func=cmd_run
    )

    sandbox = sub.add_parser("sandbox", help="chat with the bot offline, against a local Telegram stand-in")
    sandbox.add_argument("--database-url", help="default: a sandbox SQLite file in the working directory")
    sandbox.add_argument(
        "--port", type=int, default=8088, help="port of the local chat web page (default 8088)"
    )
    sandbox.add_argument("--web-only", action="store_true", help="no terminal chat, only the web page")
    sandbox.set_defaults(func=cmd_sandbox)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    upgrade = db.add_parser("upgrade", help="apply the migrations (production runs this on deploy)")
    upgrade.add_argument("--database-url")
    upgrade.set_defaults(func=cmd_db_upgrade)
    revision = db.add_parser("revision", help="(developers) write a migration for model changes")
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(func=cmd_db_revision)

    admin = sub.add_parser("admin", help="administration").add_subparsers(dest="admin_command", required=True)
    coordinator = admin.add_parser("add-coordinator", help="grant the coordinator role on départements")
    coordinator.add_argument("--telegram-id", type=int, required=True)
    coordinator.add_argument("--departement", action="append", required=True, help="repeat for several")
    coordinator.add_argument("--database-url")
    coordinator.add_argument(
        "--sandbox", action="store_true", help="in the database of `logement-bot sandbox`"
    )
    coordinator.set_defaults(func=cmd_add_coordinator)
    importer = sub.add_parser("import", help="import data").add_subparsers(
        dest="import_command", required=True
    )
    offers = importer.add_parser("offers", help="import offers from a spreadsheet (.xlsx or .csv)")
    offers.add_argument("file")
    offers.add_argument("--departement", required=True)
    offers.add_argument("--organisation", default="DDETS", help="who manages these offers (default DDETS)")
    offers.add_argument(
        "--complete",
        action="store_true",
        help="the file lists every offer of the organisation in the département: those it no longer lists are "
        "marked as no longer available (without it, they are kept)",
    )
    offers.add_argument("--database-url")
    offers.set_defaults(func=cmd_import_offers)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logs.configure(verbose=args.verbose)  # never personal data, even with -v (see bot/logs.py)
    try:
        args.func(args)
    except ConfigError as error:
        print(f"logement-bot: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
