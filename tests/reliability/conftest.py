"""Fixtures of the load, crash and fault suites: the always-open babel agency, the lean fake
Bot API, and a migrated SQLite database where `tests.support.serve.server_env` points a server."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.lean_telegram import LeanBotAPI
from tests.support.load import always_open_babel


@pytest.fixture(scope="session")
def agency_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """CATALOG_DIR and CALENDAR_DIR of babel with its office always open."""
    return always_open_babel(tmp_path_factory.mktemp("agency"))


@pytest.fixture
async def bot_api() -> AsyncIterator[LeanBotAPI]:
    """The lean fake Bot API, serving in the test's event loop."""
    async with LeanBotAPI() as fake:
        yield fake


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """The URL of a migrated SQLite database at tmp_path/servicedesk.db."""
    path = tmp_path / "servicedesk.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"
