"""The web channel's outbox reads: a browser collects its session's messages itself.

Unlike Telegram or WhatsApp, nobody can push to a browser, so web rows stay pending until the
page fetches them (no `Sender` is registered for "web", so the delivery sweep never claims
them). Fetching marks them sent. A page that passes the id of the last message it showed gets
everything after it again, whatever its status, so a response lost on the way is not a
message lost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import outbox
from storage.repositories import OUTBOX_HELD, OUTBOX_PENDING, OUTBOX_SENT, OutboxRecord

CHANNEL = "web"
PAGE_SIZE = 50


async def take_messages(
    conn: AsyncConnection,
    *,
    recipient: str,
    now: datetime,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> list[OutboxRecord]:
    """The session's messages to show (oldest first), marking the pending ones sent.

    With `after`, every message with a larger id; without it, only those not fetched before.
    """
    # A held message (an officer's notice waiting for office hours) shows once its time came.
    unsent = or_(
        outbox.c.status == OUTBOX_PENDING,
        and_(outbox.c.status == OUTBOX_HELD, outbox.c.next_attempt_at <= now),
    )
    conditions = [outbox.c.channel == CHANNEL, outbox.c.recipient == recipient]
    if after is None:
        conditions.append(unsent)
    else:
        conditions += [outbox.c.id > after, or_(unsent, outbox.c.status == OUTBOX_SENT)]
    stmt = select(outbox).where(*conditions).order_by(outbox.c.id).limit(limit)
    rows = [OutboxRecord(**row._mapping) for row in await conn.execute(stmt)]
    pending = [row.id for row in rows if row.status != OUTBOX_SENT]
    if pending:
        await conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(pending), outbox.c.status.in_([OUTBOX_PENDING, OUTBOX_HELD]))
            .values(status=OUTBOX_SENT, sent_at=now, attempts=outbox.c.attempts + 1)
        )
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
