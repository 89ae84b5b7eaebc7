"""A requester answering an officer's /lengkapi request: the answer joins the ticket and its
SLA clock runs again.

An officer's /lengkapi pauses the ticket and puts the requester's conversation in
`State.ANSWER_COMPLETION` with {"ref": REF}; the notice's "Kirim kelengkapan" button (lk:REF) and
`/kelengkapan [REF]` put it there again later. In that state the requester's next text or file
is the answer; /batal leaves the ticket waiting.
"""

from __future__ import annotations

from bot.callbacks import CompletionTap, choice
from bot.desk import UnknownService, commit_transition, workflow_ticket
from bot.dialogs.state import State, Step
from bot.handlers.base import Request, is_cancel, keep, parse_command
from bot.labels import format_moment
from bot.messages import Choice, Outbound
from core.kinds import EventKind
from core.tickets import TicketStatus, normalize_ref
from core.workflow import WorkflowError, requester_completed
from locales import Translator
from storage import repositories as repo
from storage.attachments import AttachmentRejected, AttachmentTooLarge

MAX_ANSWER = 3000
WAITING_LISTED = 20


async def answer_button(req: Request) -> Step | None:
    """ "lk:REF": start answering that ticket's request (only the requester's own, waiting one)."""
    tap = CompletionTap.read(req.msg.choice or "")
    if tap.leave:
        # An old message's button must not drop a request the requester is filling in now.
        return _leave(req) if req.turn.state is State.ANSWER_COMPLETION else None
    return await _open(req, tap.ref)


async def kelengkapan(req: Request) -> Step | None:
    """`/kelengkapan [REF]`: answer a request for completion; without REF, choose the ticket."""
    if req.argument:
        return await _open(req, req.argument)
    t = req.t
    recent = await repo.list_tickets_for_requester(
        req.conn, requester_id=req.requester_id, limit=WAITING_LISTED
    )
    waiting = [
        r
        for r in recent
        if r.status is TicketStatus.MENUNGGU_PEMOHON and r.agency == req.desk.agency
    ]
    if not waiting:
        return keep(req, t("Tidak ada tiket Bapak/Ibu yang sedang menunggu kelengkapan."))
    if len(waiting) == 1:
        return await _open(req, waiting[0].ref)
    return Step(
        state=req.turn.state,
        data=req.turn.data,
        locale=req.turn.locale,
        replies=[
            Outbound(
                text=t("Tiket mana yang ingin Bapak/Ibu lengkapi?"),
                choices=tuple(choice(CompletionTap(r.ref).pack(), r.ref) for r in waiting),
            )
        ],
    )


