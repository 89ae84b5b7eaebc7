"""End to end on Telegram: a babel network repair goes from the requester's chat through every
step of the SOP (Kepala Dinas → Kepala Bidang → Pranata Komputer → service desk: tindak lanjut,
laporan, arsip) to the Berita Acara, with every officer acting by Telegram commands and buttons.

Everything goes in as real-shaped updates through `POST /webhook/telegram` and is read back from
what the fake Bot API recorded; the clock stands inside babel's office hours on a working day, so
officers' notices go out at once."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.officers import hash_invite_code, new_invite_code
from storage import repositories as repo
from storage.db import Database
from tests.fakes.graph_api import Clock
from tests.fakes.telegram_api import (
    USER_ID,
    Call,
    FakeTelegramAPI,
    TelegramApp,
    document_update,
    running_telegram_app,
    telegram_settings,
)

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = pytest.mark.usefixtures("offline_network")

# Monday 23 November 2026, 10:00 WIB: a working day, inside babel's 08.00-16.00.
MONDAY_MORNING = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
REQUESTER = USER_ID
KADIS, KABID, PRAKOM, ANDI, BUDI = 5550101, 5550102, 5550103, 5550104, 5550105
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
TICKET_REF = re.compile(r"BABEL-\d{4}-\d{5}")
REPAIR = {
    "opd": "Dinas Pendidikan",
    "penanggung jawab": "Hendra Wijaya",
    "nip": "19850101 201001 1 003",
    "telepon": "081234567890",
    "lokasi": "Gedung Dinas Pendidikan lantai 2",
    "kebutuhan": "Internet di ruang rapat mati sejak pagi",
}
# How each kind of officer notice opens (bot/notify.py), to tell notices from command replies.
NOTICE_OPENINGS = (
    "Tiket baru ",
    "Disposisi tiket ",
    "Pemohon tiket ",
    "Pengingat:",
    "Perhatian:",
)


@pytest.fixture
def clock() -> Clock:
    """A clock standing at Monday morning, inside office hours."""
    return Clock(MONDAY_MORNING)


@pytest.fixture
async def telegram(
    fake_telegram: FakeTelegramAPI, db: Database, tmp_path: Path, clock: Clock
) -> AsyncIterator[TelegramApp]:
    """The babel desk in webhook mode on SQLite and PostgreSQL, talking to the fake Bot API."""
    settings = telegram_settings(fake_telegram, tmp_path / "data", agency="babel")
    async with running_telegram_app(fake_telegram, settings, db=db, clock=clock) as app:
        yield app


def texts(calls: list[Call]) -> list[str]:
    """The texts of some sendMessage calls."""
    return [c.params["text"] for c in calls]


def notices_to(fake: FakeTelegramAPI, chat_id: int) -> list[tuple[str, str]]:
    """The workflow notices an officer's chat received (not the answers to their commands),
    each as (how it opens, its "Tahap:" line)."""
    found = []
    for text in fake.texts_to(chat_id):
        opening = next((o for o in NOTICE_OPENINGS if text.startswith(o)), None)
        if opening is not None:
            step = next((line for line in text.splitlines() if line.startswith("Tahap: ")), "")
            found.append((opening.strip(), step))
    return found


async def ticket_row(db: Database, ref: str) -> repo.TicketRecord:
    """The stored ticket."""
    async with db.transaction() as conn:
        found = await repo.get_ticket(conn, ref=ref)
    assert found is not None
    return found


async def event_kinds(db: Database, ref: str) -> list[str]:
    """The kinds of the ticket's events, oldest first."""
    ticket = await ticket_row(db, ref)
    async with db.transaction() as conn:
        return [e.kind for e in await repo.list_events(conn, ticket_id=ticket.id)]


async def bound_officer(
    db: Database, *, name: str, roles: list[str], chat_id: int, nip: str | None = None
) -> int:
    """An officer whose Telegram chat is already bound (as `servicedesk officers add` does)."""
    async with db.transaction() as conn:
        officer = await repo.add_officer(
            conn, agency="babel", name=name, roles=roles, nip=nip, at=MONDAY_MORNING
        )
        await repo.bind_officer_identity(
            conn,
            officer_id=officer.id,
            channel="telegram",
            external_id=str(chat_id),
            at=MONDAY_MORNING,
        )
    return officer.id


