"""Properties of the SLA arithmetic that must hold for any submission time, zone and duration."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from core.catalog.schema import OfficeHours, Weekday
from core.sla import Duration, SlaClock, SlaSpec, Unit, WorkingCalendar

WEEKDAYS = [Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI]
TICK = timedelta(microseconds=1)

CALENDARS = [
    # babel: 08.00-16.00 WIB
    WorkingCalendar("Asia/Jakarta", [OfficeHours(days=WEEKDAYS, open=time(8), close=time(16))]),
    # kalbar: 07.30-16.00, Friday 16.30, Pontianak
    WorkingCalendar(
        "Asia/Pontianak",
        [
            OfficeHours(days=WEEKDAYS[:4], open=time(7, 30), close=time(16)),
            OfficeHours(days=[Weekday.FRI], open=time(7, 30), close=time(16, 30)),
        ],
    ),
    # an office in Jayapura with a Saturday morning, a local closure and a reopened holiday
    WorkingCalendar(
        "Asia/Jayapura",
        [
            OfficeHours(days=WEEKDAYS, open=time(8), close=time(15, 30)),
            OfficeHours(days=[Weekday.SAT], open=time(8), close=time(12)),
        ],
        closed={date(2026, 3, 10), date(2026, 12, 31)},
        opened={date(2026, 5, 15)},
    ),
]

calendars = st.sampled_from(CALENDARS)
offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(
    lambda quarters: timezone(timedelta(minutes=15 * quarters))
)
instants = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    offsets,
)
durations = st.one_of(
    st.builds(Duration, st.integers(1, 60), st.just(Unit.WORKING_DAYS)),
    st.builds(Duration, st.integers(1, 48), st.just(Unit.HOURS)),
    st.builds(Duration, st.integers(1, 2000), st.just(Unit.MINUTES)),
)


@st.composite
def specs(draw: st.DrawFn) -> SlaSpec:
    due = draw(durations)
    if draw(st.booleans()):
        return SlaSpec(due=due)
    lower = draw(st.integers(1, due.amount))
    return SlaSpec(due=due, target=Duration(lower, due.unit))


PROPERTY = settings(deadline=None, max_examples=150)


@PROPERTY
@given(calendars, instants, specs())
def test_due_is_never_before_start_and_start_never_before_submission(
    cal: WorkingCalendar, at: datetime, spec: SlaSpec
) -> None:
    times = cal.due(at, spec)
    assert at <= times.start < times.due


@PROPERTY
@given(calendars, instants, specs())
def test_start_and_due_fall_inside_office_hours(
    cal: WorkingCalendar, at: datetime, spec: SlaSpec
) -> None:
    times = cal.due(at, spec)
    assert cal.is_open(times.start)
    # The due time may be closing time itself: the instant just before it is inside office hours.
    assert cal.is_open(times.due - TICK)
    assert times.start.tzinfo == cal.zone
    assert times.due.tzinfo == cal.zone


@PROPERTY
@given(calendars, instants, instants, specs())
def test_a_later_submission_is_never_due_earlier(
    cal: WorkingCalendar, a: datetime, b: datetime, spec: SlaSpec
) -> None:
    early, late = sorted((a, b))
    assert cal.due(early, spec).due <= cal.due(late, spec).due
    assert cal.start_of(early) <= cal.start_of(late)


@PROPERTY
@given(calendars, instants, specs())
def test_a_ranges_target_lies_between_start_and_due(
    cal: WorkingCalendar, at: datetime, spec: SlaSpec
) -> None:
    times = cal.due(at, spec)
    assert (times.target is None) == (spec.target is None)
    if times.target is not None:
        assert times.start < times.target <= times.due


@PROPERTY
@given(calendars, instants, durations)
def test_the_due_time_is_exactly_the_duration_away_in_office_time_or_working_days(
    cal: WorkingCalendar, at: datetime, duration: Duration
) -> None:
    times = cal.due(at, SlaSpec(due=duration))
    if duration.unit is Unit.WORKING_DAYS:
        first, last = times.start.date(), times.due.date()
        days = [first + timedelta(days=n) for n in range(1, (last - first).days + 1)]
        assert sum(cal.is_working_day(d) for d in days) == duration.amount
        assert not cal.is_open(times.due)  # closing time of that day
    else:
        minutes = duration.amount * (60 if duration.unit is Unit.HOURS else 1)
        assert cal.office_time_between(times.start, times.due) == timedelta(minutes=minutes)


@PROPERTY
@given(calendars, instants, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)))
def test_adding_office_time_is_undone_by_measuring_it(
    cal: WorkingCalendar, at: datetime, delta: timedelta
) -> None:
    later = cal.add_office_time(at, delta)
    assert later >= at
    assert cal.office_time_between(at, later) == delta


@PROPERTY
@given(
    calendars,
    instants,
    specs(),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
)
def test_resuming_shifts_due_by_exactly_the_paused_office_time(
    cal: WorkingCalendar,
    at: datetime,
    spec: SlaSpec,
    wait_before: timedelta,
    pause_length: timedelta,
) -> None:
    clock = SlaClock.started(cal.due(at, spec))
    paused_at = at + wait_before
    resumed_at = paused_at + pause_length
    resumed = clock.pause(paused_at).resume(cal, resumed_at)
    paused_office = cal.office_time_between(paused_at, resumed_at)
    assert resumed.paused_total == paused_office
    assert cal.office_time_between(clock.due, resumed.due) == paused_office
    if clock.target is not None:
        assert resumed.target is not None
        assert cal.office_time_between(clock.target, resumed.target) == paused_office
    # The share used afterwards is as if the paused office time had never elapsed.
    now = resumed_at + timedelta(hours=1)
    expected = cal.fraction_used(clock.start, clock.due, now, paused=paused_office)
    assert abs(resumed.fraction_used(cal, now) - expected) < 1e-9
