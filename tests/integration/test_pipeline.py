"""The inbound pipeline with the real dialog engine and database: replies go out at once, a
failed send waits in the outbox for the sweep, redeliveries do nothing, metrics count it all."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot import metrics
from bot.delivery import RetryAfter, deliver_pending, send_claimed
from bot.engine import Claim, DialogEngine
from bot.messages import Inbound, Outbound
from bot.pipeline import CountingSender, DurableWriteError, Pipeline
from core.settings import Settings
from storage.db import Database
from storage.models import outbox

CHANNEL = "telegram"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class RecordingSender:
    """A channel that records what it is asked to send; fails with the queued errors first."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.sent: list[tuple[str, Outbound]] = []

    async def send(self, recipient: str, message: Outbound) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((recipient, message))


def build(db: Database, tmp_path: Path, clock: Clock, senders: dict[str, object]) -> Pipeline:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", agency="babel", locale="id")  # type: ignore[call-arg]
    engine = DialogEngine(db=db, settings=settings, clock=clock)
    return Pipeline(db=db, engine=engine, senders=senders, clock=clock)  # type: ignore[arg-type]


def message(text: str, update_id: str, chat: str = "42") -> Inbound:
    return Inbound(channel=CHANNEL, chat_id=chat, user_id=chat, update_id=update_id, text=text)


async def statuses(db: Database) -> list[str]:
    async with db.transaction() as conn:
        return list((await conn.execute(select(outbox.c.status).order_by(outbox.c.id))).scalars())


async def test_replies_are_sent_at_once_and_marked_sent(db: Database, tmp_path: Path) -> None:
    sender = RecordingSender()
    pipeline = build(db, tmp_path, Clock(), {CHANNEL: sender})

    result = await pipeline.process(message("/start", "1"))

    assert result.outbox_ids and not result.duplicate
    assert [recipient for recipient, _ in sender.sent] == ["42"] * len(result.outbox_ids)
    assert "Selamat datang" in sender.sent[0][1].text
    assert await statuses(db) == ["sent"] * len(result.outbox_ids)


async def test_a_reply_that_could_not_be_sent_waits_for_the_sweep(
    db: Database, tmp_path: Path
) -> None:
    clock = Clock()
    sender = RecordingSender(ConnectionError("network down"))
    pipeline = build(db, tmp_path, clock, {CHANNEL: sender})

    await pipeline.process(message("/start", "1"))
    assert sender.sent == []
    assert set(await statuses(db)) == {"pending"}

    await pipeline.sweep()  # too early: the retry backs off first
    assert sender.sent == []

    clock.now += timedelta(minutes=2)
    await pipeline.sweep()
    assert "Selamat datang" in sender.sent[0][1].text
    assert set(await statuses(db)) == {"sent"}


async def test_a_redelivered_update_is_neither_handled_nor_answered_twice(
    db: Database, tmp_path: Path
) -> None:
    sender = RecordingSender()
    pipeline = build(db, tmp_path, Clock(), {CHANNEL: sender})

    first = await pipeline.process(message("/start", "7"))
    again = await pipeline.process(message("/start", "7"))

    assert again.duplicate and not again.outbox_ids
    assert len(sender.sent) == len(first.outbox_ids)


async def test_replies_of_a_channel_without_a_sender_wait_until_one_is_plugged_in(
    sqlite_db: Database, tmp_path: Path
) -> None:
    senders: dict[str, object] = {}
    pipeline = build(sqlite_db, tmp_path, Clock(), senders)

    await pipeline.process(message("/start", "1"))
    assert set(await statuses(sqlite_db)) == {"pending"}

    sender = RecordingSender()
    senders[CHANNEL] = sender
    await pipeline.sweep()
    assert sender.sent and set(await statuses(sqlite_db)) == {"sent"}


async def test_metrics_count_updates_duplicates_sends_and_latency(
    sqlite_db: Database, tmp_path: Path
) -> None:
    def value(name: str, **labels: str) -> float:
        return metrics.REGISTRY.get_sample_value(name, labels) or 0.0

    before = {
        "in": value("servicedesk_updates_in_total", channel=CHANNEL),
        "dup": value("servicedesk_updates_duplicate_total", channel=CHANNEL),
        "sent": value("servicedesk_messages_out_total", channel=CHANNEL, result="sent"),
        "retry": value("servicedesk_messages_out_total", channel=CHANNEL, result="retry"),
        "timed": value("servicedesk_handling_seconds_count", channel=CHANNEL),
    }
    sender = CountingSender(CHANNEL, RecordingSender(RetryAfter(30)))
    pipeline = build(sqlite_db, tmp_path, Clock(), {CHANNEL: sender})

    await pipeline.process(message("/start", "1", chat="1"))
    await pipeline.process(message("/start", "1", chat="1"))
    result = await pipeline.process(message("/start", "2", chat="2"))

    assert value("servicedesk_updates_in_total", channel=CHANNEL) - before["in"] == 3
    assert value("servicedesk_updates_duplicate_total", channel=CHANNEL) - before["dup"] == 1
    assert value("servicedesk_handling_seconds_count", channel=CHANNEL) - before["timed"] == 3
    sent = value("servicedesk_messages_out_total", channel=CHANNEL, result="sent")
    retried = value("servicedesk_messages_out_total", channel=CHANNEL, result="retry")
    assert retried - before["retry"] == 1
    assert sent - before["sent"] == len(result.outbox_ids)


