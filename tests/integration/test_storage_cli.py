"""`servicedesk db upgrade` / `db current` work from any directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from bot.cli.db import app
from core.settings import get_settings
from storage.db import alembic_config


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_upgrade_creates_the_default_database_under_data(fresh_settings: Path) -> None:
    runner = CliRunner()
    before = runner.invoke(app, ["current"])
    assert "upgrade" in before.output
    result = runner.invoke(app, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert (fresh_settings / "data" / "servicedesk.db").exists()
    after = runner.invoke(app, ["current"])
    assert after.exit_code == 0
    assert after.output.strip() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_upgrade_uses_the_database_url_from_the_environment(
    fresh_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = fresh_settings / "elsewhere" / "desk.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{target}")
    result = CliRunner().invoke(app, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert target.exists()
    assert not (fresh_settings / "data").exists()
