"""The errors of the stand-in: those answered to the bot, and those raised to whoever simulates users."""

from __future__ import annotations

from typing import Any

JsonDict = dict[str, Any]

DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    """An error answered to the bot as ``{"ok": false, ...}`` with HTTP status ``error_code``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class SimulationError(ValueError):
    """A simulated user action that Telegram would not allow (e.g. pressing a button that isn't there)."""


class UnknownUserError(SimulationError):
    """The simulated user does not exist: call ``add_user`` first."""


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")
