"""PTB's network layer on aiohttp instead of httpx.

Measured on the webhook's hot path (one sendMessage to a local fake, same machine): httpx spent
0.59 ms of CPU per request, aiohttp 0.12 ms. Every update sends one to three Bot API requests
(replies, the tap's acknowledgement and keyboard removal), so this was a fifth of the server's
CPU. PTB keeps everything else (parameters, errors, parsing); only the HTTP call changes.
"""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_DEFAULT = BaseRequest.DEFAULT_NONE


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one `aiohttp.ClientSession` with a bounded connection pool."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 32,
        connect_timeout: float = 10.0,
        read_timeout: float = 20.0,
        write_timeout: float = 20.0,
        pool_timeout: float = 10.0,
        media_write_timeout: float = 60.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (PTB calls this from `Bot.initialize`, and again lazily)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                # Not trust_env: it reads the environment (and ~/.netrc) again on every request,
                # which tripled the cost of a call. `_proxy_for` honours the same variables.
                trust_env=False,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = _DEFAULT,
        write_timeout: Any = _DEFAULT,
        connect_timeout: Any = _DEFAULT,
        pool_timeout: Any = _DEFAULT,
    ) -> tuple[int, bytes]:
        """One HTTP request; PTB turns the status and body into results or errors."""
        if self._session is None or self._session.closed:
            await self.initialize()
        assert self._session is not None
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        read = self._read_timeout if read_timeout is _DEFAULT else read_timeout
        write = self._write_timeout if write_timeout is _DEFAULT else write_timeout
        if files and write_timeout is _DEFAULT:
            write = self._media_write_timeout
        connect = self._connect_timeout if connect_timeout is _DEFAULT else connect_timeout
        pool = self._pool_timeout if pool_timeout is _DEFAULT else pool_timeout
        # aiohttp's connect timeout includes waiting for a free pooled connection. Its read
        # timeout starts only once the body is written, and it has no write timeout: the total
        # bounds an upload that stalls (httpx bounded each write).
        timeout = aiohttp.ClientTimeout(
            total=_sum(connect, pool, write, read),
            connect=_sum(connect, pool),
            sock_read=read,
        )
        try:
            body: Any = _form(fields, files) if files else fields
            async with self._session.request(
                method,
                url,
                data=body,
                headers={"User-Agent": self.USER_AGENT},
                timeout=timeout,
                proxy=self._proxy_for(url),
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}") from err
        except UnicodeError as err:
            # Text that cannot be encoded (a lone surrogate): reported like httpx's, which the
            # sender recognises by the cause and does not retry.
            raise NetworkError(f"{type(err).__name__} in the request") from err

    def _proxy_for(self, url: str) -> str | None:
        """The proxy HTTP(S)_PROXY / NO_PROXY name for this URL's host (looked up once)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        if key not in self._proxies:
            proxy = urllib.request.getproxies().get(parts.scheme)
            if proxy and urllib.request.proxy_bypass(parts.hostname or ""):
                proxy = None
            self._proxies[key] = proxy
        return self._proxies[key]


def _form(fields: dict[str, str] | None, files: dict[str, Any]) -> aiohttp.FormData:
    """A multipart body: the plain parameters, then each file as PTB prepared it
    (filename, content, mime type)."""
    # File names as they are (UTF-8), not percent-encoded: "Scan KTP saya.pdf" reaches the
    # chat under that name, as with httpx.
    form = aiohttp.FormData(quote_fields=False)
    for name, value in (fields or {}).items():
        form.add_field(name, value)
    for name, part in files.items():
        filename, content, mimetype = part
        if not isinstance(content, bytes | bytearray):
            content = content.read()
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


def _sum(*values: float | None) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)
