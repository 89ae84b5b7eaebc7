"""What the officer commands share: polite refusals, finding a ticket, running a transition,
replies that keep an open form, and the words for steps, roles and services."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, assert_never

from bot.desk import UnknownService, commit_transition, workflow_ticket
from bot.dialogs.state import State, Step
from bot.dialogs.typed import ascii_number
from bot.handlers.base import Handler, Request, idle, keep_turn
from bot.handlers.forms import berita_acara_form
from bot.handlers.officer.ba_form import ba_question
from bot.labels import (
    format_moment,
    officer_status_words,
    role_label,
    service_short_label,
    step_label,
)
from bot.messages import Choice, Outbound
from core.kinds import ErrorCode
from core.officers import COORDINATOR
from core.tickets import normalize_ref
from core.workflow import Transition, WorkflowError, WorkflowTicket
from storage import queues
from storage import repositories as repo

QUEUE_LINES = 15  # a chat message, not a report: the rest is counted
QUEUE_BUTTONS = 5
HISTORY_EVENTS = 10
OFFICER_BUTTONS = 10
MAX_ANSWER = 1000  # one Berita Acara answer, instruction, note or reason
MAX_PETUGAS = 5


class Refusal(Exception):
    """A polite answer that ends the command (not a failure: nothing is rolled back)."""

    def __init__(self, text: str, choices: Sequence[Choice] = ()) -> None:
        super().__init__("refused")
        self.text = text
        self.choices = tuple(choices)


@dataclass(frozen=True)
class Found:
    """A stored ticket and its workflow value."""

    record: repo.TicketRecord
    ticket: WorkflowTicket


async def record_view(
    req: Request, officer: repo.OfficerRecord, action: str, *records: repo.TicketRecord
) -> None:
    """Log that this officer saw these tickets' personal data (the append-only access log that
    `servicedesk audit` and /audit read; UU PDP)."""
    await repo.log_access(
        req.conn,
        at=req.desk.now,
        agency=req.desk.agency,
        actor_kind="officer",
        actor_id=officer.id,
        actor_name=officer.name,
        channel=req.msg.channel,
        action=action,
        tickets=[(r.id, r.ref) for r in records],
    )


def is_coordinator(officer: repo.OfficerRecord) -> bool:
    """Coordinators may act on any ticket of the agency."""
    return COORDINATOR in officer.roles


def split_ref(argument: str) -> tuple[str, str]:
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


def answer(req: Request, *replies: Outbound, data: dict[str, Any] | None = None) -> Step:
    """Reply, keeping the conversation: an open form or request asks its question again.

    A pending choice of /disposisi is dropped: the officer has moved on.
    """
    turn = req.turn
    state, kept = turn.state, dict(turn.data if data is None else data)
    out = list(replies)
    if state is State.OFFICER_FORM and kept.get("form") == "selesai":
        out.append(ba_question(berita_acara_form(kept), req.t))
    elif state is State.OFFICER_FORM:
        return idle(req, *out)
    else:
        return keep_turn(replace(turn, data=kept), req.ctx, *out)
    return Step(state=state, data=kept, locale=turn.locale, replies=out)


def say(req: Request, text: str, choices: Sequence[Choice] = ()) -> Step:
    """`answer` with one text message (and its buttons)."""
    return answer(req, Outbound(text, tuple(choices)))


def form(req: Request, data: dict[str, Any], *replies: Outbound) -> Step:
    """Stay in (or enter) an officer form with `data`."""
    return Step(State.OFFICER_FORM, data, req.turn.locale, list(replies))


def moment(req: Request, at: datetime | None) -> str:
    """A moment in the office's zone, in words ("-" for none)."""
    if at is None:
        return "-"
    return format_moment(at, req.desk.calendar.zone, req.t)


def short_moment(req: Request, at: datetime) -> str:
    """ "23/11 10.00": enough for a history line."""
    t = req.t
    return at.astimezone(req.desk.calendar.zone).strftime(t("%d/%m %H.%M"))


def step_words(req: Request, record: repo.TicketRecord, step: str | None) -> str:
    return step_label(req.desk.catalog, record.service, step, req.t)


