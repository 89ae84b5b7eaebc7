"""Contract test: schemathesis generates requests from the API's own OpenAPI document
(`/api/v1/openapi.json`) and checks every answer against it, through the ASGI app.

It is `schemathesis run` in-process (its engine; its pytest plugin's lazy loader does not work
with pytest 9): every phase (the documented examples, coverage, fuzzing, and the stateful phase,
which follows the document's OpenAPI link from a page of tickets to its first ticket) and every
check (status codes, content types, headers and bodies as documented, valid data accepted,
invalid data refused, auth not ignored, 405 with Allow for other methods, no 5xx).

The one thing the document cannot say: a period's `from` must not come after its `to`, nor
span more than 366 days. A hook orders the generated dates so valid-looking periods are valid;
the refusal of the others is tested in test_api.py.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.python import asgi as schemathesis_asgi
from sqlalchemy import update

from bot.server import create_app
from core.api_tokens import SCOPES, hash_token, new_token
from core.settings import Settings
from storage import repositories as repo
from storage.db import Database
from storage.models import attachments, survey_responses, tickets

OPENAPI = "/api/v1/openapi.json"
FILED = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
PERIODS = ("/api/v1/reports", "/api/v1/ikm")
MAX_DAYS = 365  # a period's days after its first
EXAMPLES = 40  # per operation and phase; the whole run takes about 10 s on one core


async def _prepare(url: str, token: str) -> None:
    """A migrated database with a token and tickets that give every member of every answer a
    value: open and finished tickets, history, a file, a survey."""
    database = Database(url)
    try:
        await database.upgrade()
        async with database.transaction() as conn:
            await repo.create_token(
                conn,
                agency="babel",
                name="contract",
                scopes=SCOPES,
                token_hash=hash_token(token),
                created_at=FILED,
            )
            for index, agency in enumerate(("babel", "babel", "babel", "kalbar")):
                at = FILED + timedelta(hours=index)
                requester = await repo.get_or_create_requester(
                    conn, channel="web", external_id=f"w{index}", display_name="Budi", at=at
                )
                ticket = await repo.create_ticket(
                    conn,
                    agency=agency,
                    prefix=agency.upper(),
                    year=2026,
                    service="jaringan-intra",
                    product="perbaikan",
                    requester_id=requester,
                    channel="web",
                    chat_id=f"chat-{index}",
                    fields={"lokasi": "Gedung A", "uraian": "Wi-Fi mati"},
                    requirements={
                        "surat-permohonan": {
                            "kind": "file",
                            "attachment_id": 1,
                            "filename": "s.pdf",
                        }
                    },
                    created_at=at,
                    start_at=at,
                    target_at=at + timedelta(days=1),
                    due_at=at + timedelta(days=3),
                    step="disposisi-kadis",
                    assigned_role="kadis",
                    step_due_at=at + timedelta(hours=3),
                    priority=index % 3,
                )
                await repo.add_event(
                    conn,
                    ticket_id=ticket.id,
                    at=at + timedelta(minutes=5),
                    actor_kind="officer",
                    actor_id=1,
                    kind="note",
                    data={"step": "disposisi-kadis", "text": "catatan"},
                )
                await conn.execute(
                    attachments.insert().values(
                        ticket_id=ticket.id,
                        owner_channel="web",
                        owner_chat_id=f"chat-{index}",
                        filename="surat.pdf",
                        mime="application/pdf",
                        size=100,
                        sha256="0" * 64,
                        path="0/x.pdf",
                        created_at=at,
                    )
                )
                if index == 1:  # finished, on time, and rated
                    closed = at + timedelta(hours=2)
                    await conn.execute(
                        update(tickets)
                        .where(tickets.c.id == ticket.id)
                        .values(status="selesai", closed_at=closed, updated_at=closed)
                    )
                    await conn.execute(
                        survey_responses.insert().values(
                            ticket_id=ticket.id,
                            requester_id=requester,
                            agency=agency,
                            service="jaringan-intra",
                            status="answered",
                            invited_at=closed,
                            answered_at=closed + timedelta(minutes=1),
                            **{f"u{i}": 3 + i % 2 for i in range(1, 10)},
                        )
                    )
    finally:
        await database.dispose()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[FastAPI, str]]:
    """The app on its own database (schemathesis runs its lifespan in its own event loop)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    token = new_token()
    asyncio.run(_prepare(url, token))
    config = Settings(
        database_url=url,
        data_dir=tmp_path / "data",
        telegram_bot_token="",
        api_rate_per_minute=1_000_000,  # the rate limit has its own test
    )
    app = create_app(config, channels=[], jobs=[])
    try:
        yield app, token
    finally:
        # Ends the app's lifespan: the database is disposed and its lock file released.
        schemathesis_asgi.shutdown_lifespans()


def _ordered_period(query: dict[str, Any]) -> dict[str, Any]:
    """`from` on or before `to`, at most 366 days apart (when both are days)."""
    try:
        first, last = date.fromisoformat(query["from"]), date.fromisoformat(query["to"])
    except (KeyError, TypeError, ValueError):
        return query
    first, last = min(first, last), max(first, last)
    last = min(last, first + timedelta(days=MAX_DAYS))
    return {**query, "from": first.isoformat(), "to": last.isoformat()}


def test_the_api_keeps_its_openapi_contract(served: tuple[FastAPI, str]) -> None:
    """`schemathesis run` in-process: every phase (examples, coverage, fuzzing, stateful) and
    every check, with a valid token; no check may fail."""
    app, token = served
    config = SchemathesisConfig.from_dict(
        {
            "seed": 20261205,  # the same requests every run: a failure can be reproduced
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {"max-examples": EXAMPLES, "database": "none"},
            "phases": {"stateful": {"max-steps": 6}},
        }
    )
    schema = schemathesis.openapi.from_asgi(OPENAPI, app, config=config)

    @schema.hook
    def map_query(context: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
        operation = context.operation
        if query and operation is not None and operation.path in PERIODS:
            return _ordered_period(query)
        return query

    failures: list[str] = []
    checked: Counter[str] = Counter()
    answered: defaultdict[str, set[int]] = defaultdict(set)
    phases: dict[str, Status] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseFinished):
            phases[event.phase.name] = event.status
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"error: {event}")
        elif isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for results in recorder.checks.values():
                for result in results:
                    checked[str(event.phase)] += 1
                    if result.status == Status.FAILURE and result.failure_info is not None:
                        failure = result.failure_info.failure
                        failures.append(
                            f"{recorder.label} [{event.phase}] {result.name}: "
                            f"{failure.title}\n{failure.message}"
                        )
            for interaction in recorder.interactions.values():
                if interaction.response is not None:
                    answered[recorder.label].add(interaction.response.status_code)
    assert failures == []
    # It really ran: every phase, thousands of checks, and a 200 from every operation.
    assert {"examples", "coverage", "fuzzing", "stateful"} <= {
        name for name, status in phases.items() if status == Status.SUCCESS
    }
    assert checked["stateful"] > 0 and sum(checked.values()) > 1000
    operations = {label for label in answered if label.startswith("GET /api/v1/")}
    assert len(operations) == 6
    assert all(200 in answered[label] for label in operations), answered
