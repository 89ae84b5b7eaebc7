"""/antrian: the officer's open tickets, most urgent first."""

from __future__ import annotations

from bot.callbacks import (
    OfficerAction,
    OfficerTap,
    choice,
)
from bot.dialogs.state import URGENT_FIELD, Step
from bot.handlers.base import Request
from bot.handlers.officer.common import (
    QUEUE_BUTTONS,
    QUEUE_LINES,
    event_time,
    is_coordinator,
    is_late,
    moment,
    say,
    service_words,
    step_words,
)
from bot.labels import priority_words
from storage import queues
from storage import repositories as repo


async def show_queue(req: Request, officer: repo.OfficerRecord) -> Step:
    """My open tickets, most urgent first, with buttons to open the first few."""
    t, desk = req.t, req.desk
    coordinator = is_coordinator(officer)
    queue = await queues.officer_queue(
        req.conn,
        agency=desk.agency,
        officer_id=officer.id,
        roles=officer.roles,
        everything=coordinator,
        limit=QUEUE_LINES,
    )
    if not queue.tickets:
        return say(
            req, t("Antrean Bapak/Ibu kosong. Tiket baru akan kami beri tahu melalui chat ini.")
        )
    holders = await queues.officer_names(
        req.conn, ids=[r.assigned_officer_id for r in queue.tickets if r.assigned_officer_id]
    )
    lines = [
        t("Antrean Bapak/Ibu ({count} tiket), yang paling mendesak di atas:").format(
            count=queue.total
        )
    ]
    for index, record in enumerate(queue.tickets, start=1):
        lines.append(f"{index}. {record.ref} — {service_words(req, record)}")
        detail = t("{step}; batas {when}").format(
            step=step_words(req, record, record.step), when=moment(req, record.step_due_at)
        )
        marks = []
        if record.fields.get(URGENT_FIELD):
            marks.append(t("MENDESAK"))
        service = req.desk.service(record.service)
        priority = service.priority_of(record.product, record.fields) if service else None
        if priority is not None:
            marks.append(t("prioritas {value}").format(value=priority_words(priority, t)))
        event = event_time(req, record)
        if event is not None:
            marks.append(t("acara {when}").format(when=moment(req, event)))
        if record.paused_at is not None:
            marks.append(t("menunggu pemohon"))
        elif is_late(req, record):
            marks.append(t("TERLAMBAT"))
        if record.assigned_officer_id is None:
            marks.append(t("belum dipegang"))
        elif record.assigned_officer_id != officer.id:
            marks.append(
                t("dipegang {name}").format(name=holders.get(record.assigned_officer_id, "-"))
            )
        lines.append("   " + detail + "".join(f" — {m}" for m in marks))
    if queue.total > len(queue.tickets):
        lines.append(
            t("… dan {count} tiket lainnya.").format(count=queue.total - len(queue.tickets))
        )
    buttons = [
        choice(OfficerTap(OfficerAction.VIEW, r.ref).pack(), r.ref)
        for r in queue.tickets[:QUEUE_BUTTONS]
    ]
    return say(req, "\n".join(lines), buttons)
