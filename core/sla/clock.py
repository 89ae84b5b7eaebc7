"""An SLA clock that stops while the ticket waits for the requester.

Each resume shifts the target and the due time by the office time spent paused, so a ticket is
never late because the requester took a day to answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.sla.calendar import SlaTimes, WorkingCalendar, ensure_aware

_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class SlaClock:
    """Start, target and due of one ticket, with its pause state; every change returns a copy."""

    start: datetime
    target: datetime | None
    due: datetime
    paused_at: datetime | None = None
    paused_total: timedelta = _ZERO  # office time of finished pauses, already added to due

    def __post_init__(self) -> None:
        ensure_aware(self.start, "start")
        ensure_aware(self.due, "due")
        if self.target is not None:
            ensure_aware(self.target, "target")
        if self.paused_at is not None:
            ensure_aware(self.paused_at, "paused_at")
        if self.paused_total < _ZERO:
            raise ValueError("paused_total must not be negative")

    @classmethod
    def started(cls, times: SlaTimes) -> SlaClock:
        """A running clock for freshly computed SLA times."""
        return cls(start=times.start, target=times.target, due=times.due)

    @property
    def is_paused(self) -> bool:
        """True while the ticket waits for the requester."""
        return self.paused_at is not None

    def pause(self, at: datetime) -> SlaClock:
        """Stop the clock at `at`."""
        if self.paused_at is not None:
            raise ValueError(f"SLA clock is already paused since {self.paused_at.isoformat()}")
        return replace(self, paused_at=ensure_aware(at))

    def resume(self, calendar: WorkingCalendar, at: datetime) -> SlaClock:
        """Restart the clock at `at`, moving target and due by the office time spent paused."""
        if self.paused_at is None:
            raise ValueError("SLA clock is not paused, so it cannot be resumed")
        if ensure_aware(at) < self.paused_at:
            raise ValueError(
                f"cannot resume at {at.isoformat()}, before the pause at "
                f"{self.paused_at.isoformat()}"
            )
        spent = calendar.office_time_between(self.paused_at, at)
        target = None if self.target is None else calendar.add_office_time(self.target, spent)
        return replace(
            self,
            target=target,
            due=calendar.add_office_time(self.due, spent),
            paused_at=None,
            paused_total=self.paused_total + spent,
        )

    def paused_time(self, calendar: WorkingCalendar, now: datetime) -> timedelta:
        """Office time spent paused up to `now`, the running pause included."""
        if self.paused_at is None:
            return self.paused_total
        running = calendar.office_time_between(
            self.paused_at, max(ensure_aware(now), self.paused_at)
        )
        return self.paused_total + running

    def fraction_used(self, calendar: WorkingCalendar, now: datetime) -> float:
        """Share of the SLA used at `now`, paused office time excluded; above 1.0 after breach."""
        # `due` already includes finished pauses, so the SLA's own length is due minus those.
        total = calendar.office_time_between(self.start, self.due) - self.paused_total
        if total <= _ZERO:
            return 1.0 if self.is_breached(now) else 0.0
        used = calendar.office_time_between(self.start, now) - self.paused_time(calendar, now)
        return max(0.0, used / total)

    def is_breached(self, now: datetime) -> bool:
        """True once the clock, stopped or not, has run past the due time."""
        stopped = ensure_aware(now) if self.paused_at is None else min(now, self.paused_at)
        return stopped > self.due
