"""Requesters and the channel identities (chats) they are reached on, created on first contact."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import (
    channel_identities,
    conversations,
    requester_links,
    requesters,
    survey_responses,
    tickets,
)
from storage.repositories._rows import insert_for_dialect


async def get_or_create_requester(
    conn: AsyncConnection,
    *,
    channel: str,
    external_id: str,
    display_name: str | None,
    at: datetime,
    locale: str = "id",
) -> int:
    """The requester behind a channel identity (created on first contact).

    Also stamps `last_inbound_at` (WhatsApp's 24-hour window).
    """
    # One upsert in the common case; its row lock also stops two replicas creating two requesters.
    upsert = _identity_upsert(conn.dialect.name)
    values = {"channel": channel, "external_id": external_id, "last_inbound_at": at}
    identity_id, requester_id = (await conn.execute(upsert, values)).one()
    if requester_id is not None:
        return int(requester_id)
    new_id = (
        await conn.execute(
            requesters.insert()
            .values(display_name=display_name, locale=locale, created_at=at)
            .returning(requesters.c.id)
        )
    ).scalar_one()
    await conn.execute(
        update(channel_identities)
        .where(channel_identities.c.id == identity_id)
        .values(requester_id=new_id)
    )
    return int(new_id)


@cache
def _identity_upsert(dialect: str) -> Any:
    """Built once per dialect (the hot path runs it on every update)."""
    upsert = insert_for_dialect(dialect, channel_identities)
    return upsert.on_conflict_do_update(
        index_elements=["channel", "external_id"],
        set_={"last_inbound_at": upsert.excluded.last_inbound_at},
    ).returning(channel_identities.c.id, channel_identities.c.requester_id)


async def load_profile(conn: AsyncConnection, *, requester_id: int) -> dict[str, str]:
    """The details this requester gave last time (name, NIP, OPD, phone); {} if none."""
    stmt = select(requesters.c.profile).where(requesters.c.id == requester_id)
    found = (await conn.execute(stmt)).scalar_one_or_none()
    return {str(k): str(v) for k, v in (found or {}).items() if v}


async def save_profile(
    conn: AsyncConnection, *, requester_id: int, profile: dict[str, str]
) -> None:
    """Remember these details (merged over what was remembered before)."""
    merged = {**await load_profile(conn, requester_id=requester_id), **profile}
    await conn.execute(
        update(requesters).where(requesters.c.id == requester_id).values(profile=merged)
    )


async def create_link_code(
    conn: AsyncConnection, *, requester_id: int, code_hash: str, at: datetime, expires_at: datetime
) -> None:
    """Store a `/tautkan` code (hashed) for this requester."""
    await conn.execute(
        requester_links.insert().values(
            code_hash=code_hash, requester_id=requester_id, created_at=at, expires_at=expires_at
        )
    )


async def redeem_link_code(conn: AsyncConnection, *, code_hash: str, at: datetime) -> int | None:
    """The requester a valid, unused, unexpired code was made for (now used), else None."""
    stmt = (
        update(requester_links)
        .where(
            requester_links.c.code_hash == code_hash,
            requester_links.c.used_at.is_(None),
            requester_links.c.expires_at > at,
        )
        .values(used_at=at)
        .returning(requester_links.c.requester_id)
    )
    found = (await conn.execute(stmt)).scalar_one_or_none()
    return int(found) if found is not None else None


async def merge_requester(conn: AsyncConnection, *, source: int, into: int) -> None:
    """Make every chat, ticket and conversation of `source` belong to `into` (the same person
    on another channel); their remembered details are merged, `into`'s winning."""
    if source == into:
        return
    profile = {
        **await load_profile(conn, requester_id=source),
        **await load_profile(conn, requester_id=into),
    }
    for table in (channel_identities, tickets, conversations, survey_responses):
        await conn.execute(
            update(table).where(table.c.requester_id == source).values(requester_id=into)
        )
    if profile:
        await save_profile(conn, requester_id=into, profile=profile)
