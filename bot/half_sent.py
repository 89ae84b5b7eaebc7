"""What a channel remembers of messages it sent only part of.

A message may take several API calls (a long text in parts, a text before its buttons or its
document). When a later call fails, the outbox retries the whole message; the channel's sender
remembers here (in memory, for an hour) how many calls the platform already accepted and
sends only the rest, so the person does not read the text twice. A retry on another replica or
after a restart sends it whole again (at-least-once, like any send cut off by a crash).
"""

from __future__ import annotations

import time
from collections.abc import Callable

# How long, and for how many messages, the accepted calls of a half-sent message are remembered
# (the outbox's eight tries are over within about 21 minutes of the first; forgetting soon
# keeps a later message of the same words to the same chat from being cut short).
HALF_SENT_SECONDS = 3600.0
HALF_SENT_LIMIT = 10_000


class HalfSent:
    """How many calls of each half-sent message the platform accepted, by (recipient, digest)."""

    def __init__(
        self,
        *,
        keep_seconds: float = HALF_SENT_SECONDS,
        limit: int = HALF_SENT_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keep_seconds = keep_seconds
        self.limit = limit
        self.clock = clock
        self._done: dict[tuple[str, str], tuple[int, float]] = {}

    def take(self, key: tuple[str, str]) -> int:
        """The calls already accepted (0 when none or forgotten); forgets them."""
        found = self._done.pop(key, None)
        if found is None or self.clock() - found[1] > self.keep_seconds:
            return 0
        return found[0]

    def remember(self, key: tuple[str, str], done: int) -> None:
        """`done` calls of this message were accepted before a later one failed."""
        now = self.clock()
        if len(self._done) >= self.limit:
            self._done = {k: v for k, v in self._done.items() if now - v[1] <= self.keep_seconds}
            while len(self._done) >= self.limit:
                del self._done[next(iter(self._done))]
        self._done[key] = (done, now)
