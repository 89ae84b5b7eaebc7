"""/cari: find tickets by the requester's name, their instansi, the location or the words of the
request, newest first, among the tickets this officer may see."""

from __future__ import annotations

from bot.callbacks import OfficerAction, OfficerTap, choice
from bot.desk import UnknownService, workflow_ticket
from bot.dialogs.state import Step
from bot.handlers.base import Request
from bot.handlers.officer.common import (
    Refusal,
    is_coordinator,
    record_view,
    say,
    service_words,
    short_moment,
)
from bot.handlers.officer.permissions import may_view
from bot.handlers.officer.usage import usages
from bot.labels import clip, officer_status_words
from storage import queues
from storage import repositories as repo

SHOWN = 10
BUTTONS = 5
SCANNED = 100  # matches read before the ones this officer may not see are left out
MAX_WORDS = 6
_WHO = ("penanggung_jawab", "nama", "nama_admin", "opd", "instansi", "lokasi", "tempat")


async def search_command(req: Request, officer: repo.OfficerRecord) -> Step:
    """/cari TEXT: the newest tickets whose details contain every word of TEXT."""
    t = req.t
    words = [w for w in req.argument.split() if len(w) >= 2][:MAX_WORDS]
    if not words:
        raise Refusal(t("Mohon sertakan kata yang dicari: {usage}").format(usage=usages(t)["cari"]))
    found = await queues.search_tickets(
        req.conn, agency=req.desk.agency, words=words, limit=SCANNED
    )
    visible = [r for r in found if _may_see(officer, r, req)][:SHOWN]
    await record_view(req, officer, "tickets.search", *visible)
    if not visible:
        return say(
            req, t('Tidak ada tiket yang cocok dengan "{text}".').format(text=" ".join(words))
        )
    lines = [t('Tiket yang cocok dengan "{text}" (terbaru di atas):').format(text=" ".join(words))]
    for record in visible:
        who = " · ".join(clip(str(record.fields[k]), 40) for k in _WHO if record.fields.get(k))
        lines.append(
            f"• {record.ref} — {service_words(req, record)} — "
            f"{officer_status_words(record.status, t)} — {short_moment(req, record.created_at)}"
            + (f"\n   {who}" if who else "")
        )
    buttons = [
        choice(OfficerTap(OfficerAction.VIEW, r.ref).pack(), r.ref) for r in visible[:BUTTONS]
    ]
    return say(req, "\n".join(lines), buttons)


def _may_see(officer: repo.OfficerRecord, record: repo.TicketRecord, req: Request) -> bool:
    if is_coordinator(officer) or record.assigned_officer_id == officer.id:
        return True
    try:
        return may_view(officer, workflow_ticket(record, req.desk))
    except UnknownService:
        return False
