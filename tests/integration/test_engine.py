"""The dialog engine on a real database (SQLite and PostgreSQL): one transaction per message,
dedupe of redelivered updates, all-or-nothing on a crash, and per-requester /status."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from storage import repositories as repo
from storage.db import Database
from storage.models import attachments, outbox, tickets
from tests.support.dialog import (
    ANSWERS,
    NOW,
    PDF,
    Chat,
    conversation,
    count,
    make_engine,
    rows,
)


async def test_a_ticket_is_created_with_its_created_event_and_the_calendar_sla(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    chat = Chat(engine, "ani")
    await chat.fill_to_summary("hosting")
    result = await chat.tap("sum:send")
    (ticket,) = await rows(db, tickets)
    assert ticket["ref"] == "KALBAR-2026-00001"
    assert f"nomor tiket {ticket['ref']}" in result.replies[0].text
    hosting = engine.catalog.service("hosting")
    assert hosting is not None
    expected = engine.calendar.due(NOW, hosting.sla_for(None))
    assert ticket["due_at"] == expected.due and ticket["start_at"] == expected.start
    assert ticket["step"] == hosting.procedure[0].code
    assert ticket["assigned_role"] == hosting.procedure[0].role
    assert ticket["fields"]["domain"] == "sekolah.kalbarprov.go.id"
    async with db.transaction() as conn:
        events = await repo.list_events(conn, ticket_id=ticket["id"])
    assert [e.kind for e in events] == ["created", "opened"]
    assert events[1].data["step"] == hosting.procedure[0].code
    # The alert sweep will look at it when its first warning comes due, not before.
    assert NOW < ticket["next_alert_at"] < ticket["step_due_at"]
    state = await conversation(db, "chat-ani")
    assert state["state"] == "idle" and state["data"] == {}


async def test_every_reply_is_queued_in_the_outbox_in_order(db: Database, tmp_path: Path) -> None:
    chat = Chat(make_engine(db, tmp_path), "budi")
    result = await chat.say("/bantuan")
    queued = await rows(db, outbox, outbox.c.id.in_(result.outbox_ids))
    assert [q["payload"] for q in sorted(queued, key=lambda q: q["id"])] == [
        r.to_payload() for r in result.replies
    ]
    assert all(q["recipient"] == "chat-budi" and q["channel"] == "test" for q in queued)


async def test_the_same_update_delivered_three_times_makes_one_ticket(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    chat = Chat(engine, "citra")
    await chat.fill_to_summary("hosting")
    queued_before = await count(db, outbox)
    final = chat.inbound(update_id="citra-final", choice="sum:send")
    results = await asyncio.gather(*(engine.handle(final) for _ in range(3)))
    assert sorted(r.duplicate for r in results) == [False, True, True]
    assert await count(db, tickets) == 1
    handled = next(r for r in results if not r.duplicate)
    assert await count(db, outbox) == queued_before + len(handled.replies)
    assert all(r.replies == [] and r.outbox_ids == [] for r in results if r.duplicate)


async def test_a_crash_while_filing_leaves_no_ticket_and_the_summary_waiting(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(db, tmp_path)
    chat = Chat(engine, "dedi")
    await chat.fill_to_summary("hosting")
    before = await conversation(db, "chat-dedi")
    real_create = repo.create_ticket

    async def create_then_crash(*args: Any, **kwargs: Any) -> Any:
        await real_create(*args, **kwargs)  # the ticket row exists inside the transaction...
        raise RuntimeError("disk on fire")  # ...and must vanish with the rollback

    monkeypatch.setattr(repo, "create_ticket", create_then_crash)
    result = await chat.tap("sum:send")
    assert not result.duplicate
    assert "terjadi gangguan" in result.replies[0].text
    assert len(result.outbox_ids) == 1
    assert await count(db, tickets) == 0
    after = await conversation(db, "chat-dedi")
    assert (after["state"], after["data"], after["version"]) == (
        before["state"],
        before["data"],
        before["version"],
    )

    monkeypatch.setattr(repo, "create_ticket", real_create)
    retried = await chat.tap("sum:send")
    assert "nomor tiket KALBAR-2026-00001" in retried.replies[0].text
    assert await count(db, tickets) == 1


async def test_a_failed_write_reaches_the_channel_so_the_update_is_delivered_again(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(db, tmp_path)
    chat = Chat(engine, "fani")
    await chat.fill_to_summary("hosting")
    before = await conversation(db, "chat-fani")
    queued_before = await count(db, outbox)
    real_create = repo.create_ticket

    async def create_then_lose_the_database(*args: Any, **kwargs: Any) -> Any:
        await real_create(*args, **kwargs)
        raise OperationalError("INSERT ...", {}, Exception("database is locked"))

    monkeypatch.setattr(repo, "create_ticket", create_then_lose_the_database)
    send = chat.inbound(update_id="fani-send", choice="sum:send")
    with pytest.raises(OperationalError):
        await engine.handle(send)
    # Nothing was recorded, not even the inbox row or an apology: the redelivery is not a duplicate.
    assert await count(db, tickets) == 0
    assert await count(db, outbox) == queued_before
    assert (await conversation(db, "chat-fani"))["version"] == before["version"]

    monkeypatch.setattr(repo, "create_ticket", real_create)
    redelivered = await engine.handle(send)
    assert not redelivered.duplicate
    assert "nomor tiket KALBAR-2026-00001" in redelivered.replies[0].text
    assert await count(db, tickets) == 1


async def test_the_apology_after_a_crash_is_in_the_requesters_language(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(db, tmp_path)
    chat = Chat(engine, "erik")
    await chat.say("/bahasa en")

    def broken_step(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("bug")

    monkeypatch.setattr("bot.dialogs.intake.step", broken_step)
    result = await chat.say("hosting")
    assert result.replies[0].text.startswith("Sorry, something went wrong")
    assert (await conversation(db, "chat-erik"))["locale"] == "en"


async def test_a_requester_sees_only_their_own_tickets(db: Database, tmp_path: Path) -> None:
    engine = make_engine(db, tmp_path)
    owner, other = Chat(engine, "fajar"), Chat(engine, "gita")
    await owner.fill_to_summary("domain")
    await owner.tap("sum:send")
    (ticket,) = await rows(db, tickets)
    ref = ticket["ref"]

    mine = await owner.say(f"/status {ref}")
    assert f"Tiket {ref}" in mine.replies[0].text
    assert "Status: Baru diterima" in mine.replies[0].text

    theirs = await other.say(f"/status {ref}")
    missing = await other.say("/status KALBAR-2026-09999")
    assert theirs.replies[0].text == missing.replies[0].text.replace("KALBAR-2026-09999", ref)
    assert "tidak ditemukan" in theirs.replies[0].text
    listing = await other.say("/status")
    assert ref not in listing.replies[0].text
    assert ref in (await owner.say("/status")).replies[0].text


async def test_an_uploaded_document_is_stored_and_linked_to_the_ticket(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    chat = Chat(engine, "hadi")
    await chat.fill_to_summary("hosting")
    await chat.tap("sum:send")
    (ticket,) = await rows(db, tickets)
    (stored,) = await rows(db, attachments)
    assert stored["ticket_id"] == ticket["id"]
    assert stored["mime"] == "application/pdf"
    assert ticket["requirements"]["surat-permintaan"]["attachment_id"] == stored["id"]
    assert engine.store.read(stored["path"]) == PDF


async def test_a_file_over_the_size_limit_is_refused_and_not_stored(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, max_attachment_bytes=2 * 1024 * 1024)
    chat = Chat(engine, "intan")
    await chat.tap("svc:colocation")
    hosting = engine.catalog.service("colocation")
    assert hosting is not None
    for field in hosting.fields:
        await chat.say(ANSWERS[field.type])
    result = await chat.send_file(PDF + b"0" * (3 * 1024 * 1024))
    assert "berkas terlalu besar (paling besar 2 MB)" in result.replies[0].text
    assert await count(db, attachments) == 0
    assert (await conversation(db, "chat-intan"))["state"] == "ask_document"


async def test_a_conversation_begun_under_another_agency_starts_over(
    db: Database, tmp_path: Path
) -> None:
    await Chat(make_engine(db, tmp_path, agency="kalbar"), "joko").tap("svc:hosting")
    assert (await conversation(db, "chat-joko"))["state"] == "ask_field"
    babel = Chat(make_engine(db, tmp_path, agency="babel"), "joko")
    result = await babel.say("halo")
    state = await conversation(db, "chat-joko")
    assert state["agency"] == "babel" and state["state"] == "choose_service"
    assert result.replies[0].choices[0].data == "svc:jaringan-intra"
