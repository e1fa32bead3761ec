"""Settings from the environment and `.env`, and built from keywords."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ConfigError, Settings, load_settings
from tests.test_cli import TOKEN, cli

VARIABLES = ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_BASE_URL", "TELEGRAM_API_FILE_BASE_URL",
             "WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_LISTEN", "WEBHOOK_PORT", "ALERT_INTERVAL_SECONDS",
             "OPERATOR_NAME", "OPERATOR_CONTACT", "RETENTION_MONTHS", "AUDIT_RETENTION_MONTHS")  # fmt: skip


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory and none of the bot's variables in the environment."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_environment_wins_over_dot_env(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nDATABASE_URL=sqlite:///from-file.sqlite3\nWEBHOOK_PORT=8000\n"
        "webhook_listen=127.0.0.1\nOPERATOR_NAME='Association Exemple'\n"
    )
    monkeypatch.setenv("WEBHOOK_PORT", "9000")
    monkeypatch.setenv("OPERATOR_CONTACT", " contact@example.org ")
    settings = load_settings()
    assert settings.token == TOKEN
    assert settings.database_url == "sqlite+aiosqlite:///from-file.sqlite3"
    assert settings.webhook_port == 9000
    assert settings.webhook_listen == "0.0.0.0"  # names are case-sensitive, as environment variables are
    assert (settings.operator_name, settings.operator_contact) == (
        "Association Exemple",
        "contact@example.org",
    )


def test_operator_is_optional_and_empty_variables_count_as_unset() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "", "DATABASE_URL": " "})
    assert (settings.operator_name, settings.operator_contact) == ("", "")
    assert (settings.retention_months, settings.audit_retention_months) == (12, 24)
    policy = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "OPERATOR_NAME": "DDETS 44", "RETENTION_MONTHS": "6",
                            "AUDIT_RETENTION_MONTHS": "36"}).data_policy  # fmt: skip
    assert (policy.operator_name, policy.anonymise_after_months, policy.audit_kept_months) == (
        "DDETS 44",
        6,
        36,
    )
    assert settings.webhook_url is None and settings.database_url.startswith("sqlite+aiosqlite:///")


def test_keywords_alone_make_the_settings(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The tests and the sandbox build their settings; an operator's webhook must not leak into them.
    (workdir / ".env").write_text("WEBHOOK_URL=https://example.org/hook\nWEBHOOK_SECRET=s\n")
    monkeypatch.setenv("OPERATOR_NAME", "Association Exemple")
    settings = Settings(token=TOKEN, database_url="sqlite+aiosqlite:///x.sqlite3", alert_interval_seconds=0)
    assert settings.webhook_url is None and settings.operator_name == ""
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        (
            {"WEBHOOK_PORT": "eighty"},
            "WEBHOOK_PORT must be a port number between 1 and 65535 (got 'eighty').",
        ),
        ({"WEBHOOK_PORT": "0"}, "WEBHOOK_PORT must be a port number"),
        ({"ALERT_INTERVAL_SECONDS": "-1"}, "ALERT_INTERVAL_SECONDS must be a number of seconds from 0"),
        ({"ALERT_INTERVAL_SECONDS": "nan"}, "ALERT_INTERVAL_SECONDS must be a number of seconds from 0"),
        ({"TELEGRAM_API_FILE_BASE_URL": "files"}, "TELEGRAM_API_FILE_BASE_URL must be an http"),
        ({"WEBHOOK_URL": "hook", "WEBHOOK_SECRET": "a"}, "WEBHOOK_URL must be an http"),
        ({"RETENTION_MONTHS": "0"}, "RETENTION_MONTHS must be a number of months from 1 to 120 (got '0')."),
        ({"AUDIT_RETENTION_MONTHS": "two years"}, "AUDIT_RETENTION_MONTHS must be a number of months from 1"),
    ],
)
def test_more_bad_settings_are_refused_with_one_sentence(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **env})
    assert str(refused.value).startswith(complaint) and "\n" not in str(refused.value)


def test_a_value_pydantic_refuses_stops_the_bot_in_one_line(tmp_path: Path) -> None:
    result = cli("run", cwd=tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, WEBHOOK_PORT="http")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "logement-bot: WEBHOOK_PORT must be a port number between 1 and 65535 (got 'http')."
    )


def test_derived_file_url() -> None:
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "https://api.example/bot/"}
    )
    assert settings.api_file_base_url == "https://api.example/file/bot"
    assert load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}).api_file_base_url is None
