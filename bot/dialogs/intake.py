"""The intake dialog: find the service, ask its product, fields and documents one at a time,
show a summary, and file the ticket.

Every function here is pure: (turn, inbound, context) → `Step` (new state, data, locale,
replies, effects). The engine loads the turn from the database, stores uploads before calling
in, and carries out the effects (only `FileTicket`) in the same transaction. All dialog data
lives in the conversation's JSON, never in process memory.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, tzinfo
from typing import Any

from bot.callbacks import choice
from bot.dialogs.confirmation import filed_replies as filed_replies
from bot.dialogs.privacy import privacy_notice
from bot.dialogs.questions import (
    SAID_QUESTION,
    document_question,
    edit_question,
    event_question,
    field_question,
    product_question,
    ready_by,
    summary,
)
from bot.dialogs.state import (
    HANDLER_STATES,
    PROFILE_FIELDS,
    URGENT_FIELD,
    Context,
    FileTicket,
    IntakeData,
    State,
    Step,
    Turn,
    UploadProblem,
    intake_data,
)
from bot.dialogs.values import (
    FieldContext,
    ValueProblem,
    agency_email_domains,
    read_when,
    valid_srikandi,
    validate,
)
from bot.dialogs.words import (
    EVENT_LATER,
    EVENT_URGENT,
    PROFILE_EDIT,
    PROFILE_USE,
    interpret,
    is_greeting,
    is_thanks,
)
from bot.labels import show_answer
from bot.messages import Inbound, Outbound
from core.catalog.schema import Catalog, FieldSpec, FieldType, Requirement, Service
from core.sla.calendar import SlaTimes
from core.workflow import open_ticket
from locales import SUPPORTED, Translator, translator

SUGGESTIONS = 3
SAID_WORDS = 3  # a first message this long describes the need, not just names a service
SAID_LIMIT = 1000


def _t(turn: Turn) -> Translator:
    return translator(turn.locale)


def _service(turn: Turn, ctx: Context) -> Service | None:
    code = turn.data.get("service")
    return ctx.catalog.service(code) if code else None


def _service_label(service: Service, t: Translator) -> str:
    return (service.short_name or service.name).get(t.locale)


def _join(*parts: str | None) -> str:
    return "\n\n".join(p for p in parts if p)


def _fields(turn: Turn, service: Service) -> list[FieldSpec]:
    return service.fields_for(turn.data.get("product"))


def _field(turn: Turn, service: Service, code: str | None) -> FieldSpec | None:
    return next((f for f in _fields(turn, service) if f.code == code), None)


def _requirement(service: Service, code: str | None) -> Requirement | None:
    return next((r for r in service.requirements if r.code == code), None)


def _step(turn: Turn, state: State, data: dict[str, Any], replies: list[Outbound]) -> Step:
    return Step(state=state, data=data, locale=turn.locale, replies=replies)


def _fresh() -> dict[str, Any]:
    """Data with the dialog cleared (nothing is kept between requests)."""
    return {}


# --- entry points ---------------------------------------------------------------------------


def step(turn: Turn, msg: Inbound, ctx: Context) -> Step:
    """Advance the dialog by one inbound message (a tap, text, or a file)."""
    if turn.state in HANDLER_STATES:  # the handler let go of it: start from a clean slate
        turn = replace(turn, state=State.IDLE, data=_fresh())
    greeting = _greeting(turn, ctx) if ctx.first_contact else None
    if msg.choice is not None:
        result = _on_choice(turn, msg.choice, ctx)
    elif msg.attachment is not None:
        result = _on_upload(turn, ctx)
    else:
        result = _on_text(turn, (msg.text or "").strip(), ctx)
    if greeting and result.replies:
        first = result.replies[0]
        result.replies[0] = replace(first, text=_join(greeting, first.text))
    return result


def start(turn: Turn, ctx: Context) -> Step:
    """`/start`: greet and show the menu (any dialog in progress is dropped)."""
    t = _t(turn)
    fresh = replace(turn, state=State.CHOOSE_SERVICE, data=_fresh())
    question = _menu_question(fresh, ctx, t)
    return _step(
        fresh,
        State.CHOOSE_SERVICE,
        fresh.data,
        [replace(question, text=_join(_greeting(turn, ctx), question.text))],
    )


def menu(turn: Turn, ctx: Context, note: str | None = None) -> Step:
    """`/layanan`: the full list of services (any dialog in progress is dropped)."""
    fresh = replace(turn, state=State.CHOOSE_SERVICE, data=_fresh())
    question = _menu_question(fresh, ctx, _t(turn))
    return _step(
        fresh,
        State.CHOOSE_SERVICE,
        fresh.data,
        [replace(question, text=_join(note, question.text))],
    )


def cancel(turn: Turn, ctx: Context) -> Step:
    """`/batal` or [Batal]: drop the dialog; nothing is created."""
    t = _t(turn)
    idle = replace(turn, state=State.IDLE, data=_fresh())
    if turn.state is State.IDLE:
        text = t("Tidak ada permohonan yang sedang berjalan.")
    else:
        text = t("Permohonan dibatalkan. Tidak ada tiket yang dibuat.")
    question = question_for(idle, ctx)
    return _step(idle, State.IDLE, idle.data, [replace(question, text=_join(text, question.text))])


def set_language(turn: Turn, ctx: Context, locale: str) -> Step:
    """Switch the conversation's language and ask the current question again in it."""
    switched = replace(turn, locale=locale)
    t = _t(switched)
    note = t("Baik, kami akan menggunakan Bahasa Indonesia.")
    question = question_for(switched, ctx)
    return Step(
        state=turn.state,
        data=turn.data,
        locale=locale,
        replies=[replace(question, text=_join(note, question.text))],
    )


