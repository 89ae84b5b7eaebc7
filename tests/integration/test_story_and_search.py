"""/status REF for officers and coordinators (the ticket's whole story) and /cari (finding
tickets by who asked, where, or what): who may see what."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.engine import DialogEngine, HandleResult
from storage import repositories as repo
from storage.db import Database
from storage.models import tickets
from tests.support.dialog import Chat, add_officer, make_engine


def said(result: HandleResult) -> str:
    return "\n".join(reply.text for reply in result.replies)


async def file_hosting(requester: Chat) -> str:
    await requester.say("mau hosting aplikasi sekolah")
    await requester.fill_to_summary("hosting")
    found = re.search(r"nomor tiket (\S+)\.", said(await requester.tap("sum:send")))
    assert found is not None
    return found[1]


@pytest.fixture
async def desk(sqlite_db: Database, tmp_path: Path) -> tuple[DialogEngine, dict[str, Chat], str]:
    engine = make_engine(sqlite_db, tmp_path, "kalbar")
    chats = {name: Chat(engine, name) for name in ("koor", "andi", "sari", "warga", "lain")}
    await add_officer(sqlite_db, chats["koor"], name="Koordinator", roles=["coordinator"])
    await add_officer(sqlite_db, chats["andi"], name="Andi Pratama", roles=["aptika"])
    await add_officer(sqlite_db, chats["sari"], name="Sari Dewi", roles=["petugas-informasi"])
    ref = await file_hosting(chats["warga"])
    return engine, chats, ref


async def test_a_coordinators_status_tells_the_whole_story_of_a_ticket(
    desk: tuple[DialogEngine, dict[str, Chat], str],
) -> None:
    _, chats, ref = desk
    andi, warga = chats["andi"], chats["warga"]
    await andi.say(f"/ambil {ref}")
    await andi.say(f"/lengkapi {ref} Mohon kirim surat permohonan yang ditandatangani")
    await warga.tap(f"lk:{ref}")
    await warga.say("Sudah saya tanda tangani, terlampir")
    await andi.say(f"/catatan {ref} Server disiapkan di rak 2")
    await andi.say(f"/disposisi {ref}")

    story = said(await chats["koor"].say(f"/status {ref}"))

    assert f"Tiket {ref}" in story
    assert "Dinas Pendidikan" in story  # the requester's instansi, as they answered it
    assert "Tahapan (mulai · batas · selesai):" in story
    lines = story.splitlines()
    first = next(line for line in lines if line.startswith("1. "))
    second = next(line for line in lines if line.startswith("2. "))
    assert "tepat waktu" in first and "belum selesai" in second
    assert "Jeda menunggu pemohon:" in story and "jam kerja" in story
    assert "Server disiapkan di rak 2" in story  # the note
    assert "Dipegang oleh" in story or "Belum dipegang" in story


async def test_an_officer_sees_tickets_they_held_and_not_others(
    desk: tuple[DialogEngine, dict[str, Chat], str],
) -> None:
    _, chats, ref = desk
    await chats["andi"].say(f"/ambil {ref}")
    assert f"Tiket {ref}" in said(await chats["andi"].say(f"/status {ref}"))
    refused = said(await chats["sari"].say(f"/status {ref}"))
    assert "bukan bagian dari tugas" in refused and "Tahapan" not in refused


async def test_a_requester_status_of_anothers_ticket_is_the_same_as_a_missing_one(
    desk: tuple[DialogEngine, dict[str, Chat], str],
) -> None:
    _, chats, ref = desk
    other = said(await chats["lain"].say(f"/status {ref}"))
    missing = said(await chats["lain"].say("/status KALBAR-2026-09999"))
    assert other.replace(ref, "X") == missing.replace("KALBAR-2026-09999", "X")
    own = said(await chats["warga"].say(f"/status {ref}"))
    assert ref in own and "Tahapan" not in own  # the requester's view is unchanged


@pytest.mark.parametrize("typed", ["pendidikan", "DINAS PENDIDIKAN", "hosting sekolah"])
async def test_cari_finds_tickets_by_instansi_or_request_words(
    desk: tuple[DialogEngine, dict[str, Chat], str], typed: str
) -> None:
    _, chats, ref = desk
    found = await chats["koor"].say(f"/cari {typed}")
    assert ref in said(found)
    assert any(c.data == f"of:tiket:{ref}" for c in found.replies[-1].choices)


async def test_cari_lists_newest_first_and_says_when_nothing_matches(
    desk: tuple[DialogEngine, dict[str, Chat], str],
) -> None:
    _, chats, first = desk
    second = await file_hosting(chats["warga"])
    listed = said(await chats["koor"].say("/cari pendidikan"))
    assert listed.index(second) < listed.index(first)
    assert "Tidak ada tiket yang cocok" in said(await chats["koor"].say("/cari zzzqqq"))
    assert "Tidak ada tiket yang cocok" in said(await chats["koor"].say("/cari 100%_"))


async def test_cari_shows_an_officer_only_the_tickets_they_may_see(
    desk: tuple[DialogEngine, dict[str, Chat], str],
) -> None:
    _, chats, ref = desk
    assert ref in said(await chats["andi"].say("/cari pendidikan"))  # aptika runs hosting
    assert ref not in said(await chats["sari"].say("/cari pendidikan"))
    refused = said(await chats["warga"].say("/cari pendidikan"))
    assert ref not in refused


async def test_every_officer_view_of_personal_data_is_logged_and_audit_shows_it(
    desk: tuple[DialogEngine, dict[str, Chat], str],
) -> None:
    engine, chats, ref = desk
    await chats["koor"].say(f"/status {ref}")
    await chats["andi"].say(f"/tiket {ref}")
    await chats["andi"].say("/cari pendidikan")
    await chats["sari"].say(f"/status {ref}")  # refused: nothing seen, nothing logged

    shown = said(await chats["koor"].say(f"/audit {ref}"))

    lines = shown.splitlines()[1:]
    assert [line.split(" — ", 2)[2] for line in lines] == [
        "audit.view",  # reading the log is logged too
        "tickets.search",
        "ticket.view",
        "ticket.view",
    ]
    assert "Andi Pratama (officer, test)" in lines[1] and "Koordinator" in lines[3]
    assert "Sari Dewi" not in shown
    async with engine.db.transaction() as conn:
        logged = await repo.list_access(conn, actor_name="Andi Pratama")
    assert [e.action for e in logged] == ["tickets.search", "ticket.view"]
    refused = said(await chats["andi"].say(f"/audit {ref}"))
    assert "hanya untuk koordinator" in refused and "ticket.view" not in refused


@pytest.mark.parametrize("typed", ["sjögren", "SJÖGREN", "Sjögren"])
async def test_cari_reads_the_answers_not_the_field_names_and_knows_every_letter(
    desk: tuple[DialogEngine, dict[str, Chat], str], typed: str
) -> None:
    engine, chats, ref = desk
    async with engine.db.transaction() as conn:
        record = await repo.get_ticket(conn, ref=ref)
        assert record is not None
        fields = {**record.fields, "opd": "Dinas Pendidikan Sjögren"}
        await conn.execute(tickets.update().where(tickets.c.id == record.id).values(fields=fields))
    assert ref in said(await chats["koor"].say(f"/cari {typed}"))
    # "kontak" and "opd" are the fields' names: they name no ticket.
    assert "Tidak ada tiket yang cocok" in said(await chats["koor"].say("/cari kontak"))
