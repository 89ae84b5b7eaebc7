"""Load, crash and fault runs against real `servicedesk serve` processes (tests/reliability).

- `always_open_babel`: babel's catalog with its office open around the clock (and no holiday
  near today), so officers' notices go out at once whatever hour the suite runs; everything
  else in the catalog is babel's own.
- `seed_staff`, `seed_overdue_tickets`: officers with bound Telegram chats; tickets that went
  overdue while no server ran.
- `ServeProcess`: `servicedesk serve` (as tests/support/serve.py starts it) driven from an
  async test without blocking its event loop: start until /healthz says 200, SIGKILL, stop.
- `Webhook`: Telegram's side of `POST /webhook/telegram`. At most 40 requests at once
  (Telegram's default `max_connections`), to any live replica; an update that got no 2xx
  answer (an error status, a refused or cut connection, a timeout) is posted again, unchanged,
  until one comes.
- `run_load`: people. Each requester files a babel network repair in 11 updates, waiting
  after each for the bot's next question (or typing ahead); Kepala Dinas and Kepala Bidang
  officers dispose each new ticket with `/disposisi`, each officer one command at a time.
- `dialog_problems`, `delivery_problems`: the verdict, from the database and from what the fake
  Bot API (tests/fakes/lean_telegram.py) received.
- `stop_postgres` / `start_postgres`: an outage of a cluster from tests/support/postgres.py.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import re
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import yaml
from sqlalchemy import func, select

from bot.desk import commit_transition, file_ticket, workflow_ticket
from bot.engine import DialogEngine
from bot.messages import Outbound
from bot.telegram.render import split_text
from core.catalog.loader import BUILTIN_DIR
from core.settings import Settings
from core.sla.calendar import national_days_off
from core.workflow import dispose
from storage import repositories as repo
from storage.db import Database
from storage.models import inbox, outbox, scheduled_runs, ticket_events, tickets
from tests.fakes.lean_telegram import LeanBotAPI
from tests.fakes.telegram_api import WEBHOOK_SECRET, callback_update, text_update
from tests.support.postgres import PostgresCluster
from tests.support.serve import serve_command, server_env

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TICKET_REF = re.compile(r"BABEL-\d{4}-\d{5}")
WIB_OFFSET = timedelta(hours=7)

# --------------------------------------------------------------------------- the agency


def always_open_babel(folder: Path) -> dict[str, str]:
    """Write babel's catalog with its office open every day around the clock, and a calendar
    opening the national holidays around today; the server settings that use them."""
    raw = yaml.safe_load((BUILTIN_DIR / "babel.yaml").read_text(encoding="utf-8"))
    raw["agency"]["office_hours"] = [
        {
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "open": "00:00",
            "close": "23:59:59.999999",
        }
    ]
    catalogs = folder / "catalog"
    calendars = folder / "calendar"
    catalogs.mkdir(parents=True, exist_ok=True)
    calendars.mkdir(parents=True, exist_ok=True)
    (catalogs / "babel.yaml").write_text(
        yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    today = (datetime.now(UTC) + WIB_OFFSET).date()
    days = (today + timedelta(days=offset) for offset in range(-120, 30))
    holidays = sorted(d for d in days if d in national_days_off(d.year))
    opened = [{"date": d.isoformat(), "reason": "open for the reliability suite"} for d in holidays]
    (calendars / "babel.yaml").write_text(
        yaml.safe_dump({"closed": [], "open": opened}), encoding="utf-8"
    )
    return {"CATALOG_DIR": str(catalogs), "CALENDAR_DIR": str(calendars)}


def desk_env(
    tmp_path: Path,
    fake: LeanBotAPI,
    agency: dict[str, str],
    *,
    database_url: str | None = None,
    data_dir: Path | None = None,
    **settings: str,
) -> dict[str, str]:
    """The environment of a babel server in Telegram webhook mode against `fake` (SQLite in
    `tmp_path` unless `database_url` is given)."""
    env = server_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_FILE_BASE_URL=fake.file_base_url,
        **agency,
        **settings,
    )
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    if data_dir is not None:
        env["DATA_DIR"] = str(data_dir)
    return env


# --------------------------------------------------------------------------- the staff


@dataclass(frozen=True)
class Officer:
    id: int
    name: str
    chat_id: int


@dataclass(frozen=True)
class Staff:
    """Babel's officers on Telegram, several per disposition role.

    Telegram lets a bot send about one message a second to a chat (bot/telegram/pacing.py), and
    every Kepala Dinas is told of every new ticket: with N tickets a kadis chat needs N seconds
    whatever happens. The tickets are spread over the kabid and prakom officers, so their chats
    carry only their share, and over the kadis officers, so their answers queue behind fewer
    notices."""

    kadis: list[Officer]
    kabid: list[Officer]
    prakom: list[Officer]
    desk: Officer
    coordinator: Officer | None


async def seed_staff(db: Database, *, per_role: int = 2, coordinator: bool = False) -> Staff:
    """Officers with their Telegram chats bound (as `servicedesk officers add --telegram-id`)."""
    chats = itertools.count(9_100_001)
    now = datetime.now(UTC)

    async with db.transaction() as conn:

        async def add(name: str, role: str) -> Officer:
            officer = await repo.add_officer(conn, agency="babel", name=name, roles=[role], at=now)
            chat = next(chats)
            await repo.bind_officer_identity(
                conn, officer_id=officer.id, channel="telegram", external_id=str(chat), at=now
            )
            return Officer(officer.id, name, chat)

        kadis = [await add(f"Kadis {n}", "kadis") for n in range(1, per_role + 1)]
        kabid = [await add(f"Kabid {n}", "kabid") for n in range(1, per_role + 1)]
        prakom = [await add(f"Prakom {n}", "pranata-komputer") for n in range(1, per_role + 1)]
        desk = await add("Andi Desk", "service-desk")
        koor = await add("Rina Koordinator", "coordinator") if coordinator else None
    return Staff(kadis, kabid, prakom, desk, koor)


# --------------------------------------------------------------------------- the server


class ServeProcess:
    """One `servicedesk serve` subprocess; everything it prints goes to `log`."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['PORT']}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self, *, within: float = 90.0) -> float:
        """Start it and wait until /healthz says 200; returns that moment (monotonic)."""
        out = _append(self.log)
        try:
            self.process = await asyncio.create_subprocess_exec(
                *serve_command(),
                cwd=self.log.parent,
                env=self.env,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )
        finally:
            os.close(out)
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise AssertionError(f"server exited:\n{self.output()[-3000:]}")
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return time.monotonic()
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"server did not become healthy:\n{self.output()[-3000:]}")

    async def kill(self) -> float:
        """SIGKILL (no shutdown code runs); returns the moment it was sent (monotonic)."""
        assert self.process is not None
        at = time.monotonic()
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        return at

    async def stop(self) -> None:
        """Stop gracefully (SIGTERM) if still running."""
        if not self.running:
            return
        assert self.process is not None
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _append(path: Path) -> int:
    """A descriptor appending to `path` (the child keeps its own copy)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)


# --------------------------------------------------------------------------- Telegram's side

_update_ids = itertools.count(800_000_000)


@dataclass(frozen=True)
class Attempt:
    """One POST of an update and how it ended."""

    update_id: int
    url: str
    outcome: str  # "200", "503", ... or the exception's class name
    sent: float  # time.monotonic() when the POST began
    at: float  # ... and when it ended


class Webhook:
    """Delivers updates as Telegram does: to one of `urls()` (a load balancer's live
    replicas), at most `connections` at once, again and again until a 2xx answer."""

    def __init__(
        self,
        urls: Callable[[], Sequence[str]],
        *,
        connections: int = 40,
        timeout: float = 30.0,
        seed: int = 0,
    ) -> None:
        self.urls = urls
        self.accepted: dict[int, float] = {}
        self.attempts: list[Attempt] = []
        self._slots = asyncio.Semaphore(connections)
        self._random = random.Random(seed)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, pool=None),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    async def close(self) -> None:
        await self._client.aclose()

    def refusals(self) -> Counter[str]:
        """How the POSTs that were not accepted ended."""
        return Counter(a.outcome for a in self.attempts if a.outcome != "200")

    async def deliver(self, update: dict[str, Any]) -> float:
        """POST until accepted; the moment it was (monotonic)."""
        update_id = int(update["update_id"])
        wait = 0.05
        while True:
            live = self.urls()
            if live:
                url = self._random.choice(list(live))
                async with self._slots:
                    sent = time.monotonic()
                    outcome = await self._post(url, update)
                now = time.monotonic()
                self.attempts.append(Attempt(update_id, url, outcome, sent, now))
                if outcome.startswith("2"):
                    self.accepted[update_id] = now
                    return now
            await asyncio.sleep(wait * (0.5 + self._random.random()))
            wait = min(wait * 2, 1.0)

    async def _post(self, url: str, update: dict[str, Any]) -> str:
        try:
            response = await self._client.post(
                f"{url}/webhook/telegram", json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}
            )
        except httpx.HTTPError as exc:
            return type(exc).__name__
        return str(response.status_code)


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class StepLog:
    """One update a person sent: when it was accepted and when its answer reached the chat."""

    chat_id: int
    update_id: int
    accepted_at: float
    answered_at: float


@dataclass
class Requester:
    """Someone filing a network repair; their answers are their own, to spot mixed-up chats."""

    number: int
    chat_id: int
    name: str
    phone: str
    location: str
    ref: str | None = None
    steps: list[StepLog] = field(default_factory=list)


_FIRST = ["Budi", "Siti", "Agus", "Dewi", "Hendra", "Rina", "Yusuf", "Ayu", "Bambang", "Lestari"]
_LAST = ["Santoso", "Wijaya", "Pratama", "Lestari", "Saputra", "Hartono", "Rahman", "Kusuma"]


def requesters(count: int, *, first_chat: int = 7_000_001) -> list[Requester]:
    """`count` people with distinct chats, names, phone numbers and locations."""
    people = []
    for n in range(count):
        name = f"{_FIRST[n % len(_FIRST)]} {_LAST[(n // len(_FIRST)) % len(_LAST)]}"
        people.append(
            Requester(
                number=n,
                chat_id=first_chat + n,
                name=f"{name} {_roman(n // (len(_FIRST) * len(_LAST)) + 1)}",
                phone=f"0812{n:08d}",
                location=f"Gedung {chr(ord('A') + n % 26)} lantai {n % 9 + 1} ruang {n}",
            )
        )
    return people


def _roman(n: int) -> str:
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out


# (kind, what is sent, how the bot's next message begins); "{...}" is the requester's own.
INTAKE: list[tuple[str, str, str]] = [
    ("text", "internet di kantor mati sejak pagi", "Maksud Bapak/Ibu: Layanan Jaringan Intra"),
    ("tap", "svc:jaringan-intra", "Dari OPD/unit kerja mana"),
    ("text", "Dinas Pendidikan", "Siapa nama penanggung jawab"),
    ("text", "{name}", "Berapa NIP penanggung jawab"),
    ("tap", "skip", "Nomor telepon/WhatsApp"),
    ("text", "{phone}", "Di mana lokasinya"),
    ("text", "{location}", "Apakah itu sudah cukup"),
    ("tap", "said:use", "Seberapa luas dampak"),
    ("tap", "fld:seluruh-kantor", "Mohon kirim Surat permohonan"),
    ("tap", "skip", "Mohon periksa kembali permohonan"),
    ("tap", "sum:send", "sudah kami terima dengan nomor tiket"),
]


def _update(kind: str, value: str, chat_id: int) -> dict[str, Any]:
    update_id = next(_update_ids)
    if kind == "tap":
        return callback_update(value, chat_id=chat_id, update_id=update_id)
    return text_update(value, chat_id=chat_id, update_id=update_id)


async def say(
    webhook: Webhook,
    fake: LeanBotAPI,
    chat_id: int,
    kind: str,
    value: str,
    expect: Sequence[str],
    *,
    within: float,
) -> tuple[str, StepLog]:
    """Send one update and wait for the bot's answer containing every piece of `expect`."""
    before = fake.count_to(chat_id)
    update = _update(kind, value, chat_id)
    accepted = await webhook.deliver(update)
    deadline = time.monotonic() + within
    first, *others = expect
    while True:
        found = await fake.wait_for_text(
            chat_id, first, after=before, within=max(deadline - time.monotonic(), 0.01)
        )
        if all(piece in found.content for piece in others):
            break
        before = fake.to(chat_id).index(found) + 1
    return found.content, StepLog(chat_id, int(update["update_id"]), accepted, found.at)


