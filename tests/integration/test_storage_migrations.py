"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import StatementError

from storage import repositories as repo
from storage.db import Database, alembic_config
from storage.models import metadata


def _schema_diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        assert await database.current() is None
        await database.upgrade()
        async with database.transaction() as conn:
            diff = await conn.run_sync(_schema_diff)
        assert diff == []
        assert await database.current() == _head()
    finally:
        await database.dispose()


async def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    database = Database(database_url)
    try:
        await database.upgrade()
        await database.upgrade()
        assert await database.current() == _head()
    finally:
        await database.dispose()


async def test_a_sqlite_file_in_a_missing_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "servicedesk.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await database.upgrade()
        assert path.exists()
        assert await database.ping()
    finally:
        await database.dispose()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_db: Database) -> None:
    async with sqlite_db.transaction() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1


async def test_a_failed_transaction_leaves_nothing_behind(db: Database) -> None:
    at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            assert await repo.record_inbound(conn, channel="telegram", update_id="1", at=at)
            raise RuntimeError("handler crashed")
    async with db.transaction() as conn:
        assert await repo.record_inbound(conn, channel="telegram", update_id="1", at=at)


async def test_times_come_back_as_the_same_instant_in_utc(db: Database) -> None:
    jakarta = timezone(timedelta(hours=7))
    at = datetime(2026, 3, 2, 8, 30, 15, 123000, tzinfo=jakarta)
    async with db.transaction() as conn:
        await repo.save_conversation(
            conn,
            channel="web",
            chat_id="c1",
            requester_id=None,
            agency="babel",
            state="start",
            data={},
            locale="id",
            at=at,
        )
        record = await repo.load_conversation(conn, channel="web", chat_id="c1")
    assert record is not None
    assert record.updated_at == at
    assert record.updated_at.utcoffset() == timedelta(0)
    assert record.updated_at.hour == 1


async def test_a_naive_time_is_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with db.transaction() as conn:
            await repo.record_inbound(
                conn, channel="web", update_id="x", at=datetime(2026, 1, 1, 9, 0)
            )


async def test_ping_reports_an_unreachable_database() -> None:
    # Port 1 on localhost: nothing listens there, so the connection is refused.
    database = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        assert not await database.ping()
    finally:
        await database.dispose()
