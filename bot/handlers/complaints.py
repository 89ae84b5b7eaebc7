"""Public complaints about the service (/pengaduan): filed, classified and routed to the
complaints officer.

Anyone may complain (`/pengaduan`, `/aduan`, `/complaint`): which service it is about (or the
agency in general), what happened, an optional contact, then a confirmation. The ticket goes to
the "pengaduan" procedure (`core.complaints`) with the shortest class's limit; an officer's
`/klasifikasi ID` sets its class and so its due, and the requester is told the new limit.
Conversation data in State.COMPLAINT: {"stage", "about", "text", "contact"}.
"""

from __future__ import annotations

from datetime import timedelta

from bot import notify, outbox_keys
from bot.callbacks import ClassTap, FormTap, choice
from bot.desk import UnknownService, commit_transition, file_ticket, workflow_ticket
from bot.dialogs.state import State, Step
from bot.dialogs.typed import read_choice, simplify
from bot.dialogs.values import FieldContext, ValueProblem, normalize_phone, validate
from bot.handlers.base import Request, idle, keep
from bot.handlers.forms import (
    WORDS,
    ComplaintForm,
    complaint_form,
    form_tap,
    form_words,
    interruption,
)
from bot.labels import describe_sla, format_moment
from bot.messages import Outbound
from core.catalog.schema import Catalog, ComplaintClass, FieldSpec, FieldType, LText
from core.complaints import (
    CLASSIFIED,
    COMPLAINT_SERVICE,
    LIMIT_SET,
    classes_for,
    complaint_service,
    limit_due,
    provisional_class,
    set_limit,
)
from core.tickets import normalize_ref
from core.workflow import WorkflowError, complaint_role
from locales import Translator, normalize, translator
from storage import repositories as repo

PREFIX = "pg"
CLASS_PREFIX = "kl"  # bot.callbacks.CLASSIFY
GENERAL = "-"  # "about the agency in general" in pg:about:-
MIN_TEXT = 10
MAX_TEXT = 3000
MAX_CONTACT = 120

_EMAIL = FieldSpec(
    code="email", label=LText({"id": "Email"}), prompt=LText({"id": "Email"}), type=FieldType.EMAIL
)


# --- filing a complaint ---------------------------------------------------------------------


async def start(req: Request) -> Step | None:
    """`/pengaduan [text]`: start a complaint (any dialog in progress is dropped)."""
    t = req.t
    catalog = req.desk.catalog
    if complaint_service(catalog) is None:
        return keep(req, t("Maaf, pengaduan belum dapat kami terima melalui percakapan ini."))
    data: ComplaintForm = {"stage": "about"}
    typed = req.argument.strip()
    if MIN_TEXT <= len(typed) <= MAX_TEXT:
        data["text"] = typed  # "/pengaduan wifi mati" already says what happened
    intro = t(
        "Kami siap menerima pengaduan Bapak/Ibu tentang pelayanan {agency}. Setiap pengaduan "
        "kami catat dan tindak lanjuti."
    ).format(agency=catalog.agency.short_name)
    return _ask(req, data, intro)


async def on_choice(req: Request) -> Step | None:
    """A button of the form."""
    return await form_tap(req, state=State.COMPLAINT, question=_question, ask=_ask, apply=_apply)


async def on_message(req: Request) -> Step | None:
    """Text (or a file) while a complaint is being written."""
    t = req.t
    data = complaint_form(req.turn.data)
    interrupted, answer = interruption(req, data, ask=_ask, cancel=_cancel)
    if interrupted:
        return answer
    text = req.text
    stage = data.get("stage")
    if stage == "text":
        # Whatever is typed here is the complaint, unless it only says "batal".
        return _cancel(req) if simplify(text) in WORDS["cancel"] else _answer_text(req, text)
    picked = read_choice(text, _question(req, data).choices, form_words(WORDS))
    if stage == "contact" and picked is None:
        return _answer_contact(req, text)
    if picked is not None:
        return await _apply(req, picked)
    return _ask(req, data, t("Mohon pilih salah satu tombol yang tersedia."))


async def _apply(req: Request, picked: str) -> Step:
    data = complaint_form(req.turn.data)
    action = FormTap.read(picked).action
    if action == "cancel":
        return _cancel(req)
    if action.startswith("about:"):
        code = action[len("about:") :]
        data["about"] = None if code == GENERAL else code
        data["stage"] = "contact" if data.get("text") else "text"
        return _ask(req, data)
    if action == "skip":
        data["contact"] = None
        data["stage"] = "confirm"
        return _ask(req, data)
    if action == "send":
        return await _file(req)
    return _ask(req, data)  # pragma: no cover - every button of the dialog is handled above


