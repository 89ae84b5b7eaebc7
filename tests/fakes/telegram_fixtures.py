"""Fixtures for the Telegram tests; load with `pytest_plugins = ["tests.fakes.telegram_fixtures"]`.

(A separate module from the fake itself, so pytest can rewrite its asserts when it loads it.)
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.telegram_api import FakeTelegramAPI


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegramAPI]:
    """A running fake Bot API server."""
    with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
def offline_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail (and report after the test) any HTTP call this process makes to a non-local host."""
    violations: list[str] = []
    local = {"127.0.0.1", "localhost", "::1"}
    async_send = httpx.AsyncHTTPTransport.handle_async_request
    sync_send = httpx.HTTPTransport.handle_request

    async def guarded_async(
        self: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        if request.url.host not in local:
            violations.append(request.url.host)
            raise httpx.ConnectError("tests are offline", request=request)
        return await async_send(self, request)

    def guarded_sync(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        if request.url.host not in local:
            violations.append(request.url.host)
            raise httpx.ConnectError("tests are offline", request=request)
        return sync_send(self, request)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", guarded_async)
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", guarded_sync)
    yield violations
    assert not violations, f"the bot tried to reach the network: {sorted(set(violations))}"
