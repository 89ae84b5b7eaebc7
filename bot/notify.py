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

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, assert_never

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import outbox_keys
from bot.callbacks import CompletionTap, OfficerAction, OfficerTap, choice, survey_tap
from bot.labels import format_moment, service_label, status_words, step_label
from bot.messages import Choice, Outbound, OutboundDocument
from bot.office import Desk
from core.catalog.schema import Catalog
from core.kinds import URGENT_NOTICES, NoticeKind
from core.tickets import TicketStatus
from core.workflow import Notice
from locales import Translator, normalize, translator
from storage import repositories as repo

# Tickets filed at a counter have no chat to answer on.
OFFLINE_CHANNELS = frozenset({"loket"})
# Words an officer-facing message from a translator (it is worded in the officer's language).
MessageFor = Callable[[Translator], Outbound]
WHATSAPP = "whatsapp"
# Meta's customer-service window is 24 hours; an hour's margin leaves time to tap.
WINDOW_FOR_INVITATIONS = timedelta(hours=23)
_REQUESTER_NOTICES = frozenset(
    {NoticeKind.STATUS, NoticeKind.REJECTED, NoticeKind.FINISHED, NoticeKind.COMPLETION_REQUESTED}
)


async def queue_notices(
    conn: AsyncConnection,
    *,
    desk: Desk,
    ticket: repo.TicketRecord,
    notices: Sequence[Notice],
    event_id: int,
    document: OutboundDocument | None = None,
) -> list[int]:
    """Queue one message per person the notices name; returns the new outbox ids."""
    ids: list[int] = []
    reached: set[str] = set()
    for notice in notices:
        if notice.recipient_kind == "requester":
            if outbox_keys.REQUESTER in reached or ticket.channel in OFFLINE_CHANNELS:
                continue
            reached.add(outbox_keys.REQUESTER)
            locale = await _requester_locale(conn, ticket, desk)
            message = render(notice, ticket, desk.catalog, translator(locale))
            if document is not None:
                message = Outbound(message.text, message.choices, document)
            queued = await repo.enqueue(
                conn,
                key=outbox_keys.notice(ticket.id, event_id, outbox_keys.REQUESTER),
                channel=ticket.channel,
                recipient=ticket.chat_id,
                payload=message.to_payload(),
                at=desk.now,
            )
            if queued is not None:
                ids.append(queued)
                desk.queued.append(queued)
            if notice.kind is NoticeKind.FINISHED and ticket.status is TicketStatus.SELESAI:
                invited = await invite_to_survey(
                    conn, desk=desk, ticket=ticket, t=translator(locale)
                )
                if invited is not None:
                    ids.append(invited)
            continue
        for officer_id in await recipients(conn, desk=desk, notice=notice):
            tag = outbox_keys.officer_tag(officer_id)
            if tag in reached or officer_id == notice.data.get("by"):
                # The officer who made the change (disposing to themselves) has the command's
                # answer already; a notice of their own action would only repeat it.
                continue
            reached.add(tag)
            queued = await queue_for_officer(
                conn,
                desk=desk,
                officer_id=officer_id,
                message_for=_renderer(notice, ticket, desk.catalog),
                key=outbox_keys.notice(ticket.id, event_id, tag),
                urgent=notice.kind in URGENT_NOTICES,
            )
            if queued is not None:
                ids.append(queued)
    return ids


