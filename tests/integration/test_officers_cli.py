"""`servicedesk officers add/list/remove/invite` on a fresh SQLite file."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.officers import app
from core.officers import hash_invite_code
from core.settings import get_settings
from storage import repositories as repo
from storage.db import Database

runner = CliRunner()


@pytest.fixture
def database_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "desk.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.delenv("AGENCY", raising=False)
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    # Errors must be messages, never tracebacks.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def listed(*args: str) -> list[dict[str, Any]]:
    code, out, err = run("list", "--json", *args)
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def redeem(path: Path, typed: str, external_id: str, *, hours: float = 1) -> int | None:
    """What the bot does on `/daftar CODE`, `hours` after now."""

    async def main() -> int | None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            async with database.transaction() as conn:
                officer = await repo.redeem_invite(
                    conn,
                    code_hash=hash_invite_code(typed),
                    channel="telegram",
                    external_id=external_id,
                    at=datetime.now(UTC) + timedelta(hours=hours),
                )
            return None if officer is None else officer.id
        finally:
            await database.dispose()

    return asyncio.run(main())


def test_an_officer_added_with_roles_and_chats_is_listed(database_file: Path) -> None:
    code, out, err = run(
        "add",
        "--agency",
        "babel",
        "--name",
        "Budi Santoso",
        "--role",
        "pranata-komputer",
        "--role",
        "coordinator",
        "--nip",
        "19800101 200501 1 001",
        "--telegram-id",
        "12345",
        "--whatsapp",
        "0812-3456-7890",
    )
    assert code == 0, err
    assert "Budi Santoso" in out
    [row] = listed("--agency", "babel")
    assert row["name"] == "Budi Santoso"
    assert row["roles"] == ["coordinator", "pranata-komputer"]
    assert row["nip"] == "198001012005011001"
    assert row["chats"] == {"telegram": "12345", "whatsapp": "6281234567890"}
    assert listed("--agency", "kalbar") == []


def test_the_text_list_shows_each_officer_on_one_line(database_file: Path) -> None:
    run("add", "--agency", "babel", "--name", "Budi", "--role", "kabid", "--telegram-id", "5")
    run("add", "--agency", "babel", "--name", "Ani", "--role", "kadis")
    code, out, _ = run("list", "--agency", "babel")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert "Ani" in lines[0] and "kadis" in lines[0]
    assert "Budi" in lines[1] and "telegram 5" in lines[1]


def test_the_list_can_be_filtered_by_role(database_file: Path) -> None:
    run("add", "--agency", "babel", "--name", "Budi", "--role", "kabid")
    run("add", "--agency", "babel", "--name", "Ani", "--role", "kadis", "--role", "coordinator")
    assert [r["name"] for r in listed("--agency", "babel", "--role", "coordinator")] == ["Ani"]


def test_an_unknown_role_is_refused_naming_the_valid_ones(database_file: Path) -> None:
    code, _, err = run("add", "--agency", "babel", "--name", "Budi", "--role", "aptika")
    assert code == 2
    assert "aptika" in err and "pranata-komputer" in err and "coordinator" in err
    assert listed("--agency", "babel") == []


def test_the_same_role_code_is_checked_per_agency(database_file: Path) -> None:
    code, _, _ = run("add", "--agency", "kalbar", "--name", "Ketut", "--role", "kadis")
    assert code == 2
    code, _, err = run("add", "--agency", "purbalingga", "--name", "Ari", "--role", "coordinator")
    assert code == 0, err


def test_an_unknown_agency_is_refused(database_file: Path) -> None:
    code, _, err = run("add", "--agency", "atlantis", "--name", "Budi", "--role", "kadis")
    assert code == 2
    assert "atlantis" in err and "babel" in err


@pytest.mark.parametrize(
    "option",
    [["--telegram-id", "@budi"], ["--whatsapp", "nomor saya"], ["--nip", "NIP-ABC"]],
)
def test_malformed_chat_ids_and_nip_are_refused(database_file: Path, option: list[str]) -> None:
    code, _, err = run("add", "--agency", "babel", "--name", "Budi", "--role", "kadis", *option)
    assert code == 2
    assert err.startswith("Kesalahan:")
    assert listed("--agency", "babel") == []


def test_a_chat_already_bound_to_another_officer_is_refused_and_nothing_is_added(
    database_file: Path,
) -> None:
    run("add", "--agency", "babel", "--name", "Budi", "--role", "kabid", "--whatsapp", "0812345678")
    code, _, err = run(
        "add", "--agency", "babel", "--name", "Ani", "--role", "kadis", "--whatsapp", "+62812345678"
    )
    assert code == 2
    assert "whatsapp" in err
    assert [r["name"] for r in listed("--agency", "babel")] == ["Budi"]


def test_a_removed_officer_leaves_the_list_but_not_the_history(database_file: Path) -> None:
    run("add", "--agency", "babel", "--name", "Budi", "--role", "kabid", "--telegram-id", "5")
    [row] = listed("--agency", "babel")
    code, out, err = run("remove", "--agency", "babel", str(row["id"]))
    assert code == 0, err
    assert "Budi" in out
    assert listed("--agency", "babel") == []
    [kept] = listed("--agency", "babel", "--all")
    assert (kept["id"], kept["active"], kept["chats"]) == (row["id"], False, {})


def test_removing_an_officer_of_another_agency_or_nobody_is_refused(database_file: Path) -> None:
    run("add", "--agency", "babel", "--name", "Budi", "--role", "kabid")
    [row] = listed("--agency", "babel")
    assert run("remove", "--agency", "kalbar", str(row["id"]))[0] == 2
    assert run("remove", "--agency", "babel", "999")[0] == 2
    assert [r["name"] for r in listed("--agency", "babel")] == ["Budi"]


def test_an_invite_prints_a_code_the_officer_sends_to_the_bot(database_file: Path) -> None:
    run("add", "--agency", "babel", "--name", "Budi", "--role", "kabid")
    [row] = listed("--agency", "babel")
    code, out, err = run("invite", "--agency", "babel", str(row["id"]))
    assert code == 0, err
    found = re.search(r"/daftar ([A-Z0-9]{4}-[A-Z0-9]{4})", out)
    assert found is not None, out
    assert "WIB" in out  # the expiry in the agency's own time
    assert redeem(database_file, found.group(1).lower(), "777") == row["id"]
    assert redeem(database_file, found.group(1), "888") is None
    [after] = listed("--agency", "babel")
    assert after["chats"] == {"telegram": "777"}


def test_an_invite_expires_after_the_hours_given(database_file: Path) -> None:
    run("add", "--agency", "babel", "--name", "Budi", "--role", "kabid")
    [row] = listed("--agency", "babel")
    out = run("invite", "--agency", "babel", str(row["id"]), "--hours", "2")[1]
    found = re.search(r"/daftar (\S+)", out)
    assert found is not None
    assert redeem(database_file, found.group(1), "777", hours=3) is None
    assert redeem(database_file, found.group(1), "777", hours=1) == row["id"]


def test_a_removed_officer_gets_no_invite(database_file: Path) -> None:
    run("add", "--agency", "babel", "--name", "Budi", "--role", "kabid")
    [row] = listed("--agency", "babel")
    run("remove", "--agency", "babel", str(row["id"]))
    code, out, err = run("invite", "--agency", "babel", str(row["id"]))
    assert code == 2
    assert "/daftar" not in out and "nonaktif" in err


def test_the_agency_defaults_to_the_configured_one(
    database_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENCY", "kalbar")
    get_settings.cache_clear()
    code, _, err = run("add", "--name", "Ketut", "--role", "coordinator")
    assert code == 0, err
    assert [r["name"] for r in listed("--agency", "kalbar")] == ["Ketut"]