def _answer_text(req: Request, text: str) -> Step:
    t = req.t
    data = complaint_form(req.turn.data)
    if len(text) > MAX_TEXT:
        note = t("Jawaban terlalu panjang (paling banyak {max} karakter).").format(max=MAX_TEXT)
        return _ask(req, data, note)
    if len(text) < MIN_TEXT or not any(ch.isalpha() for ch in text):
        return _ask(
            req,
            data,
            t("Mohon ceritakan pengaduan Bapak/Ibu sedikit lebih lengkap agar dapat kami telaah."),
        )
    data["text"] = text
    data["stage"] = "contact"
    return _ask(req, data)


def _answer_contact(req: Request, text: str) -> Step:
    t = req.t
    data = complaint_form(req.turn.data)
    contact = normalize_phone(text)
    if contact is None and "@" in text:
        try:
            contact = validate(_EMAIL, text, _field_context(req), t)
        except ValueProblem:
            contact = None
    if contact is None or len(contact) > MAX_CONTACT:
        return _ask(
            req,
            data,
            t(
                "Nomor telepon atau email tersebut belum benar, contoh: 081234567890 atau "
                "nama@contoh.id."
            ),
        )
    data["contact"] = contact
    data["stage"] = "confirm"
    return _ask(req, data)


def _cancel(req: Request) -> Step:
    t = req.t
    return idle(req, t("Pengaduan dibatalkan. Tidak ada tiket yang dibuat."))


async def _file(req: Request) -> Step:
    """Create the complaint ticket with its provisional limit and tell the requester both."""
    t = req.t
    desk = req.desk
    data = complaint_form(req.turn.data)
    about = data.get("about")
    if about is not None and desk.catalog.service(about) is None:
        about = None  # the catalog changed since the question was asked
    record = await file_ticket(
        req.conn,
        desk=desk,
        service=COMPLAINT_SERVICE,
        product=None,
        fields={"tentang": about, "isi_pengaduan": data.get("text"), "kontak": data.get("contact")},
        requirements={},
        requester_id=req.requester_id,
        channel=req.msg.channel,
        chat_id=req.msg.chat_id,
    )
    limit = provisional_class(desk.catalog, about, desk.calendar, desk.now)
    if limit is not None:
        record = await _set_limit(req, record, limit.code, about, by=None)
    zone = desk.catalog.agency.timezone
    lines = [
        t("Terima kasih. Pengaduan Bapak/Ibu sudah kami terima dengan nomor tiket {ref}.").format(
            ref=record.ref
        )
    ]
    when = format_moment(record.due_at, zone, t)
    if limit is not None:
        lines.append(
            t("Pengaduan akan kami tanggapi paling lambat {limit}, yaitu {when}.").format(
                limit=describe_sla(limit.limit, t), when=when
            )
        )
        lines.append(
            t(
                "Bila setelah ditelaah pengaduan ini memerlukan pemeriksaan lebih lanjut, batas "
                "waktunya dapat lebih panjang; kami akan memberi tahu Bapak/Ibu."
            )
        )
    else:
        lines.append(t("Batas waktu penyelesaian: {when}.").format(when=when))
        if classes_for(desk.catalog, about):
            lines.append(
                t(
                    "Setelah pengaduan ditelaah dan diklasifikasikan, batas waktunya dapat "
                    "berubah; kami akan memberi tahu Bapak/Ibu."
                )
            )
    lines.append(
        t("Simpan nomor tiket ini. Cek perkembangannya kapan saja dengan /status {ref}.").format(
            ref=record.ref
        )
    )
    return idle(req, "\n".join(lines))


# --- the questions --------------------------------------------------------------------------


def _ask(req: Request, data: ComplaintForm, note: str | None = None) -> Step:
    question = _question(req, data)
    text = f"{note}\n\n{question.text}" if note else question.text
    return Step(
        state=State.COMPLAINT,
        data=dict(data),
        locale=req.turn.locale,
        replies=[Outbound(text=text, choices=question.choices)],
    )


