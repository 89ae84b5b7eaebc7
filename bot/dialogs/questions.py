"""The intake dialog's questions, rendered from the conversation: which product, one field,
one document, the summary, what to change, and an event that starts too early. Pure: the
dialog (bot.dialogs.intake) decides which one is asked."""

from __future__ import annotations

from datetime import datetime

from bot.callbacks import choice
from bot.dialogs.state import Context, State, Turn
from bot.dialogs.values import FieldContext, earliest_day, example_answer
from bot.dialogs.words import EVENT_LATER, EVENT_URGENT
from bot.labels import describe_sla, format_day, format_moment, show_answer, show_document
from bot.messages import Choice, Outbound
from core.catalog.schema import FieldSpec, FieldType, Requirement, Service
from core.workflow import published_times
from locales import Translator

SAID_QUESTION = "said:use"


def fields_of(turn: Turn, service: Service) -> list[FieldSpec]:
    """The fields the chosen product asks."""
    return service.fields_for(turn.data.get("product"))


def service_label(service: Service, t: Translator) -> str:
    return (service.short_name or service.name).get(t.locale)


def field_context(ctx: Context) -> FieldContext:
    return FieldContext(now=ctx.now, zone=ctx.calendar.zone)


def product_question(turn: Turn, service: Service, t: Translator) -> Outbound:
    choices = [choice(f"prd:{p.code}", p.name.get(t.locale)) for p in service.products]
    if turn.data.get("editing"):
        choices.append(choice("keep", t("Tetap, tidak diubah")))
    return Outbound(
        text=t("Jenis permohonan {service} yang mana?").format(service=service_label(service, t)),
        choices=tuple(choices),
    )


def field_question(turn: Turn, spec: FieldSpec, ctx: Context, t: Translator) -> Outbound:
    said = turn.data.get("said")
    if said and spec.type is FieldType.LONG_TEXT and not turn.data.get("editing"):
        return Outbound(
            text=t(
                'Bapak/Ibu sudah menyampaikan: "{said}"\nApakah itu sudah cukup sebagai {label}? '
                "Tekan Sudah cukup, atau ketik tambahannya."
            ).format(said=said, label=spec.label.get(t.locale).lower()),
            choices=(choice(SAID_QUESTION, t("Sudah cukup")),),
        )
    hints: list[str] = []
    dates = field_context(ctx)
    if spec.type in (FieldType.DATE, FieldType.DATETIME):
        example: str | None = example_answer(spec, dates, t)
    else:
        example = spec.example
    if example:
        hints.append(t("Contoh: {example}").format(example=example))
    if spec.min_days_ahead:
        hints.append(
            t("Paling cepat {date}.").format(date=format_day(earliest_day(spec, dates), t))
        )
    if not spec.required:
        hints.append(t("(Boleh dilewati.)"))
    choices = [choice(f"fld:{c.code}", c.label.get(t.locale)) for c in spec.choices]
    if not spec.required:
        choices.append(choice("skip", t("Lewati")))
    if turn.data.get("editing"):
        choices.append(choice("keep", t("Tetap, tidak diubah")))
    return Outbound(text="\n".join([spec.prompt.get(t.locale), *hints]), choices=tuple(choices))


def document_question(turn: Turn, requirement: Requirement, t: Translator) -> Outbound:
    name = requirement.name.get(t.locale)
    choices: list[Choice] = []
    if turn.state is State.ASK_SRIKANDI:
        text = t(
            "Silakan ketik nomor surat SRIKANDI untuk {document}. Contoh: 000.1/123/DISKOMINFO/2026"
        ).format(document=name)
        choices.append(choice("upload", t("Unggah berkas saja")))
    else:
        lines = [
            t("Mohon kirim {document} sebagai berkas (PDF, JPG, atau PNG).").format(document=name)
        ]
        if requirement.description is not None:
            lines.append(requirement.description.get(t.locale))
        if requirement.accepts_srikandi:
            lines.append(
                t("Jika surat sudah dikirim melalui SRIKANDI, Bapak/Ibu cukup mengirim nomornya.")
            )
            choices.append(choice("srikandi", t("Kirim nomor SRIKANDI")))
        if not requirement.required:
            lines.append(t("(Boleh dilewati.)"))
            choices.append(choice("skip", t("Lewati")))
        text = "\n".join(lines)
    if turn.data.get("editing"):
        choices.append(choice("keep", t("Tetap, tidak diubah")))
    return Outbound(text=text, choices=tuple(choices))


