"""The simulation over HTTP, for the sandbox page and the tests; each answers ``{"ok": true, "result": ...}``.

- ``GET /`` the chat web page (page.html); ``GET|POST /_sim/users`` list / create-or-update a user
  ``{user_id, first_name, language_code, username?}``
- ``POST /_sim/send`` ``{user_id, text}`` | ``{user_id, callback: {message_id, data}}`` |
  ``{user_id, location: {lat, lon}}`` | ``{user_id, contact: {phone_number}}``
- ``POST /_sim/upload`` multipart ``user_id``, ``kind`` (photo|document), ``file``, ``caption?``
- ``GET /_sim/messages?user_id=N&after=M`` the transcript after message M
- ``GET /_sim/wait?user_id=N&after=M&timeout=S`` the next bot message (new or edited) after M, or null;
  ``GET /_sim/wait?user_id=N&since=V&timeout=S`` the whole chat state once its version passes V
- ``GET /_sim/file/{file_id}[?download=1]``, ``GET /_sim/calls[?method=...]``, ``GET /_sim/commands``,
  ``GET /_sim/updates``
- ``POST /_sim/fail`` ``{method, error_code, description?, retry_after?, count?}`` (as ``fail_next``),
  ``POST /_sim/delay`` ``{method, seconds, count?, chat_id?}`` (as ``delay_next``),
  ``POST /_sim/limits`` ``{per_second_overall?, per_chat_per_second?}`` (as ``enforce_limits``) or
  ``{"enabled": false}``
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.botapi.errors import SimulationError, UnknownUserError
from bot.sandbox.botapi.state import State

if TYPE_CHECKING:
    from bot.sandbox.botapi.facade import FakeBotApi

JsonDict = dict[str, Any]

PAGE_FILE = Path(__file__).parent.parent / "page.html"
_MAX_WAIT_SECONDS = 60.0


class SimulationRoutes:
    """The ``/_sim`` endpoints: the simulation side of ``FakeBotApi``, as JSON over HTTP."""

    def __init__(self, api: FakeBotApi, state: State) -> None:
        self._api = api
        self._state = state

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/", self._page)
        app.router.add_get("/_sim/users", self._get_users)
        app.router.add_post("/_sim/users", self._post_users)
        app.router.add_post("/_sim/send", self._send)
        app.router.add_post("/_sim/upload", self._upload)
        app.router.add_get("/_sim/messages", self._messages)
        app.router.add_get("/_sim/wait", self._wait)
        app.router.add_get("/_sim/file/{file_id}", self._file)
        app.router.add_get("/_sim/calls", self._calls)
        app.router.add_get("/_sim/commands", self._commands)
        app.router.add_get("/_sim/updates", self._updates)
        app.router.add_post("/_sim/fail", self._fail)
        app.router.add_post("/_sim/delay", self._delay)
        app.router.add_post("/_sim/limits", self._limits)

    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE_FILE.read_text(encoding="utf-8"), content_type="text/html")

    async def _get_users(self, request: web.Request) -> web.Response:
        return _ok(self._api.users)

    async def _post_users(self, request: web.Request) -> web.Response:
        try:
            body = await _json_body(request)
            user = self._api.add_user(
                _body_int(body, "user_id"),
                str(body.get("first_name") or f"User {body.get('user_id')}"),
                language_code=body.get("language_code", "fr"),
                username=body.get("username") or None,
                last_name=body.get("last_name") or None,
                phone_number=body.get("phone_number") or None,
            )
        except SimulationError as exc:
            return _error(exc)
        return _ok(user)

    async def _send(self, request: web.Request) -> web.Response:
        try:
            body = await _json_body(request)
            user_id = _body_int(body, "user_id")
            if "text" in body:
                update_id = self._api.send_text(user_id, str(body["text"]))
            elif isinstance(body.get("callback"), dict):
                callback = body["callback"]
                update_id = self._api.press_button(
                    user_id, _body_int(callback, "message_id"), str(callback.get("data", ""))
                )
            elif isinstance(body.get("location"), dict):
                location = body["location"]
                try:
                    lat, lon = float(location["lat"]), float(location["lon"])
                except (KeyError, TypeError, ValueError) as exc:
                    raise SimulationError("location needs numeric lat and lon") from exc
                update_id = self._api.send_location(user_id, lat, lon)
            elif isinstance(body.get("contact"), dict):
                update_id = self._api.send_contact(user_id, str(body["contact"].get("phone_number") or ""))
            else:
                raise SimulationError("expected one of text, callback, location, contact")
        except SimulationError as exc:
            return _error(exc)
        return _ok({"update_id": update_id, "version": self._api.version})

    async def _upload(self, request: web.Request) -> web.Response:
        try:
            form = await request.post()
            upload = form.get("file")
            if not isinstance(upload, web.FileField):
                raise SimulationError("expected a multipart 'file' part")
            try:
                user_id = int(str(form.get("user_id", "")))
            except ValueError as exc:
                raise SimulationError("user_id must be an integer") from exc
            kind = str(form.get("kind", "document"))
            caption = str(form.get("caption") or "") or None
            data = upload.file.read()
            if kind == "photo":
                update_id = self._api.send_photo(user_id, data, caption)
            elif kind == "document":
                update_id = self._api.send_document(
                    user_id, data, upload.filename or "file", upload.content_type or None, caption
                )
            else:
                raise SimulationError("kind must be photo or document")
        except SimulationError as exc:
            return _error(exc)
        return _ok({"update_id": update_id, "version": self._api.version})

    async def _messages(self, request: web.Request) -> web.Response:
        try:
            user_id = _query_int(request, "user_id")
            after = _query_int(request, "after", 0)
            chat = self._state.chat_state(user_id)
        except SimulationError as exc:
            return _error(exc)
        messages = [m for m in chat["messages"] if m["message_id"] > after]
        return web.json_response({"ok": True, "result": messages, "version": chat["version"]})

    async def _wait(self, request: web.Request) -> web.Response:
        """``after=M``: the next bot message after message M (result null on timeout).

        ``since=V``: wait until the chat changes after version V; result is the whole chat state.
        """
        try:
            user_id = _query_int(request, "user_id")
            self._state.chat_of(user_id)
            try:
                timeout = min(float(request.query.get("timeout", "10")), _MAX_WAIT_SECONDS)
            except ValueError as exc:
                raise SimulationError("timeout must be a number") from exc
            if "since" in request.query:
                since = _query_int(request, "since")
                await self._state.wait_for_change(since, timeout, user_id=user_id)
                return _ok(self._state.chat_state(user_id))
            after = _query_int(request, "after", -1)
            try:
                message = await self._api.wait_for_bot_message(
                    user_id, after_message_id=None if after < 0 else after, timeout=timeout
                )
            except TimeoutError:
                return _ok(None)
            return _ok(message)
        except SimulationError as exc:
            return _error(exc)

    async def _file(self, request: web.Request) -> web.Response:
        stored = self._state.files.get(request.match_info["file_id"])
        if stored is None:
            return _error(SimulationError("unknown file_id"))
        headers = {}
        if request.query.get("download"):
            name = stored.file_name or Path(stored.file_path).name
            safe = re.sub(r"[^A-Za-z0-9._ -]", "_", name)
            headers["Content-Disposition"] = f'attachment; filename="{safe}"'
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream", headers=headers
        )

    async def _calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = [
            {"method": name, "params": params}
            for name, params in self._api.calls
            if method is None or name.lower() == method.lower()
        ]
        return _ok(calls)

    async def _commands(self, request: web.Request) -> web.Response:
        return _ok(
            [
                {"scope": json.loads(scope), "language_code": language, "commands": commands}
                for (scope, language), commands in self._api.command_sets.items()
            ]
        )

    async def _updates(self, request: web.Request) -> web.Response:
        return _ok(self._api.pending_updates)

    async def _fail(self, request: web.Request) -> web.Response:
        try:
            body = await _json_body(request)
            retry_after = body.get("retry_after")
            self._api.fail_next(
                str(body.get("method") or ""),
                _body_int(body, "error_code"),
                body.get("description"),
                int(retry_after) if retry_after is not None else None,
                int(body.get("count", 1)),
            )
        except (SimulationError, ValueError, TypeError) as exc:
            return _error(exc)
        return _ok(True)

    async def _delay(self, request: web.Request) -> web.Response:
        try:
            body = await _json_body(request)
            if "seconds" not in body:
                raise SimulationError("seconds is required")
            chat_id = body.get("chat_id")
            self._api.delay_next(
                str(body.get("method") or ""),
                float(body["seconds"]),
                int(body.get("count", 1)),
                int(chat_id) if chat_id is not None else None,
            )
        except (SimulationError, ValueError, TypeError) as exc:
            return _error(exc)
        return _ok(True)

    async def _limits(self, request: web.Request) -> web.Response:
        try:
            body = await _json_body(request)
            if body.get("enabled", True) is False:
                self._api.disable_limits()
            else:
                self._api.enforce_limits(
                    int(body.get("per_second_overall", 30)), int(body.get("per_chat_per_second", 1))
                )
        except (SimulationError, ValueError, TypeError) as exc:
            return _error(exc)
        return _ok(True)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(exc: Exception) -> web.Response:
    status = 404 if isinstance(exc, UnknownUserError) else 400
    return web.json_response({"ok": False, "error_code": status, "description": str(exc)}, status=status)


async def _json_body(request: web.Request) -> JsonDict:
    try:
        body = await request.json()
    except ValueError as exc:
        raise SimulationError("the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise SimulationError("the body must be a JSON object")
    return body


def _query_int(request: web.Request, name: str, default: int | None = None) -> int:
    raw = request.query.get(name)
    if raw in (None, ""):
        if default is None:
            raise SimulationError(f"missing query parameter {name}")
        return default
    try:
        return int(str(raw))
    except ValueError as exc:
        raise SimulationError(f"query parameter {name} must be an integer") from exc


def _body_int(body: JsonDict, name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise SimulationError(f"{name} must be an integer")
    try:
        return int(value)
    except ValueError as exc:
        raise SimulationError(f"{name} must be an integer") from exc
