"""The scheduler's sweeps: step alerts, the coordinators' daily digest and SLA report, and
coordinators told about messages the outbox gave up on.

Schedules (bot.server.default_jobs registers them as APScheduler interval jobs):
- `alert_job`, every 60 s and once at start: the warnings at 75% of a step's time and one office
  hour before its due, and the breach escalation (core.workflow_alerts). Each runs once per
  step however often the sweep runs; a server stopped across a deadline sends only the breach,
  once, when it starts again.
- `digest_job`, every 5 minutes and at start: the daily digest, sent on the first check that
  finds the office open on a working day. An interval check rather than a CronTrigger at the
  opening hour, because opening hours differ per weekday and per agency, holidays and cuti
  bersama come from the agency's calendar (is_open already knows them), and a replica that
  was down at opening time still sends the day's digest when it comes up, instead of missing
  it. A `scheduled_runs` row per agency and day makes it once per day across replicas and
  restarts; the outbox key "digest:{date}:o{officer}" guards each message on top of that.
- `failure_job`, every 60 s: failed outbox rows told to the coordinators, once per row.

Replicas: each alert batch is one transaction that first takes a PostgreSQL advisory
transaction lock, so two replicas never sweep at the same time (the one that finds it taken
skips its turn: the holder loops until nothing is due). The rows are also read with
`FOR UPDATE SKIP LOCKED` and each alert key is recorded once, so nothing is sent twice even if
the lock were bypassed. SQLite runs one replica whose transactions are already serialised.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import notify
from bot.desk import Desk, UnknownService, log_and_notify, workflow_ticket
from bot.dialogs.messages import Outbound
from bot.dialogs.values import format_day, format_moment
from core.officers import COORDINATOR
from core.tickets import TicketStatus
from core.workflow import Transition
from core.workflow_alerts import alerts_due, next_alert_at
from locales import Translator
from storage import repositories as repo
from storage import sweeps as store
from storage.db import Database

if TYPE_CHECKING:
    from bot.deps import Runtime

log = logging.getLogger(__name__)

ALERT_SWEEP_SECONDS = 60.0
DIGEST_CHECK_SECONDS = 300.0
FAILURE_REPORT_SECONDS = 60.0
ALERT_BATCH = 100
# A bound on one sweep's work; whatever is left is picked up by the next run.
MAX_BATCHES = 50
FAILURES_PER_MESSAGE = 20
FAILURE_KEY_PREFIX = "failed:"
DIGEST_KEY_PREFIX = "digest:"
_DAYS_BACK = 60  # longer than any run of holidays


# --- step alerts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertSweep:
    """What one alert sweep did."""

    tickets: int = 0  # tickets looked at
    alerts: int = 0  # alerts sent (each one event and its notifications)
    parked: int = 0  # tickets no longer swept (their service left the catalog)
    busy: bool = False  # another replica was sweeping, so this one stopped


async def sweep_alerts(
    db: Database, desk: Desk, *, batch_size: int = ALERT_BATCH, max_batches: int = MAX_BATCHES
) -> AlertSweep:
    """Send the warnings and breach escalations due at `desk.now`, batch after batch.

    Reads only the tickets whose `next_alert_at` has come (an index), so its cost follows what
    is due. Each batch is one transaction: alert recorded, event logged, notifications queued
    and the ticket's next alert time stored together.
    """
    tickets = alerts = parked = 0
    for _ in range(max_batches):
        async with db.transaction() as conn:
            if not await store.try_lock_sweep(conn, name="alerts"):
                return AlertSweep(tickets, alerts, parked, busy=True)
            records = await repo.tickets_due_for_alert(
                conn, agency=desk.agency, now=desk.now, limit=batch_size
            )
            for record in records:
                sent = await _alert_ticket(conn, desk, record)
                if sent is None:
                    parked += 1
                else:
                    alerts += sent
        tickets += len(records)
        if len(records) < batch_size:
            break
    return AlertSweep(tickets, alerts, parked)


async def _alert_ticket(conn: AsyncConnection, desk: Desk, record: repo.TicketRecord) -> int | None:
    """Send the ticket's due alert and store its next alert time; None if it was parked."""
    try:
        ticket = workflow_ticket(record, desk)
    except (UnknownService, ValueError) as exc:
        # Parked, or every sweep would read it again. Codes only: no personal data in logs.
        log.warning("ticket %s has no alerts any more: %s %s", record.id, type(exc).__name__, exc)
        await repo.set_next_alert_at(conn, ticket_id=record.id, at=None)
        return None
    sent_keys = await repo.alerts_sent(conn, ticket_id=record.id)
    sent = 0
    for alert in alerts_due(ticket, desk.calendar, desk.now, sent_keys):
        if await repo.record_alert(conn, ticket_id=record.id, key=alert.key, at=desk.now):
            transition = Transition(ticket, (alert.event,), alert.notices)
            await log_and_notify(conn, desk=desk, record=record, transition=transition)
            sent += 1
        sent_keys.add(alert.key)
    following = next_alert_at(ticket, desk.calendar, sent_keys)
    await repo.set_next_alert_at(conn, ticket_id=record.id, at=following)
    return sent


