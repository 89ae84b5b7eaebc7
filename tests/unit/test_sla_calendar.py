"""Hand-computed SLA cases on the 2026 Indonesian calendar.

Reference weeks (2026): 2 Mar is a Monday. National days off used below, from the `holidays`
package: 18 Mar (cuti Nyepi), 19 Mar (Nyepi), 20 Mar (cuti Idul Fitri), 21-22 Mar (Idul Fitri,
weekend), 23-24 Mar (cuti Idul Fitri), 3 Apr (Wafat Yesus Kristus), 14 May (Kenaikan),
15 May (cuti Kenaikan), 24 Dec (cuti Natal), 25 Dec (Natal).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import core.sla.calendar as calendar_module
from core.catalog.schema import Agency, LText, OfficeHours, Role, Weekday
from core.sla import (
    CalendarError,
    SlaClock,
    WorkingCalendar,
    calendar_for,
    load_overrides,
    parse_sla,
)

WIB = ZoneInfo("Asia/Jakarta")
PONTIANAK = ZoneInfo("Asia/Pontianak")
WEEKDAYS = [Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI]

# Babel publishes 08.00-16.00 WIB on working days.
BABEL_HOURS = [OfficeHours(days=WEEKDAYS, open=time(8), close=time(16))]
# Kalbar uses the civil service's hours: 07.30-16.00, Friday until 16.30.
KALBAR_HOURS = [
    OfficeHours(days=WEEKDAYS[:4], open=time(7, 30), close=time(16)),
    OfficeHours(days=[Weekday.FRI], open=time(7, 30), close=time(16, 30)),
]


def babel() -> WorkingCalendar:
    return WorkingCalendar("Asia/Jakarta", BABEL_HOURS)


def kalbar() -> WorkingCalendar:
    return WorkingCalendar("Asia/Pontianak", KALBAR_HOURS)


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


def ptk(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PONTIANAK)


def agency(code: str, zone: str, hours: list[OfficeHours]) -> Agency:
    return Agency(
        code=code,
        name=LText({"id": "Dinas Komunikasi dan Informatika"}),
        short_name="Diskominfo",
        city="Kota",
        timezone=zone,
        office_hours=hours,
        roles=[Role(code="admin", name=LText({"id": "Admin"}))],
    )


# --- working days ----------------------------------------------------------------------------


def test_weekends_national_holidays_and_cuti_bersama_are_not_working_days() -> None:
    cal = babel()
    assert cal.is_working_day(date(2026, 12, 23))  # Wednesday
    assert not cal.is_working_day(date(2026, 12, 24))  # cuti bersama Natal
    assert not cal.is_working_day(date(2026, 12, 25))  # Natal
    assert not cal.is_working_day(date(2026, 3, 7))  # Saturday
    assert not cal.is_working_day(date(2026, 3, 8))  # Sunday
    assert not cal.is_working_day(date(2026, 3, 23))  # cuti bersama Idul Fitri


def test_a_weekday_without_office_hours_is_not_a_working_day() -> None:
    cal = WorkingCalendar(
        "Asia/Jakarta", [OfficeHours(days=[Weekday.MON], open=time(8), close=time(12))]
    )
    assert cal.is_working_day(date(2026, 3, 9))  # Monday
    assert not cal.is_working_day(date(2026, 3, 10))  # Tuesday: no hours


# --- start -----------------------------------------------------------------------------------


def test_a_request_inside_office_hours_starts_at_once() -> None:
    assert babel().start_of(wib(2026, 3, 9, 10, 15)) == wib(2026, 3, 9, 10, 15)


def test_a_saturday_request_starts_at_monday_opening() -> None:
    assert babel().start_of(wib(2026, 3, 7, 10, 0)) == wib(2026, 3, 9, 8, 0)


def test_an_early_morning_request_starts_at_that_days_opening() -> None:
    assert babel().start_of(wib(2026, 3, 9, 6, 45)) == wib(2026, 3, 9, 8, 0)


def test_opening_time_is_inside_and_closing_time_is_outside_office_hours() -> None:
    cal = babel()
    assert cal.start_of(wib(2026, 3, 9, 8, 0)) == wib(2026, 3, 9, 8, 0)
    # 16.00 sharp is after hours: counted from Tuesday's opening.
    assert cal.start_of(wib(2026, 3, 9, 16, 0)) == wib(2026, 3, 10, 8, 0)


def test_next_opening_is_the_opening_itself_when_given_exactly() -> None:
    cal = babel()
    assert cal.next_opening(wib(2026, 3, 9, 8, 0)) == wib(2026, 3, 9, 8, 0)
    assert cal.next_opening(wib(2026, 3, 9, 8, 1)) == wib(2026, 3, 10, 8, 0)


# --- hours and minutes -----------------------------------------------------------------------


def test_babel_friday_afternoon_three_hours_run_into_monday() -> None:
    # Friday 15.30: 30 minutes left that day, the other 2.5 hours from Monday 08.00.
    times = babel().due(wib(2026, 3, 6, 15, 30), parse_sla("3 jam"))
    assert times.start == wib(2026, 3, 6, 15, 30)
    assert times.target is None
    assert times.due == wib(2026, 3, 9, 10, 30)


def test_a_result_exactly_at_closing_time_stays_at_closing_time() -> None:
    cal = babel()
    assert cal.due(wib(2026, 3, 9, 14, 0), parse_sla("2 jam")).due == wib(2026, 3, 9, 16, 0)
    assert cal.due(wib(2026, 3, 9, 15, 0), parse_sla("60 menit")).due == wib(2026, 3, 9, 16, 0)


def test_hours_skip_the_idul_fitri_week() -> None:
    # Tuesday 17 March 15.00: one hour that day; 18-24 March are off; the second hour is
    # Wednesday 25 March 08.00-09.00.
    due = babel().due(wib(2026, 3, 17, 15, 0), parse_sla("2 jam")).due
    assert due == wib(2026, 3, 25, 9, 0)


def test_input_in_utc_or_wit_gives_the_same_times_in_the_agencys_zone() -> None:
    cal = babel()
    expected = wib(2026, 3, 9, 10, 30)  # as in the Friday 15.30 WIB case
    in_utc = datetime(2026, 3, 6, 8, 30, tzinfo=UTC)
    in_wit = datetime(2026, 3, 6, 17, 30, tzinfo=timezone(timedelta(hours=9)))
    for at in (in_utc, in_wit):
        times = cal.due(at, parse_sla("3 jam"))
        assert times.due == expected
        assert times.due.utcoffset() == timedelta(hours=7)
        assert times.start.isoformat() == "2026-03-06T15:30:00+07:00"


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        babel().start_of(datetime(2026, 3, 9, 10, 0))


# --- working days ----------------------------------------------------------------------------


def test_one_working_day_ends_at_closing_of_the_next_working_day() -> None:
    times = babel().due(wib(2026, 3, 9, 10, 0), parse_sla("1 hari kerja"))
    assert times.due == wib(2026, 3, 10, 16, 0)


def test_working_days_skip_cuti_bersama_natal_and_natal() -> None:
    # Wednesday 23 Dec: 24 (cuti bersama) and 25 (Natal) are off, 26-27 weekend.
    cal = babel()
    assert cal.due(wib(2026, 12, 23, 10), parse_sla("1 hari kerja")).due == wib(2026, 12, 28, 16)
    # 28, 29, 30 December.
    assert cal.due(wib(2026, 12, 23, 10), parse_sla("3 hari kerja")).due == wib(2026, 12, 30, 16)


def test_a_request_on_cuti_bersama_natal_starts_after_the_long_weekend() -> None:
    assert babel().start_of(wib(2026, 12, 24, 9, 0)) == wib(2026, 12, 28, 8, 0)


def test_a_request_during_idul_fitri_starts_on_the_first_day_back() -> None:
    times = babel().due(wib(2026, 3, 19, 9, 0), parse_sla("1 hari kerja"))
    assert times.start == wib(2026, 3, 25, 8, 0)
    assert times.due == wib(2026, 3, 26, 16, 0)


def test_a_range_gives_the_lower_bound_as_target_and_the_upper_as_due() -> None:
    # Monday 2 March: 1 working day -> Tuesday 3, 3 working days -> Thursday 5.
    times = babel().due(wib(2026, 3, 2, 10, 0), parse_sla("1-3 hari kerja"))
    assert times.target == wib(2026, 3, 3, 16, 0)
    assert times.due == wib(2026, 3, 5, 16, 0)


def test_fourteen_working_days_cross_idul_fitri_and_good_friday() -> None:
    # After Monday 9 March: 10-13 (4), 16-17 (6), 18-24 off, 25-27 (9), 30 Mar-2 Apr (13),
    # 3 Apr Wafat Yesus Kristus off, Monday 6 April is the 14th.
    due = kalbar().due(ptk(2026, 3, 9, 9, 0), parse_sla("14 hari kerja")).due
    assert due == ptk(2026, 4, 6, 16, 0)


# --- kalbar: Friday hours and Pontianak time --------------------------------------------------


def test_kalbar_is_still_open_at_friday_quarter_past_four() -> None:
    # 16.15 on a Friday is inside kalbar's hours (until 16.30): the hour runs 15 minutes on
    # Friday and 45 minutes from Monday 07.30.
    times = kalbar().due(ptk(2026, 3, 6, 16, 15), parse_sla("1 jam"))
    assert times.start == ptk(2026, 3, 6, 16, 15)
    assert times.due == ptk(2026, 3, 9, 8, 15)


def test_kalbar_working_day_due_on_friday_is_at_half_past_four() -> None:
    due = kalbar().due(ptk(2026, 3, 5, 9, 0), parse_sla("1 hari kerja")).due
    assert due == ptk(2026, 3, 6, 16, 30)
    assert due.isoformat() == "2026-03-06T16:30:00+07:00"


def test_kalbar_reads_wita_input_as_pontianak_time() -> None:
    # 17.15 WITA (+08:00) is 16.15 in Pontianak (+07:00).
    at = datetime(2026, 3, 6, 17, 15, tzinfo=timezone(timedelta(hours=8)))
    start = kalbar().start_of(at)
    assert start.isoformat() == "2026-03-06T16:15:00+07:00"


# --- office time -----------------------------------------------------------------------------


def test_office_time_over_a_weekend_counts_only_open_hours() -> None:
    cal = babel()
    friday, monday = wib(2026, 3, 6, 15, 0), wib(2026, 3, 9, 9, 0)
    assert cal.office_time_between(friday, monday) == timedelta(hours=2)
    assert cal.office_time_between(monday, friday) == -timedelta(hours=2)


def test_adding_office_time_from_outside_hours_counts_from_the_next_opening() -> None:
    cal = babel()
    assert cal.add_office_time(wib(2026, 3, 7, 12), timedelta(minutes=90)) == wib(2026, 3, 9, 9, 30)


def test_fraction_used_counts_office_time_and_discounts_pauses() -> None:
    cal = babel()
    # Monday 08.00 to Tuesday 16.00 is 16 office hours.
    start, due = wib(2026, 3, 9, 8), wib(2026, 3, 10, 16)
    tuesday_morning = wib(2026, 3, 10, 8)
    assert cal.fraction_used(start, due, tuesday_morning) == pytest.approx(0.5)
    assert cal.fraction_used(start, due, tuesday_morning, paused=timedelta(hours=4)) == 0.25
    # Wednesday noon: 16 + 4 office hours used, past the due time.
    assert cal.fraction_used(start, due, wib(2026, 3, 11, 12)) == pytest.approx(1.25)


# --- overrides -------------------------------------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_override_closed_day_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "babel.yaml", "closed:\n  - {date: 2026-03-10, reason: Banjir}\nopen: []\n")
    plain = calendar_for(agency("babel", "Asia/Jakarta", BABEL_HOURS))
    closed = calendar_for(agency("babel", "Asia/Jakarta", BABEL_HOURS), extra_dir=tmp_path)
    monday = wib(2026, 3, 9, 10)
    assert plain.due(monday, parse_sla("1 hari kerja")).due == wib(2026, 3, 10, 16)
    assert closed.due(monday, parse_sla("1 hari kerja")).due == wib(2026, 3, 11, 16)


def test_an_override_open_day_counts_as_working(tmp_path: Path) -> None:
    # Wednesday 13 May: 14 (Kenaikan) and 15 (cuti bersama) are off, unless 15 is reopened.
    write(tmp_path, "babel.yaml", "open:\n  - date: 2026-05-15\n    reason: Cuti dibatalkan\n")
    plain = calendar_for(agency("babel", "Asia/Jakarta", BABEL_HOURS))
    opened = calendar_for(agency("babel", "Asia/Jakarta", BABEL_HOURS), extra_dir=tmp_path)
    wednesday = wib(2026, 5, 13, 10)
    assert plain.due(wednesday, parse_sla("1 hari kerja")).due == wib(2026, 5, 18, 16)
    assert opened.due(wednesday, parse_sla("1 hari kerja")).due == wib(2026, 5, 15, 16)


def test_the_extra_calendar_dir_is_merged_on_top_of_the_shipped_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped, extra = tmp_path / "shipped", tmp_path / "extra"
    write(
        shipped,
        "kalbar.yaml",
        "closed:\n  - {date: 2026-03-10, reason: Rapat}\n  - {date: 2026-03-11, reason: Rapat}\n",
    )
    write(extra, "kalbar.yaml", "open:\n  - {date: 2026-03-11, reason: Rapat batal}\n")
    monkeypatch.setattr(calendar_module, "OVERRIDES_DIR", shipped)
    cal = calendar_for(agency("kalbar", "Asia/Pontianak", KALBAR_HOURS), extra_dir=extra)
    assert not cal.is_working_day(date(2026, 3, 10))
    assert cal.is_working_day(date(2026, 3, 11))


def test_the_shipped_override_files_load_and_close_nothing_by_invention() -> None:
    for code in ("babel", "kalbar", "purbalingga"):
        path = calendar_module.OVERRIDES_DIR / f"{code}.yaml"
        assert path.read_text(encoding="utf-8").startswith("#")
        for day, is_open in load_overrides(path).items():
            pytest.fail(f"{code}: unexpected override {day} open={is_open}")


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("closed:\n  - {date: 2026-03-10}\n", "date' and 'reason"),
        ("closed:\n  - {date: 2026-03-10, reason: '  '}\n", "needs a reason"),
        ("closing: []\n", "unknown keys"),
        ("closed:\n  - {date: 2026-03-10 08:00:00, reason: x}\n", "not a time"),
        ("closed:\n  - {date: 10-03-2026, reason: x}\n", "YYYY-MM-DD"),
        (
            "closed:\n  - {date: 2026-03-10, reason: x}\n"
            "open:\n  - {date: 2026-03-10, reason: y}\n",
            "listed twice",
        ),
        ("closed: [\n", "not valid YAML"),
    ],
)
def test_a_malformed_override_file_is_refused_with_its_name(
    tmp_path: Path, text: str, complaint: str
) -> None:
    path = write(tmp_path, "babel.yaml", text)
    with pytest.raises(CalendarError, match=complaint) as caught:
        load_overrides(path)
    assert str(path) in str(caught.value)


def test_opening_a_saturday_is_refused_because_it_has_no_office_hours() -> None:
    with pytest.raises(CalendarError, match="without office hours"):
        WorkingCalendar("Asia/Jakarta", BABEL_HOURS, opened={date(2026, 3, 7)})


# --- pause and resume ------------------------------------------------------------------------


def three_hour_clock() -> SlaClock:
    # Monday 9 March 08.00 + 3 jam = 11.00.
    return SlaClock.started(babel().due(wib(2026, 3, 9, 8), parse_sla("3 jam")))


def test_resuming_shifts_the_due_time_by_the_office_time_spent_waiting() -> None:
    cal = babel()
    # Paused 09.00-15.00 (6 office hours): 11.00 + 6 h = 16.00 (5 h) + 1 h on Tuesday.
    clock = three_hour_clock().pause(wib(2026, 3, 9, 9)).resume(cal, wib(2026, 3, 9, 15))
    assert clock.due == wib(2026, 3, 10, 9)
    assert clock.paused_total == timedelta(hours=6)
    assert not clock.is_paused


def test_a_pause_over_the_weekend_costs_only_office_hours() -> None:
    cal = babel()
    clock = SlaClock.started(cal.due(wib(2026, 3, 6, 8), parse_sla("1 hari kerja")))
    assert clock.due == wib(2026, 3, 9, 16)
    # Friday 15.00 to Monday 09.00 is 2 office hours: due moves to Tuesday 10.00.
    resumed = clock.pause(wib(2026, 3, 6, 15)).resume(cal, wib(2026, 3, 9, 9))
    assert resumed.due == wib(2026, 3, 10, 10)


def test_a_paused_clock_neither_advances_nor_breaches() -> None:
    cal = babel()
    paused = three_hour_clock().pause(wib(2026, 3, 9, 9))
    later = wib(2026, 3, 13, 12)
    assert paused.fraction_used(cal, later) == pytest.approx(1 / 3)
    assert not paused.is_breached(later)


def test_a_resumed_clock_reports_the_share_used_without_the_pause() -> None:
    cal = babel()
    clock = three_hour_clock().pause(wib(2026, 3, 9, 9)).resume(cal, wib(2026, 3, 9, 10))
    # 08.00-11.00 elapsed is 3 office hours, one of them paused: 2 of 3 hours used.
    assert clock.fraction_used(cal, wib(2026, 3, 9, 11)) == pytest.approx(2 / 3)
    assert not clock.is_breached(wib(2026, 3, 9, 12))
    assert clock.is_breached(wib(2026, 3, 9, 12, 1))


def test_ranges_shift_the_target_too() -> None:
    cal = babel()
    clock = SlaClock.started(cal.due(wib(2026, 3, 2, 10), parse_sla("1-3 hari kerja")))
    resumed = clock.pause(wib(2026, 3, 2, 10)).resume(cal, wib(2026, 3, 2, 12))
    assert resumed.target == wib(2026, 3, 4, 10)  # Tuesday 16.00 + 2 h
    assert resumed.due == wib(2026, 3, 6, 10)  # Thursday 16.00 + 2 h


def test_pausing_twice_or_resuming_a_running_clock_is_an_error() -> None:
    cal = babel()
    paused = three_hour_clock().pause(wib(2026, 3, 9, 9))
    with pytest.raises(ValueError, match="already paused"):
        paused.pause(wib(2026, 3, 9, 10))
    with pytest.raises(ValueError, match="not paused"):
        three_hour_clock().resume(cal, wib(2026, 3, 9, 10))
    with pytest.raises(ValueError, match="before the pause"):
        paused.resume(cal, wib(2026, 3, 9, 8, 30))