async def invited_officer(db: Database, *, name: str, roles: list[str]) -> tuple[int, str]:
    """An officer with a one-time code (as `servicedesk officers invite` makes); (id, code)."""
    code = new_invite_code()
    async with db.transaction() as conn:
        officer = await repo.add_officer(
            conn, agency="babel", name=name, roles=roles, at=MONDAY_MORNING
        )
        await repo.create_invite(
            conn,
            officer_id=officer.id,
            code_hash=hash_invite_code(code),
            at=MONDAY_MORNING,
            expires_at=MONDAY_MORNING + timedelta(hours=72),
        )
    return officer.id, code


async def file_network_repair(tg: TelegramApp) -> str:
    """The requester asks for a network repair in their own words; returns the ticket's ref."""
    await tg.say("/start", chat_id=REQUESTER)
    replies = await tg.say("internet kantor mati, mohon perbaikan", chat_id=REQUESTER)
    assert ("Ya", "svc:jaringan-intra") in replies[-1].buttons(), texts(replies)
    replies = await tg.tap("svc:jaringan-intra", chat_id=REQUESTER)
    if ("Perbaikan", "prd:perbaikan") in replies[-1].buttons():
        replies = await tg.tap("prd:perbaikan", chat_id=REQUESTER)
    for topic, answer in REPAIR.items():
        question = replies[-1].params["text"]
        assert topic in question.lower(), question
        replies = await tg.say(answer, chat_id=REQUESTER)
    # The repair's impact question (its priority), answered in words as people type them.
    assert "dampak" in replies[-1].params["text"].lower()
    replies = await tg.say("seluruh kantor", chat_id=REQUESTER)
    assert "berkas" in replies[-1].params["text"].lower()
    tg.fake.add_file("surat-1", PDF, file_path="documents/file_1.pdf")
    summary = await tg.deliver(
        document_update("surat-1", file_name="surat-permohonan.pdf", chat_id=REQUESTER),
        chat_id=REQUESTER,
    )
    assert ("Kirim", "sum:send") in summary[-1].buttons()
    filed = await tg.tap("sum:send", chat_id=REQUESTER)
    found = TICKET_REF.search(filed[-1].params["text"])
    assert found is not None, texts(filed)
    return found.group()


