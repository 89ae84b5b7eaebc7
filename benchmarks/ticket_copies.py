"""A database holding N realistic tickets in seconds, for the benchmarks that need many.

One babel ticket is filed through the desk's own code (`bot.desk.file_ticket`: SLA, first step,
its events and the notices queued to the step's officer, whose chat is bound on Telegram); then
its rows are copied by SQL (INSERT ... SELECT over a recursive CTE), numbered on like real ones:
the ticket row, its events and its notices (as sent). Every `open_every`-th copy is open, its next
alert a year ahead; the others are closed (`selesai`, no alert), as in an office's history. Not one
`file_ticket` call per ticket: a million of those would take hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, case, cast, func, literal, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.desk import file_ticket
from bot.engine import DialogEngine
from storage import repositories as repo
from storage.db import Database
from storage.models import outbox, ticket_counters, ticket_events, tickets

# Monday 23 November 2026, 10:00 WIB: the template's filing time.
FILED = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
# Where the open copies' next alert waits (nothing of theirs comes due in a benchmark).
FAR = FILED + timedelta(days=365)
CLOSED_AT = FILED + timedelta(days=2)
# One officer per babel role, each with a bound Telegram chat (as `servicedesk officers add`).
STAFF = {
    "Kadis": "kadis",
    "Kabid": "kabid",
    "Prakom": "pranata-komputer",
    "Sari": "service-desk",
    "Koor": "coordinator",
}
OFFICER_CHATS = 9_100_000
REQUESTER_CHAT = "5550001"
FIELDS = {
    "opd": "Dinas Pendidikan",
    "penanggung_jawab": "Budi Santoso",
    "nip": "198501012010011003",
    "kontak": "081234567890",
    "lokasi": "Gedung A lantai 2, Jl. Pulau Lepar, ruang rapat",
    "uraian": "Koneksi internet di ruang rapat putus sejak pagi, lampu switch berkedip oranye",
    "dampak": "satu-ruangan",
}
REQUIREMENTS = {"surat-permohonan": {"kind": "srikandi", "number": "B/1234/DISKOMINFO/2026"}}


@dataclass(frozen=True)
class Template:
    """The ticket filed through the real code, that the copies are made of."""

    id: int
    ref: str


async def file_template(db: Database, engine: DialogEngine) -> Template:
    """Babel's officers with their Telegram chats, a requester, and one network-repair ticket."""
    async with db.transaction() as conn:
        for index, (name, role) in enumerate(STAFF.items()):
            officer = await repo.add_officer(
                conn, agency="babel", name=name, roles=[role], at=FILED
            )
            await repo.bind_officer_identity(
                conn,
                officer_id=officer.id,
                channel="telegram",
                external_id=str(OFFICER_CHATS + index),
                at=FILED,
            )
        requester = await repo.get_or_create_requester(
            conn,
            channel="telegram",
            external_id=REQUESTER_CHAT,
            display_name="Budi Santoso",
            at=FILED,
            locale="id",
        )
        record = await file_ticket(
            conn,
            desk=engine.desk(FILED),
            service="jaringan-intra",
            product="perbaikan",
            fields=dict(FIELDS),
            requirements=dict(REQUIREMENTS),
            requester_id=requester,
            channel="telegram",
            chat_id=REQUESTER_CHAT,
        )
    return Template(record.id, record.ref)


async def copy_tickets(
    db: Database, template: Template, total: int, *, open_every: int = 5
) -> None:
    """Copy the template until the database holds `total` tickets (numbered 2..total)."""
    async with db.transaction() as conn:
        if conn.dialect.name == "sqlite":
            # Only for this bulk load: a bigger page cache keeps the indexes' pages in memory.
            await conn.exec_driver_sql("PRAGMA cache_size=-400000")
        await _copy_tickets(conn, template, total, open_every)
        await _copy_events(conn, template)
        await _copy_notices(conn, template)
        await conn.execute(
            update(tickets).where(tickets.c.id == template.id).values(next_alert_at=FAR)
        )
        await conn.execute(
            update(ticket_counters)
            .where(ticket_counters.c.agency == "babel", ticket_counters.c.year == FILED.year)
            .values(last_seq=total)
        )
        if conn.dialect.name == "sqlite":
            await conn.exec_driver_sql("PRAGMA cache_size=-2000")
    if db.dialect == "postgresql":
        async with db.transaction() as conn:
            for table in (tickets, ticket_events, outbox):
                await conn.exec_driver_sql(f"ANALYZE {table.name}")


async def _copy_tickets(
    conn: AsyncConnection, template: Template, total: int, open_every: int
) -> None:
    n_cte = select(literal(2, Integer).label("n")).cte("n", recursive=True)
    n_cte = n_cte.union_all(select((n_cte.c.n + 1).label("n")).where(n_cte.c.n < total))
    n = n_cte.c.n
    t = tickets.alias("t")
    digits = cast(n, String)
    if conn.dialect.name == "sqlite":
        padded: Any = func.printf("%05d", n)
    else:
        padded = func.lpad(digits, func.greatest(5, func.length(digits)), "0")
    prefix = template.ref.rsplit("-", 1)[0] + "-"
    is_open = n % open_every == 0
    values: dict[str, Any] = {column.name: t.c[column.name] for column in tickets.c}
    del values["id"]
    values.update(
        ref=literal(prefix) + padded,
        seq=n,
        status=case((is_open, t.c.status), else_=literal("selesai")),
        closed_at=case((is_open, None), else_=literal(CLOSED_AT, tickets.c.closed_at.type)),
        updated_at=case((is_open, t.c.updated_at), else_=literal(CLOSED_AT, t.c.updated_at.type)),
        next_alert_at=case((is_open, literal(FAR, tickets.c.next_alert_at.type)), else_=None),
    )
    source = (
        select(*[expr.label(name) for name, expr in values.items()])
        .select_from(t.join(n_cte, true()))
        .where(t.c.id == template.id)
        .order_by(n)
    )
    await conn.execute(tickets.insert().from_select(list(values), source))


async def _copy_events(conn: AsyncConnection, template: Template) -> None:
    e = ticket_events.alias("e")
    k = tickets.alias("k")
    source = (
        select(k.c.id, e.c.at, e.c.actor_kind, e.c.actor_id, e.c.kind, e.c.data)
        .select_from(k.join(e, and_(e.c.ticket_id == template.id, k.c.id != template.id)))
        .order_by(k.c.id, e.c.id)
    )
    columns = ["ticket_id", "at", "actor_kind", "actor_id", "kind", "data"]
    await conn.execute(ticket_events.insert().from_select(columns, source))


async def _copy_notices(conn: AsyncConnection, template: Template) -> None:
    """The template's queued notices, once per copy and marked sent (keys "n:<ticket>:...")."""
    own = f"n:{template.id}:"
    await conn.execute(
        update(outbox)
        .where(outbox.c.key.startswith(own))
        .values(status="sent", attempts=1, sent_at=FILED)
    )
    o = outbox.alias("o")
    k = tickets.alias("k")
    source = (
        select(
            (literal("n:") + cast(k.c.id, String) + func.substr(o.c.key, len(own))).label("key"),
            o.c.channel,
            o.c.recipient,
            o.c.payload,
            o.c.status,
            o.c.attempts,
            o.c.next_attempt_at,
            o.c.created_at,
            o.c.sent_at,
        )
        .select_from(k.join(o, and_(o.c.key.startswith(own), k.c.id != template.id)))
        .order_by(k.c.id, o.c.id)
    )
    columns = [
        "key",
        "channel",
        "recipient",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ]
    await conn.execute(outbox.insert().from_select(columns, source))
