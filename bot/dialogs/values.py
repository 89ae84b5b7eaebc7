"""Reading and showing the values requesters type: Indonesian dates and times, e-mail
addresses, phone numbers, domains, numbers and SRIKANDI letter numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from babel.dates import format_date

from bot.labels import format_day
from core.catalog.schema import FieldSpec, FieldType
from locales import Translator

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

_WEEKDAYS = [
    *("senin", "selasa", "rabu", "kamis", "jumat", "jum'at", "sabtu", "minggu", "ahad"),
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
]

_RELATIVE = {
    "hari ini": 0,
    "today": 0,
    "besok": 1,
    "bsk": 1,
    "esok": 1,
    "tomorrow": 1,
    "lusa": 2,
    "day after tomorrow": 2,
}

_ISO = re.compile(r"\b(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})\b")
_DMY = re.compile(r"\b(?P<d>[0-9]{1,2})[/.-](?P<m>[0-9]{1,2})[/.-](?P<y>[0-9]{4}|[0-9]{2})\b")
_WORDS = re.compile(r"\b(?P<d>[0-9]{1,2})\s+(?P<mon>[a-z]+)\.?(?:\s+(?P<y>[0-9]{4}))?\b")
_CLOCK = re.compile(r"\b(?P<h>[0-9]{1,2})[:.](?P<mi>[0-9]{2})\b")
_HOUR_WORD = re.compile(r"\b(?:pukul|pkl|jam|at)\.?\s*(?P<h>[0-9]{1,2})\b")

_EMAIL = re.compile(
    r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SRIKANDI = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]*$")


class ValueProblem(ValueError):
    """The typed value is not acceptable; `message` is ready to show the requester."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class FieldContext:
    """What validation needs besides the text: the time now and the office's zone."""

    now: datetime  # aware
    zone: tzinfo

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


def parse_date(text: str, today: date) -> date | None:
    """Read a calendar day written the Indonesian way (or ISO, or "besok"/"lusa")."""
    found = _find_date(_clean(text), today)
    return found[0] if found else None


def parse_datetime(text: str, today: date, zone: tzinfo) -> tuple[date | None, time | None]:
    """Read a day and a time of day ("25/12/2026 14.00", "besok pukul 9"); either may be None."""
    cleaned = _clean(text)
    found = _find_date(cleaned, today)
    if found is None:
        return None, _find_time(cleaned)
    day, span = found
    rest = cleaned[: span[0]] + " " + cleaned[span[1] :]
    return day, _find_time(rest)


def _clean(text: str) -> str:
    """Lowercase, drop weekday names and filler words that carry no date."""
    cleaned = " " + text.lower().replace(",", " ") + " "
    for word in _WEEKDAYS:
        cleaned = cleaned.replace(f" {word} ", " ")
    cleaned = re.sub(r"\b(?:tanggal|tgl|tgl\.|on)\b", " ", cleaned)
    return " ".join(cleaned.split())


def _find_date(text: str, today: date) -> tuple[date, tuple[int, int]] | None:
    """The first date in `text` and where it was found."""
    for phrase, days in sorted(_RELATIVE.items(), key=lambda item: -len(item[0])):
        at = re.search(rf"\b{phrase}\b", text)
        if at:
            return today + timedelta(days=days), at.span()
    for pattern in (_ISO, _DMY):
        match = pattern.search(text)
        if match:
            year = int(match["y"])
            if year < 100:
                year += 2000
            built = _build(year, int(match["m"]), int(match["d"]))
            return (built, match.span()) if built else None
    for match in _WORDS.finditer(text):
        month = _MONTHS.get(match["mon"])
        if month is None:
            continue
        if match["y"]:
            built = _build(int(match["y"]), month, int(match["d"]))
        else:
            built = _build(today.year, month, int(match["d"]))
            if built is not None and built < today:
                built = _build(today.year + 1, month, int(match["d"]))
        return (built, match.span()) if built else None
    return None


