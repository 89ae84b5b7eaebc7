"""SLA durations as the service standards write them: "3 hari kerja", "1-3 hari kerja",
"60 menit", "3 jam". A range gives a target (lower bound) and a due (upper bound)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    WORKING_DAYS = "hari kerja"
    HOURS = "jam"
    MINUTES = "menit"


_UNIT_WORDS: dict[str, Unit] = {
    "hari kerja": Unit.WORKING_DAYS,
    "hari": Unit.WORKING_DAYS,  # the standards' SOP tables write "5 hari" for working days
    "hk": Unit.WORKING_DAYS,
    "working day": Unit.WORKING_DAYS,
    "working days": Unit.WORKING_DAYS,
    "day": Unit.WORKING_DAYS,
    "days": Unit.WORKING_DAYS,
    "jam": Unit.HOURS,
    "hour": Unit.HOURS,
    "hours": Unit.HOURS,
    "h": Unit.HOURS,
    "menit": Unit.MINUTES,
    "minute": Unit.MINUTES,
    "minutes": Unit.MINUTES,
    "min": Unit.MINUTES,
    "m": Unit.MINUTES,
}

_PATTERN = re.compile(
    r"^\s*(?P<a>\d+)\s*(?:(?:-|–|—|s\.?\s?d\.?|sampai|to)\s*(?P<b>\d+))?\s*(?P<unit>[a-z ]+?)\s*$"
)


class DurationError(ValueError):
    """Raised for text that is not a duration this module understands."""


@dataclass(frozen=True, slots=True)
class Duration:
    amount: int
    unit: Unit

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value}"


@dataclass(frozen=True, slots=True)
class SlaSpec:
    """A fixed duration (target is None) or a range (target = lower, due = upper)."""

    due: Duration
    target: Duration | None = None

    def __str__(self) -> str:
        if self.target is None:
            return str(self.due)
        return f"{self.target.amount}-{self.due.amount} {self.due.unit.value}"


def parse_sla(text: str) -> SlaSpec:
    """Parse "N unit" or "A-B unit" (Indonesian or English unit words)."""
    match = _PATTERN.match(text.lower())
    if not match:
        raise DurationError(f"not a duration: {text!r}")
    unit = _UNIT_WORDS.get(" ".join(match["unit"].split()))
    if unit is None:
        raise DurationError(f"unknown unit in {text!r}")
    a = int(match["a"])
    if match["b"] is None:
        if a <= 0:
            raise DurationError(f"duration must be positive: {text!r}")
        return SlaSpec(due=Duration(a, unit))
    b = int(match["b"])
    if not 0 < a <= b:
        raise DurationError(f"range must be positive and ascending: {text!r}")
    if a == b:
        return SlaSpec(due=Duration(b, unit))
    return SlaSpec(due=Duration(b, unit), target=Duration(a, unit))
