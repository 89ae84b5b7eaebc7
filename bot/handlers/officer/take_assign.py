"""/ambil (take an unheld step) and /tugaskan (give the current step to one officer)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.callbacks import (
    OfficerAction,
    OfficerTap,
    choice,
)
from bot.dialogs.state import Step
from bot.handlers.base import Request
from bot.handlers.officer.common import (
    OFFICER_BUTTONS,
    Found,
    Refusal,
    closed_text,
    commit,
    find_ticket,
    match_name,
    moment,
    officer_by_number,
    role_words,
    say,
    split_ref,
    step_words,
)
from bot.handlers.officer.permissions import may_assign, may_take, require_act
from bot.handlers.officer.ticket_view import ticket_buttons
from bot.handlers.officer.usage import usages
from bot.labels import (
    clip,
)
from core.workflow import (
    assign,
    take,
)
from storage import repositories as repo


async def take_ticket(req: Request, officer: repo.OfficerRecord, ref: str) -> Step:
    """Take the current step of a ticket nobody holds."""
    t = req.t
    found = await find_ticket(req, ref, usage=usages(t)["ambil"])
    ticket = found.ticket
    if ticket.is_closed:
        raise Refusal(closed_text(req, found.record))
    if not may_take(officer, ticket):
        await require_act(req, officer, found)  # words the role refusal
    done = await commit(req, officer, found, lambda w: take(w, officer.id, at=req.desk.now))
    text = t("Tiket {ref} sekarang Bapak/Ibu pegang.\nTahap: {step}\nBatas tahap ini: {when}.")
    return say(
        req,
        text.format(
            ref=done.record.ref,
            step=step_words(req, done.record, done.ticket.step),
            when=moment(req, done.record.step_due_at),
        ),
        await ticket_buttons(req, officer, done),
    )


async def assign_command(req: Request, officer: repo.OfficerRecord) -> Step:
    """/tugaskan NOMOR #12 | nama: give the current step to one officer holding its role."""
    t = req.t
    ref, rest = split_ref(req.argument)
    found = await find_ticket(req, ref, usage=usages(t)["tugaskan"])
    await _ready_to_assign(req, officer, found)
    candidates = await repo.officers_with_role(
        req.conn, agency=req.desk.agency, role=found.ticket.role
    )
    if rest.startswith("#"):
        chosen = await officer_by_number(req, rest.split()[0])
        if chosen is None:
            raise Refusal(
                t("Petugas {number} tidak ditemukan. Nomor petugas tampil di /tiket {ref}.").format(
                    number=rest.split()[0], ref=found.record.ref
                )
            )
        return await assign_to(req, officer, found, chosen)
    if rest:
        matches = match_name(rest, candidates)
        if len(matches) == 1:
            return await assign_to(req, officer, found, matches[0])
        if not matches:
            note_text = t("Tidak ada {role} bernama {name}.").format(
                role=role_words(req, found.ticket.role), name=clip(rest, 60)
            )
            return _ask_assignee(req, found, candidates, note_text)
        return _ask_assignee(req, found, matches)
    return _ask_assignee(req, found, candidates)


async def _ready_to_assign(req: Request, officer: repo.OfficerRecord, found: Found) -> None:
    if found.ticket.is_closed:
        raise Refusal(closed_text(req, found.record))
    if not may_assign(officer, found.ticket):
        t, ticket, record = req.t, found.ticket, found.record
        raise Refusal(
            t(
                'Mohon maaf, penugasan tahap "{step}" hanya dapat dilakukan oleh {role}, '
                "atasannya, atau koordinator."
            ).format(step=step_words(req, record, ticket.step), role=role_words(req, ticket.role))
        )


def _ask_assignee(
    req: Request, found: Found, candidates: Sequence[repo.OfficerRecord], note_text: str = ""
) -> Step:
    t, record, ticket = req.t, found.record, found.ticket
    if not candidates:
        return say(
            req,
            (note_text + "\n" if note_text else "")
            + t("Belum ada petugas aktif dengan peran {role}.").format(
                role=role_words(req, ticket.role)
            ),
        )
    text = t('Tahap "{step}" tiket {ref} ditugaskan kepada siapa?').format(
        step=step_words(req, record, ticket.step), ref=record.ref
    )
    if note_text:
        text = note_text + "\n" + text
    buttons = [
        choice(OfficerTap(OfficerAction.ASSIGN, record.ref, str(o.id)).pack(), o.name)
        for o in list(candidates)[:OFFICER_BUTTONS]
    ]
    return say(req, text, buttons)


async def assign_to(
    req: Request, officer: repo.OfficerRecord, found: Found, target: repo.OfficerRecord
) -> Step:
    t = req.t
    if found.ticket.role not in target.roles:
        raise Refusal(
            t("{name} tidak memiliki peran {role}, jadi tidak dapat menerima tiket ini.").format(
                name=target.name, role=role_words(req, found.ticket.role)
            )
        )
    done = await commit(
        req, officer, found, lambda w: assign(w, target.id, by=officer.id, at=req.desk.now)
    )
    return say(
        req,
        t("Tiket {ref} ditugaskan kepada {name} (tahap: {step}).").format(
            ref=done.record.ref,
            name=target.name,
            step=step_words(req, done.record, done.ticket.step),
        ),
    )


async def assign_tap(req: Request, officer: repo.OfficerRecord, ref: str, target: str) -> Step:
    """Buttons "of:tgs:REF" (ask whom) and "of:tgs:REF:ID" (assign)."""
    t = req.t
    found = await find_ticket(req, ref, usage=usages(t)["tugaskan"])
    await _ready_to_assign(req, officer, found)
    if not target:
        candidates = await repo.officers_with_role(
            req.conn, agency=req.desk.agency, role=found.ticket.role
        )
        return _ask_assignee(req, found, candidates)
    chosen = await officer_by_number(req, target)
    if chosen is None:
        raise Refusal(t("Petugas tersebut sudah tidak aktif. Mohon pilih petugas lain."))
    return await assign_to(req, officer, found, chosen)