def language_question(turn: Turn) -> Outbound:
    """The `/bahasa` question: one button per supported language."""
    t = _t(turn)
    names = {"id": "Bahasa Indonesia", "en": "English"}
    return Outbound(
        text=t("Pilih bahasa:"),
        choices=tuple(choice(f"lang:{code}", names.get(code, code)) for code in SUPPORTED),
    )


def reask(turn: Turn, ctx: Context, note: str | None = None) -> Step:
    """Keep the state and show the current question again (after help, status, a stale tap)."""
    question = question_for(turn, ctx)
    return _step(turn, turn.state, turn.data, [replace(question, text=_join(note, question.text))])


def question_for(turn: Turn, ctx: Context) -> Outbound:
    """The question the conversation is waiting on, rendered in its language."""
    t = _t(turn)
    service = _service(turn, ctx)
    state = turn.state
    if state is State.CONFIRM_SERVICE:
        return _confirm_service_question(turn, ctx, t)
    if state is State.CONFIRM_PROFILE and service is not None:
        return _profile_question(turn, service, t, ctx.calendar.zone)
    if state is State.CHOOSE_SERVICE:
        return _menu_question(turn, ctx, t)
    if service is None or state is State.IDLE:
        return Outbound(
            text=t("Ada yang bisa kami bantu? Ketik kebutuhan Bapak/Ibu atau pilih layanan."),
            choices=(choice("menu", t("Lihat daftar layanan")),),
        )
    if state is State.CHOOSE_PRODUCT:
        return product_question(turn, service, t)
    if state is State.ASK_FIELD:
        spec = _field(turn, service, turn.data.get("field"))
        if spec is not None and spec.event and turn.data.get("event_pending"):
            return event_question(turn, service, ctx, t)
        if spec is not None:
            return field_question(turn, spec, ctx, t)
    if state in (State.ASK_DOCUMENT, State.ASK_SRIKANDI):
        requirement = _requirement(service, turn.data.get("doc"))
        if requirement is not None:
            return document_question(turn, requirement, t)
    if state is State.CHOOSE_EDIT:
        return edit_question(turn, service, t)
    return summary(turn, service, ctx, t)


