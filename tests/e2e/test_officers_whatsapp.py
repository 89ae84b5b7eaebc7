"""End to end on WhatsApp: a kalbar hosting request goes from the requester's chat through its
procedure (kaji → aktivasi → konfirmasi, all Bidang Aplikasi Informatika) to the Berita Acara,
with the officers working the ticket from their own WhatsApp numbers.

Signed, real-shaped webhooks go in; what the bot sent is read back from the fake Graph API. The
clock stands inside office hours on a working day, so officers' notices go out at once."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.officers import hash_invite_code, new_invite_code
from storage import repositories as repo
from storage.db import Database
from tests.fakes.graph_api import (
    CONTACT,
    Clock,
    FakeGraphApi,
    WhatsAppApp,
    choice_ids,
    document_message,
    messages_value,
    readable_text,
    reply_message,
    running_whatsapp_app,
    text_message,
    webhook,
    whatsapp_settings,
)

# Monday 23 November 2026, 10:00 in Pontianak: a working day, inside office hours.
MONDAY_MORNING = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
RINA = "6281345000001"  # aptika officer who registers with /daftar from her phone
DODI = "6281345000002"  # aptika officer bound by the coordinator, who has not written yet
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TICKET_REF = re.compile(r"KALBAR-\d{4}-\d{5}")
# How officer notices open (bot/notify.py).
NOTICE_OPENINGS = ("Tiket baru ", "Disposisi tiket ", "Pemohon tiket ", "Pengingat:", "Perhatian:")
HOSTING = {
    "opd": "Dinas Pendidikan dan Kebudayaan",
    "kontak": "081234567890",
    "nama_aplikasi": "Sistem Informasi Sekolah",
    "domain": "sis.kalbarprov.go.id",
    "spesifikasi": "PHP 8.2, MySQL 8, 2 GB RAM, 20 GB disk",
}


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    """A running fake Graph API."""
    with FakeGraphApi() as fake:
        yield fake


@pytest.fixture
def clock() -> Clock:
    """A clock standing at Monday morning, inside office hours."""
    return Clock(MONDAY_MORNING)


@pytest.fixture
async def wa(
    graph: FakeGraphApi, db: Database, tmp_path: Path, clock: Clock
) -> AsyncIterator[WhatsAppApp]:
    """The kalbar desk on SQLite and PostgreSQL, its WhatsApp channel on the fake Graph API."""
    settings = whatsapp_settings(graph, tmp_path, agency="kalbar", max_attachment_bytes=2_000_000)
    async with running_whatsapp_app(graph, settings, db=db, clock=clock) as app:
        yield app


async def from_phone(wa: WhatsAppApp, sender: str, message: dict[str, Any]) -> list[dict[str, Any]]:
    """Deliver one message from `sender`; returns what the bot sent to that number because of it."""
    before = len(wa.graph.sent_to(sender))
    response = await wa.post(webhook(messages_value(message, name="Petugas")))
    assert response.status_code == 200, response.text
    return wa.graph.sent_to(sender)[before:]


async def officer_says(wa: WhatsAppApp, sender: str, text: str) -> list[dict[str, Any]]:
    """An officer types `text` on their phone."""
    return await from_phone(wa, sender, text_message(text, sender=sender))


async def officer_taps(wa: WhatsAppApp, sender: str, choice: str) -> list[dict[str, Any]]:
    """An officer taps the button `choice`."""
    return await from_phone(wa, sender, reply_message(choice, sender=sender))


def words(sent: list[dict[str, Any]]) -> str:
    """Everything readable in `sent`, one message a line."""
    return "\n".join(readable_text(m) for m in sent)


def offered(sent: list[dict[str, Any]]) -> list[str]:
    """The choice ids of the last interactive message in `sent`."""
    interactive = [m for m in sent if m["type"] == "interactive"]
    return choice_ids(interactive[-1]) if interactive else []


async def conversation_state(wa: WhatsAppApp, chat: str) -> tuple[str, dict[str, Any]]:
    """The dialog state and data stored for a chat."""
    async with wa.runtime.db.transaction() as conn:
        record = await repo.load_conversation(conn, channel="whatsapp", chat_id=chat)
    assert record is not None
    return record.state, record.data


async def file_hosting(wa: WhatsAppApp, graph: FakeGraphApi) -> str:
    """The requester asks for hosting in their own words and answers each question."""
    sent = await wa.say("selamat pagi, kami mau minta hosting untuk aplikasi sekolah")
    for _ in range(15):
        state, data = await conversation_state(wa, CONTACT)
        if state == "confirm":
            break
        if state in ("confirm_service", "choose_service"):
            assert "svc:hosting" in offered(sent)
            sent = await wa.tap("svc:hosting", as_list=len(offered(sent)) > 3)
        elif state == "ask_field":
            sent = await wa.say(HOSTING[data["field"]])
        elif state == "ask_document":
            graph.add_media("MEDIA-SURAT", PDF, "application/pdf")
            sent = await wa.deliver(document_message("MEDIA-SURAT", "surat-permintaan.pdf"))
        else:
            raise AssertionError(f"unexpected state {state}")
    assert "sum:send" in offered(sent)
    filed = await wa.tap("sum:send")
    found = TICKET_REF.search(words(filed))
    assert found is not None, words(filed)
    return found.group()


async def test_a_kalbar_hosting_request_goes_through_its_procedure_on_whatsapp(
    wa: WhatsAppApp, graph: FakeGraphApi
) -> None:
    db = wa.runtime.db
    code = new_invite_code()
    async with db.transaction() as conn:
        rina = await repo.add_officer(
            conn, agency="kalbar", name="Rina Marlina", roles=["aptika"], at=MONDAY_MORNING
        )
        await repo.create_invite(
            conn,
            officer_id=rina.id,
            code_hash=hash_invite_code(code),
            at=MONDAY_MORNING,
            expires_at=MONDAY_MORNING + timedelta(hours=72),
        )
        dodi = await repo.add_officer(
            conn, agency="kalbar", name="Dodi Kurniawan", roles=["aptika"], at=MONDAY_MORNING
        )
        await repo.bind_officer_identity(
            conn, officer_id=dodi.id, channel="whatsapp", external_id=DODI, at=MONDAY_MORNING
        )
    welcome = await officer_says(wa, RINA, f"/daftar {code}")
    assert "Selamat datang, Rina Marlina" in words(welcome)

    ref = await file_hosting(wa, graph)
    heard_before = len(graph.sent_to(CONTACT))

    # Both aptika officers hear of it: Rina, who wrote within 24 hours, with buttons; Dodi,
    # who never wrote, through the approved template WhatsApp allows outside the window.
    (to_rina,) = graph.sent_to(RINA)[len(welcome) :]
    assert readable_text(to_rina).startswith(f"Tiket baru {ref}: Pelayanan Hosting")
    assert choice_ids(to_rina) == [f"of:ambil:{ref}", f"of:tiket:{ref}"]
    (to_dodi,) = graph.sent_to(DODI)
    assert to_dodi["type"] == "template"
    assert to_dodi["template"]["name"] == "pemberitahuan_tiket"
    assert readable_text(to_dodi).startswith(f"Tiket baru {ref}: Pelayanan Hosting")

    # Rina takes it with the notice's button; Dodi, a moment later, is told who holds it.
    taken = await officer_taps(wa, RINA, f"of:ambil:{ref}")
    assert f"Tiket {ref} sekarang Bapak/Ibu pegang" in words(taken)
    assert f"of:dsp:{ref}" in offered(taken)
    late = await officer_says(wa, DODI, f"/ambil {ref}")
    assert "sudah dipegang oleh Rina Marlina" in words(late)
    assert all(m["type"] != "template" for m in late)  # he wrote: the window is open
    assert graph.texts_to(CONTACT)[-1] == f"Tiket {ref}: Sedang diproses."

    # kaji → aktivasi → konfirmasi: the holder carries the ticket through its own role's steps.
    step = await officer_says(wa, RINA, f"/disposisi {ref} Akun hosting disiapkan")
    assert "mengaktifkan sistem hosting (Bapak/Ibu sendiri)" in words(step)
    step = await officer_says(wa, RINA, f"/disposisi {ref}")
    assert "Surat konfirmasi ke PD" in words(step)
    assert f"of:sls:{ref}" in offered(step)

    # /selesai: the Berita Acara form, typed answers and buttons.
    form = await officer_says(wa, RINA, f"/selesai {ref}")
    assert "Ringkasan pekerjaan" in words(form)
    await officer_says(wa, RINA, "Membuat akun hosting dan memasang sertifikat SSL")
    form = await officer_says(wa, RINA, "Tidak ada kendala")
    assert offered(form) == ["of:ba:none"]
    form = await officer_taps(wa, RINA, "of:ba:none")
    assert "Lokasi" in words(form)
    form = await officer_says(wa, RINA, "Pusat Data Diskominfo Kalbar")
    assert offered(form) == ["of:ba:me"]
    summary = await officer_taps(wa, RINA, "of:ba:me")
    assert "Petugas: Rina Marlina" in words(summary)
    assert offered(summary) == ["of:ba:send", "of:ba:edit", "of:ba:cancel"]
    closed = await officer_taps(wa, RINA, "of:ba:send")
    assert f"Tiket {ref} selesai dan ditutup" in words(closed)

    # The requester receives the Berita Acara as a WhatsApp document (uploaded, then sent).
    heard = graph.sent_to(CONTACT)[heard_before:]
    # ... and then, once, the invitation to the satisfaction survey as two reply buttons.
    assert [m["type"] for m in heard] == ["text", "document", "interactive"]
    assert choice_ids(heard[2]) == [f"skm:go:{ref}", f"skm:no:{ref}"]
    assert readable_text(heard[0]) == f"Tiket {ref}: Sedang diproses."
    document = heard[1]["document"]
    assert document["filename"] == f"Berita-Acara-{ref}.pdf"
    assert f"Permohonan {ref} (Pelayanan Hosting) telah selesai dikerjakan" in document["caption"]
    uploaded = graph.media(document["id"])
    assert uploaded is not None
    assert uploaded[0] == "application/pdf" and uploaded[1].startswith(b"%PDF")
    (copy,) = [m for m in graph.sent_to(RINA) if m["type"] == "document"]
    assert copy["document"]["filename"] == f"Berita-Acara-{ref}.pdf"

    status = await wa.say(f"/status {ref}")
    assert f"Tiket {ref}" in words(status) and "Status: Selesai" in words(status)

    async with db.transaction() as conn:
        ticket = await repo.get_ticket(conn, ref=ref)
        assert ticket is not None
        events = [e.kind for e in await repo.list_events(conn, ticket_id=ticket.id)]
    assert (ticket.status, ticket.step, ticket.assigned_officer_id) == (
        "selesai",
        "konfirmasi",
        rina.id,
    )
    assert events == ["created", "opened", "taken", "disposed", "disposed", "finished"]
    # One notice each, nothing twice, nothing about Rina's own moves sent back to her.
    assert [t for t in graph.texts_to(RINA) if t.startswith(NOTICE_OPENINGS)] == [
        readable_text(to_rina)
    ]
    assert [t for t in graph.texts_to(DODI) if t.startswith(NOTICE_OPENINGS)] == [
        readable_text(to_dodi)
    ]
