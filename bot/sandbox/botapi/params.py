"""The parameters of a Bot API call: read from the query, a JSON body or a form, and converted one by one.

python-telegram-bot sends forms whose values are JSON-encoded; ``decode`` undoes that like Telegram does.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox.botapi.errors import ApiError, bad_request

JsonDict = dict[str, Any]

# Parameters whose value is always a string, even when it looks like JSON ("123", "true"...).
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "photo",
        "document",
        "file_id",
        "language_code",
        "url",
        "action",
        "description",
        "short_description",
        "name",
        "secret_token",
        "file_name",
        "query",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "phone_number",
        "first_name",
        "last_name",
        "title",
        "emoji",
        "inline_message_id",
    }
)
_JSON_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes

    def describe(self) -> JsonDict:
        return {"file_name": self.filename, "mime_type": self.content_type, "size": len(self.data)}


@dataclass(frozen=True)
class Call:
    """One Bot API call as a method sees it: its parameters, and whether its client went away."""

    params: JsonDict
    client_gone: Callable[[], bool]


async def read_params(request: web.Request) -> JsonDict:
    """Every parameter of the request, from its query string and its JSON or form body."""
    params: JsonDict = {key: decode(key, value) for key, value in request.query.items()}
    if request.method != "POST" or not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON body") from exc
        if not isinstance(body, dict):
            raise bad_request("the JSON body must be an object")
        params.update({key: decode(key, value) for key, value in body.items()})
        return params
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = Upload(value.filename, value.content_type, value.file.read())
        else:
            params[key] = decode(key, value)
    return params


def loggable(params: JsonDict) -> JsonDict:
    """The parameters as the call log keeps them: uploads described, not their bytes."""
    return {
        key: value.describe() if isinstance(value, Upload) else copy.deepcopy(value)
        for key, value in params.items()
    }


def decode(key: str, value: Any) -> Any:
    """Decode one request value: JSON when it looks like JSON, else the string itself."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str) or key in _STRING_PARAMS:
        return value
    stripped = value.strip()
    if stripped and (
        stripped[0] in '{["' or stripped in ("true", "false", "null") or _JSON_NUMBER.fullmatch(stripped)
    ):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def chat_id_of(params: JsonDict) -> int | None:
    """The numeric ``chat_id`` of a call, if it has one."""
    try:
        return as_int(params.get("chat_id"), "chat_id")
    except ApiError:
        return None


def as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise bad_request(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise bad_request(f"invalid {name} specified")


def as_float(value: Any, name: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value))
    except ValueError as exc:
        raise bad_request(f"invalid {name} specified") from exc


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def as_json_object(value: Any, what: str) -> JsonDict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise bad_request(f"can't parse {what} JSON object") from exc
    if not isinstance(value, dict):
        raise bad_request(f"can't parse {what} JSON object")
    return value


def as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)
