"""Flaky channels: the fake Bot API and Graph API fail 30% of sends at random (HTTP 500, 429
with a wait, stalls past the client's timeout, messages accepted but answered too late), while
requesters file tickets and officers dispose them (a disposition to `@semua` fans out to every
pranata komputer). In the end every outbox row reached its chat exactly once, in the order it
was queued for that chat.

The one repeat allowed is the documented at-least-once case: the platform accepted a message
but the client never saw the answer (the fake answered after the client's timeout: the fake
marks those calls `late`; or, on a slow machine, a timeout the client itself witnessed), so the
outbox sent it again. A message resent for any other reason fails the test.

The app runs in-process with its real engine, pipeline, outbox, senders and database; only the
clock is the test's: the pipeline sends each reply at once, a background task sweeps the outbox
while the chats go on, and a final drain jumps the clock to each retry's due time, so backoffs
and `retry_after` waits elapse without real waiting. The senders are the product's own, on an
HTTP client whose read timeout is 0.3 s instead of 20 s (a stall costs under a second, not half
a minute): WhatsApp's as the channel registered it; Telegram's `TelegramSender` on a Bot of its
own, without the channel's pacing (`bot.telegram.pacing`), which spaces a chat's messages a
second apart in real time and would only make the drain slow.

A message the platform shows as several calls (a long text, then its buttons; a text, then its
document) must not repeat the calls already accepted when a later one fails: both senders
remember them (`bot.half_sent`).

`make soak` runs the scenario with 60 requesters per channel on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from sqlalchemy import select
from telegram import Bot
from telegram import error as tg_error
from telegram.request import HTTPXRequest

from bot.deps import Runtime
from bot.half_sent import HalfSent
from bot.messages import Choice, Outbound, OutboundDocument
from bot.server import create_app
from bot.telegram import CHANNEL_SPEC as TELEGRAM_CHANNEL
from bot.telegram import TelegramRuntime, TelegramSender
from bot.telegram.render import split_text
from bot.whatsapp import render as wa_render
from bot.whatsapp.channel import WhatsAppService
from bot.whatsapp.sender import TransientSendError
from locales import use_locale
from storage import repositories as repo
from storage.db import Database
from storage.models import outbox, tickets
from tests.fakes.flaky import Flakiness, Outcome
from tests.fakes.graph_api import (
    Clock,
    FakeGraphApi,
    WhatsAppApp,
    messages_value,
    readable_text,
    reply_message,
    running_whatsapp_app,
    text_message,
    webhook,
    whatsapp_settings,
)
from tests.fakes.telegram_api import (
    FakeTelegramAPI,
    TelegramApp,
    callback_update,
    telegram_settings,
    text_update,
)

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = [
    pytest.mark.usefixtures("offline_network"),
    # PTB warns about its own `RetryAfter.retry_after` type change on every 429.
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

# Monday 23 November 2026, 10:00 WIB: a working day inside babel's office hours, so officers'
# notices go out at once (the whole run stays within the morning on the test's clock).
MONDAY_MORNING = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
CLIENT_TIMEOUT = 0.3  # seconds: the senders' read timeout in these tests
STALL = 0.8  # how long a stalled answer keeps the client waiting: well past its timeout
FAILURE_RATE = 0.3
# Real seconds the final drain may take before the test gives up, per requester: it sends one
# message at a time, and each stall keeps it waiting for the client's timeout.
DRAIN_SECONDS_PER_REQUESTER = 4.0

# A babel network repair, typed and tapped the way people do (no letter: "skip").
DIALOG: tuple[tuple[str, str], ...] = (
    ("say", "/start"),
    ("say", "internet kantor mati"),
    ("tap", "svc:jaringan-intra"),
    ("say", "Dinas Pendidikan"),
    ("say", "Budi Santoso"),
    ("say", "lewati"),  # no NIP
    ("say", "081234567890"),
    ("say", "Gedung A lantai 2"),
    ("say", "Internet mati sejak pagi"),
    ("say", "seluruh kantor"),  # the impact of the disturbance
    ("tap", "skip"),  # the request letter comes later
    ("tap", "sum:send"),
)
PRAKOM_COUNT = 3


def long_notice(ref: str) -> Outbound:
    """A notice too long to carry its buttons on WhatsApp (over 1,024 characters, under
    Telegram's 4,096): WhatsApp shows it as a text, then the buttons."""
    history = "\n".join(
        f"{n}. Riwayat penanganan tahap ke-{n} oleh petugas jaringan." for n in range(1, 40)
    )
    choices = (Choice(f"of:ambil:{ref}", "Ambil"), Choice(f"of:tiket:{ref}", "Rincian"))
    return Outbound(f"Rincian tiket {ref}:\n{history}", choices=choices)


Part = tuple[str, str]  # (kind, what the chat reads): one message as the platform shows it


# --------------------------------------------------------------------------- the channels


@dataclass(frozen=True, slots=True)
class Seen:
    """One message the fake accepted for a chat."""

    part: Part
    late: bool  # answered after the client's timeout: the client thought it failed


class Witness:
    """Wraps a channel's sender and notes each send the client gave up on (a timeout)."""

    def __init__(self, inner: Any, parts: Callable[[Outbound], list[Part]]) -> None:
        self.inner = inner
        self.parts = parts
        self.timeouts: Counter[tuple[str, tuple[Part, ...]]] = Counter()

    async def send(self, recipient: str, message: Outbound) -> None:
        try:
            await self.inner.send(recipient, message)
        except Exception as exc:
            if _timed_out(exc):
                self.timeouts[(recipient, tuple(self.parts(message)))] += 1
            raise


def _timed_out(exc: BaseException) -> bool:
    """True when the client gave up waiting (however the sender wrapped it)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, httpx.TimeoutException | tg_error.TimedOut):
            return True
        if isinstance(seen, TransientSendError) and str(seen) == "timeout":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class Line(Protocol):
    """One channel as the scenario drives and reads it."""

    channel: str
    witness: Witness

    def chat(self, number: int) -> str: ...

    async def say(self, chat: str, text: str) -> int: ...

    async def tap(self, chat: str, data: str) -> int: ...

    def observed(self, chat: str) -> list[Seen]: ...

    def failures(self) -> dict[Outcome, int]: ...

    def stalling(self) -> int: ...


def telegram_parts(message: Outbound) -> list[Part]:
    """The Bot API calls `TelegramSender` makes for one message, as the chat sees them."""
    parts: list[Part] = (
        [("text", chunk) for chunk in split_text(message.text)] if message.text.strip() else []
    )
    if message.document is not None:
        parts.append(("document", message.document.filename))
    return parts


def whatsapp_parts(message: Outbound) -> list[Part]:
    """The message objects `WhatsAppSender` posts for one message (inside the 24-hour window)."""
    with use_locale("id"):
        rendered = wa_render.render(message)
    parts: list[Part] = []
    for part in rendered:
        if isinstance(part, wa_render.Upload):
            parts.append(("document", part.caption or ""))
        else:
            parts.append((str(part["type"]), readable_text(part)))
    return parts


@dataclass
class TelegramLine:
    app: TelegramApp
    flakiness: Flakiness
    witness: Witness
    channel: str = "telegram"

    def chat(self, number: int) -> str:
        return str(7_100_000 + number)

    async def say(self, chat: str, text: str) -> int:
        return (await self.app.post(text_update(text, chat_id=int(chat)))).status_code

    async def tap(self, chat: str, data: str) -> int:
        return (await self.app.post(callback_update(data, chat_id=int(chat)))).status_code

    def observed(self, chat: str) -> list[Seen]:
        seen = []
        for call in self.app.fake.calls():
            if call.chat_id != chat or call.status != 200:
                continue
            if call.method.lower() == "sendmessage":
                seen.append(Seen(("text", call.params["text"]), call.late))
            elif call.method.lower() == "senddocument":
                seen.append(Seen(("document", call.files["document"][0] or ""), call.late))
        return seen

    def failures(self) -> dict[Outcome, int]:
        return self.flakiness.summary()

    def stalling(self) -> int:
        return self.app.fake.stalling


@dataclass
class WhatsAppLine:
    app: WhatsAppApp
    flakiness: Flakiness
    witness: Witness
    channel: str = "whatsapp"

    def chat(self, number: int) -> str:
        return f"6281271{number:06d}"

    async def say(self, chat: str, text: str) -> int:
        body = webhook(messages_value(text_message(text, sender=chat)))
        return (await self.app.post(body)).status_code

    async def tap(self, chat: str, data: str) -> int:
        body = webhook(messages_value(reply_message(data, sender=chat)))
        return (await self.app.post(body)).status_code

    def observed(self, chat: str) -> list[Seen]:
        return [
            Seen((str(c.json["type"]), readable_text(c.json)), c.late)
            for c in self.app.graph.accepted()
            if c.json.get("to") == chat
        ]

    def failures(self) -> dict[Outcome, int]:
        return self.flakiness.summary()

    def stalling(self) -> int:
        return self.app.graph.stalling


@asynccontextmanager
async def telegram_line(
    fake: FakeTelegramAPI, db: Database, data_dir: Path, clock: Clock, seed: int
) -> AsyncIterator[TelegramLine]:
    """The babel desk on Telegram (webhook mode, no scheduler: the test sweeps), its sender on
    a Bot with a short read timeout, the fake failing 30% of sends."""
    settings = telegram_settings(fake, data_dir, agency="babel")
    app = create_app(settings, db=db, clock=clock, channels=[TELEGRAM_CHANNEL], jobs=[])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://servicedesk") as client:
            harness = TelegramApp(app=app, client=client, fake=fake, settings=settings)
            telegram: TelegramRuntime = harness.runtime.services["telegram"]
            await asyncio.wait_for(telegram.ready.wait(), timeout=20)
            bot = Bot(
                fake.token,
                base_url=fake.base_url,
                base_file_url=fake.file_base_url,
                request=HTTPXRequest(
                    connection_pool_size=64,
                    read_timeout=CLIENT_TIMEOUT,
                    write_timeout=CLIENT_TIMEOUT,
                    connect_timeout=5.0,
                    pool_timeout=10.0,
                    media_write_timeout=5.0,
                ),
            )
            await bot.initialize()
            try:
                witness = Witness(TelegramSender(bot), telegram_parts)
                harness.runtime.add_sender("telegram", witness)
                flakiness = fake.fail_at_random(
                    Flakiness(rate=FAILURE_RATE, seed=seed, stall=STALL)
                )
                yield TelegramLine(harness, flakiness, witness)
            finally:
                fake.stop_failing()
                await bot.shutdown()


@asynccontextmanager
async def whatsapp_line(
    graph: FakeGraphApi, db: Database, data_dir: Path, clock: Clock, seed: int
) -> AsyncIterator[WhatsAppLine]:
    """The babel desk on WhatsApp (no scheduler: the test sweeps), its own sender on the
    channel's HTTP client with a short read timeout, the fake failing 30% of sends."""
    settings = whatsapp_settings(graph, data_dir, agency="babel")
    async with running_whatsapp_app(graph, settings, db=db, clock=clock) as app:
        service = app.runtime.services["whatsapp"]
        assert isinstance(service, WhatsAppService) and service.sender is not None
        service.client.timeout = httpx.Timeout(CLIENT_TIMEOUT, connect=5.0)
        witness = Witness(app.runtime.senders["whatsapp"], whatsapp_parts)
        app.runtime.senders["whatsapp"] = witness
        flakiness = graph.fail_at_random(Flakiness(rate=FAILURE_RATE, seed=seed, stall=STALL))
        try:
            yield WhatsAppLine(app, flakiness, witness)
        finally:
            graph.stop_failing()


# --------------------------------------------------------------------------- the scenario


@dataclass
class Cast:
    """Who is in the scenario, by chat."""

    requesters: list[str]
    kadis: str
    kabid: str
    prakom: list[str]

    @property
    def officers(self) -> list[str]:
        return [self.kadis, self.kabid, *self.prakom]


@dataclass
class Outcomes:
    """What happened, for the assertions."""

    statuses: Counter[int] = field(default_factory=Counter)
    refs: dict[str, str] = field(default_factory=dict)  # requester chat -> ticket ref


async def bind_officers(db: Database, line: Line, requesters: int) -> Cast:
    """Kepala Dinas, Kepala Bidang and three pranata komputer, their chats bound."""
    chats = iter(line.chat(900 + n) for n in range(10))
    cast = Cast(
        requesters=[line.chat(n) for n in range(requesters)],
        kadis=next(chats),
        kabid=next(chats),
        prakom=[next(chats) for _ in range(PRAKOM_COUNT)],
    )
    roles = [("kadis", cast.kadis), ("kabid", cast.kabid)]
    roles += [("pranata-komputer", chat) for chat in cast.prakom]
    async with db.transaction() as conn:
        for number, (role, chat) in enumerate(roles):
            officer = await repo.add_officer(
                conn, agency="babel", name=f"Petugas {number}", roles=[role], at=MONDAY_MORNING
            )
            await repo.bind_officer_identity(
                conn,
                officer_id=officer.id,
                channel=line.channel,
                external_id=chat,
                at=MONDAY_MORNING,
            )
    return cast


async def keep_sweeping(runtime: Runtime, clock: Clock, stop: asyncio.Event) -> None:
    """The scheduler's outbox sweep, as it runs beside the webhooks: time passes between runs."""
    while not stop.is_set():
        clock.now += timedelta(seconds=3)
        await runtime.pipeline.sweep()
        await asyncio.sleep(0.05)


async def next_due(db: Database, channel: str) -> datetime | None:
    """When the outbox can next send something on `channel`: the earliest due time of each
    chat's oldest unsent message (later ones wait behind it) and of the held ones; None when
    every message is sent or failed."""
    async with db.transaction() as conn:
        waiting = (
            await conn.execute(
                select(outbox.c.recipient, outbox.c.status, outbox.c.next_attempt_at)
                .where(
                    outbox.c.channel == channel,
                    outbox.c.status.in_([repo.OUTBOX_PENDING, repo.OUTBOX_HELD]),
                )
                .order_by(outbox.c.id)
            )
        ).all()
    if not waiting:
        return None
    heads: dict[str, datetime] = {}
    times = []
    for recipient, status, at in waiting:
        at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        if status == repo.OUTBOX_HELD:
            times.append(at)
        elif recipient not in heads:
            heads[recipient] = at
    return min([*times, *heads.values()])


async def drain(runtime: Runtime, clock: Clock, channel: str, *, seconds: float) -> None:
    """Sweep until every row is sent or failed, moving the clock to each retry's due time."""
    deadline = time.monotonic() + seconds
    while (due := await next_due(runtime.db, channel)) is not None:
        assert time.monotonic() < deadline, "the outbox did not drain in time"
        clock.now = max(clock.now, due)
        await runtime.pipeline.sweep()


async def until(condition: Callable[[], bool], *, seconds: float) -> None:
    """Poll `condition` until it holds (failing after `seconds`)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def run_scenario(line: Line, runtime: Runtime, clock: Clock, requesters: int) -> Cast:
    """Requesters file repairs at once; Kepala Dinas disposes each to Kepala Bidang, who
    disposes it to every pranata komputer (@semua); then the outbox drains."""
    db = runtime.db
    cast = await bind_officers(db, line, requesters)
    outcomes = Outcomes()
    stop = asyncio.Event()
    sweeper = asyncio.create_task(keep_sweeping(runtime, clock, stop))

    async def step(chat: str, kind: str, value: str) -> None:
        act = line.say if kind == "say" else line.tap
        outcomes.statuses[await act(chat, value)] += 1

    async def requester(chat: str) -> None:
        for kind, value in DIALOG:
            await step(chat, kind, value)

    try:
        # Officers look at their queue first (on WhatsApp this opens their 24-hour window).
        await asyncio.gather(*(step(chat, "say", "/antrian") for chat in cast.officers))
        await asyncio.gather(*(requester(chat) for chat in cast.requesters))
        refs = await ticket_refs(db, cast.requesters)
        assert len(refs) == requesters, "every requester filed a ticket"
        # A long notice with buttons to each requester (two messages on WhatsApp).
        await asyncio.gather(
            *(
                queue_now(runtime, line.channel, chat, long_notice(ref))
                for chat, ref in refs.items()
            )
        )

        async def kabid_follows(ref: str, ready: asyncio.Event) -> None:
            await ready.wait()
            await step(cast.kabid, "say", f"/disposisi {ref} @semua Mohon dicek bersama")

        readies = {ref: asyncio.Event() for ref in refs.values()}
        kabid_chain = asyncio.create_task(_in_order(kabid_follows, readies))
        for ref in refs.values():
            await step(cast.kadis, "say", f"/disposisi {ref} Mohon segera ditangani")
            readies[ref].set()
        await kabid_chain
    finally:
        stop.set()
        await sweeper
    await drain(runtime, clock, line.channel, seconds=30 + DRAIN_SECONDS_PER_REQUESTER * requesters)
    await until(lambda: line.stalling() == 0, seconds=10)
    assert outcomes.statuses == Counter({200: len(cast.officers) + requesters * (len(DIALOG) + 2)})
    return cast


async def _in_order(
    act: Callable[[str, asyncio.Event], Awaitable[None]], readies: dict[str, asyncio.Event]
) -> None:
    """One officer's commands, one after another (a person types one at a time)."""
    for ref, ready in readies.items():
        await act(ref, ready)


async def ticket_refs(db: Database, chats: Sequence[str]) -> dict[str, str]:
    """The ticket each requester chat filed."""
    async with db.transaction() as conn:
        found = (await conn.execute(select(tickets.c.chat_id, tickets.c.ref))).all()
    return {chat: ref for chat, ref in found if chat in chats}


async def rows_by_chat(db: Database, channel: str) -> dict[str, list[repo.OutboxRecord]]:
    """The channel's outbox rows, per chat, in id order."""
    async with db.transaction() as conn:
        found = (
            await conn.execute(
                select(outbox.c.id).where(outbox.c.channel == channel).order_by(outbox.c.id)
            )
        ).scalars()
        records = [await repo.get_outbox(conn, id=row_id) for row_id in found]
    chats: dict[str, list[repo.OutboxRecord]] = defaultdict(list)
    for record in records:
        assert record is not None
        chats[record.recipient].append(record)
    return chats


# --------------------------------------------------------------------------- the check


@dataclass
class Verdict:
    """Per chat: what went wrong, and how many resends the at-least-once rule explained."""

    problems: list[str] = field(default_factory=list)
    resends_after_late: int = 0
    resends_after_timeout: int = 0
    several_part_rows: int = 0  # rows the platform shows as several messages


@dataclass
class _Row:
    """One row's parts as they are seen arriving (see `check_chat`)."""

    parts: Sequence[Part]
    witnessed: int  # timeouts the client saw on this message
    done: int = 0  # parts arrived so far
    lates: int = 0  # copies the fake answered late
    repeats: int = 0
    previous_late: bool = False

    def may_repeat(self, part: Part) -> bool:
        """`part` is the last one again, and a late answer or a timeout explains it."""
        return (
            self.done > 0
            and part == self.parts[self.done - 1]
            and self.repeats < max(self.witnessed, self.lates)
        )


def check_chat(
    chat: str,
    rows: Sequence[Sequence[Part]],
    observed: Sequence[Seen],
    timeouts: Counter[tuple[str, tuple[Part, ...]]],
) -> Verdict:
    """Did `chat` receive each row's messages once and in row order?

    A row's parts must arrive in order, each once. The one repeat allowed is of a part whose
    answer the client may never have seen: the fake answered it late, or the client witnessed
    a timeout on that message (a slow machine); the send then goes on from that part. A part
    the client saw accepted that arrives again (a row resent from its first part because a
    later part failed), a missing part or a swapped order is a problem.
    """
    verdict = Verdict()
    at = 0
    for number, parts in enumerate(rows):
        if not parts:
            continue
        verdict.several_part_rows += len(parts) > 1
        row = _Row(parts, timeouts[(chat, tuple(parts))])
        following = list(rows[number + 1][:1]) if number + 1 < len(rows) else []
        while row.done < len(parts) or (
            at < len(observed)
            and row.may_repeat(observed[at].part)
            and following != [parts[-1]]  # the next row's own first part, not a repeat
        ):
            if at >= len(observed):
                verdict.problems.append(f"{chat} row {number}: {parts[row.done]} never arrived")
                return verdict
            seen = observed[at]
            at += 1
            if row.done < len(parts) and seen.part == parts[row.done]:
                row.done += 1
            elif row.may_repeat(seen.part):
                row.repeats += 1
                if row.previous_late:
                    verdict.resends_after_late += 1
                else:
                    verdict.resends_after_timeout += 1
            elif row.done > 0 and seen.part == parts[0]:
                verdict.problems.append(
                    f"{chat} row {number}: sent again from its first part after part "
                    f"{row.done + 1} of {len(parts)} failed"
                )
                row.done = 1
            else:
                expected = parts[row.done] if row.done < len(parts) else "the next row"
                verdict.problems.append(f"{chat} row {number}: expected {expected}, got {seen}")
                return verdict
            row.lates += seen.late
            row.previous_late = seen.late
    for extra in observed[at:]:
        verdict.problems.append(f"{chat}: {extra.part} arrived once more than queued")
    return verdict


async def assert_each_message_arrived_once_in_order(
    line: Line, db: Database, cast: Cast, parts: Callable[[Outbound], list[Part]]
) -> Verdict:
    chats = await rows_by_chat(db, line.channel)
    statuses = Counter(row.status for rows in chats.values() for row in rows)
    assert statuses == Counter({repo.OUTBOX_SENT: sum(len(rows) for rows in chats.values())}), (
        statuses
    )
    assert set(cast.requesters) | set(cast.officers) <= set(chats)
    total = Verdict()
    for chat, rows in chats.items():
        expected = [parts(Outbound.from_payload(row.payload)) for row in rows]
        verdict = check_chat(chat, expected, line.observed(chat), line.witness.timeouts)
        total.problems += verdict.problems
        total.resends_after_late += verdict.resends_after_late
        total.resends_after_timeout += verdict.resends_after_timeout
        total.several_part_rows += verdict.several_part_rows
    assert total.problems == []
    return total


def assert_the_fake_really_failed_a_third_of_sends(line: Line) -> None:
    counts = line.failures()
    sends = sum(counts.values())
    failed = sends - counts.get(Outcome.OK, 0)
    assert 0.2 < failed / sends < 0.4, counts
    assert all(counts.get(kind, 0) > 0 for kind in Outcome), counts


async def assert_every_pranata_komputer_heard_of_every_ticket(
    line: Line, db: Database, cast: Cast
) -> None:
    refs = set((await ticket_refs(db, cast.requesters)).values())
    for chat in cast.prakom:
        told = {
            ref
            for seen in line.observed(chat)
            if seen.part[1].startswith("Disposisi tiket ")
            for ref in refs
            if ref in seen.part[1]
        }
        assert told == refs


def test_the_check_allows_only_repeats_whose_answer_the_client_never_saw() -> None:
    a, b, c = ("text", "a"), ("text", "b"), ("interactive", "c")
    no_timeouts: Counter[tuple[str, tuple[Part, ...]]] = Counter()

    def problems(rows: list[list[Part]], seen: list[tuple[Part, bool]]) -> list[str]:
        observed = [Seen(part, late) for part, late in seen]
        return check_chat("1", rows, observed, no_timeouts).problems

    assert problems([[a], [b, c]], [(a, False), (b, False), (c, False)]) == []
    assert problems([[a], [b, c]], [(a, True), (a, False), (b, False), (c, True), (c, False)]) == []
    assert problems([[a], [b]], [(a, True), (a, True), (a, False), (b, False)]) == []
    # Answered late, yet the client got the answer in time after all: nothing to resend.
    assert problems([[a], [b]], [(a, True), (b, False)]) == []
    # A repeat the client saw succeed, a row resent whole after its second part failed, a row
    # lost, and two rows swapped are all caught.
    assert problems([[a], [b]], [(a, False), (a, False), (b, False)])
    assert problems([[b, c]], [(b, False), (b, False), (c, False)])
    assert problems([[a], [b]], [(a, False)])
    assert problems([[a], [b]], [(b, False), (a, False)])
    # A timeout the client witnessed on a message accepted in time explains one repeat of it.
    witnessed: Counter[tuple[str, tuple[Part, ...]]] = Counter({("1", (a,)): 1})
    assert check_chat("1", [[a], [b]], [Seen(a, False), Seen(a, False), Seen(b, False)], witnessed)
    assert not check_chat(
        "1", [[a], [b]], [Seen(a, False), Seen(a, False), Seen(b, False)], witnessed
    ).problems


# --------------------------------------------------------------------------- the tests


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_MORNING)