async def run_requester(
    webhook: Webhook,
    fake: LeanBotAPI,
    person: Requester,
    *,
    filed: asyncio.Queue[str] | None = None,
    reply_timeout: float = 60.0,
    read_replies: bool = True,
) -> str | None:
    """File the request from first message to ticket number; returns the ticket's ref.

    Without `read_replies` the person types ahead: each answer goes out as soon as Telegram
    accepted the previous one, and the ticket's ref is only known from the database."""
    answers = {"name": person.name, "phone": person.phone, "location": person.location}
    if not read_replies:
        for kind, value, _ in INTAKE:
            await webhook.deliver(_update(kind, value.format(**answers), person.chat_id))
        return None
    text = ""
    for kind, value, expect in INTAKE:
        text, step = await say(
            webhook,
            fake,
            person.chat_id,
            kind,
            value.format(**answers),
            [expect],
            within=reply_timeout,
        )
        person.steps.append(step)
    found = TICKET_REF.search(text)
    assert found is not None, text
    person.ref = found.group()
    if filed is not None:
        filed.put_nowait(person.ref)
    return person.ref


@dataclass
class OfficerWork:
    """What the officers did: refs each one disposed, and their steps' timings."""

    disposed: dict[str, list[str]] = field(default_factory=dict)  # ref → who, in order
    steps: list[StepLog] = field(default_factory=list)


