"""Who may do what with a ticket: the one place every officer command asks.

- /daftar is for anyone holding a one-time invite code; every other command only for an active
  officer of this agency (anyone else gets a polite refusal, before any ticket is looked up).
- Acting on a ticket (/ambil, /disposisi, /lengkapi, /tolak, /selesai) needs the role of its
  current step, and the ticket unheld or held by this officer; coordinators may act on any.
- /tiket, /status REF and /catatan need any role of the ticket's procedure, or to hold or have
  held the ticket (or coordinator); /tugaskan the step's role, its superior role, or
  coordinator."""

from __future__ import annotations

from bot.handlers.base import Request
from bot.handlers.officer.common import (
    Found,
    Refusal,
    closed_text,
    is_coordinator,
    role_words,
    step_words,
)
from core.workflow import (
    WorkflowTicket,
)
from storage import queues
from storage import repositories as repo


def may_view(officer: repo.OfficerRecord, ticket: WorkflowTicket) -> bool:
    return is_coordinator(officer) or any(s.role in officer.roles for s in ticket.route)


def act_problem(officer: repo.OfficerRecord, ticket: WorkflowTicket) -> str | None:
    """Why the officer may not act on the ticket's current step, or None."""
    if ticket.is_closed:
        return "closed"
    if is_coordinator(officer):
        return None
    if ticket.role not in officer.roles:
        return "role"
    if ticket.officer is not None and ticket.officer != officer.id:
        return "held"
    return None


def may_take(officer: repo.OfficerRecord, ticket: WorkflowTicket) -> bool:
    return not ticket.is_closed and (is_coordinator(officer) or ticket.role in officer.roles)


def may_assign(officer: repo.OfficerRecord, ticket: WorkflowTicket) -> bool:
    if ticket.is_closed:
        return False
    superior = ticket.current.superior
    return (
        is_coordinator(officer)
        or ticket.role in officer.roles
        or (superior is not None and superior in officer.roles)
    )


async def require_view(req: Request, officer: repo.OfficerRecord, found: Found) -> None:
    if not may_view(officer, found.ticket) and not await _held(req, officer, found):
        t = req.t
        raise Refusal(
            t(
                "Mohon maaf, tiket {ref} bukan bagian dari tugas Bapak/Ibu. Hubungi koordinator "
                "bila Bapak/Ibu memerlukannya."
            ).format(ref=found.record.ref)
        )


async def _held(req: Request, officer: repo.OfficerRecord, found: Found) -> bool:
    """Whether the officer holds the ticket or acted on it before (a step they no longer have
    the role for, or a disposition made to them by name)."""
    if found.ticket.officer == officer.id:
        return True
    return any(
        event.actor_id == officer.id or event.data.get("officer") == officer.id
        for event in await repo.list_events(req.conn, ticket_id=found.record.id)
        if event.actor_kind == "officer" or event.data.get("officer") is not None
    )


async def require_act(req: Request, officer: repo.OfficerRecord, found: Found) -> None:
    problem = act_problem(officer, found.ticket)
    if problem is None:
        return
    t, record, ticket = req.t, found.record, found.ticket
    if problem == "closed":
        raise Refusal(closed_text(req, record))
    if problem == "role":
        raise Refusal(
            t(
                'Mohon maaf, tiket {ref} sedang pada tahap "{step}" yang ditangani {role}. '
                "Perintah ini hanya untuk pemegang peran tersebut atau koordinator."
            ).format(
                ref=record.ref,
                step=step_words(req, record, ticket.step),
                role=role_words(req, ticket.role),
            )
        )
    names = await queues.officer_names(req.conn, ids=[ticket.officer or 0])
    raise Refusal(
        t(
            "Mohon maaf, tiket {ref} sedang dipegang oleh {name}. Minta koordinator menugaskan "
            "ulang bila perlu."
        ).format(ref=record.ref, name=names.get(ticket.officer or 0, "-"))
    )
