"""The coordinators' SLA figures: one count of open, late, due-today, waiting and recently
finished tickets, worded for the daily digest (bot.sweeps) and for /laporan (bot.handlers); and
a period's report (`core.figures`), read once here for chat, the files and the CLI."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.labels import format_day, format_moment, format_period_day, service_label
from bot.office import Desk
from core.catalog.schema import Catalog
from core.figures import PeriodFigures, period_bounds, period_figures
from core.sla.calendar import WorkingCalendar
from core.tickets import TicketStatus
from locales import Translator
from storage import sweeps as store
from storage.reports import officer_names, period_tickets

_DAYS_BACK = 60  # longer than any run of holidays
PNG = "image/png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
            label = service_label(desk.catalog, code, None, t)
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


# --- a period's report (/laporan PERIODE, `servicedesk report`, the monthly report) -----------


async def period_report(
    conn: AsyncConnection,
    *,
    catalog: Catalog,
    calendar: WorkingCalendar,
    first: date,
    last: date,
    now: datetime,
) -> PeriodFigures:
    """Read the period's tickets and officers and count them (`core.figures`): the one source
    of every period figure in chat, files and the API."""
    start, end = period_bounds(calendar, first, last)
    tickets = await period_tickets(conn, agency=catalog.agency.code, start=start, end=end)
    ids = {t.officer_id for t in tickets if t.officer_id is not None}
    return period_figures(
        tickets,
        catalog=catalog,
        calendar=calendar,
        first=first,
        last=last,
        now=now,
        officers=await officer_names(conn, ids=ids),
    )


def render_period(figures: PeriodFigures, desk: Desk, t: Translator) -> str:
    """The period's figures in a few lines for chat (the files carry every table)."""
    total = figures.total
    done = total.completion
    lines = [
        t("Laporan layanan {first} s.d. {last}").format(
            first=format_period_day(figures.first, t), last=format_period_day(figures.last, t)
        ),
        "",
        t("Tiket masuk: {count}").format(count=total.received),
        t("Selesai: {count} (tepat waktu {on_time}, terlambat {late})").format(
            count=done.completed, on_time=done.on_time, late=done.late
        ),
    ]
    if done.completed:
        share = 100 * done.on_time / done.completed
        lines.append(t("Kepatuhan standar waktu: {share}%").format(share=_decimal(share, t)))
    if done.median is not None and done.p90 is not None:
        lines.append(
            t("Waktu penyelesaian (jam kerja, tanpa jeda): median {median}, P90 {p90}").format(
                median=_decimal(done.median.total_seconds() / 3600, t),
                p90=_decimal(done.p90.total_seconds() / 3600, t),
            )
        )
    lines.append(t("Ditolak: {count}").format(count=total.rejected))
    backlog = total.backlog
    lines.append(
        t("Masih terbuka: {count} (umur hari kerja 0-1: {a}, 2-3: {b}, 4-5: {c}, >5: {d})").format(
            count=backlog.total,
            a=backlog.days_0_1,
            b=backlog.days_2_3,
            c=backlog.days_4_5,
            d=backlog.over_5,
        )
    )
    for available in figures.availability:
        if available.availability is None:
            continue
        label = service_label(desk.catalog, available.service, None, t)
        line = t("Ketersediaan {service} {month}: {share}%").format(
            service=label,
            month=format_date(available.month, "MMMM y", locale=t.locale),
            share=_decimal(100 * available.availability, t),
        )
        if available.guarantee is not None:
            line += " " + t("(janji {share}%)").format(share=_decimal(available.guarantee, t))
        lines.append(line)
    return "\n".join(lines)


def _decimal(value: float, t: Translator) -> str:
    return format_decimal(round(value, 1), format="0.#", locale=t.locale)
