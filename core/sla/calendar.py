"""The working-day calendar of one agency and the SLA arithmetic on it.

A working day is a weekday the agency has office hours for, minus Indonesian national holidays and
cuti bersama (from the `holidays` package), minus the agency's `closed` overrides, plus its `open`
overrides. Office time runs from opening (inclusive) to closing (exclusive) on working days; all
stepping is per day, never per minute, so long limits (60 working days) stay cheap.

Office time is measured on the agency's wall clock (Indonesian zones have no daylight saving).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import holidays
import yaml

from core.sla.duration import Duration, SlaSpec, Unit

if TYPE_CHECKING:
    # Type-only: core.catalog.schema imports core.sla.duration, so a runtime import would cycle.
    from core.catalog.schema import Agency, OfficeHours

OVERRIDES_DIR = Path(__file__).parent / "overrides"

# No office is closed for this long; a longer search means the calendar has no working days left.
_MAX_DAYS_WITHOUT_WORK = 3 * 366
_ZERO = timedelta(0)


class CalendarError(ValueError):
    """Raised for an unusable calendar or override file."""


@dataclass(frozen=True, slots=True)
class SlaTimes:
    """When the SLA clock starts, the target (ranges only) and the due time."""

    start: datetime
    target: datetime | None
    due: datetime


@lru_cache(maxsize=64)
def national_days_off(year: int) -> frozenset[date]:
    """Indonesian national holidays and cuti bersama of one year."""
    days = holidays.country_holidays(
        "ID", years=year, categories=("public", "government"), language="id"
    )
    return frozenset(days.keys())


def ensure_aware(at: datetime, name: str = "at") -> datetime:
    """Return `at` unchanged, or raise ValueError if it has no time zone."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {at.isoformat()}")
    return at