def _question(req: Request, data: ComplaintForm) -> Outbound:
    """The question the complaint dialog is waiting on."""
    t = req.t
    catalog = req.desk.catalog
    cancel = choice(FormTap(PREFIX, "cancel").pack(), t("Batal"))
    stage = data.get("stage")
    if stage == "text":
        return Outbound(
            text=t(
                "Mohon sampaikan isi pengaduan Bapak/Ibu: apa yang terjadi, kapan, dan di mana."
            ),
            choices=(cancel,),
        )
    if stage == "contact":
        return Outbound(
            text=t(
                "Nomor telepon atau email yang dapat kami hubungi? (Boleh dilewati; kami tetap "
                "membalas melalui percakapan ini.)"
            ),
            choices=(choice(FormTap(PREFIX, "skip").pack(), t("Lewati")), cancel),
        )
    if stage == "confirm":
        lines = [t("Mohon periksa kembali pengaduan Bapak/Ibu:"), ""]
        lines.append(
            t("Tentang: {value}").format(value=_about_label(catalog, data.get("about"), t))
        )
        lines.append(t("Isi pengaduan: {value}").format(value=data.get("text", "")))
        lines.append(t("Kontak: {value}").format(value=data.get("contact") or t("(dilewati)")))
        lines += ["", t("Kirim pengaduan ini?")]
        return Outbound(
            text="\n".join(lines),
            choices=(choice(FormTap(PREFIX, "send").pack(), t("Kirim")), cancel),
        )
    services = [s for s in catalog.services if s.code != COMPLAINT_SERVICE]
    return Outbound(
        text=t("Pengaduan ini tentang layanan apa?"),
        choices=(
            *(
                choice(
                    FormTap(PREFIX, f"about:{s.code}").pack(),
                    (s.short_name or s.name).get(t.locale),
                )
                for s in services
            ),
            choice(FormTap(PREFIX, f"about:{GENERAL}").pack(), t("Lainnya/umum")),
            cancel,
        ),
    )


def _about_label(catalog: Catalog, about: str | None, t: Translator) -> str:
    service = catalog.service(about) if about else None
    if service is None:
        return t("Pelayanan secara umum")
    return service.name.get(t.locale)


def _field_context(req: Request) -> FieldContext:
    return FieldContext(now=req.desk.now, zone=req.desk.calendar.zone)


# --- classification (officers) --------------------------------------------------------------


def class_label(code: str, t: Translator) -> str:
    """A complaint class's short name, for buttons."""
    labels = {
        "ringan": t("Ringan"),
        "normatif": t("Normatif"),
        "tidak-berkadar-pengawasan": t("Tidak berkadar pengawasan"),
        "berkadar-pengawasan": t("Berkadar pengawasan"),
    }
    return labels.get(code, code)


async def classify_command(req: Request) -> Step | None:
    """`/klasifikasi ID`: show the complaint and one button per class."""
    t = req.t
    if not req.argument:
        officer = await req.officer()
        if officer is None:
            return keep(req, _officers_only(t))
        return keep(
            req,
            t("Ketik /klasifikasi NOMOR-TIKET, misalnya /klasifikasi {example}.").format(
                example=f"{req.desk.catalog.agency.prefix}-{req.desk.now.year}-00001"
            ),
        )
    found = await _classifiable(req, req.argument.split()[0])
    if isinstance(found, str):
        return keep(req, found)
    record = found
    catalog = req.desk.catalog
    about = record.fields.get("tentang")
    current = await _current_class(req, record.id)
    lines = [
        t("Pengaduan {ref}").format(ref=record.ref),
        t("Tentang: {value}").format(value=_about_label(catalog, about, t)),
    ]
    text = record.fields.get("isi_pengaduan")
    if text:
        lines.append(t("Isi pengaduan: {value}").format(value=text))
    if current is not None:
        code, provisional = current
        label = class_label(code, t)
        if provisional:
            lines.append(t("Klasifikasi sementara: {value}").format(value=label))
        else:
            lines.append(t("Klasifikasi: {value}").format(value=label))
    lines += ["", t("Pilih klasifikasi pengaduan ini:")]
    buttons = tuple(
        choice(
            ClassTap(record.ref, c.code).pack(),
            t("{name} ({limit})").format(
                name=class_label(c.code, t), limit=describe_sla(c.limit, t)
            ),
        )
        for c in classes_for(catalog, about)
    )
    return Step(
        state=req.turn.state,
        data=req.turn.data,
        locale=req.turn.locale,
        replies=[Outbound(text="\n".join(lines), choices=buttons)],
    )