async def run_officers(
    webhook: Webhook,
    fake: LeanBotAPI,
    staff: Staff,
    filed: asyncio.Queue[str],
    *,
    tickets_expected: int,
    reply_timeout: float = 60.0,
) -> OfficerWork:
    """Kadis officers pass each new ticket to a Kepala Bidang by number, who passes it to a
    Pranata Komputer by number; every officer types one command at a time and reads its
    answer."""
    work = OfficerWork()
    to_kabid: list[asyncio.Queue[str | None]] = [asyncio.Queue() for _ in staff.kabid]
    remaining = tickets_expected

    async def command(officer: Officer, text: str, ref: str) -> None:
        _, step = await say(
            webhook,
            fake,
            officer.chat_id,
            "text",
            text,
            [f"Tiket {ref} diteruskan ke tahap:", "Batas tahap ini"],
            within=reply_timeout,
        )
        work.steps.append(step)
        work.disposed.setdefault(ref, []).append(officer.name)

    async def kadis(officer: Officer) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            ref = await filed.get()
            slot = _number(ref) % len(staff.kabid)
            kabid = staff.kabid[slot]
            await command(officer, f"/disposisi {ref} #{kabid.id} Mohon segera ditangani", ref)
            to_kabid[slot].put_nowait(ref)

    async def kabid(officer: Officer, queue: asyncio.Queue[str | None]) -> None:
        while (ref := await queue.get()) is not None:
            prakom = staff.prakom[_number(ref) // len(staff.kabid) % len(staff.prakom)]
            await command(officer, f"/disposisi {ref} #{prakom.id} Cek jaringan", ref)

    kabids = [asyncio.create_task(kabid(o, q)) for o, q in zip(staff.kabid, to_kabid, strict=True)]
    try:
        await asyncio.gather(*(kadis(o) for o in staff.kadis))
        for queue in to_kabid:
            queue.put_nowait(None)
        await asyncio.gather(*kabids)
    finally:
        for task in kabids:
            task.cancel()
    return work


def _number(ref: str) -> int:
    """BABEL-2026-00042 → 42."""
    return int(ref.rsplit("-", 1)[1])


async def run_load(
    webhook: Webhook,
    fake: LeanBotAPI,
    staff: Staff | None,
    people: Sequence[Requester],
    *,
    reply_timeout: float = 60.0,
    read_replies: bool = True,
) -> OfficerWork | None:
    """Every requester files their request while the officers (unless `staff` is None)
    dispose what was filed."""
    filed: asyncio.Queue[str] = asyncio.Queue()
    officers = None
    if staff is not None:
        assert read_replies, "officers learn of tickets from the requesters' replies"
        officers = asyncio.create_task(
            run_officers(
                webhook,
                fake,
                staff,
                filed,
                tickets_expected=len(people),
                reply_timeout=reply_timeout,
            )
        )
    try:
        await asyncio.gather(
            *(
                run_requester(
                    webhook,
                    fake,
                    p,
                    filed=filed,
                    reply_timeout=reply_timeout,
                    read_replies=read_replies,
                )
                for p in people
            )
        )
        return None if officers is None else await officers
    finally:
        if officers is not None:
            officers.cancel()


def patience(tickets: int) -> float:
    """How long a reply may take in a run filing `tickets` tickets: every kadis chat is told of
    each new ticket, at Telegram's pace of about one message a second per chat, and an
    officer's answers queue behind those notices (plus an outbox lease, 60 s, after a crash)."""
    return 120 + 1.5 * tickets


def progress_at_least(webhook: Webhook, updates: float) -> Callable[[], bool]:
    """A condition: Telegram has seen at least `updates` updates accepted."""
    return lambda: len(webhook.accepted) >= updates


async def until(condition: Callable[[], bool], *, within: float, what: str) -> None:
    """Wait (polling) until `condition()` holds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:g} s: {what}")
        await asyncio.sleep(0.01)


# --------------------------------------------------------------------------- the database


@dataclass(frozen=True)
class OutboxRow:
    id: int
    channel: str
    recipient: str
    status: str
    message: Outbound
    lease_holder: str | None
    last_error: str | None


async def outbox_rows(db: Database) -> list[OutboxRow]:
    """Every outbox row, oldest first."""
    async with db.transaction() as conn:
        found = (await conn.execute(select(outbox).order_by(outbox.c.id))).mappings().all()
    return [
        OutboxRow(
            id=r["id"],
            channel=r["channel"],
            recipient=r["recipient"],
            status=r["status"],
            message=Outbound.from_payload(r["payload"]),
            lease_holder=r["lease_holder"],
            last_error=r["last_error"],
        )
        for r in found
    ]


async def wait_for_outbox_sent(db: Database, *, within: float) -> list[OutboxRow]:
    """Poll until every outbox row is sent (or failed for good); the rows."""
    deadline = time.monotonic() + within
    while True:
        rows = await outbox_rows(db)
        waiting = [r for r in rows if r.status not in (repo.OUTBOX_SENT, repo.OUTBOX_FAILED)]
        if not waiting:
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{len(waiting)} outbox rows still unsent after {within:g} s: "
                f"{[(r.id, r.status, r.recipient, r.lease_holder) for r in waiting[:10]]}"
            )
        await asyncio.sleep(0.5)


async def wait_until_only_leases_hold(db: Database, *, within: float) -> list[OutboxRow]:
    """Poll until every outbox row is sent, or pending under a claim's lease (its sender lost
    the database before marking it), or waiting behind such a row in its chat; the rows."""
    deadline = time.monotonic() + within
    while True:
        rows = await outbox_rows(db)
        leased: set[str] = set()
        free = []
        for row in rows:
            if row.status != repo.OUTBOX_PENDING and row.status != repo.OUTBOX_HELD:
                continue
            if row.lease_holder is not None:
                leased.add(row.recipient)
            elif row.recipient not in leased:
                free.append(row)
        if not free:
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{len(free)} outbox rows neither sent nor held by a lease after {within:g} s: "
                f"{[(r.id, r.status, r.recipient) for r in free[:10]]}"
            )
        await asyncio.sleep(0.5)


async def tickets_by_chat(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every Telegram ticket, grouped by the chat that filed it."""
    async with db.transaction() as conn:
        found = (
            (await conn.execute(select(tickets).where(tickets.c.channel == "telegram")))
            .mappings()
            .all()
        )
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in found:
        grouped.setdefault(row["chat_id"], []).append(dict(row))
    return grouped


