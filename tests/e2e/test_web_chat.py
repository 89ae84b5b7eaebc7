"""The web chat's HTTP API, end to end through the real app (dialog engine, database, outbox),
driven the way the page drives it: JSON messages, multipart uploads, polling."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.messages import Outbound, OutboundDocument
from bot.pipeline import DurableWriteError
from bot.server import create_app
from bot.web.router import channel as web_channel
from bot.web.session import COOKIE_NAME, LEGACY_SECRET_FILENAME, session_secret
from core.settings import Settings
from storage import repositories as repo
from storage.db import Database
from storage.models import app_secrets, attachments, outbox

CSRF = {"X-Requested-With": "servicedesk-web"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REF = re.compile(r"BABEL-\d{4}-\d{5}")


class Requester:
    """One browser session talking to the chat API the way the page does."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.last: list[dict[str, Any]] = []

    async def open_page(self) -> httpx.Response:
        """Load the page (which issues the session cookie)."""
        return await self.client.get("/")

    async def post(self, body: dict[str, Any], *, message_id: str | None = None) -> httpx.Response:
        """Post one message and remember the bot's answer."""
        body = {"id": message_id or str(uuid.uuid4()), **body}
        response = await self.client.post("/web/api/messages", json=body, headers=CSRF)
        if response.status_code == 200:
            self.last = response.json()["messages"]
        return response

    async def say(self, text: str) -> list[dict[str, Any]]:
        """Type a text and send it; the bot's replies."""
        response = await self.post({"text": text})
        assert response.status_code == 200, response.text
        return self.last

    async def tap(self, label: str) -> list[dict[str, Any]]:
        """Tap the button with this label on the bot's latest message."""
        buttons = {c["label"]: c["data"] for m in self.last for c in m["choices"]}
        assert label in buttons, f"no button {label!r} in {sorted(buttons)}"
        response = await self.post({"choice": buttons[label]})
        assert response.status_code == 200, response.text
        return self.last

    async def upload(self, name: str, data: bytes, mime: str = "application/pdf") -> httpx.Response:
        """Attach a file and send it."""
        response = await self.client.post(
            "/web/api/upload",
            files={"file": (name, data, mime)},
            data={"id": str(uuid.uuid4())},
            headers=CSRF,
        )
        if response.status_code == 200:
            self.last = response.json()["messages"]
        return response

    async def poll(self, after: int | None = None) -> dict[str, Any]:
        """What the page's poll gets; like the page, it then acknowledges what it showed."""
        params = {} if after is None else {"after": str(after)}
        response = await self.client.get("/web/api/messages", params=params)
        assert response.status_code == 200, response.text
        polled = dict(response.json())
        if polled["messages"]:
            ids = [m["id"] for m in polled["messages"]]
            ack = await self.client.post("/web/api/messages/ack", json={"ids": ids}, headers=CSRF)
            assert ack.status_code == 200, ack.text
        return polled

    @property
    def session_cookie(self) -> str:
        value = self.client.cookies.get(COOKIE_NAME)
        assert value
        return value


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url="sqlite+aiosqlite:///unused.db",
        data_dir=tmp_path / "data",
        max_attachment_bytes=200_000,
        telegram_bot_token="",
    )


@pytest.fixture
async def app(settings: Settings, db: Database) -> AsyncIterator[FastAPI]:
    application = create_app(settings, db=db, channels=[web_channel], jobs=[])
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[Callable[[], Requester]]:
    """Opens as many independent browser sessions as a test needs."""
    async with AsyncExitStack() as stack:

        def open_session() -> Requester:
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            )
            stack.push_async_callback(client.aclose)
            return Requester(client)

        yield open_session


async def file_network_request(user: Requester, *, with_letter: bool = True) -> str:
    """Walk the whole intake dialog for a broken office network; returns the ticket ref."""
    await user.open_page()
    await user.say("internet kantor mati")
    await user.tap("Ya")
    for answer in (
        "Dinas Pendidikan",
        "Budi Santoso",
        "19850101 201001 1 003",
        "081234567890",
        "Gedung A lantai 2",
        "Internet di ruang rapat mati sejak pagi",
        "seluruh kantor",  # the impact of the disturbance
    ):
        await user.say(answer)
    if with_letter:
        response = await user.upload("surat permohonan.pdf", PDF)
        assert response.status_code == 200, response.text
        assert "surat permohonan.pdf" in texts(user.last)
    else:
        await user.tap("Lewati")
    await user.tap("Kirim")
    found = REF.search(texts(user.last))
    assert found, texts(user.last)
    return found.group(0)


