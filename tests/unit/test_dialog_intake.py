"""The intake dialog as a pure state machine: no database, real catalogs, a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.dialogs import intake
from bot.dialogs.state import Context, FileTicket, State, Step, StoredUpload, Turn, UploadProblem
from bot.messages import Inbound, InboundAttachment, Outbound
from core.catalog.loader import available_agencies, load_catalog
from core.catalog.matching import Match, MatchResult, matcher_for
from core.catalog.schema import Catalog, FieldType
from core.sla.calendar import calendar_for
from core.workflow import plan_steps

# Monday 23 November 2026, 10:00 WIB: inside every agency's office hours.
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
PDF = InboundAttachment(b"%PDF-1.4\n%%EOF\n", "surat.pdf", "application/pdf")


def catalog(agency: str) -> Catalog:
    return load_catalog(agency)


def context(
    agency: str,
    *,
    now: datetime = NOW,
    match: Callable[[str], Any] | None = None,
    upload: StoredUpload | UploadProblem | None = None,
    first_contact: bool = False,
    real_matcher: bool = False,
) -> Context:
    cat = catalog(agency)
    if real_matcher:
        match = matcher_for(cat).match
    return Context(
        catalog=cat,
        calendar=calendar_for(cat.agency),
        now=now,
        match=match,
        upload=upload,
        first_contact=first_contact,
    )


def fixed_match(confident: bool, *pairs: tuple[str, str | None]) -> Callable[[str], MatchResult]:
    def match(text: str) -> MatchResult:
        found = [Match(service, product, 80.0 - i) for i, (service, product) in enumerate(pairs)]
        return MatchResult(query=text, confident=confident, matches=found)

    return match


def say(turn: Turn, ctx: Context, text: str) -> Step:
    return intake.step(turn, Inbound("test", "c1", "u1", text=text), ctx)


def tap(turn: Turn, ctx: Context, data: str) -> Step:
    return intake.step(turn, Inbound("test", "c1", "u1", choice=data), ctx)


def upload(turn: Turn, ctx: Context, stored: StoredUpload | UploadProblem) -> Step:
    return intake.step(
        turn, Inbound("test", "c1", "u1", attachment=PDF), replace(ctx, upload=stored)
    )


def after(result: Step) -> Turn:
    return Turn(result.state, result.data, result.locale)


def only(result: Step) -> Outbound:
    assert len(result.replies) == 1, [r.text for r in result.replies]
    return result.replies[0]


def data_of(reply: Outbound) -> list[str]:
    return [c.data for c in reply.choices]


def at_service(agency: str, service: str, product: str | None = None) -> tuple[Turn, Context]:
    ctx = context(agency)
    turn = after(tap(Turn(State.CHOOSE_SERVICE), ctx, f"svc:{service}"))
    if product is not None:
        turn = after(tap(turn, ctx, f"prd:{product}"))
    return turn, ctx


def valid_answer(field_type: FieldType, today: date) -> str:
    later = today + timedelta(days=30)
    return {
        FieldType.TEXT: "Dinas Contoh",
        FieldType.LONG_TEXT: "Uraian kebutuhan contoh",
        FieldType.DATE: later.strftime("%d/%m/%Y"),
        FieldType.DATETIME: later.strftime("%d/%m/%Y") + " 10.00",
        FieldType.EMAIL: "admin@contoh.go.id",
        FieldType.PHONE: "0812-3456-7890",
        FieldType.DOMAIN: "layanan.contoh.go.id",
        FieldType.NUMBER: "25",
        FieldType.NIP: "19850101 201001 1 003",
    }[field_type]


def fill_form(turn: Turn, ctx: Context) -> Turn:
    """Answer every field and document validly until the summary."""
    for _ in range(40):
        if turn.state is State.CONFIRM:
            return turn
        service = ctx.catalog.service(turn.data["service"])
        assert service is not None
        if turn.state is State.ASK_FIELD:
            spec = next(
                f
                for f in service.fields_for(turn.data.get("product"))
                if f.code == turn.data["field"]
            )
            if spec.type is FieldType.CHOICE:
                turn = after(tap(turn, ctx, f"fld:{spec.choices[0].code}"))
            else:
                turn = after(say(turn, ctx, valid_answer(spec.type, NOW.date())))
        elif turn.state is State.ASK_DOCUMENT:
            turn = after(upload(turn, ctx, StoredUpload(7, "surat.pdf", 15)))
        else:
            raise AssertionError(f"unexpected state {turn.state}")
    raise AssertionError("the form never ended")


# --- finding the service --------------------------------------------------------------------


def test_a_confident_match_asks_the_requester_to_confirm_the_service() -> None:
    ctx = context("kalbar", match=fixed_match(True, ("hosting", None)))
    result = say(Turn(), ctx, "mau hosting aplikasi")
    assert result.state is State.CONFIRM_SERVICE
    reply = only(result)
    assert "Pelayanan Hosting" in reply.text
    assert data_of(reply) == ["svc:hosting", "menu"]
    assert [c.label for c in reply.choices] == ["Ya", "Bukan, pilih dari menu"]


def test_typing_ya_to_the_confirmation_starts_that_service_with_the_matched_product() -> None:
    ctx = context("babel", match=fixed_match(True, ("jaringan-intra", "perbaikan")))
    asked = after(say(Turn(), ctx, "jaringan kantor rusak"))
    result = say(asked, ctx, "ya")
    assert result.data["service"] == "jaringan-intra"
    assert result.data["product"] == "perbaikan"
    assert result.state is State.ASK_FIELD


def test_saying_bukan_shows_the_whole_menu() -> None:
    ctx = context("kalbar", match=fixed_match(True, ("hosting", None)))
    asked = after(say(Turn(), ctx, "hosting"))
    result = say(asked, ctx, "bukan")
    assert result.state is State.CHOOSE_SERVICE
    assert len(only(result).choices) == len(ctx.catalog.services)


def test_weak_matches_are_offered_as_choices_with_the_full_menu_as_a_way_out() -> None:
    ctx = context("kalbar", match=fixed_match(False, ("jaringan", None), ("hosting", None)))
    result = say(Turn(), ctx, "server")
    assert result.state is State.CHOOSE_SERVICE
    assert data_of(only(result)) == ["svc:jaringan", "svc:hosting", "menu"]


def test_text_matching_nothing_apologises_and_shows_the_menu() -> None:
    ctx = context("kalbar", match=fixed_match(False))
    reply = only(say(Turn(), ctx, "xyzzy"))
    assert "belum menemukan layanan" in reply.text
    assert data_of(reply) == [f"svc:{s.code}" for s in ctx.catalog.services]


def test_the_real_matcher_recognises_slang_for_the_network_service() -> None:
    ctx = context("purbalingga", real_matcher=True)
    result = say(Turn(), ctx, "wifi kantor mati")
    assert result.state is State.CONFIRM_SERVICE
    assert result.data["offer"]["service"] == "internet-jaringan"


def test_a_greeting_on_first_contact_is_answered_with_a_welcome_and_the_menu() -> None:
    ctx = context("babel", first_contact=True, match=fixed_match(False))
    reply = only(say(Turn(), ctx, "Halo"))
    assert reply.text.startswith("Selamat datang di layanan Diskominfo Babel")
    assert "belum menemukan" not in reply.text
    assert data_of(reply) == ["svc:jaringan-intra", "svc:pembangunan-aplikasi"]


def test_a_typed_number_picks_that_entry_of_the_menu() -> None:
    ctx = context("kalbar")
    result = say(Turn(State.CHOOSE_SERVICE), ctx, "5")
    assert result.data["service"] == ctx.catalog.services[4].code


def test_a_service_with_products_asks_which_product_first() -> None:
    ctx = context("babel")
    result = tap(Turn(State.CHOOSE_SERVICE), ctx, "svc:pembangunan-aplikasi")
    assert result.state is State.CHOOSE_PRODUCT
    assert data_of(only(result)) == [
        "prd:rekomendasi",
        "prd:hosting-integrasi",
        "prd:pengujian-kelaikan",
    ]


def test_a_typed_word_from_one_product_name_picks_that_product() -> None:
    ctx = context("babel")
    asking = after(tap(Turn(State.CHOOSE_SERVICE), ctx, "svc:jaringan-intra"))
    assert say(asking, ctx, "perbaikan").data["product"] == "perbaikan"
    vague = say(asking, ctx, "jaringan")  # in every product's name: ask again
    assert vague.state is State.CHOOSE_PRODUCT and "pilih salah satu tombol" in only(vague).text


# --- fields ---------------------------------------------------------------------------------


def test_fields_are_asked_one_at_a_time_in_catalog_order() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    service = ctx.catalog.service("hosting")
    assert service is not None
    assert turn.data["field"] == service.fields[0].code
    turn = after(say(turn, ctx, "Dinas Pendidikan"))
    assert turn.data["field"] == service.fields[1].code
    assert turn.data["answers"] == {service.fields[0].code: "Dinas Pendidikan"}


def test_an_invalid_phone_number_is_asked_again_politely() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    turn = after(say(turn, ctx, "Dinas Pendidikan"))
    result = say(turn, ctx, "nomor saya belum ada")
    reply = only(result)
    assert result.state is State.ASK_FIELD and result.data["field"] == "kontak"
    assert "Nomor telepon tersebut belum benar" in reply.text
    assert "Nomor telepon/WhatsApp" in reply.text  # the question itself, asked again
    assert "kontak" not in result.data["answers"]


def test_a_phone_number_is_stored_in_international_form() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    turn = after(say(turn, ctx, "Dinas Pendidikan"))
    turn = after(say(turn, ctx, "0812-3456-7890"))
    assert turn.data["answers"]["kontak"] == "+6281234567890"


def test_an_empty_looking_answer_to_a_required_text_is_refused() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    reply = only(say(turn, ctx, "-"))
    assert "Jawaban belum terisi" in reply.text


def answer_until(turn: Turn, ctx: Context, field: str) -> Turn:
    """Answer the fields before `field` validly."""
    service = ctx.catalog.service(turn.data["service"])
    assert service is not None
    for _ in range(20):
        if turn.data.get("field") == field:
            return turn
        spec = next(
            f for f in service.fields_for(turn.data.get("product")) if f.code == turn.data["field"]
        )
        if spec.type is FieldType.CHOICE:
            turn = after(tap(turn, ctx, f"fld:{spec.choices[0].code}"))
        else:
            turn = after(say(turn, ctx, valid_answer(spec.type, NOW.date())))
    raise AssertionError(f"{field} was never asked")


def _to_event_date(turn: Turn, ctx: Context) -> Turn:
    return answer_until(turn, ctx, "tanggal_acara")


def test_a_press_conference_less_than_seven_days_ahead_is_refused_with_the_earliest_date() -> None:
    turn, ctx = at_service("kalbar", "konferensi-pers")
    turn = _to_event_date(turn, ctx)
    assert "Paling cepat Senin, 30 November 2026" in only(intake.reask(turn, ctx)).text
    reply = only(say(turn, ctx, "26/11/2026 10.00"))
    assert "paling lambat 7 hari sebelumnya" in reply.text
    assert "Senin, 30 November 2026" in reply.text


def test_the_event_date_question_gives_an_example_the_bot_would_accept() -> None:
    turn, ctx = at_service("kalbar", "konferensi-pers")
    turn = _to_event_date(turn, ctx)
    question = only(intake.reask(turn, ctx)).text
    assert "Contoh: 30/11/2026 14.00" in question
    assert "2025" not in question


def test_a_press_conference_a_week_ahead_is_accepted() -> None:
    turn, ctx = at_service("kalbar", "konferensi-pers")
    turn = _to_event_date(turn, ctx)
    result = say(turn, ctx, "30 Desember 2026 pukul 14.00")
    assert result.data["answers"]["tanggal_acara"] == "2026-12-30T14:00:00+07:00"


def test_a_date_and_time_without_the_time_asks_for_the_time() -> None:
    turn, ctx = at_service("kalbar", "konferensi-pers")
    turn = _to_event_date(turn, ctx)
    assert "sertakan jamnya" in only(say(turn, ctx, "30/12/2026")).text


def test_a_past_date_is_refused() -> None:
    turn, ctx = at_service("kalbar", "konferensi-pers")
    turn = _to_event_date(turn, ctx)
    assert "sudah lewat" in only(say(turn, ctx, "1/1/2026 10.00")).text


def test_a_choice_field_shows_buttons_and_accepts_a_typed_label() -> None:
    turn, ctx = at_service("kalbar", "email")
    turn = answer_until(turn, ctx, "jenis_permintaan")
    reply = only(intake.reask(turn, ctx))
    assert data_of(reply) == ["fld:perubahan", "fld:penambahan", "fld:reset-password"]
    result = say(turn, ctx, "reset password")
    assert result.data["answers"]["jenis_permintaan"] == "reset-password"


def test_free_text_for_a_choice_field_is_asked_again() -> None:
    turn, ctx = at_service("kalbar", "email")
    turn = answer_until(turn, ctx, "jenis_permintaan")
    result = say(turn, ctx, "entahlah")
    assert result.state is State.ASK_FIELD and result.data["field"] == "jenis_permintaan"
    assert "pilih salah satu tombol" in only(result).text


def test_an_optional_field_can_be_skipped_and_shows_as_skipped() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    turn = answer_until(turn, ctx, "spesifikasi")
    assert "skip" in data_of(only(intake.reask(turn, ctx)))
    turn = after(tap(turn, ctx, "skip"))
    assert turn.data["answers"]["spesifikasi"] is None
    turn = fill_form(turn, ctx)
    assert "(dilewati)" in only(intake.reask(turn, ctx)).text


@pytest.mark.parametrize(
    "typed",
    ["lewati", "Lewati saja pak", "bukan ASN, lewati", "tidak punya NIP", "skip", "not applicable"],
)
def test_any_typed_skip_lets_an_optional_question_go(typed: str) -> None:
    turn, ctx = at_service("babel", "jaringan-intra", "perbaikan")
    turn = answer_until(turn, ctx, "nip")
    turn = after(say(turn, ctx, typed))
    assert turn.data["answers"]["nip"] is None
    assert turn.data["field"] == "kontak"


def test_the_requesters_nip_is_read_inside_a_sentence_and_shown_as_on_letters() -> None:
    turn, ctx = at_service("babel", "jaringan-intra", "perbaikan")
    turn = answer_until(turn, ctx, "nip")
    turn = after(say(turn, ctx, "NIP saya 19850101.201001.1.003 pak"))
    assert turn.data["answers"]["nip"] == "198501012010011003"
    turn = fill_form(turn, ctx)
    assert "19850101 201001 1 003" in only(intake.reask(turn, ctx)).text


@pytest.mark.parametrize("typed", ["0812-3456-7890", "12345", "Budi Santoso"])
def test_what_is_not_a_nip_is_asked_again_with_the_way_out(typed: str) -> None:
    turn, ctx = at_service("babel", "jaringan-intra", "perbaikan")
    turn = answer_until(turn, ctx, "nip")
    result = say(turn, ctx, typed)
    assert result.data["field"] == "nip" and "nip" not in result.data["answers"]
    assert "18 angka" in only(result).text and "lewati" in only(result).text


# --- stale buttons --------------------------------------------------------------------------


def test_a_button_from_an_older_question_is_refused_and_the_current_question_repeated() -> None:
    turn, ctx = at_service("babel", "jaringan-intra", "perbaikan")
    result = tap(turn, ctx, "prd:perancangan")
    reply = only(result)
    assert "pilihan ini sudah tidak berlaku" in reply.text
    assert "Dari OPD/unit kerja mana" in reply.text
    assert result.state is State.ASK_FIELD and result.data == turn.data


def test_an_old_menu_button_does_not_restart_a_form_in_progress() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    result = tap(turn, ctx, "svc:email")
    assert result.data["service"] == "hosting"
    assert "sudah tidak berlaku" in only(result).text


def test_a_forged_button_naming_a_foreign_service_is_refused() -> None:
    ctx = context("kalbar")
    result = tap(Turn(State.CHOOSE_SERVICE), ctx, "svc:jaringan-intra")
    assert "sudah tidak berlaku" in only(result).text
    assert "service" not in result.data


def test_every_button_data_fits_in_64_bytes() -> None:
    for agency in available_agencies():
        ctx = context(agency)
        for service in ctx.catalog.services:
            turn = after(tap(Turn(State.CHOOSE_SERVICE), ctx, f"svc:{service.code}"))
            if turn.state is State.CHOOSE_PRODUCT:
                turn = after(tap(turn, ctx, f"prd:{service.products[-1].code}"))
            turn = fill_form(turn, ctx)
            editing = after(tap(turn, ctx, "sum:edit"))
            for reply in (intake.question_for(turn, ctx), intake.question_for(editing, ctx)):
                for button in reply.choices:
                    assert len(button.data.encode()) <= 64, button.data


# --- documents ------------------------------------------------------------------------------


def _at_document(agency: str, service: str, product: str | None = None) -> tuple[Turn, Context]:
    turn, ctx = at_service(agency, service, product)
    found = ctx.catalog.service(service)
    assert found is not None
    while turn.state is State.ASK_FIELD:
        spec = next(f for f in found.fields_for(product) if f.code == turn.data["field"])
        if spec.type is FieldType.CHOICE:
            turn = after(tap(turn, ctx, f"fld:{spec.choices[0].code}"))
        else:
            turn = after(say(turn, ctx, valid_answer(spec.type, NOW.date())))
    assert turn.state is State.ASK_DOCUMENT
    return turn, ctx


def test_an_uploaded_document_is_recorded_and_acknowledged() -> None:
    turn, ctx = _at_document("kalbar", "hosting")
    result = upload(turn, ctx, StoredUpload(42, "surat.pdf", 1234))
    assert result.data["docs"]["surat-permintaan"] == {
        "kind": "file",
        "attachment_id": 42,
        "filename": "surat.pdf",
    }
    assert only(result).text.startswith("Berkas surat.pdf kami terima.")
    assert result.state is State.CONFIRM


def test_a_too_large_file_is_refused_with_the_size_limit_and_asked_again() -> None:
    turn, ctx = _at_document("kalbar", "hosting")
    result = upload(turn, ctx, UploadProblem("too_large", 10 * 1024 * 1024))
    reply = only(result)
    assert "berkas terlalu besar (paling besar 10 MB)" in reply.text
    assert result.state is State.ASK_DOCUMENT and "surat-permintaan" not in result.data["docs"]


def test_a_disallowed_file_type_is_refused_politely() -> None:
    turn, ctx = _at_document("kalbar", "hosting")
    reply = only(upload(turn, ctx, UploadProblem("rejected")))
    assert "jenis berkas ini tidak dapat kami terima" in reply.text


def test_text_instead_of_a_document_asks_for_the_file() -> None:
    turn, ctx = _at_document("kalbar", "hosting")
    result = say(turn, ctx, "nanti saya kirim")
    assert result.state is State.ASK_DOCUMENT
    assert "sebagai lampiran" in only(result).text


def test_a_file_sent_while_a_field_is_asked_is_not_taken() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    result = upload(turn, ctx, StoredUpload(1, "x.pdf", 1))
    assert "belum memerlukan berkas" in only(result).text
    assert result.data == turn.data


def test_srikandi_is_offered_where_the_standard_allows_it_and_the_number_is_checked() -> None:
    turn, ctx = _at_document("purbalingga", "internet-jaringan", "gangguan")
    assert "srikandi" in data_of(only(intake.reask(turn, ctx)))
    asking = after(tap(turn, ctx, "srikandi"))
    assert asking.state is State.ASK_SRIKANDI
    refused = say(asking, ctx, "surat saya")
    assert "Nomor surat tersebut belum sesuai" in only(refused).text
    accepted = say(asking, ctx, "000.1/123/DISKOMINFO/2026")
    assert accepted.data["docs"]["surat-permintaan"] == {
        "kind": "srikandi",
        "number": "000.1/123/DISKOMINFO/2026",
    }
    assert accepted.state is State.CONFIRM


def test_srikandi_is_not_offered_where_the_standard_wants_an_upload() -> None:
    turn, ctx = _at_document("kalbar", "hosting")
    assert "srikandi" not in data_of(only(intake.reask(turn, ctx)))
    assert say(turn, ctx, "000.1/123/DISKOMINFO/2026").state is State.ASK_DOCUMENT


# --- summary, edit, cancel, submit ----------------------------------------------------------


def test_the_summary_lists_the_service_every_answer_the_documents_and_the_sla() -> None:
    turn, ctx = at_service("babel", "jaringan-intra", "perbaikan")
    turn = fill_form(turn, ctx)
    reply = only(intake.reask(turn, ctx))
    assert "Layanan: Layanan Jaringan Intra Pemerintah Daerah" in reply.text
    assert "Jenis: Perbaikan" in reply.text
    for spec in ctx.catalog.service("jaringan-intra").fields:  # type: ignore[union-attr]
        assert f"{spec.label.get('id')}: " in reply.text
    assert "surat.pdf" in reply.text
    assert "Waktu penyelesaian: 1-3 hari kerja" in reply.text
    assert data_of(reply) == ["sum:send", "sum:edit", "sum:cancel"]


def test_editing_one_answer_changes_only_it_and_returns_to_the_summary() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    turn = fill_form(turn, ctx)
    before = dict(turn.data["answers"])
    picking = after(tap(turn, ctx, "sum:edit"))
    assert picking.state is State.CHOOSE_EDIT
    asking = after(tap(picking, ctx, "edit:fld:domain"))
    assert asking.state is State.ASK_FIELD and "keep" in data_of(only(intake.reask(asking, ctx)))
    result = say(asking, ctx, "https://baru.kalbarprov.go.id/")
    assert result.state is State.CONFIRM
    assert result.data["answers"] == {**before, "domain": "baru.kalbarprov.go.id"}
    assert "baru.kalbarprov.go.id" in only(result).text


def test_keeping_an_answer_during_edit_returns_to_the_summary_unchanged() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    turn = fill_form(turn, ctx)
    asking = after(tap(after(tap(turn, ctx, "sum:edit")), ctx, "edit:fld:opd"))
    result = tap(asking, ctx, "keep")
    assert result.state is State.CONFIRM and result.data["answers"] == turn.data["answers"]


def test_changing_the_product_keeps_the_answers_and_updates_the_sla() -> None:
    turn, ctx = at_service("babel", "jaringan-intra", "perbaikan")
    turn = fill_form(turn, ctx)
    choosing = after(tap(after(tap(turn, ctx, "sum:edit")), ctx, "edit:prd"))
    assert choosing.state is State.CHOOSE_PRODUCT
    result = tap(choosing, ctx, "prd:perancangan")
    assert result.state is State.CONFIRM
    # The shared answers stay; the repair's own impact question does not apply to a design.
    shared = {k: v for k, v in turn.data["answers"].items() if k != "dampak"}
    assert result.data["answers"] == shared
    assert "Waktu penyelesaian: 5 hari kerja" in only(result).text


def test_cancel_from_the_summary_drops_everything_and_files_nothing() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    turn = fill_form(turn, ctx)
    result = tap(turn, ctx, "sum:cancel")
    assert result.state is State.IDLE and result.data == {} and result.effects == []
    assert "Tidak ada tiket yang dibuat" in result.replies[0].text


def test_submitting_files_a_ticket_due_at_the_published_standard_with_every_step_inside() -> None:
    turn, ctx = at_service("babel", "jaringan-intra", "perbaikan")
    turn = fill_form(turn, ctx)
    result = tap(turn, ctx, "sum:send")
    assert result.state is State.IDLE and result.data == {}
    (ticket,) = result.effects
    service = ctx.catalog.service("jaringan-intra")
    assert service is not None
    published = ctx.calendar.due(NOW, service.sla_for("perbaikan"))
    planned = plan_steps(service, "perbaikan", ctx.calendar, NOW)
    assert (ticket.service, ticket.product) == ("jaringan-intra", "perbaikan")
    # The published standard is the due; the SOP's steps are planned inside it.
    assert ticket.sla.start == published.start
    assert ticket.sla.due == published.due == planned[-1].due_at
    assert ticket.step == service.procedure[0].code
    assert ticket.role == service.procedure[0].role
    first = service.procedure[0].duration
    assert first is not None
    assert ticket.step_due == ctx.calendar.add(published.start, first.due)
    assert ticket.attachment_ids == [7]
    assert set(ticket.fields) == {f.code for f in service.fields_for("perbaikan")}


def test_the_ticket_message_gives_the_id_the_due_time_in_local_words_and_the_next_step() -> None:
    turn, ctx = at_service("babel", "jaringan-intra", "perbaikan")
    ticket = tap(fill_form(turn, ctx), ctx, "sum:send").effects[0]
    (reply,) = intake.filed_replies(ticket, "BABEL-2026-00001", Turn(), ctx)
    assert "nomor tiket BABEL-2026-00001" in reply.text
    # 1-3 working days from Monday 10:00 WIB: target Tuesday, due Thursday, at closing time:
    # the published standard, the same moment the review showed.
    assert "Target selesai: Selasa, 24 November 2026 pukul 16.00 WIB" in reply.text
    assert "Batas waktu penyelesaian: Kamis, 26 November 2026 pukul 16.00 WIB" in reply.text
    assert "Langkah berikutnya: Kepala Dinas mendisposisikan" in reply.text
    assert "/status BABEL-2026-00001" in reply.text


def test_a_request_on_saturday_counts_from_monday_morning() -> None:
    saturday = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
    turn, ctx = at_service("kalbar", "hosting")
    ctx = replace(ctx, now=saturday)
    ticket = tap(fill_form(turn, ctx), ctx, "sum:send").effects[0]
    assert ticket.sla.start == datetime(2026, 11, 30, 7, 30, tzinfo=ctx.calendar.zone)
    (reply,) = intake.filed_replies(ticket, "KALBAR-2026-00001", Turn(), ctx)
    assert "di luar jam layanan" in reply.text
    assert "Senin, 30 November 2026 pukul 07.30 WIB" in reply.text


def test_typed_kirim_submits_the_summary() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    result = say(fill_form(turn, ctx), ctx, "kirim")
    assert len(result.effects) == 1 and isinstance(result.effects[0], FileTicket)


# --- language and repair --------------------------------------------------------------------


def test_switching_to_english_asks_the_current_question_again_in_english() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    result = tap(turn, ctx, "lang:en")
    assert result.locale == "en" and result.state is State.ASK_FIELD
    reply = only(result)
    assert reply.text.startswith("All right, we will use English.")
    service = ctx.catalog.service("hosting")
    assert service is not None
    assert service.fields[0].prompt.get("en") in reply.text
    assert service.fields[0].prompt.get("en") != service.fields[0].prompt.get("id")


def test_validation_messages_follow_the_conversation_language() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    turn = replace(after(say(turn, ctx, "Dinas")), locale="en")
    assert "That phone number is not valid" in only(say(turn, ctx, "abc")).text


def test_a_conversation_pointing_at_a_removed_field_resumes_at_the_next_missing_answer() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    broken = replace(turn, data={**turn.data, "field": "no_such_field"})
    repaired = intake.repair(broken, ctx.catalog)
    assert repaired.state is State.ASK_FIELD and repaired.data["field"] == "opd"


def test_a_conversation_about_a_service_no_longer_in_the_catalog_starts_over() -> None:
    ctx = context("kalbar")
    broken = Turn(State.ASK_FIELD, {"service": "gone", "field": "x"})
    assert intake.repair(broken, ctx.catalog).state is State.IDLE


@pytest.mark.parametrize("agency", available_agencies())
def test_every_service_of_every_catalog_reaches_a_ticket(agency: str) -> None:
    ctx = context(agency)
    for service in ctx.catalog.services:
        products: list[str | None] = [p.code for p in service.products] or [None]
        for product in products:
            turn = after(tap(Turn(State.CHOOSE_SERVICE), ctx, f"svc:{service.code}"))
            if product is not None:
                turn = after(tap(turn, ctx, f"prd:{product}"))
            result = tap(fill_form(turn, ctx), ctx, "sum:send")
            (ticket,) = result.effects
            assert ticket.sla.due > NOW
            assert (ticket.service, ticket.product) == (service.code, product)


# --- event dates against the published due ---------------------------------------------------


def _at_event(agency: str, service: str, product: str | None = None) -> tuple[Turn, Context]:
    """The dialog at the service's event-time question, every earlier answer given."""
    turn, ctx = at_service(agency, service, product)
    found = ctx.catalog.service(service)
    assert found is not None
    for _ in range(20):
        assert turn.state is State.ASK_FIELD
        spec = next(f for f in found.fields_for(product) if f.code == turn.data["field"])
        if spec.event:
            return turn, ctx
        if spec.type is FieldType.CHOICE:
            turn = after(tap(turn, ctx, f"fld:{spec.choices[0].code}"))
        else:
            turn = after(say(turn, ctx, valid_answer(spec.type, NOW.date())))
    raise AssertionError("no event question")