async def event_counts(db: Database, kind: str) -> dict[str, int]:
    """Ticket ref → how many events of `kind` its log holds."""
    async with db.transaction() as conn:
        stmt = (
            select(tickets.c.ref, func.count(ticket_events.c.id))
            .join(ticket_events, ticket_events.c.ticket_id == tickets.c.id)
            .where(ticket_events.c.kind == kind)
            .group_by(tickets.c.ref)
        )
        return {ref: int(n) for ref, n in await conn.execute(stmt)}


async def recorded_updates(db: Database) -> set[int]:
    """The Telegram update ids the inbox recorded."""
    async with db.transaction() as conn:
        stmt = select(inbox.c.update_id).where(inbox.c.channel == "telegram")
        return {int(u) for (u,) in await conn.execute(stmt)}


# --------------------------------------------------------------------------- deliveries


Item = tuple[str, str]  # ("text", chunk) or ("document", filename)


def expected_items(message: Outbound) -> list[Item]:
    """What one outbox message puts in the chat (a long text arrives in several parts)."""
    items: list[Item] = []
    if message.text.strip():
        items += [("text", chunk) for chunk in split_text(message.text)]
    if message.document is not None:
        items.append(("document", message.document.filename))
    return items


@dataclass
class DeliveryCheck:
    """Owed (by the outbox) against received (by the fake), per chat."""

    missing: list[tuple[str, Item]]  # owed but never received
    # chat → each item received more often than owed, with every arrival time
    extra: dict[str, list[tuple[Item, int, list[float]]]]
    unexpected: list[tuple[str, Item]]  # received but never owed at all

    @property
    def extra_count(self) -> int:
        return sum(copies for items in self.extra.values() for _, copies, _ in items)


