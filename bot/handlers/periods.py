"""Report periods as coordinators type them: "minggu", "bulan", "tahun", "bulan lalu",
"2026-11", "november 2026", or two dates ("1/11/2026 30/11/2026", "2026-11-01 2026-11-30")."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.dialogs.values import parse_date

_MONTHS = {
    **dict.fromkeys(("januari", "jan", "january"), 1),
    **dict.fromkeys(("februari", "feb", "pebruari", "february"), 2),
    **dict.fromkeys(("maret", "mar", "march"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "jun", "june"), 6),
    **dict.fromkeys(("juli", "jul", "july"), 7),
    **dict.fromkeys(("agustus", "agu", "agt", "aug", "august"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "okt", "oct", "october"), 10),
    **dict.fromkeys(("november", "nov", "nopember"), 11),
    **dict.fromkeys(("desember", "des", "dec", "december"), 12),
}
_WEEK = {"minggu", "pekan", "week", "minggu ini", "pekan ini", "this week"}
_MONTH = {"bulan", "month", "bulan ini", "this month"}
_YEAR = {"tahun", "year", "tahun ini", "this year"}
_LAST_WEEK = {"minggu lalu", "pekan lalu", "last week"}
_LAST_MONTH = {"bulan lalu", "last month"}
_LAST_YEAR = {"tahun lalu", "last year"}
MIN_YEAR = 1900  # nothing older is a report period; `date` itself stops at year 1
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR_ONLY = re.compile(r"^(\d{4})$")


def month_of(day: date) -> tuple[date, date]:
    """The first and last day of `day`'s month."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def previous_month(day: date) -> tuple[date, date]:
    """The month before `day`'s."""
    return month_of(day.replace(day=1) - timedelta(days=1))


def parse_period(text: str, today: date) -> tuple[date, date] | None:
    """(first, last) days of the period `text` names, up to `today` at the latest; None when it
    names none (or ends before it starts)."""
    words = " ".join(text.casefold().replace(",", " ").split())
    monday = today - timedelta(days=today.weekday())
    if words in _WEEK:
        return monday, today
    if words in _LAST_WEEK:
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if words in _MONTH:
        return today.replace(day=1), today
    if words in _LAST_MONTH:
        return previous_month(today)
    if words in _YEAR:
        return date(today.year, 1, 1), today
    if words in _LAST_YEAR:
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if found := _YEAR_MONTH.match(words):
        year, month = int(found[1]), int(found[2])
        valid = 1 <= month <= 12 and MIN_YEAR <= year <= today.year
        return _capped(month_of(date(year, month, 1)), today) if valid else None
    if found := _YEAR_ONLY.match(words):
        year = int(found[1])
        if not MIN_YEAR <= year <= today.year:
            return None
        return _capped((date(year, 1, 1), date(year, 12, 31)), today)
    parts = words.split()
    if len(parts) == 2 and parts[0] in _MONTHS and parts[1].isdigit() and len(parts[1]) == 4:
        year = int(parts[1])
        if not MIN_YEAR <= year <= today.year:
            return None
        return _capped(month_of(date(year, _MONTHS[parts[0]], 1)), today)
    return _two_dates(parts, today)


_BETWEEN = frozenset({"sampai", "s.d.", "sd", "s/d", "-", "to", "hingga", "until"})


def _two_dates(parts: list[str], today: date) -> tuple[date, date] | None:
    """ "1/11/2026 30/11/2026", "2026-11-01 sampai 2026-11-30"."""
    named = [p for p in parts if p not in _BETWEEN]
    dates = [d for p in named if (d := _day(p, today)) is not None]
    if len(named) != 2 or len(dates) != 2 or dates[0] > dates[1]:
        return None
    return dates[0], dates[1]


def _day(text: str, today: date) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return parse_date(text, today)


def _capped(period: tuple[date, date], today: date) -> tuple[date, date] | None:
    first, last = period
    if first.year < MIN_YEAR:
        return None
    if first > today:
        return None
    return first, min(last, today)
