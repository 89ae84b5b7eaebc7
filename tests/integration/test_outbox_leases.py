"""A server killed while sending (kill -9, a power cut) and started again sends the replies its
previous life had claimed at once, instead of every chat waiting out the 60 s lease; another
live replica's claims are left alone (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.deps import Channel
from bot.messages import Outbound
from bot.server import Job, create_app, sweep_outbox
from core.clock import utcnow
from core.settings import Settings
from storage import repositories as repo
from storage.db import Database
from storage.replica import claim_replica

ANOTHER_REPLICA = "other-host:0123456789ab:0"


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.arrived = asyncio.Event()

    async def send(self, recipient: str, message: Outbound) -> None:
        self.sent.append((recipient, message.text))
        self.arrived.set()


async def queue_and_claim(
    db: Database, recipient: str, texts: list[str], holder: str
) -> list[repo.OutboxRecord]:
    """Messages queued, then claimed by `holder` which never marks them (it was killed)."""
    now = utcnow()
    async with db.transaction() as conn:
        for text in texts:
            await repo.enqueue(
                conn,
                key=f"test:{recipient}:{text}",
                channel="echo",
                recipient=recipient,
                payload=Outbound(text).to_payload(),
                at=now,
            )
        claimed = await repo.claim_outbox(conn, now=now, limit=50, holder=holder)
    assert {row.lease_holder for row in claimed} == {holder}
    return claimed


async def test_a_restarted_server_sends_what_its_previous_life_had_claimed_at_once(
    db: Database, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", agency="babel")  # type: ignore[call-arg]
    previous_life = claim_replica(settings.data_dir, db.url)
    await queue_and_claim(db, "chat-1", ["Satu", "Dua", "Tiga"], previous_life.id)
    await queue_and_claim(db, "chat-2", ["Milik replika lain"], ANOTHER_REPLICA)
    previous_life.release()  # what the kernel does for a killed process

    sender = RecordingSender()
    echo = Channel(name="echo", sender=lambda _settings: sender)
    jobs = [Job("outbox", sweep_outbox, seconds=3600, at_start=True)]
    app = create_app(settings, db=db, channels=[echo], jobs=jobs)
    async with app.router.lifespan_context(app):
        async with asyncio.timeout(10):  # the lease alone would hold them for 60 s
            while len(sender.sent) < 3:
                sender.arrived.clear()
                await sender.arrived.wait()

    assert sender.sent == [("chat-1", "Satu"), ("chat-1", "Dua"), ("chat-1", "Tiga")]
    async with db.transaction() as conn:
        others = await repo.claim_outbox(conn, now=utcnow(), limit=50)
    assert others == []  # still leased by the live replica that claimed it


async def test_only_the_holders_unmarked_claims_are_handed_back(db: Database) -> None:
    sent, waiting = await queue_and_claim(db, "chat-1", ["Terkirim", "Tertunda"], "me:0")
    await queue_and_claim(db, "chat-2", ["Lain"], "you:0")
    now = utcnow()
    async with db.transaction() as conn:
        await repo.mark_sent(conn, id=sent.id, at=now)

        released = await repo.release_leases(conn, holder="me:0", now=now)
        again = await repo.claim_outbox(conn, now=now, limit=50, holder="me:0")

    assert released == 1
    assert [(row.id, row.lease_holder, row.attempts) for row in again] == [(waiting.id, "me:0", 2)]
    async with db.transaction() as conn:
        done = await repo.get_outbox(conn, id=sent.id)
    assert done is not None and done.status == repo.OUTBOX_SENT and done.lease_holder is None


def test_a_server_started_again_on_the_same_data_dir_is_the_same_replica(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://desk@127.0.0.1/desk"
    first = claim_replica(tmp_path / "data", url)
    alongside = claim_replica(tmp_path / "data", url)  # a second live server, same DATA_DIR
    first_id = first.id
    first.release()
    again = claim_replica(tmp_path / "data", url)
    try:
        assert again.id == first_id != alongside.id
        assert claim_replica(tmp_path / "elsewhere", url).id != first_id
    finally:
        again.release()
        alongside.release()
