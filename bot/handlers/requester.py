"""Commands a requester can type in any channel: /start, /layanan, /status, /batal, /bantuan,
/bahasa (with English aliases). The engine routes every text starting with "/" here."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.dialogs import intake
from bot.dialogs.intake import Context, State, Step, Turn
from bot.dialogs.messages import Outbound
from bot.dialogs.values import format_moment
from core.complaints import find_service
from core.tickets import TicketStatus, normalize_ref
from locales import SUPPORTED, Translator, translator

RECENT_TICKETS = 5

COMMANDS: dict[str, str] = {
    "start": "start",
    "mulai": "start",
    "layanan": "menu",
    "menu": "menu",
    "services": "menu",
    "service": "menu",
    "status": "status",
    "cek": "status",
    "batal": "cancel",
    "cancel": "cancel",
    "bantuan": "help",
    "help": "help",
    "bahasa": "language",
    "language": "language",
    "lang": "language",
}


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


def parse_command(text: str) -> tuple[str, str] | None:
    """ "/status@SomeBot ABC-1" → ("status", "ABC-1"); None when `text` is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, _, rest = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].casefold()
    return name, rest.strip()


async def handle_command(text: str, turn: Turn, ctx: Context, tickets: TicketLookup) -> Step:
    """Answer one command; dialog commands change the state, the others keep it."""
    parsed = parse_command(text)
    t = translator(turn.locale)
    name, argument = parsed if parsed else ("", "")
    action = COMMANDS.get(name)
    if action == "start":
        return intake.start(turn, ctx)
    if action == "menu":
        return intake.menu(turn, ctx)
    if action == "cancel":
        return intake.cancel(turn, ctx)
    if action == "language":
        return _language(turn, ctx, argument)
    if action == "help":
        return _keep(turn, ctx, help_text(turn, ctx))
    if action == "status":
        if argument:
            return _keep(turn, ctx, await _one_ticket(argument, tickets, ctx, t))
        return _keep(turn, ctx, await _recent_tickets(tickets, ctx, t))
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
    replies = [Outbound(text=text)]
    if turn.state is not State.IDLE:
        replies.append(intake.question_for(turn, ctx))
    return Step(state=turn.state, data=turn.data, locale=turn.locale, replies=replies)


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


def help_text(turn: Turn, ctx: Context) -> str:
    """The list of commands, and how to reach the office."""
    t = translator(turn.locale)
    lines = [
        t("Perintah yang tersedia:"),
        t("/layanan — daftar layanan"),
        t("/status — tiket terakhir Bapak/Ibu"),
        t("/status NOMOR — status satu tiket"),
        t("/batal — batalkan permohonan yang sedang diisi"),
        t("/kelengkapan — kirim kelengkapan yang diminta petugas"),
        t("/pengaduan — sampaikan pengaduan tentang layanan kami"),
        t("/bahasa — ganti bahasa (Indonesia/English)"),
        t("/bantuan — bantuan ini"),
        "",
        t('Bapak/Ibu juga dapat langsung mengetik kebutuhan, misalnya "internet kantor mati".'),
    ]
    phone = next((c for c in ctx.catalog.agency.contacts if c.kind in ("phone", "whatsapp")), None)
    if phone is not None:
        lines.append(
            t("Kontak {agency}: {contact}").format(
                agency=ctx.catalog.agency.short_name, contact=phone.value
            )
        )
    return "\n".join(lines)


def status_words(status: TicketStatus, t: Translator) -> str:
    """A ticket status in plain words."""
    words = {
        TicketStatus.BARU: t("Baru diterima, menunggu ditindaklanjuti"),
        TicketStatus.DIPROSES: t("Sedang diproses"),
        TicketStatus.MENUNGGU_PEMOHON: t("Menunggu tanggapan Bapak/Ibu"),
        TicketStatus.SELESAI: t("Selesai"),
        TicketStatus.DITOLAK: t("Ditolak"),
        TicketStatus.DIBATALKAN: t("Dibatalkan"),
    }
    return words.get(status, str(status))


def _service_name(ticket: TicketView, ctx: Context, t: Translator) -> str:
    if ticket.agency != ctx.catalog.agency.code:
        return ticket.service
    service = find_service(ctx.catalog, ticket.service)
    if service is None:
        return ticket.service
    name = service.name.get(t.locale)
    product = service.product(ticket.product)
    if product is not None:
        name = t("{service} ({product})").format(service=name, product=product.name.get(t.locale))
    return name


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
    if ticket.step is None or ticket.agency != ctx.catalog.agency.code:
        return None
    service = find_service(ctx.catalog, ticket.service)
    step = next((s for s in service.procedure if s.code == ticket.step), None) if service else None
    if step is None:
        return None
    role = next(
        (r for r in ctx.catalog.agency.roles if r.code == (ticket.assigned_role or step.role)), None
    )
    action = step.action.get(t.locale)
    return f"{action} ({role.name.get(t.locale)})" if role else action


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
