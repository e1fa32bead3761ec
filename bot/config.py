"""Settings read from environment variables or a `.env` file in the working directory."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///logement.sqlite3"
TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one sentence meant for the operator."""


@dataclass(frozen=True)
class Settings:
    token: str
    database_url: str = DEFAULT_DATABASE_URL
    api_base_url: str | None = None
    api_file_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8080
    alert_interval_seconds: float = 30.0


def read_environment(env_file: Path | None = None) -> dict[str, str]:
    """Real environment variables win over the `.env` file, as with most tools."""
    path = env_file or Path.cwd() / ".env"
    values = {k: v for k, v in dotenv_values(path).items() if v is not None} if path.is_file() else {}
    values.update(os.environ)
    return values


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://) and choose the async drivers."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite:///")):
        return url
    raise ConfigError(
        f"DATABASE_URL must start with postgresql+asyncpg:// or sqlite+aiosqlite:/// (got {url.split(':')[0]}:…)."
    )


def _http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{name} must be an http(s) URL, for example https://example.org/path (got {value!r})."
        )
    return value


def load_settings(env: dict[str, str] | None = None, *, require_token: bool = True) -> Settings:
    env = read_environment() if env is None else env
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if require_token and not token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token in the environment "
            "or in a .env file."
        )
    if token and not TOKEN_PATTERN.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a token from @BotFather (digits:letters).")

    api_base = env.get("TELEGRAM_API_BASE_URL", "").strip() or None
    if api_base:
        api_base = _http_url("TELEGRAM_API_BASE_URL", api_base)
    file_base = env.get("TELEGRAM_API_FILE_BASE_URL", "").strip() or None
    if file_base:
        file_base = _http_url("TELEGRAM_API_FILE_BASE_URL", file_base)
    elif api_base and api_base.rstrip("/").endswith("/bot"):
        # A self-hosted Bot API server serves files under /file/bot<token>/.
        file_base = api_base.rstrip("/")[: -len("/bot")] + "/file/bot"

    webhook_url = env.get("WEBHOOK_URL", "").strip() or None
    webhook_secret = env.get("WEBHOOK_SECRET", "").strip() or None
    if webhook_url:
        if not _http_url("WEBHOOK_URL", webhook_url).startswith("https://"):
            raise ConfigError("WEBHOOK_URL must start with https:// (Telegram only calls webhooks over TLS).")
        if not webhook_secret:
            raise ConfigError(
                "WEBHOOK_SECRET must be set when WEBHOOK_URL is set (letters, digits, _ and -)."
            )
    if webhook_secret and not SECRET_PATTERN.match(webhook_secret):
        raise ConfigError("WEBHOOK_SECRET may only contain letters, digits, _ and - (1 to 256 characters).")

    port_text = env.get("WEBHOOK_PORT", "8080").strip()
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"WEBHOOK_PORT must be a port number between 1 and 65535 (got {port_text!r}).")

    interval_text = env.get("ALERT_INTERVAL_SECONDS", "30").strip()
    try:
        interval = float(interval_text)
    except ValueError:
        interval = -1.0
    if not 0 <= interval <= 3600:
        raise ConfigError(
            f"ALERT_INTERVAL_SECONDS must be a number of seconds from 0 (off) to 3600 (got {interval_text!r})."
        )

    return Settings(
        token=token,
        alert_interval_seconds=interval,
        database_url=normalise_database_url(env.get("DATABASE_URL", "") or DEFAULT_DATABASE_URL),
        api_base_url=api_base,
        api_file_base_url=file_base,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=env.get("WEBHOOK_LISTEN", "0.0.0.0").strip() or "0.0.0.0",
        webhook_port=int(port_text),
    )