def role_words(req: Request, role: str | None) -> str:
    return role_label(req.desk.catalog, role or "-", req.t)


def role_names(req: Request, roles: Iterable[str]) -> str:
    """ "Kepala Bidang, Koordinator layanan": an officer's roles in words."""
    return ", ".join(role_words(req, role) for role in roles)


def service_words(req: Request, record: repo.TicketRecord) -> str:
    """The service's short name, and the product's, for lists."""
    return service_short_label(req.desk.catalog, record.service, record.product, req.t)


def event_time(req: Request, record: repo.TicketRecord) -> datetime | None:
    """When the ticket's event starts, if it has one."""
    return record.event_at


def is_late(req: Request, record: repo.TicketRecord) -> bool:
    """Open, not waiting for the requester, and past its step's due."""
    return (
        not record.status.is_closed
        and record.paused_at is None
        and record.step_due_at is not None
        and record.step_due_at < req.desk.now
    )


def roster(officers: Sequence[repo.OfficerRecord]) -> str:
    """ "#3 Rina, #7 Budi": officers with the numbers commands take."""
    return ", ".join(f"#{o.id} {o.name}" for o in officers)


def refused_text(req: Request) -> str:
    """The answer to anyone not an officer of this agency."""
    t = req.t
    return t(
        "Mohon maaf, perintah ini khusus untuk petugas {agency}. Bila Bapak/Ibu petugas, "
        "daftarkan akun chat ini dengan /daftar KODE dari koordinator."
    ).format(agency=req.desk.catalog.agency.short_name)


def closed_text(req: Request, record: repo.TicketRecord) -> str:
    """Nothing can change on a closed ticket."""
    t = req.t
    return t("Tiket {ref} sudah ditutup ({status}); tidak ada lagi yang dapat diubah.").format(
        ref=record.ref, status=officer_status_words(record.status, t).lower()
    )


async def error_text(
    req: Request, error: WorkflowError, record: repo.TicketRecord, officer: repo.OfficerRecord
) -> str:
    """A polite sentence for each refusal of the procedure (never the raw code)."""
    t, ref, data = req.t, record.ref, error.data
    match error.code:
        case ErrorCode.TICKET_CLOSED:
            return closed_text(req, record)
        case ErrorCode.WAITING_FOR_REQUESTER:
            return t(
                "Tiket {ref} sedang menunggu kelengkapan dari pemohon. Tindakan ini dapat "
                "dilakukan setelah pemohon menjawab."
            ).format(ref=ref)
        case ErrorCode.NO_NEXT_STEP:
            return t(
                "Tiket {ref} sudah berada pada tahap terakhir. Ketik /selesai {ref} untuk mengisi "
                "Berita Acara dan menutupnya."
            ).format(ref=ref)
        case ErrorCode.OFFICER_REQUIRED:
            return t("Mohon sebutkan petugas yang dituju, misalnya /tugaskan {ref} #12.").format(
                ref=ref
            )
        case ErrorCode.ALREADY_ASSIGNED:
            holder = int(data.get("officer") or 0)
            if holder == officer.id:
                return t("Tiket {ref} sudah Bapak/Ibu pegang.").format(ref=ref)
            names = await queues.officer_names(req.conn, ids=[holder])
            return t("Tiket {ref} sudah dipegang oleh {name}.").format(
                ref=ref, name=names.get(holder, "-")
            )
        case ErrorCode.STEP_OUT_OF_ORDER | ErrorCode.UNKNOWN_STEP:
            return t(
                "Tahap tiket tidak dapat dilompati atau diulang. Tahap berikutnya tiket {ref}: "
                "{step}."
            ).format(ref=ref, step=step_words(req, record, data.get("next")))
        case ErrorCode.EMPTY_TEXT:
            return t("Mohon tuliskan isinya setelah nomor tiket {ref}.").format(ref=ref)
        case ErrorCode.STEPS_REMAINING:
            steps = "; ".join(step_words(req, record, s) for s in data.get("remaining", []))
            return t(
                "Tiket {ref} masih memiliki tahap yang belum dilalui: {steps}. Teruskan dengan "
                "/disposisi {ref}."
            ).format(ref=ref, steps=steps)
        case ErrorCode.BERITA_ACARA_INCOMPLETE | ErrorCode.BERITA_ACARA_UNKNOWN_FIELD:
            return t("Berita Acara tiket {ref} belum lengkap. Mohon isi semua bagiannya.").format(
                ref=ref
            )
        case ErrorCode.NOT_WAITING:
            return t("Tiket {ref} tidak sedang menunggu kelengkapan dari pemohon.").format(ref=ref)
        case ErrorCode.UNKNOWN_COMPLAINT_CLASS:
            return t(
                "Mohon maaf, tindakan ini tidak dapat dilakukan pada tiket {ref} saat ini."
            ).format(ref=ref)
        case _:
            assert_never(error.code)


