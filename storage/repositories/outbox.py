"""The outbox: every outgoing message, queued in the handler's transaction and claimed, retried
or given up on by the delivery workers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import outbox
from storage.repositories._rows import _record, insert_for

OUTBOX_PENDING = "pending"
# Scheduled for later (`enqueue(not_before=...)`, e.g. office hours): claimable once due, and,
# unlike a pending row deferred by a failed try, it never holds back later messages to its chat.
OUTBOX_HELD = "held"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"
DEFAULT_LEASE = timedelta(seconds=60)


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
    lease_holder: str | None = None  # the server that claimed it and has not marked it yet


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
        insert_for(conn, outbox)
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
    holder: str | None = None,
) -> list[OutboxRecord]:
    """Take up to `limit` due messages (oldest first) and count an attempt on each.

    Claimed rows get `next_attempt_at = now + lease` and name their `holder`, so other
    replicas skip them until the claimer marks them (or crashes: the lease runs out, or the
    holder, started again, hands them back with `release_leases`); on PostgreSQL rows locked
    by a concurrent claimer are skipped (`FOR UPDATE SKIP LOCKED`). A message waits while an
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
        .values(
            next_attempt_at=now + lease,
            attempts=outbox.c.attempts + 1,
            status=OUTBOX_PENDING,
            lease_holder=holder,
        )
        .returning(*outbox.c)
    )
    rows = [_record(OutboxRecord, row) for row in await conn.execute(stmt)]
    return sorted(rows, key=lambda r: r.id)


async def mark_sent(conn: AsyncConnection, *, id: int, at: datetime) -> None:
    """The message was delivered."""
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == id)
        .values(status=OUTBOX_SENT, sent_at=at, last_error=None, lease_holder=None)
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
    values: dict[str, Any] = {"next_attempt_at": retry_at, "lease_holder": None}
    if error is not None:
        values["last_error"] = error[:500]
    if not count_attempt:
        values["attempts"] = outbox.c.attempts - 1
    await conn.execute(update(outbox).where(outbox.c.id == id).values(**values))


async def mark_failed(conn: AsyncConnection, *, id: int, at: datetime, error: str) -> None:
    """Give up on the message. `error` must not contain personal data."""
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == id)
        .values(status=OUTBOX_FAILED, last_error=error[:500], lease_holder=None)
    )


async def release_leases(conn: AsyncConnection, *, holder: str, now: datetime) -> int:
    """Hand back, due at once, the messages `holder` claimed and never marked: a server starting
    again after a crash, so its chats need not wait out the lease. Returns how many.

    A message that was being sent at the crash may have reached the chat: it is sent again
    (at-least-once), as it would be once the lease ran out.
    """
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.lease_holder == holder, outbox.c.status == OUTBOX_PENDING)
        .values(next_attempt_at=now, lease_holder=None)
    )
    return int(result.rowcount or 0)


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
