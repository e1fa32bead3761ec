"""Configuration and the `logement-bot` command line, run as a real process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.i18n import translator
from bot.settings import ConfigError, load_settings
from storage import roles
from storage.db import Database
from tests.test_match import all_households_plan, own_households_plan

TOKEN = "123456789:TEST-token-for-the-local-stand-in-0000"
ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=environment, capture_output=True, text=True,
        timeout=120, input=stdin,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "hello"}, "does not look like a token"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://x.org/hook"}, "WEBHOOK_SECRET must be set"),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "http://x.org/hook", "WEBHOOK_SECRET": "a"},
            "https://",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://x.org/h", "WEBHOOK_SECRET": "a b"},
            "may only contain",
        ),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_PORT": "99999"}, "WEBHOOK_PORT"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "localhost:8081"}, "TELEGRAM_API_BASE_URL"),
    ],
)
def test_bad_settings_are_refused_with_one_sentence(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        load_settings(env)


def test_settings_defaults_and_conversions() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "postgres://u:p@db/bot",
                              "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot"})  # fmt: skip
    assert settings.database_url == "postgresql+asyncpg://u:p@db/bot"
    assert settings.api_file_base_url == "http://127.0.0.1:8081/file/bot"
    assert load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}).database_url.startswith("sqlite+aiosqlite:///")


def test_run_without_token_says_so_without_a_traceback(tmp_path: Path) -> None:
    result = cli("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_dot_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=nonsense\n")
    result = cli("run", cwd=tmp_path)
    assert result.returncode == 2 and "does not look like a token" in result.stderr


def test_db_upgrade_and_add_coordinator(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/admin.sqlite3"
    upgraded = cli("db", "upgrade", cwd=tmp_path, DATABASE_URL=url)
    assert upgraded.returncode == 0, upgraded.stderr
    granted = cli("admin", "add-coordinator", "--telegram-id", "42", "--departement", "44", "--departement", "2a",
                  cwd=tmp_path, DATABASE_URL=url)  # fmt: skip
    assert granted.returncode == 0, granted.stderr
    assert "2A, 44" in granted.stdout
    refused = cli("admin", "add-coordinator", "--telegram-id", "42", "--departement", "20", cwd=tmp_path,
                  DATABASE_URL=url)  # fmt: skip
    assert refused.returncode == 2 and "not a French département" in refused.stderr

    async def granted_departements() -> set[str]:
        database = Database(url)
        async with database.transaction() as session:
            found = await roles.departements_of(session, 42, roles.COORDINATOR)
        await database.close()
        return found

    assert asyncio.run(granted_departements()) == {"44", "2A"}


def test_sqlite_database_is_created_in_the_working_directory_by_default(tmp_path: Path) -> None:
    result = cli("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "logement.sqlite3").exists()


def test_add_coordinator_next_to_the_sandbox_says_where_it_wrote_and_can_write_there(tmp_path: Path) -> None:
    assert (
        cli(
            "db", "upgrade", cwd=tmp_path, DATABASE_URL="sqlite+aiosqlite:///logement-sandbox.sqlite3"
        ).returncode
        == 0
    )
    plain = cli("admin", "add-coordinator", "--telegram-id", "7", "--departement", "44", cwd=tmp_path)
    assert (
        "logement.sqlite3" in plain.stdout and "--sandbox" in plain.stdout
    )  # it wrote elsewhere, and says so
    sandbox = cli(
        "admin", "add-coordinator", "--telegram-id", "7", "--departement", "44", "--sandbox", cwd=tmp_path
    )
    assert sandbox.returncode == 0 and "logement-sandbox.sqlite3" in sandbox.stdout, sandbox.stderr

    async def coordinator_in_the_sandbox() -> set[str]:
        database = Database(f"sqlite+aiosqlite:///{tmp_path}/logement-sandbox.sqlite3")
        async with database.transaction() as session:
            found = await roles.departements_of(session, 7, roles.COORDINATOR)
        await database.close()
        return found

    assert asyncio.run(coordinator_in_the_sandbox()) == {"44"}


def test_the_sandbox_s_help_lists_its_own_commands(tmp_path: Path) -> None:
    result = cli("sandbox", "--port", "0", cwd=tmp_path, stdin=":help\n:quit\n")
    assert result.returncode == 0, result.stderr
    # Once in the greeting, once more for :help.
    assert result.stdout.count(":clock +30d") == 2 and result.stdout.count(":grant ROLE DEP") == 2


def test_in_the_sandbox_a_coordinator_reimports_a_corrected_file_and_sees_the_preview(tmp_path: Path) -> None:
    header = "Id;Commune;Code postal;Nombre de places;Disponible à partir du\n"
    (tmp_path / "v1.csv").write_text(header + "A1;Nantes;44000;3;01/12/2026\nA2;Rezé;44400;2;01/12/2026\n"
                                     "A3;Clisson;44190;4;05/12/2026\n", encoding="utf-8")  # fmt: skip
    (tmp_path / "v2.csv").write_text(header + "A1;Nantes;44000;5;01/12/2026\nA2;Rezé;44400;2;01/12/2026\n",
                                     encoding="utf-8")  # fmt: skip
    script = "\n".join(["/start", "#1", ":grant coordinator 44", f":file {tmp_path / 'v1.csv'}", "Croix-Rouge 44",
                        "#1", "#1", f":file {tmp_path / 'v2.csv'}", "#1", "#1", "#1", ":quit", ""])  # fmt: skip
    result = cli("sandbox", "--port", "0", cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    again = result.stdout.split("v2.csv", 1)[1]
    fr = translator("fr")
    for said in (
        fr.n_("{n} offer imported before, to update", "{n} offers imported before, to update", 1).format(n=1),
        fr.n_("{n} offer unchanged (confirmed as still available)",
              "{n} offers unchanged (confirmed as still available)", 1).format(n=1),
        fr.n_("{n} offer of this organisation absent from the file",
              "{n} offers of this organisation absent from the file", 1).format(n=1),
        fr.n_("{n} offer absent from the file, marked as no longer available.",
              "{n} offers absent from the file, marked as no longer available.", 1).format(n=1),
    ):  # fmt: skip
        assert said in again


def test_in_the_sandbox_a_caseworker_seeds_a_territory_runs_match_and_proposes(tmp_path: Path) -> None:
    script = "\n".join(["/start", "#1", ":seed matching 44", "/match 44", "#1@6", "#2@6", "#7@6", ":user 880014",
                        "#1", ":user 880030", "#2", "#1", ":user 2002 Olena uk", "/start", "#1",
                        ":grant caseworker 44", "/match 44", ":quit", ""])  # fmt: skip
    result = cli("sandbox", "--port", "0", cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    fr, uk = translator("fr"), translator("uk")
    out = result.stdout
    assert "10 waiting households" in out and "plan-44-" in out
    assert own_households_plan(fr, 10, 10) in out
    assert fr.n_("{n} proposal sent to the hosts:", "{n} proposals sent to the hosts:", 2).format(n=2) in out
    assert (
        out.count(
            fr._("A social worker proposes your place #{offer} ({commune}) to a household:").split("#")[0]
        )
        == 2
    )
    assert "✅" in out and "❌" in out  # one host accepted, the other declined
    assert fr._("Next best places for household {reference}:").format(reference="SEED-03") in out
    # A colleague has recorded no household: their plan covers none.
    assert uk._("None of the households you recorded is waiting for a place in {departement}.").format(
        departement="44") in out  # fmt: skip


def coordinator_proposes(tmp_path: Path, language: str) -> str:
    """In the sandbox, caseworker Camille seeds 44; coordinator Olena (in `language`) runs /match 44, ticks the
    first three pairs and proposes them; the hosts of the first and third accept, the second's declines: what
    everyone saw."""
    script = "\n".join(["/start", "#1", ":seed matching 44", f":user 3003 Olena {language}", "/start", "#1",
                        ":grant coordinator 44", "/match 44", "#1@6", "#2@6", "#3@6", "#7@6", ":user 880014", "#1",
                        ":user 880030", "#2", "#1", ":user 880005", "#1", ":quit", ""])  # fmt: skip
    result = cli("sandbox", "--port", "0", cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_in_the_sandbox_a_coordinator_proposes_the_plan_and_both_hear_the_hosts(tmp_path: Path) -> None:
    out = coordinator_proposes(tmp_path, "fr")
    fr = translator("fr")
    assert all_households_plan(fr, 10, 10) in out
    assert fr.n_("{n} proposal sent to the hosts:", "{n} proposals sent to the hosts:", 3).format(n=3) in out
    assert "(to Camille, 1001)" in out and fr.n_(
        "A coordinator of {departement} proposed a place for your household:",
        "A coordinator of {departement} proposed places for {n} of your households:", 3,
    ).format(departement="44", n=3) in out  # fmt: skip
    # Each answer reaches the caseworker and the coordinator: two acceptances, one decline with the next best.
    assert (
        out.count("(to Camille, 1001) [5] bot: ✅") == 1 and out.count("(to Camille, 1001) [7] bot: ✅") == 1
    )
    assert out.count("(to Olena, 3003) [12] bot: ✅") == 1 and out.count("(to Olena, 3003) [14] bot: ✅") == 1
    next_best = fr._("Next best places for household {reference}:").format(reference="SEED-03")
    assert out.count(next_best) == 2 and "(to Olena, 3003) [13] bot: ❌" in out


def test_in_the_sandbox_a_coordinator_proposes_in_ukrainian(tmp_path: Path) -> None:
    out = coordinator_proposes(tmp_path, "uk")
    fr, uk = translator("fr"), translator("uk")
    assert all_households_plan(uk, 10, 10) in out
    assert uk.n_("Propose the {n} ticked pair", "Propose the {n} ticked pairs", 3).format(n=3) in out
    assert uk.n_("{n} proposal sent to the hosts:", "{n} proposals sent to the hosts:", 3).format(n=3) in out
    assert uk._("Next best places for household {reference}:").format(reference="SEED-03") in out  # to Olena
    assert (
        fr._("Next best places for household {reference}:").format(reference="SEED-03") in out
    )  # to Camille