def test_an_event_before_the_office_can_be_ready_is_not_silently_accepted() -> None:
    turn, ctx = _at_event("kalbar", "video-conference")
    # Monday 10:00: one working day means ready by Tuesday 16:00; the event is Tuesday 09:00.
    result = say(turn, ctx, "besok jam 9")
    reply = only(result)
    assert result.state is State.ASK_FIELD
    assert "Selasa, 24 November 2026 pukul 16.00 WIB" in reply.text
    assert data_of(reply) == ["evt:later", "evt:urgent"]
    assert "089699305225" in reply.text  # the agency's WhatsApp for urgent cases
    assert "waktu_acara" not in result.data.get("answers", {})


def test_an_early_event_can_be_filed_as_urgent_and_officers_will_see_it_flagged() -> None:
    turn, ctx = _at_event("kalbar", "video-conference")
    pending = after(say(turn, ctx, "besok jam 9"))
    urgent = tap(pending, ctx, "evt:urgent")
    assert "tandai mendesak" in urgent.replies[0].text
    assert urgent.data["answers"]["waktu_acara"].startswith("2026-11-24T09:00")
    summary = fill_form(after(urgent), ctx)
    assert "Ditandai mendesak" in only(intake.reask(summary, ctx)).text
    filed = tap(summary, ctx, "sum:send").effects[0]
    assert filed.fields["mendesak"] is True


