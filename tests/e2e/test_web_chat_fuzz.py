"""Random input to the web chat API never gets a 500 or a stack trace, only a polite answer."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.server import create_app
from bot.web.router import channel as web_channel
from core.settings import Settings
from storage.db import Database

CSRF = {"X-Requested-With": "servicedesk-web"}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
message_bodies = st.fixed_dictionaries(
    {},
    optional={
        "id": st.uuids().map(str) | st.text(max_size=40),
        "text": st.text(max_size=300) | json_values,
        "choice": st.sampled_from(["svc:jaringan-intra", "sum:send", "skip", "lang:en"])
        | st.text(max_size=80),
        "lang": st.sampled_from(["id", "en", "xx"]) | st.text(max_size=12),
    },
)


@dataclass
class LiveApp:
    """The real app on a private event loop, shared by every example of one test."""

    runner: asyncio.Runner
    client: httpx.AsyncClient

    def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.runner.run(self.client.request(method, url, **kwargs))


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    settings_ = Settings(
        data_dir=tmp_path / "data",
        max_attachment_bytes=50_000,
        # Every example is one client: the rate limits would answer most of them with a 429.
        web_rate_limit_per_session="100000/minute",
        web_rate_limit_per_ip="100000/minute",
        web_upload_rate_limit_per_ip="100000/minute",
    )
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}")
    app = create_app(settings_, db=db, channels=[web_channel], jobs=[])
    with asyncio.Runner() as runner:
        lifespan = app.router.lifespan_context(app)
        runner.run(lifespan.__aenter__())
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        try:
            yield LiveApp(runner, client)
        finally:
            runner.run(client.aclose())
            runner.run(lifespan.__aexit__(None, None, None))
            runner.run(db.dispose())


def assert_polite(response: httpx.Response) -> None:
    """A 2xx answer, or a 4xx with a short `error` text: never a crash."""
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    if response.status_code >= 400:
        body = response.json()
        # Addresses matching no route at all get the framework's own 404 ({"detail": ...}).
        message = body.get("error") or (body.get("detail") if response.status_code == 404 else None)
        assert isinstance(message, str) and message


fuzz = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@fuzz
@given(body=message_bodies)
def test_any_json_message_gets_a_polite_answer(live_app: LiveApp, body: dict[str, Any]) -> None:
    response = live_app.call("POST", "/web/api/messages", json=body, headers=CSRF)
    assert_polite(response)


@fuzz
@given(
    raw=st.binary(max_size=2000),
    content_type=st.sampled_from(["application/json", "text/plain", ""]),
)
def test_any_bytes_posted_as_a_message_get_a_polite_answer(
    live_app: LiveApp, raw: bytes, content_type: str
) -> None:
    headers = {**CSRF, "Content-Type": content_type} if content_type else CSRF
    response = live_app.call("POST", "/web/api/messages", content=raw, headers=headers)
    assert_polite(response)


@fuzz
@given(
    data=st.binary(max_size=60_000),
    filename=st.text(max_size=300),
    mime=st.text(max_size=60),
    caption=st.none() | st.text(max_size=200),
)
def test_any_file_upload_gets_a_polite_answer(
    live_app: LiveApp, data: bytes, filename: str, mime: str, caption: str | None
) -> None:
    form = {"id": str(uuid.uuid4())} | ({"text": caption} if caption is not None else {})
    # Multipart headers cannot carry every character; the browser would escape them too.
    safe_name = json.dumps(filename)[1:-1]
    safe_mime = mime.encode("ascii", "ignore").decode().strip() or "application/octet-stream"
    try:
        request = live_app.client.build_request(
            "POST",
            "/web/api/upload",
            files={"file": (safe_name, data, safe_mime)},
            data=form,
            headers=CSRF,
        )
    except (ValueError, UnicodeEncodeError):
        return
    response = live_app.runner.run(live_app.client.send(request))
    assert_polite(response)


@fuzz
@given(after=st.text(max_size=30), document=st.text(min_size=1, max_size=30))
def test_any_poll_or_download_address_gets_a_polite_answer(
    live_app: LiveApp, after: str, document: str
) -> None:
    assert_polite(live_app.call("GET", "/web/api/messages", params={"after": after}))
    path = "/web/api/documents/" + quote(document, safe="")
    assert_polite(live_app.call("GET", path))
