"""Database outage: PostgreSQL stopped (`pg_ctl stop -m fast`) while requesters file their
requests through the Telegram webhook of a real `servicedesk serve` process, then started
again.

While it is down the webhook answers non-2xx, so Telegram keeps the update and posts it again,
and `GET /healthz` answers 503. Once it is back every update Telegram posted is processed exactly
once (one ticket per requester with their own answers, each question asked once, every accepted
update in the inbox) and no message reached a chat twice beyond the documented at-least-once case.

The short version runs in the normal suite: a 5 s outage, requesters typing ahead without
waiting for the questions; a message the server sent just as the database went away stays
claimed until its lease runs out (60 s), so that version checks it is still owed, not yet
delivered. The 30 s soak version has officers at work too and waits until every message
reached its chat.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from storage.db import Database
from tests.fakes.lean_telegram import LeanBotAPI
from tests.fakes.telegram_api import (
    FakeTelegramAPI,
    callback_update,
    running_telegram_app,
    telegram_settings,
)
from tests.support.load import (
    INTAKE,
    ServeProcess,
    Webhook,
    apologised_chats,
    delivery_problems,
    desk_env,
    dialog_problems,
    new_database,
    patience,
    progress_at_least,
    requesters,
    run_load,
    seed_staff,
    start_postgres,
    stop_postgres,
    until,
    wait_for_outbox_sent,
    wait_until_only_leases_hold,
)
from tests.support.postgres import PostgresCluster, PostgresNotFound, start_cluster

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("offline_network")]


@pytest.fixture
def own_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of this test's own: it is stopped and started under load."""
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


