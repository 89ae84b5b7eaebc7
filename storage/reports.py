"""Reads of the coordinators' period report (core.figures), on a Core connection.

Like storage.repositories, every function is keyword-only, takes the caller's connection and
never commits. A report of one month reads the tickets that touch it, not the table:

- created in the period: the (agency, created_at) index, a range of the period's days;
- closed in the period or after it (a ticket closed after the period was still open at its
  end): the `closed_at` index (a report of a long-past month also reads what closed since);
- open now: the (agency, status) index.

Events are read by ticket id (the `ticket_id` index), and only the kinds the report needs. The
pauses come from the events: the append-only log gives each interval, where the ticket's
`paused_seconds` only keeps the sum of the finished ones (both agree: a resume adds to
`paused_seconds` the office time between the same two events).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.figures import Pause, ReportTicket
from core.kinds import EventKind
from core.tickets import CLOSED_STATUSES, TicketStatus
from storage.models import officers, ticket_events, tickets

_OPEN_STATUSES = sorted(str(s) for s in TicketStatus if s not in CLOSED_STATUSES)
_PAUSED = str(EventKind.COMPLETION_REQUESTED)
# The requester's answer is logged twice at the same moment (the message, then the resume).
_RESUMED = frozenset({str(EventKind.REQUESTER_ANSWERED), str(EventKind.REQUESTER_COMPLETED)})
_CLASSIFIED = str(EventKind.COMPLAINT_CLASSIFIED)
_FINISHED = str(EventKind.FINISHED)
_KINDS = sorted({_PAUSED, *_RESUMED, _CLASSIFIED, _FINISHED})
# Well under SQLite's and asyncpg's limits on bound parameters per statement.
_CHUNK = 500


async def period_tickets(
    conn: AsyncConnection, *, agency: str, start: datetime, end: datetime
) -> list[ReportTicket]:
    """The agency's tickets that touch [start, end): created in it, closed in it or later, or
    still open (created before `end`), with their pauses, complaint class and closing officer.

    `start` and `end` are aware instants (core.figures.period_bounds gives them).
    """
    # The stored year is the creation's year on the agency's clock; a day either side covers
    # any zone's offset from the instants given.
    created = _columns().where(
        tickets.c.agency == agency,
        tickets.c.created_at >= start,
        tickets.c.created_at < end,
    )
    # No `agency` here: SQLite (without ANALYZE statistics) would rather walk an index that
    # starts with it, i.e. all of the agency's tickets, than the range of `closed_at`. A
    # database serves one agency (settings.AGENCY), so the rows filtered out below are few.
    closed = _columns().where(tickets.c.closed_at >= start, tickets.c.created_at < end)
    # Without `created_at < end` too: SQLite would take it to the (agency, created_at) index
    # and walk every ticket ever filed; the open ones are few, and later ones are dropped here.
    still_open = _columns().where(tickets.c.agency == agency, tickets.c.status.in_(_OPEN_STATUSES))
    found: dict[int, Row[Any]] = {}
    for stmt in (created, closed, still_open):
        for row in await conn.execute(stmt):
            if row.agency == agency and row.created_at < end:
                found.setdefault(row.id, row)
    events = await _events(conn, ids=sorted(found))
    return [_record(row, events.get(row.id, [])) for _, row in sorted(found.items())]


async def officer_names(conn: AsyncConnection, *, ids: Collection[int]) -> dict[int, str]:
    """Officer id → name, for the ids that exist (removed officers included)."""
    names: dict[int, str] = {}
    for chunk in _chunks(sorted(set(ids))):
        stmt = select(officers.c.id, officers.c.name).where(officers.c.id.in_(chunk))
        names.update({int(i): str(name) for i, name in await conn.execute(stmt)})
    return names


def _columns() -> Select[Any]:
    # Not `fields`/`requirements`: the report needs no personal data.
    return select(
        tickets.c.id,
        tickets.c.agency,
        tickets.c.ref,
        tickets.c.service,
        tickets.c.product,
        tickets.c.status,
        tickets.c.created_at,
        tickets.c.start_at,
        tickets.c.target_at,
        tickets.c.due_at,
        tickets.c.closed_at,
        tickets.c.assigned_officer_id,
        tickets.c.priority,
    )


async def _events(conn: AsyncConnection, *, ids: list[int]) -> dict[int, list[Row[Any]]]:
    """The report's events of these tickets, each ticket's oldest first."""
    found: defaultdict[int, list[Row[Any]]] = defaultdict(list)
    for chunk in _chunks(ids):
        stmt: Select[Any] = (
            select(
                ticket_events.c.ticket_id,
                ticket_events.c.at,
                ticket_events.c.actor_id,
                ticket_events.c.kind,
                ticket_events.c.data,
            )
            .where(ticket_events.c.ticket_id.in_(chunk), ticket_events.c.kind.in_(_KINDS))
            .order_by(ticket_events.c.ticket_id, ticket_events.c.at, ticket_events.c.id)
        )
        for row in await conn.execute(stmt):
            found[row.ticket_id].append(row)
    return found


def _record(row: Row[Any], events: Iterable[Row[Any]]) -> ReportTicket:
    ticket = ReportTicket(
        id=row.id,
        ref=row.ref,
        service=row.service,
        product=row.product,
        status=TicketStatus(row.status),
        created_at=row.created_at,
        start_at=row.start_at,
        target_at=row.target_at,
        due_at=row.due_at,
        closed_at=row.closed_at,
        officer_id=row.assigned_officer_id,
        priority=row.priority,
    )
    pauses: list[Pause] = []
    waiting_since: datetime | None = None
    for event in events:
        if event.kind == _PAUSED and waiting_since is None:
            waiting_since = event.at
        elif event.kind in _RESUMED and waiting_since is not None:
            pauses.append(Pause(waiting_since, event.at))
            waiting_since = None
        elif event.kind == _CLASSIFIED and isinstance(event.data, dict):
            ticket = replace(ticket, complaint_class=event.data.get("class"))
        elif event.kind == _FINISHED and ticket.officer_id is None:
            # Finished by someone not holding the step: they did the work.
            ticket = replace(ticket, officer_id=event.actor_id)
    if waiting_since is not None:
        pauses.append(Pause(waiting_since, None))
    return replace(ticket, pauses=tuple(pauses))


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]
