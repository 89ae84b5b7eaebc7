"""Tickets (numbering, lookups, locks, workflow updates) and their append-only event history.

`TicketRecord` itself is defined in storage.repositories._rows: the step alerts read tickets too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.tickets import TicketStatus, format_ref, normalize_ref
from storage.models import ticket_counters, ticket_events, tickets
from storage.repositories._rows import TicketRecord, _record, _ticket, insert_for


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    ticket_id: int
    at: datetime
    actor_kind: str
    actor_id: int | None
    kind: str
    data: dict[str, Any]


async def create_ticket(
    conn: AsyncConnection,
    *,
    agency: str,
    prefix: str,
    year: int,
    service: str,
    product: str | None,
    requester_id: int,
    channel: str,
    chat_id: str,
    fields: Mapping[str, Any],
    requirements: Mapping[str, Any],
    created_at: datetime,
    start_at: datetime,
    target_at: datetime | None,
    due_at: datetime,
    step: str | None,
    assigned_role: str | None,
    step_due_at: datetime | None,
    status: TicketStatus = TicketStatus.BARU,
    actor_kind: str = "requester",
    actor_id: int | None = None,
    step_started_at: datetime | None = None,
    next_alert_at: datetime | None = None,
    event_at: datetime | None = None,
    priority: int | None = None,
) -> TicketRecord:
    """Allocate the next number for (agency, year), insert the ticket and its 'created' event.

    `year` is the calendar year in the agency's time zone (the caller knows the zone).
    The counter upsert takes a row lock, so concurrent submissions never share a number.
    """
    counter = insert_for(conn, ticket_counters).values(agency=agency, year=year, last_seq=1)
    counter = counter.on_conflict_do_update(
        index_elements=["agency", "year"],
        set_={"last_seq": ticket_counters.c.last_seq + 1},
    ).returning(ticket_counters.c.last_seq)
    seq = int((await conn.execute(counter)).scalar_one())
    ref = format_ref(prefix, year, seq)
    row = (
        await conn.execute(
            tickets.insert()
            .values(
                ref=ref,
                agency=agency,
                year=year,
                seq=seq,
                service=service,
                product=product,
                requester_id=requester_id,
                channel=channel,
                chat_id=chat_id,
                fields=dict(fields),
                requirements=dict(requirements),
                status=str(status),
                step=step,
                assigned_role=assigned_role,
                assigned_officer_id=None,
                created_at=created_at,
                start_at=start_at,
                target_at=target_at,
                due_at=due_at,
                step_due_at=step_due_at,
                paused_at=None,
                paused_seconds=0,
                closed_at=None,
                updated_at=created_at,
                step_started_at=step_started_at,
                next_alert_at=next_alert_at,
                event_at=event_at,
                priority=priority,
            )
            .returning(*tickets.c)
        )
    ).one()
    ticket = _ticket(row)
    await add_event(
        conn,
        ticket_id=ticket.id,
        at=created_at,
        actor_kind=actor_kind,
        actor_id=actor_id,
        kind="created",
        data={"ref": ref, "service": service, "product": product, "status": str(status)},
    )
    return ticket


async def get_ticket(conn: AsyncConnection, *, ref: str) -> TicketRecord | None:
    """The ticket with this reference, typed in any case or spacing; None if there is none."""
    canonical = normalize_ref(ref)
    if canonical is None:
        return None
    row = (await conn.execute(select(tickets).where(tickets.c.ref == canonical))).first()
    return None if row is None else _ticket(row)


async def get_ticket_by_id(conn: AsyncConnection, *, ticket_id: int) -> TicketRecord | None:
    """The ticket with this id, or None."""
    row = (await conn.execute(select(tickets).where(tickets.c.id == ticket_id))).first()
    return None if row is None else _ticket(row)


async def lock_ticket(conn: AsyncConnection, *, ref: str) -> TicketRecord | None:
    """Like `get_ticket`, but the row stays locked until the transaction ends (PostgreSQL).

    Officer commands read, decide and write a ticket; the lock keeps two officers (or an officer
    and the alert sweep) from deciding on the same old version. SQLite's single writer
    connection already serialises them.
    """
    canonical = normalize_ref(ref)
    if canonical is None:
        return None
    stmt = select(tickets).where(tickets.c.ref == canonical)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    return None if row is None else _ticket(row)


async def update_ticket_workflow(
    conn: AsyncConnection,
    *,
    ticket_id: int,
    status: TicketStatus,
    step: str | None,
    assigned_role: str | None,
    assigned_officer_id: int | None,
    step_started_at: datetime | None,
    step_due_at: datetime | None,
    due_at: datetime,
    paused_at: datetime | None,
    paused_seconds: int,
    closed_at: datetime | None,
    next_alert_at: datetime | None,
    at: datetime,
) -> TicketRecord:
    """Store where the ticket now stands in its procedure (bot.desk maps a WorkflowTicket)."""
    stmt = (
        update(tickets)
        .where(tickets.c.id == ticket_id)
        .values(
            status=str(status),
            step=step,
            assigned_role=assigned_role,
            assigned_officer_id=assigned_officer_id,
            step_started_at=step_started_at,
            step_due_at=step_due_at,
            due_at=due_at,
            paused_at=paused_at,
            paused_seconds=paused_seconds,
            closed_at=closed_at,
            next_alert_at=next_alert_at,
            updated_at=at,
        )
        .returning(*tickets.c)
    )
    return _ticket((await conn.execute(stmt)).one())


async def get_ticket_for_requester(
    conn: AsyncConnection, *, ref: str, requester_id: int
) -> TicketRecord | None:
    """Like `get_ticket`, but None for somebody else's ticket (indistinguishable from missing)."""
    canonical = normalize_ref(ref)
    if canonical is None:
        return None
    stmt = select(tickets).where(tickets.c.ref == canonical, tickets.c.requester_id == requester_id)
    row = (await conn.execute(stmt)).first()
    return None if row is None else _ticket(row)


