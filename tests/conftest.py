"""Shared fixtures: fresh databases on SQLite and on a throwaway PostgreSQL cluster.

- `db`: a migrated `Database`, once per backend (test ids end in [sqlite] / [postgresql]).
- `sqlite_db`: a migrated `Database` on SQLite only; `postgres_db`: on PostgreSQL only.
- `database_url`: the URL of a fresh EMPTY database, once per backend (for migration tests).
- `postgres_cluster`: the session's PostgreSQL cluster (tests/support/postgres.py).
- `attachment_store`: an `AttachmentStore` in tmp_path (1 MB limit).

Each test gets its own database, copied from a migrated template, so tests never share rows.
Without PostgreSQL binaries the [postgresql] cases are skipped, except under CI=true where
they fail. Deselect them with `-m "not postgres"`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # The project is importable without an editable install (plain `.venv/bin/pytest`).
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from storage.attachments import AttachmentStore  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.support.postgres import PostgresCluster, PostgresNotFound, start_cluster  # noqa: E402

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
PG_TEMPLATE = "servicedesk_template"


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL server for the whole session, deleted afterwards."""
    try:
        cluster = start_cluster()
    except PostgresNotFound as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def _pg_template(postgres_cluster: PostgresCluster) -> str:
    """A migrated database that each test's database is copied from."""

    async def build() -> None:
        admin = await asyncpg.connect(postgres_cluster.dsn())
        try:
            await admin.execute(f'CREATE DATABASE "{PG_TEMPLATE}"')
        finally:
            await admin.close()
        database = Database(postgres_cluster.url(PG_TEMPLATE))
        try:
            await database.upgrade()
        finally:
            await database.dispose()

    _run_blocking(build)
    return PG_TEMPLATE


async def _create_pg_database(cluster: PostgresCluster, template: str) -> str:
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(cluster.dsn())
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    return name


async def _drop_pg_database(cluster: PostgresCluster, name: str) -> None:
    admin = await asyncpg.connect(cluster.dsn())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


# --------------------------------------------------------------------------- SQLite


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test's database is copied from."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"

    async def build() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await database.upgrade()
        finally:
            await database.dispose()

    _run_blocking(build)
    return path


# --------------------------------------------------------------------------- per test


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """'sqlite' or 'postgresql' (each test using a database runs once per backend)."""
    return str(request.param)


@pytest.fixture
async def database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """URL of a fresh, empty (unmigrated) database."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    name = await _create_pg_database(cluster, "template0")
    try:
        yield cluster.url(name)
    finally:
        await _drop_pg_database(cluster, name)


@pytest.fixture
async def db(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Database]:
    """A fresh, migrated database (SQLite file in tmp_path, or a new PostgreSQL database)."""
    if backend == "sqlite":
        database = _copy_sqlite(request.getfixturevalue("_sqlite_template"), tmp_path)
        try:
            yield database
        finally:
            await database.dispose()
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    name = await _create_pg_database(cluster, request.getfixturevalue("_pg_template"))
    database = Database(cluster.url(name))
    try:
        yield database
    finally:
        await database.dispose()
        await _drop_pg_database(cluster, name)


@pytest.fixture
async def sqlite_db(_sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, migrated SQLite database (for tests that need no PostgreSQL)."""
    database = _copy_sqlite(_sqlite_template, tmp_path)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def postgres_db(
    postgres_cluster: PostgresCluster, _pg_template: str
) -> AsyncIterator[Database]:
    """A fresh, migrated PostgreSQL database (for tests about PostgreSQL behaviour)."""
    name = await _create_pg_database(postgres_cluster, _pg_template)
    database = Database(postgres_cluster.url(name))
    try:
        yield database
    finally:
        await database.dispose()
        await _drop_pg_database(postgres_cluster, name)


@pytest.fixture
def attachment_store(tmp_path: Path) -> AttachmentStore:
    """An empty attachment store with a 1 MB limit."""
    return AttachmentStore(tmp_path / "attachments", max_bytes=1_000_000)


def _run_blocking(build: Callable[[], Coroutine[Any, Any, None]]) -> None:
    # Session fixtures may be first requested from inside a running test loop (async
    # fixtures call getfixturevalue), where asyncio.run is not allowed: use a thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, build()).result()


def _copy_sqlite(template: Path, tmp_path: Path) -> Database:
    target = tmp_path / "servicedesk.db"
    shutil.copyfile(template, target)
    return Database(f"sqlite+aiosqlite:///{target}")


# --------------------------------------------------------------------------- soak suites


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`@pytest.mark.soak` tests run only under `make soak` (SOAK=1): they take minutes."""
    if os.environ.get("SOAK", "") == "1":
        return
    skip = pytest.mark.skip(reason="a soak suite: run it with `make soak`")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)
