"""Reading what requesters type (Indonesian dates, phones, domains...) and showing times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.dialogs.values import (
    FieldContext,
    ValueProblem,
    agency_email_domains,
    example_answer,
    normalize_domain,
    normalize_number,
    normalize_phone,
    parse_date,
    parse_datetime,
    read_email,
    read_nip,
    read_number,
    valid_srikandi,
    validate,
)
from bot.labels import format_moment, show_answer, show_nip, show_phone, zone_name
from core.catalog.loader import load_catalog
from core.catalog.schema import FieldSpec, FieldType
from locales import Translator, translator

TODAY = date(2026, 11, 23)  # a Monday
JAKARTA = ZoneInfo("Asia/Jakarta")
ID = translator("id")
EN = translator("en")
# 10.00 WIB on Monday 23 November 2026, the `TODAY` above.
MONDAY_10AM = FieldContext(now=datetime(2026, 11, 23, 3, tzinfo=UTC), zone=JAKARTA)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/12/2026", date(2026, 12, 25)),
        ("25-12-2026", date(2026, 12, 25)),
        ("25.12.2026", date(2026, 12, 25)),
        ("2026-12-25", date(2026, 12, 25)),
        ("25 Desember 2026", date(2026, 12, 25)),
        ("25 des 2026", date(2026, 12, 25)),
        ("Jumat, 25 Desember 2026", date(2026, 12, 25)),
        ("tanggal 3 Januari 2027", date(2027, 1, 3)),
        ("25 December 2026", date(2026, 12, 25)),
        ("5 Agustus", date(2027, 8, 5)),  # already past this year: next year's
        ("besok", date(2026, 11, 24)),
        ("lusa", date(2026, 11, 25)),
        ("hari ini", TODAY),
    ],
)
def test_indonesian_ways_of_writing_a_date_are_understood(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "kapan-kapan", "25 Desembar", ""])
def test_impossible_or_unreadable_dates_are_not_guessed(text: str) -> None:
    assert parse_date(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/12/2026 14:00", (date(2026, 12, 25), time(14, 0))),
        ("25/12/2026 14.00", (date(2026, 12, 25), time(14, 0))),
        ("25 Desember 2026 pukul 09.30 WIB", (date(2026, 12, 25), time(9, 30))),
        ("besok jam 8", (date(2026, 11, 24), time(8, 0))),
        ("25/12/2026", (date(2026, 12, 25), None)),
    ],
)
def test_a_day_and_a_time_of_day_are_read_together(
    text: str, expected: tuple[date, time | None]
) -> None:
    assert parse_datetime(text, TODAY, JAKARTA) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("081234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("(0281) 8902091", "+622818902091"),
        ("62812345678", "+62812345678"),
    ],
)
def test_indonesian_phone_numbers_are_normalised(text: str, expected: str) -> None:
    assert normalize_phone(text) == expected


@pytest.mark.parametrize("text", ["12345", "08abc", "nomor saya", "+1 555 0100 200"])
def test_things_that_are_not_indonesian_phone_numbers_are_refused(text: str) -> None:
    assert normalize_phone(text) is None


def test_domains_lose_their_scheme_and_path_and_must_have_a_real_tld() -> None:
    assert normalize_domain("https://SIPD.kalbarprov.go.id/login") == "sipd.kalbarprov.go.id"
    assert normalize_domain("localhost") is None
    assert normalize_domain("bad_name.go.id") is None
    assert normalize_domain("-x.go.id") is None


def test_numbers_accept_indonesian_thousand_and_decimal_separators() -> None:
    assert normalize_number("1.500") == "1500"
    assert normalize_number("2,5") == "2.5"
    assert normalize_number("25") == "25"
    assert normalize_number("dua puluh") is None
    assert normalize_number("-3") is None


def test_srikandi_numbers_need_digits_and_a_separator() -> None:
    assert valid_srikandi(" 000.1/123/DISKOMINFO/2026 ") == "000.1/123/DISKOMINFO/2026"
    assert valid_srikandi("B-12/2026") == "B-12/2026"
    assert valid_srikandi("DISKOMINFO") is None
    assert valid_srikandi("123456") is None
    assert valid_srikandi("<script>/1") is None


def _spec(field_type: FieldType, **extra: object) -> FieldSpec:
    return FieldSpec.model_validate(
        {"code": "x", "label": "X", "prompt": "X?", "type": field_type, **extra}
    )


def test_a_text_over_its_maximum_length_is_refused_with_the_limit() -> None:
    ctx = FieldContext(now=datetime(2026, 11, 23, 3, tzinfo=UTC), zone=JAKARTA)
    with pytest.raises(ValueProblem) as problem:
        validate(_spec(FieldType.TEXT, max_length=10), "x" * 11, ctx, ID)
    assert "paling banyak 10 karakter" in problem.value.message


def test_an_email_address_is_checked() -> None:
    ctx = FieldContext(now=datetime(2026, 11, 23, 3, tzinfo=UTC), zone=JAKARTA)
    assert validate(_spec(FieldType.EMAIL), "admin@kalbarprov.go.id", ctx, ID)
    with pytest.raises(ValueProblem):
        validate(_spec(FieldType.EMAIL), "admin at kalbarprov", ctx, ID)


def test_a_datetime_earlier_today_is_refused_even_when_today_is_allowed() -> None:
    ctx = FieldContext(now=datetime(2026, 11, 23, 3, tzinfo=UTC), zone=JAKARTA)  # 10:00 WIB
    with pytest.raises(ValueProblem) as problem:
        validate(_spec(FieldType.DATETIME, min_days_ahead=0), "hari ini 08.00", ctx, ID)
    assert "sudah lewat" in problem.value.message
    stored = validate(_spec(FieldType.DATETIME, min_days_ahead=0), "hari ini 13.00", ctx, ID)
    assert stored == "2026-11-23T13:00:00+07:00"


def test_times_are_shown_in_indonesian_words_with_the_zone() -> None:
    moment = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert format_moment(moment, "Asia/Jakarta", ID) == "Senin, 30 November 2026 pukul 16.00 WIB"
    assert format_moment(moment, "Asia/Jakarta", translator("en")) == (
        "Monday, 30 November 2026 at 16:00 WIB"
    )


def test_indonesian_zones_are_named_from_their_offset() -> None:
    noon = datetime(2026, 1, 1, 5, tzinfo=UTC)
    assert zone_name(noon.astimezone(ZoneInfo("Asia/Pontianak"))) == "WIB"
    assert zone_name(noon.astimezone(ZoneInfo("Asia/Makassar"))) == "WITA"
    assert zone_name(noon.astimezone(ZoneInfo("Asia/Jayapura"))) == "WIT"
    assert zone_name(noon.astimezone(ZoneInfo("Asia/Kolkata"))) == "UTC+5:30"


@pytest.mark.parametrize(
    ("field_type", "min_days_ahead"),
    [(FieldType.DATE, None), (FieldType.DATE, 7), (FieldType.DATETIME, 1), (FieldType.DATETIME, 7)],
)
def test_the_example_of_a_date_field_is_an_answer_the_bot_accepts(
    field_type: FieldType, min_days_ahead: int | None
) -> None:
    # Two years after the catalogs were written, a fixed "20-08-2025" example would be refused.
    ctx = FieldContext(now=datetime(2028, 3, 6, 3, tzinfo=UTC), zone=JAKARTA)
    spec = _spec(field_type, min_days_ahead=min_days_ahead)
    for t in (ID, translator("en")):
        example = example_answer(spec, ctx, t)
        assert "2028" in example
        assert validate(spec, example.split(" atau ")[0].split(" or ")[0], ctx, t)


def test_an_unreadable_date_is_answered_with_an_example_from_the_future() -> None:
    ctx = FieldContext(now=datetime(2028, 3, 6, 3, tzinfo=UTC), zone=JAKARTA)
    with pytest.raises(ValueProblem) as problem:
        validate(_spec(FieldType.DATETIME, min_days_ahead=7), "minggu depan", ctx, ID)
    assert "Contoh: 13/03/2028 14.00." in problem.value.message


# --- issue 10 §1: answers as people type them ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "nomor saya 0812-9988-7766 pak",
        "WA: +62 812 9988 7766",
        "hp 0812 9988 7766 (kantor)",
        "081299887766",
        "0812.9988.7766",
        "6281299887766",
        "+62 (0)812 9988 7766",
        "my number is 0812 9988 7766, thanks",
        "WhatsApp: +62 812-9988-7766",
        "call me on 081299887766 please",
    ],
)
def test_a_phone_number_inside_a_sentence_is_found_and_stored_in_e164(text: str) -> None:
    assert normalize_phone(text) == "+6281299887766"
    assert validate(_spec(FieldType.PHONE), text, MONDAY_10AM, ID) == "+6281299887766"


@pytest.mark.parametrize(
    "text",
    ["Rp 1.500.000", "812 3456 7890", "NIP 198503122010011001", "25/12/2026", "٠٨١٢٣٤٥٦٧٨٩٠"],
)
def test_money_ids_dates_and_numbers_without_their_leading_zero_are_not_phone_numbers(
    text: str,
) -> None:
    assert normalize_phone(text) is None


@pytest.mark.parametrize(
    ("text", "t", "expected"),
    [
        ("+1 555 0100 200", ID, "Mohon tuliskan nomor telepon Indonesia (diawali 0 atau +62)"),
        ("+44 20 7946 0958", EN, "Please write an Indonesian phone number"),
        ("nomor saya belum ada", ID, "Nomor telepon tersebut belum benar, contoh: 081234567890."),
        ("I don't have one yet", EN, "That phone number is not valid, for example: 081234567890."),
    ],
)
def test_a_phone_answer_that_is_no_indonesian_number_is_refused_politely(
    text: str, t: Translator, expected: str
) -> None:
    with pytest.raises(ValueProblem) as problem:
        validate(_spec(FieldType.PHONE), text, MONDAY_10AM, t)
    assert expected in problem.value.message
    assert "081234567890" in problem.value.message  # with an example to copy


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+6281299887766", "0812-9988-7766"),
        ("+62812345678", "0812-345-678"),
        ("+625618173627", "(0561) 8173627"),
        ("+442079460958", "+44 20 7946 0958"),
        ("081299887766", "0812-9988-7766"),  # an answer stored before E.164
        ("tidak ada", "tidak ada"),
    ],
)
def test_stored_phone_numbers_are_shown_the_indonesian_way(stored: str, shown: str) -> None:
    assert show_phone(stored) == shown


@pytest.mark.parametrize("t", [ID, EN])
def test_a_phone_answer_is_shown_the_indonesian_way_in_summaries(t: Translator) -> None:
    spec = _spec(FieldType.PHONE)
    assert show_answer(spec, "+6281299887766", JAKARTA, t) == "0812-9988-7766"
    assert show_answer(_spec(FieldType.TEXT), "+6281299887766", JAKARTA, t) == "+6281299887766"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40", "40"),
        ("40an", "40"),
        ("40-an", "40"),
        ("kira2 40 orang", "40"),
        ("kira-kira 40 orang", "40"),
        ("sekitar 40", "40"),
        ("± 40", "40"),
        ("+- 40 peserta", "40"),
        ("kurang lebih 40 peserta", "40"),
        ("empat puluh", "40"),
        ("dua puluh lima", "25"),
        ("seratus", "100"),
        ("sebelas orang", "11"),
        ("dua belas", "12"),
        ("seratus dua puluh lima", "125"),
        ("seribu lima ratus", "1500"),
        ("sekitar empat puluhan orang", "40"),
        ("2 ratus", "200"),
        ("30-40 orang", "40"),  # a range: the larger, to plan for
        ("30 sampai 40", "40"),
        ("1.500", "1500"),
        ("about 40", "40"),
        ("around 40 people", "40"),
        ("approx. 40", "40"),
        ("40ish", "40"),
        ("forty", "40"),
        ("twenty-five", "25"),
        ("twenty five", "25"),
        ("a hundred", "100"),
        ("one hundred and twenty", "120"),
        ("roughly forty five participants", "45"),
        ("30 to 40", "40"),
    ],
)
def test_approximate_and_spelled_out_counts_are_stored_as_the_number(
    text: str, expected: str
) -> None:
    assert read_number(text) == expected
    assert validate(_spec(FieldType.NUMBER), text, MONDAY_10AM, ID) == expected


@pytest.mark.parametrize(
    "text",
    [
        "puluhan",
        "banyak",
        "empat lima",
        "lima orang dari dua kantor",
        "40 orang dan 3 laptop",
        "-3",
        "minus 3",
        "lt2",
        "dozens",
        "forty twenty",
        "seratus seratus",
    ],
)
def test_counts_that_are_not_one_number_are_refused_with_an_example(text: str) -> None:
    assert read_number(text) is None
    for t, expected in ((ID, "contoh: 25"), (EN, "for example: 25")):
        with pytest.raises(ValueProblem) as problem:
            validate(_spec(FieldType.NUMBER), text, MONDAY_10AM, t)
        assert expected in problem.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Indonesian
        ("senin depan jam 9 pagi", (date(2026, 11, 30), time(9, 0))),
        ("besok jam 9", (date(2026, 11, 24), time(9, 0))),
        ("lusa", (date(2026, 11, 25), None)),
        ("lusa jam 10", (date(2026, 11, 25), time(10, 0))),
        ("besok jam 2 siang", (date(2026, 11, 24), time(14, 0))),
        ("rabu jam 7 malam", (date(2026, 11, 25), time(19, 0))),
        ("besok sore jam 4", (date(2026, 11, 24), time(16, 0))),
        ("besok pukul 13.00", (date(2026, 11, 24), time(13, 0))),
        ("tgl 15 desember jam 14:30", (date(2026, 12, 15), time(14, 30))),
        ("tanggal 15 Desember, jam 14.30 WIB", (date(2026, 12, 15), time(14, 30))),
        ("15 Des 2026 pukul 09.00", (date(2026, 12, 15), time(9, 0))),
        ("selasa minggu depan jam 10", (date(2026, 12, 1), time(10, 0))),
        ("hari minggu depan", (date(2026, 12, 6), None)),  # a Sunday, not "next week"
        ("kamis ini pukul 13.00", (date(2026, 11, 26), time(13, 0))),
        ("Jum'at jam 8", (date(2026, 11, 27), time(8, 0))),
        ("3 hari lagi jam 9", (date(2026, 11, 26), time(9, 0))),
        ("seminggu lagi", (date(2026, 11, 30), None)),
        ("tgl 30 jam 10", (date(2026, 11, 30), time(10, 0))),
        ("15/12 jam 10", (date(2026, 12, 15), time(10, 0))),
        ("besok jam setengah 10", (date(2026, 11, 24), time(9, 30))),
        ("besok jam sembilan pagi", (date(2026, 11, 24), time(9, 0))),
        ("nanti malam jam 8", (date(2026, 11, 23), time(20, 0))),
        # English
        ("next monday 9am", (date(2026, 11, 30), time(9, 0))),
        ("tomorrow 2pm", (date(2026, 11, 24), time(14, 0))),
        ("day after tomorrow at 10", (date(2026, 11, 25), time(10, 0))),
        ("tomorrow evening at 7", (date(2026, 11, 24), time(19, 0))),
        ("December 15th at 2:30pm", (date(2026, 12, 15), time(14, 30))),
        ("15 Dec 2026 at 9am", (date(2026, 12, 15), time(9, 0))),
        ("tuesday next week at 10am", (date(2026, 12, 1), time(10, 0))),
        ("this thursday at 1 pm", (date(2026, 11, 26), time(13, 0))),
        ("in 3 days at 9am", (date(2026, 11, 26), time(9, 0))),
        ("noon tomorrow", (date(2026, 11, 24), time(12, 0))),
    ],
)
def test_days_and_times_as_people_write_them_are_read(
    text: str, expected: tuple[date, time | None]
) -> None:
    assert parse_datetime(text, TODAY, JAKARTA) == expected
    assert parse_date(text, TODAY) == expected[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jam 2 siang", time(14, 0)),
        ("jam 12 siang", time(12, 0)),
        ("jam 4 sore", time(16, 0)),
        ("jam 7 malam", time(19, 0)),
        ("jam 9 pagi", time(9, 0)),
        ("pukul 13.00", time(13, 0)),
        ("pkl 08.30 WIB", time(8, 30)),
        ("2pm", time(14, 0)),
        ("at 7 in the evening", time(19, 0)),
        ("9:30 am", time(9, 30)),
        ("12 pm", time(12, 0)),
    ],
)
def test_a_time_of_day_takes_its_part_of_the_day_into_account(text: str, expected: time) -> None:
    assert parse_datetime(text, TODAY, JAKARTA) == (None, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("selamat pagi, besok jam 2", time(14, 0)),  # a greeting is no part of the day
        ("selamat siang pak, besok jam 9", time(9, 0)),
        ("good morning, tomorrow at 2", time(14, 0)),
        ("besok jam 2", time(14, 0)),  # an office's "jam 2" is in the afternoon
        ("besok pukul 1.15", time(13, 15)),
        ("tomorrow at 3", time(15, 0)),
        ("besok jam 2 pagi", time(2, 0)),  # unless it says otherwise
        ("besok 02.30", time(2, 30)),
        ("besok jam 9 pagi sampai jam 3 sore", time(9, 0)),  # the start
    ],
)
def test_small_hours_are_read_as_an_office_would_read_them(text: str, expected: time) -> None:
    assert parse_datetime(text, TODAY, JAKARTA) == (date(2026, 11, 24), expected)


@pytest.mark.parametrize(
    ("text", "t", "asked"),
    [
        ("minggu depan", ID, "Hari apa tepatnya, Bapak/Ibu?"),
        ("minggu depan jam 9", ID, "Hari apa tepatnya, Bapak/Ibu?"),
        ("pekan depan", ID, "Hari apa tepatnya, Bapak/Ibu?"),
        ("next week", EN, "Which day exactly?"),
        ("sometime next week at 10am", EN, "Which day exactly?"),
        ("bulan depan", ID, "Tanggal berapa tepatnya, Bapak/Ibu?"),
        ("next month", EN, "Which date exactly?"),
    ],
)
def test_a_week_or_month_without_its_day_is_asked_about_not_guessed(
    text: str, t: Translator, asked: str
) -> None:
    assert parse_date(text, TODAY) is None
    for field_type in (FieldType.DATE, FieldType.DATETIME):
        spec = _spec(field_type, min_days_ahead=1)
        with pytest.raises(ValueProblem) as problem:
            validate(spec, text, MONDAY_10AM, t)
        assert problem.value.message.startswith(asked)
        assert example_answer(spec, MONDAY_10AM, t) in problem.value.message


@pytest.mark.parametrize(
    ("text", "t", "asked"),
    [
        ("jam 2 siang", ID, "Pukul 14.00 pada hari dan tanggal berapa, Bapak/Ibu?"),
        ("pukul 13.00", ID, "Pukul 13.00 pada hari dan tanggal berapa, Bapak/Ibu?"),
        ("2pm", EN, "At 14:00 on which day and date?"),
    ],
)
def test_a_time_without_its_day_is_asked_for_the_day(text: str, t: Translator, asked: str) -> None:
    with pytest.raises(ValueProblem) as problem:
        validate(_spec(FieldType.DATETIME, min_days_ahead=1), text, MONDAY_10AM, t)
    assert problem.value.message.startswith(asked)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("senin depan jam 9 pagi", "2026-11-30T09:00:00+07:00"),
        ("next monday 9am", "2026-11-30T09:00:00+07:00"),
        ("tgl 15 desember jam 14:30", "2026-12-15T14:30:00+07:00"),
        ("December 15th at 2:30pm", "2026-12-15T14:30:00+07:00"),
    ],
)
def test_a_typed_day_and_time_is_stored_in_the_office_zone(text: str, expected: str) -> None:
    assert validate(_spec(FieldType.DATETIME, min_days_ahead=7), text, MONDAY_10AM, ID) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("besok jam 9", "2026-11-25"), ("lusa", "2026-11-26")]
)
def test_relative_days_count_from_today_in_the_office_zone(text: str, expected: str) -> None:
    # 18.00 UTC on the 23rd is already 01.00 on the 24th in Jakarta: "besok" is the 25th.
    late = FieldContext(now=datetime(2026, 11, 23, 18, tzinfo=UTC), zone=JAKARTA)
    assert validate(_spec(FieldType.DATE), text, late, ID) == expected


@pytest.mark.parametrize(
    ("text", "field_type", "min_days_ahead", "refused"),
    [
        ("besok jam 9", FieldType.DATETIME, 7, "paling lambat 7 hari sebelumnya"),
        ("tomorrow 9am", FieldType.DATETIME, 7, "paling lambat 7 hari sebelumnya"),
        ("lusa", FieldType.DATE, 7, "paling lambat 7 hari sebelumnya"),
        ("kemarin jam 9", FieldType.DATETIME, 0, "Tanggal tersebut sudah lewat"),
        ("senin lalu", FieldType.DATE, None, "Tanggal tersebut sudah lewat"),
        ("last friday", FieldType.DATE, None, "Tanggal tersebut sudah lewat"),
        ("hari ini jam 9 pagi", FieldType.DATETIME, 0, "Waktu tersebut sudah lewat"),
        ("today at 8am", FieldType.DATETIME, 0, "Waktu tersebut sudah lewat"),
    ],
)
def test_typed_days_keep_the_notice_period_and_refuse_the_past(
    text: str, field_type: FieldType, min_days_ahead: int | None, refused: str
) -> None:
    with pytest.raises(ValueProblem) as problem:
        validate(_spec(field_type, min_days_ahead=min_days_ahead), text, MONDAY_10AM, ID)
    assert refused in problem.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("admin@kalbarprov.go.id", "admin@kalbarprov.go.id"),
        ("email saya Budi.Santoso@KalbarProv.go.id pak", "Budi.Santoso@kalbarprov.go.id"),
        ("my address is <sekretariat@diskominfo.go.id>.", "sekretariat@diskominfo.go.id"),
        ("mailto:admin@babelprov.go.id", "admin@babelprov.go.id"),
    ],
)
def test_an_email_address_inside_a_sentence_is_read(text: str, expected: str) -> None:
    assert read_email(text) == expected
    assert validate(_spec(FieldType.EMAIL), text, MONDAY_10AM, ID) == expected


@pytest.mark.parametrize("text", ["admin at kalbarprov", "a@b.go.id atau c@d.go.id", "@go.id"])
def test_no_or_two_email_addresses_are_refused(text: str) -> None:
    assert read_email(text) is None
    with pytest.raises(ValueProblem):
        validate(_spec(FieldType.EMAIL), text, MONDAY_10AM, ID)


AGENCY = FieldContext(
    now=MONDAY_10AM.now, zone=JAKARTA, agency_domains=("kalbarprov.go.id", "diskominfo.example.id")
)


@pytest.mark.parametrize(
    "text",
    [
        "sekretariat@kalbarprov.go.id",
        "admin@diskominfo.pontianakkota.go.id",
        "admin@kominfo.go.id",
        "it@diskominfo.example.id",  # the agency's own domain, not under go.id
        "my official address is it@mail.diskominfo.example.id",
    ],
)
def test_an_official_email_field_accepts_government_and_agency_addresses(text: str) -> None:
    assert validate(_spec(FieldType.EMAIL, official=True), text, AGENCY, ID)


@pytest.mark.parametrize(
    ("text", "t", "said"),
    [
        (
            "budi.opd@gmail.com",
            ID,
            "Untuk isian ini mohon gunakan alamat email kedinasan, yaitu yang domainnya "
            "berakhiran go.id atau diskominfo.example.id, contoh: nama@kalbarprov.go.id.",
        ),
        (
            "admin@go.id.example.com",
            EN,
            "Please give an official e-mail address here, one whose domain ends in go.id or "
            "diskominfo.example.id, for example: nama@kalbarprov.go.id.",
        ),
        ("admin@notgo.id", ID, "berakhiran go.id atau diskominfo.example.id"),
    ],
)
def test_an_official_email_field_refuses_other_addresses_and_says_which_domains(
    text: str, t: Translator, said: str
) -> None:
    with pytest.raises(ValueProblem) as problem:
        validate(_spec(FieldType.EMAIL, official=True), text, AGENCY, t)
    assert said in problem.value.message
    # An e-mail field not marked official takes any address, as before.
    assert validate(_spec(FieldType.EMAIL), text, AGENCY, t)


def test_an_official_email_field_without_agency_domains_takes_go_id() -> None:
    spec = _spec(FieldType.EMAIL, official=True, example="sekretariat@kalbarprov.go.id")
    assert validate(spec, "sekretariat@kalbarprov.go.id", MONDAY_10AM, ID)
    with pytest.raises(ValueProblem) as problem:
        validate(spec, "sekretariat@yahoo.co.id", MONDAY_10AM, ID)
    assert problem.value.message.endswith("berakhiran go.id, contoh: sekretariat@kalbarprov.go.id.")


def test_only_an_email_field_can_be_official() -> None:
    with pytest.raises(ValueError, match="official applies to e-mail fields only"):
        _spec(FieldType.TEXT, official=True)


def test_the_agency_domains_come_from_its_e_mail_contacts() -> None:
    assert agency_email_domains(load_catalog("kalbar").agency) == ("kalbarprov.go.id",)
    assert agency_email_domains(load_catalog("purbalingga").agency) == ("purbalinggakab.go.id",)


def test_kalbar_marks_the_opd_e_mail_account_official_as_its_standard_says() -> None:
    catalog = load_catalog("kalbar")
    email = catalog.service("email")
    assert email is not None
    assert next(f for f in email.fields if f.code == "alamat_email").official


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("198501012010011003", "198501012010011003"),
        ("NIP 19850101 201001 1 003", "198501012010011003"),
        ("nip saya 19850101.201001.1.003 pak", "198501012010011003"),
        ("NI PPPK 199203152022212001", "199203152022212001"),
    ],
)
def test_a_nip_written_as_people_write_it_is_read(text: str, expected: str) -> None:
    assert read_nip(text) == expected
    assert show_nip(expected) == f"{expected[:8]} {expected[8:14]} {expected[14]} {expected[15:]}"


@pytest.mark.parametrize(
    "text",
    [
        "081234567890",  # a phone number
        "19850101201001100",  # 17 digits
        "198513012010011003",  # born in month 13
        "198502302010011003",  # born on 30 February
        "198501011990011003",  # appointed at five
    ],
)
def test_numbers_that_cannot_be_a_nip_are_refused(text: str) -> None:
    assert read_nip(text) is None
