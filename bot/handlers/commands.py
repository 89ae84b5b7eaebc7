"""Every command, button prefix and form state, once, and `route`: the whole dispatch order.

A message goes, in this order, to:
1. the handler of its button's prefix (`of:ambil:BABEL-2026-00001` → officer actions); a button
   nobody claims is answered by the intake dialog (as expired, or as its own choice);
2. the handler of its command, for commands that answer even while a form is open
   (`before_forms`: officer commands, /pengaduan, /bantuan...);
3. the handler of the conversation's state (an officer's /selesai form, a requester answering
   /lengkapi, a complaint or a walk-in being filed);
4. the requester side, from a clean conversation if a form let go of it: the requester's
   dialog commands (/batal, /status...), an unknown command, or the intake dialog.

Adding a command: write its handler in the module of its family and add one `Command` to
`COMMANDS` below; /bantuan, Telegram's command menus and the README's lists follow from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from bot.callbacks import COMPLETION, OFFICER, prefix_of
from bot.dialogs import intake
from bot.dialogs.state import HANDLER_STATES, Context, State, Step, Turn
from bot.handlers import (
    complaints,
    completion,
    coordinator,
    linking,
    officer,
    privacy,
    requester,
    survey,
    walkin,
)
from bot.handlers.base import Handler, Request, keep_turn, parse_command
from bot.handlers.requester import DialogCommand, RequesterTickets, TicketLookup
from bot.messages import Outbound
from locales import Translator, translator

# A text in the reader's language, made when it is shown.
Wording = Callable[[Translator], str]


class Audience(StrEnum):
    """Who a command is for (its /bantuan list and its Telegram menu)."""

    REQUESTER = "requester"
    OFFICER = "officer"
    COORDINATOR = "coordinator"


@dataclass(frozen=True)
class Command:
    """One command: its names, who it is for, how /bantuan and the menus describe it, and what
    answers it.

    - `handler` answers with the database at hand; `dialog` is a requester command's answer
      from the conversation alone (the handler is made from it when not given).
    - `before_forms`: answered even while a form is open; False lets an open form take it first
      (so /batal ends the complaint being written rather than the intake dialog).
    """

    name: str
    audience: Audience
    usage: Wording | None = None  # its line in /bantuan; None: not listed there
    menu: Wording | None = None  # its description in Telegram's menu; None: not in the menu
    aliases: tuple[str, ...] = ()
    handler: Handler | None = None
    dialog: DialogCommand | None = None
    before_forms: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        """The name and every alias."""
        return (self.name, *self.aliases)

    async def answer(self, req: Request) -> Step | None:
        """The command's answer to `req` (None: let the rest of the dispatch answer)."""
        if self.handler is not None:
            return await self.handler(req)
        assert self.dialog is not None
        tickets = RequesterTickets(req.conn, req.requester_id)
        return await self.dialog(req.turn, req.ctx, req.argument, tickets)


_K = TypeVar("_K")
_V = TypeVar("_V")


def _unique(pairs: Iterable[tuple[_K, _V]], what: str) -> dict[_K, _V]:
    """A table from pairs; a key given twice is a mistake caught at import, not a silent win."""
    table: dict[_K, _V] = {}
    for key, value in pairs:
        if key in table:
            raise ValueError(f"{what} {key!r} is defined twice")
        table[key] = value
    return table


# --- /bantuan ---------------------------------------------------------------------------------