def wants_upload(turn: Turn) -> bool:
    """True when an uploaded file would answer the current question (the engine stores it)."""
    return turn.state in (State.ASK_DOCUMENT, State.ASK_SRIKANDI)


# --- greeting and finding the service -------------------------------------------------------


def _greeting(turn: Turn, ctx: Context) -> str:
    t = _t(turn)
    agency = ctx.catalog.agency
    welcome = t(
        "Selamat datang di layanan {agency}. Kami siap membantu permohonan layanan TIK Bapak/Ibu."
    ).format(agency=agency.short_name)
    if not ctx.first_contact:
        return welcome
    # The first message on each channel carries the privacy notice (UU PDP): before anything
    # personal is asked.
    return welcome + "\n\n" + privacy_notice(agency, t)


def _menu_question(turn: Turn, ctx: Context, t: Translator) -> Outbound:
    suggested = [s for s in (ctx.catalog.service(c) for c in turn.data.get("suggest", [])) if s]
    if suggested:
        return Outbound(
            text=t("Mungkin yang Bapak/Ibu maksud salah satu layanan berikut. Silakan pilih:"),
            choices=(
                *(choice(f"svc:{s.code}", _service_label(s, t)) for s in suggested),
                choice("menu", t("Lihat semua layanan")),
            ),
        )
    return Outbound(
        text=t(
            'Ketik kebutuhan Bapak/Ibu (misalnya "internet kantor mati") atau pilih layanan '
            "di bawah ini:"
        ),
        choices=tuple(choice(f"svc:{s.code}", _service_label(s, t)) for s in ctx.catalog.services),
    )


def _confirm_service_question(turn: Turn, ctx: Context, t: Translator) -> Outbound:
    offer = turn.data.get("offer") or {}
    service = ctx.catalog.service(offer.get("service", ""))
    if service is None:
        return _menu_question(turn, ctx, t)
    product = service.product(offer.get("product"))
    name = service.name.get(t.locale)
    if product is not None:
        name = t("{service} ({product})").format(service=name, product=product.name.get(t.locale))
    return Outbound(
        text=t("Maksud Bapak/Ibu: {service}?").format(service=name),
        choices=(
            choice(f"svc:{service.code}", t("Ya")),
            choice("menu", t("Bukan, pilih dari menu")),
        ),
    )


def _find_service(turn: Turn, text: str, ctx: Context) -> Step:
    """Free text → the matcher: confirm a confident match, suggest weak ones, else the menu."""
    t = _t(turn)
    result = ctx.match(text) if ctx.match and text else None
    matches = list(result.matches) if result is not None else []
    said = _said(text)
    if result is not None and result.confident and matches:
        best = matches[0]
        offer = {"service": best.service, "product": best.product}
        data = {**_fresh(), "offer": offer, **said}
        moved = replace(turn, state=State.CONFIRM_SERVICE, data=data)
        return _step(turn, State.CONFIRM_SERVICE, data, [question_for(moved, ctx)])
    suggest: list[str] = []
    for match in matches:
        code = match.service
        if code and code not in suggest and ctx.catalog.service(code):
            suggest.append(code)
    data = {**_fresh(), "suggest": suggest[:SUGGESTIONS], **said}
    moved = replace(turn, state=State.CHOOSE_SERVICE, data=data)
    note = None if suggest else t("Maaf, kami belum menemukan layanan yang sesuai.")
    question = _menu_question(moved, ctx, t)
    return _step(
        turn, State.CHOOSE_SERVICE, data, [replace(question, text=_join(note, question.text))]
    )


def _said(text: str) -> dict[str, str]:
    """The first message, kept when it describes the need (more than a service's name), so
    the description question can offer it instead of asking again."""
    return {"said": text[:SAID_LIMIT]} if len(text.split()) >= SAID_WORDS else {}


