"""Each chat's dialog state (one row per channel and chat, versioned on every save)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import conversations
from storage.repositories._rows import _record, insert_for_dialect


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
    stmt = _load_statement(lock=for_update and conn.dialect.name == "postgresql")
    row = (await conn.execute(stmt, {"load_channel": channel, "load_chat": chat_id})).first()
    return None if row is None else _record(ConversationRecord, row)


@cache
def _load_statement(*, lock: bool) -> Any:
    """Built once (the hot path runs it on every update)."""
    stmt = select(conversations).where(
        conversations.c.channel == bindparam("load_channel"),
        conversations.c.chat_id == bindparam("load_chat"),
    )
    return stmt.with_for_update() if lock else stmt


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
        "channel": channel,
        "chat_id": chat_id,
        "version": 1,
        "requester_id": requester_id,
        "agency": agency,
        "state": state,
        "data": dict(data),
        "locale": locale,
        "updated_at": at,
    }
    await conn.execute(_save_statement(conn.dialect.name), values)


@cache
def _save_statement(dialect: str) -> Any:
    """Built once per dialect (the hot path runs it on every update); values come at execute,
    and a conflict takes the new row's (`excluded`) values."""
    stmt = insert_for_dialect(dialect, conversations)
    replaced = ("requester_id", "agency", "state", "data", "locale", "updated_at")
    return stmt.on_conflict_do_update(
        index_elements=["channel", "chat_id"],
        set_={
            **{name: stmt.excluded[name] for name in replaced},
            "version": conversations.c.version + 1,
        },
    )
