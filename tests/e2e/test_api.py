"""The read-only REST API (`/api/v1`) through the real app: who may read what, paging across
inserts, trimming, ETags, problem details, the rate limit and the access log; and the
`servicedesk tokens` commands."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli.tokens import app as tokens_cli
from bot.server import create_app
from core.api_tokens import CATALOG_READ, REPORTS_READ, SCOPES, TICKETS_READ, hash_token, new_token
from core.settings import Settings, get_settings
from storage import repositories as repo
from storage.db import Database
from storage.models import access_log, api_tokens, attachments

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Monday 10:00 in Pangkalpinang
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "code"}
SECRET_NOTE = "catatan rahasia tentang Pak Budi"


class Clock:
    """The app's clock, moved by the tests."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(
        database_url="sqlite+aiosqlite:///unused.db",
        data_dir=tmp_path / "data",
        telegram_bot_token="",
        **overrides,
    )


@pytest.fixture
async def app(tmp_path: Path, db: Database, clock: Clock) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(tmp_path), db=db, channels=[], jobs=[], clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def add_token(
    db: Database,
    *,
    scopes: tuple[str, ...] = SCOPES,
    agency: str = "babel",
    name: str = "dasbor",
    expires_at: datetime | None = None,
) -> tuple[str, int]:
    token = new_token()
    async with db.transaction() as conn:
        record = await repo.create_token(
            conn,
            agency=agency,
            name=name,
            scopes=scopes,
            token_hash=hash_token(token),
            created_at=NOW - timedelta(days=1),
            expires_at=expires_at,
        )
    return token, record.id


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def file_ticket(
    db: Database, *, at: datetime, agency: str = "babel", service: str = "jaringan-intra"
) -> str:
    async with db.transaction() as conn:
        requester = await repo.get_or_create_requester(
            conn, channel="web", external_id=f"w-{at.timestamp()}", display_name="Budi", at=at
        )
        ticket = await repo.create_ticket(
            conn,
            agency=agency,
            prefix=agency.upper(),
            year=2026,
            service=service,
            product="perbaikan",
            requester_id=requester,
            channel="web",
            chat_id="chat-1",
            fields={"penanggung_jawab": "Budi Santoso", "lokasi": "Gedung A"},
            requirements={"surat-permohonan": {"kind": "srikandi", "number": "B/12/2026"}},
            created_at=at,
            start_at=at,
            target_at=None,
            due_at=at + timedelta(days=3),
            step="disposisi-kadis",
            assigned_role="kadis",
            step_due_at=at + timedelta(hours=3),
        )
    return ticket.ref


async def access_rows(db: Database) -> list[dict[str, Any]]:
    async with db.transaction() as conn:
        rows = await conn.execute(select(access_log).order_by(access_log.c.id))
        return [dict(row._mapping) for row in rows]


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["instance"] == response.request.url.path
    return body


# --------------------------------------------------------------------------- who may read


