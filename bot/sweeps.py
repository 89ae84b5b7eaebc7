"""The scheduler's sweeps: step alerts, the coordinators' daily digest, and coordinators told
about messages the outbox gave up on. The figures themselves are bot.reports'.

Schedules (bot.server.default_jobs registers them as APScheduler interval jobs):
- `sweep_alerts`, every 60 s and once at start: the warnings at 75% of a step's time and one office
  hour before its due, and the breach escalation (core.workflow_alerts). Each runs once per
  step however often the sweep runs; a server stopped across a deadline sends only the breach,
  once, when it starts again.
- `send_daily_digest`, every 5 minutes and at start: the daily digest, sent on the first check that
  finds the office open on a working day. An interval check rather than a CronTrigger at the
  opening hour, because opening hours differ per weekday and per agency, holidays and cuti
  bersama come from the agency's calendar (is_open already knows them), and a replica that
  was down at opening time still sends the day's digest when it comes up, instead of missing
  it. A `scheduled_runs` row per agency and day makes it once per day across replicas and
  restarts; the outbox key "digest:{date}:o{officer}" guards each message on top of that.
- `report_failures`, every 60 s: failed outbox rows told to the coordinators, once per row.
- `sweep_abandoned_uploads`, every 10 minutes and at start: uploads that never reached a ticket,
  stored more than UPLOAD_ABANDONED_AFTER_HOURS ago in a conversation idle as long, are
  deleted with their files (an upload replaced by a new one is deleted at once, by the engine);
  so are files a crash left half-received.

Replicas: each alert batch is one transaction that first takes a PostgreSQL advisory
transaction lock, so two replicas never sweep at the same time (the one that finds it taken
skips its turn: the holder loops until nothing is due). The rows are also read with
`FOR UPDATE SKIP LOCKED` and each alert key is recorded once, so nothing is sent twice even if
the lock were bypassed. SQLite runs one replica whose transactions are already serialised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import assert_never

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import notify, outbox_keys
from bot.desk import UnknownService, log_and_notify, workflow_ticket
from bot.handlers.periods import previous_month
from bot.ikm_report import IkmFigures, ikm_figures, render_ikm
from bot.messages import Outbound, OutboundDocument
from bot.office import Desk
from bot.outbox_keys import KeyKind
from bot.report_files import render_png, render_xlsx
from bot.reports import PNG, XLSX, period_report, render_digest, render_period, sla_report
from core.figures import PeriodFigures
from core.officers import COORDINATOR
from core.workflow import Transition
from core.workflow_alerts import alerts_due, next_alert_at
from locales import SUPPORTED, Translator, translator
from storage import repositories as repo
from storage import sweeps as store
from storage.attachments import AttachmentStore
from storage.db import Database
from storage.repositories import privacy

log = logging.getLogger(__name__)

ALERT_SWEEP_SECONDS = 60.0
DIGEST_CHECK_SECONDS = 300.0
FAILURE_REPORT_SECONDS = 60.0
ALERT_BATCH = 100
# A bound on one sweep's work; whatever is left is picked up by the next run.
MAX_BATCHES = 50
FAILURES_PER_MESSAGE = 20
UPLOAD_SWEEP_SECONDS = 600.0
UPLOAD_BATCH = 100
# A half-received upload older than this was cut off by a crash: no upload takes an hour.
INCOMING_LEFTOVER_SECONDS = 3600.0


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


# --- daily digest ----------------------------------------------------------------------------


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
                key=outbox_keys.digest(day, officer.id),
                urgent=False,
            )
            queued += outbox_id is not None
    return queued


# --- the monthly report -----------------------------------------------------------------------


async def send_monthly_report(db: Database, desk: Desk) -> int:
    """On the month's first working day, once the office opens, queue last month's report to
    every coordinator (for the monthly evaluation meeting): the figures, the chart and the
    workbook; in January also the past year's, with its satisfaction index. Messages queued."""
    now = desk.now
    calendar = desk.calendar
    if not calendar.is_open(now):
        return 0
    today = calendar.local(now).date()
    earlier = [today.replace(day=d) for d in range(1, today.day)]
    if any(calendar.is_working_day(day) for day in earlier):
        return 0  # not the month's first working day
    periods = [(*previous_month(today), False)]
    if today.month == 1:  # and the year's, with its satisfaction index
        periods.append((date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), True))
    queued = 0
    async with db.transaction() as conn:
        # Nobody to send it to yet: the month stays unclaimed, so a coordinator added later
        # that day still gets it.
        coordinators = await repo.officers_with_role(conn, agency=desk.agency, role=COORDINATOR)
        if not coordinators or not await store.claim_run(
            conn, job=f"monthly:{desk.agency}", period=today.strftime("%Y-%m"), at=now
        ):
            return 0
        for first, last, with_ikm in periods:
            figures = await period_report(
                conn, catalog=desk.catalog, calendar=calendar, first=first, last=last, now=now
            )
            scored = (
                await ikm_figures(
                    conn, agency=desk.agency, calendar=calendar, first=first, last=last
                )
                if with_ikm
                else None
            )
            parts = await _report_parts(figures, scored, desk)
            tag = f"{first.isoformat()}:{last.isoformat()}"
            for officer in coordinators:
                for index in range(3):
                    outbox_id = await notify.queue_for_officer(
                        conn,
                        desk=desk,
                        officer_id=officer.id,
                        message_for=_part(parts, index),
                        key=outbox_keys.monthly_report(tag, officer.id, index),
                        urgent=False,
                    )
                    queued += outbox_id is not None
    return queued


