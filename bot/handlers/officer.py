"""Officer commands: /daftar, /antrian, /tiket, /disposisi, /tugaskan, /lengkapi, /tolak,
/catatan, /selesai (with the Berita Acara form), /ambil and the officers' /bantuan.

Who may do what:
- /daftar is for anyone holding a one-time invite code; every other command only for an active
  officer of this agency (anyone else gets a polite refusal, before any ticket is looked up).
- Acting on a ticket (/ambil, /disposisi, /lengkapi, /tolak, /selesai) needs the role of its
  current step, and the ticket unheld or held by this officer; coordinators may act on any.
- /tiket and /catatan need any role of the ticket's procedure (or coordinator); /tugaskan the
  step's role, its superior role, or coordinator.

"To whom" in /disposisi: `#12` (the officer's number, shown in /tiket), `@nama` (part of the
name) or `@semua` (everyone holding the next step's role); without it the ticket goes to the next
step's role, after asking which officer when that role has several. The rest is the instruction.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot import notify
from bot.desk import UnknownService, commit_transition, workflow_ticket
from bot.dialogs import intake
from bot.dialogs.intake import HANDLER_STATES, State, Step, choice
from bot.dialogs.messages import Choice, Outbound, OutboundDocument
from bot.dialogs.values import format_moment, show_answer
from bot.handlers.requester import parse_command
from core.berita_acara import BeritaAcara, berita_acara_for, render_berita_acara
from core.catalog.schema import Service
from core.officers import COORDINATOR, hash_invite_code, normalize_invite_code
from core.tickets import TicketStatus, normalize_ref
from core.workflow import (
    BERITA_ACARA_FIELDS,
    Transition,
    WorkflowError,
    WorkflowTicket,
    assign,
    dispose,
    finish,
    note,
    reject,
    request_completion,
    take,
)
from locales import Translator, translator
from storage import queues
from storage import repositories as repo

if TYPE_CHECKING:
    from bot.handlers.routing import Handler, Request

QUEUE_LINES = 15  # a chat message, not a report: the rest is counted
QUEUE_BUTTONS = 5
HISTORY_EVENTS = 10
OFFICER_BUTTONS = 10
MAX_ANSWER = 1000  # one Berita Acara answer, instruction, note or reason
SHOWN = 160  # a long text quoted in a list or the history
MAX_PETUGAS = 5
DISPOSE_ALL = "all"


class _Refusal(Exception):
    """A polite answer that ends the command (not a failure: nothing is rolled back)."""

    def __init__(self, text: str, choices: Sequence[Choice] = ()) -> None:
        super().__init__("refused")
        self.text = text
        self.choices = tuple(choices)


class _WrongAgency(Exception):
    """An invite of another agency's officer: undo the redemption."""


@dataclass(frozen=True)
class _Found:
    """A stored ticket and its workflow value."""

    record: repo.TicketRecord
    ticket: WorkflowTicket


# --- small helpers --------------------------------------------------------------------------


def _t(req: Request) -> Translator:
    return translator(req.turn.locale)


def _clip(text: str, limit: int = SHOWN) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _is_coordinator(officer: repo.OfficerRecord) -> bool:
    return COORDINATOR in officer.roles


def _agency_officer(req: Request, officer: repo.OfficerRecord | None) -> repo.OfficerRecord | None:
    """The officer if they serve this desk's agency (a shared database may hold others)."""
    return officer if officer is not None and officer.agency == req.desk.agency else None


def _split_ref(argument: str) -> tuple[str, str]:
    """ "BABEL 2026 7 some text" → ("BABEL-2026-00007", "some text"); ("", argument) if none.

    A ref may be typed with spaces, so the longest of the first three words that reads as a ref
    wins.
    """
    words = list(re.finditer(r"\S+", argument))[:3]
    for count in range(len(words), 0, -1):
        end = words[count - 1].end()
        ref = normalize_ref(argument[:end])
        if ref is not None:
            return ref, argument[end:].strip()
    return "", argument.strip()


def _answer(req: Request, *replies: Outbound, data: dict[str, Any] | None = None) -> Step:
    """Reply, keeping the conversation: an open form or request asks its question again.

    A pending choice of /disposisi is dropped: the officer has moved on.
    """
    turn = req.turn
    state, kept = turn.state, dict(turn.data if data is None else data)
    out = list(replies)
    if state is State.OFFICER_FORM and kept.get("form") == "selesai":
        out.append(_ba_question(kept, _t(req)))
    elif state is State.OFFICER_FORM:
        state, kept = State.IDLE, {}
    elif state is not State.IDLE and state not in HANDLER_STATES:
        out.append(intake.question_for(turn, req.ctx))
    return Step(state=state, data=kept, locale=turn.locale, replies=out)


def _say(req: Request, text: str, choices: Sequence[Choice] = ()) -> Step:
    return _answer(req, Outbound(text, tuple(choices)))


def _form(req: Request, data: dict[str, Any], *replies: Outbound) -> Step:
    """Stay in (or enter) an officer form with `data`."""
    return Step(State.OFFICER_FORM, data, req.turn.locale, list(replies))


def _idle(req: Request, *replies: Outbound) -> Step:
    return Step(State.IDLE, {}, req.turn.locale, list(replies))


def _moment(req: Request, at: datetime | None) -> str:
    if at is None:
        return "-"
    return format_moment(at, req.desk.calendar.zone, _t(req))


def _short_moment(req: Request, at: datetime) -> str:
    """ "23/11 10.00": enough for a history line."""
    t = _t(req)
    return at.astimezone(req.desk.calendar.zone).strftime(t("%d/%m %H.%M"))


def _step_words(req: Request, record: repo.TicketRecord, step: str | None) -> str:
    return notify.step_label(req.desk.catalog, record.service, step, _t(req))


def _role_words(req: Request, role: str | None) -> str:
    return notify.role_label(req.desk.catalog, role or "-", _t(req))


def _service_words(req: Request, record: repo.TicketRecord) -> str:
    """The service's short name, and the product's, for lists."""
    t = _t(req)
    service = req.desk.service(record.service)
    if service is None:
        return record.service
    name = (service.short_name or service.name).get(t.locale)
    product = service.product(record.product)
    if product is not None:
        label = (product.short_name or product.name).get(t.locale)
        name = t("{service} ({product})").format(service=name, product=label)
    return name


def _status_words(status: TicketStatus, t: Translator) -> str:
    """A status as an officer reads it."""
    words = {
        TicketStatus.BARU: t("Baru, belum ditindaklanjuti"),
        TicketStatus.DIPROSES: t("Sedang diproses"),
        TicketStatus.MENUNGGU_PEMOHON: t("Menunggu kelengkapan dari pemohon"),
        TicketStatus.SELESAI: t("Selesai"),
        TicketStatus.DITOLAK: t("Ditolak"),
        TicketStatus.DIBATALKAN: t("Dibatalkan"),
    }
    return words.get(status, str(status))


def _is_late(req: Request, record: repo.TicketRecord) -> bool:
    return (
        not record.status.is_closed
        and record.paused_at is None
        and record.step_due_at is not None
        and record.step_due_at < req.desk.now
    )


def _roster(officers: Sequence[repo.OfficerRecord]) -> str:
    return ", ".join(f"#{o.id} {o.name}" for o in officers)


# --- who may do what ------------------------------------------------------------------------


def _refused_text(req: Request) -> str:
    t = _t(req)
    return t(
        "Mohon maaf, perintah ini khusus untuk petugas {agency}. Bila Bapak/Ibu petugas, "
        "daftarkan akun chat ini dengan /daftar KODE dari koordinator."
    ).format(agency=req.desk.catalog.agency.short_name)


def _may_view(officer: repo.OfficerRecord, ticket: WorkflowTicket) -> bool:
    return _is_coordinator(officer) or any(s.role in officer.roles for s in ticket.route)


