"""/disposisi NOMOR [#12 | @nama | @semua] [instruksi]: pass the ticket to the next step.

"To whom": `#12` (the officer's number, shown in /tiket), `@nama` (part of the name) or `@semua`
(everyone holding the next step's role); without it the ticket goes to the next step's role,
after asking which officer when that role has several. The rest is the instruction."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.callbacks import (
    ALL_OFFICERS,
    OfficerAction,
    OfficerTap,
    choice,
)
from bot.dialogs.state import State, Step
from bot.dialogs.typed import ascii_number
from bot.handlers.base import Request, idle, parse_command
from bot.handlers.forms import (
    BeritaAcaraForm,
    DispositionForm,
    PendingDisposition,
    berita_acara_form,
    disposition_form,
)
from bot.handlers.officer.ba_form import ba_question
from bot.handlers.officer.common import (
    MAX_ANSWER,
    OFFICER_BUTTONS,
    Found,
    Refusal,
    answer,
    commit,
    error_text,
    find_ticket,
    form,
    guarded,
    match_name,
    moment,
    officer_by_number,
    role_words,
    split_ref,
    step_words,
)
from bot.handlers.officer.permissions import require_act
from bot.handlers.officer.ticket_view import ticket_buttons
from bot.handlers.officer.usage import usages
from bot.messages import Outbound
from core.kinds import ErrorCode
from core.workflow import (
    WorkflowError,
    dispose,
)
from storage import repositories as repo


async def dispose_command(req: Request, officer: repo.OfficerRecord) -> Step:
    """/disposisi NOMOR [#12 | @nama | @semua] [instruksi]."""
    t = req.t
    ref, rest = split_ref(req.argument)
    found = await find_ticket(req, ref, usage=usages(t)["disposisi"])
    await ready_to_dispose(req, officer, found)
    target, instruction = _split_target(rest)
    instruction = instruction[:MAX_ANSWER]
    following = found.ticket.next_step
    assert following is not None  # checked by ready_to_dispose
    if target == "@semua":
        return await dispose_to(req, officer, found, None, instruction)
    if target.startswith("#"):
        chosen = await officer_by_number(req, target)
        if chosen is None:
            raise Refusal(
                t("Petugas {number} tidak ditemukan. Nomor petugas tampil di /tiket {ref}.").format(
                    number=target, ref=found.record.ref
                )
            )
        return await dispose_to(req, officer, found, chosen, instruction)
    candidates = await repo.officers_with_role(
        req.conn, agency=req.desk.agency, role=following.role
    )
    if target:
        matches = match_name(target, candidates)
        if len(matches) == 1:
            return await dispose_to(req, officer, found, matches[0], instruction)
        if not matches:
            note_text = t("Tidak ada {role} bernama {name}.").format(
                role=role_words(req, following.role), name=target.lstrip("@")
            )
            return _ask_recipient(req, found, candidates, instruction, note_text)
        return _ask_recipient(req, found, matches, instruction)
    if following.role == found.ticket.role and following.role in officer.roles:
        # The same officer usually carries on (service desk: work, report, filing).
        return await dispose_to(req, officer, found, officer, instruction)
    if len(candidates) > 1:
        return _ask_recipient(req, found, candidates, instruction)
    return await dispose_to(req, officer, found, None, instruction)


def _split_target(rest: str) -> tuple[str, str]:
    """ "#12 cek switch" → ("#12", "cek switch"); ("", rest) without a target."""
    match = re.match(r"^(#\d+|@\S+)(?:\s+|$)(.*)$", rest, flags=re.DOTALL)
    if match is None:
        return "", rest.strip()
    return match[1].casefold(), match[2].strip()


async def ready_to_dispose(req: Request, officer: repo.OfficerRecord, found: Found) -> None:
    """Refuse early what dispose would refuse, before asking whom to send it to."""
    await require_act(req, officer, found)
    ticket = found.ticket
    if ticket.paused_at is not None:
        raise Refusal(
            await error_text(
                req, WorkflowError(ErrorCode.WAITING_FOR_REQUESTER), found.record, officer
            )
        )
    if ticket.next_step is None:
        raise Refusal(
            await error_text(req, WorkflowError(ErrorCode.NO_NEXT_STEP), found.record, officer)
        )


def _ask_recipient(
    req: Request,
    found: Found,
    candidates: Sequence[repo.OfficerRecord],
    instruction: str,
    note_text: str = "",
) -> Step:
    """Which officer of the next step gets the ticket (or all of them): buttons."""
    t, record = req.t, found.record
    following = found.ticket.next_step
    assert following is not None
    role = role_words(req, following.role)
    text = t("Tiket {ref} diteruskan ke tahap: {step}. Kepada siapa?").format(
        ref=record.ref, step=step_words(req, record, following.code)
    )
    if not instruction:
        text += "\n" + t("Untuk menyertakan instruksi, ketik /disposisi {ref} instruksi.").format(
            ref=record.ref
        )
    if note_text:
        text = note_text + "\n" + text
    shown = list(candidates)[:OFFICER_BUTTONS]
    buttons = [
        choice(OfficerTap(OfficerAction.DISPOSE, record.ref, str(o.id)).pack(), o.name)
        for o in shown
    ]
    buttons.append(
        choice(
            OfficerTap(OfficerAction.DISPOSE, record.ref, str(ALL_OFFICERS)).pack(),
            t("Semua {role}").format(role=role),
        )
    )
    pending: PendingDisposition = {"ref": record.ref, "instruction": instruction}
    turn = req.turn
    if turn.state is State.OFFICER_FORM and turn.data.get("form") == "selesai":
        # Keep the half-filled Berita Acara; the choice waits beside it.
        kept: BeritaAcaraForm = {**berita_acara_form(turn.data), "dsp": pending}
        return form(req, dict(kept), Outbound(text, tuple(buttons)))
    options = [[o.id, o.name] for o in shown]
    data: DispositionForm = {"form": "disposisi", **pending, "options": options}
    return form(req, dict(data), Outbound(text, tuple(buttons)))


async def dispose_to(
    req: Request,
    officer: repo.OfficerRecord,
    found: Found,
    target: repo.OfficerRecord | None,
    instruction: str,
) -> Step:
    """Pass the ticket on: to the next step (its role, or one officer of it), or hand the
    current step to an officer holding its role."""
    t, desk, ticket = req.t, req.desk, found.ticket
    following = ticket.next_step
    to_step: str | None = None
    if target is not None and (following is None or following.role not in target.roles):
        if ticket.role not in target.roles:
            raise Refusal(
                t(
                    "{name} tidak memiliki peran {role}, jadi tidak dapat menerima tiket ini."
                ).format(
                    name=target.name,
                    role=role_words(req, following.role if following else ticket.role),
                )
            )
        to_step = ticket.step  # a hand-over within the current step
    done = await commit(
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
    who = target.name if target is not None else role_words(req, done.ticket.role)
    if target is not None and target.id == officer.id:
        who = t("Bapak/Ibu sendiri")
    text = t("Tiket {ref} diteruskan ke tahap: {step} ({who}).\nBatas tahap ini: {when}.").format(
        ref=record.ref,
        step=step_words(req, record, done.ticket.step),
        who=who,
        when=moment(req, record.step_due_at),
    )
    reply = Outbound(text, tuple(await ticket_buttons(req, officer, done)))
    turn = req.turn
    if turn.state is State.OFFICER_FORM and turn.data.get("form") == "selesai":
        rest = berita_acara_form({k: v for k, v in turn.data.items() if k != "dsp"})
        return form(req, dict(rest), reply, ba_question(rest, t))
    return answer(req, reply)


def pending_instruction(req: Request, ref: str) -> str:
    """The instruction typed with /disposisi while its recipient is being chosen."""
    data = req.turn.data if req.turn.state is State.OFFICER_FORM else {}
    pending = data if data.get("form") == "disposisi" else data.get("dsp") or {}
    return str(pending.get("instruction") or "") if pending.get("ref") == ref else ""


async def dispose_tap(req: Request, officer: repo.OfficerRecord, ref: str, target: str) -> Step:
    """Buttons "of:dsp:REF" (ask whom) and "of:dsp:REF:ID" / "of:dsp:REF:all" (send)."""
    t = req.t
    found = await find_ticket(req, ref, usage=usages(t)["disposisi"])
    await ready_to_dispose(req, officer, found)
    following = found.ticket.next_step
    assert following is not None
    instruction = pending_instruction(req, found.record.ref)
    if not target:
        candidates = await repo.officers_with_role(
            req.conn, agency=req.desk.agency, role=following.role
        )
        return _ask_recipient(req, found, candidates, instruction)
    if target == ALL_OFFICERS:
        return await dispose_to(req, officer, found, None, instruction)
    chosen = await officer_by_number(req, target)
    if chosen is None:
        raise Refusal(t("Petugas tersebut sudah tidak aktif. Mohon pilih petugas lain."))
    return await dispose_to(req, officer, found, chosen, instruction)


async def pending_dispose_text(req: Request, officer: repo.OfficerRecord) -> Step | None:
    """A typed answer to "Kepada siapa?": a button's number or name, "semua", or /batal."""
    t, data, text = req.t, disposition_form(req.turn.data), req.text
    parsed = parse_command(text)
    if parsed is not None and parsed[0] in ("batal", "cancel"):
        cancelled = t("Disposisi tiket {ref} dibatalkan.").format(ref=data.get("ref", ""))
        return idle(req, Outbound(cancelled))
    options = [(int(o[0]), str(o[1])) for o in data.get("options", [])]
    wanted = " ".join(text.casefold().split())
    place = ascii_number(wanted)
    picked: str | None = None
    if wanted in ("semua", "all"):
        picked = ALL_OFFICERS
    elif place is not None and 1 <= place <= len(options):
        picked = str(options[place - 1][0])
    else:
        same = [str(i) for i, name in options if name.casefold() == wanted]
        picked = same[0] if len(same) == 1 else None
    if picked is None or req.msg.attachment is not None:
        return None  # not an answer to the question: the requester side takes it
    return await guarded(req, lambda: dispose_tap(req, officer, data["ref"], picked))
