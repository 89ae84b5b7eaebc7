"""Walk-in requests ("datang langsung"): an officer files a ticket on a requester's behalf.

`/datang` (`/walkin`), by any officer of the agency: the service and product, the requester's
name and phone (optional), the service's own fields (validated as in the intake dialog), whether
each required document was handed in at the counter, then a confirmation. The ticket is filed on
the offline channel "loket" for a requester known by phone (or a new one per visit), so notices
meant for the requester are not sent to anybody's chat.
Conversation data in State.WALKIN: {"form": "walkin", "stage", "key", "service", "product",
"name", "phone", "answers", "docs", "field", "doc"}.
"""

from __future__ import annotations

import uuid

from bot.callbacks import FormTap, choice
from bot.desk import UnknownService, file_ticket
from bot.dialogs.state import State, Step
from bot.dialogs.typed import read_choice, simplify
from bot.dialogs.values import (
    FieldContext,
    ValueProblem,
    agency_email_domains,
    example_answer,
    normalize_phone,
    validate,
)
from bot.handlers.base import Request, keep
from bot.handlers.forms import WORDS, WalkinForm, form_tap, form_words, interruption, walkin_form
from bot.labels import describe_sla, format_moment, show_answer, show_phone
from bot.messages import Choice, Outbound
from core.catalog.schema import FieldSpec, FieldType, Requirement, Service
from core.workflow import published_times
from locales import Translator
from storage import repositories as repo

PREFIX = "wi"
CHANNEL = "loket"
MAX_NAME = 120
# Catalog fields that are the requester's own name and phone: filled from the first answers.
NAME_FIELD = "nama"
PHONE_FIELD = "kontak"

_WALKIN_WORDS: dict[str, set[str]] = {
    **WORDS,
    "doc:yes": {"sudah", "ya", "iya", "ada", "diterima", "yes"},
    "doc:no": {"belum", "tidak", "tidak ada", "no"},
}


async def start(req: Request) -> Step | None:
    """`/datang`: an officer of this agency starts a walk-in request (others are refused)."""
    t = req.t
    if await req.officer() is None:
        return keep(req, t("Maaf, perintah /datang hanya untuk petugas layanan."))
    data: WalkinForm = {"form": "walkin", "key": uuid.uuid4().hex[:16]}
    return _advance(req, data, t("Permohonan datang langsung (diisi oleh petugas)."))


async def on_choice(req: Request) -> Step | None:
    """A button of the form."""
    return await form_tap(req, state=State.WALKIN, question=_question, ask=_ask, apply=_apply)


async def on_message(req: Request) -> Step | None:
    """Text (or a file) while the walk-in form is open."""
    t = req.t
    data = walkin_form(req.turn.data)
    interrupted, answer = interruption(req, data, ask=_ask, cancel=_cancel)
    if interrupted:
        return answer
    text = req.text
    stage = data.get("stage")
    if simplify(text) in WORDS["cancel"]:
        return _cancel(req)
    question = _question(req, data)
    if stage == "name":
        return _answer_name(req, text)
    if stage == "phone":
        picked = read_choice(text, question.choices, form_words(_WALKIN_WORDS))
        return await _apply(req, picked) if picked else _answer_phone(req, text)
    if stage == "field":
        service = _service(req, data)
        spec = _field(data, service) if service else None
        if spec is not None and spec.type is not FieldType.CHOICE:
            if not spec.required and simplify(text) in WORDS["skip"]:
                return await _apply(req, FormTap(PREFIX, "skip").pack())
            return _answer_field(req, spec, text)
    picked = read_choice(text, question.choices, form_words(_WALKIN_WORDS))
    if picked is not None:
        return await _apply(req, picked)
    return _ask(req, data, t("Mohon pilih salah satu tombol yang tersedia."))


# --- answers --------------------------------------------------------------------------------