def _part(
    parts: Callable[[Translator], tuple[Outbound, Outbound, Outbound]], index: int
) -> Callable[[Translator], Outbound]:
    return lambda t: parts(t)[index]


async def _report_parts(
    figures: PeriodFigures, scored: IkmFigures | None, desk: Desk
) -> Callable[[Translator], tuple[Outbound, Outbound, Outbound]]:
    """The report's three messages in a reader's language (drawn once per language)."""
    drawn: dict[str, tuple[Outbound, Outbound, Outbound]] = {}
    for locale in SUPPORTED:
        t = translator(locale)
        chart, workbook = await asyncio.gather(
            asyncio.to_thread(render_png, figures, desk.catalog, lang=locale),
            asyncio.to_thread(render_xlsx, figures, desk.catalog, lang=locale),
        )
        text = render_period(figures, desk, t)
        if scored is not None:
            text += "\n\n" + render_ikm(scored, desk.catalog, t)
        name = f"laporan-{desk.agency}-{figures.first.isoformat()}-{figures.last.isoformat()}"
        drawn[locale] = (
            Outbound(text),
            Outbound(t("Grafik laporan"), document=OutboundDocument(f"{name}.png", PNG, chart)),
            Outbound(
                t("Rincian laporan (Excel)"),
                document=OutboundDocument(f"{name}.xlsx", XLSX, workbook),
            ),
        )
    return lambda t: drawn.get(t.locale, drawn["id"])


# --- retention (UU PDP) ----------------------------------------------------------------------

RETENTION_SWEEP_SECONDS = 3600.0
RETENTION_BATCH = 100