def _select_service(turn: Turn, code: str, ctx: Context) -> Step:
    service = ctx.catalog.service(code)
    if service is None:
        t = _t(turn)
        return reask(turn, ctx, t("Maaf, pilihan ini sudah tidak berlaku."))
    offer = turn.data.get("offer") or {}
    product = offer.get("product") if offer.get("service") == code else None
    if service.product(product) is None:
        product = None
    data = IntakeData(service=code, product=product, answers={}, docs={})
    if turn.data.get("said"):
        data["said"] = str(turn.data["said"])  # the first message may already say it all
    t = _t(turn)
    note = t("Baik, {service}.").format(service=service.name.get(t.locale))
    return _advance(replace(turn, data=dict(data)), ctx, note)


def _profile_offer(service: Service, data: dict[str, Any], ctx: Context) -> dict[str, str]:
    """The questions still to ask that a returning requester answered before, with those
    answers (offered once per request, where those questions would start)."""
    if data.get("profile_seen"):
        return {}
    answers = data.get("answers", {})
    return {
        spec.code: ctx.profile[PROFILE_FIELDS[spec.code]]
        for spec in service.fields_for(data.get("product"))
        if spec.code in PROFILE_FIELDS
        and spec.code not in answers
        and ctx.profile.get(PROFILE_FIELDS[spec.code])
    }


def _profile_question(turn: Turn, service: Service, t: Translator, zone: tzinfo) -> Outbound:
    offer = turn.data.get("profile_offer") or {}
    specs = {f.code: f for f in service.fields}
    lines = [t("Pakai data Bapak/Ibu sebelumnya?")]
    # Shown as the summary shows them ("0812-3456-7890", the NIP as on letters).
    lines += [
        f"{specs[code].label.get(t.locale)}: {show_answer(specs[code], value, zone, t)}"
        if code in specs
        else f"{code}: {value}"
        for code, value in offer.items()
    ]
    return Outbound(
        text="\n".join(lines),
        choices=(choice(PROFILE_USE, t("Ya, pakai")), choice(PROFILE_EDIT, t("Ubah"))),
    )


def _answer_profile(turn: Turn, use: bool, ctx: Context) -> Step:
    """Take the remembered details as answers (or ask them again), then the next question."""
    offer = dict(turn.data.get("profile_offer") or {})
    data = {k: v for k, v in turn.data.items() if k != "profile_offer"}
    if use:
        data["answers"] = {**data.get("answers", {}), **offer}
    return _advance(replace(turn, data=data), ctx)


# --- the form: product, fields, documents ---------------------------------------------------


def _pending(stored: dict[str, Any], service: Service) -> tuple[State, dict[str, Any]]:
    """The state asking the first thing still missing (CONFIRM when nothing is), and its data."""
    data = intake_data({k: v for k, v in stored.items() if k not in ("field", "doc", "editing")})
    answers = data.setdefault("answers", {})
    docs = data.setdefault("docs", {})
    if service.products and service.product(data.get("product")) is None:
        return State.CHOOSE_PRODUCT, dict(data)
    for spec in service.fields_for(data.get("product")):
        if spec.code not in answers:
            return State.ASK_FIELD, dict(IntakeData(**data, field=spec.code))
    for requirement in service.requirements:
        if requirement.code not in docs:
            return State.ASK_DOCUMENT, dict(IntakeData(**data, doc=requirement.code))
    return State.CONFIRM, dict(data)


def _advance(turn: Turn, ctx: Context, note: str | None = None) -> Step:
    """Ask the first thing still missing, or show the summary when nothing is."""
    service = _service(turn, ctx)
    if service is None:
        return menu(turn, ctx, note)
    state, data = _pending(turn.data, service)
    offer = _profile_offer(service, data, ctx) if state is State.ASK_FIELD else {}
    if offer:
        state, data = State.CONFIRM_PROFILE, {**data, "profile_offer": offer, "profile_seen": True}
    moved = replace(turn, state=state, data=data)
    question = question_for(moved, ctx)
    return _step(turn, state, data, [replace(question, text=_join(note, question.text))])


_UNTOUCHED = frozenset({State.IDLE, State.CHOOSE_SERVICE, State.CONFIRM_SERVICE})