class WorkingCalendar:
    """Office hours, working days and SLA arithmetic for one agency."""

    def __init__(
        self,
        timezone: str,
        office_hours: list[OfficeHours],
        closed: Collection[date] = frozenset(),
        opened: Collection[date] = frozenset(),
    ) -> None:
        self.zone = ZoneInfo(timezone)
        self.timezone = timezone
        self._hours: dict[int, tuple[time, time]] = {}
        for entry in office_hours:
            for day in entry.days:
                if day.number in self._hours:
                    raise CalendarError(f"{day.value} appears in two office_hours entries")
                self._hours[day.number] = (entry.open, entry.close)
        if not self._hours:
            raise CalendarError("office_hours must give at least one weekday")
        self.closed = frozenset(closed)
        self.opened = frozenset(opened)
        both = self.closed & self.opened
        if both:
            raise CalendarError(f"dates both closed and open: {sorted(map(str, both))}")
        # An `open` override makes a holiday a working day; it cannot invent office hours.
        no_hours = sorted(str(d) for d in self.opened if d.weekday() not in self._hours)
        if no_hours:
            raise CalendarError(f"open dates fall on days without office hours: {no_hours}")

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar({self.timezone!r}, hours={self._hours!r}, "
            f"closed={len(self.closed)}, opened={len(self.opened)})"
        )

    # --- days -----------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """True if the office is open on this date."""
        if d.weekday() not in self._hours:
            return False
        if d in self.opened:
            return True
        return d not in self.closed and d not in national_days_off(d.year)

    def _next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        for _ in range(_MAX_DAYS_WITHOUT_WORK):
            d += timedelta(days=1)
            if self.is_working_day(d):
                return d
        raise CalendarError(f"no working day within {_MAX_DAYS_WITHOUT_WORK} days after {d}")

    def _working_days_from(self, d: date) -> Iterator[date]:
        """Working days from `d` (inclusive) onwards."""
        if not self.is_working_day(d):
            d = self._next_working_day(d)
        while True:
            yield d
            d = self._next_working_day(d)

    def _opening(self, d: date) -> datetime:
        return datetime.combine(d, self._hours[d.weekday()][0], tzinfo=self.zone)

    def _closing(self, d: date) -> datetime:
        return datetime.combine(d, self._hours[d.weekday()][1], tzinfo=self.zone)

    def local(self, at: datetime) -> datetime:
        """The same instant on the agency's clock."""
        return ensure_aware(at).astimezone(self.zone)

    # --- instants -------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """True inside office hours (opening inclusive, closing exclusive) on a working day."""
        here = self.local(at)
        d = here.date()
        return self.is_working_day(d) and self._opening(d) <= here < self._closing(d)

    def next_opening(self, at: datetime) -> datetime:
        """The earliest opening time at or after `at`."""
        here = self.local(at)
        d = here.date()
        if self.is_working_day(d) and here <= self._opening(d):
            return self._opening(d)
        return self._opening(self._next_working_day(d))

    def start_of(self, at: datetime) -> datetime:
        """When the SLA clock starts for a request submitted at `at`."""
        here = self.local(at)
        return here if self.is_open(here) else self.next_opening(here)

    def add_office_time(self, at: datetime, delta: timedelta) -> datetime:
        """The instant `delta` of office time after `at`; a result at closing time stays there."""
        if delta < _ZERO:
            raise ValueError(f"office time to add must not be negative, got {delta}")
        here = self.local(at)
        if delta == _ZERO:
            return here
        for d in self._working_days_from(here.date()):
            cursor = max(here, self._opening(d))
            closing = self._closing(d)
            if cursor >= closing:
                continue
            if delta <= closing - cursor:
                return cursor + delta
            delta -= closing - cursor
        raise AssertionError("unreachable: working days never run out")  # pragma: no cover

    def subtract_office_time(self, at: datetime, delta: timedelta) -> datetime:
        """The instant `delta` of office time before `at` (at an opening, it stays there)."""
        if delta < _ZERO:
            raise ValueError(f"office time to subtract must not be negative, got {delta}")
        here = self.local(at)
        d = here.date()
        for _ in range(_MAX_DAYS_WITHOUT_WORK):
            if self.is_working_day(d):
                cursor = min(here, self._closing(d))
                opening = self._opening(d)
                if cursor > opening:
                    if delta <= cursor - opening:
                        return cursor - delta
                    delta -= cursor - opening
            d -= timedelta(days=1)
        raise CalendarError(f"no office time within {_MAX_DAYS_WITHOUT_WORK} days before {at}")

    def office_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Office time from `a` to `b` (negative when `b` is before `a`)."""
        a, b = self.local(a), self.local(b)
        if b < a:
            return -self.office_time_between(b, a)
        total = _ZERO
        d, last = a.date(), b.date()
        while d <= last:
            if self.is_working_day(d):
                lo, hi = max(a, self._opening(d)), min(b, self._closing(d))
                if hi > lo:
                    total += hi - lo
            d += timedelta(days=1)
        return total

    # --- SLA ------------------------------------------------------------------------------

    def add(self, start: datetime, duration: Duration) -> datetime:
        """The due time of `duration` counted from `start`."""
        if duration.amount < 0:
            raise ValueError(f"duration must not be negative: {duration}")
        if duration.unit is Unit.WORKING_DAYS:
            here = self.local(start)
            if duration.amount == 0:
                return here
            d = here.date()
            for _ in range(duration.amount):
                d = self._next_working_day(d)
            return self._closing(d)
        minutes = duration.amount * (60 if duration.unit is Unit.HOURS else 1)
        return self.add_office_time(start, timedelta(minutes=minutes))

    def due(self, at: datetime, spec: SlaSpec) -> SlaTimes:
        """Start, target and due time of a request submitted at `at`."""
        start = self.start_of(at)
        target = None if spec.target is None else self.add(start, spec.target)
        return SlaTimes(start=start, target=target, due=self.add(start, spec.due))

    def fraction_used(
        self, start: datetime, due: datetime, now: datetime, *, paused: timedelta = _ZERO
    ) -> float:
        """Share of the SLA used at `now`: (office time elapsed - paused) / office time to due.

        `due` is the due time before any pause shifted it (SlaClock.fraction_used handles a
        shifted due). Never below 0; above 1.0 after a breach.
        """
        total = self.office_time_between(start, due)
        if total <= _ZERO:
            return 1.0 if self.local(now) >= self.local(due) else 0.0
        used = self.office_time_between(start, now) - paused
        return max(0.0, used / total)


def load_overrides(path: Path) -> dict[date, bool]:
    """Read one override file: each date mapped to True (open) or False (closed)."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CalendarError(f"{path}: not valid YAML: {exc}") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CalendarError(f"{path}: expected a mapping with 'closed' and 'open' lists")
    unknown = set(raw) - {"closed", "open"}
    if unknown:
        raise CalendarError(f"{path}: unknown keys {sorted(map(str, unknown))}")
    found: dict[date, bool] = {}
    for key, is_open in (("closed", False), ("open", True)):
        entries = raw.get(key) or []
        if not isinstance(entries, list):
            raise CalendarError(f"{path}: '{key}' must be a list")
        for entry in entries:
            day = _entry_date(path, key, entry)
            if day in found:
                raise CalendarError(f"{path}: {day} is listed twice")
            found[day] = is_open
    return found


def _entry_date(path: Path, key: str, entry: Any) -> date:
    if not isinstance(entry, dict) or set(entry) != {"date", "reason"}:
        raise CalendarError(f"{path}: each '{key}' entry needs exactly 'date' and 'reason'")
    if not isinstance(entry["reason"], str) or not entry["reason"].strip():
        raise CalendarError(f"{path}: '{key}' entry {entry['date']} needs a reason")
    value = entry["date"]
    if isinstance(value, datetime):
        raise CalendarError(f"{path}: '{key}' date {value} must be a date, not a time")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CalendarError(f"{path}: '{key}' date {value!r} is not YYYY-MM-DD") from exc


def calendar_for(agency: Agency, *, extra_dir: Path | None = None) -> WorkingCalendar:
    """The agency's calendar: shipped overrides, then `extra_dir`'s file of the same name on top."""
    merged: dict[date, bool] = {}
    for folder in (OVERRIDES_DIR, extra_dir):
        if folder is None:
            continue
        path = folder / f"{agency.code}.yaml"
        if path.is_file():
            merged.update(load_overrides(path))
    return WorkingCalendar(
        agency.timezone,
        agency.office_hours,
        closed={d for d, is_open in merged.items() if not is_open},
        opened={d for d, is_open in merged.items() if is_open},
    )
