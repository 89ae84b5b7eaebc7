"""Secrets the app generates once and every replica shares (the web chat's cookie key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import app_secrets
from storage.repositories._rows import insert_for


async def shared_secret(conn: AsyncConnection, *, name: str, candidate: str, at: datetime) -> str:
    """The secret stored under `name`, storing `candidate` first when there is none.

    Of replicas starting together the first insert wins and every one reads that value back.
    """
    stmt = (
        insert_for(conn, app_secrets)
        .values(name=name, value=candidate, created_at=at)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    await conn.execute(stmt)
    stored = await conn.execute(select(app_secrets.c.value).where(app_secrets.c.name == name))
    return str(stored.scalar_one())