ROUTES = [
    "/api/v1/tickets",
    "/api/v1/tickets/BABEL-2026-00001",
    "/api/v1/reports?from=2026-03-01&to=2026-03-31",
    "/api/v1/ikm?from=2026-03-01&to=2026-03-31",
    "/api/v1/catalog",
    "/api/v1/calendar/2026",
]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_every_route_refuses_a_request_without_a_valid_token(
    client: httpx.AsyncClient, db: Database, clock: Clock
) -> None:
    good, _ = await add_token(db)
    expired, _ = await add_token(db, expires_at=NOW - timedelta(seconds=1))
    revoked, revoked_id = await add_token(db)
    other_agency, _ = await add_token(db, agency="kalbar")
    async with db.transaction() as conn:
        assert await repo.revoke_token(conn, token_id=revoked_id, at=NOW)
    refusals: list[tuple[dict[str, str], str]] = [
        ({}, ""),  # no header at all
        ({"Authorization": good}, ""),  # no scheme
        ({"Authorization": f"Basic {good}"}, ""),  # another scheme
        ({"Authorization": "Bearer sd_short"}, "invalid_token"),  # malformed
        ({"Authorization": "Bearer " + "x" * 35}, "invalid_token"),
        (bearer(new_token()), "invalid_token"),  # well formed, unknown
        (bearer(expired), "invalid_token"),
        (bearer(revoked), "invalid_token"),
        (bearer(other_agency), "invalid_token"),
    ]
    for path in ROUTES:
        for headers, error in refusals:
            body = assert_problem(await client.get(path, headers=headers), 401)
            challenge = (await client.get(path, headers=headers)).headers["www-authenticate"]
            assert challenge.startswith("Bearer")
            assert (f'error="{error}"' in challenge) == bool(error)
            assert body["code"] == "invalid_token"
        # The token in the query string is never read.
        response = await client.get(path + ("&" if "?" in path else "?") + f"access_token={good}")
        assert_problem(response, 401)
        response = await client.get(path + ("&" if "?" in path else "?") + f"token={good}")
        assert_problem(response, 401)
    # Refusals are not logged as reads, and the unknown/expired tokens were not touched.
    assert await access_rows(db) == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_each_route_needs_its_scope(client: httpx.AsyncClient, db: Database) -> None:
    await file_ticket(db, at=NOW)
    needs = {
        ROUTES[0]: TICKETS_READ,
        ROUTES[1]: TICKETS_READ,
        ROUTES[2]: REPORTS_READ,
        ROUTES[3]: REPORTS_READ,
        ROUTES[4]: CATALOG_READ,
        ROUTES[5]: CATALOG_READ,
    }
    tokens = {scope: (await add_token(db, scopes=(scope,)))[0] for scope in SCOPES}
    for path, scope in needs.items():
        for granted, token in tokens.items():
            response = await client.get(path, headers=bearer(token))
            if granted == scope:
                assert response.status_code == 200, (path, response.text)
                assert response.headers["content-type"] == "application/json"
            else:
                body = assert_problem(response, 403)
                assert body["code"] == "insufficient_scope"
                assert f'scope="{scope}"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_another_agencys_ticket_is_answered_like_a_missing_one(
    client: httpx.AsyncClient, db: Database
) -> None:
    token, _ = await add_token(db)
    mine = await file_ticket(db, at=NOW)
    theirs = await file_ticket(db, at=NOW, agency="kalbar")
    assert theirs.startswith("KALBAR-")
    ok = await client.get(f"/api/v1/tickets/{mine.lower()}", headers=bearer(token))
    assert ok.status_code == 200 and ok.json()["ref"] == mine
    answers = []
    for ref in (theirs, "BABEL-2026-09999", "not a ref"):
        response = await client.get(f"/api/v1/tickets/{ref}", headers=bearer(token))
        body = assert_problem(response, 404)
        answers.append({k: v for k, v in body.items() if k != "instance"})
    assert answers[0] == answers[1] == answers[2]
    # And the list never shows it.
    listed = (await client.get("/api/v1/tickets", headers=bearer(token))).json()
    assert [item["ref"] for item in listed["items"]] == [mine]


# --------------------------------------------------------------------------- tickets


async def walk(
    client: httpx.AsyncClient,
    token: str,
    query: str,
    between_pages: Callable[[int], Awaitable[None]] | None = None,
) -> list[dict[str, Any]]:
    """Every item, following `links.next` (and checking `Link`) to the end."""
    seen: list[dict[str, Any]] = []
    url: str | None = f"/api/v1/tickets?{query}"
    pages = 0
    while url is not None:
        response = await client.get(url, headers=bearer(token))
        assert response.status_code == 200, response.text
        body = response.json()
        seen += body["items"]
        url = body["links"]["next"]
        if url is None:
            assert body["next_cursor"] is None and "link" not in response.headers
        else:
            assert response.headers["link"] == f'<{url}>; rel="next"'
            assert f"cursor={body['next_cursor']}" in url
        pages += 1
        if between_pages is not None:
            await between_pages(pages)
    return seen


