"""/selesai NOMOR: at the last step, the Berita Acara's fields one at a time, then the PDF to
the requester and the ticket closed."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any

from bot import notify
from bot.callbacks import BeritaAcaraTap, FormAction, OfficerAction, OfficerTap, choice
from bot.desk import commit_transition
from bot.dialogs.state import State, Step
from bot.handlers.base import Request, idle, is_cancel, parse_command
from bot.handlers.forms import BeritaAcaraForm, berita_acara_form
from bot.handlers.officer.ba_form import ba_next, ba_question
from bot.handlers.officer.common import (
    MAX_ANSWER,
    MAX_PETUGAS,
    Refusal,
    error_text,
    find_ticket,
    run_transition,
    say,
)
from bot.handlers.officer.permissions import require_act
from bot.handlers.officer.usage import usages
from bot.labels import clip, format_moment, role_label
from bot.messages import Outbound, OutboundDocument
from core.berita_acara import BeritaAcara, berita_acara_for, render_berita_acara
from core.kinds import ErrorCode
from core.workflow import BERITA_ACARA_FIELDS, WorkflowError, finish
from locales import translator
from storage import repositories as repo


def form(req: Request, data: BeritaAcaraForm, *replies: Outbound) -> Step:
    """Stay in (or enter) the Berita Acara form with `data`."""
    return Step(State.OFFICER_FORM, dict(data), req.turn.locale, list(replies))


async def finish_command(req: Request, officer: repo.OfficerRecord, ref: str) -> Step:
    """/selesai NOMOR: at the last step, ask the Berita Acara's fields one at a time."""
    t = req.t
    found = await find_ticket(req, ref, usage=usages(t)["selesai"], lock=False)
    await require_act(req, officer, found)
    ticket, record = found.ticket, found.record
    if ticket.paused_at is not None:
        raise Refusal(
            await error_text(req, WorkflowError(ErrorCode.WAITING_FOR_REQUESTER), record, officer)
        )
    if ticket.next_step is not None:
        error = WorkflowError(ErrorCode.STEPS_REMAINING, remaining=ticket.remaining_steps)
        raise Refusal(
            await error_text(req, error, record, officer),
            [choice(OfficerTap(OfficerAction.DISPOSE, record.ref).pack(), t("Disposisi"))],
        )
    location = _location(req, record)
    data: BeritaAcaraForm = {
        "form": "selesai",
        "ref": record.ref,
        "field": BERITA_ACARA_FIELDS[0],
        "answers": {},
        "lokasi_saran": location,
    }
    intro = t(
        "Berita Acara tiket {ref}: kami tanyakan {count} hal, satu per satu. Ketik /batal untuk "
        "berhenti."
    ).format(ref=record.ref, count=len(BERITA_ACARA_FIELDS))
    question = ba_question(data, t)
    return form(req, data, replace(question, text=intro + "\n\n" + question.text))


def _location(req: Request, record: repo.TicketRecord) -> str | None:
    """The requester's own location answer, offered as a button."""
    for code, value in record.fields.items():
        if "lokasi" in code and isinstance(value, str) and value.strip():
            return clip(value, 200)
    return None


def _ba_answer(
    req: Request, data: BeritaAcaraForm, value: str, petugas: list[list[Any]] | None = None
) -> Step:
    field = str(data.get("field"))
    answers = {**data.get("answers", {}), field: value}
    changed: BeritaAcaraForm = {**data, "answers": answers}
    if petugas is not None:
        changed["petugas"] = petugas
    changed = ba_next(changed)
    return form(req, changed, ba_question(changed, req.t))


async def berita_acara_text(req: Request, officer: repo.OfficerRecord) -> Step:
    """A typed answer (or /batal) while the Berita Acara form is open."""
    t, data, text = req.t, berita_acara_form(req.turn.data), req.text
    if is_cancel(text):
        return _ba_cancel(req)
    field = data.get("field")
    if parse_command(text) is not None or req.msg.attachment is not None or not text:
        hint = t("Mohon jawab dengan teks, atau ketik /batal untuk berhenti mengisi Berita Acara.")
        return form(req, data, Outbound(hint), ba_question(data, t))
    if field in ("summary", "edit"):
        question = ba_question(data, t)
        wanted = text.casefold()
        picked = next((c.data for c in question.choices if c.label.casefold() == wanted), None)
        if picked is None:
            return form(req, data, Outbound(t("Mohon pilih salah satu tombol.")), question)
        tap = BeritaAcaraTap(FormAction(picked.split(":")[2]), *picked.split(":")[3:4])
        return await berita_acara_tap(req, officer, tap)
    value = text[:MAX_ANSWER].strip()
    if field == "petugas":
        return _ba_answer(req, data, *await _petugas_from_text(req, value))
    return _ba_answer(req, data, value)


async def _petugas_from_text(req: Request, text: str) -> tuple[str, list[list[Any]]]:
    """ "Budi, Ani" → names as typed, with the NIP of any officer of the agency so named."""
    names = [n.strip() for n in re.split(r"[,;\n]+", text) if n.strip()][:MAX_PETUGAS]
    known = {
        " ".join(o.name.casefold().split()): o
        for o in await repo.list_officers(req.conn, agency=req.desk.agency)
    }
    petugas: list[list[Any]] = []
    for name in names:
        found = known.get(" ".join(name.casefold().split()))
        petugas.append([found.name, found.nip] if found else [name, None])
    return ", ".join(p[0] for p in petugas), petugas


def _ba_cancel(req: Request) -> Step:
    t, ref = req.t, req.turn.data.get("ref", "")
    text = t("Pengisian Berita Acara dibatalkan. Tiket {ref} tetap terbuka.").format(ref=ref)
    return idle(req, Outbound(text))