async def invite_to_survey(
    conn: AsyncConnection, *, desk: Desk, ticket: repo.TicketRecord, t: Translator
) -> int | None:
    """Invite a finished ticket's requester to the satisfaction survey, once per ticket; the
    new outbox id, or None when they were invited before (bot.handlers.survey answers it).

    On WhatsApp outside the 24-hour window only a template could be sent, and a template
    carries no buttons: the invitation then waits for the requester's next message
    (`deferred_survey_invitation`)."""
    closed = ticket.channel == WHATSAPP and not await _in_window(conn, ticket, desk.now)
    invited = await repo.invite_survey(
        conn,
        ticket_id=ticket.id,
        requester_id=ticket.requester_id,
        agency=ticket.agency,
        service=ticket.service,
        at=desk.now,
        deferred=closed,
    )
    if not invited or closed:
        return None
    queued = await repo.enqueue(
        conn,
        key=outbox_keys.survey_invitation(ticket.id),
        channel=ticket.channel,
        recipient=ticket.chat_id,
        payload=survey_invitation(ticket.ref, t).to_payload(),
        at=desk.now,
    )
    if queued is not None:
        desk.queued.append(queued)
    return queued


async def deferred_survey_invitation(
    conn: AsyncConnection, *, requester_id: int, at: datetime, t: Translator
) -> Outbound | None:
    """The invitation that waited for this WhatsApp requester to write again, or None."""
    ref = await repo.take_deferred_survey(conn, requester_id=requester_id, at=at)
    return survey_invitation(ref, t) if ref is not None else None


async def _in_window(conn: AsyncConnection, ticket: repo.TicketRecord, now: datetime) -> bool:
    last = await repo.get_last_inbound_at(conn, channel=ticket.channel, external_id=ticket.chat_id)
    return last is not None and now - last < WINDOW_FOR_INVITATIONS


def survey_invitation(ref: str, t: Translator) -> Outbound:
    """The invitation to the survey about ticket `ref`: only a tap on "Isi survei" opens it."""
    return Outbound(
        t(
            "Bagaimana pelayanan kami untuk tiket {ref}? Mohon kesediaan Bapak/Ibu mengisi "
            "survei kepuasan: 9 pertanyaan singkat, cukup sentuh jawabannya (sekitar 1 menit)."
        ).format(ref=ref),
        (
            choice(survey_tap(f"go:{ref}"), t("Isi survei")),
            choice(survey_tap(f"no:{ref}"), t("Lain kali")),
        ),
    )


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
    message_for: MessageFor,
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
    message = message_for(t)
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


def _renderer(notice: Notice, ticket: repo.TicketRecord, catalog: Catalog) -> MessageFor:
    """The notice's message, for whichever language its reader turns out to speak."""
    return lambda t: render(notice, ticket, catalog, t)


def render(notice: Notice, ticket: repo.TicketRecord, catalog: Catalog, t: Translator) -> Outbound:
    """The message for one notice, in `t`'s language."""
    text = _words(notice, ticket, catalog, t)
    if notice.kind is NoticeKind.COMPLETION_REQUESTED:
        return Outbound(text, (Choice(CompletionTap(ticket.ref).pack(), t("Kirim kelengkapan")),))
    if notice.kind in _REQUESTER_NOTICES:
        return Outbound(text)
    return Outbound(text, officer_buttons(ticket, notice, t))


