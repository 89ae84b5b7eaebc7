"""Outbox delivery, shared by every channel.

Handlers only `enqueue` replies inside their transaction; this module sends them afterwards:
claim (committed, so other replicas skip the rows), send through the channel's `Sender`, and
mark each row sent only once its send succeeded. Delivery is at-least-once: a crash between
sending and marking resends that one message, once the server is back (it hands back the
claims it held: `repo.release_leases`) or the claim's lease runs out on another replica.
"""

from __future__ import annotations

import asyncio
import logging
import time
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
# A claimed row is not sent this close to its claim running out (another sweep may take it).
LEASE_MARGIN = timedelta(seconds=5)


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
    holder: str | None = None,
) -> DeliveryReport:
    """Send due outbox messages (only `ids` if given) for the channels that have a sender.

    Rows of channels without a sender stay pending for whichever process owns that channel.
    `holder` names this server on the rows it claims (see `repo.release_leases`).
    """
    if not senders or (ids is not None and not ids):
        return DeliveryReport()
    async with db.transaction() as conn:
        claimed = await repo.claim_outbox(
            conn, now=now, limit=limit, ids=ids, channels=list(senders), holder=holder
        )
    return await send_claimed(db, senders, claimed, now=now, max_attempts=max_attempts)


async def send_claimed(
    db: Database,
    senders: Mapping[str, Sender],
    claimed: Sequence[repo.OutboxRecord],
    *,
    now: datetime,
    max_attempts: int = 8,
    marks: SentMarks | None = None,
) -> DeliveryReport:
    """Send rows this server has claimed, each chat's in order, and record each outcome.

    Each row is marked sent right after its send; with `marks` (the replies of one update) in a
    commit shared with the other updates finishing at the same moment, which the sends do not
    wait for. A row whose claim is about to run out is not sent: it and the rows after it are
    handed back, due at once, so another sweep never sends a row this one might still send.
    """
    started = time.monotonic()
    claimed = _interleaved(claimed)
    sent = retried = failed = 0
    marking: list[asyncio.Future[None]] = []
    # After a failure, later messages to the same chat wait with it, so the chat stays in order.
    held: dict[tuple[str, str], datetime] = {}
    for index, row in enumerate(claimed):
        at = now + timedelta(seconds=time.monotonic() - started)
        if at >= row.next_attempt_at - LEASE_MARGIN:
            await _hand_back(db, claimed[index:], now)
            retried += len(claimed) - index
            break
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
            if marks is not None:
                marking.append(marks.add([row.id], now))
            else:
                await _mark_sent(db, [row.id], now)
        elif outcome == "retry":
            retried += 1
            assert retry_at is not None
            held[chat] = retry_at
        else:
            failed += 1
    if marking:
        await asyncio.gather(*(asyncio.shield(done) for done in marking))
    return DeliveryReport(sent=sent, retried=retried, failed=failed)


def _interleaved(rows: Sequence[repo.OutboxRecord]) -> list[repo.OutboxRecord]:
    """The rows chat by chat in turns (each chat's first, then each one's second...), every
    chat's own in order: a chat with a long backlog, paced at its platform's per-chat rate,
    then holds up only itself, not the chats whose rows came after it."""
    queues: dict[tuple[str, str], list[repo.OutboxRecord]] = {}
    for row in rows:
        queues.setdefault((row.channel, row.recipient), []).append(row)
    if len(queues) <= 1:
        return list(rows)
    ordered: list[repo.OutboxRecord] = []
    for turn in range(max(len(queue) for queue in queues.values())):
        ordered.extend(queue[turn] for queue in queues.values() if turn < len(queue))
    return ordered


async def _hand_back(db: Database, rows: Sequence[repo.OutboxRecord], at: datetime) -> None:
    """Give claimed rows back unsent, due at once and without counting the claim's attempt."""
    async with db.transaction() as conn:
        for row in rows:
            await repo.mark_retry(
                conn, id=row.id, at=at, retry_at=at, error=None, count_attempt=False
            )


