"""The Telegram relay's pacing (bot.pacing, bot.telegram.pacing), on a virtual clock: what the
chats and Telegram would see of a broadcast, a chat's backlog and a live dialog meanwhile."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Sequence
from typing import Any

import pytest

from bot.delivery import RetryAfter
from bot.messages import Outbound, OutboundDocument
from bot.pacing import PacedSender, bulk_relay
from bot.telegram.pacing import messages_in, paced, telegram_pacer
from bot.telegram.render import MAX_TEXT


class VirtualTime:
    """A clock that only moves when every task waits on it: then it jumps to the next wake-up."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def run(self, *work: Awaitable[Any]) -> None:
        """Run `work` concurrently to its end, moving the clock whenever all of it waits."""
        tasks = [asyncio.ensure_future(w) for w in work]
        while not all(task.done() for task in tasks):
            for _ in range(50):
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                break
            assert self._sleepers, "every task is stuck on something other than the clock"
            when, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, when)
            future.set_result(None)
        for task in tasks:
            task.result()


class Telegram:
    """What reached Telegram: (time, chat, text) per message."""

    def __init__(self, clock: VirtualTime) -> None:
        self.clock = clock
        self.sent: list[tuple[float, str, str]] = []

    async def send(self, recipient: str, message: Outbound) -> None:
        self.sent.append((self.clock(), recipient, message.text))

    def times(self, chat: str | None = None) -> list[float]:
        return [at for at, to, _ in self.sent if chat is None or to == chat]


def most_in_any_second(times: Sequence[float]) -> int:
    ordered = sorted(times)
    return max(
        (sum(1 for t in ordered if start <= t < start + 1.0) for start in ordered), default=0
    )


@pytest.fixture
def clock() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def telegram(clock: VirtualTime) -> Telegram:
    return Telegram(clock)


@pytest.fixture
def sender(clock: VirtualTime, telegram: Telegram) -> PacedSender:
    return paced(telegram, telegram_pacer(clock=clock, sleep=clock.sleep))


async def relay(sender: PacedSender, messages: Sequence[tuple[str, str]]) -> None:
    """The outbox sweep: one message after the other, as a bulk relay."""
    with bulk_relay():
        for chat, text in messages:
            await sender.send(chat, Outbound(text))


async def test_a_broadcast_to_100_chats_never_exceeds_30_messages_a_second(
    clock: VirtualTime, telegram: Telegram, sender: PacedSender
) -> None:
    await clock.run(relay(sender, [(str(1000 + i), f"pesan {i}") for i in range(100)]))

    assert len(telegram.sent) == 100
    assert most_in_any_second(telegram.times()) <= 30
    # ... and it does not dawdle either: about 26 a second, the rest left for live replies.
    assert clock.now < 100 / 25


async def test_one_chats_backlog_keeps_its_order_at_about_one_message_a_second(
    clock: VirtualTime, telegram: Telegram, sender: PacedSender
) -> None:
    async def one(index: int) -> None:
        with bulk_relay():
            await sender.send("42", Outbound(f"pesan {index}"))

    # Ten sends queued at once (a replica's sweep and a retry racing, say): FIFO per chat.
    await clock.run(*(one(i) for i in range(10)))

    assert [text for _, _, text in telegram.sent] == [f"pesan {i}" for i in range(10)]
    times = telegram.times("42")
    assert times[2] < 0.1  # the short burst Telegram tolerates (spaced only bot-wide)
    # Then one a second: the n-th message after the burst only after n seconds, never faster.
    assert all(times[index] >= index - 2 for index in range(3, 10))
    assert most_in_any_second(times) <= 3
    assert times[-1] < 7 * 1.1


async def test_a_live_reply_goes_at_once_while_a_broadcast_is_relayed(
    clock: VirtualTime, telegram: Telegram, sender: PacedSender
) -> None:
    async def dialog() -> None:
        await clock.sleep(1.5)
        for part in ("Baik.", "Tiket dicatat.", "Ada lagi?"):
            await sender.send("777", Outbound(part))

    broadcast = [(str(1000 + i), f"pesan {i}") for i in range(200)]
    await clock.run(relay(sender, broadcast), dialog())

    assert telegram.times("777") == [1.5, 1.5, 1.5]
    assert len(telegram.sent) == 203
    # The relay left room for it: Telegram never saw more than 30 in a second.
    assert most_in_any_second(telegram.times()) <= 30


async def test_the_relay_waits_for_a_chat_that_just_had_a_live_burst(
    clock: VirtualTime, telegram: Telegram, sender: PacedSender
) -> None:
    async def live_then_relay() -> None:
        for part in ("satu", "dua", "tiga"):
            await sender.send("42", Outbound(part))
        await relay(sender, [("42", "empat"), ("43", "lain")])

    await clock.run(live_then_relay())

    assert telegram.times("42")[:3] == [0.0, 0.0, 0.0]
    assert telegram.times("42")[3] >= 1.0
    assert [text for _, _, text in telegram.sent] == ["satu", "dua", "tiga", "empat", "lain"]


def test_a_long_text_or_a_document_counts_each_message_telegram_gets() -> None:
    assert messages_in(Outbound("halo")) == 1
    long = ("baris yang cukup panjang untuk dipecah\n" * (MAX_TEXT // 20))[: MAX_TEXT * 2 - 10]
    assert messages_in(Outbound(long)) == 2
    pdf = OutboundDocument("ba.pdf", "application/pdf", b"%PDF")
    assert messages_in(Outbound("Berita Acara", document=pdf)) == 2
    assert messages_in(Outbound("", document=pdf)) == 1


async def test_a_429_from_telegram_still_reaches_the_outbox(clock: VirtualTime) -> None:
    class Refusing:
        async def send(self, recipient: str, message: Outbound) -> None:
            raise RetryAfter(5)

    sender = paced(Refusing(), telegram_pacer(clock=clock, sleep=clock.sleep))

    with pytest.raises(RetryAfter):
        await sender.send("42", Outbound("halo"))
