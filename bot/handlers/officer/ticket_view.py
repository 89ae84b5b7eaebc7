"""/tiket: a ticket's details, its history in plain words, and the buttons of what this officer
can do with it next."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import assert_never

from babel.numbers import format_decimal

from bot.callbacks import (
    OfficerAction,
    OfficerTap,
    choice,
)
from bot.dialogs.state import URGENT_FIELD, Step
from bot.handlers.base import Request
from bot.handlers.officer.common import (
    HISTORY_EVENTS,
    Found,
    Refusal,
    answer,
    find_ticket,
    is_late,
    moment,
    record_view,
    role_words,
    roster,
    say,
    service_words,
    short_moment,
    step_words,
)
from bot.handlers.officer.permissions import act_problem, may_assign, may_take, require_view
from bot.handlers.officer.usage import usages
from bot.labels import (
    clip,
    officer_status_words,
    priority_words,
    show_answer,
    show_document,
)
from bot.messages import Choice, Outbound, OutboundDocument
from core.catalog.schema import Service
from core.kinds import EventKind
from core.workflow import plan_is_compressed, plan_steps
from storage import queues
from storage import repositories as repo

FILE_BUTTONS = 5  # a button per attachment for the first few; the list names them all


async def show_ticket(req: Request, officer: repo.OfficerRecord, ref: str) -> Step:
    """A ticket's details, history and what this officer can do with it."""
    found = await find_ticket(req, ref, usage=usages(req.t)["tiket"], lock=False)
    await require_view(req, officer, found)
    await record_view(req, officer, "ticket.view", found.record)
    text = await _details(req, found)
    files = await queues.ticket_attachments(req.conn, ticket_id=found.record.id)
    buttons = await ticket_buttons(req, officer, found)
    buttons += [
        choice(
            OfficerTap(OfficerAction.FILE, found.record.ref, str(f.id)).pack(),
            req.t("Lampiran: {file}").format(file=clip(f.filename, 40)),
        )
        for f in files[:FILE_BUTTONS]
    ]
    return say(req, text, buttons)


async def send_attachment(
    req: Request, officer: repo.OfficerRecord, ref: str, attachment: str
) -> Step:
    """The file itself (a signed letter to check), to an officer who may see the ticket."""
    t = req.t
    found = await find_ticket(req, ref, usage=usages(t)["tiket"], lock=False)
    await require_view(req, officer, found)
    wanted = int(attachment) if attachment.isascii() and attachment.isdigit() else None
    files = await queues.ticket_attachments(req.conn, ticket_id=found.record.id)
    chosen = next((f for f in files if f.id == wanted), None)
    if chosen is None:
        raise Refusal(t("Lampiran tersebut tidak ada pada tiket {ref}.").format(ref=ref))
    await record_view(req, officer, "attachment.download", found.record)
    try:
        data = await asyncio.to_thread(req.desk.store.read, chosen.path)
    except OSError:
        raise Refusal(
            t("Maaf, berkas {file} tidak dapat dibuka. Mohon hubungi koordinator.").format(
                file=chosen.filename
            )
        ) from None
    document = OutboundDocument(chosen.filename, chosen.mime, data)
    text = t("Lampiran tiket {ref}: {file}").format(ref=found.record.ref, file=chosen.filename)
    return answer(req, Outbound(text, document=document))


