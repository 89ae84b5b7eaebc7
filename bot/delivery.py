"""Outbox delivery, shared by every channel.

Handlers only `enqueue` replies inside their transaction; this module sends them afterwards:
claim (committed, so other replicas skip the rows), send through the channel's `Sender`, and
mark each row sent only once its send succeeded. Delivery is at-least-once: a crash between
sending and marking resends that one message after the claim's lease runs out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.messages import Outbound
from storage import repositories as repo
from storage.db import Database

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)


class RetryAfter(Exception):
    """The channel asked us to wait (HTTP 429 `retry_after`) before sending again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:g}s")
        self.seconds = seconds


class PermanentFailure(Exception):
    """The message can never be delivered (blocked bot, unknown chat).

    `reason` is stored, so it must not contain personal data.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Sender(Protocol):
    async def send(self, recipient: str, message: Outbound) -> None:
        """Deliver one message or raise `RetryAfter`, `PermanentFailure` or anything (transient)."""
        ...


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed tries: 10 s, 20 s, 40 s ... at most 1 h."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


async def deliver_pending(
    db: Database,
    senders: Mapping[str, Sender],
    *,
    now: datetime,
    ids: Sequence[int] | None = None,
    limit: int = 50,
    max_attempts: int = 8,
) -> DeliveryReport:
    """Send due outbox messages (only `ids` if given) for the channels that have a sender.

    Rows of channels without a sender stay pending for whichever process owns that channel.
    """
    if not senders or (ids is not None and not ids):
        return DeliveryReport()
    async with db.transaction() as conn:
        claimed = await repo.claim_outbox(
            conn, now=now, limit=limit, ids=ids, channels=list(senders)
        )
    sent = retried = failed = 0
    # After a failure, later messages to the same chat wait with it, so the chat stays in order.
    held: dict[tuple[str, str], datetime] = {}
    for row in claimed:
        chat = (row.channel, row.recipient)
        if chat in held:
            async with db.transaction() as conn:
                await repo.mark_retry(
                    conn, id=row.id, at=now, retry_at=held[chat], error=None, count_attempt=False
                )
            retried += 1
            continue
        outcome, retry_at = await _send_one(db, senders[row.channel], row, now, max_attempts)
        if outcome == "sent":
            sent += 1
        elif outcome == "retry":
            retried += 1
            assert retry_at is not None
            held[chat] = retry_at
        else:
            failed += 1
    return DeliveryReport(sent=sent, retried=retried, failed=failed)


async def _send_one(
    db: Database, sender: Sender, row: repo.OutboxRecord, now: datetime, max_attempts: int
) -> tuple[str, datetime | None]:
    """Send one claimed row and record the outcome: 'sent', 'retry' (with when) or 'failed'."""
    try:
        await sender.send(row.recipient, Outbound.from_payload(row.payload))
    except PermanentFailure as exc:
        error = f"permanent: {exc.reason}"
        retry_at = None
    except RetryAfter as exc:
        error = f"rate limited: retry after {exc.seconds:g}s"
        retry_at = now + max(timedelta(seconds=exc.seconds), timedelta(seconds=1))
    except Exception as exc:
        # Only the class name: exception texts may quote phone numbers or message content.
        error = f"transient: {type(exc).__name__}"
        retry_at = now + backoff(row.attempts)
    else:
        async with db.transaction() as conn:
            await repo.mark_sent(conn, id=row.id, at=now)
        return "sent", None

    async with db.transaction() as conn:
        if retry_at is None or row.attempts >= max_attempts:
            log.warning("outbox %s to %s failed for good: %s", row.id, row.channel, error)
            await repo.mark_failed(conn, id=row.id, at=now, error=error)
            return "failed", None
        log.info("outbox %s to %s will retry: %s", row.id, row.channel, error)
        await repo.mark_retry(conn, id=row.id, at=now, retry_at=retry_at, error=error)
        return "retry", retry_at
