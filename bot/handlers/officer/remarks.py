"""/lengkapi, /tolak and /catatan: a ticket number and a text, one skeleton for all three."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot import notify
from bot.dialogs.state import State, Step
from bot.handlers.base import Request
from bot.handlers.forms import CompletionForm
from bot.handlers.officer.common import (
    MAX_ANSWER,
    Found,
    Refusal,
    commit,
    find_ticket,
    say,
    split_ref,
)
from bot.handlers.officer.permissions import require_act, require_view
from bot.handlers.officer.usage import usages
from core.workflow import Transition, WorkflowTicket, note, reject, request_completion
from locales import Translator
from storage import repositories as repo


@dataclass(frozen=True)
class Remark:
    """One of the three: which usage line, who may, what is asked for, and the transition."""

    command: str  # its key in `usages`
    needs_act: bool  # True: the step's holder (or a coordinator); False: anyone who may view it
    missing: Callable[[Translator], str]  # asks for the text, with "{usage}"
    transition: Callable[[WorkflowTicket, str, int, datetime], Transition]


async def _remark(
    req: Request,
    officer: repo.OfficerRecord,
    remark: Remark,
    done: Callable[[Found], Awaitable[str]],
) -> Step:
    """Find the ticket, check who asks, require the text, store the transition, answer."""
    t = req.t
    usage = usages(t)[remark.command]
    ref, text = split_ref(req.argument)
    found = await find_ticket(req, ref, usage=usage)
    if remark.needs_act:
        await require_act(req, officer, found)
    else:
        await require_view(req, officer, found)
    if not text:
        raise Refusal(remark.missing(t).format(usage=usage))
    changed = await commit(
        req,
        officer,
        found,
        lambda w: remark.transition(w, text[:MAX_ANSWER], officer.id, req.desk.now),
    )
    return say(req, await done(changed))


_COMPLETION = Remark(
    "lengkapi",
    needs_act=True,
    missing=lambda t: t("Mohon tuliskan apa yang perlu dilengkapi: {usage}"),
    transition=lambda w, text, by, at: request_completion(w, text, by=by, at=at),
)
_REJECT = Remark(
    "tolak",
    needs_act=True,
    missing=lambda t: t("Mohon tuliskan alasan penolakan: {usage}"),
    transition=lambda w, text, by, at: reject(w, text, by=by, at=at),
)
_NOTE = Remark(
    "catatan",
    needs_act=False,
    missing=lambda t: t("Mohon tuliskan isi catatannya: {usage}"),
    transition=lambda w, text, by, at: note(w, text, by=by, at=at),
)


async def request_completion_command(req: Request, officer: repo.OfficerRecord) -> Step:
    """/lengkapi NOMOR pesan: ask the requester for what is missing; the SLA clock stops."""

    async def done(found: Found) -> str:
        record = found.record
        if record.channel in notify.OFFLINE_CHANNELS:
            text = req.t(
                "Tiket {ref} menunggu kelengkapan; waktu penyelesaian dihentikan. Permohonan ini "
                "diajukan di loket: mohon hubungi pemohon secara langsung."
            )
        else:
            await _await_requester(req, record)
            text = req.t(
                "Permintaan kelengkapan tiket {ref} telah dikirim kepada pemohon. Waktu "
                "penyelesaian dihentikan sampai pemohon menjawab."
            )
        return text.format(ref=record.ref)

    return await _remark(req, officer, _COMPLETION, done)


async def reject_command(req: Request, officer: repo.OfficerRecord) -> Step:
    """/tolak NOMOR alasan: close the ticket as rejected; the requester hears why."""

    async def done(found: Found) -> str:
        return req.t("Tiket {ref} ditolak. Pemohon telah kami beri tahu beserta alasannya.").format(
            ref=found.record.ref
        )

    return await _remark(req, officer, _REJECT, done)


async def note_command(req: Request, officer: repo.OfficerRecord) -> Step:
    """/catatan NOMOR teks: an internal note in the ticket's history."""

    async def done(found: Found) -> str:
        return req.t("Catatan untuk tiket {ref} tersimpan.").format(ref=found.record.ref)

    return await _remark(req, officer, _NOTE, done)


async def _await_requester(req: Request, record: repo.TicketRecord) -> None:
    """Let the requester's next message answer the request, unless they are busy with another."""
    if (record.channel, record.chat_id) == (req.msg.channel, req.msg.chat_id):
        return  # the engine saves this very chat's state after the command
    conversation = await repo.load_conversation(
        req.conn, channel=record.channel, chat_id=record.chat_id, for_update=True
    )
    if conversation is not None and conversation.state != State.IDLE.value:
        return  # mid-dialog: the notice's button brings them to the answer
    form: CompletionForm = {"ref": record.ref}
    await repo.save_conversation(
        req.conn,
        channel=record.channel,
        chat_id=record.chat_id,
        requester_id=record.requester_id,
        agency=req.desk.agency,
        state=State.ANSWER_COMPLETION.value,
        data=dict(form),
        locale=conversation.locale if conversation else req.desk.default_locale,
        at=req.desk.now,
    )
