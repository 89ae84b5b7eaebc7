"""Reads, writes and locks of the scheduler's sweeps (bot.sweeps), on a Core connection.

Like storage.repositories, every function is keyword-only, takes the connection of the
caller's `Database.transaction()` and never commits. Each query reads an index of what is due
(next alert time, unreported failures, open or recently closed tickets), so a sweep's cost
follows the work it finds, not the size of the tables.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.tickets import CLOSED_STATUSES, TicketStatus
from storage import repositories as repo
from storage.models import outbox, scheduled_runs, tickets

_OPEN_STATUSES = sorted(str(s) for s in TicketStatus if s not in CLOSED_STATUSES)


@dataclass(frozen=True, slots=True)
class TicketFigures:
    """What the SLA report counts of one ticket (no personal data)."""

    id: int
    service: str
    status: TicketStatus
    due_at: datetime
    paused_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class FailedDelivery:
    """A message the outbox gave up on, as far as the coordinators may see it."""

    id: int
    key: str
    channel: str
    last_error: str | None


def lock_key(name: str) -> int:
    """The advisory lock number of a sweep (the same in every replica)."""
    return zlib.crc32(f"servicedesk:sweep:{name}".encode())


async def try_lock_sweep(conn: AsyncConnection, *, name: str) -> bool:
    """Take the sweep's lock until the transaction ends; False if another replica holds it.

    PostgreSQL: a transaction-scoped advisory lock, released by the commit or rollback, so a
    crashed replica never leaves it held. SQLite runs one replica, whose single connection
    already serialises transactions: always True.
    """
    if conn.dialect.name != "postgresql":
        return True
    stmt = text("SELECT pg_try_advisory_xact_lock(:key)")
    return bool((await conn.execute(stmt, {"key": lock_key(name)})).scalar_one())


async def claim_run(conn: AsyncConnection, *, job: str, period: str, at: datetime) -> bool:
    """Record that `job` ran for `period`; False when it already had (then do nothing).

    Inserted in the transaction that does the job's work, so the work and the record commit
    together, and of two replicas racing the second waits for the first and gets False.
    """
    stmt = (
        repo.insert_for(conn, scheduled_runs)
        .values(job=job, period=period, done_at=at)
        .on_conflict_do_nothing(index_elements=["job", "period"])
        .returning(scheduled_runs.c.job)
    )
    return (await conn.execute(stmt)).first() is not None


async def open_tickets(conn: AsyncConnection, *, agency: str) -> list[TicketFigures]:
    """The agency's tickets that are not finished, rejected or cancelled."""
    stmt = _figures().where(tickets.c.agency == agency, tickets.c.status.in_(_OPEN_STATUSES))
    return [_figure(row) for row in await conn.execute(stmt)]


async def closed_between(
    conn: AsyncConnection, *, agency: str, start: datetime, end: datetime
) -> list[TicketFigures]:
    """The agency's tickets closed (any way) in [start, end)."""
    stmt = _figures().where(
        tickets.c.closed_at >= start, tickets.c.closed_at < end, tickets.c.agency == agency
    )
    return [_figure(row) for row in await conn.execute(stmt)]


async def failed_deliveries_since(conn: AsyncConnection, *, since: datetime) -> int:
    """Messages given up on since `since` (reported at or after it, or not reported yet)."""
    failed = outbox.c.status == repo.OUTBOX_FAILED
    count = select(func.count()).select_from(outbox)
    unreported = count.where(failed, outbox.c.failure_reported_at.is_(None))
    reported = count.where(failed, outbox.c.failure_reported_at >= since)
    # Two counts, each served by its own index, rather than one OR the planner may scan for.
    return int((await conn.execute(unreported)).scalar_one()) + int(
        (await conn.execute(reported)).scalar_one()
    )


async def unreported_failures(conn: AsyncConnection, *, limit: int) -> list[FailedDelivery]:
    """Up to `limit` failed messages the coordinators were not told about, oldest first.

    Reads the partial index of unreported failures. On PostgreSQL the rows stay locked until the
    transaction ends and rows another replica is reporting are skipped: mark them reported in
    the same transaction.
    """
    stmt = (
        select(outbox.c.id, outbox.c.key, outbox.c.channel, outbox.c.last_error)
        .where(outbox.c.status == repo.OUTBOX_FAILED, outbox.c.failure_reported_at.is_(None))
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return [
        FailedDelivery(id=row.id, key=row.key, channel=row.channel, last_error=row.last_error)
        for row in await conn.execute(stmt)
    ]


async def mark_failures_reported(
    conn: AsyncConnection, *, ids: Collection[int], at: datetime
) -> None:
    """The coordinators have been told about these failed messages."""
    if not ids:
        return
    await conn.execute(
        update(outbox).where(outbox.c.id.in_(list(ids))).values(failure_reported_at=at)
    )


async def ticket_refs(conn: AsyncConnection, *, ids: Collection[int]) -> dict[int, str]:
    """Ticket id → reference, for the ids that exist."""
    if not ids:
        return {}
    stmt = select(tickets.c.id, tickets.c.ref).where(tickets.c.id.in_(sorted(set(ids))))
    return {int(i): str(ref) for i, ref in await conn.execute(stmt)}


def _figures() -> Select[Any]:
    return select(
        tickets.c.id,
        tickets.c.service,
        tickets.c.status,
        tickets.c.due_at,
        tickets.c.paused_at,
        tickets.c.closed_at,
    )


def _figure(row: Row[Any]) -> TicketFigures:
    return TicketFigures(
        id=row.id,
        service=row.service,
        status=TicketStatus(row.status),
        due_at=row.due_at,
        paused_at=row.paused_at,
        closed_at=row.closed_at,
    )