async def flaky_telegram_run(
    fake: FakeTelegramAPI, db: Database, data_dir: Path, clock: Clock, requesters: int, seed: int
) -> Verdict:
    async with telegram_line(fake, db, data_dir, clock, seed) as line:
        cast = await run_scenario(line, line.app.runtime, clock, requesters)
        assert_the_fake_really_failed_a_third_of_sends(line)
        await assert_every_pranata_komputer_heard_of_every_ticket(line, db, cast)
        return await assert_each_message_arrived_once_in_order(line, db, cast, telegram_parts)


async def flaky_whatsapp_run(
    db: Database, data_dir: Path, clock: Clock, requesters: int, seed: int
) -> Verdict:
    with FakeGraphApi() as graph:
        async with whatsapp_line(graph, db, data_dir, clock, seed) as line:
            cast = await run_scenario(line, line.app.runtime, clock, requesters)
            assert_the_fake_really_failed_a_third_of_sends(line)
            await assert_every_pranata_komputer_heard_of_every_ticket(line, db, cast)
            verdict = await assert_each_message_arrived_once_in_order(
                line, db, cast, whatsapp_parts
            )
            # Every contact wrote within 24 hours: nothing had to fall back to the template.
            assert not [c for c in graph.accepted() if c.json.get("type") == "template"]
            return verdict


