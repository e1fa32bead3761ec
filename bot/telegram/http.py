"""python-telegram-bot's Bot API calls over aiohttp instead of httpx: the same calls for a fifth of the CPU.

Each update costs a `sendMessage` and a share of a `getUpdates`. Through httpx, httpcore and anyio a call cost
about half a millisecond of CPU, a third of an update's in all (httpcore even looks for the absent `sniffio`
module, a failed import, on every call); through this class about a tenth of a millisecond (docs/design.md,
"Throughput"). aiohttp already serves the webhooks. The timeouts keep httpx's meaning, except the write timeout,
which aiohttp does not have: it bounds the whole call instead, together with the others (see `_timeout`).
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

Proxy = tuple[URL | None, aiohttp.BasicAuth | None]


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one aiohttp session, with python-telegram-bot's timeouts and errors."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self.pool_size = connection_pool_size
        self._read, self._write, self._connect, self._pool = (
            read_timeout, write_timeout, connect_timeout, pool_timeout
        )  # fmt: skip
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, Proxy] = {}  # by origin (scheme, host and port)

    @property
    def read_timeout(self) -> float | None:
        """The read timeout used when a call does not say one."""
        return self._read

    async def initialize(self) -> None:
        """Open the session (again after a shutdown), in the running loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.pool_size, limit_per_host=0),
                # No cookies to keep (the Bot API sets none). Not `trust_env`: it looks for a proxy and a .netrc
                # in threads, on every call (see `_proxy`).
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One call: the HTTP status and the body; TimedOut or NetworkError when there is no answer."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if files:  # with its parameters, as httpx sends them (each value JSON-encoded, files as parts)
            assert request_data is not None
            form = aiohttp.FormData(quote_fields=False)  # names in UTF-8, as httpx sends them: not %-encoded
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mime_type) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            data = form
        elif request_data is not None:  # encoded here: cheaper than aiohttp's form for a few fields
            data = urlencode(request_data.json_parameters).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        timeout = self._timeout(
            self._read if isinstance(read_timeout, DefaultValue) else read_timeout,
            (self._media_write if files else self._write)
            if isinstance(write_timeout, DefaultValue)
            else write_timeout,
            self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout,
            self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout,
        )
        proxy, proxy_auth = self._proxy(url)
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout, proxy=proxy, proxy_auth=proxy_auth
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's own timeouts are TimeoutErrors too
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _proxy(self, url: str) -> Proxy:
        """The proxy the environment names for this address (HTTPS_PROXY, NO_PROXY…), as httpx followed them: a
        bot behind a proxy keeps working. Looked up once per origin."""
        origin = "/".join(url.split("/", 3)[:3])  # http://host:port
        if origin not in self._proxies:
            try:
                self._proxies[origin] = get_env_proxy_for_url(URL(origin))
            except LookupError:
                self._proxies[origin] = (None, None)
        return self._proxies[origin]

    @staticmethod
    def _timeout(
        read: float | None, write: float | None, connect: float | None, pool: float | None
    ) -> aiohttp.ClientTimeout:
        """httpx's four timeouts in aiohttp's terms. aiohttp starts the read timeout once the request is sent
        and restarts it with each chunk received, as httpx does; its `connect` counts the wait for a free
        connection too. It has no write timeout: a call is bounded as a whole by the sum of the four, so that a
        stalled upload still ends."""
        phases = (read, write, connect, pool)
        return aiohttp.ClientTimeout(
            total=None if None in phases else sum(phase for phase in phases if phase is not None),
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
