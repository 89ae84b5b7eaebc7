"""A requester's personal data (UU PDP 27/2022): everything held about them, and its
anonymisation (after the agency's retention, or on a formal erasure request).

Anonymising keeps every figure a report counts (service, product, status, times, the SOP's
steps and pauses, the officer, priority, complaint class, survey scores) and removes what
names or describes a person: their answers, chat ids, messages, free text in the ticket's
log, survey comments and respondent profile, remembered details, and uploaded files.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import (
    NOT_ANONYMISED,
    attachments,
    channel_identities,
    conversations,
    metadata,
    outbox,
    requester_links,
    requesters,
    survey_responses,
    ticket_events,
    tickets,
)

# Every table that can hold a requester's personal data; the export covers each one (a test
# checks every table of the schema is in this set or in NO_REQUESTER_DATA).
REQUESTER_TABLES = frozenset(
    {
        "requesters",
        "channel_identities",
        "conversations",
        "tickets",
        "ticket_events",
        "attachments",
        "outbox",
        "survey_responses",
        "requester_links",
        "access_log",
    }
)
# Tables with no data about requesters (officers' own, counters, technical state).
NO_REQUESTER_DATA = frozenset(
    {
        "officers",
        "officer_roles",
        "officer_invites",
        "ticket_counters",
        "ticket_alerts",
        "inbox",  # update ids and times only
        "scheduled_runs",
        "app_secrets",
        "api_tokens",
        "alembic_version",
    }
)
ANONYMOUS = "anonim"
# Event data kept when a ticket is anonymised: what the procedure, the timeline and the reports
# read. Everything else (messages, reasons, notes, instructions, Berita Acara text) goes.
_EVENT_KEYS = frozenset(
    {
        "step",
        "from_step",
        "to_step",
        "role",
        "officer",
        "step_due_at",
        "due_at",
        "start_at",
        "paused_seconds",
        "late",
        "class",
        "class_code",
        "limit_at",
        "alert",
    }
)


@dataclass(frozen=True)
class Anonymised:
    """Tickets anonymised, and the stored files to delete once the transaction commits."""

    tickets: int
    paths: list[str]


@dataclass(frozen=True)
class Erased:
    """What a formal erasure removed (rows per table) and the files to delete after commit."""

    counts: dict[str, int]
    paths: list[str]


# Event data a requester's export shows: the procedure's codes and times, and what was said to
# the requester themselves.
_SHOWN_EVENT_KEYS = frozenset({*_EVENT_KEYS, "message", "reason", "berita_acara"})
_SHOWN_OUTBOX = ("id", "channel", "recipient", "payload", "status", "created_at", "sent_at")


def _rows(found: Any) -> list[dict[str, Any]]:
    return [_plain(dict(row)) for row in found.mappings()]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


async def requester_data(conn: AsyncConnection, *, requester_id: int) -> dict[str, Any]:
    """Everything held about one requester, table by table (JSON-ready)."""
    chats = _rows(
        await conn.execute(
            select(channel_identities).where(channel_identities.c.requester_id == requester_id)
        )
    )
    own_tickets = _rows(
        await conn.execute(select(tickets).where(tickets.c.requester_id == requester_id))
    )
    ticket_ids = [t["id"] for t in own_tickets]
    # Messages to the requester's own chats, and every notice about their tickets. A ticket's
    # chat may be a group shared with others (Telegram): its other messages are not theirs.
    chat_keys = [(c["channel"], c["external_id"]) for c in chats]
    mine = [
        *((outbox.c.channel == ch) & (outbox.c.recipient == ext) for ch, ext in chat_keys),
        *(_notices_of(ticket_id) for ticket_id in ticket_ids),
        *(outbox.c.key == f"skm:{ticket_id}" for ticket_id in ticket_ids),
    ]
    events = (
        _rows(
            await conn.execute(
                select(ticket_events)
                .where(ticket_events.c.ticket_id.in_(ticket_ids))
                .order_by(ticket_events.c.id)
            )
        )
        if ticket_ids
        else []
    )
    files = _rows(
        await conn.execute(select(attachments).where(_owned(attachments, ticket_ids, chat_keys)))
    )
    messages = [
        m
        for m in (_rows(await conn.execute(select(outbox).where(or_(*mine)))) if mine else [])
        # Of a ticket's notices only those to the requester: the officers' carry internal
        # instructions.
        if not m["key"].startswith("n:") or m["key"].endswith(":rq")
    ]
    data: dict[str, Any] = {
        "requesters": _rows(
            await conn.execute(select(requesters).where(requesters.c.id == requester_id))
        ),
        "channel_identities": chats,
        "conversations": _rows(
            await conn.execute(
                select(conversations).where(conversations.c.requester_id == requester_id)
            )
        ),
        "tickets": own_tickets,
        # What was said to the requester (a completion request, a rejection's reason, the
        # Berita Acara) is theirs; officers' notes and instructions to each other are not.
        "ticket_events": [
            {**e, "data": {k: v for k, v in (e["data"] or {}).items() if k in _SHOWN_EVENT_KEYS}}
            for e in events
        ],
        # Where a file lies on disk is ours.
        "attachments": [{k: v for k, v in f.items() if k != "path"} for f in files],
        "outbox": [{k: m[k] for k in _SHOWN_OUTBOX} for m in messages],
        "survey_responses": _rows(
            await conn.execute(
                select(survey_responses).where(survey_responses.c.requester_id == requester_id)
            )
        ),
        "requester_links": [
            {k: v for k, v in row.items() if k != "code_hash"}
            for row in _rows(
                await conn.execute(
                    select(requester_links).where(requester_links.c.requester_id == requester_id)
                )
            )
        ],
    }
    access_log = metadata.tables.get("access_log")
    data["access_log"] = (
        _rows(await conn.execute(select(access_log).where(access_log.c.ticket_id.in_(ticket_ids))))
        if access_log is not None and ticket_ids
        else []
    )
    return data


def _notices_of(ticket_id: int) -> Any:
    """The outbox rows of one ticket's notices (`n:{id}:...`), as a range of the unique key."""
    prefix = f"n:{ticket_id}:"
    return (outbox.c.key >= prefix) & (outbox.c.key < prefix[:-1] + ";")


