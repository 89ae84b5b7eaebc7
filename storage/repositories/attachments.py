"""Records of uploaded files (the bytes themselves are in storage.attachments' store).

An upload is "pending" while it is on no ticket (`ticket_id IS NULL`): the answer of a dialog in
progress. Pending uploads are capped per chat and in total (`upload_refusal`), the one a
document sent again replaces is deleted at once (`discard_upload`), and those of dialogs
abandoned for long are deleted by a sweep (`discard_abandoned_uploads`).

Files are stored once per content, so a row's file is deleted only when no other row has the
same content. Saving and deleting a content take a lock on it (PostgreSQL: an advisory
transaction lock; SQLite's one connection already runs transactions one at a time), so a file
is never deleted while another transaction is storing the same bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import and_, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.attachments import AttachmentStore, UploadQuota
from storage.models import attachments, conversations
from storage.repositories._rows import _record

UploadRefusal = Literal["quota", "full"]


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
    data: bytes | Path,
    filename: str | None,
    mime_hint: str | None,
    channel: str,
    chat_id: str,
    at: datetime,
) -> AttachmentRecord:
    """Check and store a file (its bytes, or a file on disk), then record it (not yet linked
    to a ticket).

    Raises `AttachmentTooLarge` / `AttachmentRejected` (storage.attachments) before writing.
    """
    inspected = await asyncio.to_thread(store.inspect, data)
    await _lock_content(conn, inspected.sha256, wait=True)
    stored = await asyncio.to_thread(store.keep, data, inspected, filename=filename)
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


# --- pending uploads: quota and cleanup ----------------------------------------------------


async def pending_uploads(
    conn: AsyncConnection,
    *,
    channel: str | None = None,
    chat_id: str | None = None,
    excluding: int | None = None,
) -> tuple[int, int]:
    """(files, bytes) on no ticket yet: one chat's, or everybody's without `chat_id`."""
    conditions: list[Any] = [attachments.c.ticket_id.is_(None)]
    if chat_id is not None:
        conditions += [
            attachments.c.owner_channel == channel,
            attachments.c.owner_chat_id == chat_id,
        ]
    if excluding is not None:
        conditions.append(attachments.c.id != excluding)
    stmt = select(func.count(), func.coalesce(func.sum(attachments.c.size), 0)).where(*conditions)
    files, size = (await conn.execute(stmt)).one()
    return int(files), int(size)


async def upload_refusal(
    conn: AsyncConnection,
    *,
    store: AttachmentStore,
    quota: UploadQuota,
    channel: str,
    chat_id: str,
    size: int,
    replacing: int | None = None,
) -> UploadRefusal | None:
    """Why a new upload of `size` bytes may not be stored, or None when it may.

    "quota": this chat already has its share of files on no ticket; "full": all chats
    together have, or the disk is short of space. `replacing` (the upload this one replaces,
    deleted once it is stored) does not count.
    """
    files, used = await pending_uploads(conn, channel=channel, chat_id=chat_id, excluding=replacing)
    if files + 1 > quota.files_per_requester or used + size > quota.bytes_per_requester:
        return "quota"
    _, everybody = await pending_uploads(conn, excluding=replacing)
    if everybody + size > quota.bytes_total or not await asyncio.to_thread(store.has_room, size):
        return "full"
    return None


async def discard_upload(
    conn: AsyncConnection, *, store: AttachmentStore, id: int, channel: str, chat_id: str
) -> bool:
    """Delete one of this chat's uploads that is on no ticket (and its file, unless other rows
    have the same content); False when there was none to delete."""
    stmt = select(attachments.c.id, attachments.c.sha256, attachments.c.path).where(
        attachments.c.id == id,
        attachments.c.ticket_id.is_(None),
        attachments.c.owner_channel == channel,
        attachments.c.owner_chat_id == chat_id,
    )
    rows = list(await conn.execute(stmt))
    return await _discard(conn, store, rows) == 1


async def discard_abandoned_uploads(
    conn: AsyncConnection,
    *,
    store: AttachmentStore,
    before: datetime,
    after_id: int = 0,
    limit: int,
) -> tuple[int, int]:
    """Delete uploads on no ticket stored before `before` whose conversation has not moved
    since then either (or is gone), oldest first from `after_id`: (last id looked at,
    uploads deleted). An upload another transaction is using is left for a later run."""
    idle = or_(conversations.c.id.is_(None), conversations.c.updated_at < before)
    stmt = (
        select(attachments.c.id, attachments.c.sha256, attachments.c.path)
        .select_from(
            attachments.outerjoin(
                conversations,
                and_(
                    conversations.c.channel == attachments.c.owner_channel,
                    conversations.c.chat_id == attachments.c.owner_chat_id,
                ),
            )
        )
        .where(
            attachments.c.ticket_id.is_(None),
            attachments.c.created_at < before,
            attachments.c.id > after_id,
            idle,
        )
        .order_by(attachments.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        # Rows a dialog is linking to its ticket right now are skipped, never waited for.
        stmt = stmt.with_for_update(skip_locked=True, of=attachments)
    rows = list(await conn.execute(stmt))
    deleted = await _discard(conn, store, rows)
    return (rows[-1].id if rows else after_id), deleted


async def _discard(conn: AsyncConnection, store: AttachmentStore, rows: Sequence[Any]) -> int:
    deleted = 0
    for row in rows:
        if not await _lock_content(conn, row.sha256, wait=False):
            continue  # being stored by another transaction right now: a later run deletes it
        gone = await conn.execute(
            delete(attachments).where(attachments.c.id == row.id, attachments.c.ticket_id.is_(None))
        )
        if not gone.rowcount:
            continue
        deleted += 1
        shared = select(attachments.c.id).where(attachments.c.sha256 == row.sha256).limit(1)
        if (await conn.execute(shared)).first() is None:
            # Should this transaction still roll back, the row comes back without its file:
            # an upload on no ticket, so at worst a dialog in progress lost a document.
            await asyncio.to_thread(store.remove, row.path)
    return deleted


async def _lock_content(conn: AsyncConnection, sha256: str, *, wait: bool) -> bool:
    """Lock one content until the transaction ends (PostgreSQL); False when `wait` is False
    and another transaction holds it. SQLite runs one transaction at a time: always True."""
    if conn.dialect.name != "postgresql":
        return True
    key = int(sha256[:15], 16)  # 60 bits: a bigint, and the sha256 is already uniform
    if wait:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        return True
    stmt = text("SELECT pg_try_advisory_xact_lock(:key)")
    return bool((await conn.execute(stmt, {"key": key})).scalar_one())