def _act_problem(officer: repo.OfficerRecord, ticket: WorkflowTicket) -> str | None:
    """Why the officer may not act on the ticket's current step, or None."""
    if ticket.is_closed:
        return "closed"
    if _is_coordinator(officer):
        return None
    if ticket.role not in officer.roles:
        return "role"
    if ticket.officer is not None and ticket.officer != officer.id:
        return "held"
    return None


def _may_take(officer: repo.OfficerRecord, ticket: WorkflowTicket) -> bool:
    return not ticket.is_closed and (_is_coordinator(officer) or ticket.role in officer.roles)


def _may_assign(officer: repo.OfficerRecord, ticket: WorkflowTicket) -> bool:
    if ticket.is_closed:
        return False
    superior = ticket.current.superior
    return (
        _is_coordinator(officer)
        or ticket.role in officer.roles
        or (superior is not None and superior in officer.roles)
    )


async def _require_view(req: Request, officer: repo.OfficerRecord, found: _Found) -> None:
    if not _may_view(officer, found.ticket):
        t = _t(req)
        raise _Refusal(
            t(
                "Mohon maaf, tiket {ref} bukan bagian dari tugas Bapak/Ibu. Hubungi koordinator "
                "bila Bapak/Ibu memerlukannya."
            ).format(ref=found.record.ref)
        )


async def _require_act(req: Request, officer: repo.OfficerRecord, found: _Found) -> None:
    problem = _act_problem(officer, found.ticket)
    if problem is None:
        return
    t, record, ticket = _t(req), found.record, found.ticket
    if problem == "closed":
        raise _Refusal(_closed_text(req, record))
    if problem == "role":
        raise _Refusal(
            t(
                'Mohon maaf, tiket {ref} sedang pada tahap "{step}" yang ditangani {role}. '
                "Perintah ini hanya untuk pemegang peran tersebut atau koordinator."
            ).format(
                ref=record.ref,
                step=_step_words(req, record, ticket.step),
                role=_role_words(req, ticket.role),
            )
        )
    names = await queues.officer_names(req.conn, ids=[ticket.officer or 0])
    raise _Refusal(
        t(
            "Mohon maaf, tiket {ref} sedang dipegang oleh {name}. Minta koordinator menugaskan "
            "ulang bila perlu."
        ).format(ref=record.ref, name=names.get(ticket.officer or 0, "-"))
    )


def _closed_text(req: Request, record: repo.TicketRecord) -> str:
    t = _t(req)
    return t("Tiket {ref} sudah ditutup ({status}); tidak ada lagi yang dapat diubah.").format(
        ref=record.ref, status=_status_words(record.status, t).lower()
    )


async def _error_text(
    req: Request, error: WorkflowError, record: repo.TicketRecord, officer: repo.OfficerRecord
) -> str:
    """A polite sentence for each refusal of the procedure (never the raw code)."""
    t, ref, code, data = _t(req), record.ref, error.code, error.data
    if code == "ticket-closed":
        return _closed_text(req, record)
    if code == "waiting-for-requester":
        return t(
            "Tiket {ref} sedang menunggu kelengkapan dari pemohon. Tindakan ini dapat dilakukan "
            "setelah pemohon menjawab."
        ).format(ref=ref)
    if code == "no-next-step":
        return t(
            "Tiket {ref} sudah berada pada tahap terakhir. Ketik /selesai {ref} untuk mengisi "
            "Berita Acara dan menutupnya."
        ).format(ref=ref)
    if code == "officer-required":
        return t("Mohon sebutkan petugas yang dituju, misalnya /tugaskan {ref} #12.").format(
            ref=ref
        )
    if code == "already-assigned":
        holder = int(data.get("officer") or 0)
        if holder == officer.id:
            return t("Tiket {ref} sudah Bapak/Ibu pegang.").format(ref=ref)
        names = await queues.officer_names(req.conn, ids=[holder])
        return t("Tiket {ref} sudah dipegang oleh {name}.").format(
            ref=ref, name=names.get(holder, "-")
        )
    if code in ("step-out-of-order", "unknown-step"):
        return t(
            "Tahap tiket tidak dapat dilompati atau diulang. Tahap berikutnya tiket {ref}: {step}."
        ).format(ref=ref, step=_step_words(req, record, data.get("next")))
    if code == "empty-text":
        return t("Mohon tuliskan isinya setelah nomor tiket {ref}.").format(ref=ref)
    if code == "steps-remaining":
        steps = "; ".join(_step_words(req, record, s) for s in data.get("remaining", []))
        return t(
            "Tiket {ref} masih memiliki tahap yang belum dilalui: {steps}. Teruskan dengan "
            "/disposisi {ref}."
        ).format(ref=ref, steps=steps)
    if code in ("berita-acara-incomplete", "berita-acara-unknown-field"):
        return t("Berita Acara tiket {ref} belum lengkap. Mohon isi semua bagiannya.").format(
            ref=ref
        )
    if code == "not-waiting":
        return t("Tiket {ref} tidak sedang menunggu kelengkapan dari pemohon.").format(ref=ref)
    return t("Mohon maaf, tindakan ini tidak dapat dilakukan pada tiket {ref} saat ini.").format(
        ref=ref
    )


# --- finding tickets and officers -----------------------------------------------------------


async def _find(req: Request, ref: str, *, usage: str, lock: bool = True) -> _Found:
    """The ticket named by `ref` (locked for a decision); refuses politely when there is none."""
    t, desk = _t(req), req.desk
    canonical = normalize_ref(ref) if ref else None
    if canonical is None:
        raise _Refusal(t("Mohon sertakan nomor tiket: {usage}").format(usage=usage))
    if lock:
        record = await repo.lock_ticket(req.conn, ref=canonical)
    else:
        record = await repo.get_ticket(req.conn, ref=canonical)
    if record is None or record.agency != desk.agency:
        raise _Refusal(
            t("Tiket {ref} tidak ditemukan. Mohon periksa kembali nomornya.").format(ref=canonical)
        )
    try:
        ticket = workflow_ticket(record, desk)
    except UnknownService:
        raise _Refusal(
            t(
                "Tiket {ref} tidak dapat diproses karena layanannya tidak lagi ada di katalog. "
                "Mohon hubungi koordinator."
            ).format(ref=canonical)
        ) from None
    return _Found(record, ticket)


async def _transition(
    req: Request,
    officer: repo.OfficerRecord,
    found: _Found,
    make: Callable[[WorkflowTicket], Transition],
) -> Transition:
    """Run a workflow transition; its refusals become polite answers."""
    try:
        return make(found.ticket)
    except WorkflowError as error:
        raise _Refusal(await _error_text(req, error, found.record, officer)) from None


async def _commit(
    req: Request,
    officer: repo.OfficerRecord,
    found: _Found,
    make: Callable[[WorkflowTicket], Transition],
) -> _Found:
    """Run and store a transition (events and notifications included); the updated ticket."""
    transition = await _transition(req, officer, found, make)
    record = await commit_transition(
        req.conn, desk=req.desk, record=found.record, transition=transition
    )
    return _Found(record, transition.ticket)


async def _officer_by_number(req: Request, text: str) -> repo.OfficerRecord | None:
    """The active officer of this agency numbered `#12` (or `12`), else None."""
    digits = text.lstrip("#").strip()
    if not digits.isdigit() or len(digits) > 9:
        return None
    found = await repo.get_officer(req.conn, officer_id=int(digits))
    if found is None or not found.active or found.agency != req.desk.agency:
        return None
    return found


def _match_name(query: str, officers: Sequence[repo.OfficerRecord]) -> list[repo.OfficerRecord]:
    """Officers whose name is `query`, else whose name has a word starting with it."""
    wanted = " ".join(query.lstrip("@").casefold().split())
    if not wanted:
        return []
    exact = [o for o in officers if " ".join(o.name.casefold().split()) == wanted]
    if exact:
        return exact
    starts = [
        o
        for o in officers
        if any(w.startswith(wanted) for w in re.split(r"[\s.,]+", o.name.casefold()) if w)
    ]
    return starts or [o for o in officers if wanted in o.name.casefold()]


