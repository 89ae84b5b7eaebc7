"""Outbox: a reply is queued once, claimed by one sender, sent in order, retried, then given up."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery import (
    PermanentFailure,
    RetryAfter,
    Sender,
    backoff,
    deliver_pending,
)
from bot.messages import Choice, Outbound, OutboundDocument
from storage import repositories as repo
from storage.db import Database

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class FakeSender:
    """Records what it sends; `script` holds exceptions to raise on the next sends, in order."""

    def __init__(self, *script: Exception | None) -> None:
        self.sent: list[tuple[str, Outbound]] = []
        self.calls = 0
        self.script = list(script)

    async def send(self, recipient: str, message: Outbound) -> None:
        self.calls += 1
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        self.sent.append((recipient, message))


async def _enqueue(
    db: Database,
    key: str,
    text: str = "Halo",
    recipient: str = "c1",
    channel: str = "telegram",
    at: datetime = T0,
    not_before: datetime | None = None,
) -> int | None:
    async with db.transaction() as conn:
        return await repo.enqueue(
            conn,
            key=key,
            channel=channel,
            recipient=recipient,
            payload=Outbound(text).to_payload(),
            at=at,
            not_before=not_before,
        )


async def _row(db: Database, id: int | None) -> repo.OutboxRecord:
    assert id is not None, "the message was not queued"
    async with db.transaction() as conn:
        row = await repo.get_outbox(conn, id=id)
    assert row is not None
    return row


# --------------------------------------------------------------------------- queue


async def test_a_retried_handler_queues_its_reply_only_once(db: Database) -> None:
    first = await _enqueue(db, "telegram:100:0")
    again = await _enqueue(db, "telegram:100:0", text="Halo lagi")
    assert first is not None and again is None
    sender = FakeSender()
    await deliver_pending(db, {"telegram": sender}, now=T0)
    assert [m.text for _, m in sender.sent] == ["Halo"]


async def test_a_message_with_buttons_and_a_document_arrives_intact(db: Database) -> None:
    message = Outbound(
        "Pilih layanan",
        choices=(Choice("svc:hosting", "Hosting"), Choice("svc:email", "Email")),
        document=OutboundDocument("tiket.pdf", "application/pdf", b"%PDF-1.4 ..."),
    )
    async with db.transaction() as conn:
        await repo.enqueue(
            conn, key="k", channel="web", recipient="s1", payload=message.to_payload(), at=T0
        )
    sender = FakeSender()
    await deliver_pending(db, {"web": sender}, now=T0)
    assert sender.sent == [("s1", message)]


async def test_a_claimed_message_is_not_claimed_again_until_its_lease_ends(db: Database) -> None:
    id = await _enqueue(db, "k1")
    async with db.transaction() as conn:
        claimed = await repo.claim_outbox(conn, now=T0, limit=10)
        again = await repo.claim_outbox(conn, now=T0 + timedelta(seconds=30), limit=10)
        after_lease = await repo.claim_outbox(conn, now=T0 + timedelta(minutes=2), limit=10)
    assert [r.id for r in claimed] == [id] and claimed[0].attempts == 1
    assert again == []
    assert [r.id for r in after_lease] == [id] and after_lease[0].attempts == 2


async def test_a_message_scheduled_for_later_waits(db: Database) -> None:
    await _enqueue(db, "later", not_before=T0 + timedelta(hours=1))
    sender = FakeSender()
    assert (await deliver_pending(db, {"telegram": sender}, now=T0)).sent == 0
    assert (await deliver_pending(db, {"telegram": sender}, now=T0 + timedelta(hours=1))).sent == 1


async def test_a_message_held_for_office_hours_does_not_hold_back_the_chats_replies(
    db: Database,
) -> None:
    await _enqueue(db, "notice-for-the-morning", not_before=T0 + timedelta(hours=10))
    reply = await _enqueue(db, "reply-tonight")
    sender = FakeSender()

    assert reply is not None
    assert (await deliver_pending(db, {"telegram": sender}, now=T0)).sent == 1
    assert (await _row(db, reply)).status == repo.OUTBOX_SENT
    later = await deliver_pending(db, {"telegram": sender}, now=T0 + timedelta(hours=10))
    assert later.sent == 1


async def test_concurrent_claimers_never_get_the_same_message(db: Database) -> None:
    for i in range(30):
        await _enqueue(db, f"k{i}", recipient=f"c{i}")

    async def claim() -> list[int]:
        async with db.transaction() as conn:
            return [r.id for r in await repo.claim_outbox(conn, now=T0, limit=4)]

    batches = await asyncio.gather(*(claim() for _ in range(10)))
    claimed = [id for batch in batches for id in batch]
    assert len(claimed) == len(set(claimed)) == 30


@pytest.mark.postgres
async def test_a_second_replica_skips_rows_another_replica_holds(postgres_db: Database) -> None:
    db = postgres_db
    for i in range(6):
        await _enqueue(db, f"k{i}", recipient=f"c{i}")
    async with db.transaction() as first:
        held = await repo.claim_outbox(first, now=T0, limit=3)

        async def other_replica() -> list[repo.OutboxRecord]:
            async with db.transaction() as second:
                return await repo.claim_outbox(second, now=T0, limit=10)

        # Without SKIP LOCKED this would wait for the first transaction, which waits for it.
        taken = await asyncio.wait_for(other_replica(), timeout=30)
    assert len(held) == 3 and len(taken) == 3
    assert not {r.id for r in held} & {r.id for r in taken}


# --------------------------------------------------------------------------- delivery


async def test_a_message_is_marked_sent_after_it_was_sent_and_never_sent_twice(
    db: Database,
) -> None:
    id = await _enqueue(db, "k1")
    sender = FakeSender()
    report = await deliver_pending(db, {"telegram": sender}, now=T0)
    later = await deliver_pending(db, {"telegram": sender}, now=T0 + timedelta(hours=1))
    row = await _row(db, id)
    assert (report.sent, later.sent, len(sender.sent)) == (1, 0, 1)
    assert (row.status, row.sent_at, row.last_error) == ("sent", T0, None)


async def test_a_transient_error_is_retried_with_growing_waits_then_given_up(db: Database) -> None:
    id = await _enqueue(db, "k1")
    sender = FakeSender(*[ConnectionError("+62811 unreachable")] * 10)
    now = T0
    waits = []
    for _ in range(4):
        report = await deliver_pending(db, {"telegram": sender}, now=now, max_attempts=4)
        row = await _row(db, id)
        if row.status == "failed":
            break
        assert report.retried == 1
        # Too early: nothing is tried.
        await deliver_pending(
            db, {"telegram": sender}, now=row.next_attempt_at - timedelta(seconds=1)
        )
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert sender.calls == 4
    assert waits == [backoff(1), backoff(2), backoff(3)]
    assert waits[0] < waits[1] < waits[2]
    assert row.status == "failed" and row.attempts == 4
    assert row.last_error == "transient: ConnectionError"
    assert "+62811" not in (row.last_error or "")


async def test_a_message_that_fails_once_is_delivered_on_the_retry(db: Database) -> None:
    id = await _enqueue(db, "k1")
    sender = FakeSender(TimeoutError())
    await deliver_pending(db, {"telegram": sender}, now=T0)
    await deliver_pending(db, {"telegram": sender}, now=T0 + backoff(1))
    row = await _row(db, id)
    assert row.status == "sent" and len(sender.sent) == 1


async def test_the_wait_a_rate_limited_channel_asks_for_is_honoured(db: Database) -> None:
    id = await _enqueue(db, "k1")
    sender = FakeSender(RetryAfter(37))
    report = await deliver_pending(db, {"telegram": sender}, now=T0)
    row = await _row(db, id)
    assert report.retried == 1
    assert row.next_attempt_at == T0 + timedelta(seconds=37)
    await deliver_pending(db, {"telegram": sender}, now=T0 + timedelta(seconds=36))
    assert sender.sent == []
    await deliver_pending(db, {"telegram": sender}, now=T0 + timedelta(seconds=37))
    assert len(sender.sent) == 1


async def test_an_undeliverable_message_fails_at_once_and_the_next_one_still_goes(
    db: Database,
) -> None:
    bad = await _enqueue(db, "k1", text="satu")
    await _enqueue(db, "k2", text="dua")
    sender = FakeSender(PermanentFailure("chat not found"))
    report = await deliver_pending(db, {"telegram": sender}, now=T0)
    row = await _row(db, bad)
    assert (report.failed, report.sent) == (1, 1)
    assert row.status == "failed" and row.last_error == "permanent: chat not found"
    assert [m.text for _, m in sender.sent] == ["dua"]


async def test_a_chats_messages_keep_their_order_when_one_must_wait(db: Database) -> None:
    for n, text in enumerate(["satu", "dua", "tiga"]):
        await _enqueue(db, f"a{n}", text=text, recipient="chat-a")
    await _enqueue(db, "b0", text="lain", recipient="chat-b")
    sender = FakeSender(ConnectionError())
    first = await deliver_pending(db, {"telegram": sender}, now=T0)
    assert [m.text for _, m in sender.sent] == ["lain"]
    assert first.retried == 3
    # A new message to the waiting chat must not overtake the held ones.
    late = await _enqueue(db, "a3", text="empat", recipient="chat-a", at=T0 + timedelta(seconds=1))
    assert late is not None
    await deliver_pending(db, {"telegram": sender}, now=T0 + timedelta(seconds=1), ids=[late])
    assert [m.text for _, m in sender.sent] == ["lain"]
    await deliver_pending(db, {"telegram": sender}, now=T0 + backoff(1))
    assert [m.text for r, m in sender.sent if r == "chat-a"] == ["satu", "dua", "tiga", "empat"]
    async with db.transaction() as conn:
        rows = [await repo.get_outbox(conn, id=i) for i in range(1, 6)]
    # Messages held behind the failed one did not use up their attempts.
    assert [r.attempts for r in rows if r is not None] == [2, 1, 1, 1, 1]


async def test_messages_of_a_channel_without_a_sender_stay_queued(db: Database) -> None:
    wa = await _enqueue(db, "w1", channel="whatsapp")
    await _enqueue(db, "t1", channel="telegram")
    telegram: Sender = FakeSender()
    report = await deliver_pending(db, {"telegram": telegram}, now=T0)
    row = await _row(db, wa)
    assert report.sent == 1
    assert (row.status, row.attempts) == ("pending", 0)
    whatsapp = FakeSender()
    await deliver_pending(db, {"whatsapp": whatsapp}, now=T0)
    assert len(whatsapp.sent) == 1


async def test_only_the_requested_messages_are_sent_when_ids_are_given(db: Database) -> None:
    mine = await _enqueue(db, "k1", recipient="c1")
    await _enqueue(db, "k2", recipient="c2")
    assert mine is not None
    sender = FakeSender()
    await deliver_pending(db, {"telegram": sender}, now=T0, ids=[mine])
    assert [r for r, _ in sender.sent] == ["c1"]