def compare_deliveries(
    rows: Sequence[OutboxRow], fake: LeanBotAPI, *, unsent_may_have_arrived: bool = False
) -> DeliveryCheck:
    """Each sent Telegram outbox row against what reached its chat.

    `unsent_may_have_arrived`: a row still pending may have reached its chat already (sent,
    then the server lost its database before marking it): one copy of it is no repeat."""
    owed: dict[str, Counter[Item]] = {}
    maybe: dict[str, Counter[Item]] = {}
    for row in rows:
        if row.channel != "telegram":
            continue
        if row.status == repo.OUTBOX_SENT:
            owed.setdefault(row.recipient, Counter()).update(expected_items(row.message))
        elif unsent_may_have_arrived and row.status == repo.OUTBOX_PENDING:
            maybe.setdefault(row.recipient, Counter()).update(expected_items(row.message))
    received: dict[str, dict[Item, list[float]]] = {}
    for message in fake.delivered:
        received.setdefault(message.chat_id, {}).setdefault(
            (message.kind, message.content), []
        ).append(message.at)
    missing: list[tuple[str, Item]] = []
    extra: dict[str, list[tuple[Item, int, list[float]]]] = {}
    unexpected: list[tuple[str, Item]] = []
    for chat in sorted(set(owed) | set(received)):
        want = owed.get(chat, Counter())
        allowed = want + maybe.get(chat, Counter())
        got = received.get(chat, {})
        for item, count in want.items():
            if len(got.get(item, [])) < count:
                missing.append((chat, item))
        for item, times in got.items():
            if item not in allowed:
                unexpected.append((chat, item))
            elif len(times) > allowed[item]:
                extra.setdefault(chat, []).append((item, len(times) - allowed[item], sorted(times)))
    return DeliveryCheck(missing, extra, unexpected)