def test_choosing_another_time_asks_again_and_a_later_event_is_taken_as_it_is() -> None:
    turn, ctx = _at_event("kalbar", "video-conference")
    pending = after(say(turn, ctx, "besok jam 9"))
    again = tap(pending, ctx, "evt:later")
    assert again.state is State.ASK_FIELD and "event_pending" not in again.data
    later = say(after(again), ctx, "26/11/2026 10.00")
    assert later.data["answers"]["waktu_acara"].startswith("2026-11-26T10:00")
    assert "urgent" not in later.data and "mendesak" not in only(later).text


def test_an_event_on_a_non_working_day_is_accepted_with_a_note() -> None:
    turn, ctx = _at_event("purbalingga", "internet-jaringan", "fasilitasi")
    result = say(turn, ctx, "28/11/2026 09.00")  # a Saturday
    assert result.data["answers"]["waktu"].startswith("2026-11-28T09:00")
    assert "di luar hari/jam kerja" in result.replies[0].text


def test_typed_words_answer_the_early_event_question() -> None:
    turn, ctx = _at_event("kalbar", "video-conference")
    pending = after(say(turn, ctx, "besok jam 9"))
    assert "tandai mendesak" in say(pending, ctx, "tetap ajukan").replies[0].text
    assert say(pending, ctx, "ganti waktu").state is State.ASK_FIELD