def repair(turn: Turn, catalog: Catalog) -> Turn:
    """A stored turn made consistent with the catalog as it is now (it may have changed)."""
    state = turn.state
    if state in HANDLER_STATES or state in _UNTOUCHED:
        return turn
    service = catalog.service(turn.data.get("service") or "")
    if service is None:
        return replace(turn, state=State.IDLE, data=_fresh())
    if state is State.CHOOSE_PRODUCT and service.products:
        return turn
    if state is State.CONFIRM_PROFILE and turn.data.get("profile_offer"):
        return turn
    if state is State.ASK_FIELD and _field(turn, service, turn.data.get("field")):
        return turn
    if state in (State.ASK_DOCUMENT, State.ASK_SRIKANDI) and _requirement(
        service, turn.data.get("doc")
    ):
        return turn
    pending, data = _pending(turn.data, service)
    if state in (State.CONFIRM, State.CHOOSE_EDIT) and pending is State.CONFIRM:
        return turn
    return replace(turn, state=pending, data=data)


def _with_half_given(turn: Turn, text: str, ctx: Context) -> str:
    """A day or a time given in an earlier message ("senin depan", then "jam 9") joins what is
    typed now, so the requester need not repeat it."""
    today = ctx.now.astimezone(ctx.calendar.zone).date()
    reading = read_when(text, today)
    day, clock = turn.data.get("day_given"), turn.data.get("time_given")
    if day and reading.clock is not None and reading.day is None:
        return f"{date.fromisoformat(day):%d/%m/%Y} {reading.clock:%H.%M}"
    if clock and reading.day is not None and reading.clock is None:
        return f"{reading.day:%d/%m/%Y} {time.fromisoformat(clock):%H.%M}"
    return text


def _keep_half_given(turn: Turn, text: str, problem: str, ctx: Context) -> Step:
    """Remember the day (or the time) a refused answer did give, and ask for the rest."""
    today = ctx.now.astimezone(ctx.calendar.zone).date()
    reading = read_when(text, today)
    data = {k: v for k, v in turn.data.items() if k not in ("day_given", "time_given")}
    if reading.day is not None and reading.clock is None:
        data["day_given"] = reading.day.isoformat()
    elif reading.clock is not None and reading.day is None:
        data["time_given"] = reading.clock.isoformat(timespec="minutes")
    return reask(replace(turn, data=data), ctx, problem)


def _answer_field(
    turn: Turn, spec: FieldSpec, value: str | None, ctx: Context, note: str | None = None
) -> Step:
    answers = {**turn.data.get("answers", {}), spec.code: value}
    done = {"event_pending", "day_given", "time_given"}
    if spec.type is FieldType.LONG_TEXT:
        done.add("said")
    data = {k: v for k, v in turn.data.items() if k not in done}
    return _advance(replace(turn, data={**data, "answers": answers}), ctx, note)


# --- event dates against the SLA ------------------------------------------------------------


def _answer_event(turn: Turn, spec: FieldSpec, value: str, service: Service, ctx: Context) -> Step:
    """An event before the office can be ready is not silently accepted: the requester picks a
    later time or files it as urgent. Events outside working days are noted, not refused."""
    t = _t(turn)
    moment = datetime.fromisoformat(value)
    if moment < ready_by(service, turn, ctx):
        pending = replace(turn, data={**turn.data, "event_pending": value})
        return _step(turn, State.ASK_FIELD, pending.data, [question_for(pending, ctx)])
    note = None
    if not ctx.calendar.is_open(moment):
        note = t(
            "Catatan: acara berada di luar hari/jam kerja kami. Dukungan di luar hari kerja perlu "
            "disepakati terlebih dahulu dengan petugas."
        )
    return _answer_field(turn, spec, value, ctx, note)