# --- /daftar ----------------------------------------------------------------------------------


async def register(req: Request) -> Step:
    """/daftar KODE: bind this chat to the officer the one-time code was made for."""
    t = _t(req)
    if not req.argument:
        return _say(
            req,
            t(
                "Perintah /daftar untuk petugas: ketik /daftar diikuti kode dari koordinator, "
                "misalnya /daftar K7QF-M2PX. Untuk melihat layanan kami, ketik /layanan."
            ),
        )
    code = normalize_invite_code(req.argument)
    if code is None:
        return _say(
            req,
            t(
                "Kode tersebut tidak sesuai. Kode pendaftaran terdiri dari 8 huruf/angka, "
                "misalnya K7QF-M2PX. Mohon periksa kembali."
            ),
        )
    try:
        # A savepoint: a refused binding must leave the code unused.
        async with req.conn.begin_nested():
            officer = await repo.redeem_invite(
                req.conn,
                code_hash=hash_invite_code(code),
                channel=req.msg.channel,
                external_id=req.msg.user_id,
                at=req.desk.now,
            )
            if officer is not None and officer.agency != req.desk.agency:
                raise _WrongAgency
    except repo.IdentityTaken:
        return _say(
            req,
            t(
                "Mohon maaf, akun chat ini sudah terdaftar untuk petugas lain. Mohon hubungi "
                "koordinator."
            ),
        )
    except _WrongAgency:
        officer = None
    if officer is None:
        return _say(
            req,
            t(
                "Mohon maaf, kode tersebut tidak berlaku (salah, sudah dipakai, atau sudah "
                "kedaluwarsa). Mohon minta kode baru kepada koordinator."
            ),
        )
    roles = ", ".join(_role_words(req, role) for role in officer.roles)
    return _say(
        req,
        t(
            "Selamat datang, {name}. Akun chat ini sekarang terdaftar sebagai petugas dengan "
            "peran: {roles}.\nKetik /bantuan untuk melihat perintah petugas."
        ).format(name=officer.name, roles=roles),
    )


# --- /bantuan -------------------------------------------------------------------------------


def _usages(t: Translator) -> dict[str, str]:
    """Each command's syntax, with a few words on what it does."""
    return {
        "antrian": t("/antrian — antrean tiket Bapak/Ibu, yang paling mendesak di atas"),
        "tiket": t("/tiket NOMOR — rincian, persyaratan, lampiran dan riwayat tiket"),
        "ambil": t("/ambil NOMOR — ambil tiket yang belum dipegang"),
        "disposisi": t(
            "/disposisi NOMOR [#nomor-petugas | @nama | @semua] [instruksi] — teruskan ke tahap "
            "berikutnya"
        ),
        "tugaskan": t("/tugaskan NOMOR #nomor-petugas atau nama — tugaskan tahap ini"),
        "lengkapi": t("/lengkapi NOMOR pesan — minta pemohon melengkapi persyaratan"),
        "tolak": t("/tolak NOMOR alasan — tolak permohonan"),
        "catatan": t("/catatan NOMOR teks — catatan internal pada riwayat tiket"),
        "selesai": t("/selesai NOMOR — isi Berita Acara dan tutup tiket (tahap terakhir)"),
        "datang": t("/datang — catat permohonan pemohon yang datang langsung"),
        "klasifikasi": t("/klasifikasi NOMOR — tetapkan klasifikasi pengaduan"),
        "laporan": t("/laporan — laporan SLA (koordinator)"),
    }


async def officer_help(req: Request) -> Step | None:
    """/bantuan for officers; None lets the requester help answer everyone else."""
    officer = _agency_officer(req, await req.officer())
    if officer is None:
        return None
    t = _t(req)
    lines = [t("Perintah petugas:"), *_usages(t).values(), ""]
    lines.append(
        t(
            "Nomor petugas (#12) tampil di /tiket. Tombol pada pemberitahuan tiket melakukan hal "
            "yang sama."
        )
    )
    roles = ", ".join(_role_words(req, role) for role in officer.roles)
    lines.append(t("Peran Bapak/Ibu: {roles}.").format(roles=roles))
    lines.append(t("Perintah pemohon juga tetap dapat dipakai: /layanan, /status, /bahasa."))
    return _say(req, "\n".join(lines))


# --- /antrian -------------------------------------------------------------------------------


