"""The REST API's storage: its tokens, the append-only access log, and the ticket reads the API
makes (a page of an agency's tickets in a stable order, a ticket's attachments).

The access log has no update or delete function on purpose: it records who read personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.tickets import TicketStatus
from storage.models import access_log, api_tokens, attachments, tickets
from storage.repositories._rows import TicketRecord, _record, _ticket
from storage.repositories.attachments import AttachmentRecord

ACTOR_KINDS = ("officer", "token", "cli")  # cli: a formal request an operator ran
# last_used_at is a hint for the operator, not an audit: one write a minute per token at most,
# so a busy dashboard does not turn every read into a write.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ApiTokenRecord:
    id: int
    agency: str
    name: str
    scopes: tuple[str, ...]
    token_hash: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def usable_at(self, now: datetime) -> bool:
        """Neither revoked nor expired at `now`."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True, slots=True)
class AccessRecord:
    id: int
    at: datetime
    agency: str
    actor_kind: str
    actor_id: int | None
    actor_name: str
    channel: str
    action: str
    ticket_id: int | None
    ticket_ref: str | None
    detail: str | None


def _token(row: Row[Any]) -> ApiTokenRecord:
    values = dict(row._mapping)
    values["scopes"] = tuple(s for s in values["scopes"].split(",") if s)
    return ApiTokenRecord(**values)


# --------------------------------------------------------------------------- tokens


async def create_token(
    conn: AsyncConnection,
    *,
    agency: str,
    name: str,
    scopes: Sequence[str],
    token_hash: str,
    created_at: datetime,
    expires_at: datetime | None = None,
) -> ApiTokenRecord:
    """Store a new token by its hash (the token itself is never stored)."""
    row = (
        await conn.execute(
            api_tokens.insert()
            .values(
                agency=agency,
                name=name,
                scopes=",".join(scopes),
                token_hash=token_hash,
                created_at=created_at,
                expires_at=expires_at,
                revoked_at=None,
                last_used_at=None,
            )
            .returning(*api_tokens.c)
        )
    ).one()
    return _token(row)


async def find_token_by_hash(conn: AsyncConnection, *, token_hash: str) -> ApiTokenRecord | None:
    """The token with this hash, revoked or expired ones included (the caller decides)."""
    row = (
        await conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash))
    ).first()
    return None if row is None else _token(row)


async def get_token(conn: AsyncConnection, *, token_id: int) -> ApiTokenRecord | None:
    """The token with this id, or None."""
    row = (await conn.execute(select(api_tokens).where(api_tokens.c.id == token_id))).first()
    return None if row is None else _token(row)


async def list_tokens(conn: AsyncConnection, *, agency: str) -> list[ApiTokenRecord]:
    """The agency's tokens, revoked and expired ones too, oldest first."""
    stmt = select(api_tokens).where(api_tokens.c.agency == agency).order_by(api_tokens.c.id)
    return [_token(row) for row in await conn.execute(stmt)]


async def revoke_token(conn: AsyncConnection, *, token_id: int, at: datetime) -> bool:
    """Revoke a token from `at` on; False when there is no such token or it was revoked."""
    stmt = (
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return (await conn.execute(stmt)).rowcount == 1


async def touch_token(conn: AsyncConnection, *, token_id: int, at: datetime) -> None:
    """Record that the token was used at `at` (at most one write per `TOUCH_EVERY`)."""
    stmt = (
        update(api_tokens)
        .where(
            api_tokens.c.id == token_id,
            or_(
                api_tokens.c.last_used_at.is_(None),
                api_tokens.c.last_used_at <= at - TOUCH_EVERY,
            ),
        )
        .values(last_used_at=at)
    )
    await conn.execute(stmt)


# --------------------------------------------------------------------------- access log


async def log_access(
    conn: AsyncConnection,
    *,
    at: datetime,
    agency: str,
    actor_kind: str,
    actor_id: int | None,
    actor_name: str,
    channel: str,
    action: str,
    tickets: Sequence[tuple[int, str]] = (),
    detail: str | None = None,
) -> int:
    """Append one row per ticket read (`(id, ref)` pairs), or one row without a ticket when
    none is given; how many rows were written."""
    if actor_kind not in ACTOR_KINDS:
        raise ValueError(f"unknown actor_kind {actor_kind!r}")
    common = {
        "at": at,
        "agency": agency,
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "channel": channel,
        "action": action,
        "detail": detail,
    }
    rows = [{**common, "ticket_id": i, "ticket_ref": ref} for i, ref in tickets] or [
        {**common, "ticket_id": None, "ticket_ref": None}
    ]
    # executemany: one round trip for a page of tickets.
    await conn.execute(access_log.insert(), rows)
    return len(rows)


async def list_access(
    conn: AsyncConnection,
    *,
    ticket_ref: str | None = None,
    actor_name: str | None = None,
    limit: int = 100,
) -> list[AccessRecord]:
    """The latest reads, newest first; only those of one ticket or one actor when given."""
    stmt = select(access_log)
    if ticket_ref is not None:
        # Through the ticket's id, which the log is indexed by.
        ids = select(tickets.c.id).where(tickets.c.ref == ticket_ref)
        stmt = stmt.where(access_log.c.ticket_id.in_(ids))
    if actor_name is not None:
        stmt = stmt.where(access_log.c.actor_name == actor_name)
    stmt = stmt.order_by(access_log.c.id.desc()).limit(limit)
    return [_record(AccessRecord, row) for row in await conn.execute(stmt)]


# --------------------------------------------------------------------------- ticket reads


async def list_tickets_page(
    conn: AsyncConnection,
    *,
    agency: str,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
    status: TicketStatus | None = None,
    service: str | None = None,
    product: str | None = None,
    officer_id: int | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    updated_since: datetime | None = None,
) -> list[TicketRecord]:
    """Up to `limit` of the agency's tickets in (updated_at, id) order, after the row `after`.

    The order is total (id breaks ties), so paging with the last row of each page skips and
    repeats nothing; a ticket filed or changed between two pages has a later updated_at and
    comes on a later page.
    """
    stmt = select(tickets).where(tickets.c.agency == agency)
    if after is not None:
        at, last_id = after
        stmt = stmt.where(
            or_(
                tickets.c.updated_at > at,
                and_(tickets.c.updated_at == at, tickets.c.id > last_id),
            )
        )
    if status is not None:
        stmt = stmt.where(tickets.c.status == str(status))
    if service is not None:
        stmt = stmt.where(tickets.c.service == service)
    if product is not None:
        stmt = stmt.where(tickets.c.product == product)
    if officer_id is not None:
        stmt = stmt.where(tickets.c.assigned_officer_id == officer_id)
    if created_from is not None:
        stmt = stmt.where(tickets.c.created_at >= created_from)
    if created_before is not None:
        stmt = stmt.where(tickets.c.created_at < created_before)
    if updated_since is not None:
        stmt = stmt.where(tickets.c.updated_at >= updated_since)
    stmt = stmt.order_by(tickets.c.updated_at, tickets.c.id).limit(limit)
    return [_ticket(row) for row in await conn.execute(stmt)]


async def ticket_attachments(conn: AsyncConnection, *, ticket_id: int) -> list[AttachmentRecord]:
    """The files on a ticket, oldest first."""
    stmt = (
        select(attachments)
        .where(attachments.c.ticket_id == ticket_id)
        .order_by(attachments.c.created_at, attachments.c.id)
    )
    return [_record(AttachmentRecord, row) for row in await conn.execute(stmt)]
