"""Random (but reproducible) send failures for the fake Bot API and Graph API.

`Flakiness.decide(key)` says what the fake does with one request: answer normally, fail it
(HTTP 500, a 429 with a wait, a stall past the client's timeout ending in a 500), or accept it
and answer only after the client has given up (`LATE`: the chat got the message, the client
thinks the send failed; the only case where sending it again is expected).

Decisions hash (seed, key, how many times this key came before) instead of drawing from one
random stream, so they do not depend on how concurrent chats interleave: the same request in
the same chat meets the same fate on every run. A key (one message to one chat) never fails
more than `max_in_a_row` times running, so it never reaches the outbox's last attempt: these
tests are about a flaky network, not a channel that is down for good.
"""

from __future__ import annotations

import enum
import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field


class Outcome(enum.Enum):
    OK = "ok"
    ERROR = "error"  # HTTP 500 at once
    RATE_LIMITED = "rate-limited"  # 429 (or the platform's rate-limit error) with a wait
    STALL = "stall"  # no answer within the client's timeout, then a 500
    LATE = "late"  # accepted (the chat has it), answered after the client's timeout

    @property
    def delivered(self) -> bool:
        """The chat received the message."""
        return self in (Outcome.OK, Outcome.LATE)


FAILURES = (Outcome.ERROR, Outcome.RATE_LIMITED, Outcome.STALL, Outcome.LATE)


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    retry_after: int = 0  # seconds, for RATE_LIMITED
    variant: int = 0  # which shape of the failure to answer with (the fakes choose by it)


@dataclass
class Flakiness:
    """Which requests fail, and how; shared by a fake's request handlers (thread-safe)."""

    rate: float = 0.3
    seed: int = 0
    stall: float = 1.0  # seconds: set it well above the client's read timeout
    max_in_a_row: int = 5
    waits: tuple[int, ...] = (1, 2, 3, 5)
    counts: Counter[Outcome] = field(default_factory=Counter)
    _seen: Counter[str] = field(default_factory=Counter)
    _in_a_row: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, key: str) -> Decision:
        """The fate of the next request identified by `key` (e.g. chat and text)."""
        with self._lock:
            occurrence = self._seen[key]
            self._seen[key] += 1
            digest = hashlib.sha256(f"{self.seed}|{key}|{occurrence}".encode()).digest()
            draw = int.from_bytes(digest[:8], "big") / 2**64
            if draw >= self.rate or self._in_a_row[key] >= self.max_in_a_row:
                self._in_a_row[key] = 0
                decision = Decision(Outcome.OK)
            else:
                self._in_a_row[key] += 1
                decision = Decision(
                    FAILURES[digest[8] % len(FAILURES)],
                    retry_after=self.waits[digest[9] % len(self.waits)],
                    variant=digest[10],
                )
            self.counts[decision.outcome] += 1
            return decision

    def summary(self) -> dict[Outcome, int]:
        """How many requests met each outcome so far."""
        with self._lock:
            return dict(self.counts)
