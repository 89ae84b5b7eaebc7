"""The alert sweep against a database, with the clock moved by hand.

A babel network repair (perbaikan: 1-3 working days) reaches its work step, tindak-lanjut,
on Monday 23 Nov 2026 at 10:00 WIB. The ticket is due at the published Thursday 26 Nov 16:00,
and the report and filing after the work need 1 h 15 min, so that step is due Thursday 14:45.
Its office time is 6 h + 8 h + 8 h + 6 h 45 min = 28 h 45 min: warn-75 comes at Wednesday
15:33:45 (a quarter left), warn-1h at Thursday 13:45 and the breach at 14:45. The breach goes
to the service desk, its superior role (pranata-komputer) and the coordinator; the disposing
officers above are not told.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from bot.sweeps import sweep_alerts
from core.workflow import request_completion
from storage.db import Database
from storage.models import tickets
from tests.support.sweeps import (
    Office,
    act,
    alerts_logged,
    babel_office,
    file_request,
    messages,
    to_work_step,
    wib,
)

START = wib(2026, 11, 23, 10, 0)
WARN_75 = wib(2026, 11, 25, 15, 33, 45)
WARN_1H = wib(2026, 11, 26, 13, 45)
BREACH = wib(2026, 11, 26, 14, 45)
ALERT_TEXTS = ("telah memakai 75%", "jatuh tempo dalam 1 jam kerja", "melewati batas waktu")


def moments(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    found = []
    at = start
    while at <= end:
        found.append(at)
        at += step
    return found


async def sweep(office: Office, at: datetime) -> None:
    await sweep_alerts(office.db, office.desk(at))


async def alert_messages(db: Database) -> list[dict[str, object]]:
    return [m for m in await messages(db) if any(text in m["text"] for text in ALERT_TEXTS)]


async def test_a_moving_clock_sends_each_warning_and_the_breach_exactly_once(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    ticket = await file_request(office, START)
    await to_work_step(office, ticket.ref, START)

    # Every 20 minutes until after the breach, each instant swept twice (two runs coalescing).
    for at in moments(START, wib(2026, 11, 27, 9, 0), timedelta(minutes=20)):
        await sweep(office, at)
        await sweep(office, at)

    assert await alerts_logged(db, ticket.id) == ["warn-75", "warn-1h", "breach"]
    to_desk = [m for m in await alert_messages(db) if m["recipient"] == "sari"]
    assert [next(t for t in ALERT_TEXTS if t in str(m["text"])) for m in to_desk] == list(
        ALERT_TEXTS
    )
    # Each one went out at the first sweep after it came due, not before.
    sent_at = [m["created_at"] for m in to_desk]
    for queued, due in zip(sent_at, (WARN_75, WARN_1H, BREACH), strict=True):
        assert due <= queued < due + timedelta(minutes=20)  # type: ignore[operator]
    assert ticket.ref in str(to_desk[0]["text"])


async def test_the_breach_reaches_the_superior_role_and_the_coordinators_only(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    ticket = await file_request(office, START)
    await to_work_step(office, ticket.ref, START)

    await sweep(office, BREACH)

    breach = [m for m in await messages(db, containing="melewati batas waktu")]
    assert sorted(m["recipient"] for m in breach) == ["koor", "prakom", "sari"]
    # Urgent: queued to go now, not held for the next opening.
    assert all(m["next_attempt_at"] == BREACH for m in breach)


async def test_a_scheduler_stopped_across_the_deadline_sends_only_the_breach_once(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    ticket = await file_request(office, START)
    await to_work_step(office, ticket.ref, START)
    await sweep(office, START)

    # Down from Monday until Thursday evening; then it starts again and keeps sweeping.
    back = wib(2026, 11, 26, 18, 45)
    for at in (back, back, back + timedelta(minutes=1), wib(2026, 11, 27, 9, 0)):
        await sweep(office, at)

    assert await alerts_logged(db, ticket.id) == ["breach"]
    assert [m["recipient"] for m in await alert_messages(db) if m["recipient"] == "sari"] == [
        "sari"
    ]


async def test_a_ticket_waiting_for_its_requester_gets_no_alerts(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    ticket = await file_request(office, START)
    await to_work_step(office, ticket.ref, START)
    sari = office.officers["sari"]
    await act(
        office,
        ticket.ref,
        START,
        lambda t: request_completion(t, "Mohon lampirkan surat permohonan", by=sari, at=START),
    )

    for at in moments(START, wib(2026, 12, 4, 16, 0), timedelta(hours=2)):
        await sweep(office, at)

    assert await alerts_logged(db, ticket.id) == []
    assert await alert_messages(db) == []


async def test_a_ticket_whose_service_left_the_catalog_is_not_read_again(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    ticket = await file_request(office, START)
    async with db.transaction() as conn:
        await conn.execute(
            update(tickets).where(tickets.c.id == ticket.id).values(service="layanan-lama")
        )

    first = await sweep_alerts(db, office.desk(BREACH))
    again = await sweep_alerts(db, office.desk(BREACH + timedelta(minutes=1)))

    assert (first.tickets, first.parked, first.alerts) == (1, 1, 0)
    assert (again.tickets, again.parked) == (0, 0)
    assert await alerts_logged(db, ticket.id) == []


async def test_only_the_tickets_due_are_read_by_a_sweep(db: Database, tmp_path: Path) -> None:
    office = await babel_office(db, tmp_path)
    late = await file_request(office, START)
    await to_work_step(office, late.ref, START)
    for _ in range(3):
        await file_request(office, BREACH)  # after closing: their first step is due Friday

    result = await sweep_alerts(db, office.desk(BREACH), batch_size=2)

    assert (result.tickets, result.alerts) == (1, 1)
