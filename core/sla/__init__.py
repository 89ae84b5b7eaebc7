"""SLA durations, the agency working-day calendar and the pausable SLA clock."""

from core.sla.calendar import (
    CalendarError,
    SlaTimes,
    WorkingCalendar,
    calendar_for,
    load_overrides,
    national_days_off,
)
from core.sla.clock import SlaClock
from core.sla.duration import Duration, DurationError, SlaSpec, Unit, parse_sla

__all__ = [
    "CalendarError",
    "Duration",
    "DurationError",
    "SlaClock",
    "SlaSpec",
    "SlaTimes",
    "Unit",
    "WorkingCalendar",
    "calendar_for",
    "load_overrides",
    "national_days_off",
    "parse_sla",
]