async def classify_choice(req: Request) -> Step | None:
    """ "kl:REF:CLASS": set the complaint's class, its due time, and tell the requester."""
    t = req.t
    tap = ClassTap.read(req.msg.choice or "")
    if tap is None:
        return keep(req, t("Maaf, pilihan ini sudah tidak berlaku."))
    ref, code = tap.ref, tap.class_code
    found = await _classifiable(req, ref)
    if isinstance(found, str):
        return keep(req, found)
    record = found
    about = record.fields.get("tentang")
    chosen = next((c for c in classes_for(req.desk.catalog, about) if c.code == code), None)
    if chosen is None:
        return keep(req, t("Maaf, pilihan ini sudah tidak berlaku."))
    officer = await req.officer()
    assert officer is not None  # _classifiable checked
    try:
        updated = await _set_limit(req, record, code, about, by=officer.id)
    except (UnknownService, WorkflowError):
        return keep(
            req,
            t("Maaf, tiket {ref} tidak dapat diklasifikasikan saat ini.").format(ref=record.ref),
        )
    await _tell_requester(req, updated, chosen)
    zone = req.desk.catalog.agency.timezone
    return keep(
        req,
        t(
            "Pengaduan {ref} diklasifikasikan sebagai {name}. Batas waktu penyelesaian: {when}."
        ).format(
            ref=updated.ref,
            name=class_label(code, t),
            when=format_moment(updated.due_at, zone, t),
        ),
    )


def _officers_only(t: Translator) -> str:
    return t("Maaf, perintah ini hanya untuk petugas.")


async def _classifiable(req: Request, typed: str) -> repo.TicketRecord | str:
    """The locked complaint this officer may classify, or the polite reason why not."""
    t = req.t
    officer = await req.officer()
    if officer is None:
        return _officers_only(t)
    ref = normalize_ref(typed)
    record = await repo.lock_ticket(req.conn, ref=ref) if ref else None
    if record is None or record.agency != req.desk.agency:
        return t("Tiket {ref} tidak ditemukan.").format(ref=ref or typed.strip()[:40])
    if record.service != COMPLAINT_SERVICE:
        return t("Tiket {ref} bukan pengaduan, jadi tidak perlu diklasifikasikan.").format(
            ref=record.ref
        )
    if record.status.is_closed:
        return t("Tiket {ref} sudah ditutup.").format(ref=record.ref)
    allowed = {"coordinator", complaint_role(req.desk.catalog.agency)}
    if record.assigned_role:
        allowed.add(record.assigned_role)
    if not allowed & set(officer.roles):
        return t(
            "Maaf, pengaduan {ref} hanya dapat diklasifikasikan oleh petugas yang menanganinya "
            "atau koordinator."
        ).format(ref=record.ref)
    return record


async def _current_class(req: Request, ticket_id: int) -> tuple[str, bool] | None:
    """The complaint's class as last set, and whether it is still the provisional one."""
    events = await repo.list_events(req.conn, ticket_id=ticket_id)
    found = [e for e in events if e.kind in (LIMIT_SET, CLASSIFIED)]
    if not found:
        return None
    last = found[-1]
    return str(last.data.get("class")), last.kind == LIMIT_SET


async def _set_limit(
    req: Request,
    record: repo.TicketRecord,
    class_code: str,
    about: str | None,
    *,
    by: int | None,
) -> repo.TicketRecord:
    """Move the complaint's due to its class's limit, counted from when it was received."""
    desk = req.desk
    due = limit_due(
        desk.catalog,
        about,
        class_code,
        desk.calendar,
        received=record.created_at,
        paused=timedelta(seconds=record.paused_seconds),
    )
    ticket = workflow_ticket(record, desk)
    service = desk.service(record.service)
    step = next((s for s in service.procedure if s.code == ticket.step), None) if service else None
    transition = set_limit(
        ticket,
        due=due,
        class_code=class_code,
        provisional=by is None,
        moves_step=step is not None and step.uses_service_sla,
        at=desk.now,
        by=by,
    )
    return await commit_transition(req.conn, desk=desk, record=record, transition=transition)


async def _tell_requester(req: Request, record: repo.TicketRecord, chosen: ComplaintClass) -> None:
    """Queue the requester's message about the class and its limit (not for counter tickets)."""
    if record.channel in notify.OFFLINE_CHANNELS:
        return
    conversation = await repo.load_conversation(
        req.conn, channel=record.channel, chat_id=record.chat_id
    )
    t = translator(normalize(conversation.locale) if conversation else req.desk.default_locale)
    events = await repo.list_events(req.conn, ticket_id=record.id)
    text = t(
        "Pengaduan {ref} telah kami telaah dan termasuk {name}. Batas waktu penyelesaiannya "
        "{limit}, paling lambat {when}."
    ).format(
        ref=record.ref,
        name=chosen.name.get(t.locale).lower(),
        limit=describe_sla(chosen.limit, t),
        when=format_moment(record.due_at, req.desk.catalog.agency.timezone, t),
    )
    # One message per (ticket, event, recipient), as bot.notify keys them.
    await repo.enqueue(
        req.conn,
        key=outbox_keys.notice(record.id, events[-1].id, outbox_keys.REQUESTER),
        channel=record.channel,
        recipient=record.chat_id,
        payload=Outbound(text=text).to_payload(),
        at=req.desk.now,
    )
