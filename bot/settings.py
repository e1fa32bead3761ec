"""Settings read from environment variables or a `.env` file in the working directory."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.domain.privacy import DEFAULT_ANONYMISE_AFTER_MONTHS, DEFAULT_AUDIT_KEPT_MONTHS, DataPolicy

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///logement.sqlite3"
TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


SANDBOX_FILE: Final = "logement-sandbox.sqlite3"
SANDBOX_DATABASE_URL: Final = f"sqlite+aiosqlite:///{SANDBOX_FILE}"
"""The sandbox's database, in the working directory (`logement-bot sandbox`; `admin … --sandbox`)."""


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one sentence meant for the operator."""


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


class Settings(BaseSettings):
    """What the operator chooses, in the environment variables named by the aliases (see load_settings)."""

    model_config = SettingsConfigDict(
        env_file=".env",
        case_sensitive=True,
        extra="ignore",
        frozen=True,
        str_strip_whitespace=True,
        validate_by_name=True,
        validate_by_alias=True,
    )

    # Required, but by load_settings(): `db upgrade` needs no token. Secrets stay out of logged reprs.
    token: str = Field(default="", validation_alias="TELEGRAM_BOT_TOKEN", repr=False)
    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    api_base_url: str | None = Field(default=None, validation_alias="TELEGRAM_API_BASE_URL")
    api_file_base_url: str | None = Field(
        default=None, validation_alias="TELEGRAM_API_FILE_BASE_URL", validate_default=True
    )
    webhook_url: str | None = Field(default=None, validation_alias="WEBHOOK_URL")
    webhook_secret: str | None = Field(
        default=None, validation_alias="WEBHOOK_SECRET", validate_default=True, repr=False
    )
    webhook_listen: str = Field(default="0.0.0.0", validation_alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8080, validation_alias="WEBHOOK_PORT", gt=0, lt=65536)
    alert_interval_seconds: float = Field(
        default=30.0, validation_alias="ALERT_INTERVAL_SECONDS", ge=0, le=3600, allow_inf_nan=False
    )
    # Beyond FLOOD_UPDATES messages in FLOOD_WINDOW_SECONDS from one person: told once to slow down, the rest
    # dropped (0: no limit).
    flood_updates: int = Field(default=30, validation_alias="FLOOD_UPDATES", ge=0, le=10_000)
    flood_window_seconds: float = Field(
        default=10.0, validation_alias="FLOOD_WINDOW_SECONDS", gt=0, le=3600, allow_inf_nan=False
    )
    # Messages sent per second at most, all chats together (Telegram's limit is about 30; 0: no pacing but
    # Telegram's own 429 answers, for a self-hosted Bot API server or a bot with higher limits).
    send_per_second: float = Field(
        default=28.0, validation_alias="SEND_PER_SECOND", ge=0, le=1000, allow_inf_nan=False
    )
    operator_name: str = Field(default="", validation_alias="OPERATOR_NAME")
    operator_contact: str = Field(default="", validation_alias="OPERATOR_CONTACT")
    # Withdrawn offers and ended stays are anonymised after RETENTION_MONTHS; audit entries (who saw a contact,
    # exported, was refused) are deleted after AUDIT_RETENTION_MONTHS. The privacy notice says both.
    retention_months: int = Field(
        default=DEFAULT_ANONYMISE_AFTER_MONTHS, validation_alias="RETENTION_MONTHS", ge=1, le=120
    )
    audit_retention_months: int = Field(
        default=DEFAULT_AUDIT_KEPT_MONTHS, validation_alias="AUDIT_RETENTION_MONTHS", ge=1, le=120
    )

    @property
    def data_policy(self) -> DataPolicy:
        return DataPolicy(self.operator_name, self.operator_contact, self.retention_months,
                          self.audit_retention_months)  # fmt: skip

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Settings built with keywords (tests, the sandbox) are exactly those keywords: an operator's .env
        # must not turn them into a webhook bot. load_settings() reads the environment.
        return (init_settings,)

    @field_validator("token")
    @classmethod
    def _token(cls, token: str) -> str:
        if token and not TOKEN_PATTERN.match(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a token from @BotFather (digits:letters)."
            )
        return token

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str) -> str:
        return normalise_database_url(url)

    @field_validator("api_base_url")
    @classmethod
    def _api_base_url(cls, url: str | None) -> str | None:
        return None if url is None else _http_url("TELEGRAM_API_BASE_URL", url)

    @field_validator("api_file_base_url")
    @classmethod
    def _api_file_base_url(cls, url: str | None, info: ValidationInfo) -> str | None:
        if url is not None:
            return _http_url("TELEGRAM_API_FILE_BASE_URL", url)
        api_base = (info.data.get("api_base_url") or "").rstrip("/")
        # A self-hosted Bot API server serves files under /file/bot<token>/.
        return api_base[: -len("/bot")] + "/file/bot" if api_base.endswith("/bot") else None

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, url: str | None) -> str | None:
        if url is not None and not _http_url("WEBHOOK_URL", url).startswith("https://"):
            raise ConfigError("WEBHOOK_URL must start with https:// (Telegram only calls webhooks over TLS).")
        return url

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, secret: str | None, info: ValidationInfo) -> str | None:
        if secret is None and info.data.get("webhook_url"):
            raise ConfigError(
                "WEBHOOK_SECRET must be set when WEBHOOK_URL is set (letters, digits, _ and -)."
            )
        if secret is not None and not SECRET_PATTERN.match(secret):
            raise ConfigError(
                "WEBHOOK_SECRET may only contain letters, digits, _ and - (1 to 256 characters)."
            )
        return secret


_VARIABLES = {name: str(field.validation_alias) for name, field in Settings.model_fields.items()}
# What to fix when pydantic's own checks (a type, a bound) refuse a value; {value} is what was given.
_PROBLEMS = {
    "WEBHOOK_PORT": "WEBHOOK_PORT must be a port number between 1 and 65535 (got {value!r}).",
    "ALERT_INTERVAL_SECONDS": (
        "ALERT_INTERVAL_SECONDS must be a number of seconds from 0 (off) to 3600 (got {value!r})."
    ),
    "FLOOD_UPDATES": "FLOOD_UPDATES must be a number of messages from 0 (no limit) to 10000 (got {value!r}).",
    "FLOOD_WINDOW_SECONDS": "FLOOD_WINDOW_SECONDS must be a number of seconds from 1 to 3600 (got {value!r}).",
    "SEND_PER_SECOND": "SEND_PER_SECOND must be a number of messages from 0 (no pacing) to 1000 (got {value!r}).",
    "RETENTION_MONTHS": "RETENTION_MONTHS must be a number of months from 1 to 120 (got {value!r}).",
    "AUDIT_RETENTION_MONTHS": "AUDIT_RETENTION_MONTHS must be a number of months from 1 to 120 (got {value!r}).",
}


def read_environment() -> dict[str, Any]:
    """The settings' variables that are set; real environment variables win over the `.env` file."""
    return {**DotEnvSettingsSource(Settings)(), **EnvSettingsSource(Settings)()}


def _one_sentence(error: ValidationError) -> str:
    first = error.errors()[0]
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, ConfigError):
        return str(cause)
    # The place is the variable's name when read from the environment, the field's when given as a keyword.
    place = str(first["loc"][0]) if first["loc"] else ""
    variable = _VARIABLES.get(place, place)
    if variable in _PROBLEMS:
        return _PROBLEMS[variable].format(value=first["input"])
    return f"{variable}: {first['msg']} (got {first['input']!r})."


def load_settings(env: Mapping[str, str] | None = None, *, require_token: bool = True) -> Settings:
    """The settings from `env`, or from the environment and `.env`; ConfigError says what to fix."""
    values = read_environment() if env is None else env
    # An empty variable counts as unset, as in most tools; other variables (PATH…) are not ours.
    given = {
        name: value for name, value in values.items() if name in _VARIABLES.values() and str(value).strip()
    }
    if require_token and "TELEGRAM_BOT_TOKEN" not in given:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token in the environment "
            "or in a .env file."
        )
    try:
        return Settings.model_validate(given)
    except ValidationError as error:
        raise ConfigError(_one_sentence(error)) from None