@pytest.fixture
async def pg_url(own_cluster: PostgresCluster) -> AsyncIterator[str]:
    """A migrated database in the cluster."""
    url = await new_database(own_cluster)
    db = Database(url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()
    yield url


@dataclass
class Outage:
    """When the database went down and came back (time.monotonic()), and what /healthz said."""

    stopped: float = 0.0
    restarting: float = 0.0  # `pg_ctl start` called
    back: float = 0.0  # ... and returned
    healthy_after: float = 0.0
    health_during: Counter[int] = field(default_factory=Counter)


async def health(client: httpx.AsyncClient, server: ServeProcess) -> int:
    try:
        return (await client.get(f"{server.url}/healthz")).status_code
    except httpx.HTTPError:
        return 0


async def file_tickets_through_a_database_outage(
    count: int,
    outage_seconds: float,
    *,
    officers: bool,
    tmp_path: Path,
    bot_api: LeanBotAPI,
    agency_env: dict[str, str],
    cluster: PostgresCluster,
    url: str,
) -> None:
    db = Database(url)
    staff = await seed_staff(db, per_role=5) if officers else None
    server = ServeProcess(
        desk_env(tmp_path, bot_api, agency_env, database_url=url), tmp_path / "server.log"
    )
    webhook = Webhook(lambda: [server.url])
    people = requesters(count)
    total = count * len(INTAKE)
    seen = Outage()

    async def outage() -> None:
        await until(progress_at_least(webhook, 0.3 * total), within=patience(count), what="load")
        began = time.monotonic()
        await asyncio.to_thread(stop_postgres, cluster)
        seen.stopped = time.monotonic()
        async with httpx.AsyncClient(timeout=5) as client:
            while time.monotonic() < began + outage_seconds:
                seen.health_during[await health(client, server)] += 1
                await asyncio.sleep(0.2)
            seen.restarting = time.monotonic()
            await asyncio.to_thread(start_postgres, cluster)
            seen.back = time.monotonic()
            while await health(client, server) != 200:
                assert time.monotonic() < seen.back + 30, "/healthz did not recover"
                await asyncio.sleep(0.1)
            seen.healthy_after = time.monotonic() - seen.back

    try:
        await server.start()
        started = time.monotonic()
        work, _ = await asyncio.gather(
            run_load(
                webhook,
                bot_api,
                staff,
                people,
                reply_timeout=patience(count),
                read_replies=officers,
            ),
            outage(),
        )
        elapsed = time.monotonic() - started
        # The POSTs made while it was down (and answered before it was started again).
        during = Counter(
            a.outcome for a in webhook.attempts if seen.stopped < a.sent and a.at < seen.restarting
        )

        # While the database was down: /healthz said so and Telegram was told to come back.
        assert set(seen.health_during) == {503}, seen.health_during
        assert during["503"] > 0 and set(during) == {"503"}, during
        if officers:
            rows = await wait_for_outbox_sent(db, within=patience(count))
        else:
            rows = await wait_until_only_leases_hold(db, within=60)
        assert await dialog_problems(db, people, work, webhook) == []
        # No update cut off by the outage was answered with an apology and dropped.
        assert apologised_chats(rows) == set()
        assert (
            delivery_problems(
                rows, bot_api, [(seen.back, seen.restarting)], unsent_may_have_arrived=True
            )
            == []
        )
        pending = [r for r in rows if r.status != "sent"]
        print(
            f"{count} requesters, {len(webhook.accepted)} updates in {elapsed:.1f} s; outage "
            f"{seen.restarting - seen.stopped:.1f} s; webhook during it: {dict(during)}; "
            f"healthy again {seen.healthy_after:.1f} s after; still leased: {len(pending)}"
        )
    finally:
        await webhook.close()
        await server.stop()
        await db.dispose()


async def test_a_five_second_database_outage_is_answered_503_and_every_update_processed_once(
    tmp_path: Path,
    bot_api: LeanBotAPI,
    agency_env: dict[str, str],
    own_cluster: PostgresCluster,
    pg_url: str,
) -> None:
    await file_tickets_through_a_database_outage(
        30,
        5,
        officers=False,
        tmp_path=tmp_path,
        bot_api=bot_api,
        agency_env=agency_env,
        cluster=own_cluster,
        url=pg_url,
    )


@pytest.mark.soak
async def test_a_thirty_second_database_outage_under_load_loses_and_repeats_nothing(
    tmp_path: Path,
    bot_api: LeanBotAPI,
    agency_env: dict[str, str],
    own_cluster: PostgresCluster,
    pg_url: str,
) -> None:
    await file_tickets_through_a_database_outage(
        100,
        30,
        officers=True,
        tmp_path=tmp_path,
        bot_api=bot_api,
        agency_env=agency_env,
        cluster=own_cluster,
        url=pg_url,
    )


# ----------------------------------------------------------------- a connection cut mid-update


async def test_an_update_whose_database_connection_is_cut_is_retried_not_swallowed(
    fake_telegram: FakeTelegramAPI, postgres_db: Database, tmp_path: Path
) -> None:
    chat = 5550777
    url = postgres_db.url.render_as_string(hide_password=False)
    dsn = postgres_db.url.set(drivername="postgresql").render_as_string(hide_password=False)
    settings = telegram_settings(fake_telegram, tmp_path / "data", database_url=url)
    async with running_telegram_app(fake_telegram, settings, db=postgres_db) as tg:
        await tg.say("/start", chat_id=chat)
        confirm = await tg.say("internet kantor mati", chat_id=chat)
        assert ("Ya", "svc:jaringan-intra") in confirm[-1].buttons()
        tap = callback_update("svc:jaringan-intra", chat_id=chat)
        locker = await asyncpg.connect(dsn)
        admin = await asyncpg.connect(dsn)
        try:
            # Hold the conversation's row so the update waits inside its transaction; then
            # PostgreSQL cuts that session, as `pg_ctl stop -m fast` or a failover does.
            hold = locker.transaction()
            await hold.start()
            await locker.execute(
                "SELECT 1 FROM conversations WHERE chat_id = $1 FOR UPDATE", str(chat)
            )
            posted = asyncio.create_task(tg.post(tap))
            waiting: list[asyncpg.Record] = []
            deadline = time.monotonic() + 20
            while not waiting:
                assert time.monotonic() < deadline, "the update never waited for the row"
                await asyncio.sleep(0.02)
                waiting = await admin.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            await admin.execute("SELECT pg_terminate_backend($1)", waiting[0]["pid"])
            await hold.rollback()
            answer = await posted
        finally:
            await locker.close()
            await admin.close()
        if answer.status_code != 200:
            answer = await tg.post(tap)  # Telegram delivers it again

        assert answer.status_code == 200
        # The tap took effect: the requester is asked the service's first question.
        assert "OPD" in fake_telegram.texts_to(chat)[-1], fake_telegram.texts_to(chat)[-1]