def unexplained_duplicates(
    check: DeliveryCheck, windows: Sequence[tuple[float, float]]
) -> list[str]:
    """Repeats outside the documented at-least-once window (bot/delivery.py): a message is
    sent again only when the server that sent it died (or lost its database) before marking
    it sent. Each window is (first copy no later than, repeat no earlier than): for a kill,
    (the kill, the restart); for a database outage, (its end, its end). A chat has one message
    on its way at a time, so it gets at most one repeat per window."""
    problems = []
    for chat, items in check.extra.items():
        repeats = sum(copies for _, copies, _ in items)
        if repeats > len(windows):
            problems.append(f"chat {chat}: {repeats} repeated messages, {len(windows)} windows")
        for item, _copies, times in items:
            for earlier, later in itertools.pairwise(times):
                if not any(earlier <= first and later >= again for first, again in windows):
                    problems.append(
                        f"chat {chat}: {item[1][:60]!r} repeated {later - earlier:.2f} s apart "
                        "outside any crash or outage window"
                    )
    return problems


def today_wib() -> date:
    return (datetime.now(UTC) + WIB_OFFSET).date()


# --------------------------------------------------------------------------- the verdict


async def dialog_problems(
    db: Database,
    people: Sequence[Requester],
    work: OfficerWork | None,
    webhook: Webhook,
    *,
    seeded: Collection[str] = (),
) -> list[str]:
    """Everything wrong with a finished run, as sentences (an empty list: all is well); a
    requester's problems name their chat.

    Every requester has exactly one ticket, holding their own answers; each of their dialog's
    questions was queued once; both officers' dispositions are in every ticket's log once; and
    every update Telegram saw accepted is in the inbox. `seeded`: refs filed by the test itself."""
    problems: list[str] = []
    by_chat = {
        chat: filed
        for chat, filed in (await tickets_by_chat(db)).items()
        if not any(t["ref"] in seeded for t in filed)
    }
    mine = {str(p.chat_id) for p in people}
    strangers = sorted(set(by_chat) - mine)
    if strangers:
        problems.append(f"tickets from chats nobody used: {strangers[:5]}")
    rows = await outbox_rows(db)
    to_chat: dict[str, list[str]] = {}
    for row in rows:
        to_chat.setdefault(row.recipient, []).append(row.message.text)
    created = await event_counts(db, "created")
    disposed = await event_counts(db, "disposed")
    for person in people:
        who = f"requester {person.number} (chat {person.chat_id})"
        texts = to_chat.get(str(person.chat_id), [])
        for _, _, question in INTAKE:
            asked = sum(question in text for text in texts)
            if asked != 1:
                problems.append(f"{who}: {question!r} queued {asked} times")
        filed = by_chat.get(str(person.chat_id), [])
        if len(filed) != 1:
            problems.append(f"{who}: {len(filed)} tickets")
            continue
        (ticket,) = filed
        fields = ticket["fields"]
        if person.ref is None:  # typed ahead: never read the ticket number
            person.ref = ticket["ref"]
        ref = ticket["ref"]
        if ref != person.ref:
            problems.append(f"{who}: told {person.ref}, filed {ref}")
        if (fields.get("penanggung_jawab"), fields.get("lokasi")) != (person.name, person.location):
            problems.append(f"{who}: someone else's answers {fields}")
        if not str(fields.get("kontak", "")).endswith(person.phone[1:]):
            problems.append(f"{who}: phone {fields.get('kontak')}")
        if created.get(ref) != 1:
            problems.append(f"{who}: {ref} created {created.get(ref)} times")
        if work is not None and (disposed.get(ref) != 2 or len(work.disposed.get(ref, [])) != 2):
            problems.append(
                f"{who}: {ref} has {disposed.get(ref)} dispositions logged, "
                f"officers made {work.disposed.get(ref)}"
            )
    lost = set(webhook.accepted) - await recorded_updates(db)
    if lost:
        problems.append(f"{len(lost)} accepted updates missing from the inbox: {sorted(lost)[:5]}")
    failed = [r for r in rows if r.status == repo.OUTBOX_FAILED]
    if failed:
        problems.append(f"{len(failed)} messages failed for good: {[r.last_error for r in failed]}")
    return problems


