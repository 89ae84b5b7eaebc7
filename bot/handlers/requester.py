"""Requester commands: /start, /layanan, /status, /batal, /bahasa and the unknown command.

Each is a dialog command: given the conversation, the dialog's context, the command's argument
and the requester's own tickets, it answers without touching anything else, so it runs the same
with or without a database (`bot.handlers.commands` lists them and their aliases).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dialogs import intake
from bot.dialogs.state import Context, Step, Turn
from bot.handlers.base import keep_turn
from bot.labels import format_moment, role_label, service_label, status_words, step_label
from bot.messages import Outbound
from core.complaints import find_service
from core.tickets import TicketStatus, normalize_ref
from locales import SUPPORTED, Translator, translator
from storage import repositories as repo

RECENT_TICKETS = 5


class TicketView(Protocol):
    """What /status shows of a ticket (storage.repositories.TicketRecord has all of it)."""

    @property
    def ref(self) -> str: ...
    @property
    def agency(self) -> str: ...
    @property
    def service(self) -> str: ...
    @property
    def product(self) -> str | None: ...
    @property
    def status(self) -> TicketStatus: ...
    @property
    def step(self) -> str | None: ...
    @property
    def assigned_role(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def paused_at(self) -> datetime | None: ...
    @property
    def closed_at(self) -> datetime | None: ...


class TicketLookup(Protocol):
    """The requester's own tickets, and nobody else's."""

    async def recent(self, limit: int) -> list[TicketView]:
        """The newest tickets first."""
        ...

    async def find(self, ref: str) -> TicketView | None:
        """The ticket with this reference if it is the requester's, else None."""
        ...


class RequesterTickets:
    """/status's view of the database: only this requester's tickets."""

    def __init__(self, conn: AsyncConnection, requester_id: int) -> None:
        self._conn = conn
        self._requester_id = requester_id

    async def recent(self, limit: int) -> list[TicketView]:
        """The requester's newest tickets."""
        return list(
            await repo.list_tickets_for_requester(
                self._conn, requester_id=self._requester_id, limit=limit
            )
        )

    async def find(self, ref: str) -> TicketView | None:
        """The requester's ticket with this reference, else None."""
        return await repo.get_ticket_for_requester(
            self._conn, ref=ref, requester_id=self._requester_id
        )


# (conversation, context, argument, the requester's tickets) → the answer
DialogCommand = Callable[[Turn, Context, str, TicketLookup], Awaitable[Step]]


async def start(turn: Turn, ctx: Context, _argument: str, _tickets: TicketLookup) -> Step:
    """/start: greet and show the menu (a request in progress is dropped)."""
    return intake.start(turn, ctx)


async def menu(turn: Turn, ctx: Context, _argument: str, _tickets: TicketLookup) -> Step:
    """/layanan: every service (a request in progress is dropped)."""
    return intake.menu(turn, ctx)


async def cancel(turn: Turn, ctx: Context, _argument: str, _tickets: TicketLookup) -> Step:
    """/batal: drop the request in progress; nothing is filed."""
    return intake.cancel(turn, ctx)


async def status(turn: Turn, ctx: Context, argument: str, tickets: TicketLookup) -> Step:
    """/status [NOMOR]: the requester's latest tickets, or one of them in detail."""
    t = translator(turn.locale)
    if argument:
        return _keep(turn, ctx, await _one_ticket(argument, tickets, ctx, t))
    return _keep(turn, ctx, await _recent_tickets(tickets, ctx, t))


async def language(turn: Turn, ctx: Context, argument: str, _tickets: TicketLookup) -> Step:
    """/bahasa [id|en]: switch the conversation's language, or ask which."""
    return _language(turn, ctx, argument)


def unknown(turn: Turn, ctx: Context, name: str) -> Step:
    """A command nobody knows: say so, and how to see the list."""
    t = translator(turn.locale)
    shown = "/" + name[:30] if name else "/"
    return _keep(
        turn,
        ctx,
        t(
            "Perintah {command} tidak kami kenal. Ketik /bantuan untuk melihat daftar perintah."
        ).format(command=shown),
    )


def _keep(turn: Turn, ctx: Context, text: str) -> Step:
    """Answer without touching the dialog; mid-dialog, ask the pending question again after."""
    return keep_turn(turn, ctx, Outbound(text=text))