async def _details(req: Request, found: Found) -> str:
    t, desk, record, ticket = req.t, req.desk, found.record, found.ticket
    service = desk.service(record.service)
    lines = [
        t("Tiket {ref}").format(ref=record.ref),
        t("Layanan: {value}").format(value=service_words(req, record)),
        t("Diajukan: {when}").format(when=moment(req, record.created_at)),
    ]
    if service is not None:
        lines += _answers(req, service, record)
    priority = service.priority_of(record.product, record.fields) if service else None
    if priority is not None:
        lines.append(t("Prioritas: {value}").format(value=priority_words(priority, t)))
    if record.fields.get(URGENT_FIELD):
        lines.append(
            t("MENDESAK: acara dimulai sebelum batas waktu standar; mohon hubungi pemohon.")
        )
    files = await queues.ticket_attachments(req.conn, ticket_id=record.id)
    if files:
        lines.append(t("Lampiran: {files}").format(files=", ".join(f.filename for f in files)))
    lines.append(t("Status: {value}").format(value=officer_status_words(record.status, t)))
    if ticket.is_closed:
        lines.append(t("Ditutup: {when}").format(when=moment(req, record.closed_at)))
    else:
        lines += await _whereabouts(req, found)
    events = await repo.list_events(req.conn, ticket_id=record.id)
    lines += _steps(req, found, events)
    lines += _pauses(req, events)
    lines += await _history(req, record, events)
    return "\n".join(lines)


def _steps(req: Request, found: Found, events: list[repo.EventRecord]) -> list[str]:
    """Each SOP step reached: when it started, its due, when it ended, against the plan of a
    ticket whose every step takes exactly its time."""
    t, desk, record = req.t, req.desk, found.record
    service = desk.service(record.service)
    if service is None:
        return []
    planned = {
        p.code: p.due_at
        for p in plan_steps(service, record.product, desk.calendar, record.start_at)
    }
    # step code → [start, due, end], in the order the ticket reached them
    reached: dict[str, list[datetime | None]] = {}
    current: str | None = None
    for event in events:
        data = event.data
        if event.kind == EventKind.OPENED:
            current = str(data.get("step") or "")
            reached[current] = [record.start_at, _when(data.get("step_due_at")), None]
        elif event.kind == EventKind.DISPOSED and data.get("to_step") != data.get("from_step"):
            if current in reached:
                reached[current][2] = event.at
            current = str(data.get("to_step") or "")
            reached[current] = [event.at, _when(data.get("step_due_at")), None]
        elif event.kind == EventKind.REQUESTER_COMPLETED and current in reached:
            reached[current][1] = _when(data.get("step_due_at")) or reached[current][1]
        elif event.kind in (EventKind.FINISHED, EventKind.REJECTED) and current in reached:
            reached[current][2] = event.at
    if not reached:
        return []
    lines = ["", t("Tahapan (mulai · batas · selesai):")]
    for number, (code, (start, due, end)) in enumerate(reached.items(), 1):
        line = t("{n}. {step}: mulai {start} · batas {due} · {end}").format(
            n=number,
            step=step_words(req, record, code),
            start=short_moment(req, start) if start else "-",
            due=short_moment(req, due) if due else "-",
            end=short_moment(req, end) if end else t("belum selesai"),
        )
        if end is not None and due is not None:
            line += " — " + (t("tepat waktu") if end <= due else t("terlambat"))
        plan = planned.get(code)
        if plan is not None and due is not None and abs((plan - due).total_seconds()) >= 60:
            line += " " + t("(rencana awal: {when})").format(when=short_moment(req, plan))
        lines.append(line)
    return lines


def _pauses(req: Request, events: list[repo.EventRecord]) -> list[str]:
    """When the clock stopped for the requester, and for how long in office time."""
    t = req.t
    lines: list[str] = []
    started: datetime | None = None
    for event in events:
        if event.kind == EventKind.COMPLETION_REQUESTED:
            started = event.at
        elif event.kind == EventKind.REQUESTER_COMPLETED and started is not None:
            spent = timedelta(seconds=int(event.data.get("paused_seconds") or 0))
            lines.append(
                t("• {start} s.d. {end}: {hours} jam kerja").format(
                    start=short_moment(req, started),
                    end=short_moment(req, event.at),
                    hours=format_decimal(round(spent.total_seconds() / 3600, 1), locale=t.locale),
                )
            )
            started = None
    if started is not None:
        lines.append(
            t("• sejak {start}: masih menunggu pemohon").format(start=short_moment(req, started))
        )
    return ["", t("Jeda menunggu pemohon:"), *lines] if lines else []