def _owned(
    table: Table, ticket_ids: Collection[int], chat_keys: Collection[tuple[str, str]]
) -> Any:
    """Rows of `table` (attachments) on the requester's tickets or sent from their chats."""
    conditions: list[Any] = [table.c.ticket_id.in_(ticket_ids)] if ticket_ids else []
    conditions += [
        (table.c.owner_channel == ch) & (table.c.owner_chat_id == ext) for ch, ext in chat_keys
    ]
    return or_(*conditions) if conditions else table.c.id.is_(None)


async def tickets_past_retention(
    conn: AsyncConnection, *, agency: str, closed_before: datetime, limit: int
) -> list[int]:
    """Closed tickets of the agency whose retention has run out and that still hold personal
    data; oldest first, read through the partial index of tickets not anonymised yet."""
    query = (
        select(tickets.c.id)
        .where(
            tickets.c.closed_at < closed_before,
            text(NOT_ANONYMISED),  # as written in the index's predicate, so it is used
            tickets.c.agency == agency,
        )
        .order_by(tickets.c.closed_at)
        .limit(limit)
    )
    return [int(row.id) for row in await conn.execute(query)]


async def anonymise_tickets(conn: AsyncConnection, *, ticket_ids: Collection[int]) -> Anonymised:
    """Remove the personal data of these tickets, keep their figures. The files to delete are
    returned: the caller deletes them once this transaction has committed."""
    ids = list(ticket_ids)
    if not ids:
        return Anonymised(0, [])
    found = (
        await conn.execute(
            select(
                tickets.c.id, tickets.c.fields, tickets.c.requirements, tickets.c.requester_id
            ).where(tickets.c.id.in_(ids))
        )
    ).all()
    for row in found:
        await conn.execute(
            update(tickets)
            .where(tickets.c.id == row.id)
            .values(
                fields={code: None for code in (row.fields or {})},
                requirements={code: None for code in (row.requirements or {})},
                chat_id=ANONYMOUS,
            )
        )
    events = (
        await conn.execute(
            select(ticket_events.c.id, ticket_events.c.data).where(
                ticket_events.c.ticket_id.in_(ids)
            )
        )
    ).all()
    for event in events:
        kept = {k: v for k, v in (event.data or {}).items() if k in _EVENT_KEYS}
        if kept != event.data:
            await conn.execute(
                update(ticket_events).where(ticket_events.c.id == event.id).values(data=kept)
            )
    files = (
        await conn.execute(
            select(attachments.c.id, attachments.c.path).where(attachments.c.ticket_id.in_(ids))
        )
    ).all()
    if files:
        await conn.execute(delete(attachments).where(attachments.c.id.in_([f.id for f in files])))
    for ticket_id in ids:
        await conn.execute(update(outbox).where(_notices_of(ticket_id)).values(payload={}))
    await conn.execute(
        update(survey_responses)
        .where(survey_responses.c.ticket_id.in_(ids))
        .values(comment=None, usia=None, jenis_kelamin=None, pendidikan=None, pekerjaan=None)
    )
    # A requester with no ticket left holding personal data keeps no remembered details.
    for requester_id in {int(row.requester_id) for row in found}:
        named = await conn.execute(
            select(tickets.c.id)
            .where(tickets.c.requester_id == requester_id, text(NOT_ANONYMISED))
            .limit(1)
        )
        if named.first() is None:
            await conn.execute(
                update(requesters)
                .where(requesters.c.id == requester_id)
                .values(display_name=None, profile=None)
            )
    return Anonymised(len(found), [str(f.path) for f in files])


