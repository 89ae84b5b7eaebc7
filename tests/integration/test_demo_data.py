"""`servicedesk demo-data` on fresh SQLite files: two months of babel, reproducible, and stored
the way the bot stores tickets (events, pauses, lateness, surveys; nothing queued to send)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from bot.cli import app
from core.catalog.loader import load_catalog
from core.complaints import complaint_service
from core.settings import get_settings
from core.sla.calendar import calendar_for
from storage.db import Database
from storage.models import outbox, survey_responses, ticket_events, tickets

ARGS = ["demo-data", "--agency", "babel", "--months", "2", "--until", "2025-06-30", "--seed", "7"]
OPEN = {"baru", "diproses", "menunggu_pemohon"}


@dataclass
class Stored:
    tickets: list[dict[str, Any]]
    events: dict[int, list[dict[str, Any]]]  # ticket id → its events, oldest first
    surveys: list[dict[str, Any]]
    queued: int


@dataclass
class Runs:
    first: Result
    again: Result  # the same seed into another database
    refused: Result  # the first database again, without --force
    stored: Stored
    stored_again: Stored
    stored_after_refusal: Stored


def invoke(monkeypatch: pytest.MonkeyPatch, path: Path, args: list[str]) -> Result:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, args)
    # Refusals are messages, never tracebacks.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


async def read(path: Path) -> Stored:
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.transaction() as conn:
            rows = [dict(r) for r in (await conn.execute(select(tickets))).mappings()]
            logged = (await conn.execute(select(ticket_events))).mappings()
            events: dict[int, list[dict[str, Any]]] = {}
            for event in sorted((dict(e) for e in logged), key=lambda e: (e["at"], e["id"])):
                events.setdefault(event["ticket_id"], []).append(event)
            surveys = [dict(r) for r in (await conn.execute(select(survey_responses))).mappings()]
            queued = (await conn.execute(select(func.count()).select_from(outbox))).scalar_one()
    finally:
        await db.dispose()
    rows.sort(key=lambda r: r["id"])
    return Stored(rows, events, surveys, int(queued))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    tmp = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(tmp)
        monkeypatch.setenv("DATA_DIR", str(tmp / "data"))
        monkeypatch.delenv("AGENCY", raising=False)
        first = invoke(monkeypatch, tmp / "a.db", ARGS)
        again = invoke(monkeypatch, tmp / "b.db", ARGS)
        stored = asyncio.run(read(tmp / "a.db"))
        refused = invoke(monkeypatch, tmp / "a.db", ARGS)
        yield Runs(
            first,
            again,
            refused,
            stored,
            asyncio.run(read(tmp / "b.db")),
            asyncio.run(read(tmp / "a.db")),
        )
    get_settings.cache_clear()


def test_the_command_fills_the_database_and_sums_it_up(runs: Runs) -> None:
    assert runs.first.exit_code == 0, runs.first.output
    count = len(runs.stored.tickets)
    assert f"Data contoh babel: {count} tiket, 2025-05-01 s.d. 2025-06-30." in runs.first.output
    assert "Tiket per status: " in runs.first.output and "Survei: " in runs.first.output
    assert "Petugas: " in runs.first.output
    # About 8-25 a week for a desk of babel's size (fewer in weeks with holidays).
    assert 40 <= count <= 250


def test_every_service_and_product_has_tickets(runs: Runs) -> None:
    catalog = load_catalog("babel")
    filed = {(t["service"], t["product"]) for t in runs.stored.tickets}
    for service in catalog.services:
        products: list[str | None] = [p.code for p in service.products] or [None]
        for product in products:
            assert (service.code, product) in filed
    complaints = complaint_service(catalog)
    assert complaints is not None and (complaints.code, None) in filed


def test_tickets_are_filed_in_office_hours_on_working_days(runs: Runs) -> None:
    calendar = calendar_for(load_catalog("babel").agency)
    assert all(calendar.is_open(t["created_at"]) for t in runs.stored.tickets)


def test_finished_tickets_are_closed_with_their_finished_event(runs: Runs) -> None:
    finished = [t for t in runs.stored.tickets if t["status"] == "selesai"]
    assert len(finished) > len(runs.stored.tickets) / 2
    for ticket in finished:
        kinds = [e["kind"] for e in runs.stored.events[ticket["id"]]]
        assert ticket["closed_at"] is not None
        assert kinds[:2] == ["created", "opened"] and kinds[-1] == "finished"


def test_some_are_late_paused_rejected_and_still_open(runs: Runs) -> None:
    rows = runs.stored.tickets
    finished = [t for t in rows if t["status"] == "selesai"]
    late = [t for t in finished if t["closed_at"] > t["due_at"]]
    assert 0 < len(late) < len(finished) / 3
    paused = [t for t in rows if t["paused_seconds"] > 0]
    assert paused
    for ticket in paused:  # as the completion handler logs it: asked, answered, resumed
        kinds = [e["kind"] for e in runs.stored.events[ticket["id"]]]
        assert "completion-requested" in kinds and "requester-completed" in kinds
        assert "requester-answered" in kinds
    assert any(t["status"] == "ditolak" and t["closed_at"] is not None for t in rows)
    assert any(t["status"] in OPEN and t["closed_at"] is None for t in rows)


def test_whole_office_outages_are_short_top_priority_repairs(runs: Runs) -> None:
    calendar = calendar_for(load_catalog("babel").agency)
    outages = [t for t in runs.stored.tickets if t["priority"] == 0]
    assert outages
    for ticket in outages:
        assert (ticket["service"], ticket["product"]) == ("jaringan-intra", "perbaikan")
        assert ticket["fields"]["dampak"] == "seluruh-kantor"
    restored = [
        calendar.office_time_between(t["created_at"], t["closed_at"])
        for t in outages
        if t["closed_at"] is not None
    ]
    assert any(down <= timedelta(hours=8) for down in restored)


def test_surveys_are_answered_on_the_four_point_scale(runs: Runs) -> None:
    by_id = {t["id"]: t for t in runs.stored.tickets}
    answered = [s for s in runs.stored.surveys if s["status"] == "answered"]
    assert answered and {s["status"] for s in runs.stored.surveys} <= {"invited", "answered"}
    assert all(by_id[s["ticket_id"]]["status"] == "selesai" for s in runs.stored.surveys)
    scores = [s[f"u{i}"] for s in answered for i in range(1, 10)]
    assert {score for score in scores if score is not None} <= {1, 2, 3, 4}
    assert sum(score in (3, 4) for score in scores) > len(scores) / 2


def test_nothing_is_queued_to_send(runs: Runs) -> None:
    assert runs.stored.queued == 0


def test_the_same_seed_gives_the_same_data(runs: Runs) -> None:
    assert runs.again.exit_code == 0, runs.again.output

    def summary(stored: Stored) -> list[tuple[Any, ...]]:
        return [
            (t["ref"], t["status"], t["service"], t["product"], t["created_at"], t["closed_at"])
            for t in stored.tickets
        ]

    assert summary(runs.stored_again) == summary(runs.stored)
    assert runs.again.output == runs.first.output


def test_a_second_run_without_force_refuses_and_adds_nothing(runs: Runs) -> None:
    assert runs.refused.exit_code == 2
    assert "--force" in runs.refused.output
    assert len(runs.stored_after_refusal.tickets) == len(runs.stored.tickets)
