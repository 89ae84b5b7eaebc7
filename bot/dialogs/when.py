"""Days and times of day as people write them, relative to today in the office's zone:
"25/12/2026 14.00", "tgl 15 desember jam 14:30", "senin depan jam 9 pagi", "lusa", "jam 2 siang",
"next monday 9am". A week or a month without its day ("minggu depan") is reported, not guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta, tzinfo
from typing import Literal

from bot.dialogs.numbers import TEEN_WORDS, UNIT_WORDS

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        ("januari", "jan", "january"),
        ("februari", "feb", "pebruari", "february"),
        ("maret", "mar", "march"),
        ("april", "apr"),
        ("mei", "may"),
        ("juni", "jun", "june"),
        ("juli", "jul", "july"),
        ("agustus", "agu", "agt", "ags", "aug", "august"),
        ("september", "sep", "sept"),
        ("oktober", "okt", "oct", "october"),
        ("november", "nov", "nopember"),
        ("desember", "des", "dec", "december"),
    ],
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_WEEKDAYS: dict[str, int] = {
    "senin": 0,
    "selasa": 1,
    "rabu": 2,
    "kamis": 3,
    "jumat": 4,
    "sabtu": 5,
    **dict.fromkeys(("minggu", "ahad"), 6),
    **dict.fromkeys(("monday", "mon"), 0),
    **dict.fromkeys(("tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("wednesday", "wed"), 2),
    **dict.fromkeys(("thursday", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("friday", "fri"), 4),
    **dict.fromkeys(("saturday", "sat"), 5),
    **dict.fromkeys(("sunday", "sun"), 6),
}
_WEEKDAY_WORDS = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))

_RELATIVE = {
    "hari ini": 0,
    "today": 0,
    "pagi ini": 0,
    "siang ini": 0,
    "sore ini": 0,
    "malam ini": 0,
    "nanti malam": 0,
    "nanti sore": 0,
    "nanti siang": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "besok": 1,
    "bsk": 1,
    "besuk": 1,
    "esok": 1,
    "tomorrow": 1,
    "tmrw": 1,
    "lusa": 2,
    "day after tomorrow": 2,
    "kemarin": -1,
    "kemaren": -1,
    "yesterday": -1,
}

_HOUR_WORDS = "|".join(
    sorted(
        [w for w, n in {**UNIT_WORDS, **TEEN_WORDS}.items() if 1 <= n <= 12] + ["dua belas"],
        key=len,
        reverse=True,
    )
)
_COUNT_WORDS = "se|a|an|" + "|".join(w for w, n in UNIT_WORDS.items() if 1 <= n <= 7)

_ISO = re.compile(r"\b(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})\b")
_DMY = re.compile(r"\b(?P<d>[0-9]{1,2})[/.-](?P<m>[0-9]{1,2})[/.-](?P<y>[0-9]{4}|[0-9]{2})\b")
_DM = re.compile(r"\b(?P<d>[0-9]{1,2})/(?P<m>[0-9]{1,2})\b(?!/)")
_WORDS = re.compile(
    r"\b(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>[a-z]+)\.?(?:\s+(?P<y>[0-9]{4}))?\b"
)
_MONTH_FIRST = re.compile(
    r"\b(?P<mon>[a-z]+)\.?\s+(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?\b(?:\s+(?P<y>[0-9]{4})\b)?"
)
_DAY_ONLY = re.compile(
    r"\btgl\s*(?P<d>[0-9]{1,2})\b|\b(?:the\s+)?(?P<n>[0-9]{1,2})(?:st|nd|rd|th)\b"
)
# "3 hari lagi", "dalam 2 minggu", "seminggu lagi", "in 3 days", "2 weeks from now".
_AHEAD = re.compile(
    rf"\b(?P<pre>dalam\s+(?:waktu\s+)?|in\s+)?(?P<n>[0-9]{{1,2}}|{_COUNT_WORDS})\s*"
    r"(?P<unit>hari|minggu|pekan|days?|weeks?)\b"
    r"(?:\s+(?P<tail>lagi|ke\s*depan|dari\s+sekarang|from\s+now|later))?"
)
# A week without its day: "minggu depan", "pekan ini", "next week" (but "hari minggu depan" is
# a Sunday).
_WEEK = re.compile(
    r"(?<!hari )\b(?:minggu|pekan)\s+(?P<id>depan|ini|lalu|kemarin)\b"
    r"|\b(?P<en>next|this|last)\s+week\b"
)
_WEEKDAY = re.compile(
    rf"\b(?:(?P<pre>next|this|last|coming)\s+)?(?:hari\s+)?(?P<wd>{_WEEKDAY_WORDS})\b"
    r"(?:\s+(?P<post>depan|ini|lalu|kemarin|nanti))?"
)
_MONTH_VAGUE = re.compile(r"\bbulan\s+(?:depan|ini)\b|\b(?:next|this)\s+month\b")

_AMPM = re.compile(
    r"\b(?P<h>[0-9]{1,2})(?:[:.](?P<mi>[0-9]{2}))?\s*(?P<ap>a\.?m|p\.?m)\b\.?", re.IGNORECASE
)
_HALF = re.compile(rf"\b(?:pukul|pkl|jam)\.?\s*setengah\s+(?P<h>[0-9]{{1,2}}|{_HOUR_WORDS})\b")
_CLOCK = re.compile(r"\b(?P<h>[0-9]{1,2})[:.](?P<mi>[0-9]{2})\b")
_HOUR_WORD = re.compile(
    rf"\b(?:pukul|pkl|jam|at)\.?\s*(?P<h>[0-9]{{1,2}}|{_HOUR_WORDS})\b(?!\s*(?:hari|jam|menit))"
)
_NOON = re.compile(r"\b(?:noon|midday|tengah\s+hari)\b")
_PERIODS = (
    r"(?P<p>pagi|subuh|dini\s+hari|siang|sore|petang|malam|morning|afternoon|evening|"
    r"tonight|night)\b"
)
# Not the "pagi" of "selamat pagi": a greeting is no time of day.
_PERIOD = re.compile(rf"(?<!selamat )(?<!good )\b{_PERIODS}")
_PERIOD_AFTER = re.compile(rf"\s*(?:wib|wita|wit)?\s*(?:in\s+the\s+|di\s+|hari\s+)?{_PERIODS}")
_AFTERNOON = ("sore", "petang", "afternoon", "evening")
_EVENING = ("malam", "night", "tonight")


# What a date answer names besides a day: nothing, a week without its day ("minggu depan"), or
# a month without its date ("bulan depan").
Vague = Literal["week", "month"] | None


@dataclass(frozen=True, slots=True)
class Reading:
    """What a date or date-and-time answer says: the day, the time of day, or that it names a
    week or a month without saying which day (then `day` is None and the requester is asked)."""

    day: date | None
    clock: time | None
    vague: Vague = None


def parse_date(text: str, today: date) -> date | None:
    """Read a calendar day written the Indonesian way (or ISO, or "besok"/"lusa"/"senin depan")."""
    return read_when(text, today).day


def parse_datetime(text: str, today: date, zone: tzinfo) -> tuple[date | None, time | None]:
    """Read a day and a time of day ("25/12/2026 14.00", "besok pukul 9"); either may be None."""
    reading = read_when(text, today)
    return reading.day, reading.clock


def read_when(text: str, today: date) -> Reading:
    """A day and a time of day as people write them, relative to `today` in the office's zone:
    "senin depan jam 9 pagi", "lusa", "tgl 15 desember jam 14:30", "tomorrow 2pm"."""
    cleaned = _clean(text)
    day, spans, vague = _find_day(cleaned, today)
    rest = cleaned
    for begin, end in spans:
        rest = rest[:begin] + " " * (end - begin) + rest[end:]
    return Reading(day=day, clock=_find_time(rest, cleaned), vague=vague)


def _clean(text: str) -> str:
    """Lowercase, one spelling for "jumat" and "tgl", commas as spaces."""
    cleaned = " " + text.casefold().replace(",", " ").replace("’", "'") + " "
    cleaned = re.sub(r"\bjum'?at\b", "jumat", cleaned)
    cleaned = re.sub(r"\b(?:tanggal|tgl)\b\.?", " tgl ", cleaned)
    return " ".join(cleaned.split())


_Span = tuple[int, int]


def _find_day(text: str, today: date) -> tuple[date | None, list[_Span], Vague]:
    """The day `text` names, the spans that name it, or what vague period it names instead."""
    for phrase, days in sorted(_RELATIVE.items(), key=lambda item: -len(item[0])):
        at = re.search(rf"\b{phrase}\b", text)
        if at:
            return today + timedelta(days=days), [at.span()], None
    explicit = _find_calendar_date(text, today)
    if explicit is not None:
        day, span = explicit
        return day, ([span] if day else []), None
    ahead = _find_ahead(text, today)
    if ahead is not None:
        return ahead[0], [ahead[1]], None
    weekday = _find_weekday(text, today)
    if weekday is not None:
        return weekday[0], weekday[1], None
    week = _WEEK.search(text)
    if week:
        return None, [week.span()], "week"
    month = _MONTH_VAGUE.search(text)
    if month:
        return None, [month.span()], "month"
    return None, [], None


def _find_calendar_date(text: str, today: date) -> tuple[date | None, _Span] | None:
    """A date written with its month: ISO, 25/12/2026, "25 Desember", "December 25th", 15/12,
    or a day of the month after "tgl". A date that does not exist ("31/02") is (None, span)."""
    for pattern in (_ISO, _DMY):
        match = pattern.search(text)
        if match:
            year = int(match["y"])
            if year < 100:
                year += 2000
            return _build(year, int(match["m"]), int(match["d"])), match.span()
    for pattern in (_WORDS, _MONTH_FIRST):
        for match in pattern.finditer(text):
            month = _MONTHS.get(match["mon"])
            if month is None:
                continue
            if match["y"]:
                return _build(int(match["y"]), month, int(match["d"])), match.span()
            return _next_date(today, month, int(match["d"])), match.span()
    match = _DM.search(text)
    if match:
        return _next_date(today, int(match["m"]), int(match["d"])), match.span()
    match = _DAY_ONLY.search(text)
    if match:
        return _next_day_of_month(today, int(match["d"] or match["n"])), match.span()
    return None


def _build(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_date(today: date, month: int, day: int) -> date | None:
    """The day and month given without a year: this year's, or next year's once it has passed."""
    built = _build(today.year, month, day)
    if built is not None and built < today:
        built = _build(today.year + 1, month, day)
    return built


def _next_day_of_month(today: date, day: int) -> date | None:
    """ "tgl 30": this month's 30th, or the next month's that has one once it has passed."""
    year, month = today.year, today.month
    for _ in range(12):
        built = _build(year, month, day)
        if built is not None and built >= today:
            return built
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _find_ahead(text: str, today: date) -> tuple[date, _Span] | None:
    """ "3 hari lagi", "dalam 2 minggu", "seminggu lagi", "in 3 days", "2 weeks from now"."""
    for match in _AHEAD.finditer(text):
        if not match["pre"] and not match["tail"]:
            continue  # "2 hari" alone is a duration, not a day
        count = match["n"]
        number = int(count) if count.isdigit() else UNIT_WORDS.get(count, 1)
        weeks = match["unit"] in ("minggu", "pekan", "week", "weeks")
        return today + timedelta(days=number * (7 if weeks else 1)), match.span()
    return None


def _find_weekday(text: str, today: date) -> tuple[date, list[_Span]] | None:
    """ "senin depan" (next week's Monday), "rabu minggu ini", "next friday", "kamis" (the
    coming Thursday), "selasa lalu" (in the past: refused later)."""
    week = _WEEK.search(text)
    for match in _WEEKDAY.finditer(text):
        if week is not None and match.start("wd") < week.end() and week.start() < match.end("wd"):
            continue  # the "minggu" of "minggu depan" is the week, not a Sunday
        wanted, weekday = _WEEKDAYS[match["wd"]], today.weekday()
        which = match["post"] or match["pre"]
        spans = [match.span()]
        if which is None and week is not None:
            which = week["id"] or week["en"]
            which = {"next": "depan", "this": "ini", "last": "lalu"}.get(which, which)
            which = {"depan": "week-next", "ini": "week-this", "lalu": "week-last"}.get(
                which, "week-last"
            )
            spans.append(week.span())
        if which in ("depan", "next", "week-next"):
            delta = 7 - weekday + wanted  # in the next calendar week (Monday to Sunday)
        elif which == "week-this":
            delta = wanted - weekday
        elif which == "week-last":
            delta = wanted - weekday - 7
        elif which in ("lalu", "kemarin", "last"):
            delta = -((weekday - wanted) % 7 or 7)
        elif which in ("ini", "this"):
            delta = (wanted - weekday) % 7
        else:  # "kamis", "kamis nanti", "coming thursday": the next one after today
            delta = (wanted - weekday) % 7 or 7
        return today + timedelta(days=delta), spans
    return None


def _period(text: str) -> str | None:
    """The part of the day named anywhere in the answer ("pagi", "sore", "malam")."""
    match = _PERIOD.search(text)
    return " ".join(match["p"].split()) if match else None


def _find_time(text: str, whole: str = "") -> time | None:
    """A time of day: "14:00", "14.00", "pukul 9", "jam 14 WIB", "jam 2 siang" (14.00), "jam 7
    malam" (19.00), "jam setengah 10" (9.30), "2pm", "noon". The part of the day is the one
    right after the time, else the one said anywhere in `whole` ("besok sore jam 4")."""
    ampm = _AMPM.search(text)
    if ampm:
        hour, minute = int(ampm["h"]), int(ampm["mi"] or 0)
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm["ap"].lower().startswith("p") else 0)
        return _time(hour, minute)
    half = _HALF.search(text)
    clock = _CLOCK.search(text)
    word = _HOUR_WORD.search(text)
    found = half or clock or word
    if found is None:
        return time(12, 0) if _NOON.search(text) else None
    if half:
        hour, minute = _hour_number(half["h"]) - 1, 30
    elif clock:
        hour, minute = int(clock["h"]), int(clock["mi"])
    else:
        hour, minute = _hour_number(found["h"]), 0
    after = _PERIOD_AFTER.match(text, found.end())
    period = after["p"] if after else _period(whole or text)
    if period is None and 1 <= hour <= 5 and not (clock and clock["h"].startswith("0")):
        period = "siang"  # "besok jam 2" at an office is 14.00, not 02.00 (but "02.00" is)
    return _time(_with_period(hour, " ".join(period.split()) if period else None), minute)


def _hour_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "dua belas":
        return 12
    return {**UNIT_WORDS, **TEEN_WORDS}.get(text, 0)


def _with_period(hour: int, period: str | None) -> int:
    """The 24-hour clock for "jam 2 siang" (14), "jam 4 sore" (16), "jam 7 malam" (19)."""
    if period is None or hour > 12:
        return hour
    if period == "siang":
        return hour + 12 if 1 <= hour <= 5 else hour
    if period in _AFTERNOON:
        return hour + 12 if hour < 12 else hour
    if period in _EVENING:
        if hour == 12:
            return 0
        return hour + 12 if 5 <= hour <= 11 else hour
    return hour  # pagi, subuh, dini hari, morning


def _time(hour: int, minute: int) -> time | None:
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)
