"""Pacing a channel's bulk relay under the platform's rate limits, without slowing live replies.

The outbox sweep (`Pipeline.sweep`) relays whatever piled up (a burst of alerts, a backlog
after an outage) as fast as the database hands it over. A platform that limits senders (Telegram:
about 30 messages a second per bot, about one a second per chat) answers the excess with 429:
each one costs the row an attempt (eight and it fails for good) and holds the chat's later
messages until a later sweep. So the relay asks for a slot before each send instead.

Two kinds of sends go through a `PacedSender`:

- bulk: inside `bulk_relay()` (the sweep sets it), a send waits for its slot: first its chat's,
  then the bot's. Slots are reserved before waiting, so one chat's messages keep their order.
- live: any other send (the replies to the update being handled) goes at once and never waits;
  it only takes its slots, so the bulk relay leaves room for the live dialog. Platforms tolerate
  the short per-chat bursts of a dialog (two or three messages).

Slots follow the generic cell rate algorithm (virtual scheduling): the bot's messages are spaced
`1/per_second` apart; a chat may send `chat_burst` messages at once, then one per
`chat_interval`. Both run `margin` slower than the platform's figure, so the jitter between our
clock and the platform's never reads as a breach. A message the channel sends as several calls
(a long text in parts) costs one slot per call.

Limits are per process: the worker processes of one server divide `per_second` between them
(WORKERS); replicas on other machines sharing one bot should be given their share. The relay
sends one row at a time, so rows behind a chat that waits for its slot wait too; rows a batch
does not reach before its claim nearly runs out are handed back unsent (`bot.delivery`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from bot.delivery import Sender
from bot.messages import Outbound

_BULK: ContextVar[bool] = ContextVar("bulk_relay", default=False)
# Chats whose slots are all free again are forgotten once this many are remembered.
_PRUNE_AT = 1024


@contextmanager
def bulk_relay() -> Iterator[None]:
    """Sends made inside this block (in this task and the tasks it starts) wait for a slot."""
    token = _BULK.set(True)
    try:
        yield
    finally:
        _BULK.reset(token)


def in_bulk_relay() -> bool:
    """True inside `bulk_relay()`."""
    return _BULK.get()


class Pacer:
    """Slots for one bot: `per_second` overall, and per chat a burst then one per interval."""

    def __init__(
        self,
        *,
        per_second: float,
        chat_interval: float,
        chat_burst: int,
        margin: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.interval = (1.0 + margin) / per_second
        self.chat_interval = chat_interval * (1.0 + margin)
        self.chat_tolerance = (max(chat_burst, 1) - 1) * self.chat_interval
        self.clock = clock
        self.sleep = sleep
        # Theoretical arrival times (GCRA): when the next message would be exactly on rate.
        self._bot = float("-inf")
        self._chats: dict[str, float] = {}

    async def wait(self, chat: str, cost: int = 1) -> float:
        """Wait for a slot for `cost` messages to `chat` (bulk); returns the seconds waited."""
        started = now = self.clock()
        tat = max(self._chats.get(chat, now), now)
        at = tat + (cost - 1) * self.chat_interval - self.chat_tolerance
        self._chats[chat] = max(tat, at) + cost * self.chat_interval
        if at > now:
            await self.sleep(at - now)
            now = self.clock()
        # The bot's slot only once the chat's has come: a chat waiting does not also burn bot
        # slots. (The relay sends one row at a time, so the rows behind it do wait.)
        at = max(self._bot, now) + (cost - 1) * self.interval
        self._bot = at + self.interval
        if at > now:
            await self.sleep(at - now)
        self._prune()
        return self.clock() - started

    def record(self, chat: str, cost: int = 1) -> None:
        """Count `cost` messages to `chat` sent without waiting (live)."""
        now = self.clock()
        # Live traffic beyond the limits pushes the bulk relay back by at most about a second
        # overall and one burst in the chat: what the platform would make us wait.
        self._bot = min(max(self._bot, now) + cost * self.interval, now + 1.0)
        chat_tat = max(self._chats.get(chat, now), now) + cost * self.chat_interval
        self._chats[chat] = min(chat_tat, now + self.chat_tolerance + self.chat_interval)
        self._prune()

    def _prune(self) -> None:
        if len(self._chats) >= _PRUNE_AT:
            now = self.clock()
            self._chats = {chat: tat for chat, tat in self._chats.items() if tat > now}


class PacedSender:
    """A `Sender` whose bulk sends wait for the `pacer`'s slots (see the module's docstring).

    `cost` is how many platform messages one `Outbound` becomes.
    """

    def __init__(
        self, inner: Sender, pacer: Pacer, cost: Callable[[Outbound], int] = lambda _: 1
    ) -> None:
        self.inner = inner
        self.pacer = pacer
        self.cost = cost

    async def send(self, recipient: str, message: Outbound) -> None:
        """Take a slot (waiting for it in a bulk relay), then send through the wrapped sender."""
        cost = max(1, self.cost(message))
        if in_bulk_relay():
            await self.pacer.wait(recipient, cost)
        else:
            self.pacer.record(recipient, cost)
        await self.inner.send(recipient, message)
