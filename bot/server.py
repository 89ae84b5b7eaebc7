"""The one FastAPI app every channel plugs into.

`create_app()` wires, for the app's lifetime: the database (migrated at start), the dialog
engine, the inbound `Pipeline`, each channel's routes, sender and background work, and an
APScheduler (3.x) running the periodic `Job`s: the outbox retry sweep now, more later.

Adding a channel: give `create_app` (or `default_channels`) a `bot.deps.Channel`.
Adding a periodic job: append a `Job` to `default_jobs()`, e.g.

    Job("sla-warnings", warn_before_breach, seconds=60)

where `warn_before_breach(runtime: Runtime) -> Awaitable[None]`.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from bot import api, metrics, sweeps
from bot.deps import Channel, Runtime, RuntimeDep
from bot.engine import DialogEngine
from bot.pipeline import Pipeline
from core.clock import utcnow
from core.settings import Settings, get_settings
from storage import repositories as repo
from storage.db import Database
from storage.replica import Replica, claim_replica

log = logging.getLogger(__name__)

OUTBOX_SWEEP_SECONDS = 10.0
# How long a stopping server waits for running jobs (a sweep batch) before cancelling them.
JOB_STOP_SECONDS = 10.0

# Jobs running now, so a stopping server lets them end before the database is disposed.
_job_tasks: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()


@dataclass(frozen=True)
class Job:
    """A periodic task reading the database; runs one at a time, missed runs coalesce.

    `trigger` (any APScheduler 3 trigger, e.g. a `CronTrigger` for a daily digest) wins over
    `seconds`. `at_start` also runs it as soon as the server is up (e.g. messages left
    pending by a crash are sent right away).
    """

    id: str
    run: Callable[[Runtime], Awaitable[None]]
    seconds: float | None = None
    trigger: Any = None
    at_start: bool = False


async def sweep_outbox(runtime: Runtime) -> None:
    """Send every due outbox message (first tries that failed, retries after backoff or 429)."""
    await runtime.pipeline.sweep()


async def alert_job(runtime: Runtime) -> None:
    """The step warnings and breach escalations due now."""
    engine = runtime.engine
    await sweeps.sweep_alerts(runtime.db, engine.desk(engine.clock()))


async def digest_job(runtime: Runtime) -> None:
    """The coordinators' daily digest, once the office opens on a working day."""
    engine = runtime.engine
    await sweeps.send_daily_digest(runtime.db, engine.desk(engine.clock()))


async def monthly_job(runtime: Runtime) -> None:
    """Last month's report to the coordinators on the month's first working day."""
    engine = runtime.engine
    await sweeps.send_monthly_report(runtime.db, engine.desk(engine.clock()))


async def retention_job(runtime: Runtime) -> None:
    """Closed tickets past the agency's retention lose their personal data (UU PDP)."""
    engine = runtime.engine
    await sweeps.sweep_retention(runtime.db, engine.desk(engine.clock()))


async def failure_job(runtime: Runtime) -> None:
    """Coordinators told about messages the outbox gave up on."""
    engine = runtime.engine
    await sweeps.report_failures(runtime.db, engine.desk(engine.clock()))


async def upload_job(runtime: Runtime) -> None:
    """Uploads that never reached a ticket, deleted once their dialog was abandoned for long."""
    hours = runtime.settings.upload_abandoned_after_hours
    await sweeps.sweep_abandoned_uploads(
        runtime.db, runtime.engine.store, now=runtime.engine.clock(), grace=timedelta(hours=hours)
    )


def default_jobs() -> list[Job]:
    """The periodic jobs of a normal server (schedules explained in bot.sweeps)."""
    return [
        Job("outbox", sweep_outbox, seconds=OUTBOX_SWEEP_SECONDS, at_start=True),
        # At start too: a server stopped across a deadline sends the breach once it is back.
        Job("alerts", alert_job, seconds=sweeps.ALERT_SWEEP_SECONDS, at_start=True),
        Job("digest", digest_job, seconds=sweeps.DIGEST_CHECK_SECONDS, at_start=True),
        Job("monthly-report", monthly_job, seconds=sweeps.DIGEST_CHECK_SECONDS, at_start=True),
        Job("retention", retention_job, seconds=sweeps.RETENTION_SWEEP_SECONDS, at_start=True),
        Job("delivery-failures", failure_job, seconds=sweeps.FAILURE_REPORT_SECONDS),
        Job("abandoned-uploads", upload_job, seconds=sweeps.UPLOAD_SWEEP_SECONDS, at_start=True),
    ]


