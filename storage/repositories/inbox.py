"""The inbox of processed updates (dedupe of redeliveries) and when a chat last wrote to us.

`get_last_inbound_at` reads the stamp `get_or_create_requester` leaves on each inbound update
(WhatsApp's 24-hour window), so it lives with the other per-update bookkeeping.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import channel_identities, inbox
from storage.repositories._rows import insert_for


async def record_inbound(
    conn: AsyncConnection, *, channel: str, update_id: str, at: datetime
) -> bool:
    """Remember an update; False when it was already processed (a redelivery to ignore)."""
    stmt = (
        insert_for(conn, inbox)
        .values(channel=channel, update_id=update_id, received_at=at)
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(inbox.c.id)
    )
    return (await conn.execute(stmt)).first() is not None


async def get_last_inbound_at(
    conn: AsyncConnection, *, channel: str, external_id: str
) -> datetime | None:
    """When this identity last wrote to us (WhatsApp's 24-hour window), or None if never."""
    stmt = select(channel_identities.c.last_inbound_at).where(
        channel_identities.c.channel == channel, channel_identities.c.external_id == external_id
    )
    value: datetime | None = (await conn.execute(stmt)).scalar_one_or_none()
    return value
