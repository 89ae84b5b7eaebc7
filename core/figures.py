"""The coordinators' period report as numbers (pure: plain ticket records in, frozen values out).

One call, `period_figures`, counts a period of local dates [first, last] of one agency, for the
whole agency, per service and per officer:

- **received**: tickets created in the period;
- **completed**: tickets with status selesai closed in the period, judged on time against the
  published due (`due_at`, already moved by pauses: "tepat batas") and, where the service's SLA
  is a range, against its target ("tepat target"). The stored `target_at` is the target at
  filing and is never moved by pauses (only `due_at` is stored again), so the target judged is
  `target_at` plus the office time the ticket waited, exactly as `SlaClock.resume` moves it;
- **rejected**: tickets rejected (ditolak) in the period;
- **open at the end**: tickets created before the period's end and not closed by then, by age in
  working days (`age_in_working_days`), in the bands of `AGE_BANDS`;
- **paused**: the office time the completed tickets waited for their requesters;
- **time to complete**: office time from the SLA start (`start_at`) to the close, minus the
  office time of each pause inside it; median and 90th percentile (`percentile`);
- **complaints** received in the period by class (the latest classification; None: not yet);
- **availability** per service per month: see `availability_services` and `Availability`.

The period's end is the midnight after `last` on the agency's clock, or `now` when that is
earlier (a report of the running month counts up to now). Every duration is office time on the
agency's calendar (`WorkingCalendar.office_time_between`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from core.catalog.schema import PRIORITY_ORDER, Catalog
from core.complaints import COMPLAINT_SERVICE
from core.sla.calendar import WorkingCalendar, ensure_aware
from core.tickets import TicketStatus

AGE_BANDS: tuple[str, ...] = ("0-1", "2-3", "4-5", ">5")
"""Working days a ticket has been open at the period's end, as the report groups them."""

OUTAGE_PRIORITY = PRIORITY_ORDER["tinggi"]
"""A disturbance's priority is set from its impact answer (`Service.priority_of`); the highest
("seluruh-kantor": a whole office or public service is down) is what counts as an outage."""

_ZERO = timedelta(0)
_TOP_BAND_DAYS = 6  # counting working days past 5 cannot change the band


class PeriodError(ValueError):
    """A period that cannot be reported (its first day after its last)."""


# --------------------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class Pause:
    """The ticket waited for its requester from `start` to `end` (None: still waiting)."""

    start: datetime
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReportTicket:
    """What the report reads of one ticket (no personal data: no fields, no requester)."""

    id: int
    ref: str
    service: str
    product: str | None
    status: TicketStatus
    created_at: datetime
    start_at: datetime  # the SLA clock's start
    target_at: datetime | None  # as filed (never moved by pauses)
    due_at: datetime  # the published due, moved by the pauses
    closed_at: datetime | None
    officer_id: int | None  # who held the ticket when it was closed (or holds it now)
    priority: int | None  # 0 high ... 2 low: a disturbance's impact
    complaint_class: str | None = None  # the latest classification of a complaint
    pauses: tuple[Pause, ...] = ()


# --------------------------------------------------------------------------- output


@dataclass(frozen=True, slots=True)
class Backlog:
    """Tickets open at the period's end, by working days since they were created."""

    days_0_1: int = 0
    days_2_3: int = 0
    days_4_5: int = 0
    over_5: int = 0

    @property
    def counts(self) -> tuple[int, int, int, int]:
        """The counts in the order of `AGE_BANDS`."""
        return (self.days_0_1, self.days_2_3, self.days_4_5, self.over_5)

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class Completion:
    """The tickets completed (selesai) in the period."""

    completed: int = 0
    on_time: int = 0  # closed at or before the due ("tepat batas")
    late: int = 0
    with_target: int = 0  # of the completed, those whose SLA is a range (has a target)
    on_target: int = 0  # closed at or before the target ("tepat target")
    past_target: int = 0
    paused: timedelta = _ZERO  # office time they waited for their requesters
    median: timedelta | None = None  # time to complete: office time, pauses excluded
    p90: timedelta | None = None


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """One service's figures, or the whole agency's (then `code` is the agency's code)."""

    code: str
    received: int = 0
    rejected: int = 0
    completion: Completion = field(default_factory=Completion)
    backlog: Backlog = field(default_factory=Backlog)