# --- answers as people type them -------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "iya betul",
        "ya bener",
        "yoi",
        "betul",
        "oke",
        "sip",
        "lanjut",
        "gas",
        "iya betul pak",
        "Yes",
        "yes please",
        "ok",
        "Betul sekali",
    ],
)
def test_any_yes_keeps_the_matched_service(typed: str) -> None:
    ctx = context("babel", match=fixed_match(True, ("jaringan-intra", "perbaikan")))
    asked = after(say(Turn(), ctx, "jaringan kantor rusak"))
    result = say(asked, ctx, typed)
    assert result.data["service"] == "jaringan-intra"
    assert result.data["product"] == "perbaikan"


@pytest.mark.parametrize("typed", ["bukan", "gak", "salah", "bukan itu pak", "no", "nggak"])
def test_any_no_to_the_matched_service_shows_the_menu(typed: str) -> None:
    ctx = context("babel", match=fixed_match(True, ("jaringan-intra", "perbaikan")))
    asked = after(say(Turn(), ctx, "jaringan kantor rusak"))
    result = say(asked, ctx, typed)
    assert result.state is State.CHOOSE_SERVICE
    assert "svc:pembangunan-aplikasi" in data_of(only(result))


@pytest.mark.parametrize("typed", ["ok kirim", "iya kirim aja", "sip", "gas", "send it"])
def test_any_yes_at_the_summary_sends_it(typed: str) -> None:
    turn, ctx = at_service("kalbar", "hosting")
    result = say(fill_form(turn, ctx), ctx, typed)
    assert len(result.effects) == 1