def default_channels() -> list[Channel]:
    """Every channel the server offers; each one stays idle until its settings are filled in."""
    from bot.telegram import CHANNEL_SPEC as telegram
    from bot.web.router import channel as web
    from bot.whatsapp import CHANNEL_SPEC as whatsapp

    return [telegram, whatsapp, web]


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    channels: Sequence[Channel] | None = None,
    jobs: Sequence[Job] | None = None,
    clock: Callable[[], datetime] = utcnow,
    replica: Replica | None = None,
) -> FastAPI:
    """The servicedesk app. `db` given: used as is and not disposed (tests own it); otherwise
    one is opened from `settings.database_url`. Every database is migrated at start.

    `replica`: this server's place (storage.replica), already claimed by `servicedesk serve`,
    which refuses a second server on one SQLite file with a plain message. Without it the app
    claims its place at start (raising `AlreadyServing` when another app serves the same SQLite
    file) and releases it at the end."""
    settings = settings or get_settings()
    channel_list = list(default_channels() if channels is None else channels)
    job_list = list(default_jobs() if jobs is None else jobs)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = db.url if db is not None else settings.database_url
        place = replica or claim_replica(settings.data_dir, url)
        try:
            async with (
                _database(settings, db) as database,
                _running(settings, database, channel_list, job_list, clock, place.id) as runtime,
            ):
                app.state.runtime = runtime
                try:
                    yield
                finally:
                    app.state.runtime = None
        finally:
            if replica is None:
                place.release()

    app = FastAPI(
        title="servicedesk",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.runtime = None
    app.include_router(metrics.router)
    app.include_router(api.router)  # /api/v1 and its OpenAPI document
    app.include_router(api.docs_router)  # /api/docs
    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    for channel in channel_list:
        if channel.router is not None:
            app.include_router(channel.router)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(Exception, _internal_error)
    return app


@asynccontextmanager
async def _database(settings: Settings, db: Database | None) -> AsyncIterator[Database]:
    """`db` as given (its owner disposes it), or one opened from the settings; migrated."""
    database = db if db is not None else Database(settings.database_url)
    try:
        await database.upgrade()
        yield database
    finally:
        if db is None:
            await database.dispose()


@asynccontextmanager
async def _running(
    settings: Settings,
    database: Database,
    channels: Sequence[Channel],
    jobs: Sequence[Job],
    clock: Callable[[], datetime],
    holder: str,
) -> AsyncIterator[Runtime]:
    """The runtime with every channel started and the scheduler running; stops them in reverse."""
    await _release_leases(database, holder, clock())
    engine = DialogEngine(db=database, settings=settings, clock=clock)
    senders: dict[str, Any] = {}
    pipeline = Pipeline(db=database, engine=engine, senders=senders, clock=clock, holder=holder)
    runtime = Runtime(
        settings=settings, db=database, engine=engine, pipeline=pipeline, senders=senders
    )
    for channel in channels:
        sender = channel.sender(settings) if channel.sender is not None else None
        if sender is not None:
            runtime.add_sender(channel.name, sender)
    async with AsyncExitStack() as stack:
        # Last out: replies sent while the channels stopped are recorded as sent.
        stack.push_async_callback(pipeline.aclose)
        for channel in channels:
            if channel.lifespan is not None:
                await stack.enter_async_context(channel.lifespan(runtime))
        runtime.scheduler = _start_scheduler(runtime, jobs)
        stack.push_async_callback(_stop_scheduler, runtime.scheduler)
        yield runtime


async def _release_leases(database: Database, holder: str, now: datetime) -> None:
    """Hand back what this server claimed in its previous life (a crash, a kill -9): those
    chats' replies go out with the first sweep instead of after the lease."""
    async with database.transaction() as conn:
        released = await repo.release_leases(conn, holder=holder, now=now)
    if released:
        log.info("handed back %d outbox messages claimed before a restart", released)


def _start_scheduler(runtime: Runtime, jobs: Sequence[Job]) -> AsyncIOScheduler:
    """An AsyncIOScheduler (in this event loop) running `jobs`."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    for job in jobs:
        trigger = job.trigger or IntervalTrigger(seconds=job.seconds or 60.0, timezone=UTC)
        # APScheduler 3 reads an explicit next_run_time=None as "paused": pass it only to start now.
        first: dict[str, Any] = {"next_run_time": datetime.now(UTC)} if job.at_start else {}
        scheduler.add_job(
            run_job,
            trigger,
            args=[runtime, job],
            id=job.id,
            name=job.id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
            **first,
        )
    scheduler.start()
    return scheduler


async def _stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    """Start no more jobs, let the running ones end (briefly), then shut the scheduler down.

    A job cut off half way would otherwise still be using the database while it is disposed.
    """
    scheduler.pause()
    loop = asyncio.get_running_loop()
    running = [task for task in _job_tasks if task.get_loop() is loop and not task.done()]
    if running:
        await asyncio.wait(running, timeout=JOB_STOP_SECONDS)
    scheduler.shutdown(wait=False)
    # AsyncIOScheduler shuts down (cancelling any job still running) in a loop callback.
    await asyncio.sleep(0)


async def run_job(runtime: Runtime, job: Job) -> None:
    """Run one job, logging (never raising) its failure so the next run still happens."""
    task = asyncio.current_task()
    if task is not None:
        _job_tasks.add(task)
    try:
        await job.run(runtime)
    except Exception:
        metrics.count_error("scheduler", job.id)
        log.exception("scheduled job %s failed", job.id)


async def healthz(runtime: RuntimeDep) -> JSONResponse:
    """200 when the database answers and DATA_DIR has room (MIN_FREE_DISK_BYTES) and took its
    recent writes; 503 otherwise (the attachment store logs a WARNING then)."""
    database = "ok" if await runtime.db.ping() else "unreachable"
    storage = runtime.engine.store.health() or "ok"
    healthy = database == "ok" and storage == "ok"
    body = {"status": "ok" if healthy else "error", "database": database, "storage": storage}
    return JSONResponse(body, status_code=200 if healthy else 503)


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client hung up while its request body was read: nobody is left to answer and it is
    no bug (Telegram or Meta will deliver the update again), so no error and no trace."""
    metrics.count_error("server", "client_disconnect")
    log.info("client went away during %s %s", request.method, request.url.path)
    return Response(status_code=400)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: logged with its trace here, a bare 500 for the client (no trace leaves)."""
    metrics.count_error("server", "unhandled")
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": "internal error"}, status_code=500)
