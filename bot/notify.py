"""Workflow notices (`core.workflow.Notice`) as outbox messages: who, in which chat, in which
words, with which buttons, and when.

- A notice to a role reaches every active officer holding it; nobody holding it, the agency's
  coordinators hear instead, so no step waits unseen.
- An officer is reached on the chat they bound last (one message per person, not per channel).
- The requester is reached on the chat the ticket came from, in that conversation's language.
- Each (ticket, event, recipient) is one outbox key, so a retried caller queues nothing twice
  and one person named twice by the same event (role and coordinators) gets one message.
- Officer messages that are not urgent wait for office hours; warnings and escalations do not.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dialogs.messages import Choice, Outbound, OutboundDocument
from bot.dialogs.values import format_moment
from bot.handlers.requester import status_words
from core.catalog.schema import Catalog
from core.complaints import find_service
from core.tickets import TicketStatus
from core.workflow import Notice
from locales import Translator, normalize, translator
from storage import repositories as repo

if TYPE_CHECKING:
    from bot.desk import Desk

# Tickets filed at a counter have no chat to answer on.
OFFLINE_CHANNELS = frozenset({"loket"})
URGENT_KINDS = frozenset({"warn-75", "warn-1h", "breach"})


async def queue_notices(
    conn: AsyncConnection,
    *,
    desk: Desk,
    ticket: repo.TicketRecord,
    notices: Sequence[Notice],
    key: str,
    document: OutboundDocument | None = None,
) -> list[int]:
    """Queue one message per person the notices name; returns the new outbox ids."""
    ids: list[int] = []
    reached: set[str] = set()
    for notice in notices:
        if notice.recipient_kind == "requester":
            if "rq" in reached or ticket.channel in OFFLINE_CHANNELS:
                continue
            reached.add("rq")
            locale = await _requester_locale(conn, ticket, desk)
            message = render(notice, ticket, desk.catalog, translator(locale))
            if document is not None:
                message = Outbound(message.text, message.choices, document)
            queued = await repo.enqueue(
                conn,
                key=f"n:{ticket.id}:{key}:rq",
                channel=ticket.channel,
                recipient=ticket.chat_id,
                payload=message.to_payload(),
                at=desk.now,
            )
            if queued is not None:
                ids.append(queued)
                desk.queued.append(queued)
            continue
        for officer_id in await recipients(conn, desk=desk, notice=notice):
            tag = f"o{officer_id}"
            if tag in reached or officer_id == notice.data.get("by"):
                # The officer who made the change (disposing to themselves) has the command's
                # answer already; a notice of their own action would only repeat it.
                continue
            reached.add(tag)
            queued = await queue_for_officer(
                conn,
                desk=desk,
                officer_id=officer_id,
                message_for=lambda t, n=notice: render(n, ticket, desk.catalog, t),
                key=f"n:{ticket.id}:{key}:{tag}",
                urgent=notice.kind in URGENT_KINDS,
            )
            if queued is not None:
                ids.append(queued)
    return ids


async def recipients(conn: AsyncConnection, *, desk: Desk, notice: Notice) -> list[int]:
    """The officer ids a non-requester notice reaches (coordinators when a role has nobody)."""
    if notice.recipient_kind == "officer":
        officer = await repo.get_officer(conn, officer_id=int(notice.recipient or 0))
        if officer is not None and officer.active:
            return [officer.id]
        role = str(notice.data.get("role") or "coordinator")
    elif notice.recipient_kind == "role":
        role = str(notice.recipient)
    else:
        role = "coordinator"
    found = await repo.officers_with_role(conn, agency=desk.agency, role=role)
    if not found and role != "coordinator":
        found = await repo.officers_with_role(conn, agency=desk.agency, role="coordinator")
    return [o.id for o in found]


async def queue_for_officer(
    conn: AsyncConnection,
    *,
    desk: Desk,
    officer_id: int,
    message_for: Any,
    key: str,
    urgent: bool,
) -> int | None:
    """Queue `message_for(translator)` on the officer's chat; None if unreachable or queued."""
    identities = await repo.officer_identities(conn, officer_id=officer_id)
    if not identities:
        return None
    chat = max(identities, key=lambda i: (i.bound_at is not None, i.bound_at))
    record = await repo.load_conversation(conn, channel=chat.channel, chat_id=chat.external_id)
    t = translator(normalize(record.locale) if record else desk.default_locale)
    message: Outbound = message_for(t)
    calendar = desk.calendar
    not_before = None
    if not urgent and not calendar.is_open(desk.now):
        not_before = calendar.next_opening(desk.now)
    queued = await repo.enqueue(
        conn,
        key=key,
        channel=chat.channel,
        recipient=chat.external_id,
        payload=message.to_payload(),
        at=desk.now,
        not_before=not_before,
    )
    if queued is not None:
        desk.queued.append(queued)
    return queued


# --- wording --------------------------------------------------------------------------------


