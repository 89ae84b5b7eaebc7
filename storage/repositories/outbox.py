"""The outbox: every outgoing message, queued in the handler's transaction and claimed, retried
or given up on by the delivery workers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import outbox
from storage.repositories._rows import _record, insert_for_dialect

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
    values = {
        "key": key,
        "channel": channel,
        "recipient": recipient,
        "payload": dict(payload),
        "status": OUTBOX_HELD if held else OUTBOX_PENDING,
        "attempts": 0,
        "next_attempt_at": not_before or at,
        "created_at": at,
    }
    value = (await conn.execute(_enqueue_statement(conn.dialect.name), values)).scalar_one_or_none()
    return None if value is None else int(value)


@cache
def _enqueue_statement(dialect: str) -> Any:
    """Built once per dialect (every reply runs it); values come at execute."""
    return (
        insert_for_dialect(dialect, outbox)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(outbox.c.id)
    )


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
    messages arrive in order. Commit the claim before sending (or claim inside the transaction
    that queued the rows: nobody else can see them before it commits).
    """
    if ids is not None and not ids:
        return []
    wanted = set(channels or ()) | ({channel} if channel is not None else set())
    by_channel = channel is not None or channels is not None
    if by_channel and not wanted:
        return []
    stmt = _claim_statement(
        by_ids=ids is not None, by_channel=by_channel, postgres=conn.dialect.name == "postgresql"
    )
    params: dict[str, Any] = {
        "claim_now": now,
        "claim_limit": limit,
        "claim_until": now + lease,
        "claim_holder": holder,
    }
    if ids is not None:
        params["claim_ids"] = list(ids)
    if by_channel:
        params["claim_channels"] = sorted(wanted)
    rows = [_record(OutboxRecord, row) for row in await conn.execute(stmt, params)]
    return sorted(rows, key=lambda r: r.id)


@cache
def _claim_statement(*, by_ids: bool, by_channel: bool, postgres: bool) -> Any:
    """`claim_outbox`'s UPDATE, built once per shape: building it (two aliases, a correlated
    subquery) cost more than running it on the hot path."""
    o = outbox.alias("o")
    e = outbox.alias("e")
    now = bindparam("claim_now", type_=outbox.c.next_attempt_at.type)
    # An earlier pending message blocks this one unless it is claimed in the same batch.
    earlier_blocks = e.c.next_attempt_at > now
    if by_ids:
        earlier_blocks = earlier_blocks | e.c.id.not_in(bindparam("claim_ids", expanding=True))
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
    if by_ids:
        conditions.append(o.c.id.in_(bindparam("claim_ids", expanding=True)))
    if by_channel:
        conditions.append(o.c.channel.in_(bindparam("claim_channels", expanding=True)))
    candidates = (
        select(o.c.id).where(and_(*conditions)).order_by(o.c.id).limit(bindparam("claim_limit"))
    )
    if postgres:
        candidates = candidates.with_for_update(skip_locked=True)
    return (
        update(outbox)
        .where(outbox.c.id.in_(candidates.scalar_subquery()))
        .values(
            next_attempt_at=bindparam("claim_until", type_=outbox.c.next_attempt_at.type),
            attempts=outbox.c.attempts + 1,
            status=OUTBOX_PENDING,
            lease_holder=bindparam("claim_holder", type_=outbox.c.lease_holder.type),
        )
        .returning(*outbox.c)
    )


async def any_due(
    conn: AsyncConnection, *, ids: Collection[int], now: datetime, channels: Collection[str]
) -> bool:
    """True when one of these rows is still to be sent now on one of `channels` (waiting
    behind an earlier message to its chat, not claimed, not held for later)."""
    if not ids or not channels:
        return False
    found = await conn.execute(
        select(outbox.c.id)
        .where(
            outbox.c.id.in_(list(ids)),
            outbox.c.channel.in_(list(channels)),
            outbox.c.status == OUTBOX_PENDING,
            outbox.c.next_attempt_at <= now,
        )
        .limit(1)
    )
    return found.first() is not None


async def mark_sent(
    conn: AsyncConnection, *, id: int | None = None, ids: Collection[int] = (), at: datetime
) -> None:
    """The message `id` (or every message in `ids`) was delivered."""
    wanted = [*ids, *([id] if id is not None else [])]
    if not wanted:
        return
    await conn.execute(_MARK_SENT, [{"sent_id": one, "sent_at_value": at} for one in wanted])


# One statement for every call (executemany when several rows were sent together).
_MARK_SENT = (
    update(outbox)
    .where(outbox.c.id == bindparam("sent_id"))
    .values(
        status=OUTBOX_SENT,
        sent_at=bindparam("sent_at_value", type_=outbox.c.sent_at.type),
        last_error=None,
        lease_holder=None,
    )
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