def test_never_mind_at_the_summary_cancels_and_wrong_asks_what_to_change() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    summary = fill_form(turn, ctx)
    cancelled = say(summary, ctx, "ga jadi deh")
    assert cancelled.state is State.IDLE and cancelled.effects == []
    assert say(summary, ctx, "salah").state is State.CHOOSE_EDIT


def test_a_typo_close_to_one_buttons_label_counts_as_that_button() -> None:
    turn, ctx = at_service("kalbar", "hosting")
    assert len(say(fill_form(turn, ctx), ctx, "kirm").effects) == 1


@pytest.mark.parametrize("typed", ["makasih pak", "terima kasih banyak", "thanks", "matur nuwun"])
def test_thanks_get_a_welcome_and_the_conversation_stays(typed: str) -> None:
    ctx = context("babel", match=fixed_match(True, ("jaringan-intra", "perbaikan")))
    asked = after(say(Turn(), ctx, "jaringan kantor rusak"))
    result = say(asked, ctx, typed)
    assert "Sama-sama" in only(result).text
    assert result.state is State.CONFIRM_SERVICE
    idle = say(Turn(), context("babel"), typed)
    assert "Sama-sama" in only(idle).text and idle.state is State.IDLE


# --- the first message counts ----------------------------------------------------------------