async def test_the_page_sets_a_signed_httponly_session_cookie_and_loads_only_local_files(
    browser: Callable[[], Requester],
) -> None:
    user = browser()
    response = await user.open_page()
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    html = response.text
    assert '<html lang="id">' in html
    assert 'aria-live="polite"' in html
    assert '<label for="text"' in html
    # Offline machines: nothing may come from a CDN.
    assert not re.search(r"""(src|href)=["']https?://""", html)
    for asset in ("/web/static/chat.js", "/web/static/chat.css"):
        assert asset in html
        assert (await user.client.get(asset)).status_code == 200
    assert (await user.client.get("/web/static/..%2Fsession.py")).status_code == 404


async def test_a_requester_files_a_ticket_with_a_letter_through_the_web_chat(
    browser: Callable[[], Requester], db: Database
) -> None:
    user = browser()
    ref = await file_network_request(user)

    async with db.transaction() as conn:
        ticket = await repo.get_ticket(conn, ref=ref)
        assert ticket is not None
        files = (
            await conn.execute(select(attachments).where(attachments.c.ticket_id == ticket.id))
        ).all()
    assert ticket.service == "jaringan-intra"
    assert ticket.channel == "web"
    assert ticket.fields["opd"] == "Dinas Pendidikan"
    assert [f.filename for f in files] == ["surat permohonan.pdf"]
    assert files[0].mime == "application/pdf"


async def test_a_message_sent_three_times_with_one_id_is_answered_once(
    browser: Callable[[], Requester],
) -> None:
    user = browser()
    await user.open_page()
    message_id = str(uuid.uuid4())
    first = await user.post({"text": "internet kantor mati"}, message_id=message_id)
    again = [
        await user.post({"text": "internet kantor mati"}, message_id=message_id) for _ in range(2)
    ]

    assert first.json()["duplicate"] is False
    assert len(first.json()["messages"]) == 1
    assert [r.json() for r in again] == [{"duplicate": True, "messages": []}] * 2
    assert len((await user.poll(after=0))["messages"]) == 1


async def test_a_reply_lost_on_the_way_is_fetched_again_by_the_next_poll(
    browser: Callable[[], Requester],
) -> None:
    user = browser()
    await user.open_page()
    start = (await user.poll())["cursor"]
    answer = await user.say("internet kantor mati")

    # The page never saw that answer: its next poll still asks for everything after `start`.
    again = await user.poll(after=start)
    assert [m["id"] for m in again["messages"]] == [m["id"] for m in answer]
    assert (await user.poll(after=answer[-1]["id"]))["messages"] == []


async def test_a_notification_queued_later_reaches_the_page_once_and_the_sweep_leaves_it_alone(
    browser: Callable[[], Requester], app: FastAPI, db: Database
) -> None:
    user = browser()
    await user.say("halo")
    session_id = await _session_id(db)
    now = datetime.now(UTC)
    async with db.transaction() as conn:
        row_id = await repo.enqueue(
            conn,
            key="officer-update-1",
            channel="web",
            recipient=session_id,
            payload=Outbound(text="Tiket Bapak/Ibu sedang diproses.").to_payload(),
            at=now,
        )
    assert row_id is not None
    # The outbox sweep has no way to reach a browser, so the row waits for the page.
    await app.state.runtime.pipeline.sweep()
    async with db.transaction() as conn:
        waiting = await repo.get_outbox(conn, id=row_id)
    assert waiting is not None
    assert waiting.status == repo.OUTBOX_PENDING

    polled = await user.poll()
    assert [m["text"] for m in polled["messages"]] == ["Tiket Bapak/Ibu sedang diproses."]
    # The page polls on from its cursor (a poll without one is a new tab: bot.web.mailbox).
    assert (await user.poll(after=polled["cursor"]))["messages"] == []
    async with db.transaction() as conn:
        delivered = await repo.get_outbox(conn, id=row_id)
    assert delivered is not None
    assert delivered.status == repo.OUTBOX_SENT


async def test_a_document_downloads_only_for_the_session_it_was_sent_to(
    browser: Callable[[], Requester], db: Database
) -> None:
    owner, stranger = browser(), browser()
    await owner.say("halo")
    await stranger.say("halo")
    session_id = await _session_id(db, of=owner)
    document = OutboundDocument("berita acara.pdf", "application/pdf", PDF)
    async with db.transaction() as conn:
        await repo.enqueue(
            conn,
            key="ba-1",
            channel="web",
            recipient=session_id,
            payload=Outbound(text="Berita acara terlampir.", document=document).to_payload(),
            at=datetime.now(UTC),
        )
    [message] = (await owner.poll())["messages"]
    url = message["document"]["url"]
    assert message["document"]["filename"] == "berita acara.pdf"

    mine = await owner.client.get(url)
    assert mine.status_code == 200
    assert mine.content == PDF
    assert mine.headers["content-type"] == "application/pdf"
    assert mine.headers["content-disposition"].startswith("attachment;")
    theirs = await stranger.client.get(url)
    assert theirs.status_code == 404
    assert theirs.json() == {"error": "Dokumen tidak ditemukan."}