async def test_on_a_flaky_bot_api_every_telegram_message_arrives_once_and_in_order(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path, clock: Clock
) -> None:
    verdict = await flaky_telegram_run(
        fake_telegram, sqlite_db, tmp_path / "data", clock, requesters=8, seed=14
    )

    # Some messages were accepted but answered late, and the outbox sent those again.
    assert verdict.resends_after_late > 0


async def test_on_a_flaky_graph_api_every_whatsapp_message_arrives_once_and_in_order(
    sqlite_db: Database, tmp_path: Path, clock: Clock
) -> None:
    verdict = await flaky_whatsapp_run(sqlite_db, tmp_path / "data", clock, requesters=8, seed=14)

    assert verdict.resends_after_late > 0
    assert verdict.several_part_rows >= 8  # the long notices: a text, then its buttons


@pytest.mark.soak
@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_sixty_requesters_on_a_flaky_channel_each_get_every_message_once_in_order(
    channel: str, fake_telegram: FakeTelegramAPI, db: Database, tmp_path: Path, clock: Clock
) -> None:
    if channel == "telegram":
        verdict = await flaky_telegram_run(
            fake_telegram, db, tmp_path / "data", clock, requesters=60, seed=2026
        )
    else:
        verdict = await flaky_whatsapp_run(db, tmp_path / "data", clock, requesters=60, seed=2026)

    assert verdict.resends_after_late > 0