async def sweep_retention(db: Database, desk: Desk, *, max_batches: int = 50) -> int:
    """Anonymise the personal data of tickets closed longer ago than the agency's retention;
    their figures stay, so reports do not change. Returns the tickets anonymised."""
    cutoff = desk.now - timedelta(days=desk.catalog.agency.retention_days)
    done = 0
    for _ in range(max_batches):
        async with db.transaction() as conn:
            ids = await privacy.tickets_past_retention(
                conn, agency=desk.agency, closed_before=cutoff, limit=RETENTION_BATCH
            )
            anonymised = await privacy.anonymise_tickets(conn, ticket_ids=ids)
        # Only once the rows are gone for good: a failed commit must not lose the files.
        for path in anonymised.paths:
            await asyncio.to_thread(desk.store.remove, path)
        done += anonymised.tickets
        if len(ids) < RETENTION_BATCH:
            break
    purged = 0
    for _ in range(max_batches):
        async with db.transaction() as conn:
            batch = await privacy.purge_messages(conn, before=cutoff, limit=RETENTION_BATCH * 5)
        purged += batch
        if batch < RETENTION_BATCH * 5:
            break
    if done or purged:
        log.info("retention: %d tickets anonymised, %d old messages deleted", done, purged)
    return done


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
            news = [row for row in rows if not outbox_keys.is_failure_report(row.key)]
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
    ticket_ids = {i for row in rows if (i := outbox_keys.read(row.key).ticket_id) is not None}
    refs = await store.ticket_refs(conn, ids=ticket_ids)
    coordinators = await repo.officers_with_role(conn, agency=desk.agency, role=COORDINATOR)
    for officer in coordinators:
        await notify.queue_for_officer(
            conn,
            desk=desk,
            officer_id=officer.id,
            message_for=lambda t: Outbound(render_failures(rows, refs, t)),
            key=outbox_keys.failure_report(rows[0].id, officer.id),
            urgent=False,
        )


def render_failures(rows: list[store.FailedDelivery], refs: dict[int, str], t: Translator) -> str:
    """The failure report: channel, kind of message, ticket and error class; no recipient."""
    lines = [t("Pesan berikut gagal terkirim dan tidak akan dicoba lagi:")]
    for row in rows:
        info = outbox_keys.read(row.key)
        ref = refs.get(info.ticket_id) if info.ticket_id is not None else None
        about = message_kind(info.kind, t)
        if ref is not None:
            about = t("{kind}, tiket {ref}").format(kind=about, ref=ref)
        lines.append(f"- {row.channel}: {about} ({error_class(row.last_error, t)})")
    lines.append(t("Mohon periksa kanal tersebut dan hubungi penerima lewat jalur lain."))
    return "\n".join(lines)


def message_kind(kind: KeyKind, t: Translator) -> str:
    """What kind of message an outbox row was, in words."""
    match kind:
        case KeyKind.REPLY:
            return t("balasan percakapan")
        case KeyKind.REQUESTER_NOTICE:
            return t("pemberitahuan ke pemohon")
        case KeyKind.OFFICER_NOTICE:
            return t("pemberitahuan ke petugas")
        case KeyKind.DIGEST:
            return t("ringkasan harian")
        case KeyKind.FAILURE_REPORT | KeyKind.OTHER:
            return t("pesan lain")
        case _:
            assert_never(kind)


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


# --- abandoned uploads ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UploadSweep:
    """What one sweep of abandoned uploads did."""

    deleted: int = 0  # uploads deleted (a file goes with its last row)
    leftovers: int = 0  # half-received files of uploads cut off by a crash
    busy: bool = False  # another replica was sweeping, so this one stopped


async def sweep_abandoned_uploads(
    db: Database,
    files: AttachmentStore,
    *,
    now: datetime,
    grace: timedelta,
    batch_size: int = UPLOAD_BATCH,
    max_batches: int = MAX_BATCHES,
) -> UploadSweep:
    """Delete the uploads on no ticket stored before `now - grace` whose conversation has been
    idle as long (or is gone), batch after batch, then the leftovers of crashed uploads.

    Like the alert sweep, each batch takes the sweep's advisory lock (a replica finding it taken
    skips its turn) and skips rows another transaction holds, so replicas never race.
    """
    before = now - grace
    deleted, after_id, busy = 0, 0, False
    for _ in range(max_batches):
        async with db.transaction() as conn:
            if not await store.try_lock_sweep(conn, name="uploads"):
                busy = True
                break
            last, gone = await repo.discard_abandoned_uploads(
                conn, store=files, before=before, after_id=after_id, limit=batch_size
            )
        deleted += gone
        if last == after_id:
            break
        after_id = last
    leftovers = await asyncio.to_thread(files.clean_incoming, older_than=INCOMING_LEFTOVER_SECONDS)
    if deleted or leftovers:
        log.info("deleted %d abandoned uploads and %d half-received files", deleted, leftovers)
    return UploadSweep(deleted, leftovers, busy)