def _when(value: object) -> datetime | None:
    """An event's ISO time, or None."""
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _answers(req: Request, service: Service, record: repo.TicketRecord) -> list[str]:
    """The requester's answers and documents, as the intake summary showed them."""
    t = req.t
    lines: list[str] = []
    for spec in service.fields_for(record.product):
        if spec.code in record.fields:
            value = show_answer(spec, record.fields[spec.code], req.desk.calendar.zone, t)
            lines.append(f"{spec.label.get(t.locale)}: {clip(value, 300)}")
    requirements = service.requirements_for(record.product)
    if requirements:
        lines.append(t("Dokumen:"))
        for requirement in requirements:
            shown = show_document(record.requirements.get(requirement.code), t)
            lines.append(f"• {requirement.name.get(t.locale)}: {shown}")
    return lines


async def _whereabouts(req: Request, found: Found) -> list[str]:
    """Step, holder, dues, and who can take the next step (with their numbers)."""
    t, desk, record, ticket = req.t, req.desk, found.record, found.ticket
    lines = [
        t("Tahap: {step} ({role})").format(
            step=step_words(req, record, ticket.step), role=role_words(req, ticket.role)
        )
    ]
    if ticket.officer is not None:
        names = await queues.officer_names(req.conn, ids=[ticket.officer])
        lines.append(t("Dipegang oleh: {name}").format(name=names.get(ticket.officer, "-")))
    else:
        holders = await repo.officers_with_role(req.conn, agency=desk.agency, role=ticket.role)
        lines.append(
            t("Belum dipegang. Petugas tahap ini: {officers}").format(
                officers=roster(holders) or t("belum ada petugas")
            )
        )
    if ticket.paused_at is not None:
        lines.append(
            t("Menunggu pemohon sejak {when}; waktu penyelesaian dihentikan.").format(
                when=moment(req, ticket.paused_at)
            )
        )
    else:
        due = t("Batas tahap ini: {when}").format(when=moment(req, record.step_due_at))
        if is_late(req, record):
            due += " — " + t("TERLAMBAT")
        lines.append(due)
    lines.append(t("Batas penyelesaian: {when}").format(when=moment(req, record.due_at)))
    service = desk.service(record.service)
    if service is not None and plan_is_compressed(
        service, record.product, desk.calendar, record.start_at
    ):
        lines.append(
            t(
                "Catatan: waktu tahap-tahap SOP lebih panjang dari standar pelayanan, jadi batas "
                "tiap tahap dipadatkan agar selesai tepat waktu."
            )
        )
    following = ticket.next_step
    if following is not None:
        others = await repo.officers_with_role(req.conn, agency=desk.agency, role=following.role)
        lines.append(
            t("Tahap berikutnya: {step} — {officers}").format(
                step=step_words(req, record, following.code),
                officers=roster(others) or t("belum ada petugas"),
            )
        )
    return lines


async def _history(
    req: Request, record: repo.TicketRecord, all_events: list[repo.EventRecord]
) -> list[str]:
    """The last events in plain words, oldest first."""
    t = req.t
    events = [e for e in all_events if e.kind != EventKind.OPENED]
    names = await queues.officer_names(
        req.conn,
        ids=[e.actor_id for e in events if e.actor_id is not None]
        + [int(e.data["officer"]) for e in events if isinstance(e.data.get("officer"), int)],
    )
    lines = ["", t("Riwayat:")]
    if len(events) > HISTORY_EVENTS:
        lines.append(
            t("({count} catatan sebelumnya tidak ditampilkan)").format(
                count=len(events) - HISTORY_EVENTS
            )
        )
    for event in events[-HISTORY_EVENTS:]:
        lines.append(f"• {short_moment(req, event.at)} — {_event_words(req, record, event, names)}")
    return lines