async def list_tickets_for_requester(
    conn: AsyncConnection, *, requester_id: int, limit: int = 5
) -> list[TicketRecord]:
    """The requester's most recent tickets, newest first."""
    stmt = (
        select(tickets)
        .where(tickets.c.requester_id == requester_id)
        .order_by(tickets.c.created_at.desc(), tickets.c.id.desc())
        .limit(limit)
    )
    return [_ticket(row) for row in await conn.execute(stmt)]


# --------------------------------------------------------------------------- events


async def add_event(
    conn: AsyncConnection,
    *,
    ticket_id: int,
    at: datetime,
    actor_kind: str,
    actor_id: int | None,
    kind: str,
    data: Mapping[str, Any],
) -> int:
    """Append to the ticket's history (there is deliberately no update or delete); its id."""
    if actor_kind not in ("requester", "officer", "system"):
        raise ValueError(f"unknown actor_kind {actor_kind!r}")
    stmt = (
        ticket_events.insert()
        .values(
            ticket_id=ticket_id,
            at=at,
            actor_kind=actor_kind,
            actor_id=actor_id,
            kind=kind,
            data=dict(data),
        )
        .returning(ticket_events.c.id)
    )
    return int((await conn.execute(stmt)).scalar_one())


async def list_events(conn: AsyncConnection, *, ticket_id: int) -> list[EventRecord]:
    """The ticket's history, oldest first."""
    stmt = (
        select(ticket_events)
        .where(ticket_events.c.ticket_id == ticket_id)
        .order_by(ticket_events.c.at, ticket_events.c.id)
    )
    return [_record(EventRecord, row) for row in await conn.execute(stmt)]


async def count_started_between(
    conn: AsyncConnection, *, agency: str, service: str, start: datetime, end: datetime
) -> int:
    """Tickets of one service whose SLA starts in [start, end): a day's load (daily capacity)."""
    stmt = select(func.count()).where(
        tickets.c.agency == agency,
        tickets.c.service == service,
        tickets.c.start_at >= start,
        tickets.c.start_at < end,
    )
    return int((await conn.execute(stmt)).scalar_one())
