"""Each chat's dialog state (one row per channel and chat, versioned on every save)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import conversations
from storage.repositories._rows import _record, insert_for


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
    stmt = insert_for(conn, conversations).values(
        channel=channel, chat_id=chat_id, version=1, **values
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["channel", "chat_id"],
        set_={**values, "version": conversations.c.version + 1},
    )
    await conn.execute(stmt)
