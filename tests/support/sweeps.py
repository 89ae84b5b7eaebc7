"""A babel office for the scheduler's tests: its officers with bound chats, tickets filed and
moved along their procedure at chosen instants, and readers of what was queued."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.desk import commit_transition, file_ticket, workflow_ticket
from bot.engine import DialogEngine
from bot.office import Desk
from core.workflow import Transition, WorkflowTicket, dispose
from storage import repositories as repo
from storage.db import Database
from storage.models import outbox, ticket_events
from tests.support.dialog import Chat, add_officer, make_engine, rows

WIB = ZoneInfo("Asia/Jakarta")

# Who holds which babel role; "koor" coordinates the desk.
STAFF = {
    "kadis": "kadis",
    "kabid": "kabid",
    "prakom": "pranata-komputer",
    "sari": "service-desk",
    "koor": "coordinator",
}


def wib(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=WIB)


@dataclass
class Office:
    engine: DialogEngine
    officers: dict[str, int]  # chat user → officer id

    @property
    def db(self) -> Database:
        return self.engine.db

    def desk(self, at: datetime) -> Desk:
        return self.engine.desk(at)


async def babel_office(db: Database, tmp_path: Path) -> Office:
    """Babel's desk with one officer per role, each reached on chat id = their user name."""
    engine = make_engine(db, tmp_path, agency="babel")
    officers = {
        user: await add_officer(db, Chat(engine, user), name=user.title(), roles=[role])
        for user, role in STAFF.items()
    }
    return Office(engine, officers)


async def file_request(
    office: Office,
    at: datetime,
    *,
    service: str = "jaringan-intra",
    product: str = "perbaikan",
    requester: str = "pemohon",
) -> repo.TicketRecord:
    """A babel ticket (a network repair unless told) filed by `requester` on the test channel."""
    async with office.db.transaction() as conn:
        requester_id = await repo.get_or_create_requester(
            conn, channel="test", external_id=requester, display_name=None, at=at
        )
        return await file_ticket(
            conn,
            desk=office.desk(at),
            service=service,
            product=product,
            fields={},
            requirements={},
            requester_id=requester_id,
            channel="test",
            chat_id=f"chat-{requester}",
        )


async def act(
    office: Office, ref: str, at: datetime, change: Callable[[WorkflowTicket], Transition]
) -> repo.TicketRecord:
    """Apply one workflow transition to the stored ticket at `at`, as an officer command does."""
    desk = office.desk(at)
    async with office.db.transaction() as conn:
        record = await repo.lock_ticket(conn, ref=ref)
        assert record is not None
        transition = change(workflow_ticket(record, desk))
        return await commit_transition(conn, desk=desk, record=record, transition=transition)


async def to_work_step(office: Office, ref: str, at: datetime) -> repo.TicketRecord:
    """Dispose the three disposition steps at `at`: the ticket reaches tindak-lanjut."""
    record = None
    for user in ("kadis", "kabid", "prakom"):
        record = await act(office, ref, at, partial(_dispose, office, office.officers[user], at))
    assert record is not None and record.step == "tindak-lanjut"
    return record


def _dispose(office: Office, by: int, at: datetime, ticket: WorkflowTicket) -> Transition:
    return dispose(ticket, calendar=office.engine.calendar, by=by, at=at)


async def messages(db: Database, *, containing: str = "") -> list[dict[str, Any]]:
    """Queued outbox rows (recipient, text, key, times), oldest first, optionally filtered."""
    found = [
        {
            "recipient": row["recipient"],
            "text": row["payload"]["text"],
            "key": row["key"],
            "created_at": row["created_at"],
            "next_attempt_at": row["next_attempt_at"],
            "status": row["status"],
        }
        for row in await rows(db, outbox)
    ]
    found.sort(key=lambda m: (m["created_at"], m["key"]))
    return [m for m in found if containing in m["text"]]


async def alerts_logged(db: Database, ticket_id: int) -> list[str]:
    """The alert kinds in the ticket's log, in order ("warn-75", "warn-1h", "breach")."""
    events = await rows(
        db,
        ticket_events,
        ticket_events.c.ticket_id == ticket_id,
        ticket_events.c.kind.in_(["warned", "escalated"]),
    )
    return [e["data"]["alert"] for e in sorted(events, key=lambda e: e["id"])]