async def _apply(req: Request, picked: str) -> Step:
    data = walkin_form(req.turn.data)
    action = FormTap.read(picked).action
    service = _service(req, data)
    if action == "cancel":
        return _cancel(req)
    if action == "send":
        return await _file(req)
    if action.startswith("svc:"):
        data = {"form": "walkin", "key": str(data.get("key") or ""), "service": action[4:]}
        return _advance(req, data)
    if action.startswith("prd:"):
        data["product"] = action[4:]
        return _advance(req, data)
    if data.get("stage") == "phone" and action == "skip":
        data["phone"] = None
        return _advance(req, data)
    if data.get("stage") == "field" and service is not None:
        spec = _field(data, service)
        if spec is not None:
            value = None if action == "skip" else action.removeprefix("fld:")
            data["answers"] = {**data.get("answers", {}), spec.code: value}
            return _advance(req, data)
    if data.get("stage") == "doc" and action.startswith("doc:"):
        received = {"kind": "loket"} if action == "doc:yes" else None
        data["docs"] = {**data.get("docs", {}), str(data.get("doc")): received}
        return _advance(req, data)
    return _advance(req, data)


def _answer_name(req: Request, text: str) -> Step:
    t = req.t
    data = walkin_form(req.turn.data)
    name = " ".join(text.split())
    if not any(ch.isalpha() for ch in name) or len(name) > MAX_NAME:
        return _ask(
            req,
            data,
            t("Mohon tulis nama pemohon dengan huruf (paling banyak {max} karakter).").format(
                max=MAX_NAME
            ),
        )
    data["name"] = name
    return _advance(req, data)


def _answer_phone(req: Request, text: str) -> Step:
    t = req.t
    data = walkin_form(req.turn.data)
    phone = normalize_phone(text)
    if phone is None:
        return _ask(req, data, t("Nomor telepon tersebut belum benar, contoh: 081234567890."))
    data["phone"] = phone
    return _advance(req, data)


def _answer_field(req: Request, spec: FieldSpec, text: str) -> Step:
    t = req.t
    data = walkin_form(req.turn.data)
    try:
        value = validate(spec, text, _field_context(req), t)
    except ValueProblem as problem:
        return _ask(req, data, problem.message)
    data["answers"] = {**data.get("answers", {}), spec.code: value}
    return _advance(req, data)


def _cancel(req: Request) -> Step:
    t = req.t
    return Step(
        state=State.IDLE,
        data={},
        locale=req.turn.locale,
        replies=[
            Outbound(text=t("Permohonan datang langsung dibatalkan. Tidak ada tiket dibuat."))
        ],
    )


async def _file(req: Request) -> Step:
    """File the ticket for the walk-in requester, by the officer, on the offline channel."""
    t = req.t
    desk = req.desk
    data = walkin_form(req.turn.data)
    officer = await req.officer()
    if officer is None:
        return _cancel(req)
    service = _service(req, data)
    if service is None:
        return _advance(req, {"form": "walkin", "key": str(data.get("key") or "")})
    phone = data.get("phone")
    # A requester with a phone is the same person on the next visit; without one, each visit
    # is a requester of its own (nothing else identifies them).
    external_id = phone or f"walkin-{data.get('key') or uuid.uuid4().hex[:16]}"
    requester_id = await repo.get_or_create_requester(
        req.conn,
        channel=CHANNEL,
        external_id=external_id,
        display_name=data.get("name"),
        at=desk.now,
        locale=desk.default_locale,
    )
    fields = dict(data.get("answers", {}))
    fields.setdefault(NAME_FIELD, data.get("name"))
    if phone:
        fields.setdefault(PHONE_FIELD, phone)
    try:
        record = await file_ticket(
            req.conn,
            desk=desk,
            service=service.code,
            product=data.get("product"),
            fields=fields,
            requirements=dict(data.get("docs", {})),
            requester_id=requester_id,
            channel=CHANNEL,
            chat_id=external_id,
            by=officer.id,
        )
    except UnknownService:
        return _advance(req, {"form": "walkin", "key": str(data.get("key") or "")})
    zone = desk.catalog.agency.timezone
    lines = [
        t("Tiket {ref} sudah dibuat untuk {name}.").format(ref=record.ref, name=data.get("name")),
        t("Batas waktu penyelesaian: {when}.").format(when=format_moment(record.due_at, zone, t)),
        t("Sampaikan nomor tiket ini kepada pemohon untuk menanyakan perkembangannya."),
    ]
    return Step(
        state=State.IDLE, data={}, locale=req.turn.locale, replies=[Outbound("\n".join(lines))]
    )


