"""The web chat under abuse and at scale: mailbox reads that change nothing and never hide a
message, rate limits, uploads streamed to disk a few at a time, a cookie key every replica
shares, and a /healthz that notices a full or failing disk. Through the real app, as the page
drives it."""

from __future__ import annotations

import asyncio
import logging
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.messages import Outbound
from bot.server import create_app
from bot.web.router import channel as web_channel
from bot.web.session import COOKIE_NAME, LEGACY_SECRET_FILENAME
from core.settings import Settings
from storage import repositories as repo
from storage.db import Database
from storage.models import attachments, outbox

CSRF = {"X-Requested-With": "servicedesk-web"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REPAIR = (
    "Dinas Pendidikan",
    "Budi Santoso",
    "lewati",  # no NIP
    "081234567890",
    "Gedung A lantai 2",
    "Internet di ruang rapat mati sejak pagi",
)


class Page:
    """One browser tab talking to the chat API."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.last: list[dict[str, Any]] = []

    async def post(self, body: dict[str, Any]) -> httpx.Response:
        response = await self.client.post(
            "/web/api/messages", json={"id": str(uuid.uuid4()), **body}, headers=CSRF
        )
        if response.status_code == 200:
            self.last = response.json()["messages"]
        return response

    async def say(self, text: str) -> list[dict[str, Any]]:
        response = await self.post({"text": text})
        assert response.status_code == 200, response.text
        return self.last

    async def tap(self, label: str) -> None:
        buttons = {c["label"]: c["data"] for m in self.last for c in m["choices"]}
        response = await self.post({"choice": buttons[label]})
        assert response.status_code == 200, response.text

    async def tap_data(self, prefix: str) -> None:
        [data] = [
            c["data"] for m in self.last for c in m["choices"] if c["data"].startswith(prefix)
        ]
        response = await self.post({"choice": data})
        assert response.status_code == 200, response.text

    async def upload(self, data: bytes, name: str = "surat.pdf") -> httpx.Response:
        response = await self.client.post(
            "/web/api/upload",
            files={"file": (name, data, "application/pdf")},
            data={"id": str(uuid.uuid4())},
            headers=CSRF,
        )
        if response.status_code == 200:
            self.last = response.json()["messages"]
        return response

    async def read(self, after: int | None = None) -> dict[str, Any]:
        """A poll's answer, without acknowledging it."""
        params = {} if after is None else {"after": str(after)}
        response = await self.client.get("/web/api/messages", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def acknowledge(self, messages: list[dict[str, Any]]) -> httpx.Response:
        return await self.client.post(
            "/web/api/messages/ack", json={"ids": [m["id"] for m in messages]}, headers=CSRF
        )

    async def to_the_letter(self) -> None:
        """Walk a network repair up to the question for the request letter."""
        await self.say("internet kantor mati")
        await self.tap("Ya")
        answers = iter(REPAIR)
        while "Surat permohonan" not in texts(self.last):
            picks = [c["data"] for m in self.last for c in m["choices"] if c["data"][:4] == "fld:"]
            if picks:
                await self.tap_data(picks[0])
            else:
                await self.say(next(answers))


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", max_attachment_bytes=6 * 1024 * 1024)


@pytest.fixture
async def serve(db: Database, settings: Settings) -> AsyncIterator[Callable[..., Any]]:
    """Starts the app (with settings overridden per test) and opens tabs on it."""
    async with AsyncExitStack() as stack:

        async def start(**overrides: Any) -> Callable[[], Page]:
            app = create_app(
                settings.model_copy(update=overrides), db=db, channels=[web_channel], jobs=[]
            )
            await stack.enter_async_context(app.router.lifespan_context(app))

            def open_tab() -> Page:
                client = httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://testserver"
                )
                stack.push_async_callback(client.aclose)
                return Page(client)

            return open_tab

        yield start


async def session_of(db: Database) -> str:
    async with db.transaction() as conn:
        [recipient] = set(
            (await conn.execute(select(outbox.c.recipient).where(outbox.c.channel == "web")))
            .scalars()
            .all()
        )
    return str(recipient)


async def queue_notices(db: Database, session_id: str, count: int) -> list[int]:
    async with db.transaction() as conn:
        ids = [
            await repo.enqueue(
                conn,
                key=f"notice-{n}",
                channel="web",
                recipient=session_id,
                payload=Outbound(text=f"Kabar {n}").to_payload(),
                at=datetime.now(UTC),
            )
            for n in range(count)
        ]
    return [i for i in ids if i is not None]


async def statuses(db: Database, ids: list[int]) -> set[str]:
    async with db.transaction() as conn:
        return set(
            (await conn.execute(select(outbox.c.status).where(outbox.c.id.in_(ids))))
            .scalars()
            .all()
        )


# --- the mailbox ---------------------------------------------------------------------------


async def test_sixty_waiting_messages_all_reach_the_page_in_order(
    serve: Callable[..., Any], db: Database
) -> None:
    page = (await serve())()
    await page.say("halo")
    queued = await queue_notices(db, await session_of(db), 60)

    shown: list[int] = []
    polled = await page.read()
    while polled["messages"]:
        shown += [m["id"] for m in polled["messages"]]
        assert (await page.acknowledge(polled["messages"])).status_code == 200
        polled = await page.read(after=polled["cursor"])

    assert shown == queued
    assert await statuses(db, queued) == {repo.OUTBOX_SENT}


async def test_reading_the_mailbox_changes_nothing_so_a_second_tab_still_gets_the_news(
    serve: Callable[..., Any], db: Database
) -> None:
    open_tab = await serve()
    first = open_tab()
    await first.say("halo")
    queued = await queue_notices(db, await session_of(db), 2)
    second = open_tab()
    second.client.cookies = first.client.cookies

    # A link to the API opened from another site, and the first tab's poll: reads only.
    await first.client.get("/web/api/messages", headers={"Sec-Fetch-Site": "cross-site"})
    seen_by_first = await first.read()
    seen_by_second = await second.read()

    assert [m["id"] for m in seen_by_first["messages"]] == queued
    assert [m["id"] for m in seen_by_second["messages"]] == queued
    assert await statuses(db, queued) == {repo.OUTBOX_PENDING}


async def test_only_the_page_itself_can_acknowledge_messages(
    serve: Callable[..., Any], db: Database
) -> None:
    open_tab = await serve()
    page, stranger = open_tab(), open_tab()
    await page.say("halo")
    queued = await queue_notices(db, await session_of(db), 1)

    forged = await page.client.post("/web/api/messages/ack", json={"ids": queued})
    foreign = await stranger.client.post(
        "/web/api/messages/ack", json={"ids": queued}, headers=CSRF
    )

    assert forged.status_code == 403
    assert foreign.json() == {"acknowledged": 0}
    assert await statuses(db, queued) == {repo.OUTBOX_PENDING}
    assert (await page.acknowledge((await page.read())["messages"])).json() == {"acknowledged": 1}


# --- rate limits ---------------------------------------------------------------------------


async def test_a_session_posting_too_fast_is_asked_to_wait(serve: Callable[..., Any]) -> None:
    open_tab = await serve(web_rate_limit_per_session="3/minute")
    page, other = open_tab(), open_tab()
    answers = [await page.post({"text": "halo"}) for _ in range(4)]

    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[-1].json() == {
        "error": "Maaf, terlalu banyak permintaan dalam waktu singkat. Mohon tunggu sebentar, "
        "lalu coba lagi."
    }
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
    assert (await other.post({"text": "halo"})).status_code == 200


async def test_one_address_is_limited_however_many_sessions_it_opens(
    serve: Callable[..., Any],
) -> None:
    open_tab = await serve(web_rate_limit_per_ip="5/minute")
    answers = [await open_tab().post({"text": "halo"}) for _ in range(6)]
    polls = [await open_tab().client.get("/web/api/messages") for _ in range(2)]

    assert [r.status_code for r in answers] == [200] * 5 + [429]
    assert [r.status_code for r in polls] == [429, 429]


async def test_uploads_from_one_address_are_limited(serve: Callable[..., Any]) -> None:
    open_tab = await serve(web_upload_rate_limit_per_ip="2/minute")
    answers = [await open_tab().upload(PDF) for _ in range(3)]

    assert [r.status_code for r in answers] == [200, 200, 429]


# --- uploads -------------------------------------------------------------------------------


async def test_a_letter_sent_again_after_ubah_ten_times_keeps_one_file_on_disk(
    serve: Callable[..., Any], db: Database, settings: Settings
) -> None:
    page = (await serve(web_rate_limit_per_session="100/minute"))()  # quicker than a person
    await page.to_the_letter()
    assert (await page.upload(PDF + b"% 0\n")).status_code == 200

    for n in range(1, 11):
        await page.tap("Ubah")
        await page.tap_data("edit:doc:")
        response = await page.upload(PDF + f"% {n}\n".encode())
        assert response.status_code == 200
        assert "surat.pdf" in texts(page.last)

    async with db.transaction() as conn:
        stored = (await conn.execute(select(attachments))).all()
    files = [p for p in settings.attachments_dir.rglob("*") if p.is_file()]
    assert len(stored) == 1 and len(files) == 1
    assert files[0].read_bytes() == PDF + b"% 10\n"


async def chunks_of(
    head: bytes, total: int, gate: asyncio.Event | None = None
) -> AsyncIterator[bytes]:
    """A multipart body with a `total`-byte file, sent 64 KB at a time (waiting at `gate`
    half way, when given)."""
    yield b'--xyz\r\nContent-Disposition: form-data; name="id"\r\n\r\n'
    yield str(uuid.uuid4()).encode() + b"\r\n--xyz\r\n"
    yield b'Content-Disposition: form-data; name="file"; filename="besar.pdf"\r\n'
    yield b"Content-Type: application/pdf\r\n\r\n" + head
    block = b"0" * 65536
    sent = len(head)
    while sent < total:
        if gate is not None and sent >= total // 2:
            await gate.wait()
            gate = None
        piece = block[: total - sent]
        sent += len(piece)
        yield piece
    yield b"\r\n--xyz--\r\n"


MULTIPART = {**CSRF, "Content-Type": "multipart/form-data; boundary=xyz"}


async def test_a_large_upload_is_streamed_to_disk_not_held_in_memory(
    serve: Callable[..., Any], settings: Settings
) -> None:
    page = (await serve())()
    await page.to_the_letter()
    size = 5 * 1024 * 1024

    tracemalloc.start()
    try:
        response = await page.client.post(
            "/web/api/upload", content=chunks_of(PDF, size), headers=MULTIPART
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert response.status_code == 200, response.text
    assert "besar.pdf" in texts(response.json()["messages"])
    assert peak < size // 4, f"{peak} bytes at the peak for a {size}-byte upload"
    [stored] = [p for p in settings.attachments_dir.glob("??/*")]
    assert stored.stat().st_size == size
    # The temporary file it streamed into is gone once the upload is stored.
    assert list((settings.attachments_dir / ".incoming").iterdir()) == []


async def test_one_upload_too_many_at_once_is_asked_to_try_again(
    serve: Callable[..., Any], settings: Settings
) -> None:
    open_tab = await serve(uploads_in_flight=1)
    first, second = open_tab(), open_tab()
    await first.to_the_letter()
    gate = asyncio.Event()
    slow = asyncio.create_task(
        first.client.post(
            "/web/api/upload", content=chunks_of(PDF, 1024 * 1024, gate), headers=MULTIPART
        )
    )
    incoming = settings.attachments_dir / ".incoming"
    for _ in range(500):  # until the first upload is half way in
        await asyncio.sleep(0.01)
        if incoming.is_dir() and any(incoming.iterdir()):
            break

    refused = await second.upload(PDF)
    gate.set()
    finished = await slow
    again = await second.upload(PDF)

    assert refused.status_code == 503
    assert refused.json() == {
        "error": "Maaf, saat ini sedang banyak berkas yang dikirim. Silakan coba lagi sebentar."
    }
    assert finished.status_code == 200 and again.status_code == 200


async def test_a_refused_file_type_is_answered_by_the_dialog_without_keeping_it(
    serve: Callable[..., Any], db: Database, settings: Settings
) -> None:
    page = (await serve())()
    await page.to_the_letter()
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200_000

    response = await page.upload(program, "surat.pdf")

    assert response.status_code == 200
    assert "jenis berkas ini tidak dapat kami terima" in texts(page.last)
    async with db.transaction() as conn:
        assert (await conn.execute(select(attachments))).all() == []
    assert [p for p in settings.attachments_dir.rglob("*") if p.is_file()] == []


# --- one cookie key for every replica --------------------------------------------------------


@pytest.mark.postgres
async def test_replicas_on_one_database_accept_each_others_cookies(
    postgres_db: Database, tmp_path: Path
) -> None:
    url = postgres_db.url.render_as_string(hide_password=False)
    async with AsyncExitStack() as stack:
        replicas = []
        for name in ("a", "b"):
            # Each replica has its own pool and its own DATA_DIR, and no WEB_SESSION_SECRET.
            own_db = Database(url)
            stack.push_async_callback(own_db.dispose)
            app = create_app(
                Settings(database_url=url, data_dir=tmp_path / name, web_session_secret=""),
                db=own_db,
                channels=[web_channel],
                jobs=[],
            )
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://testserver"
                )
            )
            replicas.append(Page(client))
        on_a, on_b = replicas
        await on_a.say("internet kantor mati")
        cookie = on_a.client.cookies[COOKIE_NAME]
        on_b.client.cookies.set(COOKIE_NAME, cookie, domain="testserver.local")

        answer = await on_b.post({"choice": on_a.last[0]["choices"][0]["data"]})

    assert answer.status_code == 200
    assert "Jaringan Intra" in texts(on_b.last)  # the same dialog, one step further
    await session_of(postgres_db)  # and one session: every reply went to the same browser