def requester_help(turn: Turn, ctx: Context) -> str:
    """The requester's commands, and how to reach the office."""
    t = translator(turn.locale)
    lines = [t("Perintah yang tersedia:")]
    lines += [c.usage(t) for c in COMMANDS if c.audience is Audience.REQUESTER and c.usage]
    lines += [
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


def officer_help(req: Request, roles: Iterable[str]) -> str:
    """The officers' commands (the coordinators' marked as theirs), and the officer's roles."""
    t = req.t
    staff = (Audience.OFFICER, Audience.COORDINATOR)
    lines = [t("Perintah petugas:")]
    lines += [c.usage(t) for c in COMMANDS if c.audience in staff and c.usage]
    lines += [
        "",
        t(
            "Nomor petugas (#12) tampil di /tiket. Tombol pada pemberitahuan tiket melakukan hal "
            "yang sama."
        ),
        t("Peran Bapak/Ibu: {roles}.").format(roles=officer.role_names(req, roles)),
        t("Perintah pemohon juga tetap dapat dipakai: /layanan, /status, /bahasa."),
    ]
    return "\n".join(lines)


async def _help_dialog(turn: Turn, ctx: Context, _argument: str, _tickets: TicketLookup) -> Step:
    """/bantuan without a database: the requester's help."""
    return keep_turn(turn, ctx, Outbound(requester_help(turn, ctx)))


async def show_help(req: Request) -> Step:
    """/bantuan: the officers' commands for an officer, the requester's for everyone else."""
    found = await req.officer()
    if found is None:
        return keep_turn(req.turn, req.ctx, Outbound(requester_help(req.turn, req.ctx)))
    return officer.say(req, officer_help(req, found.roles))


async def _status(req: Request) -> Step | None:
    """/status REF from an officer of the agency: the ticket's whole story (as /tiket), when
    they may see it; otherwise, and without REF, the requester's own tickets."""
    own = RequesterTickets(req.conn, req.requester_id)
    if req.argument and await req.officer() is not None and await own.find(req.argument) is None:
        return await officer.show_ticket(req)
    return await requester.status(req.turn, req.ctx, req.argument, own)


# --- the table --------------------------------------------------------------------------------

COMMANDS: tuple[Command, ...] = (
    # Requesters (in the order /bantuan and the menu show them).
    Command(
        "start",
        Audience.REQUESTER,
        menu=lambda t: t("Mulai percakapan"),
        aliases=("mulai",),
        dialog=requester.start,
        before_forms=False,
    ),
    Command(
        "layanan",
        Audience.REQUESTER,
        usage=lambda t: t("/layanan — daftar layanan"),
        menu=lambda t: t("Daftar layanan"),
        aliases=("menu", "services", "service"),
        dialog=requester.menu,
        before_forms=False,
    ),
    Command(
        "status",
        Audience.REQUESTER,
        usage=lambda t: (
            t("/status — tiket terakhir Bapak/Ibu") + "\n" + t("/status NOMOR — status satu tiket")
        ),
        menu=lambda t: t("Cek status tiket"),
        aliases=("cek",),
        handler=lambda req: _status(req),
        dialog=requester.status,
        before_forms=False,
    ),
    Command(
        "batal",
        Audience.REQUESTER,
        usage=lambda t: t("/batal — batalkan permohonan yang sedang diisi"),
        menu=lambda t: t("Batalkan permohonan yang sedang diisi"),
        aliases=("cancel",),
        dialog=requester.cancel,
        before_forms=False,
    ),
    Command(
        "kelengkapan",
        Audience.REQUESTER,
        usage=lambda t: t("/kelengkapan — kirim kelengkapan yang diminta petugas"),
        menu=lambda t: t("Kirim kelengkapan yang diminta petugas"),
        handler=completion.kelengkapan,
    ),
    Command(
        "pengaduan",
        Audience.REQUESTER,
        usage=lambda t: t("/pengaduan — sampaikan pengaduan tentang layanan kami"),
        menu=lambda t: t("Sampaikan pengaduan"),
        aliases=("aduan", "complaint"),
        handler=complaints.start,
    ),
    Command(
        "tautkan",
        Audience.REQUESTER,
        usage=lambda t: t(
            "/tautkan — tautkan akun chat Bapak/Ibu yang lain (Telegram/WhatsApp/web)"
        ),
        menu=lambda t: t("Tautkan akun chat yang lain"),
        handler=linking.link,
    ),
    Command(
        "survei",
        Audience.REQUESTER,
        usage=lambda t: t("/survei — isi survei kepuasan tiket yang sudah selesai"),
        menu=lambda t: t("Survei kepuasan"),
        aliases=("survey", "skm"),
        handler=survey.command,
    ),
    Command(
        "privasi",
        Audience.REQUESTER,
        usage=lambda t: t("/privasi — pemberitahuan perlindungan data pribadi"),
        menu=lambda t: t("Perlindungan data pribadi"),
        aliases=("privacy",),
        handler=privacy.notice,
    ),
    Command(
        "dataku",
        Audience.REQUESTER,
        usage=lambda t: t("/dataku — lihat semua data Bapak/Ibu yang kami simpan"),
        menu=lambda t: t("Data saya"),
        aliases=("mydata",),
        handler=privacy.my_data,
    ),
    Command(
        "bahasa",
        Audience.REQUESTER,
        usage=lambda t: t("/bahasa — ganti bahasa (Indonesia/English)"),
        menu=lambda t: t("Ganti bahasa (Indonesia/English)"),
        aliases=("language", "lang"),
        dialog=requester.language,
        before_forms=False,
    ),
    Command(
        "bantuan",
        Audience.REQUESTER,
        usage=lambda t: t("/bantuan — bantuan ini"),
        menu=lambda t: t("Bantuan"),
        aliases=("help",),
        handler=show_help,
        dialog=_help_dialog,
    ),
    # Officers: a one-time code binds the chat; then their work, in the order of a ticket's life.
    Command("daftar", Audience.OFFICER, handler=officer.register),
    Command(
        "antrian",
        Audience.OFFICER,
        usage=officer.usage("antrian"),
        menu=lambda t: t("Antrean tiket"),
        aliases=("antrean",),
        handler=officer.show_queue,
    ),
    Command(
        "tiket",
        Audience.OFFICER,
        usage=officer.usage("tiket"),
        menu=lambda t: t("Rincian tiket"),
        handler=officer.show_ticket,
    ),
    Command(
        "cari",
        Audience.OFFICER,
        usage=officer.usage("cari"),
        menu=lambda t: t("Cari tiket"),
        aliases=("search",),
        handler=officer.search_tickets,
    ),
    Command(
        "ambil",
        Audience.OFFICER,
        usage=officer.usage("ambil"),
        menu=lambda t: t("Ambil tiket"),
        handler=officer.take_ticket,
    ),
    Command(
        "disposisi",
        Audience.OFFICER,
        usage=officer.usage("disposisi"),
        menu=lambda t: t("Teruskan ke tahap berikutnya"),
        handler=officer.dispose_ticket,
    ),
    Command(
        "tugaskan",
        Audience.OFFICER,
        usage=officer.usage("tugaskan"),
        menu=lambda t: t("Tugaskan tahap ini"),
        handler=officer.assign_ticket,
    ),
    Command(
        "lengkapi",
        Audience.OFFICER,
        usage=officer.usage("lengkapi"),
        menu=lambda t: t("Minta kelengkapan kepada pemohon"),
        handler=officer.request_completion,
    ),
    Command(
        "tolak",
        Audience.OFFICER,
        usage=officer.usage("tolak"),
        menu=lambda t: t("Tolak permohonan"),
        handler=officer.reject_ticket,
    ),
    Command(
        "catatan",
        Audience.OFFICER,
        usage=officer.usage("catatan"),
        menu=lambda t: t("Catatan internal"),
        handler=officer.note_ticket,
    ),
    Command(
        "selesai",
        Audience.OFFICER,
        usage=officer.usage("selesai"),
        menu=lambda t: t("Berita Acara dan tutup tiket"),
        handler=officer.finish_ticket,
    ),
    Command(
        "datang",
        Audience.OFFICER,
        usage=officer.usage("datang"),
        menu=lambda t: t("Catat permohonan datang langsung"),
        aliases=("walkin",),
        handler=walkin.start,
    ),
    Command(
        "klasifikasi",
        Audience.OFFICER,
        usage=officer.usage("klasifikasi"),
        menu=lambda t: t("Klasifikasi pengaduan"),
        handler=complaints.classify_command,
    ),
    # Coordinators.
    Command(
        "laporan",
        Audience.COORDINATOR,
        usage=officer.usage("laporan"),
        menu=lambda t: t("Laporan SLA"),
        aliases=("report",),
        handler=coordinator.report,
    ),
    Command(
        "audit",
        Audience.COORDINATOR,
        usage=lambda t: t("/audit NOMOR — siapa saja yang melihat data pribadi tiket"),
        menu=lambda t: t("Catatan akses data tiket"),
        handler=coordinator.audit,
    ),
)

BY_NAME: Mapping[str, Command] = _unique(
    ((name, command) for command in COMMANDS for name in command.names), "command"
)
# Buttons: the prefix of their data → the handler of that family.
CHOICES: Mapping[str, Handler] = _unique(
    [
        (OFFICER, officer.on_tap),
        (COMPLETION, completion.answer_button),
        (complaints.PREFIX, complaints.on_choice),
        (complaints.CLASS_PREFIX, complaints.classify_choice),
        (walkin.PREFIX, walkin.on_choice),
        (survey.PREFIX, survey.on_choice),
    ],
    "button prefix",
)
# Conversations in a handler's form → that form's handler.
STATES: Mapping[State, Handler] = _unique(
    [
        (State.OFFICER_FORM, officer.on_form),
        (State.ANSWER_COMPLETION, completion.answer),
        (State.COMPLAINT, complaints.on_message),
        (State.WALKIN, walkin.on_message),
        (State.SURVEY, survey.on_message),
    ],
    "form state",
)
if set(STATES) != HANDLER_STATES:
    raise ValueError("every handler state needs exactly one handler")


def menu_for(audience: Audience) -> list[tuple[str, Wording]]:
    """(name, description) of the commands a chat of `audience` sees in Telegram's menu:
    requesters their own; officers theirs first, then the requester's."""
    staff = (Audience.OFFICER, Audience.COORDINATOR)
    wanted: Iterable[Command]
    if audience is Audience.REQUESTER:
        wanted = [c for c in COMMANDS if c.audience is Audience.REQUESTER]
    else:
        wanted = [c for c in COMMANDS if c.audience in staff] + [
            c for c in COMMANDS if c.audience is Audience.REQUESTER
        ]
    return [(c.name, c.menu) for c in wanted if c.menu is not None]


def markdown_lists() -> str:
    """The README's command lists, made from the table (a test keeps the README equal to it)."""
    t = translator("id")
    lines: list[str] = []
    for title, audiences in (
        ("Requesters (every channel):", (Audience.REQUESTER,)),
        ("Officers (in their bound chats):", (Audience.OFFICER, Audience.COORDINATOR)),
    ):
        lines.append(title)
        lines.append("")
        for command in COMMANDS:
            if command.audience not in audiences:
                continue
            if command.usage is not None:
                usage = command.usage(t)
            elif command.menu is not None:
                usage = f"/{command.name} — {command.menu(t).lower()}"
            else:
                usage = f"/{command.name}"
            aliases = ", ".join(f"/{a}" for a in command.aliases)
            for index, line in enumerate(usage.split("\n")):
                also = f" (also {aliases})" if aliases and index == 0 else ""
                lines.append(f"- `{line}`{also}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --- dispatch ---------------------------------------------------------------------------------


async def route(req: Request) -> Step:
    """The answer to one message (the order is this module's docstring)."""
    msg = req.msg
    if msg.choice is not None:
        tapped = CHOICES.get(prefix_of(msg.choice))
        if tapped is not None:
            found = await tapped(req)
            if found is not None:
                return found
        return _requester_side(req)
    if msg.attachment is None and (parsed := parse_command(req.text)) is not None:
        req.command, req.argument = parsed
        command = BY_NAME.get(req.command)
        if command is not None and command.before_forms:
            found = await command.answer(req)
            if found is not None:
                return found
    form = STATES.get(req.turn.state)
    if form is not None:
        found = await form(req)
        if found is not None:
            return found
    if req.command or (msg.attachment is None and req.text.startswith("/")):
        _leave_forms(req)
        command = BY_NAME.get(req.command)
        answered = await command.answer(req) if command and not command.before_forms else None
        return answered or requester.unknown(req.turn, req.ctx, req.command)
    return _requester_side(req)


def _leave_forms(req: Request) -> None:
    """A handler's form that let go of the message is over: the requester side starts clean."""
    if req.turn.state in HANDLER_STATES:
        req.turn = Turn(State.IDLE, {}, req.turn.locale)


def _requester_side(req: Request) -> Step:
    _leave_forms(req)
    return intake.step(req.turn, req.msg, req.ctx)


async def handle_command(text: str, turn: Turn, ctx: Context, tickets: TicketLookup) -> Step:
    """A requester's command answered from the conversation alone (no database): the dialog
    commands, and the unknown-command answer for everything else."""
    name, argument = parse_command(text) or ("", "")
    command = BY_NAME.get(name)
    if command is None or command.dialog is None:
        return requester.unknown(turn, ctx, name)
    return await command.dialog(turn, ctx, argument, tickets)
