"""Coordinator commands: /laporan.

- `/laporan`: the SLA report now (the daily digest's figures plus the open and late tickets per
  service).
- `/laporan PERIODE` ("minggu", "bulan", "bulan lalu", "2026-11", two dates): the period's
  figures in a few lines, a chart (PNG) and the spreadsheet (XLSX) with every table.
- `/laporan ikm [PERIODE]`: the satisfaction index (IKM) of the period (this year by default).

Failed deliveries reach coordinators on their own (bot.sweeps).
"""

from __future__ import annotations

import asyncio

from bot.dialogs.state import Step
from bot.handlers.base import Request
from bot.handlers.periods import parse_period
from bot.ikm_report import ikm_figures, render_ikm
from bot.messages import Outbound, OutboundDocument
from bot.report_files import render_png, render_xlsx
from bot.reports import (
    PNG,
    XLSX,
    period_report,
    render_period,
    render_sla_report,
    sla_report,
)
from core.officers import COORDINATOR
from core.tickets import normalize_ref
from locales import Translator
from storage import repositories as repo


async def report(req: Request) -> Step:
    """/laporan [ikm] [PERIODE]: a coordinator's report; a polite refusal for anyone else."""
    t = req.t
    officer = await req.officer()
    if officer is None or COORDINATOR not in officer.roles:
        return _keep(
            req, Outbound(t("Mohon maaf, laporan SLA hanya tersedia untuk koordinator layanan."))
        )
    argument = req.argument.strip()
    if not argument:
        now = await sla_report(req.conn, req.desk)
        return _keep(req, Outbound(render_sla_report(now, req.desk, t)))
    desk = req.desk
    today = desk.calendar.local(desk.now).date()
    head, _, rest = argument.partition(" ")
    if head.casefold() in ("ikm", "skm", "survei", "survey"):
        period = parse_period(rest or "tahun", today)
        if period is None:
            return _keep(req, Outbound(_usage(t)))
        scored = await ikm_figures(
            req.conn, agency=desk.agency, calendar=desk.calendar, first=period[0], last=period[1]
        )
        return _keep(req, Outbound(render_ikm(scored, desk.catalog, t)))
    period = parse_period(argument, today)
    if period is None:
        return _keep(req, Outbound(_usage(t)))
    first, last = period
    figures = await period_report(
        req.conn, catalog=desk.catalog, calendar=desk.calendar, first=first, last=last, now=desk.now
    )
    # Drawing and the workbook take a few hundred milliseconds: off the event loop.
    chart, workbook = await asyncio.gather(
        asyncio.to_thread(render_png, figures, desk.catalog, lang=t.locale),
        asyncio.to_thread(render_xlsx, figures, desk.catalog, lang=t.locale),
    )
    name = f"laporan-{desk.agency}-{first.isoformat()}-{last.isoformat()}"
    return _keep(
        req,
        Outbound(render_period(figures, desk, t)),
        Outbound(t("Grafik laporan"), document=OutboundDocument(f"{name}.png", PNG, chart)),
        Outbound(
            t("Rincian laporan (Excel)"),
            document=OutboundDocument(f"{name}.xlsx", XLSX, workbook),
        ),
    )


AUDIT_SHOWN = 30


async def audit(req: Request) -> Step:
    """/audit NOMOR: who saw this ticket's personal data, when and where (coordinators)."""
    t = req.t
    officer = await req.officer()
    if officer is None or COORDINATOR not in officer.roles:
        return _keep(req, Outbound(t("Mohon maaf, catatan akses hanya untuk koordinator layanan.")))
    ref = normalize_ref(req.argument) if req.argument else None
    record = await repo.get_ticket(req.conn, ref=ref) if ref else None
    if record is None or record.agency != req.desk.agency:
        return _keep(
            req,
            Outbound(
                t("Tiket {ref} tidak ditemukan. Mohon periksa kembali nomornya.").format(
                    ref=req.argument or "-"
                )
            ),
        )
    await repo.log_access(
        req.conn,
        at=req.desk.now,
        agency=req.desk.agency,
        actor_kind="officer",
        actor_id=officer.id,
        actor_name=officer.name,
        channel=req.msg.channel,
        action="audit.view",
        tickets=[(record.id, record.ref)],
    )
    entries = await repo.list_access(req.conn, ticket_ref=record.ref, limit=AUDIT_SHOWN)
    zone = req.desk.calendar.zone
    lines = [t("Catatan akses data tiket {ref} (terbaru di atas):").format(ref=record.ref)]
    lines += [
        f"• {e.at.astimezone(zone).strftime(t('%d/%m/%Y %H.%M'))} — {e.actor_name} "
        f"({e.actor_kind}, {e.channel}) — {e.action}"
        for e in entries
    ]
    return _keep(req, Outbound("\n".join(lines)))


def _usage(t: Translator) -> str:
    return t(
        "Periode tidak dikenali. Contoh: /laporan bulan, /laporan bulan lalu, /laporan minggu, "
        "/laporan 2026-11, /laporan 1/11/2026 30/11/2026, /laporan ikm tahun."
    )


def _keep(req: Request, *replies: Outbound) -> Step:
    # The conversation stays where it was: a report in the middle of a request loses nothing.
    return Step(req.turn.state, req.turn.data, req.turn.locale, list(replies))
