"""Every read and write the application makes, as keyword-only functions on a Core connection.

Each function takes the `AsyncConnection` yielded by `Database.transaction()` as its first
argument and never commits: the caller's `transaction()` block is the unit of work, so the hot
path (dedupe, load state, save state, ticket, outbox) is one transaction of a few statements.
Results are small frozen dataclasses, never ORM instances. All datetimes must be timezone-aware;
they come back as aware UTC.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Row, Table, and_, delete, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from core.tickets import TicketStatus, format_ref, normalize_ref
from storage.attachments import AttachmentStore
from storage.models import (
    attachments,
    channel_identities,
    conversations,
    inbox,
    officer_invites,
    officers,
    outbox,
    requesters,
    ticket_alerts,
    ticket_counters,
    ticket_events,
    tickets,
)
from storage.models import (
    officer_roles as roles_table,  # `officer_roles` is the function below
)

OUTBOX_PENDING = "pending"
# Scheduled for later (`enqueue(not_before=...)`, e.g. office hours): claimable once due, and,
# unlike a pending row deferred by a failed try, it never holds back later messages to its chat.
OUTBOX_HELD = "held"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"
DEFAULT_LEASE = timedelta(seconds=60)

_T = TypeVar("_T")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    id: int
    channel: str
    chat_id: str
    requester_id: int | None
    agency: str
    state: str
    data: dict[str, Any]
    locale: str
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class TicketRecord:
    id: int
    ref: str
    agency: str
    year: int
    seq: int
    service: str
    product: str | None
    requester_id: int
    channel: str
    chat_id: str
    fields: dict[str, Any]
    requirements: dict[str, Any]
    status: TicketStatus
    step: str | None
    assigned_role: str | None
    assigned_officer_id: int | None
    created_at: datetime
    start_at: datetime
    target_at: datetime | None
    due_at: datetime
    step_due_at: datetime | None
    paused_at: datetime | None
    paused_seconds: int
    closed_at: datetime | None
    updated_at: datetime
    step_started_at: datetime | None = None
    next_alert_at: datetime | None = None  # when the scheduler next looks at this ticket


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    ticket_id: int
    at: datetime
    actor_kind: str
    actor_id: int | None
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    id: int
    ticket_id: int | None
    owner_channel: str
    owner_chat_id: str
    filename: str
    mime: str
    size: int
    sha256: str
    path: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    id: int
    key: str
    channel: str
    recipient: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    failure_reported_at: datetime | None = None  # coordinators told it failed (bot.sweeps)


# --------------------------------------------------------------------------- inbound


async def record_inbound(
    conn: AsyncConnection, *, channel: str, update_id: str, at: datetime
) -> bool:
    """Remember an update; False when it was already processed (a redelivery to ignore)."""
    stmt = (
        _insert(conn, inbox)
        .values(channel=channel, update_id=update_id, received_at=at)
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(inbox.c.id)
    )
    return (await conn.execute(stmt)).first() is not None


async def get_or_create_requester(
    conn: AsyncConnection,
    *,
    channel: str,
    external_id: str,
    display_name: str | None,
    at: datetime,
    locale: str = "id",
) -> int:
    """The requester behind a channel identity (created on first contact).

    Also stamps `last_inbound_at` (WhatsApp's 24-hour window).
    """
    # One upsert in the common case; its row lock also stops two replicas creating two requesters.
    upsert = _insert(conn, channel_identities).values(
        channel=channel, external_id=external_id, last_inbound_at=at
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=["channel", "external_id"],
        set_={"last_inbound_at": upsert.excluded.last_inbound_at},
    ).returning(channel_identities.c.id, channel_identities.c.requester_id)
    identity_id, requester_id = (await conn.execute(upsert)).one()
    if requester_id is not None:
        return int(requester_id)
    new_id = (
        await conn.execute(
            requesters.insert()
            .values(display_name=display_name, locale=locale, created_at=at)
            .returning(requesters.c.id)
        )
    ).scalar_one()
    await conn.execute(
        update(channel_identities)
        .where(channel_identities.c.id == identity_id)
        .values(requester_id=new_id)
    )
    return int(new_id)


async def get_last_inbound_at(
    conn: AsyncConnection, *, channel: str, external_id: str
) -> datetime | None:
    """When this identity last wrote to us (WhatsApp's 24-hour window), or None if never."""
    stmt = select(channel_identities.c.last_inbound_at).where(
        channel_identities.c.channel == channel, channel_identities.c.external_id == external_id
    )
    value: datetime | None = (await conn.execute(stmt)).scalar_one_or_none()
    return value


# --------------------------------------------------------------------------- conversations


async def load_conversation(
    conn: AsyncConnection, *, channel: str, chat_id: str, for_update: bool = False
) -> ConversationRecord | None:
    """The chat's dialog state, or None for a new chat.

    `for_update=True` locks the row until the transaction ends (PostgreSQL), so two replicas
    handling the same chat at once take turns instead of overwriting each other.
    """
    stmt = select(conversations).where(
        conversations.c.channel == channel, conversations.c.chat_id == chat_id
    )
    if for_update and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    return None if row is None else _record(ConversationRecord, row)


async def save_conversation(
    conn: AsyncConnection,
    *,
    channel: str,
    chat_id: str,
    requester_id: int | None,
    agency: str,
    state: str,
    data: Mapping[str, Any],
    locale: str,
    at: datetime,
) -> None:
    """Insert or replace the chat's dialog state (bumps `version`)."""
    values = {
        "requester_id": requester_id,
        "agency": agency,
        "state": state,
        "data": dict(data),
        "locale": locale,
        "updated_at": at,
    }
    stmt = _insert(conn, conversations).values(
        channel=channel, chat_id=chat_id, version=1, **values
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["channel", "chat_id"],
        set_={**values, "version": conversations.c.version + 1},
    )
    await conn.execute(stmt)


# --------------------------------------------------------------------------- tickets


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
) -> TicketRecord:
    """Allocate the next number for (agency, year), insert the ticket and its 'created' event.

    `year` is the calendar year in the agency's time zone (the caller knows the zone).
    The counter upsert takes a row lock, so concurrent submissions never share a number.
    """
    counter = _insert(conn, ticket_counters).values(agency=agency, year=year, last_seq=1)
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


# --------------------------------------------------------------------------- attachments


async def save_attachment(
    conn: AsyncConnection,
    *,
    store: AttachmentStore,
    data: bytes,
    filename: str | None,
    mime_hint: str | None,
    channel: str,
    chat_id: str,
    at: datetime,
) -> AttachmentRecord:
    """Check and store a file, then record it (not yet linked to a ticket).

    Raises `AttachmentTooLarge` / `AttachmentRejected` (storage.attachments) before writing.
    """
    stored = await asyncio.to_thread(store.put, data, filename=filename, mime_hint=mime_hint)
    row = (
        await conn.execute(
            attachments.insert()
            .values(
                ticket_id=None,
                owner_channel=channel,
                owner_chat_id=chat_id,
                filename=stored.filename,
                mime=stored.mime,
                size=stored.size,
                sha256=stored.sha256,
                path=stored.path,
                created_at=at,
            )
            .returning(*attachments.c)
        )
    ).one()
    return _record(AttachmentRecord, row)


async def link_attachments(conn: AsyncConnection, *, ids: Sequence[int], ticket_id: int) -> None:
    """Attach still-unlinked files to a ticket (files already on another ticket stay there)."""
    if not ids:
        return
    await conn.execute(
        update(attachments)
        .where(attachments.c.id.in_(list(ids)), attachments.c.ticket_id.is_(None))
        .values(ticket_id=ticket_id)
    )


async def get_attachment(conn: AsyncConnection, *, id: int) -> AttachmentRecord | None:
    """One attachment's record, or None."""
    row = (await conn.execute(select(attachments).where(attachments.c.id == id))).first()
    return None if row is None else _record(AttachmentRecord, row)


# --------------------------------------------------------------------------- outbox


async def enqueue(
    conn: AsyncConnection,
    *,
    key: str,
    channel: str,
    recipient: str,
    payload: Mapping[str, Any],
    at: datetime,
    not_before: datetime | None = None,
) -> int | None:
    """Queue one message; None when `key` was queued before (a retried handler sends once).

    A message `not_before` a later time is held: the chat's other messages do not wait for it.
    """
    held = not_before is not None and not_before > at
    stmt = (
        _insert(conn, outbox)
        .values(
            key=key,
            channel=channel,
            recipient=recipient,
            payload=dict(payload),
            status=OUTBOX_HELD if held else OUTBOX_PENDING,
            attempts=0,
            next_attempt_at=not_before or at,
            created_at=at,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(outbox.c.id)
    )
    value = (await conn.execute(stmt)).scalar_one_or_none()
    return None if value is None else int(value)


async def claim_outbox(
    conn: AsyncConnection,
    *,
    now: datetime,
    limit: int,
    ids: Collection[int] | None = None,
    channel: str | None = None,
    channels: Collection[str] | None = None,
    lease: timedelta = DEFAULT_LEASE,
) -> list[OutboxRecord]:
    """Take up to `limit` due messages (oldest first) and count an attempt on each.

    Claimed rows get `next_attempt_at = now + lease`, so other replicas skip them until the
    claimer marks them (or crashes and the lease runs out); on PostgreSQL rows locked by a
    concurrent claimer are skipped (`FOR UPDATE SKIP LOCKED`). A message waits while an
    earlier message to the same recipient is deferred or outside this claim, so a chat's
    messages arrive in order. Commit the claim before sending.
    """
    o = outbox.alias("o")
    e = outbox.alias("e")
    # An earlier pending message blocks this one unless it is claimed in the same batch.
    earlier_blocks = e.c.next_attempt_at > now
    if ids is not None:
        earlier_blocks = earlier_blocks | e.c.id.not_in(list(ids))
    blocked = exists().where(
        e.c.channel == o.c.channel,
        e.c.recipient == o.c.recipient,
        e.c.status == OUTBOX_PENDING,
        e.c.id < o.c.id,
        earlier_blocks,
    )
    conditions = [
        o.c.status.in_([OUTBOX_PENDING, OUTBOX_HELD]),
        o.c.next_attempt_at <= now,
        ~blocked,
    ]
    if ids is not None:
        if not ids:
            return []
        conditions.append(o.c.id.in_(list(ids)))
    wanted = set(channels or ()) | ({channel} if channel is not None else set())
    if channel is not None or channels is not None:
        if not wanted:
            return []
        conditions.append(o.c.channel.in_(sorted(wanted)))
    candidates = select(o.c.id).where(and_(*conditions)).order_by(o.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    stmt = (
        update(outbox)
        .where(outbox.c.id.in_(candidates.scalar_subquery()))
        .values(next_attempt_at=now + lease, attempts=outbox.c.attempts + 1, status=OUTBOX_PENDING)
        .returning(*outbox.c)
    )
    rows = [_record(OutboxRecord, row) for row in await conn.execute(stmt)]
    return sorted(rows, key=lambda r: r.id)


async def mark_sent(conn: AsyncConnection, *, id: int, at: datetime) -> None:
    """The message was delivered."""
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == id)
        .values(status=OUTBOX_SENT, sent_at=at, last_error=None)
    )


async def mark_retry(
    conn: AsyncConnection,
    *,
    id: int,
    at: datetime,
    retry_at: datetime,
    error: str | None,
    count_attempt: bool = True,
) -> None:
    """Try again at `retry_at`. `error` must not contain personal data.

    `count_attempt=False` hands back the attempt the claim counted, for a message that was
    never tried (e.g. held back behind an earlier message to the same chat).
    """
    values: dict[str, Any] = {"next_attempt_at": retry_at}
    if error is not None:
        values["last_error"] = error[:500]
    if not count_attempt:
        values["attempts"] = outbox.c.attempts - 1
    await conn.execute(update(outbox).where(outbox.c.id == id).values(**values))


async def mark_failed(conn: AsyncConnection, *, id: int, at: datetime, error: str) -> None:
    """Give up on the message. `error` must not contain personal data."""
    await conn.execute(
        update(outbox).where(outbox.c.id == id).values(status=OUTBOX_FAILED, last_error=error[:500])
    )


async def get_outbox(conn: AsyncConnection, *, id: int) -> OutboxRecord | None:
    """One queued message, or None."""
    row = (await conn.execute(select(outbox).where(outbox.c.id == id))).first()
    return None if row is None else _record(OutboxRecord, row)


async def recent_outbox_payloads(
    conn: AsyncConnection, *, channel: str, recipient: str, limit: int
) -> list[dict[str, Any]]:
    """The payloads last queued for one chat, newest first (e.g. to page a long choice list)."""
    stmt = (
        select(outbox.c.payload)
        .where(outbox.c.channel == channel, outbox.c.recipient == recipient)
        .order_by(outbox.c.id.desc())
        .limit(limit)
    )
    return [payload for (payload,) in await conn.execute(stmt) if isinstance(payload, dict)]


# --------------------------------------------------------------------------- officers


@dataclass(frozen=True, slots=True)
class OfficerRecord:
    id: int
    agency: str
    name: str
    nip: str | None
    active: bool
    created_at: datetime
    roles: tuple[str, ...]  # sorted


@dataclass(frozen=True, slots=True)
class OfficerIdentity:
    channel: str
    external_id: str
    bound_at: datetime | None


class IdentityTaken(Exception):
    """The chat is already bound to another officer (roll the transaction back)."""

    def __init__(self, *, channel: str, officer_id: int) -> None:
        # No external id in the text: it is a phone number on WhatsApp.
        super().__init__(f"this {channel} identity is bound to officer {officer_id}")
        self.channel = channel
        self.officer_id = officer_id


async def add_officer(
    conn: AsyncConnection,
    *,
    agency: str,
    name: str,
    roles: Collection[str],
    nip: str | None = None,
    at: datetime,
) -> OfficerRecord:
    """Create an active officer holding `roles` (validate them first: core.officers)."""
    officer_id = (
        await conn.execute(
            officers.insert()
            .values(agency=agency, name=name, nip=nip, active=True, created_at=at)
            .returning(officers.c.id)
        )
    ).scalar_one()
    await set_roles(conn, officer_id=int(officer_id), roles=roles)
    officer = await get_officer(conn, officer_id=int(officer_id))
    assert officer is not None  # inserted just above
    return officer


async def get_officer(conn: AsyncConnection, *, officer_id: int) -> OfficerRecord | None:
    """One officer, active or removed; None if there is no such id."""
    rows = (await conn.execute(select(officers).where(officers.c.id == officer_id))).all()
    found = await _officers(conn, rows)
    return found[0] if found else None


async def list_officers(
    conn: AsyncConnection,
    *,
    agency: str,
    role: str | None = None,
    include_inactive: bool = False,
) -> list[OfficerRecord]:
    """The agency's officers (only those holding `role` if given), by name."""
    stmt = select(officers).where(officers.c.agency == agency)
    if not include_inactive:
        stmt = stmt.where(officers.c.active.is_(True))
    if role is not None:
        stmt = stmt.where(
            exists().where(roles_table.c.officer_id == officers.c.id, roles_table.c.role == role)
        )
    stmt = stmt.order_by(officers.c.name, officers.c.id)
    return await _officers(conn, (await conn.execute(stmt)).all())


async def officers_with_role(
    conn: AsyncConnection, *, agency: str, role: str
) -> list[OfficerRecord]:
    """The active officers who may act on a step of `role` (everyone to notify about it)."""
    return await list_officers(conn, agency=agency, role=role)


async def remove_officer(conn: AsyncConnection, *, officer_id: int) -> bool:
    """Deactivate an officer; False if they were not active.

    The row and roles stay (the ticket history names them), but their chats are unbound, so
    they stop receiving officer messages and a successor can bind the same phone.
    """
    stmt = (
        update(officers)
        .where(officers.c.id == officer_id, officers.c.active.is_(True))
        .values(active=False)
        .returning(officers.c.id)
    )
    if (await conn.execute(stmt)).first() is None:
        return False
    await conn.execute(
        update(channel_identities)
        .where(channel_identities.c.officer_id == officer_id)
        .values(officer_id=None, officer_bound_at=None)
    )
    return True


async def officer_roles(conn: AsyncConnection, *, officer_id: int) -> list[str]:
    """The officer's role codes, sorted."""
    stmt = (
        select(roles_table.c.role)
        .where(roles_table.c.officer_id == officer_id)
        .order_by(roles_table.c.role)
    )
    return [str(role) for role in (await conn.execute(stmt)).scalars()]


async def set_roles(conn: AsyncConnection, *, officer_id: int, roles: Collection[str]) -> None:
    """Replace the officer's roles."""
    await conn.execute(delete(roles_table).where(roles_table.c.officer_id == officer_id))
    wanted = sorted(set(roles))
    if wanted:
        await conn.execute(
            roles_table.insert(), [{"officer_id": officer_id, "role": r} for r in wanted]
        )


async def bind_officer_identity(
    conn: AsyncConnection, *, officer_id: int, channel: str, external_id: str, at: datetime
) -> None:
    """Make this chat the officer's one chat on `channel` (their previous one there is released).

    Raises `IdentityTaken` when another officer holds the chat; the caller must then let the
    transaction roll back. A chat the same person already uses as a requester is shared: an
    officer may file requests too.
    """
    ci = channel_identities
    chat = and_(ci.c.channel == channel, ci.c.external_id == external_id)
    current = select(ci.c.officer_id).where(chat)
    if conn.dialect.name == "postgresql":
        current = current.with_for_update()
    holder = (await conn.execute(current)).scalar_one_or_none()
    if holder == officer_id:
        return
    if holder is not None:
        raise IdentityTaken(channel=channel, officer_id=int(holder))
    await conn.execute(
        update(ci)
        .where(ci.c.officer_id == officer_id, ci.c.channel == channel)
        .values(officer_id=None, officer_bound_at=None)
    )
    upsert = _insert(conn, ci).values(
        channel=channel, external_id=external_id, officer_id=officer_id, officer_bound_at=at
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=["channel", "external_id"],
        set_={"officer_id": upsert.excluded.officer_id, "officer_bound_at": at},
        # A concurrent bind may have won since the check above (PostgreSQL re-checks this).
        where=or_(ci.c.officer_id.is_(None), ci.c.officer_id == officer_id),
    ).returning(ci.c.officer_id)
    if (await conn.execute(upsert)).first() is None:
        winner = (await conn.execute(select(ci.c.officer_id).where(chat))).scalar_one()
        raise IdentityTaken(channel=channel, officer_id=int(winner))


async def officer_for_identity(
    conn: AsyncConnection, *, channel: str, external_id: str
) -> OfficerRecord | None:
    """The active officer behind a chat, or None (a requester, or a removed officer)."""
    stmt = (
        select(officers)
        .join(channel_identities, channel_identities.c.officer_id == officers.c.id)
        .where(
            channel_identities.c.channel == channel,
            channel_identities.c.external_id == external_id,
            officers.c.active.is_(True),
        )
    )
    found = await _officers(conn, (await conn.execute(stmt)).all())
    return found[0] if found else None


async def officer_identities(conn: AsyncConnection, *, officer_id: int) -> list[OfficerIdentity]:
    """The chats an officer is reached on (at most one per channel), by channel."""
    ci = channel_identities
    stmt = (
        select(ci.c.channel, ci.c.external_id, ci.c.officer_bound_at)
        .where(ci.c.officer_id == officer_id)
        .order_by(ci.c.channel)
    )
    return [
        OfficerIdentity(channel=channel, external_id=external_id, bound_at=bound_at)
        for channel, external_id, bound_at in await conn.execute(stmt)
    ]


async def create_invite(
    conn: AsyncConnection, *, officer_id: int, code_hash: str, at: datetime, expires_at: datetime
) -> None:
    """Store a one-time code's hash (core.officers.hash_invite_code), never the code.

    Codes the officer was given before and has not used stop working: only the newest counts.
    """
    await conn.execute(
        update(officer_invites)
        .where(
            officer_invites.c.officer_id == officer_id,
            officer_invites.c.used_at.is_(None),
            officer_invites.c.expires_at > at,
        )
        .values(expires_at=at)
    )
    await conn.execute(
        officer_invites.insert().values(
            code_hash=code_hash,
            officer_id=officer_id,
            created_at=at,
            expires_at=expires_at,
            used_at=None,
        )
    )


async def redeem_invite(
    conn: AsyncConnection, *, code_hash: str, channel: str, external_id: str, at: datetime
) -> OfficerRecord | None:
    """Use a code: bind the chat to its (active) officer; None if unknown, used or expired.

    The conditional UPDATE makes the code single-use even when two chats send it at once.
    Raises `IdentityTaken` (roll back: the code stays unused) if the chat is another officer's.
    """
    still_active = exists().where(
        officers.c.id == officer_invites.c.officer_id, officers.c.active.is_(True)
    )
    stmt = (
        update(officer_invites)
        .where(
            officer_invites.c.code_hash == code_hash,
            officer_invites.c.used_at.is_(None),
            officer_invites.c.expires_at > at,
            still_active,
        )
        .values(used_at=at)
        .returning(officer_invites.c.officer_id)
    )
    officer_id = (await conn.execute(stmt)).scalar_one_or_none()
    if officer_id is None:
        return None
    await bind_officer_identity(
        conn, officer_id=int(officer_id), channel=channel, external_id=external_id, at=at
    )
    return await get_officer(conn, officer_id=int(officer_id))


async def _officers(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[OfficerRecord]:
    """Records for officer rows, with their roles (one query for all of them)."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    roles: dict[int, list[str]] = {i: [] for i in ids}
    stmt = select(roles_table.c.officer_id, roles_table.c.role).where(
        roles_table.c.officer_id.in_(ids)
    )
    for officer_id, role in await conn.execute(stmt):
        roles[officer_id].append(role)
    return [
        OfficerRecord(
            id=row.id,
            agency=row.agency,
            name=row.name,
            nip=row.nip,
            active=row.active,
            created_at=row.created_at,
            roles=tuple(sorted(roles[row.id])),
        )
        for row in rows
    ]


# --------------------------------------------------------------------------- step alerts


async def record_alert(conn: AsyncConnection, *, ticket_id: int, key: str, at: datetime) -> bool:
    """Remember that an alert was sent; False when it already was (then do not send it)."""
    stmt = (
        _insert(conn, ticket_alerts)
        .values(ticket_id=ticket_id, key=key, sent_at=at)
        .on_conflict_do_nothing(index_elements=["ticket_id", "key"])
        .returning(ticket_alerts.c.id)
    )
    return (await conn.execute(stmt)).first() is not None


async def alerts_sent(conn: AsyncConnection, *, ticket_id: int) -> set[str]:
    """Keys of the ticket's alerts already sent (core.workflow_alerts' `already_sent`)."""
    stmt = select(ticket_alerts.c.key).where(ticket_alerts.c.ticket_id == ticket_id)
    return {str(key) for key in (await conn.execute(stmt)).scalars()}


async def set_next_alert_at(conn: AsyncConnection, *, ticket_id: int, at: datetime | None) -> None:
    """When the scheduler should next look at the ticket (None: never, e.g. closed or paused)."""
    await conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(next_alert_at=at))


async def tickets_due_for_alert(
    conn: AsyncConnection, *, now: datetime, limit: int, agency: str | None = None
) -> list[TicketRecord]:
    """Up to `limit` tickets (of `agency` if given) whose next alert time has come, earliest first.

    Reads the `next_alert_at` indexes only, so a database shared by several agencies never hands
    one agency's tickets to another's sweep. On PostgreSQL the rows stay locked until the
    transaction ends and rows another sweep holds are skipped, so concurrent replicas never
    work on one ticket; set each ticket's next `next_alert_at` in the same transaction.
    """
    stmt = select(tickets).where(tickets.c.next_alert_at <= now)
    if agency is not None:
        stmt = stmt.where(tickets.c.agency == agency)
    stmt = stmt.order_by(tickets.c.next_alert_at, tickets.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return [_ticket(row) for row in await conn.execute(stmt)]


# --------------------------------------------------------------------------- helpers


def _insert(conn: AsyncConnection, table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    if conn.dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


def _record(cls: type[_T], row: Row[Any]) -> _T:
    return cls(**row._mapping)


def _ticket(row: Row[Any]) -> TicketRecord:
    values = dict(row._mapping)
    values["status"] = TicketStatus(values["status"])
    return TicketRecord(**values)