@dataclass(frozen=True, slots=True)
class OfficerFigures:
    """What one officer completed (the officer holding each ticket when it was finished)."""

    officer_id: int | None  # None: finished without an officer on record
    name: str | None  # None for an unknown officer
    completion: Completion


@dataclass(frozen=True, slots=True)
class ComplaintCount:
    """Complaints received in the period with one class."""

    class_code: str | None  # None: not classified yet
    received: int


@dataclass(frozen=True, slots=True)
class Outage:
    """One outage ticket, as far as it fell inside one availability window."""

    ref: str
    service: str
    reported_at: datetime  # the ticket's creation
    restored_at: datetime | None  # its close (None: not restored yet)
    downtime: timedelta  # office time from report to restoration inside the window


@dataclass(frozen=True, slots=True)
class Availability:
    """A service's availability in one month (clipped to the period and to now).

    availability = 1 - downtime / office time of the window, where downtime is the office time
    covered by at least one outage (overlapping outages count once).
    """

    service: str
    month: date  # the month's first day
    first: date  # the window: the month's days inside the period
    last: date
    office_time: timedelta
    downtime: timedelta
    availability: float | None  # 0..1; None when the window has no office time
    guarantee: float | None  # the catalog's promise, in percent
    outages: tuple[Outage, ...] = ()

    @property
    def meets_guarantee(self) -> bool | None:
        """True when measured at or above the promise; None without a promise or a figure."""
        if self.guarantee is None or self.availability is None:
            return None
        return self.availability * 100 >= self.guarantee


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """Everything the period report says."""

    agency: str
    first: date
    last: date
    until: datetime  # the end counted to: midnight after `last`, or `now` if earlier
    total: GroupFigures
    services: tuple[GroupFigures, ...]
    officers: tuple[OfficerFigures, ...]
    complaints: tuple[ComplaintCount, ...]
    availability: tuple[Availability, ...]


# --------------------------------------------------------------------------- arithmetic


def percentile(values: Sequence[timedelta], fraction: float) -> timedelta | None:
    """The `fraction` (0..1) quantile by linear interpolation between closest ranks.

    With the n values sorted as x[0..n-1], h = (n - 1) * fraction, and the result is
    x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h]). This is Hyndman and Fan's
    type 7: numpy's default, `statistics.quantiles(method="inclusive")`, and spreadsheets'
    PERCENTILE.INC, so a coordinator can check the figure in Excel. The median (0.5) of an even
    count is the mean of the two middle values. None for no values.
    """
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be within 0..1, got {fraction}")
    if not values:
        return None
    ordered = sorted(values)
    h = (len(ordered) - 1) * fraction
    low = math.floor(h)
    if low + 1 >= len(ordered):
        return ordered[low]
    return ordered[low] + (ordered[low + 1] - ordered[low]) * (h - low)


def period_bounds(calendar: WorkingCalendar, first: date, last: date) -> tuple[datetime, datetime]:
    """The period's instants: [midnight starting `first`, midnight after `last`) locally."""
    if first > last:
        raise PeriodError(f"the period starts ({first}) after it ends ({last})")
    start = datetime.combine(first, time(0), tzinfo=calendar.zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=calendar.zone)
    return start, end


def age_in_working_days(calendar: WorkingCalendar, created: datetime, on: date) -> int:
    """Working days after the day of `created` up to and including `on` (capped at 6).

    A ticket filed on the report's last day is 0; filed on Friday and counted on Monday, 1.
    """
    day = calendar.local(created).date()
    age = 0
    while day < on and age < _TOP_BAND_DAYS:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            age += 1
    return age


def age_band(age: int) -> int:
    """The index in `AGE_BANDS` of an age in working days."""
    if age <= 1:
        return 0
    if age <= 3:
        return 1
    if age <= 5:
        return 2
    return 3


def waited(calendar: WorkingCalendar, ticket: ReportTicket, until: datetime) -> timedelta:
    """Office time the ticket waited for its requester before `until` (a running pause counts
    up to `until`). This is what moved its due: `SlaClock.resume` adds the same amount."""
    total = _ZERO
    for pause in ticket.pauses:
        end = until if pause.end is None else min(pause.end, until)
        if end > pause.start:
            total += calendar.office_time_between(pause.start, end)
    return total


