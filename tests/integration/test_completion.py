"""A requester answering an officer's /lengkapi: the answer (text or file) joins the ticket, the
SLA clock runs again with its dues moved, and /batal leaves the ticket waiting."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.desk import commit_transition, workflow_ticket
from bot.engine import DialogEngine
from core.workflow import request_completion
from storage import repositories as repo
from storage.db import Database
from storage.models import attachments, outbox, tickets
from tests.support.dialog import NOW, PDF, Chat, add_officer, conversation, make_engine, rows

ASKED = "Mohon kirim surat permintaan yang sudah ditandatangani."
LATER = NOW + timedelta(hours=2)  # Monday 12:00 WIB, two office hours after the request


async def waiting_ticket(engine: DialogEngine, requester: Chat, officer_id: int) -> str:
    """A hosting ticket the officer asked to complete, as /lengkapi leaves it; returns its ref."""
    await requester.fill_to_summary("hosting")
    await requester.tap("sum:send")
    (row,) = await rows(engine.db, tickets)
    desk = engine.desk(NOW)
    async with engine.db.transaction() as conn:
        record = await repo.lock_ticket(conn, ref=row["ref"])
        assert record is not None
        paused = request_completion(workflow_ticket(record, desk), ASKED, by=officer_id, at=NOW)
        await commit_transition(conn, desk=desk, record=record, transition=paused)
        await repo.save_conversation(
            conn,
            channel=requester.channel,
            chat_id=f"chat-{requester.user}",
            requester_id=record.requester_id,
            agency=engine.agency,
            state="answer_completion",
            data={"ref": record.ref},
            locale="id",
            at=NOW,
        )
    return record.ref


async def ticket(db: Database, ref: str) -> repo.TicketRecord:
    async with db.transaction() as conn:
        found = await repo.get_ticket(conn, ref=ref)
    assert found is not None
    return found


async def events(db: Database, ref: str) -> list[repo.EventRecord]:
    record = await ticket(db, ref)
    async with db.transaction() as conn:
        return await repo.list_events(conn, ticket_id=record.id)


async def setup(db: Database, tmp_path: Path) -> tuple[DialogEngine, Chat, Chat, str]:
    engine = make_engine(db, tmp_path)
    officer = Chat(engine, "petugas")
    officer_id = await add_officer(db, officer, name="Petugas Aptika", roles=["aptika"])
    requester = Chat(engine, "ani")
    ref = await waiting_ticket(engine, requester, officer_id)
    return engine, requester, officer, ref


async def test_a_typed_answer_restarts_the_clock_with_every_due_moved_by_the_pause(
    db: Database, tmp_path: Path
) -> None:
    engine, requester, _officer, ref = await setup(db, tmp_path)
    before = await ticket(db, ref)
    engine.clock = lambda: LATER
    result = await requester.say("Surat sudah ditandatangani Kepala Dinas hari ini.")
    after = await ticket(db, ref)
    assert after.status == "diproses" and after.paused_at is None
    spent = timedelta(hours=2)
    assert after.due_at == engine.calendar.add_office_time(before.due_at, spent)
    assert before.step_due_at is not None
    assert after.step_due_at == engine.calendar.add_office_time(before.step_due_at, spent)
    (reply,) = result.replies
    assert ref in reply.text and "Terima kasih" in reply.text
    kinds = [e.kind for e in await events(db, ref)]
    assert kinds[-2:] == ["requester-answered", "requester-completed"]
    answered = next(e for e in await events(db, ref) if e.kind == "requester-answered")
    assert answered.data["text"] == "Surat sudah ditandatangani Kepala Dinas hari ini."
    assert (await conversation(db, "chat-ani"))["state"] == "idle"


async def test_the_officer_is_told_and_the_requester_hears_it_only_once(
    db: Database, tmp_path: Path
) -> None:
    engine, requester, _officer, ref = await setup(db, tmp_path)
    engine.clock = lambda: LATER
    result = await requester.say("Sudah saya lengkapi.")
    to_officer = await rows(
        db, outbox, outbox.c.recipient == "petugas", outbox.c.created_at == LATER
    )
    (notice,) = to_officer
    assert ref in notice["payload"]["text"] and "telah melengkapi" in notice["payload"]["text"]
    to_requester = await rows(
        db, outbox, outbox.c.recipient == "chat-ani", outbox.c.created_at == LATER
    )
    assert [r["payload"]["text"] for r in to_requester] == [result.replies[0].text]


async def test_a_file_sent_as_the_answer_is_kept_with_the_ticket(
    db: Database, tmp_path: Path
) -> None:
    _engine, requester, _officer, ref = await setup(db, tmp_path)
    await requester.send_file(PDF, "surat-bertanda-tangan.pdf")
    record = await ticket(db, ref)
    answered = next(e for e in await events(db, ref) if e.kind == "requester-answered")
    (answer_id,) = answered.data["attachment_ids"]
    (stored,) = await rows(db, attachments, attachments.c.id == answer_id)
    assert stored["ticket_id"] == record.id and stored["filename"] == "surat-bertanda-tangan.pdf"
    assert record.status == "diproses"


async def test_a_file_of_an_unaccepted_type_is_refused_and_the_ticket_keeps_waiting(
    db: Database, tmp_path: Path
) -> None:
    _engine, requester, _officer, ref = await setup(db, tmp_path)
    result = await requester.send_file(b"MZ\x90\x00 this is a program", "surat.exe")
    assert "tidak dapat kami terima" in result.replies[0].text
    assert (await ticket(db, ref)).status == "menunggu_pemohon"
    assert (await conversation(db, "chat-ani"))["state"] == "answer_completion"


async def test_batal_leaves_the_ticket_waiting_and_says_how_to_answer_later(
    db: Database, tmp_path: Path
) -> None:
    _engine, requester, _officer, ref = await setup(db, tmp_path)
    result = await requester.say("/batal")
    assert f"/kelengkapan {ref}" in result.replies[0].text
    assert (await ticket(db, ref)).status == "menunggu_pemohon"
    assert (await conversation(db, "chat-ani"))["state"] == "idle"
    assert "requester-answered" not in [e.kind for e in await events(db, ref)]


async def test_the_notice_button_shows_the_officers_request_and_takes_the_answer(
    db: Database, tmp_path: Path
) -> None:
    _engine, requester, _officer, ref = await setup(db, tmp_path)
    await requester.say("/batal")
    shown = await requester.tap(f"lk:{ref}")
    assert ASKED in shown.replies[0].text
    assert (await conversation(db, "chat-ani"))["data"] == {"ref": ref}
    await requester.say("Ini suratnya sudah saya kirim lewat SRIKANDI.")
    assert (await ticket(db, ref)).status == "diproses"


async def test_kelengkapan_without_a_number_opens_the_only_waiting_ticket(
    db: Database, tmp_path: Path
) -> None:
    _engine, requester, _officer, ref = await setup(db, tmp_path)
    await requester.say("/batal")
    await requester.say("/kelengkapan")
    assert (await conversation(db, "chat-ani"))["data"] == {"ref": ref}


async def test_another_person_cannot_answer_someone_elses_ticket(
    db: Database, tmp_path: Path
) -> None:
    engine, _requester, _officer, ref = await setup(db, tmp_path)
    stranger = Chat(engine, "budi")
    result = await stranger.tap(f"lk:{ref}")
    assert "tidak ditemukan" in result.replies[0].text
    await stranger.say(f"/kelengkapan {ref}")
    assert (await conversation(db, "chat-budi"))["state"] != "answer_completion"
    assert (await ticket(db, ref)).status == "menunggu_pemohon"


async def test_an_answer_to_a_ticket_no_longer_waiting_is_declined_politely(
    db: Database, tmp_path: Path
) -> None:
    engine, requester, _officer, ref = await setup(db, tmp_path)
    await requester.say("Sudah saya kirim.")
    async with db.transaction() as conn:  # an old state left behind, e.g. by a second device
        record = await repo.get_ticket(conn, ref=ref)
        assert record is not None
        await repo.save_conversation(
            conn,
            channel="test",
            chat_id="chat-ani",
            requester_id=record.requester_id,
            agency=engine.agency,
            state="answer_completion",
            data={"ref": ref},
            locale="id",
            at=NOW,
        )
    result = await requester.say("Ini tambahan keterangannya.")
    assert "tidak menunggu kelengkapan" in result.replies[0].text
    assert [e.kind for e in await events(db, ref)].count("requester-answered") == 1
    assert (await conversation(db, "chat-ani"))["state"] == "idle"
    again = await requester.tap(f"lk:{ref}")
    assert "tidak menunggu kelengkapan" in again.replies[0].text
