"""The confirmation after a request became a ticket: its number, target and due (the stored
ticket's, the published standard) and the next step of its procedure."""

from __future__ import annotations

from bot.dialogs.state import Context, FileTicket, Turn
from bot.labels import format_moment
from bot.messages import Outbound
from locales import translator


def filed_replies(ticket: FileTicket, ref: str, turn: Turn, ctx: Context) -> list[Outbound]:
    """The confirmation after the ticket was created: its number, SLA and the next step."""
    t = translator(turn.locale)
    zone = ctx.catalog.agency.timezone
    service = ctx.catalog.service(ticket.service)
    lines = [
        t("Terima kasih. Permohonan Bapak/Ibu sudah kami terima dengan nomor tiket {ref}.").format(
            ref=ref
        )
    ]
    if ticket.sla.start > ctx.calendar.start_of(ticket.submitted_at):
        lines.append(
            t(
                "Permohonan layanan ini untuk hari tersebut sudah penuh, sehingga dikerjakan pada "
                "hari kerja berikutnya: waktu penyelesaian dihitung mulai {start}."
            ).format(start=format_moment(ticket.sla.start, zone, t))
        )
    elif ticket.sla.start > ticket.submitted_at:
        lines.append(
            t(
                "Permohonan masuk di luar jam layanan, sehingga waktu penyelesaian dihitung "
                "mulai {start}."
            ).format(start=format_moment(ticket.sla.start, zone, t))
        )
    if ticket.sla.target is not None:
        lines.append(
            t("Target selesai: {when}.").format(when=format_moment(ticket.sla.target, zone, t))
        )
    lines.append(
        t("Batas waktu penyelesaian: {when}.").format(when=format_moment(ticket.sla.due, zone, t))
    )
    if service is not None:
        first = next((s for s in service.procedure if s.code == ticket.step), service.procedure[0])
        role = next((r for r in ctx.catalog.agency.roles if r.code == first.role), None)
        lines.append(
            t("Langkah berikutnya: {action} — {role}, paling lambat {when}.").format(
                action=first.action.get(t.locale),
                role=role.name.get(t.locale) if role else first.role,
                when=format_moment(ticket.step_due, zone, t),
            )
        )
    lines.append(
        t("Simpan nomor tiket ini. Cek perkembangannya kapan saja dengan /status {ref}.").format(
            ref=ref
        )
    )
    return [Outbound(text="\n".join(lines))]