async def test_a_secret_kept_in_data_dir_by_an_older_version_keeps_cookies_valid(
    db: Database, tmp_path: Path
) -> None:
    from itsdangerous import URLSafeTimedSerializer

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / LEGACY_SECRET_FILENAME).write_text("an-old-generated-secret-" * 2)
    old_cookie = URLSafeTimedSerializer(
        "an-old-generated-secret-" * 2, salt="servicedesk.web.session"
    ).dumps("an-old-session-id-123")
    app = create_app(Settings(data_dir=data_dir), db=db, channels=[web_channel], jobs=[])
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client,
    ):
        client.cookies.set(COOKIE_NAME, str(old_cookie), domain="testserver.local")
        await Page(client).say("halo")
        kept = client.cookies[COOKIE_NAME] == str(old_cookie)

    assert kept
    assert await session_of(db) == "an-old-session-id-123"


# --- /healthz and the disk -------------------------------------------------------------------


async def test_healthz_reports_a_disk_short_of_space_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        data_dir=tmp_path / "data",
        min_free_disk_bytes=1 << 62,
    )
    app = create_app(settings, jobs=[])
    with caplog.at_level(logging.WARNING):
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://desk"
            ) as client,
        ):
            response = await client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "storage": "low on space"}
    assert any(
        r.levelno == logging.WARNING and "low on space" in r.getMessage() for r in caplog.records
    )


async def test_a_failed_write_under_data_dir_makes_healthz_unhealthy_and_uploads_wait(
    serve: Callable[..., Any], settings: Settings
) -> None:
    open_tab = await serve()
    page = open_tab()
    await page.to_the_letter()
    # The attachments volume went away: a plain file stands where its folder should be.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.attachments_dir.write_bytes(b"")

    refused = await page.upload(PDF)
    health = await page.client.get("/healthz")

    assert refused.status_code == 503
    assert refused.json() == {
        "error": "Maaf, saat ini kami belum dapat menyimpan berkas baru. Silakan coba kirim "
        "lagi nanti."
    }
    assert health.status_code == 503
    assert health.json()["storage"] == "write failed"
    assert health.json()["database"] == "ok"
