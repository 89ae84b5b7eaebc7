"""Officers working tickets by chat command (SQLite and PostgreSQL): binding a chat with
/daftar, who may do what, the queue and ticket details, and a babel network repair taken through
every step of its SOP to the Berita Acara the requester receives."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.desk import file_ticket
from bot.engine import DialogEngine, HandleResult
from core.officers import hash_invite_code
from storage import repositories as repo
from storage.db import Database
from storage.models import attachments, outbox, tickets
from tests.support import pdf
from tests.support.dialog import (
    NOW,
    PDF,
    Chat,
    add_officer,
    conversation,
    make_engine,
    rows,
)

REF = "BABEL-2026-00001"
REPAIR_ANSWERS = {
    "opd": "Dinas Pendidikan",
    "penanggung_jawab": "Hendra Wijaya",
    "nip": "19850101 201001 1 003",
    "kontak": "081234567890",
    "lokasi": "Gedung Dinas Pendidikan lt. 2",
    "uraian": "Internet di ruang rapat mati sejak pagi",
}


# --- helpers --------------------------------------------------------------------------------


def said(result: HandleResult) -> str:
    return "\n".join(reply.text for reply in result.replies)


def buttons(result: HandleResult) -> dict[str, str]:
    """Button label → data, over every reply."""
    return {c.label: c.data for reply in result.replies for c in reply.choices}


async def file_repair(engine: DialogEngine, user: str = "warga") -> str:
    """A requester files a babel network repair through the dialog; returns its ref."""
    chat = Chat(engine, user)
    result = await chat.tap("svc:jaringan-intra")
    for _ in range(12):
        state = await conversation(engine.db, f"chat-{user}")
        if state["state"] == "choose_product":
            result = await chat.tap("prd:perbaikan")
        elif state["state"] == "ask_field" and state["data"]["field"] == "dampak":
            result = await chat.tap("fld:seluruh-kantor")
        elif state["state"] == "ask_field":
            result = await chat.say(REPAIR_ANSWERS[state["data"]["field"]])
        elif state["state"] == "ask_document":
            result = await chat.send_file(PDF, "surat-permohonan.pdf")
        elif state["state"] == "confirm":
            result = await chat.tap("sum:send")
            ticket = await latest_ticket(engine.db)
            assert ticket["ref"] in said(result)
            return str(ticket["ref"])
    raise AssertionError("the dialog never reached its summary")


async def file_quietly(engine: DialogEngine, *, at: Any = NOW, user: str = "lain") -> str:
    """A babel repair filed straight through the desk (no dialog), at `at`."""
    async with engine.db.transaction() as conn:
        requester_id = await repo.get_or_create_requester(
            conn, channel="test", external_id=user, display_name=None, at=at
        )
        created = await file_ticket(
            conn,
            desk=engine.desk(at),
            service="jaringan-intra",
            product="perbaikan",
            fields={"lokasi": "Kantor Gubernur"},
            requirements={},
            requester_id=requester_id,
            channel="test",
            chat_id=f"chat-{user}",
        )
    return created.ref


async def latest_ticket(db: Database) -> dict[str, Any]:
    found = await rows(db, tickets)
    return dict(max(found, key=lambda r: r["id"]))


async def ticket(db: Database, ref: str) -> dict[str, Any]:
    (row,) = await rows(db, tickets, tickets.c.ref == ref)
    return dict(row)


async def queued_to(db: Database, recipient: str) -> list[dict[str, Any]]:
    found = await rows(db, outbox, outbox.c.recipient == recipient)
    return [r["payload"] for r in sorted(found, key=lambda r: r["id"])]


async def event_kinds(db: Database, ref: str) -> list[str]:
    row = await ticket(db, ref)
    async with db.transaction() as conn:
        return [e.kind for e in await repo.list_events(conn, ticket_id=row["id"])]


class Staff:
    """Babel's officers, each on their own chat."""

    def __init__(self, engine: DialogEngine) -> None:
        self.engine = engine
        self.chats: dict[str, Chat] = {}
        self.ids: dict[str, int] = {}

    async def add(self, user: str, name: str, roles: list[str]) -> Chat:
        chat = Chat(self.engine, user)
        self.ids[user] = await add_officer(self.engine.db, chat, name=name, roles=roles)
        self.chats[user] = chat
        return chat

    def __getitem__(self, user: str) -> Chat:
        return self.chats[user]


