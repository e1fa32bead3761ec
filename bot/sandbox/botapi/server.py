"""The HTTP server the bot talks to: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``.

Each call is checked (token), logged, exposed to the injected faults, then handed to its method.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.sandbox.botapi.errors import ApiError
from bot.sandbox.botapi.faults import Faults
from bot.sandbox.botapi.methods import METHODS
from bot.sandbox.botapi.params import Call, chat_id_of, loggable, read_params
from bot.sandbox.botapi.state import State

JsonDict = dict[str, Any]

_MAX_REQUEST_BYTES = 60 * 1024 * 1024
_METHOD_NAMES = {name.lower(): name for name in METHODS}  # Telegram method names are case-insensitive


class BotApiServer:
    """The aiohttp server, its call log and the tokens it saw."""

    def __init__(
        self,
        state: State,
        faults: Faults,
        add_routes: Callable[[web.Application], None],
        host: str,
        port: int,
        *,
        expected_token: str | None,
        bot_id_from_token: bool,
    ) -> None:
        self.host = host
        self.port = port
        self.expected_token = expected_token
        self.tokens: list[str] = []
        self.calls: list[tuple[str, JsonDict]] = []
        self._state = state
        self._faults = faults
        self._add_routes = add_routes
        self._bot_id_from_token = bot_id_from_token
        self._runner: web.AppRunner | None = None
        self.url: str | None = None

    async def start(self) -> str:
        """Start serving; returns the base url, e.g. ``http://127.0.0.1:PORT``."""
        if self.url is not None:
            return self.url
        app = web.Application(client_max_size=_MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_call)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file_download)
        self._add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self._state.open()
        self.port = int(runner.addresses[0][1])
        self.url = f"http://{self.host}:{self.port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving; pending long polls are answered with an empty list first."""
        self._state.close()
        if self._runner is not None:
            await asyncio.sleep(0)
            await self._runner.cleanup()
            self._runner = None
        self.url = None

    async def _handle_call(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        name = _METHOD_NAMES.get(method.lower(), method)
        try:
            self._check_token(request.match_info["token"])
            params = await read_params(request)
        except ApiError as exc:
            self.calls.append((name, {}))
            return web.json_response(exc.payload(), status=exc.error_code)
        self.calls.append((name, loggable(params)))
        chat_id = chat_id_of(params)
        delay = self._faults.take_delay(name, chat_id)
        try:
            if name not in METHODS:
                raise ApiError(404, "Not Found: method not found")
            self._faults.check(name, chat_id)
            result = await METHODS[name](self._state, Call(params, lambda: _client_gone(request)))
            response = web.json_response({"ok": True, "result": result})
        except ApiError as exc:
            response = web.json_response(exc.payload(), status=exc.error_code)
        if delay:
            await asyncio.sleep(delay)  # done already, answered late: to the bot it looks like a timeout
        return response

    def _check_token(self, token: str) -> None:
        if self.expected_token is not None and token != self.expected_token:
            raise ApiError(401, "Unauthorized")
        if token not in self.tokens:
            self.tokens.append(token)
            prefix = token.split(":", 1)[0]
            if len(self.tokens) == 1 and self._bot_id_from_token and prefix.isdigit():
                self._state.bot_user["id"] = int(prefix)

    async def _handle_file_download(self, request: web.Request) -> web.StreamResponse:
        try:
            self._check_token(request.match_info["token"])
        except ApiError as exc:
            return web.json_response(exc.payload(), status=exc.error_code)
        stored = self._state.files.at_path(request.match_info["path"])
        if stored is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")


def _client_gone(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()
