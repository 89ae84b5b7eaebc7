"""The web chat in a real browser: headless Chromium against a real `servicedesk serve`, on a
phone-sized screen, filing a ticket the way a requester would (type, tap, attach, confirm)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)
from sqlalchemy import select

from bot.messages import Outbound, OutboundDocument
from storage import repositories as repo
from storage.db import Database
from storage.models import attachments, conversations, outbox
from tests.support.browser import CHROMIUM_ARGS, Server, chromium_path, serve

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 640}
MIN_TAP = 44  # px: the smallest comfortable touch target
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REF = re.compile(r"BABEL-\d{4}-\d{5}")
WAIT_MS = 20_000  # a shared 2-core CI box can be slow to answer; this is a ceiling, not a target


@dataclass
class Site:
    server: Server
    database_url: str

    def query(self, run: Callable[[Any], Any]) -> Any:
        """Run `run(conn)` in one transaction on the server's database (from this process)."""

        async def go() -> Any:
            db = Database(self.database_url)
            try:
                async with db.transaction() as conn:
                    return await run(conn)
            finally:
                await db.dispose()

        # Playwright's sync API keeps an event loop running in this thread: use another one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, go()).result()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("web-server")
    url = f"sqlite+aiosqlite:///{workdir / 'servicedesk.db'}"
    env = {"DATABASE_URL": url, "DATA_DIR": str(workdir / "data"), "AGENCY": "babel"}
    with serve(workdir, env) as server:
        yield Site(server, url)
    assert "Traceback" not in server.log(), server.log()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = _launch(playwright, executable)
        yield browser
        browser.close()


def _launch(playwright: Playwright, executable: str) -> Browser:
    # `launch` gives every run a fresh throwaway profile directory.
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


@dataclass
class Phone:
    """One requester's phone browser on the chat page, with what went wrong in it."""

    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)

    @property
    def bot_messages(self) -> Any:
        return self.page.locator(".msg.bot:not(.typing)")

    def type_and_send(self, text: str) -> None:
        """Type into the message box and tap the send button; wait for the bot's answer."""
        before = self.bot_messages.count()
        self.page.get_by_label("Pesan").fill(text)
        self.page.locator("#send").tap()
        expect(self.bot_messages).to_have_count(before + 1, timeout=WAIT_MS)

    def tap_choice(self, label: str) -> None:
        """Tap a button under the bot's latest message; wait for the answer."""
        before = self.bot_messages.count()
        self.bot_messages.last.get_by_role("button", name=label, exact=True).tap()
        expect(self.bot_messages).to_have_count(before + 1, timeout=WAIT_MS)

    def last_bot_text(self) -> str:
        return str(self.bot_messages.last.locator(".bubble").inner_text())

    def layout_fits_the_screen(self) -> None:
        """No sideways scrolling, and the message box sits on screen."""
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"page is {width}px wide on a {PHONE['width']}px screen"
        box = self.page.locator("#composer").bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"] + 1

    def buttons_are_easy_to_tap(self, selector: str) -> None:
        for button in self.page.locator(selector).all():
            box = button.bounding_box()
            assert box is not None
            assert box["height"] >= MIN_TAP and box["width"] >= MIN_TAP, (selector, box)


@pytest.fixture
def phone(chromium: Browser, site: Site) -> Iterator[Phone]:
    context: BrowserContext = chromium.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="id-ID"
    )
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    user = Phone(page, site.server.base_url)
    page.on("console", lambda m: user.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: user.problems.append(str(e)))
    page.on("request", lambda r: user.requested.append(r.url))
    page.goto(site.server.base_url + "/")
    yield user
    context.close()