def ready_by(service: Service, turn: Turn, ctx: Context) -> datetime:
    """When the office can be ready for a request made now: its published due."""
    at = ctx.start_for(service.code)
    return published_times(service, turn.data.get("product"), ctx.calendar, at).due


def event_question(turn: Turn, service: Service, ctx: Context, t: Translator) -> Outbound:
    """The event starts before the published due: a later time, or file it as urgent."""
    zone = ctx.calendar.zone
    moment = datetime.fromisoformat(str(turn.data["event_pending"]))
    lines = [
        t(
            "Acara pada {when} dimulai sebelum kami dapat siap: sesuai standar pelayanan, "
            "persiapan selesai paling lambat {ready}."
        ).format(
            when=format_moment(moment, zone, t),
            ready=format_moment(ready_by(service, turn, ctx), zone, t),
        ),
        t(
            "Bapak/Ibu dapat memilih waktu lain, atau tetap mengajukannya sebagai permohonan "
            "mendesak; petugas akan menghubungi Bapak/Ibu."
        ),
    ]
    contacts = ctx.catalog.agency.contacts
    # A chat user reaches a WhatsApp number most easily; else the office's phone.
    contact = next((c for c in contacts if c.kind == "whatsapp"), None) or next(
        (c for c in contacts if c.kind == "phone"), None
    )
    if contact is not None:
        lines.append(
            t("Untuk keperluan mendesak, hubungi juga {contact}.").format(contact=contact.value)
        )
    return Outbound(
        text="\n".join(lines),
        choices=(
            choice(EVENT_LATER, t("Pilih waktu lain")),
            choice(EVENT_URGENT, t("Ajukan sebagai mendesak")),
        ),
    )


def summary(turn: Turn, service: Service, ctx: Context, t: Translator) -> Outbound:
    product = service.product(turn.data.get("product"))
    answers = turn.data.get("answers", {})
    docs = turn.data.get("docs", {})
    lines = [t("Mohon periksa kembali permohonan Bapak/Ibu:"), ""]
    lines.append(t("Layanan: {value}").format(value=service.name.get(t.locale)))
    if product is not None:
        lines.append(t("Jenis: {value}").format(value=product.name.get(t.locale)))
    for spec in fields_of(turn, service):
        shown = show_answer(spec, answers.get(spec.code), ctx.calendar.zone, t)
        lines.append(f"{spec.label.get(t.locale)}: {shown}")
    if turn.data.get("urgent"):
        lines.append(t("Ditandai mendesak: acara dimulai sebelum batas waktu standar."))
    if service.requirements:
        lines.append(t("Dokumen:"))
        for requirement in service.requirements:
            shown = show_document(docs.get(requirement.code), t)
            lines.append(f"• {requirement.name.get(t.locale)}: {shown}")
    spec_sla = service.sla_for(turn.data.get("product"))
    due = ctx.calendar.due(ctx.start_for(service.code), spec_sla).due
    lines.append(
        t("Waktu penyelesaian: {sla} (perkiraan paling lambat {due})").format(
            sla=describe_sla(spec_sla, t), due=format_moment(due, ctx.calendar.zone, t)
        )
    )
    lines += ["", t("Kirim permohonan ini?")]
    return Outbound(
        text="\n".join(lines),
        choices=(
            choice("sum:send", t("Kirim")),
            choice("sum:edit", t("Ubah")),
            choice("sum:cancel", t("Batal")),
        ),
    )


def edit_question(turn: Turn, service: Service, t: Translator) -> Outbound:
    choices: list[Choice] = []
    if service.products:
        choices.append(choice("edit:prd", t("Jenis layanan")))
    choices += [
        choice(f"edit:fld:{f.code}", f.label.get(t.locale)) for f in fields_of(turn, service)
    ]
    choices += [choice(f"edit:doc:{r.code}", r.name.get(t.locale)) for r in service.requirements]
    choices.append(choice("edit:back", t("Kembali ke ringkasan")))
    return Outbound(text=t("Bagian mana yang ingin Bapak/Ibu ubah?"), choices=tuple(choices))
