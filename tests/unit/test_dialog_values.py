"""Reading what requesters type (Indonesian dates, phones, domains...) and showing times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.dialogs.values import (
    FieldContext,
    ValueProblem,
    example_answer,
    normalize_domain,
    normalize_number,
    normalize_phone,
    parse_date,
    parse_datetime,
    valid_srikandi,
    validate,
)
from bot.labels import format_moment, zone_name
from core.catalog.schema import FieldSpec, FieldType
from locales import translator

TODAY = date(2026, 11, 23)  # a Monday
JAKARTA = ZoneInfo("Asia/Jakarta")
ID = translator("id")


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