# --------------------------------------------------------------------------- several calls


async def queue_and_deliver(runtime: Runtime, channel: str, chat: str, message: Outbound) -> None:
    """Queue `message` for `chat` as a handler would, send it at once, then drain."""
    await queue_now(runtime, channel, chat, message)
    clock = runtime.pipeline.clock
    assert isinstance(clock, Clock)
    await drain(runtime, clock, channel, seconds=30)


async def queue_now(runtime: Runtime, channel: str, chat: str, message: Outbound) -> None:
    """Queue `message` for `chat` in a transaction of its own and send it at once, as the
    pipeline sends what a handler queued."""
    async with runtime.db.transaction() as conn:
        row = await repo.enqueue(
            conn,
            key=f"several-{uuid.uuid4().hex}",
            channel=channel,
            recipient=chat,
            payload=message.to_payload(),
            at=runtime.pipeline.clock(),
        )
    assert row is not None
    await runtime.pipeline.deliver(channel, [row])


async def test_a_telegram_text_is_not_repeated_when_only_its_document_failed(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path, clock: Clock
) -> None:
    settings = telegram_settings(fake_telegram, tmp_path / "data", agency="babel")
    app = create_app(settings, db=sqlite_db, clock=clock, channels=[TELEGRAM_CHANNEL], jobs=[])
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        await asyncio.wait_for(runtime.services["telegram"].ready.wait(), timeout=20)
        fake_telegram.rate_limit("sendDocument", chat_id=7_100_777, retry_after=1)
        report = OutboundDocument("Berita-Acara-BABEL-2026-00042.pdf", "application/pdf", b"%PDF")
        text = "Permohonan BABEL-2026-00042 telah selesai. Terlampir Berita Acara."

        await queue_and_deliver(runtime, "telegram", "7100777", Outbound(text, document=report))

    assert len(fake_telegram.messages_to(7_100_777)) == 1
    assert fake_telegram.texts_to(7_100_777) == [text]