def _build(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _find_time(text: str) -> time | None:
    """A time of day: "14:00", "14.00", "pukul 9", "jam 14 WIB"."""
    match = _CLOCK.search(text)
    if match:
        hour, minute = int(match["h"]), int(match["mi"])
    else:
        word = _HOUR_WORD.search(text)
        if not word:
            return None
        hour, minute = int(word["h"]), 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def normalize_phone(text: str) -> str | None:
    """An Indonesian phone number in +62 form, or None when it is not one."""
    digits = re.sub(r"[\s().-]", "", text.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    if not digits.isascii() or not digits.isdigit():  # "²" and "٣" are digits to isdigit()
        return None
    if digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return None
    national = national.lstrip("0")
    if not 8 <= len(national) <= 13:
        return None
    return "+62" + national


def normalize_domain(text: str) -> str | None:
    """A host name ("sipd.kalbarprov.go.id"), scheme and path removed, or None."""
    value = text.strip().lower()
    value = re.sub(r"^[a-z]+://", "", value)
    value = value.split("/", 1)[0].rstrip(".")
    if not value or len(value) > 253 or "." not in value:
        return None
    labels = value.split(".")
    if not all(_LABEL.match(label) for label in labels):
        return None
    if not labels[-1].isalpha() or len(labels[-1]) < 2:
        return None
    return value


def normalize_number(text: str) -> str | None:
    """A non-negative number; Indonesian "1.500" means fifteen hundred, "2,5" two and a half."""
    value = text.strip().replace(" ", "")
    if re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+", value):
        value = value.replace(".", "")
    value = value.replace(",", ".")
    if not re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", value):
        return None
    return value


def valid_srikandi(text: str) -> str | None:
    """A plausible SRIKANDI letter number ("000.1/123/DISKOMINFO/2026"), trimmed, or None."""
    value = " ".join(text.split())
    if not 3 <= len(value) <= 100 or not _SRIKANDI.match(value):
        return None
    if not any(ch.isdigit() for ch in value) or not ("/" in value or "-" in value):
        return None
    return value


def validate(spec: FieldSpec, text: str, ctx: FieldContext, t: Translator) -> str:
    """The stored form of the requester's answer, or `ValueProblem` with a polite reason."""
    value = text.strip()
    if not value:
        raise ValueProblem(t("Jawaban belum terisi."))
    if len(value) > spec.max_length:
        raise ValueProblem(
            t("Jawaban terlalu panjang (paling banyak {max} karakter).").format(max=spec.max_length)
        )
    kind = spec.type
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        if not any(ch.isalnum() for ch in value):
            raise ValueProblem(t("Jawaban belum terisi."))
        return value
    if kind is FieldType.EMAIL:
        if not _EMAIL.match(value):
            raise ValueProblem(t("Alamat email tersebut belum benar, contoh: nama@instansi.go.id."))
        return value
    if kind is FieldType.PHONE:
        phone = normalize_phone(value)
        if phone is None:
            raise ValueProblem(t("Nomor telepon tersebut belum benar, contoh: 081234567890."))
        return phone
    if kind is FieldType.DOMAIN:
        domain = normalize_domain(value)
        if domain is None:
            raise ValueProblem(
                t("Nama domain tersebut belum benar, contoh: layanan.kalbarprov.go.id.")
            )
        return domain
    if kind is FieldType.NUMBER:
        number = normalize_number(value)
        if number is None:
            raise ValueProblem(t("Mohon isi dengan angka saja, contoh: 25."))
        return number
    if kind is FieldType.DATE:
        return _validate_date(spec, value, ctx, t).isoformat()
    if kind is FieldType.DATETIME:
        return _validate_datetime(spec, value, ctx, t).isoformat()
    raise ValueProblem(t("Mohon pilih salah satu tombol yang tersedia."))


def earliest_day(spec: FieldSpec, ctx: FieldContext) -> date:
    """The first day a date field accepts (today, or min_days_ahead days from today)."""
    return ctx.today + timedelta(days=spec.min_days_ahead or 0)


def example_answer(spec: FieldSpec, ctx: FieldContext, t: Translator) -> str:
    """A valid answer for a date field ("30/11/2026 14.00"), so an example is never in the past."""
    # A fixed example in the catalog or a msgid goes stale; one built from today never does.
    day = earliest_day(spec, ctx) + timedelta(days=0 if spec.min_days_ahead else 1)
    numeric = day.strftime("%d/%m/%Y")
    if spec.type is FieldType.DATETIME:
        return f"{numeric} {time(14, 0).strftime(t('%H.%M'))}"
    return t("{numeric} atau {words}").format(
        numeric=numeric, words=format_date(day, "d MMMM y", locale=t.locale)
    )


def _check_earliest(spec: FieldSpec, day: date, ctx: FieldContext, t: Translator) -> None:
    earliest = earliest_day(spec, ctx)
    if day >= earliest:
        return
    shown = format_day(earliest, t)
    if day < ctx.today:
        raise ValueProblem(
            t(
                "Tanggal tersebut sudah lewat. Tanggal paling awal yang bisa dipilih: {date}."
            ).format(date=shown)
        )
    raise ValueProblem(
        t(
            "Permohonan ini perlu diajukan paling lambat {days} hari sebelumnya. "
            "Tanggal paling awal yang bisa dipilih: {date}."
        ).format(days=spec.min_days_ahead, date=shown)
    )


def _validate_date(spec: FieldSpec, text: str, ctx: FieldContext, t: Translator) -> date:
    day = parse_date(text, ctx.today)
    if day is None:
        raise ValueProblem(
            t("Tanggal tersebut belum bisa kami baca. Contoh: {example}.").format(
                example=example_answer(spec, ctx, t)
            )
        )
    _check_earliest(spec, day, ctx, t)
    return day


def _validate_datetime(spec: FieldSpec, text: str, ctx: FieldContext, t: Translator) -> datetime:
    day, clock = parse_datetime(text, ctx.today, ctx.zone)
    if day is None:
        raise ValueProblem(
            t("Tanggal dan jam tersebut belum bisa kami baca. Contoh: {example}.").format(
                example=example_answer(spec, ctx, t)
            )
        )
    if clock is None:
        raise ValueProblem(
            t("Mohon sertakan jamnya juga. Contoh: {example}.").format(
                example=example_answer(spec, ctx, t)
            )
        )
    _check_earliest(spec, day, ctx, t)
    moment = datetime.combine(day, clock, tzinfo=ctx.zone)
    if moment <= ctx.now:
        raise ValueProblem(t("Waktu tersebut sudah lewat. Mohon tulis waktu yang akan datang."))
    return moment