async def test_a_forged_or_foreign_cookie_starts_a_new_empty_session(
    browser: Callable[[], Requester],
) -> None:
    user = browser()
    await user.say("internet kantor mati")
    cookie = user.session_cookie

    forger = browser()
    forged = cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB")
    forger.client.cookies.set(COOKIE_NAME, forged, domain="testserver.local")
    assert (await forger.poll(after=0))["messages"] == []
    assert forger.session_cookie != cookie


async def test_posts_without_the_csrf_header_are_refused_and_change_nothing(
    browser: Callable[[], Requester],
) -> None:
    user = browser()
    await user.open_page()
    response = await user.client.post(
        "/web/api/messages", json={"id": str(uuid.uuid4()), "text": "internet kantor mati"}
    )
    upload = await user.client.post(
        "/web/api/upload", files={"file": ("a.pdf", PDF)}, data={"id": str(uuid.uuid4())}
    )
    assert response.status_code == upload.status_code == 403
    assert response.json() == {"error": "Permintaan ditolak. Silakan muat ulang halaman."}
    assert (await user.poll(after=0))["messages"] == []


async def test_an_oversized_upload_is_refused_politely_while_it_is_read(
    browser: Callable[[], Requester], db: Database, settings: Settings
) -> None:
    user = browser()
    await user.open_page()
    too_big = PDF + b"0" * settings.max_attachment_bytes

    declared = await user.upload("besar.pdf", too_big)

    sent = 0
    endless = 1 << 30  # a 1 GB "file": reading it all would take far longer than the test

    async def chunks() -> AsyncIterator[bytes]:
        # No Content-Length: the limit must hold while the body streams in.
        nonlocal sent
        yield b'--xyz\r\nContent-Disposition: form-data; name="id"\r\n\r\n'
        yield str(uuid.uuid4()).encode() + b"\r\n--xyz\r\n"
        yield b'Content-Disposition: form-data; name="file"; filename="besar.pdf"\r\n\r\n'
        block = b"0" * 65536
        while sent < endless:
            sent += len(block)
            yield block

    streamed = await user.client.post(
        "/web/api/upload",
        content=chunks(),
        headers={**CSRF, "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json() == {"error": "Berkas terlalu besar. Ukuran maksimal 195.3 KB."}
    # The server stopped reading a little past the limit, not at the end of the stream.
    assert sent < 4 * settings.max_attachment_bytes
    async with db.transaction() as conn:
        assert (await conn.execute(select(attachments))).all() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b'{"text": "halo"}', 400),
        (b'{"id": "not-a-uuid", "text": "halo"}', 400),
        (b'{"id": "3f1c1c1e-8d5b-4a52-9a55-2f9a1c0f7a11"}', 400),
        (b'{"id": "3f1c1c1e-8d5b-4a52-9a55-2f9a1c0f7a11", "text": "a", "choice": "b"}', 400),
        (b'{"id": "3f1c1c1e-8d5b-4a52-9a55-2f9a1c0f7a11", "text": "\\u0000 "}', 400),
        (b'{"id": "3f1c1c1e-8d5b-4a52-9a55-2f9a1c0f7a11", "choice": "' + b"x" * 65 + b'"}', 400),
        (b"[" * 100_000, 413),
    ],
)
async def test_malformed_messages_get_a_polite_json_error(
    browser: Callable[[], Requester], body: bytes, status: int
) -> None:
    user = browser()
    response = await user.client.post(
        "/web/api/messages",
        content=body,
        headers={**CSRF, "Content-Type": "application/json"},
    )
    assert response.status_code == status
    assert set(response.json()) == {"error"}
    assert "Traceback" not in response.text


async def test_bad_poll_and_upload_requests_get_polite_json_errors(
    browser: Callable[[], Requester],
) -> None:
    user = browser()
    cases = [
        await user.client.get("/web/api/messages", params={"after": "-1"}),
        await user.client.get("/web/api/messages", params={"after": "9" * 40}),
        await user.client.get("/web/api/documents/abc"),
        await user.client.post("/web/api/upload", json={"id": "x"}, headers=CSRF),
        await user.client.post(
            "/web/api/upload",
            content=b"--b\r\ngarbage",
            headers={**CSRF, "Content-Type": "multipart/form-data; boundary=b"},
        ),
        await user.client.post(
            "/web/api/upload", files={"file": ("a.pdf", PDF)}, data={"id": "nope"}, headers=CSRF
        ),
        await user.client.post(
            "/web/api/upload",
            files={"file": ("kosong.pdf", b"")},
            data={"id": str(uuid.uuid4())},
            headers=CSRF,
        ),
    ]
    assert [r.status_code for r in cases] == [400, 400, 404, 415, 400, 400, 400]
    assert all(set(r.json()) == {"error"} for r in cases)


