"""The web channel's outbox reads: a browser collects its session's messages itself.

Unlike Telegram or WhatsApp, nobody can push to a browser, so web rows stay pending until the
page has shown them (no `Sender` is registered for "web", so the delivery sweep never claims
them). Reading never changes anything: the page acknowledges what it showed with a POST
(`acknowledge`), so a cross-site GET, a second tab or a lost response loses nothing. Only the
answer to the page's own POST takes the messages it carries (`take_messages`).

A page that passes the id of the last message it showed (`after`) gets everything after it
again, whatever its status, so a response lost on the way is not a message lost, and every
message not acknowledged yet, even below that id (one committed late, or acknowledged by a
request that got lost). A page is at most `PAGE_SIZE` messages long; the next page continues
after the last message of this one.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import outbox
from storage.repositories import OUTBOX_HELD, OUTBOX_PENDING, OUTBOX_SENT, OutboxRecord

CHANNEL = "web"
PAGE_SIZE = 50
HISTORY = 6  # messages a new tab shows of a conversation already under way


def _unsent(now: datetime) -> Any:
    # A held message (an officer's notice waiting for office hours) shows once its time came.
    return or_(
        outbox.c.status == OUTBOX_PENDING,
        and_(outbox.c.status == OUTBOX_HELD, outbox.c.next_attempt_at <= now),
    )


async def read_messages(
    conn: AsyncConnection,
    *,
    recipient: str,
    now: datetime,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> list[OutboxRecord]:
    """The session's messages to show, oldest first; changes nothing.

    Without `after`, those not acknowledged yet; with it, also every message after `after`.
    """
    shown = _unsent(now)
    if after is not None:
        shown = or_(shown, and_(outbox.c.id > after, outbox.c.status == OUTBOX_SENT))
    stmt = (
        select(outbox)
        .where(outbox.c.channel == CHANNEL, outbox.c.recipient == recipient, shown)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    return [OutboxRecord(**row._mapping) for row in await conn.execute(stmt)]


async def recent_messages(
    conn: AsyncConnection, *, recipient: str, limit: int = HISTORY
) -> list[OutboxRecord]:
    """The session's last messages already shown, oldest first: a new tab opens where the
    conversation is (its pending question and buttons) rather than on a blank page."""
    stmt = (
        select(outbox)
        .where(
            outbox.c.channel == CHANNEL,
            outbox.c.recipient == recipient,
            outbox.c.status == OUTBOX_SENT,
        )
        .order_by(outbox.c.id.desc())
        .limit(limit)
    )
    return [OutboxRecord(**row._mapping) for row in reversed(list(await conn.execute(stmt)))]


async def acknowledge(
    conn: AsyncConnection, *, recipient: str, ids: Collection[int], now: datetime
) -> int:
    """The page has shown these messages of the session: mark them sent; how many were not."""
    if not ids:
        return 0
    result = await conn.execute(
        update(outbox)
        .where(
            outbox.c.id.in_(sorted(set(ids))),
            outbox.c.channel == CHANNEL,
            outbox.c.recipient == recipient,
            _unsent(now),
        )
        .values(status=OUTBOX_SENT, sent_at=now, attempts=outbox.c.attempts + 1)
    )
    return int(result.rowcount or 0)


async def take_messages(
    conn: AsyncConnection, *, recipient: str, now: datetime, limit: int = PAGE_SIZE
) -> list[OutboxRecord]:
    """The session's messages not acknowledged yet, marked sent (for the answer to the page's
    own POST, which shows them)."""
    rows = await read_messages(conn, recipient=recipient, now=now, limit=limit)
    await acknowledge(conn, recipient=recipient, ids=[row.id for row in rows], now=now)
    return rows


async def last_message_id(conn: AsyncConnection, *, recipient: str) -> int:
    """The id of the session's newest message, 0 when there is none."""
    stmt = select(func.max(outbox.c.id)).where(
        outbox.c.channel == CHANNEL, outbox.c.recipient == recipient
    )
    value = (await conn.execute(stmt)).scalar_one_or_none()
    return int(value or 0)


async def get_message(conn: AsyncConnection, *, recipient: str, id: int) -> OutboxRecord | None:
    """One of the session's messages, or None when it does not exist or is someone else's."""
    stmt = select(outbox).where(
        outbox.c.id == id, outbox.c.channel == CHANNEL, outbox.c.recipient == recipient
    )
    row = (await conn.execute(stmt)).first()
    return None if row is None else OutboxRecord(**row._mapping)
