"""Two replicas on one PostgreSQL: two `servicedesk serve` processes with the same DATABASE_URL
(each its own port and DATA_DIR, so its own replica id), both running the scheduler, behind a
load balancer that sends each webhook POST to either of them. The integration-level version
(two connection pools in one process) is tests/integration/test_replicas.py.

Before they start, the database holds network repairs that went overdue while no server ran
(and the notices of their day, still queued): both replicas' sweeps start at once and race for
them. Then requesters file tickets through both replicas while officers dispose them, and one
replica is SIGKILLed mid-load.

Afterwards: every ticket once, every question once, every disposition once; each overdue
ticket escalated once and its breach notice received once by each officer it names; the
coordinator got one daily digest; every outbox row reached its chat, none twice except a
message the killed replica had on its way (bot/delivery.py: at-least-once).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from storage.db import Database
from tests.fakes.lean_telegram import LeanBotAPI
from tests.support.load import (
    INTAKE,
    ServeProcess,
    Webhook,
    delivery_problems,
    desk_env,
    dialog_problems,
    new_database,
    patience,
    progress_at_least,
    requesters,
    run_load,
    scheduled_run_count,
    seed_overdue_tickets,
    seed_staff,
    ticket_event_kinds,
    today_wib,
    until,
    wait_for_outbox_sent,
)
from tests.support.postgres import PostgresCluster

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("offline_network")]

OVERDUE = 6


@pytest.fixture
async def shared_url(postgres_cluster: PostgresCluster, _pg_template: str) -> AsyncIterator[str]:
    """A migrated database of the session's cluster, for both replicas."""
    url = await new_database(postgres_cluster, template=_pg_template)
    yield url
    admin = await asyncpg.connect(postgres_cluster.dsn())
    try:
        name = url.rsplit("/", 1)[1]
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def two_replicas_under_load(
    count: int,
    *,
    restart_killed: bool,
    tmp_path: Path,
    bot_api: LeanBotAPI,
    agency_env: dict[str, str],
    url: str,
) -> None:
    db = Database(url)
    staff = await seed_staff(db, per_role=3 if count < 100 else 10, coordinator=True)
    overdue = await seed_overdue_tickets(db, staff, agency_env, tmp_path / "seeding", count=OVERDUE)
    replicas = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        place = tmp_path / name
        env = desk_env(place, bot_api, agency_env, database_url=url, data_dir=place / "data")
        replicas.append(ServeProcess(env, tmp_path / name / "server.log"))
    first, second = replicas
    webhook = Webhook(lambda: [r.url for r in replicas if r.running])
    people = requesters(count)
    windows: list[tuple[float, float]] = []
    seen: dict[str, float] = {}

    async def kill_one_replica() -> None:
        await until(
            progress_at_least(webhook, 0.4 * count * len(INTAKE)),
            within=patience(count),
            what="load",
        )
        killed_at = await second.kill()
        seen["killed"] = killed_at
        # Its last sends may reach the fake a moment after the kill; what it had claimed is
        # sent again by the survivor once the lease ends, or by itself once restarted.
        windows.append((killed_at + 1.0, killed_at))
        if restart_killed:
            seen["restarted"] = await second.start() - killed_at

    try:
        await asyncio.gather(*(r.start() for r in replicas))
        started = time.monotonic()
        work, _ = await asyncio.gather(
            run_load(webhook, bot_api, staff, people, reply_timeout=patience(count)),
            kill_one_replica(),
        )
        elapsed = time.monotonic() - started
        rows = await wait_for_outbox_sent(db, within=patience(count))
        drained = time.monotonic() - started

        assert await dialog_problems(db, people, work, webhook, seeded=overdue) == []
        assert delivery_problems(rows, bot_api, windows) == []
        # The load balancer used both replicas.
        served = Counter(a.url for a in webhook.attempts if a.outcome == "200")
        assert set(served) == {first.url, second.url}, served
        # Both schedulers raced for the overdue tickets: one escalation each, sent once.
        for ref in overdue:
            kinds = await ticket_event_kinds(db, ref)
            assert kinds.count("escalated") == 1 and "warned" not in kinds, (ref, kinds)
            reached = Counter(
                m.chat_id for m in bot_api.delivered if f"Perhatian: tiket {ref}" in m.content
            )
            assert reached and set(reached.values()) == {1}, (ref, reached)
        # And for the day's digest: one run, one message to the coordinator (a run that
        # crosses midnight in Pangkalpinang has two days, each once).
        assert staff.coordinator is not None
        digests = [
            t for t in bot_api.texts_to(staff.coordinator.chat_id) if "Ringkasan harian" in t
        ]
        days = await scheduled_run_count(db, "digest:babel")
        assert len(digests) == days >= 1, (digests, days)
        print(
            f"{count} requesters, {len(webhook.accepted)} updates in {elapsed:.1f} s "
            f"(outbox drained at {drained:.1f} s) on "
            f"{dict(served)}; one replica killed {seen['killed'] - started:.1f} s in"
            + (f", back {seen['restarted']:.1f} s later" if restart_killed else ", left dead")
            + f"; digest day {today_wib()}"
        )
    finally:
        await webhook.close()
        await asyncio.gather(*(r.stop() for r in replicas))
        await db.dispose()


async def test_two_replicas_send_nothing_twice_and_lose_nothing_when_one_is_killed(
    tmp_path: Path, bot_api: LeanBotAPI, agency_env: dict[str, str], shared_url: str
) -> None:
    await two_replicas_under_load(
        10,
        restart_killed=True,
        tmp_path=tmp_path,
        bot_api=bot_api,
        agency_env=agency_env,
        url=shared_url,
    )


@pytest.mark.soak
async def test_the_surviving_replica_sends_what_a_dead_one_had_claimed(
    tmp_path: Path, bot_api: LeanBotAPI, agency_env: dict[str, str], shared_url: str
) -> None:
    await two_replicas_under_load(
        200,
        restart_killed=False,
        tmp_path=tmp_path,
        bot_api=bot_api,
        agency_env=agency_env,
        url=shared_url,
    )
