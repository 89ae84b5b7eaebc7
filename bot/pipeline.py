"""The one inbound path every channel uses: the dialog engine records the update and its replies
durably, then those replies are sent right away. A reply that cannot be sent now stays in the
outbox, and the scheduler's sweep retries it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from bot import metrics
from bot.delivery import (
    PermanentFailure,
    RetryAfter,
    Sender,
    SentMarks,
    deliver_pending,
    send_claimed,
)
from bot.engine import Claim, DialogEngine, HandleResult
from bot.messages import Inbound, Outbound
from bot.pacing import bulk_relay
from core.clock import utcnow
from storage import repositories as repo
from storage.db import STORAGE_FAILURES, Database
from storage.repositories import OutboxRecord

log = logging.getLogger(__name__)

# One sweep sends at most this many batches, so a large backlog drains without starving
# the scheduler's other jobs (claimed rows are leased, so a batch never repeats a row).
SWEEP_BATCH = 50
SWEEP_MAX_BATCHES = 20
# Replies held behind a message still on its way to their chat are tried again after these
# waits (doubling up to 1 s) until it is through, for at most this long; then the sweep has them.
CHASE_FIRST_WAIT = 0.05
CHASE_SECONDS = 15.0


class DurableWriteError(Exception):
    """The update could not be recorded; the channel should ask its platform to redeliver it."""


class CountingSender:
    """A `Sender` that counts every attempt's result in the metrics."""

    def __init__(self, channel: str, inner: Sender) -> None:
        self.channel = channel
        self.inner = inner

    async def send(self, recipient: str, message: Outbound) -> None:
        """Send through the wrapped sender, counting sent/retry/failed/error."""
        result = "error"
        try:
            await self.inner.send(recipient, message)
            result = "sent"
        except RetryAfter:
            result = "retry"
            raise
        except PermanentFailure:
            result = "failed"
            raise
        finally:
            metrics.MESSAGES_OUT.labels(channel=self.channel, result=result).inc()


class Pipeline:
    """Inbound message → dialog engine (one transaction) → immediate delivery of its replies."""

    def __init__(
        self,
        *,
        db: Database,
        engine: DialogEngine,
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime] = utcnow,
        holder: str | None = None,
    ) -> None:
        self.db = db
        self.engine = engine
        # Shared with the runtime: channels that start later still get their replies delivered.
        self.senders = senders
        self.clock = clock
        # Names this server on the outbox rows it claims (storage.replica).
        self.holder = holder
        self.marks = SentMarks(db)
        self._chasers: set[asyncio.Task[None]] = set()

    async def aclose(self) -> None:
        """Stop chasing held replies (the sweep has them) and wait for the sent marks still
        being committed (before the database closes)."""
        for task in list(self._chasers):
            task.cancel()
        await asyncio.gather(*self._chasers, return_exceptions=True)
        await self.marks.aclose()

    async def process(self, inbound: Inbound) -> HandleResult:
        """Handle `inbound` durably, then try to send its replies once.

        Raises `DurableWriteError` when the database could not record it; any other exception
        is a bug in handling this particular input and is re-raised after being counted.
        """
        channel = inbound.channel
        metrics.UPDATES_IN.labels(channel=channel).inc()
        started = time.perf_counter()
        try:
            result = await self.engine.handle(
                inbound, claim=Claim(channels=tuple(self.senders), holder=self.holder)
            )
        except STORAGE_FAILURES as exc:
            metrics.count_error(channel, "storage")
            raise DurableWriteError(type(exc).__name__) from exc
        except Exception:
            metrics.count_error(channel, "dialog")
            raise
        finally:
            metrics.HANDLING_SECONDS.labels(channel=channel).observe(time.perf_counter() - started)
        if result.duplicate:
            metrics.DUPLICATES.labels(channel=channel).inc()
            return result
        if result.claimed is None:
            await self.deliver(channel, result.outbox_ids)
        else:
            await self._send(channel, result.claimed)
            sending = {row.id for row in result.claimed}
            behind = [i for i in result.outbox_ids if i not in sending]
            if behind:
                self._chase(behind)
        return result

    def _chase(self, ids: list[int]) -> None:
        """Send, as soon as it is through, the replies held behind a message still on its way
        to the same chat (another update's, or a notice), instead of at the next sweep."""
        task = asyncio.get_running_loop().create_task(self._send_when_free(ids))
        self._chasers.add(task)
        task.add_done_callback(self._chasers.discard)

    async def _send_when_free(self, ids: list[int]) -> None:
        remaining = set(ids)
        delay = CHASE_FIRST_WAIT
        deadline = time.monotonic() + CHASE_SECONDS
        try:
            while remaining and time.monotonic() < deadline:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                async with self.db.transaction() as conn:
                    claimed = await repo.claim_outbox(
                        conn,
                        now=self.clock(),
                        limit=len(remaining),
                        ids=sorted(remaining),
                        channels=list(self.senders),
                        holder=self.holder,
                    )
                    if not claimed and not await repo.any_due(
                        conn, ids=sorted(remaining), now=self.clock(), channels=list(self.senders)
                    ):
                        return  # sent by a sweep, held for later, or for another channel
                if claimed:
                    await send_claimed(
                        self.db, self.senders, claimed, now=self.clock(), marks=self.marks
                    )
                    remaining -= {row.id for row in claimed}
        except Exception:
            # They are safe in the outbox: the sweep sends them.
            log.exception("sending replies held behind an earlier message failed")

    async def _send(self, channel: str, claimed: Sequence[OutboxRecord]) -> None:
        """Send the rows claimed in the update's transaction; what fails stays for the sweep."""
        if not claimed:
            return
        try:
            await send_claimed(self.db, self.senders, claimed, now=self.clock(), marks=self.marks)
        except Exception:
            metrics.count_error(channel, "delivery")
            log.exception("immediate delivery failed on %s; left for the outbox sweep", channel)

    async def deliver(self, channel: str, outbox_ids: Sequence[int]) -> None:
        """Send these outbox rows now; whatever fails stays pending for the sweep."""
        if not outbox_ids:
            return
        try:
            await deliver_pending(
                self.db, self.senders, now=self.clock(), ids=list(outbox_ids), holder=self.holder
            )
        except Exception:
            # The rows are safe in the outbox; the sweep will try them again.
            metrics.count_error(channel, "delivery")
            log.exception("immediate delivery failed on %s; left for the outbox sweep", channel)

    async def sweep(self) -> None:
        """Send the due outbox rows (the scheduler's retry job), batch after batch, as a bulk
        relay: paced senders wait for their platform's rate limits here (bot.pacing)."""
        with bulk_relay():
            for _ in range(SWEEP_MAX_BATCHES):
                report = await deliver_pending(
                    self.db, self.senders, now=self.clock(), limit=SWEEP_BATCH, holder=self.holder
                )
                if report.sent + report.retried + report.failed < SWEEP_BATCH:
                    return