async def berita_acara_tap(req: Request, officer: repo.OfficerRecord, tap: BeritaAcaraTap) -> Step:
    """Buttons of the Berita Acara form: "of:ba:me", "of:ba:send", "of:ba:edit:lokasi"…"""
    t, turn = req.t, req.turn
    data = berita_acara_form(turn.data)
    if turn.state is not State.OFFICER_FORM or data.get("form") != "selesai":
        return say(
            req,
            t(
                "Formulir Berita Acara ini sudah tidak aktif. Ketik /selesai NOMOR untuk "
                "mengisinya."
            ),
        )
    action = tap.action
    field = data.get("field")
    changed: BeritaAcaraForm
    if action is FormAction.CANCEL:
        return _ba_cancel(req)
    if action is FormAction.SEND and field == "summary":
        return await _ba_send(req, officer, data)
    if action is FormAction.EDIT and tap.field in BERITA_ACARA_FIELDS:
        changed = {**data, "field": tap.field, "editing": True}
        return form(req, changed, ba_question(changed, t))
    if action is FormAction.EDIT:
        changed = {**data, "field": "edit"}
        return form(req, changed, ba_question(changed, t))
    if action in (FormAction.BACK, FormAction.KEEP):
        changed = {**data, "field": "summary", "editing": False}
        return form(req, changed, ba_question(changed, t))
    if action is FormAction.NONE and field == "alternatif_solusi":
        return _ba_answer(req, data, t("Tidak ada"))
    if action is FormAction.LOCATION and field == "lokasi" and data.get("lokasi_saran"):
        return _ba_answer(req, data, str(data.get("lokasi_saran")))
    if action is FormAction.ME and field == "petugas":
        return _ba_answer(req, data, officer.name, [[officer.name, officer.nip]])
    return form(req, data, Outbound(t("Mohon pilih salah satu tombol.")), ba_question(data, t))


async def _ba_send(req: Request, officer: repo.OfficerRecord, data: BeritaAcaraForm) -> Step:
    """Close the ticket, keep the Berita Acara PDF with it and send it to both sides."""
    t, desk = req.t, req.desk
    try:
        found = await find_ticket(req, str(data.get("ref", "")), usage=usages(t)["selesai"])
        await require_act(req, officer, found)
        answers = {code: str(data.get("answers", {}).get(code, "")) for code in BERITA_ACARA_FIELDS}
        transition = await run_transition(
            req, officer, found, lambda w: finish(w, answers, by=officer.id, at=desk.now)
        )
    except Refusal as refusal:
        reply = Outbound(refusal.text, refusal.choices)
        record = await repo.get_ticket(req.conn, ref=str(data.get("ref", "")))
        if record is None or record.status.is_closed:
            return idle(req, reply)
        return form(req, data, reply, ba_question(data, t))
    record = found.record
    pdf = await asyncio.to_thread(render_berita_acara, _berita_acara(req, officer, record, data))
    filename = f"Berita-Acara-{record.ref}.pdf"
    saved = await repo.save_attachment(
        req.conn,
        store=desk.store,
        data=pdf,
        filename=filename,
        mime_hint="application/pdf",
        # The report belongs to the request: it is kept as the requester's file of the ticket.
        channel=record.channel,
        chat_id=record.chat_id,
        at=desk.now,
    )
    await repo.link_attachments(req.conn, ids=[saved.id], ticket_id=record.id)
    document = OutboundDocument(filename, "application/pdf", pdf)
    await commit_transition(
        req.conn, desk=desk, record=record, transition=transition, document=document
    )
    if record.channel in notify.OFFLINE_CHANNELS:
        text = t(
            "Tiket {ref} selesai dan ditutup. Berita Acara terlampir; mohon cetak dan serahkan "
            "kepada pemohon."
        )
    else:
        text = t(
            "Tiket {ref} selesai dan ditutup. Berita Acara terlampir dan telah dikirim kepada "
            "pemohon."
        )
    return idle(req, Outbound(text.format(ref=record.ref), document=document))


def _berita_acara(
    req: Request, officer: repo.OfficerRecord, record: repo.TicketRecord, data: BeritaAcaraForm
) -> BeritaAcara:
    """The report's values: the form's answers, the ticket, and the catalog (in Indonesian)."""
    desk = req.desk
    indonesian = translator("id")
    answers = data.get("answers", {})
    service = desk.service(record.service)
    work_role = record.assigned_role or ""
    if service is not None:
        # "Ditugaskan kepada" names who does the service's work (the step on the product's SLA).
        work = next((s for s in service.procedure if s.uses_service_sla), service.procedure[-1])
        work_role = work.role
    petugas = [(str(p[0]), p[1] if p[1] else None) for p in data.get("petugas") or []]
    if not petugas:
        petugas = [(officer.name, officer.nip)]
    pemohon = record.fields.get("penanggung_jawab") or record.fields.get("nama")
    return berita_acara_for(
        desk.catalog,
        record.service,
        record.product,
        ticket_ref=record.ref,
        tanggal=desk.now.astimezone(desk.calendar.zone).date(),
        ditugaskan_kepada=role_label(desk.catalog, work_role, indonesian),
        petugas=petugas,
        ringkasan_pekerjaan=str(answers.get("ringkasan_pekerjaan", "")),
        ringkasan_masalah=str(answers.get("ringkasan_masalah", "")),
        alternatif_solusi=str(answers.get("alternatif_solusi", "")),
        lokasi=str(answers.get("lokasi", "")),
        pemohon_name=str(pemohon) if pemohon else None,
        pemohon_nip=str(record.fields["nip"]) if record.fields.get("nip") else None,
        petugas_signer=(officer.name, officer.nip),
        batas_waktu=format_moment(record.due_at, desk.calendar.zone, indonesian),
    )