# --- SLA report and daily digest ------------------------------------------------------------


@dataclass(frozen=True)
class SlaReport:
    """The coordinators' figures at `at` (the digest's and /laporan's)."""

    at: datetime
    since: date  # the previous working day: "finished" and "failed" count from its start
    open: int = 0
    late: int = 0  # open, not waiting for the requester, past the overall due
    due_today: int = 0  # open, not waiting, due later today
    waiting: int = 0  # waiting for the requester (SLA clock stopped)
    finished_on_time: int = 0
    finished_late: int = 0
    failed_deliveries: int = 0
    # service code → (open, late)
    per_service: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def finished(self) -> int:
        """Tickets finished since `since`."""
        return self.finished_on_time + self.finished_late


def previous_working_day(desk: Desk, day: date) -> date:
    """The last working day before `day` (Friday for a Monday, skipping holidays)."""
    candidate = day
    for _ in range(_DAYS_BACK):
        candidate -= timedelta(days=1)
        if desk.calendar.is_working_day(candidate):
            return candidate
    return candidate


async def sla_report(conn: AsyncConnection, desk: Desk) -> SlaReport:
    """Count the agency's open, late, due-today, waiting and recently finished tickets."""
    calendar = desk.calendar
    now = desk.now
    today = calendar.local(now).date()
    since = previous_working_day(desk, today)
    since_start = datetime.combine(since, time(0), tzinfo=calendar.zone)
    tomorrow = datetime.combine(today + timedelta(days=1), time(0), tzinfo=calendar.zone)

    open_count: Counter[str] = Counter()
    late_count: Counter[str] = Counter()
    due_today = waiting = 0
    for ticket in await store.open_tickets(conn, agency=desk.agency):
        open_count[ticket.service] += 1
        if ticket.status is TicketStatus.MENUNGGU_PEMOHON or ticket.paused_at is not None:
            waiting += 1
        elif ticket.due_at <= now:
            late_count[ticket.service] += 1
        elif ticket.due_at < tomorrow:
            due_today += 1

    on_time = finished_late = 0
    closed = await store.closed_between(conn, agency=desk.agency, start=since_start, end=now)
    for ticket in closed:
        if ticket.status is not TicketStatus.SELESAI or ticket.closed_at is None:
            continue
        if ticket.closed_at <= ticket.due_at:
            on_time += 1
        else:
            finished_late += 1

    return SlaReport(
        at=now,
        since=since,
        open=sum(open_count.values()),
        late=sum(late_count.values()),
        due_today=due_today,
        waiting=waiting,
        finished_on_time=on_time,
        finished_late=finished_late,
        failed_deliveries=await store.failed_deliveries_since(conn, since=since_start),
        per_service={s: (open_count[s], late_count[s]) for s in sorted(open_count)},
    )


def render_report(report: SlaReport, desk: Desk, t: Translator, *, per_service: bool) -> str:
    """The figures in `t`'s language; with the per-service lines for /laporan."""
    since = format_day(report.since, t)
    lines = [
        t("Tiket terbuka: {count}").format(count=report.open),
        t("Terlambat: {count}").format(count=report.late),
        t("Jatuh tempo hari ini: {count}").format(count=report.due_today),
        t("Menunggu pemohon: {count}").format(count=report.waiting),
        t("Selesai sejak {date}: {count} (tepat waktu {on_time}, terlambat {late})").format(
            date=since,
            count=report.finished,
            on_time=report.finished_on_time,
            late=report.finished_late,
        ),
        t("Pesan gagal terkirim sejak {date}: {count}").format(
            date=since, count=report.failed_deliveries
        ),
    ]
    if per_service and report.per_service:
        lines += ["", t("Per layanan (terbuka / terlambat):")]
        for code, (opened, late) in report.per_service.items():
            label = notify.service_label(desk.catalog, code, None, t)
            lines.append(f"- {label}: {opened} / {late}")
    return "\n".join(lines)


def render_digest(report: SlaReport, desk: Desk, t: Translator) -> str:
    """The daily digest message."""
    title = t("Ringkasan harian layanan, {date}").format(
        date=format_day(desk.calendar.local(report.at).date(), t)
    )
    return title + "\n\n" + render_report(report, desk, t, per_service=False)


def render_sla_report(report: SlaReport, desk: Desk, t: Translator) -> str:
    """The /laporan answer: the digest's figures now, plus the open tickets per service."""
    title = t("Laporan SLA, {moment}").format(
        moment=format_moment(report.at, desk.calendar.zone, t)
    )
    return title + "\n\n" + render_report(report, desk, t, per_service=True)


