"""Two replicas on one PostgreSQL database: two `Database` objects (two connection pools) on the
same database, sweeping and delivering at the same time, never send anything twice.

Tickets as in test_alert_sweep: babel network repairs at their work step from Monday 23 Nov
2026 10:00 WIB, due Thursday 26 Nov 16:00 (warn-75 08:30, warn-1h 15:00).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.delivery import deliver_pending
from bot.messages import Outbound
from bot.sweeps import report_failures, send_daily_digest, sweep_alerts
from storage import repositories as repo
from storage.db import Database
from storage.sweeps import try_lock_sweep
from tests.support.sweeps import (
    alerts_logged,
    babel_office,
    file_request,
    messages,
    to_work_step,
    wib,
)

pytestmark = pytest.mark.postgres

START = wib(2026, 11, 23, 10, 0)
ROUNDS = [
    wib(2026, 11, 25, 12, 0),
    wib(2026, 11, 25, 15, 34),  # warn-75 (Wednesday 15:33:45), swept twice
    wib(2026, 11, 25, 15, 34),
    wib(2026, 11, 26, 13, 45),  # warn-1h
    wib(2026, 11, 26, 13, 50),
    wib(2026, 11, 26, 14, 45),  # the breach
    wib(2026, 11, 26, 16, 0),
    wib(2026, 11, 27, 9, 0),
]


@pytest.fixture
async def replica(postgres_db: Database) -> AsyncIterator[Database]:
    """A second replica: its own pool on the same PostgreSQL database."""
    other = Database(postgres_db.url.render_as_string(hide_password=False))
    try:
        yield other
    finally:
        await other.dispose()


class RecordingSender:
    """A channel that accepts everything, yielding to the other replica while it sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, recipient: str, message: Outbound) -> None:
        await asyncio.sleep(0)
        self.sent.append((recipient, message.text))


async def test_two_replicas_sweeping_together_queue_each_alert_once(
    postgres_db: Database, replica: Database, tmp_path: Path
) -> None:
    office = await babel_office(postgres_db, tmp_path)
    refs = []
    for _ in range(6):
        ticket = await file_request(office, START)
        await to_work_step(office, ticket.ref, START)
        refs.append(ticket)

    for at in ROUNDS:
        desk = office.desk(at)
        await asyncio.gather(
            sweep_alerts(postgres_db, desk, batch_size=2),
            sweep_alerts(replica, desk, batch_size=2),
        )

    for ticket in refs:
        assert await alerts_logged(postgres_db, ticket.id) == ["warn-75", "warn-1h", "breach"]
    alerts = [
        (m["recipient"], m["text"])
        for m in await messages(postgres_db)
        if m["text"].startswith(("Pengingat", "Perhatian"))
    ]
    # Per ticket: two warnings to the desk, the breach to the desk, prakom and the coordinator.
    assert len(alerts) == len(refs) * 5
    assert max(Counter(alerts).values()) == 1


async def test_a_sweep_finding_another_replica_sweeping_leaves_the_work_to_it(
    postgres_db: Database, replica: Database, tmp_path: Path
) -> None:
    office = await babel_office(postgres_db, tmp_path)
    ticket = await file_request(office, START)
    await to_work_step(office, ticket.ref, START)
    desk = office.desk(wib(2026, 11, 26, 16, 0))

    async with replica.transaction() as conn:
        assert await try_lock_sweep(conn, name="alerts")
        meanwhile = await sweep_alerts(postgres_db, desk)
    afterwards = await sweep_alerts(postgres_db, desk)

    assert (meanwhile.busy, meanwhile.alerts) == (True, 0)
    assert (afterwards.busy, afterwards.alerts) == (False, 1)
    assert await alerts_logged(postgres_db, ticket.id) == ["breach"]


async def test_two_replicas_delivering_together_send_each_message_once(
    postgres_db: Database, replica: Database, tmp_path: Path
) -> None:
    office = await babel_office(postgres_db, tmp_path)
    for _ in range(4):
        ticket = await file_request(office, START)
        await to_work_step(office, ticket.ref, START)
    for at in ROUNDS:
        await asyncio.gather(
            sweep_alerts(postgres_db, office.desk(at)), sweep_alerts(replica, office.desk(at))
        )
    queued = [(m["recipient"], m["text"]) for m in await messages(postgres_db)]
    sender = RecordingSender()
    now = wib(2026, 11, 27, 9, 5)

    for _ in range(len(queued)):
        reports = await asyncio.gather(
            deliver_pending(postgres_db, {"test": sender}, now=now, limit=3),
            deliver_pending(replica, {"test": sender}, now=now, limit=3),
        )
        if not any(r.sent for r in reports):
            break

    assert sorted(sender.sent) == sorted(queued)
    assert {m["status"] for m in await messages(postgres_db)} == {"sent"}


async def test_two_replicas_send_one_digest_per_coordinator(
    postgres_db: Database, replica: Database, tmp_path: Path
) -> None:
    office = await babel_office(postgres_db, tmp_path)
    desk = office.desk(wib(2026, 11, 24, 8, 0))

    counts = await asyncio.gather(
        send_daily_digest(postgres_db, desk), send_daily_digest(replica, desk)
    )

    assert sorted(counts) == [0, 1]
    assert [m["recipient"] for m in await messages(postgres_db, containing="Ringkasan")] == ["koor"]


async def test_two_replicas_report_a_failed_delivery_once(
    postgres_db: Database, replica: Database, tmp_path: Path
) -> None:
    office = await babel_office(postgres_db, tmp_path)
    at = wib(2026, 11, 24, 9, 0)
    async with postgres_db.transaction() as conn:
        for i in range(5):
            outbox_id = await repo.enqueue(
                conn,
                key=f"reply:test:{i}:0",
                channel="test",
                recipient=f"c{i}",
                payload=Outbound("Halo").to_payload(),
                at=at,
            )
            assert outbox_id is not None
            await repo.mark_failed(conn, id=outbox_id, at=at, error="permanent: blocked")

    counts = await asyncio.gather(
        *(
            report_failures(db, office.desk(at + timedelta(minutes=1)), per_message=2)
            for db in (postgres_db, replica, postgres_db, replica)
        )
    )

    assert sum(counts) == 5
    reports = await messages(postgres_db, containing="gagal terkirim")
    listed = sum(m["text"].count("balasan percakapan") for m in reports)
    assert listed == 5
    assert {m["recipient"] for m in reports} == {"koor"}