async def test_a_babel_network_repair_goes_through_every_sop_step_by_telegram_to_the_berita_acara(
    telegram: TelegramApp,
) -> None:
    tg, fake, db = telegram, telegram.fake, telegram.db
    await bound_officer(db, name="Dr. Rudi Hartono", roles=["kadis"], chat_id=KADIS)
    kabid_id, code = await invited_officer(db, name="Sari Dewi", roles=["kabid"])
    prakom_id = await bound_officer(
        db, name="Yusuf Ramadhan", roles=["pranata-komputer"], chat_id=PRAKOM
    )
    andi_id = await bound_officer(
        db, name="Andi Pratama", roles=["service-desk"], chat_id=ANDI, nip="199001012015031001"
    )
    await bound_officer(db, name="Budi Santoso", roles=["service-desk"], chat_id=BUDI)

    welcome = await tg.say(f"/daftar {code.lower()}", chat_id=KABID)
    assert "Selamat datang, Sari Dewi" in welcome[-1].params["text"]
    # The new officer's chat shows the officers' commands from now on.
    menus = [c for c in fake.calls("setMyCommands") if (c.json("scope") or {}).get("chat_id")]
    assert {c.json("scope")["chat_id"] for c in menus} == {KABID}
    assert "disposisi" in [m["command"] for m in menus[0].json("commands")]
    async with db.transaction() as conn:
        bound = await repo.officer_for_identity(conn, channel="telegram", external_id=str(KABID))
    assert bound is not None and bound.id == kabid_id

    ref = await file_network_repair(tg)

    (new_ticket,) = fake.messages_to(KADIS)
    assert new_ticket.params["text"].startswith(f"Tiket baru {ref}")
    assert new_ticket.buttons() == [("Ambil", f"of:ambil:{ref}"), ("Rincian", f"of:tiket:{ref}")]
    before_processing = len(fake.messages_to(REQUESTER))

    # Kepala Dinas → Kepala Bidang: typed, with an instruction.
    done = await tg.say(f"/disposisi {ref} Mohon segera ditangani", chat_id=KADIS)
    assert f"Tiket {ref} diteruskan ke tahap: Kepala Bidang" in done[-1].params["text"]
    to_kabid = fake.messages_to(KABID)[-1]
    assert to_kabid.params["text"].startswith(f"Disposisi tiket {ref}")
    assert "Instruksi: Mohon segera ditangani" in to_kabid.params["text"]
    assert ("Rincian", f"of:tiket:{ref}") in to_kabid.buttons()
    assert fake.texts_to(REQUESTER)[-1] == f"Tiket {ref}: Sedang diproses."

    # Kepala Bidang → Pranata Komputer: by the notice's buttons only.
    details = await tg.tap(f"of:tiket:{ref}", chat_id=KABID)
    assert "Dr. Rudi Hartono meneruskan" in details[-1].params["text"]
    assert "surat-permohonan.pdf" in details[-1].params["text"]
    assert ("Disposisi", f"of:dsp:{ref}") in details[-1].buttons()
    whom = await tg.tap(f"of:dsp:{ref}", chat_id=KABID)
    assert "Kepada siapa?" in whom[-1].params["text"]
    assert ("Yusuf Ramadhan", f"of:dsp:{ref}:{prakom_id}") in whom[-1].buttons()
    done = await tg.tap(f"of:dsp:{ref}:{prakom_id}", chat_id=KABID)
    assert "(Yusuf Ramadhan)" in done[-1].params["text"]

    # Pranata Komputer → one of the two service-desk officers, by name, with an instruction.
    done = await tg.say(f"/disposisi {ref} @andi Cek switch lantai 2", chat_id=PRAKOM)
    assert "(Andi Pratama)" in done[-1].params["text"]
    assert (await ticket_row(db, ref)).assigned_officer_id == andi_id
    assert "Instruksi: Cek switch lantai 2" in fake.texts_to(ANDI)[-1]

    # The service desk asks the requester something; the requester answers in the chat.
    question = "Mohon sebutkan nomor ruang server dan teknisi OPD yang dapat dihubungi."
    done = await tg.say(f"/lengkapi {ref} {question}", chat_id=ANDI)
    assert "telah dikirim kepada pemohon" in done[-1].params["text"]
    asked = fake.messages_to(REQUESTER)[-1]
    assert ref in asked.params["text"] and question in asked.params["text"]
    assert asked.buttons() == [("Kirim kelengkapan", f"lk:{ref}")]
    assert (await ticket_row(db, ref)).paused_at is not None
    thanks = await tg.say("Ruang server lantai 2, teknisi Pak Joko 081298765432", chat_id=REQUESTER)
    assert f"Jawaban Bapak/Ibu untuk tiket {ref} sudah kami terima" in thanks[-1].params["text"]
    assert fake.texts_to(ANDI)[-1].startswith(f"Pemohon tiket {ref} telah melengkapi persyaratan")

    # The service desk carries on himself: tindak lanjut → laporan → arsip.
    done = await tg.say(f"/disposisi {ref} Switch lantai 2 diganti", chat_id=ANDI)
    assert "Membuat laporan" in done[-1].params["text"]
    assert "Bapak/Ibu sendiri" in done[-1].params["text"]
    done = await tg.say(f"/disposisi {ref}", chat_id=ANDI)
    assert "Menyimpan laporan sebagai bukti" in done[-1].params["text"]
    assert ("Selesai", f"of:sls:{ref}") in done[-1].buttons()

    # /selesai: the Berita Acara, one question at a time, by text and buttons.
    form = await tg.say(f"/selesai {ref}", chat_id=ANDI)
    assert "Ringkasan pekerjaan" in form[-1].params["text"]
    form = await tg.say("Mengganti switch yang rusak dan menguji koneksi", chat_id=ANDI)
    assert "Ringkasan masalah" in form[-1].params["text"]
    form = await tg.say("Switch lantai 2 mati karena lonjakan listrik", chat_id=ANDI)
    assert ("Tidak ada", "of:ba:none") in form[-1].buttons()
    form = await tg.tap("of:ba:none", chat_id=ANDI)
    assert (REPAIR["lokasi"], "of:ba:loc") in form[-1].buttons()
    form = await tg.tap("of:ba:loc", chat_id=ANDI)
    assert ("Saya sendiri", "of:ba:me") in form[-1].buttons()
    summary = await tg.tap("of:ba:me", chat_id=ANDI)
    assert "Petugas: Andi Pratama" in summary[-1].params["text"]
    assert f"Lokasi: {REPAIR['lokasi']}" in summary[-1].params["text"]
    assert summary[-1].buttons() == [
        ("Kirim", "of:ba:send"),
        ("Ubah", "of:ba:edit"),
        ("Batal", "of:ba:cancel"),
    ]
    closed = await tg.tap("of:ba:send", chat_id=ANDI)
    assert f"Tiket {ref} selesai dan ditutup" in closed[-1].params["text"]

    # The requester has the Berita Acara as a PDF document; the officer a copy.
    documents = {c.chat_id: c.files["document"] for c in fake.calls("sendDocument")}
    assert set(documents) == {str(REQUESTER), str(ANDI)}
    filename, data = documents[str(REQUESTER)]
    assert filename == f"Berita-Acara-{ref}.pdf" and data.startswith(b"%PDF")
    assert documents[str(ANDI)][1] == data

    ticket = await ticket_row(db, ref)
    assert (ticket.status, ticket.product, ticket.closed_at) == (
        "selesai",
        "perbaikan",
        MONDAY_MORNING,
    )
    assert await event_kinds(db, ref) == [
        "created",
        "opened",
        "disposed",  # Kepala Dinas → Kepala Bidang
        "disposed",  # Kepala Bidang → Pranata Komputer
        "disposed",  # Pranata Komputer → service desk
        "completion-requested",
        "requester-answered",
        "requester-completed",
        "disposed",  # tindak lanjut → laporan
        "disposed",  # laporan → arsip
        "finished",
    ]

    # The requester heard each change once, in plain words.
    heard = fake.texts_to(REQUESTER)[before_processing:]
    assert heard[0] == f"Tiket {ref}: Sedang diproses."
    assert heard[1].startswith(f"Petugas meminta kelengkapan untuk tiket {ref}")
    assert heard[2].startswith("Terima kasih. Jawaban Bapak/Ibu")
    assert heard[3].startswith(f"Permohonan {ref} (")
    assert "telah selesai dikerjakan. Terlampir Berita Acara" in heard[3]
    # Then, once, the invitation to the satisfaction survey, with its two buttons.
    assert heard[4].startswith(f"Bagaimana pelayanan kami untuk tiket {ref}?")
    assert fake.messages_to(REQUESTER)[-1].buttons() == [
        ("Isi survei", f"skm:go:{ref}"),
        ("Lain kali", f"skm:no:{ref}"),
    ]
    assert len(heard) == 5

    # Each officer was told exactly what was theirs to do, once.
    service = "Layanan Jaringan Intra Pemerintah Daerah"
    assert service in new_ticket.params["text"]
    kadis_step = "Tahap: Kepala Dinas mendisposisikan permohonan kepada Kepala Bidang e-Government"
    kabid_step = "Tahap: Kepala Bidang e-Government mendisposisikan kepada Pranata Komputer"
    prakom_step = "Tahap: Pranata Komputer memberi perintah kepada petugas service desk"
    work_step = "Tahap: Petugas service desk menindaklanjuti permohonan"
    assert notices_to(fake, KADIS) == [("Tiket baru", kadis_step)]
    assert notices_to(fake, KABID) == [("Disposisi tiket", kabid_step)]
    assert notices_to(fake, PRAKOM) == [("Disposisi tiket", prakom_step)]
    assert notices_to(fake, ANDI) == [("Disposisi tiket", work_step), ("Pemohon tiket", work_step)]
    assert fake.texts_to(BUDI) == []

    # Afterwards: the requester sees the ticket done, and officer commands stay closed to them.
    status = await tg.say(f"/status {ref}", chat_id=REQUESTER)
    assert "Status: Selesai" in status[-1].params["text"]
    refused = await tg.say("/antrian", chat_id=REQUESTER)
    assert refused[-1].params["text"].startswith("Mohon maaf, perintah ini khusus untuk petugas")
    assert "/daftar" in refused[-1].params["text"]