async def test_errors_follow_the_language_the_page_is_in(
    browser: Callable[[], Requester],
) -> None:
    user = browser()
    response = await user.post({"text": "", "lang": "en"})
    assert response.status_code == 400
    assert response.json() == {"error": "Please type a message or tap one of the buttons."}


async def test_the_generated_session_secret_is_kept_so_sessions_survive_a_restart(
    settings: Settings, db: Database
) -> None:
    async def conversation_after_restart(cookie: str | None) -> tuple[str, list[str]]:
        application = create_app(settings, db=db, channels=[web_channel], jobs=[])
        async with (
            application.router.lifespan_context(application),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application), base_url="http://testserver"
            ) as client,
        ):
            if cookie:
                client.cookies.set(COOKIE_NAME, cookie, domain="testserver.local")
            else:
                await Requester(client).say("internet kantor mati")
            polled = await Requester(client).poll(after=0)
            return client.cookies[COOKIE_NAME], [m["text"] for m in polled["messages"]]

    cookie, before = await conversation_after_restart(None)
    same_cookie, after = await conversation_after_restart(cookie)

    assert same_cookie == cookie
    assert after == before and len(after) == 1
    # Kept in the database, shared by every replica; nothing secret is left in DATA_DIR.
    assert not (settings.data_dir / LEGACY_SECRET_FILENAME).exists()


async def test_a_configured_session_secret_is_used_and_nothing_is_stored(
    tmp_path: Path, db: Database
) -> None:
    configured = Settings(data_dir=tmp_path / "data", web_session_secret="s3cret-from-env")
    assert await session_secret(db, configured) == "s3cret-from-env"
    async with db.transaction() as conn:
        assert (await conn.execute(select(app_secrets))).all() == []


async def test_replicas_starting_together_agree_on_one_generated_secret(
    tmp_path: Path, db: Database
) -> None:
    replicas = [
        Settings(data_dir=tmp_path / f"replica-{i}", web_session_secret="") for i in range(8)
    ]
    secrets = await asyncio.gather(*(session_secret(db, each) for each in replicas))
    assert len(set(secrets)) == 1
    assert len(secrets[0]) >= 40


async def _session_id(db: Database, *, of: Requester | None = None) -> str:
    """The session id behind a requester's cookie, read back from their conversation row."""
    async with db.transaction() as conn:
        rows = (
            await conn.execute(select(outbox.c.recipient).where(outbox.c.channel == "web"))
        ).all()
    recipients = list(dict.fromkeys(r.recipient for r in rows))
    if of is None:
        assert len(recipients) == 1
        return str(recipients[0])
    # Each session got exactly one greeting; the owner's is the one its poll returns.
    first = (await of.poll(after=0))["messages"][0]["id"]
    async with db.transaction() as conn:
        row = await repo.get_outbox(conn, id=first)
    assert row is not None
    return row.recipient


class _UnwritablePipeline:
    """A pipeline whose database refuses every write (disk full, server gone)."""

    async def process(self, inbound: object) -> object:
        raise DurableWriteError("OperationalError")


async def test_a_message_the_database_cannot_record_is_answered_with_a_polite_resend_request(
    browser: Callable[[], Requester], app: FastAPI
) -> None:
    user = browser()
    await user.open_page()
    app.state.runtime.pipeline = _UnwritablePipeline()

    response = await user.post({"text": "internet kantor mati"})

    assert response.status_code == 503
    assert response.json() == {
        "error": "Maaf, layanan sedang sibuk. Silakan kirim ulang beberapa saat lagi."
    }


async def test_a_new_tab_opens_where_the_conversation_is(
    browser: Callable[[], Requester],
) -> None:
    user = browser()
    await user.open_page()
    await user.say("internet kantor mati")
    await user.tap("Ya")
    await user.say("Dinas Pendidikan")

    # Another tab of the same browser: same cookie, no cursor of its own.
    fresh = await user.client.get("/web/api/messages")
    assert fresh.status_code == 200
    shown = [m["text"] for m in fresh.json()["messages"]]
    assert shown and "penanggung jawab" in shown[-1].lower()