def test_a_requester_files_a_ticket_with_a_letter_from_a_phone(
    phone: Phone, site: Site, tmp_path: Path
) -> None:
    page = phone.page
    expect(page).to_have_title("Layanan TIK")
    expect(page.locator("#messages")).to_have_attribute("aria-live", "polite")
    phone.layout_fits_the_screen()
    phone.buttons_are_easy_to_tap("#send, #attach, #lang")

    phone.type_and_send("internet kantor mati")
    expect(page.locator(".msg.user").last).to_have_text(re.compile("internet kantor mati"))
    assert "Jaringan Intra" in phone.last_bot_text()
    phone.buttons_are_easy_to_tap(".choice")
    phone.tap_choice("Ya")
    for answer in (
        "Dinas Pendidikan",
        "Budi Santoso",
        "bukan ASN, lewati saja",
        "081234567890",
        "Gedung A lantai 2, ruang rapat",
        "Internet di ruang rapat mati sejak pagi, lampu switch berkedip oranye.",
    ):
        phone.type_and_send(answer)
    assert "dampak" in phone.last_bot_text()
    phone.tap_choice("Seluruh kantor atau layanan publik")
    assert "Surat permohonan" in phone.last_bot_text()

    letter = tmp_path / "surat-permohonan.pdf"
    letter.write_bytes(PDF)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Lampirkan berkas").tap()
    chooser.value.set_files(letter)
    expect(page.locator("#file-name")).to_contain_text("surat-permohonan.pdf")
    page.screenshot(path=str(tmp_path / "attachment-360x640.png"))
    before = phone.bot_messages.count()
    page.locator("#send").tap()
    expect(phone.bot_messages).to_have_count(before + 1, timeout=WAIT_MS)
    expect(page.locator(".msg.user").last).to_contain_text("surat-permohonan.pdf")
    page.locator(".msg.user").last.screenshot(path=str(tmp_path / "upload-bubble.png"))
    summary = phone.last_bot_text()
    assert "Dinas Pendidikan" in summary and "surat-permohonan.pdf" in summary
    phone.layout_fits_the_screen()
    page.screenshot(path=str(tmp_path / "summary-360x640.png"))

    phone.tap_choice("Kirim")
    found = REF.search(phone.last_bot_text())
    assert found, phone.last_bot_text()
    phone.layout_fits_the_screen()
    page.screenshot(path=str(tmp_path / "ticket-360x640.png"))

    async def stored(conn: Any) -> tuple[Any, list[str]]:
        ticket = await repo.get_ticket(conn, ref=found.group(0))
        assert ticket is not None
        rows = await conn.execute(
            select(attachments.c.filename).where(attachments.c.ticket_id == ticket.id)
        )
        return ticket, [row.filename for row in rows]

    ticket, files = site.query(stored)
    assert (ticket.service, ticket.product, ticket.channel) == (
        "jaringan-intra",
        "perbaikan",
        "web",
    )
    assert ticket.fields["penanggung_jawab"] == "Budi Santoso"
    assert ticket.fields["nip"] is None
    assert files == ["surat-permohonan.pdf"]
    assert phone.problems == []
    # Everything the page loaded came from our own server (the machine may be offline).
    assert all(url.startswith(phone.base_url) for url in phone.requested), phone.requested


def test_an_update_sent_later_appears_on_the_open_page_with_its_document(
    phone: Phone, site: Site, tmp_path: Path
) -> None:
    phone.type_and_send("halo")

    async def notify(conn: Any) -> None:
        [chat_id] = (
            await conn.execute(
                select(conversations.c.chat_id)
                .where(conversations.c.channel == "web")
                .order_by(conversations.c.id.desc())
                .limit(1)
            )
        ).scalars()
        await repo.enqueue(
            conn,
            key=f"officer-note-{chat_id}",
            channel="web",
            recipient=chat_id,
            payload=Outbound(
                text="Petugas sedang menuju lokasi Bapak/Ibu.",
                document=OutboundDocument("berita-acara.pdf", "application/pdf", PDF),
            ).to_payload(),
            at=datetime.now(UTC),
        )

    site.query(notify)
    update = phone.bot_messages.last
    expect(update).to_contain_text("Petugas sedang menuju lokasi Bapak/Ibu.", timeout=WAIT_MS)
    with phone.page.expect_download() as download:
        update.get_by_role("link", name=re.compile("berita-acara.pdf")).tap()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "berita-acara.pdf"
    assert saved.read_bytes() == PDF
    # Polls only read; the page itself acknowledges what it showed, so the notice is delivered.
    deadline = time.monotonic() + WAIT_MS / 1000
    while site.query(_notice_status) != repo.OUTBOX_SENT and time.monotonic() < deadline:
        time.sleep(0.2)
    assert site.query(_notice_status) == repo.OUTBOX_SENT
    assert phone.problems == []


async def _notice_status(conn: Any) -> str:
    stmt = select(outbox.c.status).where(outbox.c.key.like("officer-note-%"))
    return str((await conn.execute(stmt.order_by(outbox.c.id.desc()).limit(1))).scalar_one())


def test_switching_to_english_changes_the_page_and_the_conversation(phone: Phone) -> None:
    page = phone.page
    phone.type_and_send("halo")
    before = phone.bot_messages.count()

    page.get_by_role("button", name="Ganti bahasa ke English").tap()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#send")).to_have_text("Send")
    expect(page.get_by_label("Message")).to_be_visible()
    expect(phone.bot_messages).to_have_count(before + 1, timeout=WAIT_MS)
    assert "English" in phone.last_bot_text()

    # A reload keeps the conversation on screen and the chosen language.
    page.reload()
    expect(phone.bot_messages).to_have_count(before + 1, timeout=WAIT_MS)
    expect(page.locator("#send")).to_have_text("Send")
    assert phone.problems == []