# --- the form -------------------------------------------------------------------------------


def _service(req: Request, data: WalkinForm) -> Service | None:
    code = data.get("service")
    return req.desk.catalog.service(code) if code else None


def _field(data: WalkinForm, service: Service | None) -> FieldSpec | None:
    if service is None:
        return None
    return next(
        (f for f in service.fields_for(data.get("product")) if f.code == data.get("field")), None
    )


def _requirement(data: WalkinForm, service: Service | None) -> Requirement | None:
    if service is None:
        return None
    return next(
        (r for r in service.requirements_for(data.get("product")) if r.code == data.get("doc")),
        None,
    )


def _pending(data: WalkinForm, service: Service | None) -> WalkinForm:
    """The data with "stage" (and "field"/"doc") set to the first thing still missing."""
    data = walkin_form({k: v for k, v in data.items() if k not in ("stage", "field", "doc")})
    if service is None:
        return {**data, "stage": "service"}
    product = data.get("product")
    if service.products and service.product(product) is None:
        return {**data, "stage": "product"}
    if "name" not in data:
        return {**data, "stage": "name"}
    if "phone" not in data:
        return {**data, "stage": "phone"}
    answers = dict(data.get("answers", {}))
    known = {NAME_FIELD: data.get("name"), PHONE_FIELD: data.get("phone")}
    for spec in service.fields_for(product):
        # The name and phone just asked answer the catalog's own fields for them.
        value = known.get(spec.code)
        if spec.code not in answers and value and spec.type in (FieldType.TEXT, FieldType.PHONE):
            answers[spec.code] = value
    data["answers"] = answers
    for spec in service.fields_for(product):
        if spec.code not in answers:
            return {**data, "stage": "field", "field": spec.code}
    docs = data.setdefault("docs", {})
    for requirement in service.requirements_for(product):
        if requirement.code not in docs:
            return {**data, "stage": "doc", "doc": requirement.code}
    return {**data, "stage": "confirm"}


def _advance(req: Request, data: WalkinForm, note: str | None = None) -> Step:
    return _ask(req, _pending(data, _service(req, data)), note)


def _ask(req: Request, data: WalkinForm, note: str | None = None) -> Step:
    question = _question(req, data)
    text = f"{note}\n\n{question.text}" if note else question.text
    return Step(
        state=State.WALKIN,
        data=dict(data),
        locale=req.turn.locale,
        replies=[Outbound(text=text, choices=question.choices)],
    )


def _question(req: Request, data: WalkinForm) -> Outbound:
    """The question the walk-in form is waiting on."""
    t = req.t
    cancel = choice(FormTap(PREFIX, "cancel").pack(), t("Batal"))
    service = _service(req, data)
    stage = data.get("stage")
    if service is None or stage == "service":
        return Outbound(
            text=t("Layanan apa yang dimohon?"),
            choices=(
                *(
                    choice(
                        FormTap(PREFIX, f"svc:{s.code}").pack(),
                        (s.short_name or s.name).get(t.locale),
                    )
                    for s in req.desk.catalog.services
                ),
                cancel,
            ),
        )
    if stage == "product":
        label = (service.short_name or service.name).get(t.locale)
        return Outbound(
            text=t("Jenis permohonan {service} yang mana?").format(service=label),
            choices=(
                *(
                    choice(FormTap(PREFIX, f"prd:{p.code}").pack(), p.name.get(t.locale))
                    for p in service.products
                ),
                cancel,
            ),
        )
    if stage == "name":
        return Outbound(text=t("Siapa nama pemohon?"), choices=(cancel,))
    if stage == "phone":
        return Outbound(
            text=t("Nomor telepon/WhatsApp pemohon? (Boleh dilewati.)"),
            choices=(choice(FormTap(PREFIX, "skip").pack(), t("Lewati")), cancel),
        )
    if stage == "field":
        spec = _field(data, service)
        if spec is not None:
            return _field_question(req, spec, cancel, t)
    if stage == "doc":
        requirement = _requirement(data, service)
        if requirement is not None:
            return Outbound(
                text=t("Apakah {document} sudah diterima di loket?").format(
                    document=requirement.name.get(t.locale)
                ),
                choices=(
                    choice(FormTap(PREFIX, "doc:yes").pack(), t("Sudah diterima")),
                    choice(FormTap(PREFIX, "doc:no").pack(), t("Belum ada")),
                    cancel,
                ),
            )
    return _summary(req, data, service, cancel, t)