def _decide_event(turn: Turn, spec: FieldSpec, data: str, ctx: Context) -> Step:
    """The requester's answer to an event before the due: ask the time again, or accept it
    flagged urgent (officers see the flag)."""
    pending = turn.data.get("event_pending")
    if data == EVENT_LATER or not pending:
        cleared = replace(turn, data={k: v for k, v in turn.data.items() if k != "event_pending"})
        return _step(turn, State.ASK_FIELD, cleared.data, [question_for(cleared, ctx)])
    t = _t(turn)
    urgent = replace(turn, data={**turn.data, "urgent": True})
    note = t("Baik, permohonan ini kami tandai mendesak.")
    return _answer_field(urgent, spec, str(pending), ctx, note)


def _answer_document(
    turn: Turn, code: str, value: dict[str, Any] | None, ctx: Context, note: str | None = None
) -> Step:
    docs = {**turn.data.get("docs", {}), code: value}
    return _advance(replace(turn, data={**turn.data, "docs": docs}), ctx, note)


def _field_context(ctx: Context) -> FieldContext:
    return FieldContext(
        now=ctx.now,
        zone=ctx.calendar.zone,
        agency_domains=agency_email_domains(ctx.catalog.agency),
    )


# --- summary, edit and filing ---------------------------------------------------------------


def _start_edit(turn: Turn, target: str, ctx: Context, service: Service) -> Step:
    if target == "back":
        return _advance(turn, ctx)
    data = {**turn.data, "editing": True}
    if target == "prd":
        state = State.CHOOSE_PRODUCT
    elif target.startswith("fld:"):
        state, data["field"] = State.ASK_FIELD, target[4:]
    else:
        state, data["doc"] = State.ASK_DOCUMENT, target[4:]
    moved = replace(turn, state=state, data=data)
    return _step(turn, state, data, [question_for(moved, ctx)])


def _file(turn: Turn, service: Service, ctx: Context) -> Step:
    """Build the ticket from the answers; the engine creates it and sends `filed_replies`."""
    product = turn.data.get("product")
    # The workflow's own opening of the ticket, so the review and the stored ticket agree; the
    # engine's confirmation then reads the stored values (FileTicket.stored_as).
    opened = open_ticket(
        ref="",
        agency=ctx.catalog.agency,
        service=service,
        product=product,
        calendar=ctx.calendar,
        at=ctx.now,
        start=ctx.start_for(service.code),
    ).ticket
    docs = turn.data.get("docs", {})
    ticket = FileTicket(
        service=service.code,
        product=product,
        fields={
            **turn.data.get("answers", {}),
            # An event before the published due, filed anyway: officers see it flagged.
            **({URGENT_FIELD: True} if turn.data.get("urgent") else {}),
        },
        requirements=dict(docs),
        attachment_ids=[
            int(d["attachment_id"]) for d in docs.values() if d and d.get("attachment_id")
        ],
        submitted_at=ctx.now,
        sla=SlaTimes(start=opened.clock.start, target=opened.clock.target, due=opened.clock.due),
        step=opened.step,
        role=opened.role,
        step_due=opened.step_due_at,
    )
    return Step(state=State.IDLE, data=_fresh(), locale=turn.locale, replies=[], effects=[ticket])


# --- dispatch -------------------------------------------------------------------------------


def _valid_choices(turn: Turn, ctx: Context) -> set[str]:
    return {c.data for c in question_for(turn, ctx).choices}


def _on_choice(turn: Turn, data: str, ctx: Context) -> Step:
    t = _t(turn)
    if data.startswith("lang:") and data[5:] in SUPPORTED:
        return set_language(turn, ctx, data[5:])
    # Any service button answers "which service?", even one from an older menu message.
    if data.startswith("svc:") and turn.state in (
        State.IDLE,
        State.CHOOSE_SERVICE,
        State.CONFIRM_SERVICE,
    ):
        return _select_service(turn, data[4:], ctx)
    if data not in _valid_choices(turn, ctx):
        return reask(turn, ctx, t("Maaf, pilihan ini sudah tidak berlaku."))
    return _apply_choice(turn, data, ctx)