async def test_a_whatsapp_text_is_not_repeated_when_only_its_buttons_failed(
    sqlite_db: Database, tmp_path: Path, clock: Clock
) -> None:
    chat = "6281271000777"
    with FakeGraphApi() as graph:
        settings = whatsapp_settings(graph, tmp_path / "data", agency="babel")
        async with running_whatsapp_app(graph, settings, db=sqlite_db, clock=clock) as app:
            # The contact wrote (their 24-hour window is open), then a long notice with buttons.
            await app.post(webhook(messages_value(text_message("halo", sender=chat))))
            before = len(graph.sent_to(chat))
            graph.fail_next(
                500,
                code=131000,
                when=lambda body: isinstance(body, dict) and body.get("type") == "interactive",
            )
            message = long_notice("BABEL-2026-00042")

            await queue_and_deliver(app.runtime, "whatsapp", chat, message)
            # The same words queued again later (another row) are sent whole again.
            await queue_and_deliver(app.runtime, "whatsapp", chat, message)

        sent = graph.sent_to(chat)[before:]
    assert [m["type"] for m in sent] == ["text", "interactive"] * 2
    assert readable_text(sent[0]) == readable_text(sent[2]) == message.text


def test_what_a_half_sent_message_left_is_forgotten_after_hours_or_beyond_the_limit() -> None:
    now = [0.0]
    memory = HalfSent(keep_seconds=3600, limit=3, clock=lambda: now[0])
    for n in range(4):
        memory.remember(("628", f"m{n}"), 1)
        now[0] += 1

    assert memory.take(("628", "m0")) == 0  # the oldest made room for the fourth
    assert memory.take(("628", "m3")) == 1
    assert memory.take(("628", "m3")) == 0  # taken: a later copy is sent whole
    now[0] += 3600
    assert memory.take(("628", "m1")) == 0  # too old: the outbox gave up on it long ago