async def babel_staff(engine: DialogEngine) -> Staff:
    staff = Staff(engine)
    await staff.add("kadis", "Dr. Rudi Hartono", ["kadis"])
    await staff.add("kabid", "Sari Dewi", ["kabid"])
    await staff.add("prakom", "Yusuf Ramadhan", ["pranata-komputer"])
    await staff.add("andi", "Andi Pratama", ["service-desk"])
    await staff.add("budi", "Budi Santoso", ["service-desk"])
    await staff.add("koordinator", "Maya Lestari", ["coordinator"])
    return staff


# --- /daftar ----------------------------------------------------------------------------------


async def invite(db: Database, name: str, roles: list[str], code: str) -> int:
    async with db.transaction() as conn:
        officer = await repo.add_officer(conn, agency="babel", name=name, roles=roles, at=NOW)
        await repo.create_invite(
            conn,
            officer_id=officer.id,
            code_hash=hash_invite_code(code),
            at=NOW,
            expires_at=NOW + timedelta(hours=72),
        )
    return officer.id


async def bound_officer(db: Database, user: str) -> repo.OfficerRecord | None:
    async with db.transaction() as conn:
        return await repo.officer_for_identity(conn, channel="test", external_id=user)


async def test_an_officer_binds_their_chat_with_the_code_typed_in_any_case(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    officer_id = await invite(db, "Sari Dewi", ["kabid", "coordinator"], "K7QF-M2PX")

    result = await Chat(engine, "sari").say("/daftar k7qf m2px")

    assert "Selamat datang, Sari Dewi" in said(result)
    assert "Kepala Bidang e-Government dan Statistik" in said(result)
    assert "Koordinator Service Desk" in said(result)
    assert "/bantuan" in said(result)
    officer = await bound_officer(db, "sari")
    assert officer is not None and officer.id == officer_id


async def test_a_code_works_only_once(db: Database, tmp_path: Path) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    await invite(db, "Sari Dewi", ["kabid"], "K7QF-M2PX")
    await Chat(engine, "sari").say("/daftar K7QF-M2PX")

    result = await Chat(engine, "penyusup").say("/daftar K7QF-M2PX")

    assert "tidak berlaku" in said(result)
    assert await bound_officer(db, "penyusup") is None


async def test_a_chat_bound_to_another_officer_is_refused_and_the_code_stays_usable(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = Staff(engine)
    await staff.add("kadis", "Dr. Rudi Hartono", ["kadis"])
    newcomer = await invite(db, "Sari Dewi", ["kabid"], "K7QF-M2PX")

    refused = await staff["kadis"].say("/daftar K7QF-M2PX")
    accepted = await Chat(engine, "sari").say("/daftar K7QF-M2PX")

    assert "sudah terdaftar untuk petugas lain" in said(refused)
    assert "Selamat datang, Sari Dewi" in said(accepted)
    officer = await bound_officer(db, "sari")
    assert officer is not None and officer.id == newcomer


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("/daftar", "diikuti kode dari koordinator"),
        ("/daftar 1234", "tidak sesuai"),
        ("/daftar ABCD-EFGH", "tidak berlaku"),
    ],
)
async def test_a_missing_malformed_or_unknown_code_gets_a_polite_answer(
    db: Database, tmp_path: Path, typed: str, answer: str
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    result = await Chat(engine, "warga").say(typed)
    assert answer in said(result)
    assert await bound_officer(db, "warga") is None


# --- who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "/antrian",
        "/tiket {ref}",
        "/ambil {ref}",
        "/disposisi {ref} segera",
        "/tugaskan {ref} #1",
        "/lengkapi {ref} kirim surat",
        "/tolak {ref} tidak lengkap",
        "/catatan {ref} coba",
        "/selesai {ref}",
    ],
)
async def test_someone_who_is_not_an_officer_is_refused_every_officer_command(
    db: Database, tmp_path: Path, command: str
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    await babel_staff(engine)
    ref = await file_repair(engine, "warga")
    before = await ticket(db, ref)

    result = await Chat(engine, "tetangga").say(command.format(ref=ref))

    assert "khusus untuk petugas" in said(result)
    # Nothing of somebody else's request shows, and nothing changed.
    assert REPAIR_ANSWERS["lokasi"] not in said(result)
    assert "Jaringan Intra" not in said(result)
    assert await ticket(db, ref) == before


async def test_a_requester_tapping_an_officer_button_is_refused(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    ref = await file_repair(engine, "warga")

    result = await Chat(engine, "tetangga").tap(f"of:tiket:{ref}")

    assert "khusus untuk petugas" in said(result)
    assert REPAIR_ANSWERS["lokasi"] not in said(result)


async def test_help_lists_officer_commands_for_officers_and_requester_commands_for_others(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)

    officer_help = said(await staff["andi"].say("/bantuan"))
    requester_help = said(await Chat(engine, "warga").say("/bantuan"))

    assert "/disposisi NOMOR [#nomor-petugas | @nama | @semua]" in officer_help
    assert "Petugas Service Desk" in officer_help
    assert "/disposisi" not in requester_help
    assert "/layanan" in requester_help


async def test_an_officer_without_the_steps_role_cannot_act_on_it(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_repair(engine)
    before = await ticket(db, ref)

    for command in (f"/disposisi {ref}", f"/ambil {ref}", f"/tolak {ref} x", f"/selesai {ref}"):
        result = await staff["kabid"].say(command)
        assert "hanya untuk pemegang peran tersebut atau koordinator" in said(result), command
        assert "Kepala Dinas Komunikasi dan Informatika" in said(result)

    assert await ticket(db, ref) == before


async def test_an_officer_cannot_act_on_a_step_another_officer_holds(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_quietly(engine)
    await staff["kadis"].say(f"/disposisi {ref}")
    await staff["kabid"].say(f"/disposisi {ref}")
    await staff["prakom"].say(f"/disposisi {ref} #{staff.ids['andi']}")

    result = await staff["budi"].say(f"/disposisi {ref}")

    assert "sedang dipegang oleh Andi Pratama" in said(result)
    assert (await ticket(db, ref))["step"] == "tindak-lanjut"


async def test_an_officer_outside_a_services_procedure_cannot_see_its_tickets(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)  # kalbar: hosting is Bidang Aplikasi Informatika's
    requester = Chat(engine, "ani")
    await requester.fill_to_summary("hosting")
    await requester.tap("sum:send")
    ref = (await latest_ticket(db))["ref"]
    humas = Chat(engine, "humas")
    await add_officer(db, humas, name="Humas", roles=["komunikasi-publik"])
    koordinator = Chat(engine, "koor")
    await add_officer(db, koordinator, name="Koordinator", roles=["coordinator"])

    refused = await humas.say(f"/tiket {ref}")
    allowed = await koordinator.say(f"/tiket {ref}")

    assert "bukan bagian dari tugas Bapak/Ibu" in said(refused)
    assert "sekolah.kalbarprov.go.id" not in said(refused)
    assert "sekolah.kalbarprov.go.id" in said(allowed)


async def test_an_unknown_ticket_is_reported_as_not_found(db: Database, tmp_path: Path) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)

    missing = await staff["kadis"].say("/tiket BABEL-2026-00099")
    no_ref = await staff["kadis"].say("/disposisi")

    assert "Tiket BABEL-2026-00099 tidak ditemukan" in said(missing)
    assert "Mohon sertakan nomor tiket" in said(no_ref)


# --- /antrian and /tiket ----------------------------------------------------------------------


async def test_the_queue_puts_the_most_urgent_first_and_marks_late_and_waiting_tickets(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    recent = await file_quietly(engine, at=NOW, user="satu")
    overdue = await file_quietly(engine, at=NOW - timedelta(hours=1), user="dua")
    waiting = await file_quietly(engine, at=NOW - timedelta(hours=2), user="tiga")
    await staff["kadis"].say(f"/lengkapi {waiting} Mohon lampirkan surat permohonan.")

    result = await staff["kadis"].say("/antrian")

    lines = said(result).splitlines()
    order = [
        next(i for i, line in enumerate(lines) if r in line) for r in (overdue, recent, waiting)
    ]
    assert order == sorted(order)
    assert "TERLAMBAT" in lines[order[0] + 1]
    assert "TERLAMBAT" not in lines[order[1] + 1]
    assert "menunggu pemohon" in lines[order[2] + 1]
    assert list(buttons(result).values())[:2] == [f"of:tiket:{overdue}", f"of:tiket:{recent}"]


async def test_the_queue_holds_my_steps_and_the_coordinator_sees_every_open_ticket(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    at_kadis = await file_quietly(engine, user="satu")
    at_kabid = await file_quietly(engine, user="dua")
    await staff["kadis"].say(f"/disposisi {at_kabid}")
    rejected = await file_quietly(engine, user="tiga")
    await staff["kadis"].say(f"/tolak {rejected} Bukan kewenangan Diskominfo")

    kabid = said(await staff["kabid"].say("/antrian"))
    kadis = said(await staff["kadis"].say("/antrian"))
    coordinator = said(await staff["koordinator"].say("/antrian"))
    service_desk = said(await staff["andi"].say("/antrian"))

    assert at_kabid in kabid and at_kadis not in kabid
    assert at_kadis in kadis and at_kabid not in kadis
    assert at_kadis in coordinator and at_kabid in coordinator
    assert rejected not in coordinator
    assert "kosong" in service_desk


async def test_ticket_details_show_answers_documents_holder_dues_and_history(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_repair(engine)
    await staff["kadis"].say(f"/disposisi {ref.lower()} Mohon segera ditangani")
    await staff["kabid"].say(f"/ambil {ref}")
    await staff["kabid"].say(f"/catatan {ref} Sudah koordinasi dengan OPD")

    result = await staff["kabid"].say(f"/tiket {ref.lower()}")

    text = said(result)
    assert f"Tiket {ref}" in text
    assert "Jaringan Intra (Perbaikan jaringan)" in text
    assert "Lokasi: Gedung Dinas Pendidikan lt. 2" in text
    assert "Penanggung jawab: Hendra Wijaya" in text
    assert "Surat permohonan layanan dari Perangkat Daerah: surat-permohonan.pdf" in text
    assert "Status: Sedang diproses" in text
    assert "Kepala Bidang e-Government mendisposisikan kepada Pranata Komputer" in text
    assert "Dipegang oleh: Sari Dewi" in text
    assert "Batas tahap ini: Senin, 23 November 2026 pukul 10.15 WIB" in text
    assert f"#{staff.ids['prakom']} Yusuf Ramadhan" in text  # who the next step can go to
    history = text[text.index("Riwayat:") :].splitlines()[1:]
    assert history[0].endswith("Permohonan diajukan oleh pemohon")
    assert "Dr. Rudi Hartono meneruskan ke tahap" in history[1]
    assert history[1].endswith("Mohon segera ditangani")
    assert history[2].endswith("Sari Dewi mengambil tiket")
    assert history[3].endswith("Sari Dewi mencatat: Sudah koordinasi dengan OPD")
    assert set(buttons(result)) == {"Disposisi", "Tugaskan", "Lampiran: surat-permohonan.pdf"}


# --- the whole procedure ----------------------------------------------------------------------


async def test_a_babel_network_repair_goes_through_every_sop_step_to_the_berita_acara(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_repair(engine)
    (to_kadis,) = await queued_to(db, "kadis")
    assert to_kadis["text"].startswith(f"Tiket baru {ref}")

    # Kepala Dinas → Kepala Bidang, with an instruction.
    result = await staff["kadis"].say(f"/disposisi {ref} Mohon segera ditangani")
    assert "diteruskan ke tahap" in said(result)
    (to_kabid,) = await queued_to(db, "kabid")
    assert f"Disposisi tiket {ref}" in to_kabid["text"]
    assert "Instruksi: Mohon segera ditangani" in to_kabid["text"]
    assert (await queued_to(db, "chat-warga"))[-1]["text"] == f"Tiket {ref}: Sedang diproses."

    # Kepala Bidang → Pranata Komputer, by the notification's button.
    result = await staff["kabid"].tap(f"of:dsp:{ref}")
    assert "Kepada siapa?" in said(result)
    everyone = "Semua Pranata Komputer Fungsi Infrastruktur dan Teknologi"
    await staff["kabid"].tap(buttons(result)[everyone])
    assert (await ticket(db, ref))["step"] == "perintah-prakom"
    assert len(await queued_to(db, "prakom")) == 1

    # Pranata Komputer → the service desk, which has two officers: pick one by button.
    result = await staff["prakom"].say(f"/disposisi {ref} Cek switch lantai 2")
    assert set(buttons(result)) == {
        "Andi Pratama",
        "Budi Santoso",
        "Semua Petugas Service Desk",
    }
    assert (await ticket(db, ref))["step"] == "perintah-prakom"
    await staff["prakom"].tap(buttons(result)["Andi Pratama"])
    row = await ticket(db, ref)
    assert (row["step"], row["assigned_officer_id"]) == ("tindak-lanjut", staff.ids["andi"])
    (to_andi,) = await queued_to(db, "andi")
    assert "Instruksi: Cek switch lantai 2" in to_andi["text"]
    assert await queued_to(db, "budi") == []
    assert (await conversation(db, "chat-prakom"))["state"] == "idle"

    # The service desk officer carries the work, the report and the filing himself.
    await staff["andi"].say(f"/disposisi {ref} Switch diganti")
    assert (await ticket(db, ref))["step"] == "laporan"
    result = await staff["andi"].say(f"/selesai {ref}")
    assert "masih memiliki tahap yang belum dilalui" in said(result)
    assert "Menyimpan laporan sebagai bukti" in said(result)
    await staff["andi"].say(f"/disposisi {ref}")
    row = await ticket(db, ref)
    assert (row["step"], row["assigned_officer_id"]) == ("arsip", staff.ids["andi"])

    # /selesai asks the Berita Acara one field at a time.
    andi = staff["andi"]
    result = await andi.say(f"/selesai {ref}")
    assert "Ringkasan pekerjaan" in said(result)
    result = await andi.say("Mengganti switch yang rusak dan menguji koneksi")
    assert "Ringkasan masalah" in said(result)
    result = await andi.say("Switch lantai 2 mati karena lonjakan listrik")
    assert "Alternatif solusi" in said(result)
    result = await andi.tap(buttons(result)["Tidak ada"])
    assert "Lokasi" in said(result)
    result = await andi.tap(buttons(result)[REPAIR_ANSWERS["lokasi"]])
    assert "Nama petugas" in said(result)
    result = await andi.tap(buttons(result)["Saya sendiri"])
    summary = said(result)
    assert "Lokasi: Gedung Dinas Pendidikan lt. 2" in summary
    assert "Petugas: Andi Pratama" in summary
    assert set(buttons(result)) == {"Kirim", "Ubah", "Batal"}
    sent_to_warga = len(await queued_to(db, "chat-warga"))

    result = await andi.tap("of:ba:send")

    row = await ticket(db, ref)
    assert row["status"] == "selesai" and row["closed_at"] == NOW
    (report,) = await rows(db, attachments, attachments.c.filename == f"Berita-Acara-{ref}.pdf")
    assert report["ticket_id"] == row["id"] and report["mime"] == "application/pdf"
    assert engine.store.read(report["path"]).startswith(b"%PDF")
    to_requester = (await queued_to(db, "chat-warga"))[sent_to_warga:]
    (finished,) = [p for p in to_requester if "document" in p]
    assert "telah selesai dikerjakan" in finished["text"]
    assert finished["document"]["filename"] == f"Berita-Acara-{ref}.pdf"
    assert base64.b64decode(finished["document"]["data"]).startswith(b"%PDF")
    (to_officer,) = [r for r in result.replies if r.document is not None]
    assert to_officer.document is not None  # narrowed by the filter above
    assert to_officer.document.data.startswith(b"%PDF")
    # The requester signs with the name and NIP they gave when asking.
    assert "Hendra Wijaya NIP. 198501012010011003" in pdf.all_text(to_officer.document.data)
    assert (await conversation(db, "chat-andi"))["state"] == "idle"
    assert await event_kinds(db, ref) == [
        "created",
        "opened",
        "disposed",
        "disposed",
        "disposed",
        "disposed",
        "disposed",
        "finished",
    ]


async def test_the_berita_acara_form_can_be_changed_before_sending_and_cancelled(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_quietly(engine)
    coordinator = staff["koordinator"]
    for _ in range(5):  # a coordinator may move any ticket
        await coordinator.say(f"/disposisi {ref} @semua")
    assert (await ticket(db, ref))["step"] == "arsip"
    last = await coordinator.say(f"/disposisi {ref}")
    assert "sudah berada pada tahap terakhir" in said(last)

    await coordinator.say(f"/selesai {ref}")
    await coordinator.say("Pekerjaan")
    aside = await coordinator.say("/antrian")  # another command keeps the form open
    assert "Ringkasan masalah" in aside.replies[-1].text
    for answer in ("Masalah", "Solusi", "Ruang server"):
        await coordinator.say(answer)
    result = await coordinator.say("Andi Pratama, Tamu Dari Vendor")
    assert "Petugas: Andi Pratama, Tamu Dari Vendor" in said(result)
    result = await coordinator.tap("of:ba:edit")
    result = await coordinator.tap(buttons(result)["Lokasi"])
    assert "Tetap, tidak diubah" in buttons(result)
    result = await coordinator.say("Ruang rapat lantai 3")
    assert "Lokasi: Ruang rapat lantai 3" in said(result)
    assert "Ringkasan masalah: Masalah" in said(result)  # the other answers are kept

    result = await coordinator.say("/batal")

    assert "dibatalkan" in said(result)
    assert (await conversation(db, "chat-koordinator"))["state"] == "idle"
    assert (await ticket(db, ref))["status"] == "diproses"


# --- /lengkapi, /tolak, /catatan, /ambil, /tugaskan -------------------------------------------


async def test_asking_the_requester_for_completion_pauses_the_clock_and_awaits_their_answer(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_repair(engine)

    result = await staff["kadis"].say(f"/lengkapi {ref} Mohon lampirkan surat bertanda tangan.")

    assert "dihentikan sampai pemohon menjawab" in said(result)
    row = await ticket(db, ref)
    assert row["paused_at"] == NOW and row["status"] == "menunggu_pemohon"
    state = await conversation(db, "chat-warga")
    assert state["state"] == "answer_completion" and state["data"] == {"ref": ref}
    asked = (await queued_to(db, "chat-warga"))[-1]
    assert "Mohon lampirkan surat bertanda tangan." in asked["text"]
    # Nothing moves while the requester is being waited for.
    refused = await staff["kadis"].say(f"/disposisi {ref}")
    assert "menunggu kelengkapan dari pemohon" in said(refused)
    assert (await ticket(db, ref))["step"] == "disposisi-kadis"


async def test_a_completion_request_does_not_interrupt_a_requester_in_the_middle_of_a_dialog(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_repair(engine)
    await Chat(engine, "warga").tap("svc:jaringan-intra")  # a second request under way

    await staff["kadis"].say(f"/lengkapi {ref} Mohon lampirkan surat.")

    assert (await conversation(db, "chat-warga"))["state"] == "choose_product"
    assert (await ticket(db, ref))["paused_at"] == NOW


async def test_rejecting_closes_the_ticket_and_tells_the_requester_why(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_repair(engine)

    missing_reason = await staff["kadis"].say(f"/tolak {ref}")
    result = await staff["kadis"].say(f"/tolak {ref} Jaringan gedung ini dikelola pihak ketiga")

    assert "alasan penolakan" in said(missing_reason)
    assert "ditolak" in said(result)
    row = await ticket(db, ref)
    assert row["status"] == "ditolak" and row["closed_at"] == NOW
    told = (await queued_to(db, "chat-warga"))[-1]["text"]
    assert "Alasan: Jaringan gedung ini dikelola pihak ketiga" in told
    again = await staff["kadis"].say(f"/disposisi {ref}")
    assert "sudah ditutup" in said(again)


async def test_a_note_goes_into_the_history_without_notifying_anyone(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_quietly(engine)
    queued_before = len(await rows(db, outbox))

    result = await staff["andi"].say(f"/catatan {ref} Perangkat cadangan tersedia di gudang")

    assert f"Catatan untuk tiket {ref} tersimpan" in said(result)
    assert (await event_kinds(db, ref))[-1] == "note"
    assert len(await rows(db, outbox)) == queued_before + len(result.replies)


async def test_an_officer_takes_an_unheld_ticket_once(db: Database, tmp_path: Path) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_quietly(engine)

    taken = await staff["kadis"].tap(f"of:ambil:{ref}")
    again = await staff["kadis"].say(f"/ambil {ref}")

    assert "sekarang Bapak/Ibu pegang" in said(taken)
    assert (await ticket(db, ref))["assigned_officer_id"] == staff.ids["kadis"]
    assert "sudah Bapak/Ibu pegang" in said(again)
    assert "already" not in said(again)


async def test_a_coordinator_assigns_a_step_to_one_officer_of_its_role(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_quietly(engine)
    for _ in range(3):
        await staff["koordinator"].say(f"/disposisi {ref} @semua")
    assert (await ticket(db, ref))["step"] == "tindak-lanjut"

    wrong_role = await staff["koordinator"].say(f"/tugaskan {ref} #{staff.ids['kabid']}")
    ask = await staff["koordinator"].say(f"/tugaskan {ref}")
    done = await staff["koordinator"].tap(buttons(ask)["Budi Santoso"])

    assert "tidak memiliki peran Petugas Service Desk" in said(wrong_role)
    assert "ditugaskan kepada Budi Santoso" in said(done)
    assert (await ticket(db, ref))["assigned_officer_id"] == staff.ids["budi"]
    assert f"Tiket {ref} ditugaskan kepada Bapak/Ibu" in (await queued_to(db, "budi"))[-1]["text"]
    by_name = await staff["koordinator"].say(f"/tugaskan {ref} andi")
    assert "ditugaskan kepada Andi Pratama" in said(by_name)
    assert "dialihkan" in (await queued_to(db, "budi"))[-1]["text"]


async def test_only_the_role_its_superior_or_a_coordinator_may_assign_a_step(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_quietly(engine)
    for _ in range(3):
        await staff["koordinator"].say(f"/disposisi {ref} @semua")

    refused = await staff["kadis"].say(f"/tugaskan {ref} #{staff.ids['andi']}")
    by_superior = await staff["prakom"].say(f"/tugaskan {ref} #{staff.ids['andi']}")

    assert "hanya dapat dilakukan oleh Petugas Service Desk, atasannya" in said(refused)
    assert "ditugaskan kepada Andi Pratama" in said(by_superior)


async def test_disposing_to_an_officer_by_name_and_the_next_steps_role_by_default(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_quietly(engine)
    await staff["kadis"].say(f"/disposisi {ref}")  # one Kepala Bidang: no question asked
    await staff["kabid"].say(f"/disposisi {ref}")

    unknown = await staff["prakom"].say(f"/disposisi {ref} @citra cek kabel")
    named = await staff["prakom"].say(f"/disposisi {ref} @budi cek kabel")

    assert "Tidak ada Petugas Service Desk bernama citra" in said(unknown)
    assert "Budi Santoso" in buttons(unknown)
    assert "(Budi Santoso)" in said(named)
    row = await ticket(db, ref)
    assert (row["step"], row["assigned_officer_id"]) == ("tindak-lanjut", staff.ids["budi"])
    assert "Instruksi: cek kabel" in (await queued_to(db, "budi"))[-1]["text"]


async def test_an_officer_may_answer_whom_by_typing_the_buttons_number_or_cancel(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_quietly(engine)
    await staff["kadis"].say(f"/disposisi {ref}")
    await staff["kabid"].say(f"/disposisi {ref}")
    prakom = staff["prakom"]

    asked = await prakom.say(f"/disposisi {ref} Ganti kabel")
    cancelled = await prakom.say("/batal")
    assert "dibatalkan" in said(cancelled)
    assert (await ticket(db, ref))["step"] == "perintah-prakom"
    await prakom.say(f"/disposisi {ref} Ganti kabel")
    assert list(buttons(asked))[:2] == ["Andi Pratama", "Budi Santoso"]
    await prakom.say("2")

    row = await ticket(db, ref)
    assert (row["step"], row["assigned_officer_id"]) == ("tindak-lanjut", staff.ids["budi"])
    assert "Instruksi: Ganti kabel" in (await queued_to(db, "budi"))[-1]["text"]


# --- attachments reach officers ---------------------------------------------------------------


async def test_an_officer_opens_the_signed_letter_from_the_ticket_and_nobody_else_can(
    sqlite_db: Database, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_repair(engine)

    shown = await staff["kadis"].say(f"/tiket {ref}")
    assert "surat-permohonan.pdf" in said(shown)
    tap = buttons(shown)["Lampiran: surat-permohonan.pdf"]
    opened = await staff["kadis"].tap(tap)
    (document,) = [r.document for r in opened.replies if r.document is not None]
    assert document.filename == "surat-permohonan.pdf" and document.data == PDF

    # The same button in a requester's hands, or another ticket's number, opens nothing.
    stranger = await Chat(engine, "orang-lain").tap(tap)
    assert all(r.document is None for r in stranger.replies)
    assert "khusus untuk petugas" in said(stranger)
    other = await file_quietly(engine)
    wrong = await staff["kadis"].tap(tap.replace(ref, other))
    assert all(r.document is None for r in wrong.replies)
    assert "tidak ada pada tiket" in said(wrong)


# --- priority from the impact of a disturbance ------------------------------------------------


async def test_a_repair_affecting_a_whole_office_shows_high_priority_to_officers(
    sqlite_db: Database, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_db, tmp_path, agency="babel")
    staff = await babel_staff(engine)
    ref = await file_repair(engine)  # answers "Seluruh kantor atau layanan publik"

    assert "Prioritas: tinggi" in said(await staff["kadis"].say(f"/tiket {ref}"))
    assert "prioritas tinggi" in said(await staff["kadis"].say("/antrian"))


# --- events -----------------------------------------------------------------------------------


async def test_an_event_request_keeps_its_start_and_officers_see_it_first_in_the_queue(
    sqlite_db: Database, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_db, tmp_path, agency="kalbar")
    aptika = Chat(engine, "aptika")
    await add_officer(sqlite_db, aptika, name="Rudi", roles=["aptika"])
    async with engine.db.transaction() as conn:
        requester_id = await repo.get_or_create_requester(
            conn, channel="test", external_id="warga", display_name=None, at=NOW
        )
        # An e-mail account asked at 09:30: its first step (2 hours) is due 11:30.
        email = await file_ticket(
            conn,
            desk=engine.desk(NOW - timedelta(minutes=30)),
            service="email",
            product=None,
            fields={},
            requirements={},
            requester_id=requester_id,
            channel="test",
            chat_id="chat-warga",
        )
        # A video conference asked at 10:00 (first step due 12:00) for an event at 11:00,
        # filed as urgent.
        vicon = await file_ticket(
            conn,
            desk=engine.desk(NOW),
            service="video-conference",
            product=None,
            fields={"waktu_acara": "2026-11-23T11:00:00+07:00", "mendesak": True},
            requirements={},
            requester_id=requester_id,
            channel="test",
            chat_id="chat-warga",
        )
    assert vicon.event_at is not None and vicon.event_at.isoformat() == "2026-11-23T04:00:00+00:00"
    queue = said(await aptika.say("/antrian"))
    # Whichever comes first: the conference's start (11:00) before the e-mail's due (11:30).
    assert queue.index(vicon.ref) < queue.index(email.ref)
    assert "acara Senin, 23 November 2026 pukul 11.00 WIB" in queue
    assert "MENDESAK" in queue


# --- a returning requester ---------------------------------------------------------------------


async def test_a_returning_requester_is_offered_their_details_in_one_step(
    sqlite_db: Database, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_db, tmp_path, agency="babel")
    await file_repair(engine)
    again = Chat(engine, "warga")
    await again.tap("svc:jaringan-intra")

    offered = said(await again.tap("prd:perbaikan"))
    assert "Pakai data Bapak/Ibu sebelumnya?" in offered
    for answer in ("Dinas Pendidikan", "Hendra Wijaya", "0812-3456-7890", "19850101 201001 1 003"):
        assert answer in offered
    used = await again.say("iya pakai")
    state = await conversation(sqlite_db, "chat-warga")
    assert state["data"]["answers"]["opd"] == "Dinas Pendidikan"
    assert state["data"]["answers"]["penanggung_jawab"] == "Hendra Wijaya"
    # The details are taken: the next question is the first one not answered yet.
    assert state["state"] == "ask_field" and state["data"]["field"] == "lokasi"
    assert "lokasi" in said(used).lower()


async def test_a_returning_requester_may_give_new_details_instead(
    sqlite_db: Database, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_db, tmp_path, agency="babel")
    await file_repair(engine)
    again = Chat(engine, "warga")
    await again.tap("svc:jaringan-intra")
    await again.tap("prd:perbaikan")
    await again.tap("prof:edit")
    state = await conversation(sqlite_db, "chat-warga")
    assert state["state"] == "ask_field" and state["data"]["field"] == "opd"
    assert "profile_offer" not in state["data"]


async def test_a_returning_requester_who_just_answers_is_taken_at_their_word(
    sqlite_db: Database, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_db, tmp_path, agency="babel")
    await file_repair(engine)
    again = Chat(engine, "warga")
    await again.tap("svc:jaringan-intra")
    await again.tap("prd:perbaikan")
    await again.say("Badan Keuangan Daerah")
    state = await conversation(sqlite_db, "chat-warga")
    assert state["data"]["answers"]["opd"] == "Badan Keuangan Daerah"
    assert state["state"] == "ask_field" and state["data"]["field"] == "penanggung_jawab"


# --- one requester across channels -------------------------------------------------------------


async def test_a_code_from_one_chat_joins_another_so_status_and_details_follow_the_person(
    sqlite_db: Database, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_db, tmp_path, agency="babel")
    ref = await file_repair(engine)  # on chat "warga"
    telegram = Chat(engine, "warga")
    whatsapp = Chat(engine, "warga-wa", channel="whatsapp")

    assert ref not in said(await whatsapp.say("/status"))
    given = said(await telegram.say("/tautkan"))
    code = re.search(r"/tautkan ([0-9A-Z]{4}-[0-9A-Z]{4})", given)
    assert code is not None
    joined = said(await whatsapp.say(f"/tautkan {code[1].lower()}"))
    assert "sekarang tertaut" in joined
    assert ref in said(await whatsapp.say("/status"))

    # The remembered details come along to the new chat.
    await whatsapp.tap("svc:jaringan-intra")
    offered = said(await whatsapp.tap("prd:perbaikan"))
    assert "Pakai data Bapak/Ibu sebelumnya?" in offered and "Dinas Pendidikan" in offered

    # A code works once, and a wrong one is refused politely.
    again = said(await Chat(engine, "orang-lain").say(f"/tautkan {code[1]}"))
    assert "tidak berlaku" in again
    assert ref not in said(await Chat(engine, "orang-lain").say("/status"))