async def find_ticket(req: Request, ref: str, *, usage: str, lock: bool = True) -> Found:
    """The ticket named by `ref` (locked for a decision); refuses politely when there is none."""
    t, desk = req.t, req.desk
    canonical = normalize_ref(ref) if ref else None
    if canonical is None:
        raise Refusal(t("Mohon sertakan nomor tiket: {usage}").format(usage=usage))
    if lock:
        record = await repo.lock_ticket(req.conn, ref=canonical)
    else:
        record = await repo.get_ticket(req.conn, ref=canonical)
    if record is None or record.agency != desk.agency:
        raise Refusal(
            t("Tiket {ref} tidak ditemukan. Mohon periksa kembali nomornya.").format(ref=canonical)
        )
    try:
        ticket = workflow_ticket(record, desk)
    except UnknownService:
        raise Refusal(
            t(
                "Tiket {ref} tidak dapat diproses karena layanannya tidak lagi ada di katalog. "
                "Mohon hubungi koordinator."
            ).format(ref=canonical)
        ) from None
    return Found(record, ticket)


async def run_transition(
    req: Request,
    officer: repo.OfficerRecord,
    found: Found,
    make: Callable[[WorkflowTicket], Transition],
) -> Transition:
    """Run a workflow transition; its refusals become polite answers."""
    try:
        return make(found.ticket)
    except WorkflowError as error:
        raise Refusal(await error_text(req, error, found.record, officer)) from None


async def commit(
    req: Request,
    officer: repo.OfficerRecord,
    found: Found,
    make: Callable[[WorkflowTicket], Transition],
) -> Found:
    """Run and store a transition (events and notifications included); the updated ticket."""
    transition = await run_transition(req, officer, found, make)
    record = await commit_transition(
        req.conn, desk=req.desk, record=found.record, transition=transition
    )
    return Found(record, transition.ticket)


async def officer_by_number(req: Request, text: str) -> repo.OfficerRecord | None:
    """The active officer of this agency numbered `#12` (or `12`), else None."""
    digits = text.lstrip("#").strip()
    number = ascii_number(digits) if len(digits) <= 9 else None
    if number is None:
        return None
    found = await repo.get_officer(req.conn, officer_id=number)
    if found is None or not found.active or found.agency != req.desk.agency:
        return None
    return found


def match_name(query: str, officers: Sequence[repo.OfficerRecord]) -> list[repo.OfficerRecord]:
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


async def guarded(req: Request, action: Callable[[], Awaitable[Step]]) -> Step:
    """Run an officer action; a refusal becomes a polite answer."""
    try:
        return await action()
    except Refusal as refusal:
        return answer(req, Outbound(refusal.text, refusal.choices))


# An officer command's body: the request and the officer (already known to be one of this agency).
OfficerCommand = Callable[[Request, repo.OfficerRecord], Awaitable[Step]]


def for_officers(action: OfficerCommand) -> Handler:
    """A command only an active officer of this agency may use; everyone else is refused."""

    async def handler(req: Request) -> Step | None:
        officer = await req.officer()
        if officer is None:
            return say(req, refused_text(req))
        return await guarded(req, lambda: action(req, officer))

    return handler


def with_ref(
    action: Callable[[Request, repo.OfficerRecord, str], Awaitable[Step]],
) -> OfficerCommand:
    """A command whose only argument is the ticket's ref."""

    async def run(req: Request, officer: repo.OfficerRecord) -> Step:
        ref, _rest = split_ref(req.argument)
        return await action(req, officer, ref)

    return run