def time_to_complete(calendar: WorkingCalendar, ticket: ReportTicket) -> timedelta:
    """Office time from the SLA start to the close, minus the office time of each pause inside
    it (a pause is clipped to [start, close], so waiting before the clock started is not taken
    off twice). Never negative."""
    if ticket.closed_at is None:
        raise ValueError(f"{ticket.ref} is not closed")
    start, end = ticket.start_at, ticket.closed_at
    spent = calendar.office_time_between(start, end) if end > start else _ZERO
    for pause in ticket.pauses:
        lo = max(pause.start, start)
        hi = end if pause.end is None else min(pause.end, end)
        if hi > lo:
            spent -= calendar.office_time_between(lo, hi)
    return max(spent, _ZERO)


def availability_services(catalog: Catalog) -> dict[str, float | None]:
    """The services whose availability the report shows, with their promise (percent).

    Those with an `availability` promise, and the disturbance services: those asking an impact
    question whose answer sets a priority (babel's network repair, purbalingga's
    troubleshooting), where an outage can be reported.
    """
    found: dict[str, float | None] = {}
    for service in catalog.services:
        specs = [*service.fields, *(f for p in service.products for f in p.fields)]
        asks_impact = any(c.priority is not None for s in specs for c in s.choices)
        if service.availability is not None or asks_impact:
            found[service.code] = service.availability
    return found


# --------------------------------------------------------------------------- the report


def period_figures(
    tickets: Iterable[ReportTicket],
    *,
    catalog: Catalog,
    calendar: WorkingCalendar,
    first: date,
    last: date,
    now: datetime,
    officers: Mapping[int, str] | None = None,
) -> PeriodFigures:
    """Count the period [first, last] (the agency's local dates) from the tickets given.

    `tickets` must hold at least every ticket created in the period, closed in it or after it,
    and every ticket still open (storage.reports.period_tickets loads exactly these); others
    are ignored. `officers` names the officers by id.
    """
    start, end = period_bounds(calendar, first, last)
    until = min(end, ensure_aware(now, "now"))
    on = min(last, calendar.local(until - timedelta(microseconds=1)).date())
    names = dict(officers or {})
    rows = list(tickets)

    received: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    backlog: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    done: defaultdict[str, list[ReportTicket]] = defaultdict(list)
    by_officer: defaultdict[int | None, list[ReportTicket]] = defaultdict(list)
    complaints: Counter[str | None] = Counter()
    for ticket in rows:
        if start <= ticket.created_at < end:
            received[ticket.service] += 1
            if ticket.service == COMPLAINT_SERVICE:
                complaints[ticket.complaint_class] += 1
        closed_in_period = ticket.closed_at is not None and start <= ticket.closed_at < end
        if closed_in_period and ticket.status is TicketStatus.SELESAI:
            done[ticket.service].append(ticket)
            by_officer[ticket.officer_id].append(ticket)
        elif closed_in_period and ticket.status is TicketStatus.DITOLAK:
            rejected[ticket.service] += 1
        if ticket.created_at < until and (ticket.closed_at is None or ticket.closed_at >= until):
            band = age_band(age_in_working_days(calendar, ticket.created_at, on))
            backlog[ticket.service][band] += 1

    order = _service_order(catalog, [*received, *rejected, *done, *backlog])
    services = tuple(
        GroupFigures(
            code=code,
            received=received[code],
            rejected=rejected[code],
            completion=_completion(calendar, done[code]),
            backlog=Backlog(*backlog[code]),
        )
        for code in order
    )
    total = GroupFigures(
        code=catalog.agency.code,
        received=sum(received.values()),
        rejected=sum(rejected.values()),
        completion=_completion(calendar, [t for code in order for t in done[code]]),
        backlog=Backlog(*(sum(counts[i] for counts in backlog.values()) for i in range(4))),
    )
    officer_rows = sorted(
        (
            OfficerFigures(
                officer_id=officer,
                name=None if officer is None else names.get(officer),
                completion=_completion(calendar, finished),
            )
            for officer, finished in by_officer.items()
        ),
        # Named officers alphabetically, then unknown ids, then "no officer".
        key=lambda o: (
            o.officer_id is None,
            o.name is None,
            (o.name or "").casefold(),
            o.officer_id or 0,
        ),
    )
    return PeriodFigures(
        agency=catalog.agency.code,
        first=first,
        last=last,
        until=until,
        total=total,
        services=services,
        officers=tuple(officer_rows),
        complaints=_complaints(catalog, complaints),
        availability=_availability(rows, catalog, calendar, first, last, until),
    )