def _language(turn: Turn, ctx: Context, argument: str) -> Step:
    wanted = argument.strip().casefold()
    aliases = {
        "indonesia": "id",
        "indonesian": "id",
        "bahasa indonesia": "id",
        "inggris": "en",
        "english": "en",
    }
    wanted = aliases.get(wanted, wanted)
    if wanted in SUPPORTED:
        return intake.set_language(turn, ctx, wanted)
    return Step(
        state=turn.state,
        data=turn.data,
        locale=turn.locale,
        replies=[intake.language_question(turn)],
    )


def _service_name(ticket: TicketView, ctx: Context, t: Translator) -> str:
    if ticket.agency != ctx.catalog.agency.code:
        return ticket.service
    return service_label(ctx.catalog, ticket.service, ticket.product, t)


async def _one_ticket(argument: str, tickets: TicketLookup, ctx: Context, t: Translator) -> str:
    ref = normalize_ref(argument)
    ticket = await tickets.find(ref) if ref else None
    if ticket is None:
        # The same answer for another requester's ticket as for a missing one: no enumeration.
        shown = ref or argument.strip()[:40]
        return t(
            "Tiket {ref} tidak ditemukan. Periksa kembali nomornya, atau ketik /status untuk "
            "melihat tiket Bapak/Ibu."
        ).format(ref=shown)
    zone = ctx.catalog.agency.timezone
    lines = [
        t("Tiket {ref}").format(ref=ticket.ref),
        t("Layanan: {value}").format(value=_service_name(ticket, ctx, t)),
        t("Status: {value}").format(value=status_words(ticket.status, t)),
        t("Diajukan: {when}").format(when=format_moment(ticket.created_at, zone, t)),
    ]
    if ticket.closed_at is not None or ticket.status.is_closed:
        if ticket.closed_at is not None:
            lines.append(t("Ditutup: {when}").format(when=format_moment(ticket.closed_at, zone, t)))
        return "\n".join(lines)
    step = _step_words(ticket, ctx, t)
    if step:
        lines.append(t("Tahap: {step}").format(step=step))
    if ticket.paused_at is not None:
        lines.append(
            t("Waktu penyelesaian dihentikan sementara sambil menunggu tanggapan Bapak/Ibu.")
        )
    else:
        lines.append(
            t("Batas waktu penyelesaian: {when}.").format(
                when=format_moment(ticket.due_at, zone, t)
            )
        )
    return "\n".join(lines)


def _step_words(ticket: TicketView, ctx: Context, t: Translator) -> str | None:
    """ "Kepala Dinas mendisposisikan (Kepala Dinas)": the step and who holds it."""
    if ticket.step is None or ticket.agency != ctx.catalog.agency.code:
        return None
    service = find_service(ctx.catalog, ticket.service)
    step = next((s for s in service.procedure if s.code == ticket.step), None) if service else None
    if step is None:
        return None
    action = step_label(ctx.catalog, ticket.service, ticket.step, t)
    role = ticket.assigned_role or step.role
    if role not in {r.code for r in ctx.catalog.agency.roles}:
        return action
    return f"{action} ({role_label(ctx.catalog, role, t)})"


async def _recent_tickets(tickets: TicketLookup, ctx: Context, t: Translator) -> str:
    found = await tickets.recent(RECENT_TICKETS)
    if not found:
        return t(
            "Bapak/Ibu belum memiliki tiket. Ketik kebutuhan Bapak/Ibu untuk mengajukan permohonan."
        )
    zone = ctx.catalog.agency.timezone
    lines = [t("Tiket terakhir Bapak/Ibu:")]
    for ticket in found:
        lines.append(
            t("• {ref} — {service} — {status}").format(
                ref=ticket.ref,
                service=_service_name(ticket, ctx, t),
                status=status_words(ticket.status, t),
            )
        )
        if not ticket.status.is_closed and ticket.paused_at is None:
            lines.append(
                "  " + t("batas {when}").format(when=format_moment(ticket.due_at, zone, t))
            )
    lines.append(t("Ketik /status NOMOR untuk rinciannya."))
    return "\n".join(lines)