async def test_paging_skips_and_repeats_nothing_while_tickets_are_filed(
    client: httpx.AsyncClient, db: Database
) -> None:
    token, _ = await add_token(db)
    # Some share an updated_at, so the id has to break the tie.
    moments = [NOW - timedelta(hours=h) for h in (9, 8, 8, 8, 7, 6, 6, 5, 4)]
    before = [await file_ticket(db, at=moment) for moment in moments]
    added: list[str] = []

    async def file_more(page: int) -> None:
        if page <= 3:
            for _ in range(2):
                added.append(await file_ticket(db, at=NOW + timedelta(minutes=len(added))))

    items = await walk(client, token, "limit=2&fields=ref,updated_at", file_more)
    refs = [item["ref"] for item in items]
    assert len(refs) == len(set(refs))  # nothing twice
    assert set(refs) == set(before) | set(added)  # nothing skipped, the new ones included
    assert refs[-len(added) :] == added  # new tickets come at the end
    assert all(set(item) == {"ref", "updated_at"} for item in items)
    assert [item["updated_at"] for item in items] == sorted(item["updated_at"] for item in items)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_filters_and_fields(client: httpx.AsyncClient, db: Database) -> None:
    token, _ = await add_token(db)
    old = await file_ticket(db, at=datetime(2026, 2, 27, 17, 1, tzinfo=UTC))  # 28th 00:01 WIB
    new = await file_ticket(db, at=NOW)
    other = await file_ticket(db, at=NOW, service="pembangunan-aplikasi")

    async def refs(query: str) -> list[str]:
        return [item["ref"] for item in await walk(client, token, query + "&fields=ref")]

    assert await refs("service=jaringan-intra") == [old, new]
    assert await refs("service=pembangunan-aplikasi") == [other]
    assert await refs("status=baru") == [old, new, other]
    assert await refs("status=selesai") == []
    assert await refs("created_from=2026-02-28&created_to=2026-02-28") == [old]
    assert await refs("created_from=2026-03-01") == [new, other]
    assert await refs("updated_since=2026-03-02T10:00:00%2B07:00") == [new, other]
    assert await refs("updated_since=2026-03-02T03:00:00.000001Z") == []
    assert await refs("officer=1") == []
    full = (await client.get("/api/v1/tickets", headers=bearer(token))).json()["items"][0]
    assert full["ref"] == old
    assert full["answers"] == {"penanggung_jawab": "Budi Santoso", "lokasi": "Gedung A"}
    assert full["requirements"] == {
        "surat-permohonan": {
            "kind": "srikandi",
            "attachment_id": None,
            "srikandi_number": "B/12/2026",
        }
    }
    assert full["created_at"] == "2026-02-28T00:01:00+07:00"  # the agency's clock
    assert "chat_id" not in full and "requester_id" not in full
    for bad in (
        "fields=ref,phone",
        "limit=0",
        "limit=201",
        "status=open",
        "cursor=abc",
        "created_from=2026-02-30",
        "updated_since=yesterday",
        "officer=x",
    ):
        body = assert_problem(
            await client.get(f"/api/v1/tickets?{bad}", headers=bearer(token)), 422
        )
        assert body["code"] == "invalid_parameters"
        if "cursor" in bad or "limit" in bad:
            assert body["errors"] and "input" not in body["errors"][0]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_ticket_with_its_history_files_and_etag(
    client: httpx.AsyncClient, db: Database
) -> None:
    token, token_id = await add_token(db, name="dasbor-kantor")
    ref = await file_ticket(db, at=NOW)
    async with db.transaction() as conn:
        ticket = await repo.get_ticket(conn, ref=ref)
        assert ticket is not None
        await repo.add_event(
            conn,
            ticket_id=ticket.id,
            at=NOW + timedelta(minutes=5),
            actor_kind="officer",
            actor_id=7,
            kind="note",
            data={"step": "disposisi-kadis", "text": SECRET_NOTE},
        )
        await conn.execute(
            attachments.insert().values(
                ticket_id=ticket.id,
                owner_channel="web",
                owner_chat_id="chat-1",
                filename="surat.pdf",
                mime="application/pdf",
                size=1234,
                sha256="0" * 64,
                path="ab/secret-path.pdf",
                created_at=NOW,
            )
        )
    response = await client.get(f"/api/v1/tickets/{ref}", headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert [e["kind"] for e in body["events"]] == ["created", "note"]
    note = body["events"][1]
    assert note == {
        "kind": "note",
        "at": "2026-03-02T10:05:00+07:00",
        "actor_kind": "officer",
        "officer_id": 7,
        "data": {"step": "disposisi-kadis"},
    }
    assert SECRET_NOTE not in response.text and "secret-path" not in response.text
    assert body["attachments"] == [
        {
            "id": body["attachments"][0]["id"],
            "filename": "surat.pdf",
            "mime": "application/pdf",
            "size": 1234,
            "created_at": "2026-03-02T10:00:00+07:00",
        }
    ]
    etag = response.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert etag[1:-1] == hashlib.sha256(response.content).hexdigest()[:32]
    assert len(await access_rows(db)) == 1
    for sent in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        cached = await client.get(
            f"/api/v1/tickets/{ref}", headers={**bearer(token), "If-None-Match": sent}
        )
        assert cached.status_code == 304 and cached.content == b""
        assert cached.headers["etag"] == etag
    changed = await client.get(
        f"/api/v1/tickets/{ref}", headers={**bearer(token), "If-None-Match": '"other"'}
    )
    assert changed.status_code == 200 and changed.headers["etag"] == etag
    rows = await access_rows(db)
    assert len(rows) == 2  # the 304s sent nothing personal
    assert {(r["actor_kind"], r["actor_id"], r["actor_name"], r["channel"]) for r in rows} == {
        ("token", token_id, "dasbor-kantor", "api")
    }
    assert {(r["action"], r["ticket_ref"], r["ticket_id"]) for r in rows} == {
        ("ticket.view", ref, ticket.id)
    }
    async with db.transaction() as conn:
        listed = await repo.list_access(conn, ticket_ref=ref, limit=10)
        assert [r.id for r in listed] == [rows[1]["id"], rows[0]["id"]]  # newest first
        assert await repo.list_access(conn, actor_name="someone else", limit=10) == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_the_access_log_has_a_row_per_ticket_sent_with_personal_data(
    client: httpx.AsyncClient, db: Database
) -> None:
    token, _ = await add_token(db)
    refs = [await file_ticket(db, at=NOW + timedelta(minutes=i)) for i in range(3)]
    await client.get("/api/v1/tickets?limit=2", headers=bearer(token))
    rows = await access_rows(db)
    assert [(r["action"], r["ticket_ref"]) for r in rows] == [
        ("tickets.list", refs[0]),
        ("tickets.list", refs[1]),
    ]
    # Without answers or requirements the page carries nothing personal: no rows.
    await client.get("/api/v1/tickets?fields=ref,status,due_at", headers=bearer(token))
    await client.get("/api/v1/tickets?fields=ref,answers&status=selesai", headers=bearer(token))
    for path in ROUTES[2:]:
        assert (await client.get(path, headers=bearer(token))).status_code == 200
    assert len(await access_rows(db)) == 2
    await client.get("/api/v1/tickets?fields=ref,requirements&limit=1", headers=bearer(token))
    assert len(await access_rows(db)) == 3


# --------------------------------------------------------------------------- other resources


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_reports_ikm_catalog_and_calendar(client: httpx.AsyncClient, db: Database) -> None:
    token, _ = await add_token(db)
    await file_ticket(db, at=NOW)
    report = (await client.get(ROUTES[2], headers=bearer(token))).json()
    assert report["agency"] == "babel" and report["from"] == "2026-03-01"
    assert report["total"]["received"] == 1
    english = (await client.get(ROUTES[2] + "&lang=en", headers=bearer(token))).json()
    assert english["total"] == report["total"]
    ikm = (await client.get(ROUTES[3], headers=bearer(token))).json()
    assert ikm["total"]["respondents"] == 0 and ikm["total"]["ikm"] is None
    assert [e["code"] for e in ikm["total"]["elements"]] == [f"u{i}" for i in range(1, 10)]
    catalog = (await client.get(ROUTES[4], headers=bearer(token))).json()
    assert catalog["agency"]["code"] == "babel"
    service = next(s for s in catalog["services"] if s["code"] == "jaringan-intra")
    assert service["products"] and service["procedure"] and service["fields"]
    slas = [p["sla"] for p in service["products"] if p["sla"]] + [service["sla"]]
    assert any(s and s["due"]["unit"] in ("working_days", "hours", "minutes") for s in slas)
    calendar = (await client.get(ROUTES[5], headers=bearer(token))).json()
    assert calendar["year"] == 2026 and calendar["timezone"]
    kinds = {h["kind"] for h in calendar["holidays"]}
    assert kinds == {"holiday", "cuti_bersama"}
    assert {"date": "2026-01-01", "name": "Tahun Baru Masehi", "kind": "holiday"} in calendar[
        "holidays"
    ]
    assert 200 < calendar["working_days"] < 261
    for bad in (
        "/api/v1/reports?from=2026-03-31&to=2026-03-01",
        "/api/v1/reports?from=2025-01-01&to=2026-03-01",
        "/api/v1/ikm?from=2026-03-01",
        "/api/v1/calendar/1800",
    ):
        assert_problem(await client.get(bad, headers=bearer(token)), 422)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_unknown_paths_and_methods_are_problems_too(
    client: httpx.AsyncClient, db: Database
) -> None:
    token, _ = await add_token(db)
    assert_problem(await client.get("/api/v1/nothing", headers=bearer(token)), 404)
    assert_problem(await client.get("/api/v1/nothing"), 404)
    moved = await client.post("/api/v1/tickets", headers=bearer(token))
    assert_problem(moved, 405)
    assert moved.headers["allow"] == "GET"
    # The rest of the app keeps its own answers.
    assert (await client.get("/nothing")).json() == {"detail": "Not Found"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_the_openapi_document_and_docs_page(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/api/v1/tickets",
        "/api/v1/tickets/{ref}",
        "/api/v1/reports",
        "/api/v1/ikm",
        "/api/v1/catalog",
        "/api/v1/calendar/{year}",
    }
    assert "token" in document["components"]["securitySchemes"]
    ticket = document["paths"]["/api/v1/tickets/{ref}"]["get"]
    assert set(ticket["responses"]["404"]["content"]) == {"application/problem+json"}
    params = {p["name"] for p in document["paths"]["/api/v1/tickets"]["get"]["parameters"]}
    assert "token" not in params and "access_token" not in params
    page = await client.get("/api/docs")
    assert page.status_code == 200 and "/api/v1/openapi.json" in page.text
    # The app as a whole still publishes no OpenAPI of its chat routes.
    assert (await client.get("/openapi.json")).status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_token_over_its_rate_gets_429_with_retry_after(
    tmp_path: Path, db: Database, clock: Clock
) -> None:
    application = create_app(
        make_settings(tmp_path, api_rate_per_minute=3), db=db, channels=[], jobs=[], clock=clock
    )
    token, _ = await add_token(db)
    other, _ = await add_token(db)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://testserver"
        ) as http,
    ):
        for _ in range(3):
            assert (await http.get(ROUTES[4], headers=bearer(token))).status_code == 200
        refused = await http.get(ROUTES[4], headers=bearer(token))
        body = assert_problem(refused, 429)
        assert body["code"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        # Counted per token.
        assert (await http.get(ROUTES[4], headers=bearer(other))).status_code == 200


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_last_used_is_written_at_most_once_a_minute(
    client: httpx.AsyncClient, db: Database, clock: Clock
) -> None:
    token, token_id = await add_token(db)

    async def last_used() -> datetime | None:
        async with db.transaction() as conn:
            record = await repo.get_token(conn, token_id=token_id)
        assert record is not None
        return record.last_used_at

    assert await last_used() is None
    await client.get(ROUTES[4], headers=bearer(token))
    assert await last_used() == NOW
    clock.now = NOW + timedelta(seconds=30)
    await client.get(ROUTES[4], headers=bearer(token))
    assert await last_used() == NOW
    clock.now = NOW + timedelta(minutes=2)
    await client.get(ROUTES[4], headers=bearer(token))
    assert await last_used() == NOW + timedelta(minutes=2)


# --------------------------------------------------------------------------- the CLI


def test_tokens_cli_shows_the_token_once_and_keeps_only_its_hash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "desk.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.delenv("AGENCY", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        made = runner.invoke(
            tokens_cli,
            [
                "create",
                "--name",
                "dasbor",
                "--scope",
                "tickets:read,reports:read",
                "--expires",
                "90d",
            ],
        )
        assert made.exit_code == 0, made.output
        found = re.findall(r"sd_[A-Za-z0-9_-]{32}", made.stdout)
        assert len(found) == 1 and made.stdout.strip().splitlines()[-1] == found[0]
        token = found[0]
        listed = runner.invoke(tokens_cli, ["list"])
        assert listed.exit_code == 0 and "dasbor" in listed.stdout
        assert token not in listed.stdout and hash_token(token) not in listed.stdout
        as_json = runner.invoke(tokens_cli, ["list", "--json"])
        assert '"state": "active"' in as_json.stdout and token not in as_json.stdout
        bad = runner.invoke(tokens_cli, ["create", "--name", "x", "--scope", "tickets:write"])
        assert bad.exit_code == 2 and "tickets:write" in bad.stderr
        bad = runner.invoke(
            tokens_cli, ["create", "--name", "x", "--scope", "tickets:read", "--expires", "soon"]
        )
        assert bad.exit_code == 2
        revoked = runner.invoke(tokens_cli, ["revoke", "1"])
        assert revoked.exit_code == 0 and "#1" in revoked.stdout
        assert '"state": "revoked"' in runner.invoke(tokens_cli, ["list", "--json"]).stdout
        assert runner.invoke(tokens_cli, ["revoke", "99"]).exit_code == 2

        async def stored() -> list[dict[str, Any]]:
            database = Database(f"sqlite+aiosqlite:///{path}")
            try:
                async with database.transaction() as conn:
                    count = (
                        await conn.execute(select(func.count()).select_from(api_tokens))
                    ).scalar()
                    assert count == 1
                    return [dict(r._mapping) for r in await conn.execute(select(api_tokens))]
            finally:
                await database.dispose()

        (row,) = asyncio.run(stored())
        assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
        assert token not in {str(value) for value in row.values()}
        assert row["scopes"] == "tickets:read,reports:read"
        assert row["expires_at"] - row["created_at"] == timedelta(days=90)
    finally:
        get_settings.cache_clear()
