"""Read queries for the officer side: an officer's queue, a ticket's files, officers' names.

Keyword-only functions on the caller's `AsyncConnection`, like `storage.repositories`; nothing
here writes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, Text, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from core.tickets import CLOSED_STATUSES, TicketStatus
from storage.models import attachments, officers, tickets
from storage.repositories import AttachmentRecord, TicketRecord


@dataclass(frozen=True, slots=True)
class Queue:
    """The first tickets of an officer's queue, most urgent first, and how many there are."""

    tickets: list[TicketRecord]
    total: int


async def officer_queue(
    conn: AsyncConnection,
    *,
    agency: str,
    officer_id: int,
    roles: Collection[str],
    everything: bool = False,
    limit: int = 15,
) -> Queue:
    """Open tickets the officer holds, plus unheld ones at steps of their roles.

    `everything` (coordinators) lists every open ticket of the agency. Tickets waiting for the
    requester come last: nobody can move them. Then the earliest of step due and event start
    comes first, and among equals the higher priority.
    """
    conditions: list[ColumnElement[bool]] = [
        tickets.c.agency == agency,
        tickets.c.status.not_in([str(s) for s in CLOSED_STATUSES]),
    ]
    if not everything:
        mine = tickets.c.assigned_officer_id == officer_id
        unheld = and_(
            tickets.c.assigned_officer_id.is_(None),
            tickets.c.assigned_role.in_(sorted(roles)),
        )
        conditions.append(or_(mine, unheld) if roles else mine)
    waiting = case((tickets.c.paused_at.is_(None), 0), else_=1)
    due = func.coalesce(tickets.c.step_due_at, tickets.c.due_at)
    # Whichever comes first, the step's due or the requester's event, then the priority a
    # disturbance's impact gave (unknown counts as medium).
    first = case(
        (and_(tickets.c.event_at.is_not(None), tickets.c.event_at < due), tickets.c.event_at),
        else_=due,
    )
    stmt = (
        select(tickets)
        .where(*conditions)
        .order_by(waiting, first, func.coalesce(tickets.c.priority, 1), tickets.c.id)
        .limit(limit)
    )
    found = [_ticket(row._mapping) for row in await conn.execute(stmt)]
    total = (
        await conn.execute(select(func.count()).select_from(tickets).where(*conditions))
    ).scalar_one()
    return Queue(tickets=found, total=int(total))


async def ticket_attachments(conn: AsyncConnection, *, ticket_id: int) -> list[AttachmentRecord]:
    """The files kept with a ticket, oldest first."""
    stmt = (
        select(attachments)
        .where(attachments.c.ticket_id == ticket_id)
        .order_by(attachments.c.created_at, attachments.c.id)
    )
    return [AttachmentRecord(**row._mapping) for row in await conn.execute(stmt)]


async def officer_names(conn: AsyncConnection, *, ids: Collection[int]) -> dict[int, str]:
    """Names of these officers (removed ones too: the history still names them)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    stmt = select(officers.c.id, officers.c.name).where(officers.c.id.in_(wanted))
    return {int(officer_id): str(name) for officer_id, name in await conn.execute(stmt)}


async def search_tickets(
    conn: AsyncConnection, *, agency: str, words: Collection[str], limit: int
) -> list[TicketRecord]:
    """The agency's tickets whose reference or answers (requester's name, instansi, location,
    the request's words) contain every one of `words`, case-insensitively; newest first.

    The database narrows by the stored JSON's text (where a non-ASCII letter is written as a
    \\u escape); the answers' values themselves then decide, so a field's name ("nama",
    "kontak") matches nothing.
    """
    wanted = [w.casefold() for w in words if w]
    haystack = func.lower(tickets.c.ref + " " + cast(tickets.c.fields, Text))
    conditions = [
        or_(
            haystack.like("%" + _escaped(word) + "%", escape="\\"),
            haystack.like("%" + _escaped(json.dumps(word)[1:-1]) + "%", escape="\\"),
        )
        for word in wanted
    ]
    query = (
        select(tickets)
        .where(tickets.c.agency == agency, *conditions)
        .order_by(tickets.c.created_at.desc(), tickets.c.id.desc())
        .limit(limit)
    )
    found = [_ticket(row) for row in (await conn.execute(query)).mappings()]
    return [t for t in found if all(word in _searchable(t) for word in wanted)]


def _searchable(ticket: TicketRecord) -> str:
    """A ticket's reference and its answers' values, as one case-folded text."""
    values = " ".join(str(v) for v in ticket.fields.values() if v is not None)
    return f"{ticket.ref} {values}".casefold()


def _escaped(word: str) -> str:
    """A word for LIKE, its wildcards taken literally."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ticket(values: RowMapping | Mapping[str, Any]) -> TicketRecord:
    mapping = dict(values)
    mapping["status"] = TicketStatus(mapping["status"])
    return TicketRecord(**mapping)
