"""SQLite runs one server: a second `servicedesk serve` on the same database file is refused
with a plain message (not a traceback), a killed server's lock never blocks the next one, and
PostgreSQL replicas are not limited at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.server import create_app
from core.settings import Settings
from storage.db import Database
from storage.replica import AlreadyServing
from tests.support.serve import Server, server_env


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    """Servers a test starts; all stopped at its end."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def test_a_second_server_on_the_same_sqlite_file_is_refused_with_a_plain_message(
    tmp_path: Path, servers: list[Server]
) -> None:
    env = server_env(tmp_path)
    first = Server(env, tmp_path / "first.log").start()
    servers.append(first)
    # Another DATA_DIR and port, the same database file.
    other = {**env, "PORT": server_env(tmp_path)["PORT"], "DATA_DIR": str(tmp_path / "other")}
    second = Server(other, tmp_path / "second.log").start(wait=False)
    servers.append(second)

    assert second.wait_exit() == 1
    said = second.output()
    assert "servicedesk.db" in said and "PostgreSQL" in said and "Traceback" not in said
    assert "satu server" in said or "one server" in said


def test_a_killed_servers_lock_does_not_keep_the_next_one_out(
    tmp_path: Path, servers: list[Server]
) -> None:
    env = server_env(tmp_path)
    first = Server(env, tmp_path / "first.log").start()
    servers.append(first)
    first.kill()

    again = Server(env, tmp_path / "again.log").start()
    servers.append(again)

    assert "Traceback" not in again.output()


def sqlite_settings(tmp_path: Path, data_dir: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'servicedesk.db'}",
        data_dir=tmp_path / data_dir,
        agency="babel",
    )


async def test_an_app_on_a_sqlite_file_another_app_serves_does_not_start(tmp_path: Path) -> None:
    first = create_app(sqlite_settings(tmp_path, "a"), channels=[], jobs=[])
    second = create_app(sqlite_settings(tmp_path, "b"), channels=[], jobs=[])
    async with first.router.lifespan_context(first):
        with pytest.raises(AlreadyServing, match=r"servicedesk\.db"):
            async with second.router.lifespan_context(second):
                pass
    async with second.router.lifespan_context(second):  # the first one stopped: free again
        pass


@pytest.mark.postgres
async def test_replicas_on_postgresql_share_one_database(
    postgres_db: Database, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", agency="babel")  # type: ignore[call-arg]
    first = create_app(settings, db=postgres_db, channels=[], jobs=[])
    other_pool = Database(postgres_db.url.render_as_string(hide_password=False))
    second = create_app(settings, db=other_pool, channels=[], jobs=[])
    try:
        async with first.router.lifespan_context(first), second.router.lifespan_context(second):
            assert first.state.runtime.pipeline.holder != second.state.runtime.pipeline.holder
    finally:
        await other_pool.dispose()


def test_several_worker_processes_on_sqlite_are_refused_with_a_plain_message(
    tmp_path: Path, servers: list[Server]
) -> None:
    server = Server(server_env(tmp_path, WORKERS="2"), tmp_path / "workers.log").start(wait=False)
    servers.append(server)

    assert server.wait_exit() == 1
    said = server.output()
    assert "PostgreSQL" in said and "WORKERS" in said and "Traceback" not in said


@pytest.mark.postgres
def test_two_worker_processes_on_postgresql_serve_one_port_as_two_replicas(
    postgres_db: Database, tmp_path: Path, servers: list[Server]
) -> None:
    url = postgres_db.url.render_as_string(hide_password=False)
    server = Server(
        server_env(tmp_path, WORKERS="2", DATABASE_URL=url), tmp_path / "workers.log"
    ).start()
    servers.append(server)

    for _ in range(20):
        assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
    # Each worker claimed a replica slot of its own in DATA_DIR.
    slots = sorted(p.name for p in (tmp_path / "data").glob("replica-*.lock"))
    assert len(slots) >= 2
    assert "Traceback" not in server.output()


@pytest.mark.postgres
def test_several_worker_processes_polling_telegram_are_refused_with_a_plain_message(
    postgres_db: Database, tmp_path: Path, servers: list[Server]
) -> None:
    url = postgres_db.url.render_as_string(hide_password=False)
    env = server_env(
        tmp_path,
        WORKERS="2",
        DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN="123456:TEST-token",
        TELEGRAM_MODE="polling",
    )
    server = Server(env, tmp_path / "workers.log").start(wait=False)
    servers.append(server)

    assert server.wait_exit() == 1
    said = server.output()
    assert "webhook" in said and "WORKERS" in said and "Traceback" not in said