FIRST = "internet di kantor kami mati sejak pagi"


def _at_description() -> tuple[Turn, Context]:
    """babel network repair matched from a first message that describes the need, every
    question before the description answered."""
    ctx = context("babel", match=fixed_match(True, ("jaringan-intra", "perbaikan")))
    turn = after(say(after(say(Turn(), ctx, FIRST)), ctx, "ya"))
    service = ctx.catalog.service("jaringan-intra")
    assert service is not None
    for _ in range(10):
        spec = next(f for f in service.fields_for("perbaikan") if f.code == turn.data["field"])
        if spec.type is FieldType.LONG_TEXT:
            return turn, ctx
        turn = after(say(turn, ctx, valid_answer(spec.type, NOW.date())))
    raise AssertionError("no description question")


def test_the_description_question_offers_what_the_first_message_already_said() -> None:
    turn, ctx = _at_description()
    question = only(intake.reask(turn, ctx))
    assert FIRST in question.text
    assert data_of(question) == ["said:use"]
    used = tap(turn, ctx, "said:use")
    assert used.data["answers"]["uraian"] == FIRST
    assert "said" not in used.data


def test_what_the_requester_adds_joins_what_they_first_said() -> None:
    turn, ctx = _at_description()
    added = say(turn, ctx, "lampu switch di ruang server berkedip oranye")
    assert (
        added.data["answers"]["uraian"] == f"{FIRST}\nlampu switch di ruang server berkedip oranye"
    )


def test_a_first_message_that_only_names_a_service_is_not_offered_back() -> None:
    ctx = context("babel", match=fixed_match(True, ("jaringan-intra", "perbaikan")))
    asked = after(say(Turn(), ctx, "jaringan"))
    assert "said" not in asked.data


# --- a date and time given in two messages ---------------------------------------------------


def test_a_day_given_first_and_its_time_after_make_one_answer() -> None:
    turn, ctx = _at_event("kalbar", "video-conference")
    asked = say(turn, ctx, "senin depan")
    assert "jam" in only(asked).text.lower()
    done = say(after(asked), ctx, "jam 9")
    assert done.data["answers"]["waktu_acara"].startswith("2026-11-30T09:00")
    assert "day_given" not in done.data


def test_a_time_given_first_and_its_day_after_make_one_answer() -> None:
    turn, ctx = _at_event("kalbar", "video-conference")
    asked = say(turn, ctx, "jam 10 pagi")
    done = say(after(asked), ctx, "rabu depan")
    assert done.data["answers"]["waktu_acara"].startswith("2026-12-02T10:00")