def _event_words(
    req: Request, record: repo.TicketRecord, event: repo.EventRecord, names: dict[int, str]
) -> str:
    t, data = req.t, event.data
    if event.actor_kind == "requester":
        who = t("Pemohon")
    elif event.actor_kind == "system":
        who = t("Sistem")
    else:
        who = names.get(event.actor_id or 0, t("Petugas"))
    target = names.get(int(data.get("officer") or 0), "")
    if event.kind not in EventKind._value2member_map_:
        return t("Pembaruan tiket oleh {who}").format(who=who)
    match EventKind(event.kind):
        case EventKind.CREATED:
            if event.actor_kind == "officer":
                return t("Dicatat di loket oleh {who}").format(who=who)
            return t("Permohonan diajukan oleh pemohon")
        case EventKind.DISPOSED:
            text = t("{who} meneruskan ke tahap: {step}").format(
                who=who, step=step_words(req, record, data.get("to_step"))
            )
            if data.get("from_step") == data.get("to_step"):
                text = t("{who} mengalihkan tahap ini").format(who=who)
            if target:
                text += " " + t("(kepada {name})").format(name=target)
            if data.get("instruction"):
                text += ": " + clip(str(data["instruction"]))
            return text
        case EventKind.ASSIGNED:
            return t("{who} menugaskan kepada {name}").format(who=who, name=target or "-")
        case EventKind.TAKEN:
            return t("{who} mengambil tiket").format(who=who)
        case EventKind.COMPLETION_REQUESTED:
            return t("{who} meminta kelengkapan: {message}").format(
                who=who, message=clip(str(data.get("message", "")))
            )
        case EventKind.REQUESTER_COMPLETED:
            return t("Pemohon melengkapi persyaratan; waktu berjalan kembali")
        case EventKind.REJECTED:
            return t("{who} menolak: {reason}").format(
                who=who, reason=clip(str(data.get("reason", "")))
            )
        case EventKind.NOTE:
            return t("{who} mencatat: {text}").format(who=who, text=clip(str(data.get("text", ""))))
        case EventKind.FINISHED:
            return t("{who} menyelesaikan tiket dengan Berita Acara").format(who=who)
        case EventKind.WARNED if data.get("alert") == "event-soon":
            return t("Pengingat acara yang segera dimulai dikirim")
        case EventKind.WARNED:
            return t("Pengingat batas waktu tahap {step} dikirim").format(
                step=step_words(req, record, data.get("step"))
            )
        case EventKind.ESCALATED:
            return t("Batas waktu tahap {step} terlewati; atasan diberi tahu").format(
                step=step_words(req, record, data.get("step"))
            )
        case (
            EventKind.OPENED
            | EventKind.REQUESTER_ANSWERED
            | EventKind.COMPLAINT_LIMIT
            | EventKind.COMPLAINT_CLASSIFIED
        ):
            return t("Pembaruan tiket oleh {who}").format(who=who)
        case _:
            assert_never(EventKind(event.kind))


async def ticket_buttons(req: Request, officer: repo.OfficerRecord, found: Found) -> list[Choice]:
    """What this officer can do next with the ticket."""
    t, ticket, ref = req.t, found.ticket, found.record.ref
    buttons: list[Choice] = []
    if ticket.is_closed:
        return buttons
    if ticket.officer is None and may_take(officer, ticket):
        buttons.append(choice(OfficerTap(OfficerAction.TAKE, ref).pack(), t("Ambil")))
    if act_problem(officer, ticket) is None and ticket.paused_at is None:
        if ticket.next_step is not None:
            buttons.append(choice(OfficerTap(OfficerAction.DISPOSE, ref).pack(), t("Disposisi")))
        else:
            buttons.append(choice(OfficerTap(OfficerAction.FINISH, ref).pack(), t("Selesai")))
    if may_assign(officer, ticket):
        buttons.append(choice(OfficerTap(OfficerAction.ASSIGN, ref).pack(), t("Tugaskan")))
    return buttons