# bot/engine.py's apology when a dialog step failed and was rolled back.
APOLOGY = "Maaf, terjadi gangguan saat memproses pesan"


def apologised_chats(rows: Sequence[OutboxRow]) -> set[int]:
    """The chats told that their message could not be processed (and was dropped)."""
    return {int(r.recipient) for r in rows if r.message.text.startswith(APOLOGY)}


def delivery_problems(
    rows: Sequence[OutboxRow],
    fake: LeanBotAPI,
    windows: Sequence[tuple[float, float]] = (),
    *,
    unsent_may_have_arrived: bool = False,
) -> list[str]:
    """Messages owed but not received, received but never owed, or received twice outside the
    at-least-once windows (none at all without `windows`)."""
    check = compare_deliveries(rows, fake, unsent_may_have_arrived=unsent_may_have_arrived)
    problems = [f"chat {chat}: never received {item[1][:60]!r}" for chat, item in check.missing]
    problems += [f"chat {chat}: got unowed {item[1][:60]!r}" for chat, item in check.unexpected]
    problems += unexplained_duplicates(check, windows)
    return problems


# --------------------------------------------------------------------------- PostgreSQL


def _pg_ctl(cluster: PostgresCluster, *args: str) -> None:
    """Run pg_ctl on the cluster (as the postgres user when we are root, as it was started)."""
    command = [str(cluster.bin_dir / "pg_ctl"), "-D", str(cluster.data_dir), *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"pg_ctl {args[-1]} failed:\n{result.stdout}\n{result.stderr}")