def _words(notice: Notice, ticket: repo.TicketRecord, catalog: Catalog, t: Translator) -> str:
    """The notice's text; every kind is worded (mypy checks the match is exhaustive)."""
    data = notice.data
    zone = catalog.agency.timezone
    ref = ticket.ref
    values: dict[str, Any] = {
        "ref": ref,
        "service": service_label(catalog, ticket.service, ticket.product, t),
        "step": step_label(catalog, ticket.service, str(data.get("step") or ticket.step), t),
        "when": _when(data.get("step_due_at"), zone, t),
    }
    match notice.kind:
        case NoticeKind.STATUS:
            return t("Tiket {ref}: {status}.").format(
                ref=ref, status=status_words(TicketStatus(data["status"]), t)
            )
        case NoticeKind.COMPLETION_REQUESTED:
            return t(
                "Petugas meminta kelengkapan untuk tiket {ref}:\n{message}\n\nSilakan balas pesan "
                "ini dengan jawaban atau dokumen yang diminta. Waktu penyelesaian dihentikan "
                "sementara sampai Bapak/Ibu menjawab."
            ).format(ref=ref, message=data.get("message", ""))
        case NoticeKind.REJECTED:
            return t(
                "Mohon maaf, permohonan {ref} tidak dapat kami proses.\nAlasan: {reason}"
            ).format(ref=ref, reason=data.get("reason", ""))
        case NoticeKind.FINISHED:
            return t(
                "Permohonan {ref} ({service}) telah selesai dikerjakan. Terlampir Berita Acara "
                "pekerjaan. Terima kasih telah menggunakan layanan kami."
            ).format(**values)
        case NoticeKind.NEW_TICKET:
            return t(
                "Tiket baru {ref}: {service}.\nTahap: {step}\nBatas tahap ini: {when}.\n"
                "Batas penyelesaian: {due}."
            ).format(**values, due=format_moment(ticket.due_at, zone, t))
        case NoticeKind.DISPOSITION:
            text = t(
                "Disposisi tiket {ref}: {service}.\nTahap: {step}\nBatas tahap ini: {when}."
            ).format(**values)
            if data.get("instruction"):
                # Formatted on its own: the officer's words may contain braces.
                text += "\n" + t("Instruksi: {instruction}").format(instruction=data["instruction"])
            return text
        case NoticeKind.ASSIGNED:
            return t(
                "Tiket {ref} ditugaskan kepada Bapak/Ibu: {service}.\nTahap: {step}\n"
                "Batas tahap ini: {when}."
            ).format(**values)
        case NoticeKind.UNASSIGNED:
            return t("Tiket {ref} telah dialihkan kepada petugas lain.").format(**values)
        case NoticeKind.REQUESTER_COMPLETED:
            return t(
                "Pemohon tiket {ref} telah melengkapi persyaratan; waktu penyelesaian berjalan "
                "kembali.\nTahap: {step}\nBatas tahap ini: {when}."
            ).format(**values)
        case NoticeKind.WARN_75:
            return t(
                "Pengingat: tiket {ref} ({service}) telah memakai 75% waktu tahap {step}. "
                "Batas: {when}."
            ).format(**values)
        case NoticeKind.WARN_1H:
            return t(
                "Pengingat: tiket {ref} ({service}) tahap {step} jatuh tempo dalam 1 jam kerja, "
                "pada {when}."
            ).format(**values)
        case NoticeKind.EVENT_SOON:
            return t(
                "Pengingat: acara tiket {ref} ({service}) dimulai {event}, sedangkan tiketnya "
                "masih pada tahap {step}."
            ).format(**values, event=_when(data.get("event_at"), zone, t))
        case NoticeKind.BREACH:
            return t(
                "Perhatian: tiket {ref} ({service}) melewati batas waktu tahap {step} ({when}). "
                "Mohon segera ditindaklanjuti."
            ).format(**values)
        case _:
            assert_never(notice.kind)


def officer_buttons(ticket: repo.TicketRecord, notice: Notice, t: Translator) -> tuple[Choice, ...]:
    """What an officer can do from the notification: take it, see it, pass it on."""
    if ticket.status.is_closed or notice.kind is NoticeKind.UNASSIGNED:
        return ()
    ref = ticket.ref
    buttons = []
    taking = (NoticeKind.NEW_TICKET, NoticeKind.DISPOSITION)
    if ticket.assigned_officer_id is None and notice.kind in taking:
        buttons.append(Choice(OfficerTap(OfficerAction.TAKE, ref).pack(), t("Ambil")))
    buttons.append(Choice(OfficerTap(OfficerAction.VIEW, ref).pack(), t("Rincian")))
    return tuple(buttons)


def _when(value: Any, zone: str, t: Translator) -> str:
    if not value:
        return "-"
    return format_moment(datetime.fromisoformat(str(value)), zone, t)


async def _requester_locale(conn: AsyncConnection, ticket: repo.TicketRecord, desk: Desk) -> str:
    record = await repo.load_conversation(conn, channel=ticket.channel, chat_id=ticket.chat_id)
    return normalize(record.locale) if record else desk.default_locale