def _field_question(req: Request, spec: FieldSpec, cancel: Choice, t: Translator) -> Outbound:
    lines = [spec.prompt.get(t.locale)]
    if spec.type in (FieldType.DATE, FieldType.DATETIME):
        example: str | None = example_answer(spec, _field_context(req), t)
    else:
        example = spec.example
    if example:
        lines.append(t("Contoh: {example}").format(example=example))
    choices = [
        choice(FormTap(PREFIX, f"fld:{c.code}").pack(), c.label.get(t.locale)) for c in spec.choices
    ]
    if not spec.required:
        lines.append(t("(Boleh dilewati.)"))
        choices.append(choice(FormTap(PREFIX, "skip").pack(), t("Lewati")))
    return Outbound(text="\n".join(lines), choices=(*choices, cancel))


def _summary(
    req: Request, data: WalkinForm, service: Service, cancel: Choice, t: Translator
) -> Outbound:
    product_code = data.get("product")
    product = service.product(product_code)
    answers = data.get("answers", {})
    docs = data.get("docs", {})
    lines = [t("Mohon periksa permohonan datang langsung ini:"), ""]
    lines.append(t("Layanan: {value}").format(value=service.name.get(t.locale)))
    if product is not None:
        lines.append(t("Jenis: {value}").format(value=product.name.get(t.locale)))
    lines.append(t("Nama pemohon: {value}").format(value=data.get("name", "")))
    phone = data.get("phone")
    lines.append(
        t("Telepon pemohon: {value}").format(value=show_phone(phone) if phone else t("(dilewati)"))
    )
    for spec in service.fields_for(product_code):
        shown_above = {NAME_FIELD: data.get("name"), PHONE_FIELD: data.get("phone")}
        if spec.code in shown_above and answers.get(spec.code) == shown_above[spec.code]:
            continue
        shown = show_answer(spec, answers.get(spec.code), req.desk.calendar.zone, t)
        lines.append(f"{spec.label.get(t.locale)}: {shown}")
    requirements = service.requirements_for(product_code)
    if requirements:
        lines.append(t("Dokumen:"))
        for requirement in requirements:
            received = t("diterima di loket") if docs.get(requirement.code) else t("belum ada")
            lines.append(f"• {requirement.name.get(t.locale)}: {received}")
    sla = service.sla_for(product_code)
    due = published_times(service, product_code, req.desk.calendar, req.desk.now).due
    lines.append(
        t("Waktu penyelesaian: {sla} (perkiraan paling lambat {due})").format(
            sla=describe_sla(sla, t),
            due=format_moment(due, req.desk.calendar.zone, t),
        )
    )
    lines += ["", t("Kirim permohonan ini?")]
    return Outbound(
        text="\n".join(lines), choices=(choice(FormTap(PREFIX, "send").pack(), t("Kirim")), cancel)
    )


def _field_context(req: Request) -> FieldContext:
    return FieldContext(
        now=req.desk.now,
        zone=req.desk.calendar.zone,
        agency_domains=agency_email_domains(req.desk.catalog.agency),
    )