def _service_order(catalog: Catalog, codes: Iterable[str]) -> list[str]:
    """The catalog's order, then services it no longer lists (alphabetically)."""
    present = set(codes)
    listed = [s.code for s in catalog.services if s.code in present]
    return listed + sorted(present - set(listed))


def _completion(calendar: WorkingCalendar, finished: Sequence[ReportTicket]) -> Completion:
    on_time = with_target = on_target = 0
    paused = _ZERO
    durations: list[timedelta] = []
    for ticket in finished:
        assert ticket.closed_at is not None
        wait = waited(calendar, ticket, ticket.closed_at)
        paused += wait
        durations.append(time_to_complete(calendar, ticket))
        if ticket.closed_at <= ticket.due_at:
            on_time += 1
        if ticket.target_at is not None:
            with_target += 1
            target = calendar.add_office_time(ticket.target_at, wait) if wait else ticket.target_at
            if ticket.closed_at <= target:
                on_target += 1
    return Completion(
        completed=len(finished),
        on_time=on_time,
        late=len(finished) - on_time,
        with_target=with_target,
        on_target=on_target,
        past_target=with_target - on_target,
        paused=paused,
        median=percentile(durations, 0.5),
        p90=percentile(durations, 0.9),
    )


def _complaints(catalog: Catalog, counted: Counter[str | None]) -> tuple[ComplaintCount, ...]:
    """Every class the agency publishes (zero included), others found, then the unclassified."""
    published = [c.code for c in catalog.complaint_classes_for(COMPLAINT_SERVICE)]
    others = sorted(c for c in counted if c is not None and c not in published)
    codes: list[str | None] = [*published, *others, None]
    if not published and not counted:
        return ()
    return tuple(ComplaintCount(code, counted[code]) for code in codes)


def _months(first: date, last: date) -> list[tuple[date, date, date]]:
    """(month's first day, window's first day, window's last day) for each month touched."""
    found = []
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        found.append((month, max(first, month), min(last, following - timedelta(days=1))))
        month = following
    return found


def _availability(
    rows: Sequence[ReportTicket],
    catalog: Catalog,
    calendar: WorkingCalendar,
    first: date,
    last: date,
    until: datetime,
) -> tuple[Availability, ...]:
    watched = availability_services(catalog)
    outages = [
        t
        for t in rows
        if t.priority == OUTAGE_PRIORITY
        # A refused or withdrawn report says nothing about when service came back.
        and t.status not in (TicketStatus.DITOLAK, TicketStatus.DIBATALKAN)
    ]
    codes = _service_order(catalog, [*watched, *(t.service for t in outages)])
    found: list[Availability] = []
    for month, lo_day, hi_day in _months(first, last):
        lo = datetime.combine(lo_day, time(0), tzinfo=calendar.zone)
        hi = min(datetime.combine(hi_day + timedelta(days=1), time(0), tzinfo=calendar.zone), until)
        if hi <= lo:
            continue  # a month entirely after now
        office = calendar.office_time_between(lo, hi)
        for code in codes:
            spans: list[tuple[datetime, datetime]] = []
            listed: list[Outage] = []
            for ticket in (t for t in outages if t.service == code):
                down_from = max(ticket.created_at, lo)
                down_to = hi if ticket.closed_at is None else min(ticket.closed_at, hi)
                if down_to <= down_from:
                    continue
                spans.append((down_from, down_to))
                listed.append(
                    Outage(
                        ref=ticket.ref,
                        service=code,
                        reported_at=ticket.created_at,
                        restored_at=ticket.closed_at,
                        downtime=calendar.office_time_between(down_from, down_to),
                    )
                )
            down = sum((calendar.office_time_between(a, b) for a, b in _merged(spans)), _ZERO)
            found.append(
                Availability(
                    service=code,
                    month=month,
                    first=lo_day,
                    last=hi_day,
                    office_time=office,
                    downtime=down,
                    availability=None if office <= _ZERO else 1 - down / office,
                    guarantee=watched.get(code),
                    outages=tuple(sorted(listed, key=lambda o: (o.reported_at, o.ref))),
                )
            )
    return tuple(found)


def _merged(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping spans joined, so two offices down at once count the time once."""
    joined: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(spans):
        if joined and lo <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], hi))
        else:
            joined.append((lo, hi))
    return joined