async def purge_messages(conn: AsyncConnection, *, before: datetime, limit: int) -> int:
    """Delete messages queued before `before` (the retention, years): replies quote what
    requesters answered, and one that old was delivered or given up on long ago. Oldest
    first, through the created_at index."""
    old = (
        select(outbox.c.id)
        .where(outbox.c.created_at < before)
        .order_by(outbox.c.created_at)
        .limit(limit)
    )
    ids = [int(row.id) for row in await conn.execute(old)]
    if ids:
        await conn.execute(delete(outbox).where(outbox.c.id.in_(ids)))
    return len(ids)


async def erase_requester(conn: AsyncConnection, *, requester_id: int) -> Erased:
    """A formal erasure: the requester's tickets anonymised (figures kept), their files,
    chats, conversations, messages and remembered details removed. The files to delete are
    returned for after the commit."""
    chats = (
        await conn.execute(
            select(channel_identities.c.channel, channel_identities.c.external_id).where(
                channel_identities.c.requester_id == requester_id
            )
        )
    ).all()
    theirs = await conn.execute(
        select(tickets.c.id, tickets.c.ref).where(tickets.c.requester_id == requester_id)
    )
    owned = [(int(r.id), str(r.ref)) for r in theirs]
    done = await anonymise_tickets(conn, ticket_ids=[i for i, _ in owned])
    loose = (
        await conn.execute(
            select(attachments.c.id, attachments.c.path).where(
                _owned(attachments, [], [(c.channel, c.external_id) for c in chats])
            )
        )
    ).all()
    if loose:
        await conn.execute(delete(attachments).where(attachments.c.id.in_([f.id for f in loose])))
    blanked = 0
    for chat in chats:
        result = await conn.execute(
            update(outbox)
            .where(outbox.c.channel == chat.channel, outbox.c.recipient == chat.external_id)
            .values(payload={}, recipient=ANONYMOUS)
        )
        blanked += result.rowcount or 0
    # Officers' answers that quoted them (/tiket, /cari) name a ticket: those go too. A rare,
    # formal request, so reading the messages kept is acceptable here.
    for row in (await conn.execute(select(outbox.c.id, outbox.c.payload))).all():
        text_of = str((row.payload or {}).get("text", ""))
        if any(ref in text_of for _, ref in owned):
            await conn.execute(update(outbox).where(outbox.c.id == row.id).values(payload={}))
            blanked += 1
    conversations_removed = (
        await conn.execute(
            delete(conversations).where(conversations.c.requester_id == requester_id)
        )
    ).rowcount or 0
    await conn.execute(
        delete(requester_links).where(requester_links.c.requester_id == requester_id)
    )
    chats_removed = (
        await conn.execute(
            delete(channel_identities).where(channel_identities.c.requester_id == requester_id)
        )
    ).rowcount or 0
    await conn.execute(
        update(requesters)
        .where(requesters.c.id == requester_id)
        .values(display_name=None, profile=None)
    )
    counts = {
        "tickets": done.tickets,
        "attachments": len(done.paths) + len(loose),
        "outbox": blanked,
        "conversations": conversations_removed,
        "channel_identities": chats_removed,
    }
    return Erased(counts, [*done.paths, *(str(f.path) for f in loose)])


async def find_requester(conn: AsyncConnection, *, channel: str, external_id: str) -> int | None:
    """The requester behind one chat (a channel and its id), or None."""
    found = await conn.execute(
        select(channel_identities.c.requester_id).where(
            channel_identities.c.channel == channel, channel_identities.c.external_id == external_id
        )
    )
    value = found.scalar_one_or_none()
    return int(value) if value is not None else None