def render(notice: Notice, ticket: repo.TicketRecord, catalog: Catalog, t: Translator) -> Outbound:
    """The message for one notice, in `t`'s language."""
    data = notice.data
    zone = catalog.agency.timezone
    ref = ticket.ref
    values: dict[str, Any] = {
        "ref": ref,
        "service": service_label(catalog, ticket.service, ticket.product, t),
        "step": step_label(catalog, ticket.service, str(data.get("step") or ticket.step), t),
        "when": _when(data.get("step_due_at"), zone, t),
    }
    kind = notice.kind
    extra = ""
    if kind == "status":
        return Outbound(
            t("Tiket {ref}: {status}.").format(
                ref=ref, status=status_words(TicketStatus(data["status"]), t)
            )
        )
    if kind == "completion-requested":
        text = t(
            "Petugas meminta kelengkapan untuk tiket {ref}:\n{message}\n\nSilakan balas pesan "
            "ini dengan jawaban atau dokumen yang diminta. Waktu penyelesaian dihentikan "
            "sementara sampai Bapak/Ibu menjawab."
        ).format(ref=ref, message=data.get("message", ""))
        return Outbound(text, (Choice(f"lk:{ref}", t("Kirim kelengkapan")),))
    if kind == "rejected":
        return Outbound(
            t("Mohon maaf, permohonan {ref} tidak dapat kami proses.\nAlasan: {reason}").format(
                ref=ref, reason=data.get("reason", "")
            )
        )
    if kind == "finished":
        return Outbound(
            t(
                "Permohonan {ref} ({service}) telah selesai dikerjakan. Terlampir Berita Acara "
                "pekerjaan. Terima kasih telah menggunakan layanan kami."
            ).format(**values)
        )
    if kind == "new-ticket":
        text = t("Tiket baru {ref}: {service}.\nTahap: {step}\nBatas tahap ini: {when}.")
    elif kind == "disposition":
        text = t("Disposisi tiket {ref}: {service}.\nTahap: {step}\nBatas tahap ini: {when}.")
        if data.get("instruction"):
            # Formatted on its own: the officer's words may contain braces.
            extra = "\n" + t("Instruksi: {instruction}").format(instruction=data["instruction"])
    elif kind == "assigned":
        text = t(
            "Tiket {ref} ditugaskan kepada Bapak/Ibu: {service}.\nTahap: {step}\n"
            "Batas tahap ini: {when}."
        )
    elif kind == "unassigned":
        text = t("Tiket {ref} telah dialihkan kepada petugas lain.")
    elif kind == "requester-completed":
        text = t(
            "Pemohon tiket {ref} telah melengkapi persyaratan; waktu penyelesaian berjalan "
            "kembali.\nTahap: {step}\nBatas tahap ini: {when}."
        )
    elif kind == "warn-75":
        text = t(
            "Pengingat: tiket {ref} ({service}) telah memakai 75% waktu tahap {step}. "
            "Batas: {when}."
        )
    elif kind == "warn-1h":
        text = t(
            "Pengingat: tiket {ref} ({service}) tahap {step} jatuh tempo dalam 1 jam kerja, "
            "pada {when}."
        )
    elif kind == "breach":
        text = t(
            "Perhatian: tiket {ref} ({service}) melewati batas waktu tahap {step} ({when}). "
            "Mohon segera ditindaklanjuti."
        )
    else:
        text = t("Ada perubahan pada tiket {ref}.")
    return Outbound(text.format(**values) + extra, officer_buttons(ticket, notice, t))


def officer_buttons(ticket: repo.TicketRecord, notice: Notice, t: Translator) -> tuple[Choice, ...]:
    """What an officer can do from the notification: take it, see it, pass it on."""
    if ticket.status.is_closed or notice.kind == "unassigned":
        return ()
    ref = ticket.ref
    buttons = []
    if ticket.assigned_officer_id is None and notice.kind in ("new-ticket", "disposition"):
        buttons.append(Choice(f"of:ambil:{ref}", t("Ambil")))
    buttons.append(Choice(f"of:tiket:{ref}", t("Rincian")))
    return tuple(buttons)


def service_label(catalog: Catalog, service: str, product: str | None, t: Translator) -> str:
    """ "Jaringan Intra Pemerintah (Perbaikan)" in `t`'s language; the code if unknown."""
    found = find_service(catalog, service)
    if found is None:
        return service
    name = found.name.get(t.locale)
    chosen = found.product(product)
    if chosen is not None:
        name = t("{service} ({product})").format(service=name, product=chosen.name.get(t.locale))
    return name


def step_label(catalog: Catalog, service: str, step: str | None, t: Translator) -> str:
    """A procedure step in words ("Disposisi Kepala Dinas"); the code if unknown."""
    found = find_service(catalog, service)
    for candidate in found.procedure if found else []:
        if candidate.code == step:
            return candidate.action.get(t.locale)
    return step or "-"


def role_label(catalog: Catalog, role: str, t: Translator) -> str:
    """A role's name in `t`'s language; the code if unknown."""
    for candidate in catalog.agency.roles:
        if candidate.code == role:
            return candidate.name.get(t.locale)
    return role


def _when(value: Any, zone: str, t: Translator) -> str:
    if not value:
        return "-"
    return format_moment(datetime.fromisoformat(str(value)), zone, t)


async def _requester_locale(conn: AsyncConnection, ticket: repo.TicketRecord, desk: Desk) -> str:
    record = await repo.load_conversation(conn, channel=ticket.channel, chat_id=ticket.chat_id)
    return normalize(record.locale) if record else desk.default_locale