async def show_queue(req: Request, officer: repo.OfficerRecord) -> Step:
    """My open tickets, most urgent first, with buttons to open the first few."""
    t, desk = _t(req), req.desk
    coordinator = _is_coordinator(officer)
    queue = await queues.officer_queue(
        req.conn,
        agency=desk.agency,
        officer_id=officer.id,
        roles=officer.roles,
        everything=coordinator,
        limit=QUEUE_LINES,
    )
    if not queue.tickets:
        return _say(
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
        lines.append(f"{index}. {record.ref} — {_service_words(req, record)}")
        detail = t("{step}; batas {when}").format(
            step=_step_words(req, record, record.step), when=_moment(req, record.step_due_at)
        )
        marks = []
        if record.paused_at is not None:
            marks.append(t("menunggu pemohon"))
        elif _is_late(req, record):
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
    buttons = [choice(f"of:tiket:{r.ref}", r.ref) for r in queue.tickets[:QUEUE_BUTTONS]]
    return _say(req, "\n".join(lines), buttons)


# --- /tiket ---------------------------------------------------------------------------------


async def show_ticket(req: Request, officer: repo.OfficerRecord, ref: str) -> Step:
    """A ticket's details, history and what this officer can do with it."""
    found = await _find(req, ref, usage=_usages(_t(req))["tiket"], lock=False)
    await _require_view(req, officer, found)
    text = await _details(req, found)
    return _say(req, text, await _buttons(req, officer, found))


async def _details(req: Request, found: _Found) -> str:
    t, desk, record, ticket = _t(req), req.desk, found.record, found.ticket
    service = desk.service(record.service)
    lines = [
        t("Tiket {ref}").format(ref=record.ref),
        t("Layanan: {value}").format(value=_service_words(req, record)),
        t("Diajukan: {when}").format(when=_moment(req, record.created_at)),
    ]
    if service is not None:
        lines += _answers(req, service, record)
    files = await queues.ticket_attachments(req.conn, ticket_id=record.id)
    if files:
        lines.append(t("Lampiran: {files}").format(files=", ".join(f.filename for f in files)))
    lines.append(t("Status: {value}").format(value=_status_words(record.status, t)))
    if ticket.is_closed:
        lines.append(t("Ditutup: {when}").format(when=_moment(req, record.closed_at)))
    else:
        lines += await _whereabouts(req, found)
    lines += await _history(req, record)
    return "\n".join(lines)


def _answers(req: Request, service: Service, record: repo.TicketRecord) -> list[str]:
    """The requester's answers and documents, as the intake summary showed them."""
    t = _t(req)
    lines: list[str] = []
    for spec in service.fields_for(record.product):
        if spec.code in record.fields:
            value = show_answer(spec, record.fields[spec.code], req.desk.calendar.zone, t)
            lines.append(f"{spec.label.get(t.locale)}: {_clip(value, 300)}")
    requirements = service.requirements_for(record.product)
    if requirements:
        lines.append(t("Dokumen:"))
        for requirement in requirements:
            shown = _document_words(record.requirements.get(requirement.code), t)
            lines.append(f"• {requirement.name.get(t.locale)}: {shown}")
    return lines


def _document_words(value: Any, t: Translator) -> str:
    if not isinstance(value, dict) or not value:
        return t("(tidak dilampirkan)")
    if value.get("kind") == "srikandi":
        return t("SRIKANDI nomor {number}").format(number=value.get("number", ""))
    return str(value.get("filename") or t("berkas terlampir"))


async def _whereabouts(req: Request, found: _Found) -> list[str]:
    """Step, holder, dues, and who can take the next step (with their numbers)."""
    t, desk, record, ticket = _t(req), req.desk, found.record, found.ticket
    lines = [
        t("Tahap: {step} ({role})").format(
            step=_step_words(req, record, ticket.step), role=_role_words(req, ticket.role)
        )
    ]
    if ticket.officer is not None:
        names = await queues.officer_names(req.conn, ids=[ticket.officer])
        lines.append(t("Dipegang oleh: {name}").format(name=names.get(ticket.officer, "-")))
    else:
        holders = await repo.officers_with_role(req.conn, agency=desk.agency, role=ticket.role)
        lines.append(
            t("Belum dipegang. Petugas tahap ini: {officers}").format(
                officers=_roster(holders) or t("belum ada petugas")
            )
        )
    if ticket.paused_at is not None:
        lines.append(
            t("Menunggu pemohon sejak {when}; waktu penyelesaian dihentikan.").format(
                when=_moment(req, ticket.paused_at)
            )
        )
    else:
        due = t("Batas tahap ini: {when}").format(when=_moment(req, record.step_due_at))
        if _is_late(req, record):
            due += " — " + t("TERLAMBAT")
        lines.append(due)
    lines.append(t("Batas penyelesaian: {when}").format(when=_moment(req, record.due_at)))
    following = ticket.next_step
    if following is not None:
        others = await repo.officers_with_role(req.conn, agency=desk.agency, role=following.role)
        lines.append(
            t("Tahap berikutnya: {step} — {officers}").format(
                step=_step_words(req, record, following.code),
                officers=_roster(others) or t("belum ada petugas"),
            )
        )
    return lines


async def _history(req: Request, record: repo.TicketRecord) -> list[str]:
    """The last events in plain words, oldest first."""
    t = _t(req)
    events = [
        e for e in await repo.list_events(req.conn, ticket_id=record.id) if e.kind != "opened"
    ]
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
        lines.append(
            f"• {_short_moment(req, event.at)} — {_event_words(req, record, event, names)}"
        )
    return lines


def _event_words(
    req: Request, record: repo.TicketRecord, event: repo.EventRecord, names: dict[int, str]
) -> str:
    t, data = _t(req), event.data
    if event.actor_kind == "requester":
        who = t("Pemohon")
    elif event.actor_kind == "system":
        who = t("Sistem")
    else:
        who = names.get(event.actor_id or 0, t("Petugas"))
    target = names.get(int(data.get("officer") or 0), "")
    kind = event.kind
    if kind == "created":
        if event.actor_kind == "officer":
            return t("Dicatat di loket oleh {who}").format(who=who)
        return t("Permohonan diajukan oleh pemohon")
    if kind == "disposed":
        text = t("{who} meneruskan ke tahap: {step}").format(
            who=who, step=_step_words(req, record, data.get("to_step"))
        )
        if data.get("from_step") == data.get("to_step"):
            text = t("{who} mengalihkan tahap ini").format(who=who)
        if target:
            text += " " + t("(kepada {name})").format(name=target)
        if data.get("instruction"):
            text += ": " + _clip(str(data["instruction"]))
        return text
    if kind == "assigned":
        return t("{who} menugaskan kepada {name}").format(who=who, name=target or "-")
    if kind == "taken":
        return t("{who} mengambil tiket").format(who=who)
    if kind == "completion-requested":
        return t("{who} meminta kelengkapan: {message}").format(
            who=who, message=_clip(str(data.get("message", "")))
        )
    if kind == "requester-completed":
        return t("Pemohon melengkapi persyaratan; waktu berjalan kembali")
    if kind == "rejected":
        return t("{who} menolak: {reason}").format(
            who=who, reason=_clip(str(data.get("reason", "")))
        )
    if kind == "note":
        return t("{who} mencatat: {text}").format(who=who, text=_clip(str(data.get("text", ""))))
    if kind == "finished":
        return t("{who} menyelesaikan tiket dengan Berita Acara").format(who=who)
    if kind == "warned":
        return t("Pengingat batas waktu tahap {step} dikirim").format(
            step=_step_words(req, record, data.get("step"))
        )
    if kind == "escalated":
        return t("Batas waktu tahap {step} terlewati; atasan diberi tahu").format(
            step=_step_words(req, record, data.get("step"))
        )
    return t("Pembaruan tiket oleh {who}").format(who=who)


async def _buttons(req: Request, officer: repo.OfficerRecord, found: _Found) -> list[Choice]:
    """What this officer can do next with the ticket."""
    t, ticket, ref = _t(req), found.ticket, found.record.ref
    buttons: list[Choice] = []
    if ticket.is_closed:
        return buttons
    if ticket.officer is None and _may_take(officer, ticket):
        buttons.append(choice(f"of:ambil:{ref}", t("Ambil")))
    if _act_problem(officer, ticket) is None and ticket.paused_at is None:
        if ticket.next_step is not None:
            buttons.append(choice(f"of:dsp:{ref}", t("Disposisi")))
        else:
            buttons.append(choice(f"of:sls:{ref}", t("Selesai")))
    if _may_assign(officer, ticket):
        buttons.append(choice(f"of:tgs:{ref}", t("Tugaskan")))
    return buttons


# --- /ambil ---------------------------------------------------------------------------------


async def take_ticket(req: Request, officer: repo.OfficerRecord, ref: str) -> Step:
    """Take the current step of a ticket nobody holds."""
    t = _t(req)
    found = await _find(req, ref, usage=_usages(t)["ambil"])
    ticket = found.ticket
    if ticket.is_closed:
        raise _Refusal(_closed_text(req, found.record))
    if not _may_take(officer, ticket):
        await _require_act(req, officer, found)  # words the role refusal
    done = await _commit(req, officer, found, lambda w: take(w, officer.id, at=req.desk.now))
    text = t("Tiket {ref} sekarang Bapak/Ibu pegang.\nTahap: {step}\nBatas tahap ini: {when}.")
    return _say(
        req,
        text.format(
            ref=done.record.ref,
            step=_step_words(req, done.record, done.ticket.step),
            when=_moment(req, done.record.step_due_at),
        ),
        await _buttons(req, officer, done),
    )


# --- /disposisi -----------------------------------------------------------------------------


async def dispose_command(req: Request, officer: repo.OfficerRecord) -> Step:
    """/disposisi NOMOR [#12 | @nama | @semua] [instruksi]."""
    t = _t(req)
    ref, rest = _split_ref(req.argument)
    found = await _find(req, ref, usage=_usages(t)["disposisi"])
    await _ready_to_dispose(req, officer, found)
    target, instruction = _split_target(rest)
    instruction = instruction[:MAX_ANSWER]
    following = found.ticket.next_step
    assert following is not None  # checked by _ready_to_dispose
    if target == "@semua":
        return await _dispose(req, officer, found, None, instruction)
    if target.startswith("#"):
        chosen = await _officer_by_number(req, target)
        if chosen is None:
            raise _Refusal(
                t("Petugas {number} tidak ditemukan. Nomor petugas tampil di /tiket {ref}.").format(
                    number=target, ref=found.record.ref
                )
            )
        return await _dispose(req, officer, found, chosen, instruction)
    candidates = await repo.officers_with_role(
        req.conn, agency=req.desk.agency, role=following.role
    )
    if target:
        matches = _match_name(target, candidates)
        if len(matches) == 1:
            return await _dispose(req, officer, found, matches[0], instruction)
        if not matches:
            note_text = t("Tidak ada {role} bernama {name}.").format(
                role=_role_words(req, following.role), name=target.lstrip("@")
            )
            return _ask_recipient(req, found, candidates, instruction, note_text)
        return _ask_recipient(req, found, matches, instruction)
    if following.role == found.ticket.role and following.role in officer.roles:
        # The same officer usually carries on (service desk: work, report, filing).
        return await _dispose(req, officer, found, officer, instruction)
    if len(candidates) > 1:
        return _ask_recipient(req, found, candidates, instruction)
    return await _dispose(req, officer, found, None, instruction)


def _split_target(rest: str) -> tuple[str, str]:
    """ "#12 cek switch" → ("#12", "cek switch"); ("", rest) without a target."""
    match = re.match(r"^(#\d+|@\S+)(?:\s+|$)(.*)$", rest, flags=re.DOTALL)
    if match is None:
        return "", rest.strip()
    return match[1].casefold(), match[2].strip()


async def _ready_to_dispose(req: Request, officer: repo.OfficerRecord, found: _Found) -> None:
    """Refuse early what dispose would refuse, before asking whom to send it to."""
    await _require_act(req, officer, found)
    ticket = found.ticket
    if ticket.paused_at is not None:
        raise _Refusal(
            await _error_text(req, WorkflowError("waiting-for-requester"), found.record, officer)
        )
    if ticket.next_step is None:
        raise _Refusal(await _error_text(req, WorkflowError("no-next-step"), found.record, officer))


def _ask_recipient(
    req: Request,
    found: _Found,
    candidates: Sequence[repo.OfficerRecord],
    instruction: str,
    note_text: str = "",
) -> Step:
    """Which officer of the next step gets the ticket (or all of them): buttons."""
    t, record = _t(req), found.record
    following = found.ticket.next_step
    assert following is not None
    role = _role_words(req, following.role)
    text = t("Tiket {ref} diteruskan ke tahap: {step}. Kepada siapa?").format(
        ref=record.ref, step=_step_words(req, record, following.code)
    )
    if not instruction:
        text += "\n" + t("Untuk menyertakan instruksi, ketik /disposisi {ref} instruksi.").format(
            ref=record.ref
        )
    if note_text:
        text = note_text + "\n" + text
    shown = list(candidates)[:OFFICER_BUTTONS]
    buttons = [choice(f"of:dsp:{record.ref}:{o.id}", o.name) for o in shown]
    buttons.append(
        choice(f"of:dsp:{record.ref}:{DISPOSE_ALL}", t("Semua {role}").format(role=role))
    )
    pending = {"ref": record.ref, "instruction": instruction}
    turn = req.turn
    if turn.state is State.OFFICER_FORM and turn.data.get("form") == "selesai":
        # Keep the half-filled Berita Acara; the choice waits beside it.
        return _form(req, {**turn.data, "dsp": pending}, Outbound(text, tuple(buttons)))
    options = [[o.id, o.name] for o in shown]
    data = {"form": "disposisi", **pending, "options": options}
    return _form(req, data, Outbound(text, tuple(buttons)))


async def _dispose(
    req: Request,
    officer: repo.OfficerRecord,
    found: _Found,
    target: repo.OfficerRecord | None,
    instruction: str,
) -> Step:
    """Pass the ticket on: to the next step (its role, or one officer of it), or hand the
    current step to an officer holding its role."""
    t, desk, ticket = _t(req), req.desk, found.ticket
    following = ticket.next_step
    to_step: str | None = None
    if target is not None and (following is None or following.role not in target.roles):
        if ticket.role not in target.roles:
            raise _Refusal(
                t(
                    "{name} tidak memiliki peran {role}, jadi tidak dapat menerima tiket ini."
                ).format(
                    name=target.name,
                    role=_role_words(req, following.role if following else ticket.role),
                )
            )
        to_step = ticket.step  # a hand-over within the current step
    done = await _commit(
        req,
        officer,
        found,
        lambda w: dispose(
            w,
            calendar=desk.calendar,
            by=officer.id,
            at=desk.now,
            instruction=instruction,
            to_step=to_step,
            to_officer=target.id if target else None,
        ),
    )
    record = done.record
    who = target.name if target is not None else _role_words(req, done.ticket.role)
    if target is not None and target.id == officer.id:
        who = t("Bapak/Ibu sendiri")
    text = t("Tiket {ref} diteruskan ke tahap: {step} ({who}).\nBatas tahap ini: {when}.").format(
        ref=record.ref,
        step=_step_words(req, record, done.ticket.step),
        who=who,
        when=_moment(req, record.step_due_at),
    )
    reply = Outbound(text, tuple(await _buttons(req, officer, done)))
    turn = req.turn
    if turn.state is State.OFFICER_FORM and turn.data.get("form") == "selesai":
        rest = {k: v for k, v in turn.data.items() if k != "dsp"}
        return _form(req, rest, reply, _ba_question(rest, t))
    return _answer(req, reply)


def _pending_instruction(req: Request, ref: str) -> str:
    """The instruction typed with /disposisi while its recipient is being chosen."""
    data = req.turn.data if req.turn.state is State.OFFICER_FORM else {}
    pending = data if data.get("form") == "disposisi" else data.get("dsp") or {}
    return str(pending.get("instruction") or "") if pending.get("ref") == ref else ""


async def dispose_tap(req: Request, officer: repo.OfficerRecord, ref: str, target: str) -> Step:
    """Buttons "of:dsp:REF" (ask whom) and "of:dsp:REF:ID" / "of:dsp:REF:all" (send)."""
    t = _t(req)
    found = await _find(req, ref, usage=_usages(t)["disposisi"])
    await _ready_to_dispose(req, officer, found)
    following = found.ticket.next_step
    assert following is not None
    instruction = _pending_instruction(req, found.record.ref)
    if not target:
        candidates = await repo.officers_with_role(
            req.conn, agency=req.desk.agency, role=following.role
        )
        return _ask_recipient(req, found, candidates, instruction)
    if target == DISPOSE_ALL:
        return await _dispose(req, officer, found, None, instruction)
    chosen = await _officer_by_number(req, target)
    if chosen is None:
        raise _Refusal(t("Petugas tersebut sudah tidak aktif. Mohon pilih petugas lain."))
    return await _dispose(req, officer, found, chosen, instruction)


async def _pending_dispose_text(req: Request, officer: repo.OfficerRecord) -> Step | None:
    """A typed answer to "Kepada siapa?": a button's number or name, "semua", or /batal."""
    t, data, text = _t(req), req.turn.data, req.text
    parsed = parse_command(text)
    if parsed is not None and parsed[0] in ("batal", "cancel"):
        cancelled = t("Disposisi tiket {ref} dibatalkan.").format(ref=data.get("ref", ""))
        return _idle(req, Outbound(cancelled))
    options = [(int(o[0]), str(o[1])) for o in data.get("options", [])]
    wanted = " ".join(text.casefold().split())
    picked: str | None = None
    if wanted in ("semua", "all"):
        picked = DISPOSE_ALL
    elif wanted.isdigit() and 1 <= int(wanted) <= len(options):
        picked = str(options[int(wanted) - 1][0])
    else:
        same = [str(i) for i, name in options if name.casefold() == wanted]
        picked = same[0] if len(same) == 1 else None
    if picked is None or req.msg.attachment is not None:
        return None  # not an answer to the question: the requester side takes it
    return await _guarded(req, lambda: dispose_tap(req, officer, data["ref"], picked))


# --- /tugaskan ------------------------------------------------------------------------------


async def assign_command(req: Request, officer: repo.OfficerRecord) -> Step:
    """/tugaskan NOMOR #12 | nama: give the current step to one officer holding its role."""
    t = _t(req)
    ref, rest = _split_ref(req.argument)
    found = await _find(req, ref, usage=_usages(t)["tugaskan"])
    await _ready_to_assign(req, officer, found)
    candidates = await repo.officers_with_role(
        req.conn, agency=req.desk.agency, role=found.ticket.role
    )
    if rest.startswith("#"):
        chosen = await _officer_by_number(req, rest.split()[0])
        if chosen is None:
            raise _Refusal(
                t("Petugas {number} tidak ditemukan. Nomor petugas tampil di /tiket {ref}.").format(
                    number=rest.split()[0], ref=found.record.ref
                )
            )
        return await _assign(req, officer, found, chosen)
    if rest:
        matches = _match_name(rest, candidates)
        if len(matches) == 1:
            return await _assign(req, officer, found, matches[0])
        if not matches:
            note_text = t("Tidak ada {role} bernama {name}.").format(
                role=_role_words(req, found.ticket.role), name=_clip(rest, 60)
            )
            return _ask_assignee(req, found, candidates, note_text)
        return _ask_assignee(req, found, matches)
    return _ask_assignee(req, found, candidates)


async def _ready_to_assign(req: Request, officer: repo.OfficerRecord, found: _Found) -> None:
    if found.ticket.is_closed:
        raise _Refusal(_closed_text(req, found.record))
    if not _may_assign(officer, found.ticket):
        t, ticket, record = _t(req), found.ticket, found.record
        raise _Refusal(
            t(
                'Mohon maaf, penugasan tahap "{step}" hanya dapat dilakukan oleh {role}, '
                "atasannya, atau koordinator."
            ).format(step=_step_words(req, record, ticket.step), role=_role_words(req, ticket.role))
        )


def _ask_assignee(
    req: Request, found: _Found, candidates: Sequence[repo.OfficerRecord], note_text: str = ""
) -> Step:
    t, record, ticket = _t(req), found.record, found.ticket
    if not candidates:
        return _say(
            req,
            (note_text + "\n" if note_text else "")
            + t("Belum ada petugas aktif dengan peran {role}.").format(
                role=_role_words(req, ticket.role)
            ),
        )
    text = t('Tahap "{step}" tiket {ref} ditugaskan kepada siapa?').format(
        step=_step_words(req, record, ticket.step), ref=record.ref
    )
    if note_text:
        text = note_text + "\n" + text
    buttons = [
        choice(f"of:tgs:{record.ref}:{o.id}", o.name) for o in list(candidates)[:OFFICER_BUTTONS]
    ]
    return _say(req, text, buttons)


async def _assign(
    req: Request, officer: repo.OfficerRecord, found: _Found, target: repo.OfficerRecord
) -> Step:
    t = _t(req)
    if found.ticket.role not in target.roles:
        raise _Refusal(
            t("{name} tidak memiliki peran {role}, jadi tidak dapat menerima tiket ini.").format(
                name=target.name, role=_role_words(req, found.ticket.role)
            )
        )
    done = await _commit(
        req, officer, found, lambda w: assign(w, target.id, by=officer.id, at=req.desk.now)
    )
    return _say(
        req,
        t("Tiket {ref} ditugaskan kepada {name} (tahap: {step}).").format(
            ref=done.record.ref,
            name=target.name,
            step=_step_words(req, done.record, done.ticket.step),
        ),
    )


async def assign_tap(req: Request, officer: repo.OfficerRecord, ref: str, target: str) -> Step:
    """Buttons "of:tgs:REF" (ask whom) and "of:tgs:REF:ID" (assign)."""
    t = _t(req)
    found = await _find(req, ref, usage=_usages(t)["tugaskan"])
    await _ready_to_assign(req, officer, found)
    if not target:
        candidates = await repo.officers_with_role(
            req.conn, agency=req.desk.agency, role=found.ticket.role
        )
        return _ask_assignee(req, found, candidates)
    chosen = await _officer_by_number(req, target)
    if chosen is None:
        raise _Refusal(t("Petugas tersebut sudah tidak aktif. Mohon pilih petugas lain."))
    return await _assign(req, officer, found, chosen)


# --- /lengkapi, /tolak, /catatan --------------------------------------------------------------


async def request_completion_command(req: Request, officer: repo.OfficerRecord) -> Step:
    """/lengkapi NOMOR pesan: ask the requester for what is missing; the SLA clock stops."""
    t = _t(req)
    usage = _usages(t)["lengkapi"]
    ref, message = _split_ref(req.argument)
    found = await _find(req, ref, usage=usage)
    await _require_act(req, officer, found)
    if not message:
        raise _Refusal(t("Mohon tuliskan apa yang perlu dilengkapi: {usage}").format(usage=usage))
    done = await _commit(
        req,
        officer,
        found,
        lambda w: request_completion(w, message[:MAX_ANSWER], by=officer.id, at=req.desk.now),
    )
    record = done.record
    if record.channel in notify.OFFLINE_CHANNELS:
        text = t(
            "Tiket {ref} menunggu kelengkapan; waktu penyelesaian dihentikan. Permohonan ini "
            "diajukan di loket: mohon hubungi pemohon secara langsung."
        )
    else:
        await _await_requester(req, record)
        text = t(
            "Permintaan kelengkapan tiket {ref} telah dikirim kepada pemohon. Waktu penyelesaian "
            "dihentikan sampai pemohon menjawab."
        )
    return _say(req, text.format(ref=record.ref))


async def _await_requester(req: Request, record: repo.TicketRecord) -> None:
    """Let the requester's next message answer the request, unless they are busy with another."""
    if (record.channel, record.chat_id) == (req.msg.channel, req.msg.chat_id):
        return  # the engine saves this very chat's state after the command
    conversation = await repo.load_conversation(
        req.conn, channel=record.channel, chat_id=record.chat_id, for_update=True
    )
    if conversation is not None and conversation.state != State.IDLE.value:
        return  # mid-dialog: the notice's button brings them to the answer
    await repo.save_conversation(
        req.conn,
        channel=record.channel,
        chat_id=record.chat_id,
        requester_id=record.requester_id,
        agency=req.desk.agency,
        state=State.ANSWER_COMPLETION.value,
        data={"ref": record.ref},
        locale=conversation.locale if conversation else req.desk.default_locale,
        at=req.desk.now,
    )


async def reject_command(req: Request, officer: repo.OfficerRecord) -> Step:
    """/tolak NOMOR alasan: close the ticket as rejected; the requester hears why."""
    t = _t(req)
    usage = _usages(t)["tolak"]
    ref, reason = _split_ref(req.argument)
    found = await _find(req, ref, usage=usage)
    await _require_act(req, officer, found)
    if not reason:
        raise _Refusal(t("Mohon tuliskan alasan penolakan: {usage}").format(usage=usage))
    done = await _commit(
        req,
        officer,
        found,
        lambda w: reject(w, reason[:MAX_ANSWER], by=officer.id, at=req.desk.now),
    )
    return _say(
        req,
        t("Tiket {ref} ditolak. Pemohon telah kami beri tahu beserta alasannya.").format(
            ref=done.record.ref
        ),
    )


async def note_command(req: Request, officer: repo.OfficerRecord) -> Step:
    """/catatan NOMOR teks: an internal note in the ticket's history."""
    t = _t(req)
    usage = _usages(t)["catatan"]
    ref, text = _split_ref(req.argument)
    found = await _find(req, ref, usage=usage)
    await _require_view(req, officer, found)
    if not text:
        raise _Refusal(t("Mohon tuliskan isi catatannya: {usage}").format(usage=usage))
    done = await _commit(
        req, officer, found, lambda w: note(w, text[:MAX_ANSWER], by=officer.id, at=req.desk.now)
    )
    return _say(req, t("Catatan untuk tiket {ref} tersimpan.").format(ref=done.record.ref))


# --- /selesai and the Berita Acara form -----------------------------------------------------


async def finish_command(req: Request, officer: repo.OfficerRecord, ref: str) -> Step:
    """/selesai NOMOR: at the last step, ask the Berita Acara's fields one at a time."""
    t = _t(req)
    found = await _find(req, ref, usage=_usages(t)["selesai"], lock=False)
    await _require_act(req, officer, found)
    ticket, record = found.ticket, found.record
    if ticket.paused_at is not None:
        raise _Refusal(
            await _error_text(req, WorkflowError("waiting-for-requester"), record, officer)
        )
    if ticket.next_step is not None:
        error = WorkflowError("steps-remaining", remaining=ticket.remaining_steps)
        raise _Refusal(
            await _error_text(req, error, record, officer),
            [choice(f"of:dsp:{record.ref}", t("Disposisi"))],
        )
    location = _location(req, record)
    data: dict[str, Any] = {
        "form": "selesai",
        "ref": record.ref,
        "field": BERITA_ACARA_FIELDS[0],
        "answers": {},
        "lokasi_saran": location,
    }
    intro = t(
        "Berita Acara tiket {ref}: kami tanyakan {count} hal, satu per satu. Ketik /batal untuk "
        "berhenti."
    ).format(ref=record.ref, count=len(BERITA_ACARA_FIELDS))
    question = _ba_question(data, t)
    return _form(req, data, replace(question, text=intro + "\n\n" + question.text))


def _location(req: Request, record: repo.TicketRecord) -> str | None:
    """The requester's own location answer, offered as a button."""
    for code, value in record.fields.items():
        if "lokasi" in code and isinstance(value, str) and value.strip():
            return _clip(value, 200)
    return None


def _ba_labels(t: Translator) -> dict[str, str]:
    return {
        "ringkasan_pekerjaan": t("Ringkasan pekerjaan"),
        "ringkasan_masalah": t("Ringkasan masalah"),
        "alternatif_solusi": t("Alternatif solusi"),
        "lokasi": t("Lokasi"),
        "petugas": t("Petugas"),
    }


def _ba_question(data: dict[str, Any], t: Translator) -> Outbound:
    """The form's pending question (a field, the summary, or which part to change)."""
    field = data.get("field")
    if field == "summary":
        return _ba_summary(data, t)
    if field == "edit":
        labels = _ba_labels(t)
        parts = [choice(f"of:ba:edit:{code}", labels[code]) for code in BERITA_ACARA_FIELDS]
        parts.append(choice("of:ba:back", t("Kembali ke ringkasan")))
        return Outbound(t("Bagian mana yang ingin diubah?"), tuple(parts))
    prompts = {
        "ringkasan_pekerjaan": t("Ringkasan pekerjaan: apa saja yang telah dikerjakan?"),
        "ringkasan_masalah": t("Ringkasan masalah: apa masalah yang ditemukan?"),
        "alternatif_solusi": t(
            'Alternatif solusi: apa saran bila masalah serupa terjadi lagi? Pilih "Tidak ada" '
            "bila tidak ada."
        ),
        "lokasi": t("Lokasi pekerjaan (gedung/ruangan/alamat)?"),
        "petugas": t(
            "Nama petugas yang mengerjakan? Pisahkan dengan koma bila lebih dari satu orang."
        ),
    }
    buttons: list[Choice] = []
    if field == "alternatif_solusi":
        buttons.append(choice("of:ba:none", t("Tidak ada")))
    if field == "lokasi" and data.get("lokasi_saran"):
        buttons.append(choice("of:ba:loc", _clip(str(data["lokasi_saran"]), 40)))
    if field == "petugas":
        buttons.append(choice("of:ba:me", t("Saya sendiri")))
    if data.get("editing"):
        buttons.append(choice("of:ba:keep", t("Tetap, tidak diubah")))
    return Outbound(prompts.get(str(field), prompts["ringkasan_pekerjaan"]), tuple(buttons))


def _ba_summary(data: dict[str, Any], t: Translator) -> Outbound:
    labels = _ba_labels(t)
    answers = data.get("answers", {})
    lines = [t("Berita Acara tiket {ref}:").format(ref=data.get("ref", "")), ""]
    lines += [f"{labels[code]}: {answers.get(code, '-')}" for code in BERITA_ACARA_FIELDS]
    lines += ["", t("Kirim Berita Acara ini kepada pemohon dan tutup tiketnya?")]
    return Outbound(
        "\n".join(lines),
        (
            choice("of:ba:send", t("Kirim")),
            choice("of:ba:edit", t("Ubah")),
            choice("of:ba:cancel", t("Batal")),
        ),
    )


def _ba_next(data: dict[str, Any]) -> dict[str, Any]:
    """The form after an answer: the next empty field, or the summary."""
    answers = data.get("answers", {})
    missing = [code for code in BERITA_ACARA_FIELDS if not answers.get(code)]
    field = "summary" if data.get("editing") or not missing else missing[0]
    return {**data, "field": field, "editing": False}


def _ba_answer(
    req: Request, data: dict[str, Any], value: str, petugas: list[list[Any]] | None = None
) -> Step:
    field = str(data.get("field"))
    answers = {**data.get("answers", {}), field: value}
    changed = {**data, "answers": answers}
    if petugas is not None:
        changed["petugas"] = petugas
    changed = _ba_next(changed)
    return _form(req, changed, _ba_question(changed, _t(req)))


async def berita_acara_text(req: Request, officer: repo.OfficerRecord) -> Step:
    """A typed answer (or /batal) while the Berita Acara form is open."""
    t, data, text = _t(req), req.turn.data, req.text
    parsed = parse_command(text)
    if parsed is not None and parsed[0] in ("batal", "cancel"):
        return _ba_cancel(req)
    field = data.get("field")
    if parsed is not None or req.msg.attachment is not None or not text:
        hint = t("Mohon jawab dengan teks, atau ketik /batal untuk berhenti mengisi Berita Acara.")
        return _form(req, data, Outbound(hint), _ba_question(data, t))
    if field in ("summary", "edit"):
        question = _ba_question(data, t)
        wanted = text.casefold()
        picked = next((c.data for c in question.choices if c.label.casefold() == wanted), None)
        if picked is None:
            return _form(req, data, Outbound(t("Mohon pilih salah satu tombol.")), question)
        return await _ba_choice(req, officer, picked.split(":")[2:])
    value = text[:MAX_ANSWER].strip()
    if field == "petugas":
        return _ba_answer(req, data, *await _petugas_from_text(req, value))
    return _ba_answer(req, data, value)


async def _petugas_from_text(req: Request, text: str) -> tuple[str, list[list[Any]]]:
    """ "Budi, Ani" → names as typed, with the NIP of any officer of the agency so named."""
    names = [n.strip() for n in re.split(r"[,;\n]+", text) if n.strip()][:MAX_PETUGAS]
    known = {
        " ".join(o.name.casefold().split()): o
        for o in await repo.list_officers(req.conn, agency=req.desk.agency)
    }
    petugas: list[list[Any]] = []
    for name in names:
        found = known.get(" ".join(name.casefold().split()))
        petugas.append([found.name, found.nip] if found else [name, None])
    return ", ".join(p[0] for p in petugas), petugas


def _ba_cancel(req: Request) -> Step:
    t, ref = _t(req), req.turn.data.get("ref", "")
    text = t("Pengisian Berita Acara dibatalkan. Tiket {ref} tetap terbuka.").format(ref=ref)
    return _idle(req, Outbound(text))


async def _ba_choice(req: Request, officer: repo.OfficerRecord, parts: list[str]) -> Step:
    """Buttons of the Berita Acara form: "of:ba:me", "of:ba:send", "of:ba:edit:lokasi"…"""
    t, turn = _t(req), req.turn
    data = dict(turn.data)
    if turn.state is not State.OFFICER_FORM or data.get("form") != "selesai":
        return _say(
            req,
            t(
                "Formulir Berita Acara ini sudah tidak aktif. Ketik /selesai NOMOR untuk "
                "mengisinya."
            ),
        )
    action = parts[0] if parts else ""
    field = data.get("field")
    if action == "cancel":
        return _ba_cancel(req)
    if action == "send" and field == "summary":
        return await _ba_send(req, officer, data)
    if action == "edit" and len(parts) > 1 and parts[1] in BERITA_ACARA_FIELDS:
        changed = {**data, "field": parts[1], "editing": True}
        return _form(req, changed, _ba_question(changed, t))
    if action == "edit":
        changed = {**data, "field": "edit"}
        return _form(req, changed, _ba_question(changed, t))
    if action in ("back", "keep"):
        changed = {**data, "field": "summary", "editing": False}
        return _form(req, changed, _ba_question(changed, t))
    if action == "none" and field == "alternatif_solusi":
        return _ba_answer(req, data, t("Tidak ada"))
    if action == "loc" and field == "lokasi" and data.get("lokasi_saran"):
        return _ba_answer(req, data, str(data["lokasi_saran"]))
    if action == "me" and field == "petugas":
        return _ba_answer(req, data, officer.name, [[officer.name, officer.nip]])
    return _form(req, data, Outbound(t("Mohon pilih salah satu tombol.")), _ba_question(data, t))


async def _ba_send(req: Request, officer: repo.OfficerRecord, data: dict[str, Any]) -> Step:
    """Close the ticket, keep the Berita Acara PDF with it and send it to both sides."""
    t, desk = _t(req), req.desk
    try:
        found = await _find(req, str(data.get("ref", "")), usage=_usages(t)["selesai"])
        await _require_act(req, officer, found)
        answers = {code: str(data.get("answers", {}).get(code, "")) for code in BERITA_ACARA_FIELDS}
        transition = await _transition(
            req, officer, found, lambda w: finish(w, answers, by=officer.id, at=desk.now)
        )
    except _Refusal as refusal:
        reply = Outbound(refusal.text, refusal.choices)
        record = await repo.get_ticket(req.conn, ref=str(data.get("ref", "")))
        if record is None or record.status.is_closed:
            return _idle(req, reply)
        return _form(req, data, reply, _ba_question(data, t))
    record = found.record
    pdf = await asyncio.to_thread(render_berita_acara, _berita_acara(req, officer, record, data))
    filename = f"Berita-Acara-{record.ref}.pdf"
    saved = await repo.save_attachment(
        req.conn,
        store=desk.store,
        data=pdf,
        filename=filename,
        mime_hint="application/pdf",
        # The report belongs to the request: it is kept as the requester's file of the ticket.
        channel=record.channel,
        chat_id=record.chat_id,
        at=desk.now,
    )
    await repo.link_attachments(req.conn, ids=[saved.id], ticket_id=record.id)
    document = OutboundDocument(filename, "application/pdf", pdf)
    await commit_transition(
        req.conn, desk=desk, record=record, transition=transition, document=document
    )
    if record.channel in notify.OFFLINE_CHANNELS:
        text = t(
            "Tiket {ref} selesai dan ditutup. Berita Acara terlampir; mohon cetak dan serahkan "
            "kepada pemohon."
        )
    else:
        text = t(
            "Tiket {ref} selesai dan ditutup. Berita Acara terlampir dan telah dikirim kepada "
            "pemohon."
        )
    return _idle(req, Outbound(text.format(ref=record.ref), document=document))


def _berita_acara(
    req: Request, officer: repo.OfficerRecord, record: repo.TicketRecord, data: dict[str, Any]
) -> BeritaAcara:
    """The report's values: the form's answers, the ticket, and the catalog (in Indonesian)."""
    desk = req.desk
    indonesian = translator("id")
    answers = data.get("answers", {})
    service = desk.service(record.service)
    work_role = record.assigned_role or ""
    if service is not None:
        # "Ditugaskan kepada" names who does the service's work (the step on the product's SLA).
        work = next((s for s in service.procedure if s.uses_service_sla), service.procedure[-1])
        work_role = work.role
    petugas = [(str(p[0]), p[1] if p[1] else None) for p in data.get("petugas") or []]
    if not petugas:
        petugas = [(officer.name, officer.nip)]
    pemohon = record.fields.get("penanggung_jawab") or record.fields.get("nama")
    return berita_acara_for(
        desk.catalog,
        record.service,
        record.product,
        ticket_ref=record.ref,
        tanggal=desk.now.astimezone(desk.calendar.zone).date(),
        ditugaskan_kepada=notify.role_label(desk.catalog, work_role, indonesian),
        petugas=petugas,
        ringkasan_pekerjaan=str(answers.get("ringkasan_pekerjaan", "")),
        ringkasan_masalah=str(answers.get("ringkasan_masalah", "")),
        alternatif_solusi=str(answers.get("alternatif_solusi", "")),
        lokasi=str(answers.get("lokasi", "")),
        pemohon_name=str(pemohon) if pemohon else None,
        petugas_signer=(officer.name, officer.nip),
    )


# --- dispatch ---------------------------------------------------------------------------------


async def _guarded(req: Request, action: Callable[[], Awaitable[Step]]) -> Step:
    """Run an officer action; a refusal becomes a polite answer."""
    try:
        return await action()
    except _Refusal as refusal:
        return _answer(req, Outbound(refusal.text, refusal.choices))


OfficerAction = Callable[["Request", repo.OfficerRecord], Awaitable[Step]]


def _for_officers(action: OfficerAction) -> Handler:
    """A command only an active officer of this agency may use; everyone else is refused."""

    async def handler(req: Request) -> Step | None:
        officer = _agency_officer(req, await req.officer())
        if officer is None:
            return _say(req, _refused_text(req))
        return await _guarded(req, lambda: action(req, officer))

    return handler


def _with_ref(
    action: Callable[[Request, repo.OfficerRecord, str], Awaitable[Step]],
) -> OfficerAction:
    """A command whose only argument is the ticket's ref."""

    async def run(req: Request, officer: repo.OfficerRecord) -> Step:
        ref, _rest = _split_ref(req.argument)
        return await action(req, officer, ref)

    return run


async def _on_tap(req: Request, officer: repo.OfficerRecord) -> Step:
    """Officer buttons: "of:ACTION:REF[:ARG]"."""
    parts = (req.msg.choice or "").split(":")
    action = parts[1] if len(parts) > 1 else ""
    ref = parts[2] if len(parts) > 2 else ""
    extra = parts[3] if len(parts) > 3 else ""
    if action == "ba":
        return await _ba_choice(req, officer, parts[2:])
    if action == "tiket":
        return await show_ticket(req, officer, ref)
    if action == "ambil":
        return await take_ticket(req, officer, ref)
    if action == "dsp":
        return await dispose_tap(req, officer, ref, extra)
    if action == "tgs":
        return await assign_tap(req, officer, ref, extra)
    if action == "sls":
        return await finish_command(req, officer, ref)
    t = _t(req)
    return _say(req, t("Tombol ini sudah tidak berlaku. Ketik /antrian untuk melanjutkan."))


async def _on_form(req: Request) -> Step | None:
    """Messages while an officer form is open; None lets go of a form that no longer applies."""
    officer = _agency_officer(req, await req.officer())
    form = req.turn.data.get("form")
    if officer is None:
        return None
    if form == "selesai":
        return await _guarded(req, lambda: berita_acara_text(req, officer))
    if form == "disposisi":
        return await _pending_dispose_text(req, officer)
    return None


_show_queue = _for_officers(show_queue)

COMMANDS: dict[str, Handler] = {
    "daftar": register,
    "bantuan": officer_help,
    "help": officer_help,
    "antrian": _show_queue,
    "antrean": _show_queue,
    "tiket": _for_officers(_with_ref(show_ticket)),
    "ambil": _for_officers(_with_ref(take_ticket)),
    "disposisi": _for_officers(dispose_command),
    "tugaskan": _for_officers(assign_command),
    "lengkapi": _for_officers(request_completion_command),
    "tolak": _for_officers(reject_command),
    "catatan": _for_officers(note_command),
    "selesai": _for_officers(_with_ref(finish_command)),
}
CHOICES: dict[str, Handler] = {"of": _for_officers(_on_tap)}
STATES: dict[State, Handler] = {State.OFFICER_FORM: _on_form}