class SentMarks:
    """Marks sent rows for many concurrent callers in one transaction (a group commit).

    Callers queue their rows with `add` and may wait for the returned future; callers arriving
    while a commit runs share the next one. On a busy server this turns one transaction per
    sent reply into one per burst. A batch that fails is retried one caller at a time, so one
    bad caller does not fail the others. `aclose` waits for the last commit.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: list[tuple[list[int], datetime, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, ids: Sequence[int], at: datetime) -> asyncio.Future[None]:
        """Queue `ids` to be recorded as sent at `at`; the future is done once they are."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._waiting.append((list(ids), at, done))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._commit_all())
        return done

    async def mark(self, ids: Sequence[int], at: datetime) -> None:
        """Return once `ids` are recorded as sent at `at` (raises if that failed)."""
        if ids:
            await asyncio.shield(self.add(ids, at))

    async def aclose(self) -> None:
        """Wait until everything queued is committed (before the database is closed)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _commit_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._commit(batch)
            except Exception:
                for one in batch:
                    try:
                        await self._commit([one])
                    except Exception as exc:
                        _settle(one[2], exc)
                    else:
                        _settle(one[2], None)
            else:
                for _, _, done in batch:
                    _settle(done, None)

    async def _commit(self, batch: list[tuple[list[int], datetime, asyncio.Future[None]]]) -> None:
        async with self.db.transaction() as conn:
            for ids, at, _ in batch:
                await repo.mark_sent(conn, ids=ids, at=at)


def _settle(done: asyncio.Future[None], error: Exception | None) -> None:
    """Resolve a caller's future (once; a caller that gave up is not told)."""
    if done.done():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
        # Retrieved here so a caller that stopped waiting leaves no "never retrieved" warning.
        done.exception()


async def _mark_sent(db: Database, ids: list[int], now: datetime) -> None:
    if ids:
        async with db.transaction() as conn:
            await repo.mark_sent(conn, ids=ids, at=now)


def _message(row: repo.OutboxRecord) -> Outbound:
    """The row's message; a payload that cannot be read is a permanent failure."""
    try:
        return Outbound.from_payload(row.payload)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PermanentFailure(f"unreadable payload ({type(exc).__name__})") from exc


def _encoding_error(exc: BaseException) -> UnicodeError | None:
    """The UnicodeError behind `exc`, however the channel's library wrapped it (PTB turns it
    into a NetworkError), or None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, UnicodeError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


async def _send_one(
    db: Database, sender: Sender, row: repo.OutboxRecord, now: datetime, max_attempts: int
) -> tuple[str, datetime | None]:
    """Send one claimed row and record the outcome: 'sent', 'retry' (with when) or 'failed'."""
    try:
        message = _message(row)
        await sender.send(row.recipient, message)
    except PermanentFailure as exc:
        error = f"permanent: {exc.reason}"
        retry_at = None
    except RetryAfter as exc:
        error = f"rate limited: retry after {exc.seconds:g}s"
        retry_at = now + max(timedelta(seconds=exc.seconds), timedelta(seconds=1))
    except Exception as exc:
        encoding = _encoding_error(exc)
        # Only the class name: exception texts may quote phone numbers or message content.
        if encoding is not None:
            # The same text fails the same way on every try (a lone surrogate, say): retrying
            # it for twenty minutes would only hold back every later message to the chat.
            error = f"permanent: {type(encoding).__name__}"
            retry_at = None
        else:
            error = f"transient: {type(exc).__name__}"
            retry_at = now + backoff(row.attempts)
    else:
        return "sent", None

    async with db.transaction() as conn:
        if retry_at is None or row.attempts >= max_attempts:
            log.warning("outbox %s to %s failed for good: %s", row.id, row.channel, error)
            await repo.mark_failed(conn, id=row.id, at=now, error=error)
            return "failed", None
        log.info("outbox %s to %s will retry: %s", row.id, row.channel, error)
        await repo.mark_retry(conn, id=row.id, at=now, retry_at=retry_at, error=error)
        return "retry", retry_at
