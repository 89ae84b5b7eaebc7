"""Who hears about a ticket's changes, on which chat, in which words, and when."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.desk import commit_transition, file_ticket, workflow_ticket
from core.workflow import dispose, take
from storage import repositories as repo
from storage.db import Database
from storage.models import outbox
from tests.support.dialog import NOW, Chat, add_officer, make_engine, rows

# Sunday 22 November 2026, 20:00 WIB: the office is closed.
SUNDAY_EVENING = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)


async def file_network_repair(db: Database, engine: Any, at: datetime = NOW) -> repo.TicketRecord:
    """A babel network-repair ticket filed by a requester who has chatted before."""
    requester = Chat(engine, "warga")
    await requester.say("/bahasa en")
    async with db.transaction() as conn:
        requester_id = await repo.get_or_create_requester(
            conn, channel="test", external_id="warga", display_name=None, at=at, locale="id"
        )
        return await file_ticket(
            conn,
            desk=engine.desk(at),
            service="jaringan-intra",
            product="perbaikan",
            fields={"lokasi": "Gedung A"},
            requirements={},
            requester_id=requester_id,
            channel="test",
            chat_id="chat-warga",
        )


async def queued_to(db: Database, recipient: str) -> list[dict[str, Any]]:
    return [dict(r) for r in await rows(db, outbox, outbox.c.recipient == recipient)]


async def test_a_new_ticket_reaches_every_officer_of_its_first_step(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    await add_officer(db, Chat(engine, "kadis"), name="Kadis", roles=["kadis"])
    await add_officer(db, Chat(engine, "kabid"), name="Kabid", roles=["kabid"])
    ticket = await file_network_repair(db, engine)

    (to_kadis,) = await queued_to(db, "kadis")
    assert f"Tiket baru {ticket.ref}" in to_kadis["payload"]["text"]
    assert {"data": f"of:ambil:{ticket.ref}", "label": "Ambil"} in to_kadis["payload"]["choices"]
    assert await queued_to(db, "kabid") == []


async def test_a_step_nobody_holds_is_announced_to_the_coordinators(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    await add_officer(db, Chat(engine, "koor"), name="Koordinator", roles=["coordinator"])
    ticket = await file_network_repair(db, engine)

    (message,) = await queued_to(db, "koor")
    assert ticket.ref in message["payload"]["text"]


async def test_an_officer_holding_two_named_roles_gets_one_message(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    await add_officer(db, Chat(engine, "kadis"), name="Kadis", roles=["kadis", "coordinator"])
    await file_network_repair(db, engine)
    assert len(await queued_to(db, "kadis")) == 1


async def test_officer_news_filed_at_night_waits_for_the_office_to_open(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    await add_officer(db, Chat(engine, "kadis"), name="Kadis", roles=["kadis"])
    await file_network_repair(db, engine, at=SUNDAY_EVENING)

    (message,) = await queued_to(db, "kadis")
    opening = engine.calendar.next_opening(SUNDAY_EVENING)
    assert message["next_attempt_at"] == opening
    assert engine.calendar.local(opening).hour == 8  # Monday morning, not Sunday night


async def test_the_requester_hears_a_status_change_once_in_their_language(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    kadis = await add_officer(db, Chat(engine, "kadis"), name="Kadis", roles=["kadis"])
    record = await file_network_repair(db, engine)
    desk = engine.desk(NOW)
    before = len(await queued_to(db, "chat-warga"))

    async with db.transaction() as conn:
        current = await repo.lock_ticket(conn, ref=record.ref)
        assert current is not None
        transition = take(workflow_ticket(current, desk), kadis, at=NOW)
        updated = await commit_transition(conn, desk=desk, record=current, transition=transition)
    assert updated.assigned_officer_id == kadis and updated.status.value == "diproses"
    async with db.transaction() as conn:
        transition = dispose(
            workflow_ticket(updated, desk), calendar=desk.calendar, by=kadis, at=NOW
        )
        moved = await commit_transition(conn, desk=desk, record=updated, transition=transition)

    after = await queued_to(db, "chat-warga")
    assert moved.step == "disposisi-kabid"
    assert [m["payload"]["text"] for m in after[before:]] == [f"Ticket {record.ref}: In progress."]
