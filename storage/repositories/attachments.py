"""Records of uploaded files (the bytes themselves are in storage.attachments' store)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.attachments import AttachmentStore
from storage.models import attachments
from storage.repositories._rows import _record


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    id: int
    ticket_id: int | None
    owner_channel: str
    owner_chat_id: str
    filename: str
    mime: str
    size: int
    sha256: str
    path: str
    created_at: datetime


async def save_attachment(
    conn: AsyncConnection,
    *,
    store: AttachmentStore,
    data: bytes,
    filename: str | None,
    mime_hint: str | None,
    channel: str,
    chat_id: str,
    at: datetime,
) -> AttachmentRecord:
    """Check and store a file, then record it (not yet linked to a ticket).

    Raises `AttachmentTooLarge` / `AttachmentRejected` (storage.attachments) before writing.
    """
    stored = await asyncio.to_thread(store.put, data, filename=filename, mime_hint=mime_hint)
    row = (
        await conn.execute(
            attachments.insert()
            .values(
                ticket_id=None,
                owner_channel=channel,
                owner_chat_id=chat_id,
                filename=stored.filename,
                mime=stored.mime,
                size=stored.size,
                sha256=stored.sha256,
                path=stored.path,
                created_at=at,
            )
            .returning(*attachments.c)
        )
    ).one()
    return _record(AttachmentRecord, row)


async def link_attachments(conn: AsyncConnection, *, ids: Sequence[int], ticket_id: int) -> None:
    """Attach still-unlinked files to a ticket (files already on another ticket stay there)."""
    if not ids:
        return
    await conn.execute(
        update(attachments)
        .where(attachments.c.id.in_(list(ids)), attachments.c.ticket_id.is_(None))
        .values(ticket_id=ticket_id)
    )


async def get_attachment(conn: AsyncConnection, *, id: int) -> AttachmentRecord | None:
    """One attachment's record, or None."""
    row = (await conn.execute(select(attachments).where(attachments.c.id == id))).first()
    return None if row is None else _record(AttachmentRecord, row)
