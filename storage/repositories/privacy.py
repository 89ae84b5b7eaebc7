"""A requester's personal data (UU PDP 27/2022): everything held about them, and its
anonymisation (after the agency's retention, or on a formal erasure request).

Anonymising keeps every figure a report counts (service, product, status, times, the SOP's
steps and pauses, the officer, priority, complaint class, survey scores) and removes what
names or describes a person: their answers, chat ids, messages, free text in the ticket's
log, survey comments and respondent profile, remembered details, and uploaded files.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import (
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
    talks = _rows(
        await conn.execute(
            select(conversations).where(conversations.c.requester_id == requester_id)
        )
    )
    # A chat is named by its identity's id on some channels and by the chat's id on others
    # (a Telegram group): every pair that reached this requester.
    chat_keys = sorted(
        {(c["channel"], c["external_id"]) for c in chats}
        | {(c["channel"], c["chat_id"]) for c in talks}
        | {(t["channel"], t["chat_id"]) for t in own_tickets}
    )
    ticket_ids = [t["id"] for t in own_tickets]
    data: dict[str, Any] = {
        "requesters": _rows(
            await conn.execute(select(requesters).where(requesters.c.id == requester_id))
        ),
        "channel_identities": chats,
        "conversations": talks,
        "tickets": own_tickets,
        "ticket_events": _rows(
            await conn.execute(
                select(ticket_events)
                .where(ticket_events.c.ticket_id.in_(ticket_ids))
                .order_by(ticket_events.c.id)
            )
        )
        if ticket_ids
        else [],
        "attachments": [
            {k: v for k, v in row.items() if k != "path"}  # where it lies on disk is ours
            for row in _rows(
                await conn.execute(
                    select(attachments).where(_owned(attachments, ticket_ids, chat_keys))
                )
            )
        ],
        "outbox": [
            {
                k: row[k]
                for k in (
                    "id",
                    "channel",
                    "recipient",
                    "payload",
                    "status",
                    "created_at",
                    "sent_at",
                )
            }
            for row in _rows(
                await conn.execute(
                    select(outbox).where(
                        or_(
                            *(
                                ((outbox.c.channel == ch) & (outbox.c.recipient == ext))
                                for ch, ext in chat_keys
                            )
                        )
                    )
                )
            )
        ]
        if chat_keys
        else [],
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
    data (their chat id is not yet anonymous); oldest first, read through the closed_at index."""
    query = (
        select(tickets.c.id)
        .where(
            tickets.c.closed_at < closed_before,
            tickets.c.agency == agency,
            tickets.c.chat_id != ANONYMOUS,
        )
        .order_by(tickets.c.closed_at)
        .limit(limit)
    )
    return [int(row.id) for row in await conn.execute(query)]


async def anonymise_tickets(
    conn: AsyncConnection, *, ticket_ids: Collection[int], remove_file: Callable[[str], None]
) -> int:
    """Remove the personal data of these tickets, keep their figures; files are deleted through
    `remove_file` (the store's). Returns how many tickets were changed."""
    ids = list(ticket_ids)
    if not ids:
        return 0
    found = (
        await conn.execute(
            select(tickets.c.id, tickets.c.fields, tickets.c.requirements).where(
                tickets.c.id.in_(ids)
            )
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
    for file in files:
        remove_file(file.path)
    if files:
        await conn.execute(delete(attachments).where(attachments.c.id.in_([f.id for f in files])))
    for ticket_id in ids:
        # Its notices (texts naming the requester, the Berita Acara): read through the unique
        # key index as a range, not a scan.
        prefix = f"n:{ticket_id}:"
        await conn.execute(
            update(outbox)
            .where(outbox.c.key >= prefix, outbox.c.key < prefix[:-1] + ";")
            .values(payload={})
        )
    await conn.execute(
        update(survey_responses)
        .where(survey_responses.c.ticket_id.in_(ids))
        .values(comment=None, usia=None, jenis_kelamin=None, pendidikan=None, pekerjaan=None)
    )
    return len(found)


async def erase_requester(
    conn: AsyncConnection, *, requester_id: int, remove_file: Callable[[str], None]
) -> dict[str, int]:
    """A formal erasure: the requester's tickets anonymised (figures kept), their files,
    chats, conversations, messages and remembered details removed. Counts per table."""
    chats = (
        await conn.execute(
            select(channel_identities.c.channel, channel_identities.c.external_id).where(
                channel_identities.c.requester_id == requester_id
            )
        )
    ).all()
    ticket_ids = [
        int(r.id)
        for r in await conn.execute(
            select(tickets.c.id).where(tickets.c.requester_id == requester_id)
        )
    ]
    counts = {
        "tickets": await anonymise_tickets(conn, ticket_ids=ticket_ids, remove_file=remove_file)
    }
    loose = (
        await conn.execute(
            select(attachments.c.id, attachments.c.path).where(
                _owned(attachments, [], [(c.channel, c.external_id) for c in chats])
            )
        )
    ).all()
    for file in loose:
        remove_file(file.path)
    if loose:
        await conn.execute(delete(attachments).where(attachments.c.id.in_([f.id for f in loose])))
    counts["attachments"] = len(loose)
    sent = 0
    for chat in chats:
        result = await conn.execute(
            update(outbox)
            .where(outbox.c.channel == chat.channel, outbox.c.recipient == chat.external_id)
            .values(payload={}, recipient=ANONYMOUS)
        )
        sent += result.rowcount or 0
    counts["outbox"] = sent
    counts["conversations"] = (
        await conn.execute(
            delete(conversations).where(conversations.c.requester_id == requester_id)
        )
    ).rowcount or 0
    await conn.execute(
        delete(requester_links).where(requester_links.c.requester_id == requester_id)
    )
    counts["channel_identities"] = (
        await conn.execute(
            delete(channel_identities).where(channel_identities.c.requester_id == requester_id)
        )
    ).rowcount or 0
    await conn.execute(
        update(requesters)
        .where(requesters.c.id == requester_id)
        .values(display_name=None, profile=None)
    )
    return counts


async def find_requester(conn: AsyncConnection, *, channel: str, external_id: str) -> int | None:
    """The requester behind one chat (a channel and its id), or None."""
    found = await conn.execute(
        select(channel_identities.c.requester_id).where(
            channel_identities.c.channel == channel, channel_identities.c.external_id == external_id
        )
    )
    value = found.scalar_one_or_none()
    return int(value) if value is not None else None