async def answer(req: Request) -> Step | None:
    """In ANSWER_COMPLETION: the text or file is the answer; /batal leaves without answering."""
    msg = req.msg
    t = req.t
    ref = str(req.turn.data.get("ref") or "")
    if msg.choice is not None:
        return None  # a button of another message: the requester moved on
    text = req.text
    if msg.attachment is None:
        if parse_command(text) is not None:
            return _leave(req) if is_cancel(text) else None
        if not any(ch.isalnum() for ch in text):
            return _ask_again(req, t("Mohon kirim jawaban berupa teks atau berkas."))
    if len(text) > MAX_ANSWER:
        return _ask_again(
            req,
            t("Jawaban terlalu panjang (paling banyak {max} karakter).").format(max=MAX_ANSWER),
        )
    record = await repo.lock_ticket(req.conn, ref=ref)
    if record is None or not _is_own(req, record):
        return _idle(req, _not_found(ref, t))
    if record.status is not TicketStatus.MENUNGGU_PEMOHON:
        return _idle(req, _not_waiting(record.ref, t))
    # Decided before the file is stored, so a refused answer leaves no stray file behind.
    try:
        transition = requester_completed(
            workflow_ticket(record, req.desk), calendar=req.desk.calendar, at=req.desk.now
        )
    except (WorkflowError, UnknownService):
        return _idle(req, _not_waiting(record.ref, t))
    ids: list[int] = []
    if msg.attachment is not None:
        try:
            saved = await repo.save_attachment(
                req.conn,
                store=req.desk.store,
                data=msg.attachment.content,
                filename=msg.attachment.filename,
                mime_hint=msg.attachment.mime_hint,
                channel=msg.channel,
                chat_id=msg.chat_id,
                at=req.desk.now,
            )
        except AttachmentTooLarge:
            size = max(1, req.desk.store.max_bytes // (1024 * 1024))
            return _ask_again(
                req,
                t(
                    "Maaf, berkas terlalu besar (paling besar {size} MB). Mohon kirim berkas yang "
                    "lebih kecil."
                ).format(size=size),
            )
        except AttachmentRejected:
            return _ask_again(
                req,
                t(
                    "Maaf, jenis berkas ini tidak dapat kami terima. Mohon kirim PDF, JPG, atau "
                    "PNG."
                ),
            )
        ids.append(saved.id)
    await repo.link_attachments(req.conn, ids=ids, ticket_id=record.id)
    await repo.add_event(
        req.conn,
        ticket_id=record.id,
        at=req.desk.now,
        actor_kind="requester",
        actor_id=None,
        kind=EventKind.REQUESTER_ANSWERED,
        data={"text": text, "attachment_ids": ids},
    )
    # The requester hears it from the reply below, in more words than the status notice has.
    officers_only = transition._replace(
        notices=tuple(n for n in transition.notices if n.recipient_kind != "requester")
    )
    updated = await commit_transition(
        req.conn, desk=req.desk, record=record, transition=officers_only
    )
    zone = req.desk.catalog.agency.timezone
    lines = [
        t(
            "Terima kasih. Jawaban Bapak/Ibu untuk tiket {ref} sudah kami terima dan kami "
            "teruskan kepada petugas."
        ).format(ref=updated.ref),
        t("Batas waktu penyelesaian: {when}.").format(when=format_moment(updated.due_at, zone, t)),
    ]
    return _idle(req, "\n".join(lines))


async def _open(req: Request, typed: str) -> Step:
    """Put the conversation in ANSWER_COMPLETION for the requester's own waiting ticket."""
    t = req.t
    ref = normalize_ref(typed) or typed.strip()[:40]
    record = await repo.get_ticket_for_requester(req.conn, ref=ref, requester_id=req.requester_id)
    if record is None or record.agency != req.desk.agency:
        return keep(req, _not_found(ref, t))
    if record.status is not TicketStatus.MENUNGGU_PEMOHON:
        return keep(req, _not_waiting(record.ref, t))
    asked = await _officer_request(req, record.id)
    lines = []
    if asked:
        lines.append(t("Permintaan petugas untuk tiket {ref}:").format(ref=record.ref))
        lines.append(asked)
        lines.append("")
    lines.append(_question(record.ref, t))
    return Step(
        state=State.ANSWER_COMPLETION,
        data={"ref": record.ref},
        locale=req.turn.locale,
        replies=[Outbound(text="\n".join(lines), choices=(_leave_button(t),))],
    )


async def _officer_request(req: Request, ticket_id: int) -> str:
    """The officer's last /lengkapi message on the ticket ("" if none is recorded)."""
    events = await repo.list_events(req.conn, ticket_id=ticket_id)
    asked = [e for e in events if e.kind == EventKind.COMPLETION_REQUESTED]
    return str(asked[-1].data.get("message") or "") if asked else ""


def _question(ref: str, t: Translator) -> str:
    return t(
        "Silakan kirim kelengkapan untuk tiket {ref}: ketik jawabannya, atau kirim dokumennya "
        "sebagai berkas (PDF, JPG, atau PNG)."
    ).format(ref=ref)


def _is_own(req: Request, record: repo.TicketRecord) -> bool:
    return record.requester_id == req.requester_id and record.agency == req.desk.agency


def _not_found(ref: str, t: Translator) -> str:
    # The same answer for another requester's ticket as for a missing one: no enumeration.
    return t(
        "Tiket {ref} tidak ditemukan. Periksa kembali nomornya, atau ketik /status untuk "
        "melihat tiket Bapak/Ibu."
    ).format(ref=ref)


def _not_waiting(ref: str, t: Translator) -> str:
    return t(
        "Tiket {ref} saat ini tidak menunggu kelengkapan dari Bapak/Ibu, jadi tidak ada yang "
        "perlu dikirim. Terima kasih."
    ).format(ref=ref)


def _leave(req: Request) -> Step:
    """Stop answering; the ticket keeps waiting and the requester is told how to come back."""
    t = req.t
    ref = str(req.turn.data.get("ref") or "") if req.turn.state is State.ANSWER_COMPLETION else ""
    if not ref:
        return _idle(req, t("Baik, tidak ada kelengkapan yang dikirim."))
    return _idle(
        req,
        t(
            "Baik. Tiket {ref} tetap menunggu kelengkapan dari Bapak/Ibu. Bila sudah siap, tekan "
            'tombol "Kirim kelengkapan" pada pesan petugas, atau ketik /kelengkapan {ref}.'
        ).format(ref=ref),
    )


def _ask_again(req: Request, note: str) -> Step:
    """Stay in ANSWER_COMPLETION and repeat what is expected."""
    t = req.t
    ref = str(req.turn.data.get("ref") or "")
    return Step(
        state=req.turn.state,
        data=req.turn.data,
        locale=req.turn.locale,
        replies=[Outbound(text=f"{note}\n\n{_question(ref, t)}", choices=(_leave_button(t),))],
    )


def _idle(req: Request, text: str) -> Step:
    return Step(state=State.IDLE, data={}, locale=req.turn.locale, replies=[Outbound(text=text)])


def _leave_button(t: Translator) -> Choice:
    return choice(CompletionTap(leave=True).pack(), t("Batal"))