async def send_daily_digest(db: Database, desk: Desk) -> int:
    """Queue the day's digest to every coordinator, once per working day; messages queued.

    Does nothing outside office hours (so nothing on weekends, holidays or cuti bersama) or
    when the day's digest already went out.
    """
    now = desk.now
    if not desk.calendar.is_open(now):
        return 0
    day = desk.calendar.local(now).date().isoformat()
    queued = 0
    async with db.transaction() as conn:
        if not await store.claim_run(conn, job=f"digest:{desk.agency}", period=day, at=now):
            return 0
        report = await sla_report(conn, desk)
        coordinators = await repo.officers_with_role(conn, agency=desk.agency, role=COORDINATOR)
        for officer in coordinators:
            outbox_id = await notify.queue_for_officer(
                conn,
                desk=desk,
                officer_id=officer.id,
                message_for=lambda t: Outbound(render_digest(report, desk, t)),
                key=f"{DIGEST_KEY_PREFIX}{day}:o{officer.id}",
                urgent=False,
            )
            queued += outbox_id is not None
    return queued


# --- failed deliveries ----------------------------------------------------------------------


async def report_failures(
    db: Database,
    desk: Desk,
    *,
    per_message: int = FAILURES_PER_MESSAGE,
    max_batches: int = MAX_BATCHES,
) -> int:
    """Tell the coordinators about messages the outbox gave up on; returns the rows reported.

    Each failed row is reported once: the message and the row's `failure_reported_at` are
    written in one transaction, and the rows are read from an index of unreported failures.
    Failures of these reports themselves are only counted (in the digest and /laporan), never
    reported, so a coordinator's broken chat cannot feed a loop.
    """
    reported = 0
    for _ in range(max_batches):
        async with db.transaction() as conn:
            rows = await store.unreported_failures(conn, limit=per_message)
            news = [row for row in rows if not row.key.startswith(FAILURE_KEY_PREFIX)]
            if news:
                await _queue_failure_report(conn, desk, news)
            await store.mark_failures_reported(conn, ids=[row.id for row in rows], at=desk.now)
        reported += len(news)
        if len(rows) < per_message:
            break
    return reported


async def _queue_failure_report(
    conn: AsyncConnection, desk: Desk, rows: list[store.FailedDelivery]
) -> None:
    """One message per coordinator listing `rows` (keyed by the first row: sent once)."""
    ticket_ids = {i for row in rows if (i := ticket_id_of(row.key)) is not None}
    refs = await store.ticket_refs(conn, ids=ticket_ids)
    coordinators = await repo.officers_with_role(conn, agency=desk.agency, role=COORDINATOR)
    for officer in coordinators:
        await notify.queue_for_officer(
            conn,
            desk=desk,
            officer_id=officer.id,
            message_for=lambda t: Outbound(render_failures(rows, refs, t)),
            key=f"{FAILURE_KEY_PREFIX}{rows[0].id}:o{officer.id}",
            urgent=False,
        )


def render_failures(rows: list[store.FailedDelivery], refs: dict[int, str], t: Translator) -> str:
    """The failure report: channel, kind of message, ticket and error class; no recipient."""
    lines = [t("Pesan berikut gagal terkirim dan tidak akan dicoba lagi:")]
    for row in rows:
        ticket_id = ticket_id_of(row.key)
        ref = refs.get(ticket_id) if ticket_id is not None else None
        about = message_kind(row.key, t)
        if ref is not None:
            about = t("{kind}, tiket {ref}").format(kind=about, ref=ref)
        lines.append(f"- {row.channel}: {about} ({error_class(row.last_error, t)})")
    lines.append(t("Mohon periksa kanal tersebut dan hubungi penerima lewat jalur lain."))
    return "\n".join(lines)


def ticket_id_of(key: str) -> int | None:
    """The ticket id in a notification's outbox key ("n:{ticket}:ev{event}:..."), if any."""
    parts = key.split(":")
    if len(parts) > 2 and parts[0] == "n" and parts[1].isdigit():
        return int(parts[1])
    return None


def message_kind(key: str, t: Translator) -> str:
    """What kind of message an outbox key belongs to, in words."""
    if key.startswith("reply:"):
        return t("balasan percakapan")
    if key.startswith("n:"):
        if key.endswith(":rq"):
            return t("pemberitahuan ke pemohon")
        return t("pemberitahuan ke petugas")
    if key.startswith(DIGEST_KEY_PREFIX):
        return t("ringkasan harian")
    return t("pesan lain")


def error_class(error: str | None, t: Translator) -> str:
    """The kind of failure (bot.delivery's stored prefixes), without the channel's own text."""
    kind, _, detail = (error or "").partition(":")
    if kind == "permanent":
        return t("ditolak kanal")
    if kind == "rate limited":
        return t("dibatasi kanal")
    if kind == "transient":
        # bot.delivery stores only the exception's class name here.
        return t("gangguan sementara: {error}").format(error=detail.strip())
    return t("sebab tidak diketahui")


# --- jobs -----------------------------------------------------------------------------------


async def alert_job(runtime: Runtime) -> None:
    """The scheduler's alert sweep."""
    engine = runtime.engine
    await sweep_alerts(runtime.db, engine.desk(engine.clock()))


async def digest_job(runtime: Runtime) -> None:
    """The scheduler's daily-digest check."""
    engine = runtime.engine
    await send_daily_digest(runtime.db, engine.desk(engine.clock()))


async def failure_job(runtime: Runtime) -> None:
    """The scheduler's report of failed deliveries."""
    engine = runtime.engine
    await report_failures(runtime.db, engine.desk(engine.clock()))
