"""The inbox of processed updates (dedupe of redeliveries) and when a chat last wrote to us.

`get_last_inbound_at` reads the stamp `get_or_create_requester` leaves on each inbound update
(WhatsApp's 24-hour window), so it lives with the other per-update bookkeeping.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import channel_identities, inbox
from storage.repositories._rows import insert_for_dialect


async def record_inbound(
    conn: AsyncConnection, *, channel: str, update_id: str, at: datetime
) -> bool:
    """Remember an update; False when it was already processed (a redelivery to ignore)."""
    stmt = _record_statement(conn.dialect.name)
    values = {"channel": channel, "update_id": update_id, "received_at": at}
    return (await conn.execute(stmt, values)).first() is not None


@cache
def _record_statement(dialect: str) -> Any:
    """Built once per dialect (the hot path runs it on every update); values come at execute."""
    return (
        insert_for_dialect(dialect, inbox)
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(inbox.c.id)
    )


async def get_last_inbound_at(
    conn: AsyncConnection, *, channel: str, external_id: str
) -> datetime | None:
    """When this identity last wrote to us (WhatsApp's 24-hour window), or None if never."""
    stmt = select(channel_identities.c.last_inbound_at).where(
        channel_identities.c.channel == channel, channel_identities.c.external_id == external_id
    )
    value: datetime | None = (await conn.execute(stmt)).scalar_one_or_none()
    return value
