"""Coordinator commands: /laporan, the SLA report now (the daily digest's figures plus the open
and late tickets per service). Failed deliveries reach coordinators on their own (bot.sweeps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogs.intake import State, Step
from bot.dialogs.messages import Outbound
from bot.sweeps import render_sla_report, sla_report
from core.officers import COORDINATOR
from locales import translator

if TYPE_CHECKING:
    from bot.handlers.routing import Handler, Request


async def report(req: Request) -> Step:
    """/laporan: the SLA report for a coordinator; a polite refusal for anyone else."""
    t = translator(req.turn.locale)
    officer = await req.officer()
    allowed = (
        officer is not None and COORDINATOR in officer.roles and officer.agency == req.desk.agency
    )
    if allowed:
        figures = await sla_report(req.conn, req.desk)
        text = render_sla_report(figures, req.desk, t)
    else:
        text = t("Mohon maaf, laporan SLA hanya tersedia untuk koordinator layanan.")
    # The conversation stays where it was: a report in the middle of a request loses nothing.
    return Step(req.turn.state, req.turn.data, req.turn.locale, [Outbound(text)])


COMMANDS: dict[str, Handler] = {"laporan": report, "report": report}
CHOICES: dict[str, Handler] = {}
STATES: dict[State, Handler] = {}