def stop_postgres(cluster: PostgresCluster) -> None:
    """`pg_ctl stop -m fast`: sessions are cut, the server is down until `start_postgres`."""
    _pg_ctl(cluster, "-m", "fast", "-w", "stop")


def start_postgres(cluster: PostgresCluster) -> None:
    """Start a cluster stopped by `stop_postgres` again, on the same port and settings."""
    options = " ".join(
        [
            f"-p {cluster.port}",
            "-h 127.0.0.1",
            f"-k {cluster.socket_dir}",
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=200",
        ]
    )
    log = str(cluster.base_dir / "server.log")
    _pg_ctl(cluster, "-l", log, "-o", options, "-w", "-t", "60", "start")


async def new_database(cluster: PostgresCluster, *, template: str = "template0") -> str:
    """A fresh database in the cluster (a copy of `template`); its SQLAlchemy URL."""
    name = f"load_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(cluster.dsn())
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    return cluster.url(name)


# --------------------------------------------------------------------------- overdue tickets


async def seed_overdue_tickets(
    db: Database,
    staff: Staff,
    agency: dict[str, str],
    data_dir: Path,
    *,
    count: int,
    days_ago: int = 20,
    first_chat: int = 7_900_001,
) -> list[str]:
    """Network repairs filed on Telegram `days_ago` days ago and disposed that day down to the
    service desk's work step, long overdue now: a server starting up owes each one breach
    escalation (and the notices of that day, still queued). Returns their refs."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        agency="babel",
        database_url=db.url.render_as_string(hide_password=False),
        data_dir=data_dir,
        catalog_dir=Path(agency["CATALOG_DIR"]),
        calendar_dir=Path(agency["CALENDAR_DIR"]),
    )
    at = datetime.now(UTC) - timedelta(days=days_ago)
    engine = DialogEngine(db=db, settings=settings, clock=lambda: at)
    desk = engine.desk(at)
    refs = []
    for n in range(count):
        chat = str(first_chat + n)
        async with db.transaction() as conn:
            requester_id = await repo.get_or_create_requester(
                conn, channel="telegram", external_id=chat, display_name=None, at=at
            )
            record = await file_ticket(
                conn,
                desk=desk,
                service="jaringan-intra",
                product="perbaikan",
                fields={},
                requirements={},
                requester_id=requester_id,
                channel="telegram",
                chat_id=chat,
            )
        for officer in (staff.kadis[0], staff.kabid[0], staff.prakom[0]):
            async with db.transaction() as conn:
                locked = await repo.lock_ticket(conn, ref=record.ref)
                assert locked is not None
                transition = dispose(
                    workflow_ticket(locked, desk), calendar=engine.calendar, by=officer.id, at=at
                )
                record = await commit_transition(
                    conn, desk=desk, record=locked, transition=transition
                )
        refs.append(record.ref)
    return refs


async def ticket_event_kinds(db: Database, ref: str) -> list[str]:
    """The kinds of a ticket's events, oldest first."""
    async with db.transaction() as conn:
        stmt = (
            select(ticket_events.c.kind)
            .join(tickets, ticket_events.c.ticket_id == tickets.c.id)
            .where(tickets.c.ref == ref)
            .order_by(ticket_events.c.id)
        )
        return [str(kind) for (kind,) in await conn.execute(stmt)]


async def scheduled_run_count(db: Database, job: str) -> int:
    """How many periods `job` recorded as done (storage.sweeps.claim_run)."""
    async with db.transaction() as conn:
        stmt = select(func.count()).select_from(scheduled_runs).where(scheduled_runs.c.job == job)
        return int((await conn.execute(stmt)).scalar_one())