def _apply_choice(turn: Turn, data: str, ctx: Context) -> Step:
    """Carry out a choice already checked against the current question."""
    service = _service(turn, ctx)
    if data == "menu":
        return menu(turn, ctx)
    if data.startswith("svc:"):
        return _select_service(turn, data[4:], ctx)
    if service is None:
        return menu(turn, ctx)
    if data == "keep":
        return _advance(turn, ctx)
    if data in (PROFILE_USE, PROFILE_EDIT):
        return _answer_profile(turn, data == PROFILE_USE, ctx)
    if data.startswith("prd:"):
        product = data[4:]
        keep = {f.code for f in service.fields_for(product)}
        answers = {k: v for k, v in turn.data.get("answers", {}).items() if k in keep}
        return _advance(
            replace(turn, data={**turn.data, "product": product, "answers": answers}), ctx
        )
    if turn.state is State.ASK_FIELD:
        spec = _field(turn, service, turn.data.get("field"))
        assert spec is not None  # the choice was valid, so the field exists
        if data in (EVENT_LATER, EVENT_URGENT):
            return _decide_event(turn, spec, data, ctx)
        if data == SAID_QUESTION:
            return _answer_field(turn, spec, str(turn.data.get("said") or ""), ctx)
        return _answer_field(turn, spec, None if data == "skip" else data[4:], ctx)
    if turn.state in (State.ASK_DOCUMENT, State.ASK_SRIKANDI):
        code = turn.data["doc"]
        if data == "skip":
            return _answer_document(turn, code, None, ctx)
        state = State.ASK_SRIKANDI if data == "srikandi" else State.ASK_DOCUMENT
        moved = replace(turn, state=state)
        return _step(turn, state, turn.data, [question_for(moved, ctx)])
    if data == "sum:send":
        return _file(turn, service, ctx)
    if data == "sum:cancel":
        return cancel(turn, ctx)
    if data == "sum:edit":
        moved = replace(turn, state=State.CHOOSE_EDIT)
        return _step(turn, State.CHOOSE_EDIT, turn.data, [question_for(moved, ctx)])
    if data.startswith("edit:"):
        return _start_edit(turn, data[5:], ctx, service)
    return reask(turn, ctx)  # pragma: no cover - every valid choice is handled above


