"""Coordinator commands: /laporan, the SLA report now (the daily digest's figures plus the open
and late tickets per service). Failed deliveries reach coordinators on their own (bot.sweeps)."""

from __future__ import annotations

from bot.dialogs.state import Step
from bot.handlers.base import Request
from bot.messages import Outbound
from bot.reports import render_sla_report, sla_report
from core.officers import COORDINATOR


async def report(req: Request) -> Step:
    """/laporan: the SLA report for a coordinator; a polite refusal for anyone else."""
    t = req.t
    officer = await req.officer()
    if officer is not None and COORDINATOR in officer.roles:
        figures = await sla_report(req.conn, req.desk)
        text = render_sla_report(figures, req.desk, t)
    else:
        text = t("Mohon maaf, laporan SLA hanya tersedia untuk koordinator layanan.")
    # The conversation stays where it was: a report in the middle of a request loses nothing.
    return Step(req.turn.state, req.turn.data, req.turn.locale, [Outbound(text)])
