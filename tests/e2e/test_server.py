"""The server itself: health, metrics, the scheduler's jobs, and how a channel plugs in."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from prometheus_client.parser import text_string_to_metric_families

from bot.deps import Channel, PipelineDep, Runtime
from bot.messages import Inbound, Outbound
from bot.server import Job, create_app, default_jobs
from core.settings import Settings


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings with a fresh SQLite file and no channel credentials."""
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'db' / 'servicedesk.db'}",
        "data_dir": tmp_path / "data",
        "agency": "babel",
    }
    values.update(overrides)
    # pydantic-settings: mypy derives __init__ from the fields (dataclass_transform), so it
    # does not see BaseSettings' own `_env_file` keyword.
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and give a client for it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
            yield client


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Outbound]] = []

    async def send(self, recipient: str, message: Outbound) -> None:
        self.sent.append((recipient, message))


async def test_healthz_reports_a_reachable_database(tmp_path: Path) -> None:
    async with serving(create_app(make_settings(tmp_path))) as client:
        response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "storage": "ok"}


async def test_healthz_answers_503_when_the_database_is_gone(tmp_path: Path) -> None:
    # No jobs: a sweep checking out SQLite's one connection while the test disposes the pool
    # would wait out the pool timeout (the app itself stops its jobs before disposing).
    app = create_app(make_settings(tmp_path), jobs=[])
    async with serving(app) as client:
        shutil.rmtree(tmp_path / "db")
        await app.state.runtime.db.engine.dispose()  # drop the open connection to the file

        response = await client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] != "ok"


async def test_metrics_are_exposed_for_prometheus(tmp_path: Path) -> None:
    async with serving(create_app(make_settings(tmp_path))) as client:
        response = await client.get("/metrics")

    assert response.headers["content-type"].startswith("text/plain")
    families = {f.name for f in text_string_to_metric_families(response.text)}
    assert {
        "servicedesk_updates_in",
        "servicedesk_messages_out",
        "servicedesk_errors",
        "servicedesk_handling_seconds",
    } <= families


async def test_the_scheduler_runs_the_outbox_sweep_and_any_added_job(tmp_path: Path) -> None:
    ran = asyncio.Event()
    seen: list[Runtime] = []

    async def probe(runtime: Runtime) -> None:
        seen.append(runtime)
        ran.set()

    jobs = [*default_jobs(), Job("probe", probe, seconds=3600, at_start=True)]
    app = create_app(make_settings(tmp_path), jobs=jobs)
    async with serving(app):
        await asyncio.wait_for(ran.wait(), timeout=20)
        runtime: Runtime = app.state.runtime
        assert runtime.scheduler is not None
        assert {job.id for job in runtime.scheduler.get_jobs()} == {
            "outbox",
            "alerts",
            "digest",
            "monthly-report",
            "retention",
            "delivery-failures",
            "abandoned-uploads",
            "probe",
        }

    assert seen == [runtime]
    assert not runtime.scheduler.running


async def test_a_failing_job_does_not_stop_the_scheduler(tmp_path: Path) -> None:
    calls = 0
    again = asyncio.Event()

    async def flaky(runtime: Runtime) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("first run fails")
        again.set()

    app = create_app(make_settings(tmp_path), jobs=[Job("flaky", flaky, seconds=0.2)])
    async with serving(app):
        await asyncio.wait_for(again.wait(), timeout=20)

    assert calls >= 2


async def test_a_channel_plugs_in_its_routes_sender_and_lifespan(tmp_path: Path) -> None:
    router = APIRouter()
    sender = RecordingSender()
    events: list[str] = []

    @router.post("/echo/{chat}")
    async def receive(chat: str, pipeline: PipelineDep) -> dict[str, int]:
        result = await pipeline.process(
            Inbound(channel="echo", chat_id=chat, user_id=chat, update_id="u1", text="/start")
        )
        return {"replies": len(result.replies)}

    @asynccontextmanager
    async def lifespan(runtime: Runtime) -> AsyncIterator[None]:
        events.append("started")
        yield
        events.append("stopped")

    echo = Channel(name="echo", router=router, sender=lambda s: sender, lifespan=lifespan)
    async with serving(create_app(make_settings(tmp_path), channels=[echo])) as client:
        response = await client.post("/echo/77")
        assert events == ["started"]

    assert response.status_code == 200
    assert response.json()["replies"] == len(sender.sent) > 0
    assert {recipient for recipient, _ in sender.sent} == {"77"}
    assert events == ["started", "stopped"]


async def test_an_unexpected_error_answers_500_without_a_stack_trace(tmp_path: Path) -> None:
    router = APIRouter()

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    app = create_app(make_settings(tmp_path), channels=[Channel(name="boom", router=router)])
    async with serving(app) as client:
        response = await client.get("/boom")

    assert response.status_code == 500
    assert "Traceback" not in response.text and "secret internals" not in response.text


async def test_without_a_telegram_token_the_webhook_refuses_everything(tmp_path: Path) -> None:
    async with serving(create_app(make_settings(tmp_path))) as client:
        response = await client.post(
            "/webhook/telegram",
            json={"update_id": 1},
            headers={"X-Telegram-Bot-Api-Secret-Token": ""},
        )

    assert response.status_code == 403


async def test_the_web_chat_page_is_served_by_the_same_app(tmp_path: Path) -> None:
    async with serving(create_app(make_settings(tmp_path))) as client:
        response = await client.get("/")

    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