async def test_a_database_that_cannot_record_the_update_is_a_durable_write_error(
    db: Database, tmp_path: Path
) -> None:
    sender = RecordingSender()
    pipeline = build(db, tmp_path, Clock(), {CHANNEL: sender})
    async with db.transaction() as conn:
        await conn.execute(text("DROP TABLE inbox"))

    with pytest.raises(DurableWriteError):
        await pipeline.process(message("/start", "1"))
    assert sender.sent == []


async def test_one_sweep_drains_a_backlog_larger_than_a_batch(
    sqlite_db: Database, tmp_path: Path
) -> None:
    senders: dict[str, object] = {}
    pipeline = build(sqlite_db, tmp_path, Clock(), senders)
    for chat in range(120):
        await pipeline.process(message("/start", f"u{chat}", chat=str(chat)))
    waiting = await statuses(sqlite_db)
    assert len(waiting) > 100 and set(waiting) == {"pending"}

    sender = RecordingSender()
    senders[CHANNEL] = sender
    await pipeline.sweep()

    assert len(sender.sent) == len(waiting)
    assert set(await statuses(sqlite_db)) == {"sent"}


class SlowSender(RecordingSender):
    """A channel that takes a moment per message, so updates overlap."""

    async def send(self, recipient: str, message: Outbound) -> None:
        await asyncio.sleep(0.01)
        await super().send(recipient, message)


async def test_a_sweep_running_while_an_update_is_handled_never_takes_its_replies(
    db: Database, tmp_path: Path
) -> None:
    sender = RecordingSender()
    clock = Clock()
    pipeline = build(db, tmp_path, clock, {CHANNEL: sender})

    # The update's own transaction claims its replies: a sweep right after it finds nothing.
    result = await pipeline.engine.handle(
        message("/start", "1"), claim=Claim(channels=(CHANNEL,), holder="this-server")
    )
    swept = await deliver_pending(db, {CHANNEL: sender}, now=clock())

    assert result.claimed and [row.id for row in result.claimed] == result.outbox_ids
    assert swept.sent == 0 and sender.sent == []


async def test_replies_of_concurrent_updates_are_all_recorded_as_sent_and_never_resent(
    db: Database, tmp_path: Path
) -> None:
    sender = SlowSender()
    clock = Clock()
    pipeline = build(db, tmp_path, clock, {CHANNEL: sender})

    results = await asyncio.gather(
        *(pipeline.process(message("/start", str(n), chat=str(100 + n))) for n in range(12))
    )
    queued = sum(len(r.outbox_ids) for r in results)
    assert len(sender.sent) == queued
    assert await statuses(db) == ["sent"] * queued
    # A restart hands back unmarked claims: there are none, so nothing goes out twice.
    clock.now += timedelta(hours=1)
    await pipeline.sweep()
    assert len(sender.sent) == queued


async def test_a_claimed_reply_whose_claim_is_about_to_run_out_is_handed_back_unsent(
    db: Database, tmp_path: Path
) -> None:
    sender = RecordingSender()
    clock = Clock()
    pipeline = build(db, tmp_path, clock, {CHANNEL: sender})
    result = await pipeline.engine.handle(
        message("/start", "1"), claim=Claim(channels=(CHANNEL,), holder="this-server")
    )
    assert result.claimed

    # The sends were held up (a slow Bot API) until the claim nearly ran out: another sweep may
    # take the rows any moment now, so this one sends none of them.
    late = clock.now + timedelta(seconds=58)
    report = await send_claimed(db, {CHANNEL: sender}, result.claimed, now=late)

    assert report.sent == 0 and sender.sent == []
    # Handed back due at once, without spending an attempt: the sweep sends each once.
    clock.now = late
    await pipeline.sweep()
    assert len(sender.sent) == len(result.claimed)
    assert await statuses(db) == ["sent"] * len(result.claimed)
    async with db.transaction() as conn:
        attempts = list((await conn.execute(select(outbox.c.attempts))).scalars())
    assert attempts == [1] * len(result.claimed)
