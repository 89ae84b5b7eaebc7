"""What the running app shares (`Runtime`), how a channel plugs into it (`Channel`), and the
FastAPI dependencies that hand those to route functions.

Routes declare what they need with the `Annotated` aliases below, e.g.

    @router.post("/webhook/x")
    async def receive(pipeline: PipelineDep) -> dict[str, str]: ...
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request

from bot.delivery import Sender
from bot.engine import DialogEngine
from bot.pipeline import CountingSender, Pipeline
from core.settings import Settings
from storage.db import Database

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler


@dataclass(eq=False)
class Runtime:
    """The objects one running app shares; built by the app's lifespan, kept on `app.state`."""

    settings: Settings
    db: Database
    engine: DialogEngine
    pipeline: Pipeline
    senders: dict[str, Sender]
    scheduler: AsyncIOScheduler | None = None
    # Per-channel objects a channel's routes need (e.g. the Telegram bot), keyed by channel name.
    services: dict[str, Any] = field(default_factory=dict)

    def add_sender(self, channel: str, sender: Sender) -> None:
        """Deliver `channel`'s outbox rows through `sender` (counted in the metrics)."""
        self.senders[channel] = CountingSender(channel, sender)


@dataclass(frozen=True)
class Channel:
    """One chat channel plugged into the server.

    - `router`: its webhook/page routes, included in the app as they are.
    - `sender`: builds its outbound `Sender` from the settings, or returns None when the channel
      is not configured (its outbox rows then wait until it is).
    - `lifespan`: anything to start with the app and stop with it (polling, webhook
      registration, HTTP clients); it may also call `runtime.add_sender` itself.
    """

    name: str
    router: APIRouter | None = None
    sender: Callable[[Settings], Sender | None] | None = None
    lifespan: Callable[[Runtime], AbstractAsyncContextManager[None]] | None = None


async def get_runtime(request: Request) -> Runtime:
    """The runtime of the app serving `request` (only exists while the app is running).

    Async (as the ones below) though it awaits nothing: FastAPI runs a plain `def` dependency in
    its thread pool, a thread hop on every request."""
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        raise HTTPException(status_code=503, detail="starting")
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    """The app's settings."""
    return runtime.settings


async def get_db(runtime: RuntimeDep) -> Database:
    """The app's database."""
    return runtime.db


async def get_pipeline(runtime: RuntimeDep) -> Pipeline:
    """The inbound pipeline: dialog engine, then immediate delivery of the replies."""
    return runtime.pipeline


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_db)]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
