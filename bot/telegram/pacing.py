"""Telegram's rate limits for the outbox relay (see `bot.pacing` for how sends are paced).

From the Bot API FAQ: "avoid sending more than one message per second" in one chat ("we may allow
short bursts"), and bulk notifications at no more than about 30 messages per second. The sweep
relaying the outbox keeps under both; the replies of a live dialog are never held back, they only
take their share. (Groups allow 20 messages a minute; every chat this bot writes to is private.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.delivery import Sender
from bot.messages import Outbound
from bot.pacing import PacedSender, Pacer
from bot.telegram.render import split_text

MESSAGES_PER_SECOND = 30
# Left free by the bulk relay, so a live reply burst in the same second never makes it 31.
LIVE_RESERVE_PER_SECOND = 3
CHAT_INTERVAL_SECONDS = 1.0
# A dialog step sends up to three messages at once (the answer, a note, the next question).
CHAT_BURST = 3


def telegram_pacer(
    *,
    processes: int = 1,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> Pacer:
    """A pacer at Telegram's limits (the limits are the bot's: `processes` server processes on
    this machine (WORKERS) share them)."""
    return Pacer(
        per_second=(MESSAGES_PER_SECOND - LIVE_RESERVE_PER_SECOND) / max(processes, 1),
        chat_interval=CHAT_INTERVAL_SECONDS,
        chat_burst=CHAT_BURST,
        clock=clock,
        sleep=sleep,
    )


def messages_in(message: Outbound) -> int:
    """How many Bot API messages `TelegramSender` sends for `message` (text parts, document)."""
    parts = len(split_text(message.text)) if message.text.strip() else 0
    return max(1, parts + (message.document is not None))


def paced(sender: Sender, pacer: Pacer | None = None) -> PacedSender:
    """`sender` (the Telegram sender) with its bulk relay paced at Telegram's limits."""
    return PacedSender(sender, pacer or telegram_pacer(), cost=messages_in)