def _on_text(turn: Turn, text: str, ctx: Context) -> Step:
    t = _t(turn)
    state = turn.state
    question = question_for(turn, ctx)
    service = _service(turn, ctx)
    if state in (State.IDLE, State.CHOOSE_SERVICE, State.CONFIRM_SERVICE) and is_greeting(text):
        # "Halo" is not a request: greet back with the menu instead of "no service found".
        return start(turn, ctx) if not ctx.first_contact else menu(turn, ctx)
    if is_thanks(text):
        # Thanks are not an answer (not even to a free-text question: nobody's office, phone or
        # problem is "makasih pak"): say "sama-sama" and keep the conversation where it is.
        note = t("Sama-sama, Bapak/Ibu. Senang dapat membantu.")
        if state is State.IDLE:
            return _step(turn, State.IDLE, turn.data, [Outbound(text=note)])
        return reask(turn, ctx, note)
    if state is State.IDLE:
        return _find_service(turn, text, ctx)
    if state in (State.CONFIRM_SERVICE, State.CHOOSE_SERVICE):
        picked = interpret(text, question.choices)
        return _apply_choice(turn, picked, ctx) if picked else _find_service(turn, text, ctx)
    if service is None:
        return _find_service(turn, text, ctx)
    if state is State.CONFIRM_PROFILE:
        picked = interpret(text, question.choices)
        if picked:
            return _apply_choice(turn, picked, ctx)
        # They simply started answering: their own words win over the remembered details.
        declined = _answer_profile(turn, False, ctx)
        return _on_text(Turn(declined.state, declined.data, declined.locale), text, ctx)
    if state is State.ASK_FIELD:
        spec = _field(turn, service, turn.data.get("field"))
        if spec is None:
            return _advance(turn, ctx)
        picked = interpret(text, question.choices, numbers=spec.type is FieldType.CHOICE)
        if picked:
            return _apply_choice(turn, picked, ctx)
        if spec.type is FieldType.CHOICE:
            return reask(turn, ctx, t("Mohon pilih salah satu tombol yang tersedia."))
        said = turn.data.get("said")
        if said and spec.type is FieldType.LONG_TEXT and not turn.data.get("editing"):
            text = f"{said}\n{text}"  # what they add joins what they first said
        if spec.type is FieldType.DATETIME:
            text = _with_half_given(turn, text, ctx)
        try:
            value = validate(spec, text, _field_context(ctx), t)
        except ValueProblem as problem:
            if spec.type is FieldType.DATETIME:
                return _keep_half_given(turn, text, problem.message, ctx)
            return reask(turn, ctx, problem.message)
        if spec.event and value is not None:
            return _answer_event(turn, spec, value, service, ctx)
        return _answer_field(turn, spec, value, ctx)
    if state is State.ASK_DOCUMENT:
        picked = interpret(text, question.choices)
        if picked:
            return _apply_choice(turn, picked, ctx)
        requirement = _requirement(service, turn.data.get("doc"))
        number = valid_srikandi(text) if requirement and requirement.accepts_srikandi else None
        if requirement is not None and number:
            return _answer_document(
                turn, requirement.code, {"kind": "srikandi", "number": number}, ctx
            )
        return reask(turn, ctx, t("Mohon kirim dokumennya sebagai lampiran berkas."))
    if state is State.ASK_SRIKANDI:
        picked = interpret(text, question.choices)
        if picked:
            return _apply_choice(turn, picked, ctx)
        number = valid_srikandi(text)
        if number is None:
            return reask(
                turn,
                ctx,
                t(
                    "Nomor surat tersebut belum sesuai. Nomor SRIKANDI berisi angka dan garis "
                    "miring, contoh: 000.1/123/DISKOMINFO/2026."
                ),
            )
        return _answer_document(turn, turn.data["doc"], {"kind": "srikandi", "number": number}, ctx)
    picked = interpret(text, question.choices)
    if picked:
        return _apply_choice(turn, picked, ctx)
    return reask(turn, ctx, t("Mohon pilih salah satu tombol yang tersedia."))


def _on_upload(turn: Turn, ctx: Context) -> Step:
    t = _t(turn)
    service = _service(turn, ctx)
    code = turn.data.get("doc")
    if not wants_upload(turn) or service is None or _requirement(service, code) is None:
        return reask(turn, ctx, t("Saat ini kami belum memerlukan berkas."))
    upload = ctx.upload
    if isinstance(upload, UploadProblem):
        if upload.reason == "too_large" and upload.max_bytes:
            note = t(
                "Maaf, berkas terlalu besar (paling besar {size} MB). Mohon kirim berkas yang "
                "lebih kecil."
            ).format(size=max(1, upload.max_bytes // (1024 * 1024)))
        elif upload.reason == "quota":
            note = t(
                "Maaf, berkas yang Bapak/Ibu kirim untuk permohonan yang belum diajukan sudah "
                "mencapai batas. Mohon ajukan permohonan dengan berkas yang sudah terkirim."
            )
        elif upload.reason == "full":
            note = t(
                "Maaf, saat ini kami belum dapat menyimpan berkas baru. Silakan coba kirim lagi "
                "nanti."
            )
        else:
            note = t(
                "Maaf, jenis berkas ini tidak dapat kami terima. Mohon kirim PDF, JPG, atau PNG."
            )
        return reask(replace(turn, state=State.ASK_DOCUMENT), ctx, note)
    if upload is None:
        return reask(turn, ctx, t("Maaf, berkas belum dapat kami terima. Mohon kirim ulang."))
    value = {"kind": "file", "attachment_id": upload.attachment_id, "filename": upload.filename}
    note = t("Berkas {filename} kami terima.").format(filename=upload.filename)
    assert code is not None
    return _answer_document(turn, code, value, ctx, note)
