"""Reading and showing the values requesters type: Indonesian dates and times (read in
`bot.dialogs.when`), e-mail addresses, phone numbers, domains, numbers (`bot.dialogs.numbers`)
and SRIKANDI letter numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

import phonenumbers
from babel.dates import format_date
from babel.lists import format_list

from bot.dialogs.numbers import normalize_number as normalize_number
from bot.dialogs.numbers import read_number as read_number
from bot.dialogs.when import Reading as Reading
from bot.dialogs.when import parse_date as parse_date
from bot.dialogs.when import parse_datetime as parse_datetime
from bot.dialogs.when import read_when as read_when
from bot.labels import format_day
from core.catalog.schema import Agency, FieldSpec, FieldType
from locales import Translator

_EMAIL = re.compile(
    r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+")
_OFFICIAL_DOMAIN = "go.id"  # every Indonesian government body's addresses end in it
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
    # The agency's own e-mail domains ("kalbarprov.go.id"), accepted by official e-mail fields
    # besides go.id; `agency_email_domains(catalog.agency)`.
    agency_domains: tuple[str, ...] = ()

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


def normalize_phone(text: str) -> str | None:
    """The first Indonesian phone number in `text` ("nomor saya 0812-9988-7766 pak"), in E.164
    form ("+6281299887766"), or None when there is none."""
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        return None  # ASCII digits only: "²" and "٣" are digits to isdigit()
    for match in phonenumbers.PhoneNumberMatcher(text, "ID", phonenumbers.Leniency.POSSIBLE):
        number = match.number
        raw = match.raw_string.strip()
        if not raw.lstrip("(").startswith(("0", "+", "62")):
            continue  # "Rp 1.500.000" or a local number without its area code
        if raw.startswith("62"):
            # "62812..." without its "+" is the international form, not an area code 062
            try:
                number = phonenumbers.parse("+" + raw, "ID")
            except phonenumbers.NumberParseException:
                continue
        if number.country_code == 62 and phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def _foreign_phone(text: str) -> bool:
    """`text` holds a phone number of another country ("+1 555 0100 200")."""
    for match in phonenumbers.PhoneNumberMatcher(text, "ID", phonenumbers.Leniency.POSSIBLE):
        if match.raw_string.strip().startswith("+") and match.number.country_code != 62:
            return True
    return False


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


def read_email(text: str) -> str | None:
    """The e-mail address in `text` ("email saya budi@kalbarprov.go.id"), its domain in lower
    case, or None when there is not exactly one."""
    value = text.strip()
    if not _EMAIL.match(value):
        found = dict.fromkeys(m.group(0).rstrip(".-") for m in _EMAIL_IN_TEXT.finditer(value))
        addresses = [a for a in found if _EMAIL.match(a)]
        if len(addresses) != 1:
            return None
        value = addresses[0]
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def agency_email_domains(agency: Agency) -> tuple[str, ...]:
    """The domains of the agency's own e-mail contacts ("kalbarprov.go.id")."""
    found = [
        c.value.rpartition("@")[2].strip().lower()
        for c in agency.contacts
        if c.kind == "email" and "@" in c.value
    ]
    return tuple(dict.fromkeys(found))


def is_official_email(address: str, agency_domains: tuple[str, ...] = ()) -> bool:
    """The address is a government one: its domain ends in go.id or is the agency's own."""
    domain = address.rpartition("@")[2].lower()
    return any(
        domain == accepted or domain.endswith("." + accepted)
        for accepted in (_OFFICIAL_DOMAIN, *agency_domains)
    )


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
        return _validate_email(spec, value, ctx, t)
    if kind is FieldType.PHONE:
        phone = normalize_phone(value)
        if phone is None and _foreign_phone(value):
            raise ValueProblem(
                t(
                    "Mohon tuliskan nomor telepon Indonesia (diawali 0 atau +62), "
                    "contoh: 081234567890."
                )
            )
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
        number = read_number(value)
        if number is None:
            raise ValueProblem(t("Mohon isi dengan angka saja, contoh: 25."))
        return number
    if kind is FieldType.NIP:
        nip = read_nip(value)
        if nip is None:
            raise ValueProblem(
                t(
                    "NIP terdiri atas 18 angka, contoh: 198501012010011003. Bila Bapak/Ibu "
                    "bukan ASN, ketik: lewati."
                )
            )
        return nip
    if kind is FieldType.DATE:
        return _validate_date(spec, value, ctx, t).isoformat()
    if kind is FieldType.DATETIME:
        return _validate_datetime(spec, value, ctx, t).isoformat()
    raise ValueProblem(t("Mohon pilih salah satu tombol yang tersedia."))


def read_nip(text: str) -> str | None:
    """The 18 digits of a NIP written inside a sentence, with spaces or dots ("NIP 19850101
    201001 1 003"), or None when there is no plausible one.

    A NIP (and a PPPK's NI) opens with its holder's birth date (YYYYMMDD) and the year of
    appointment; checking those catches most typos.
    """
    groups = re.findall(r"\d[\d .-]*\d|\d", text)
    for group in groups:
        digits = re.sub(r"\D", "", group)
        if len(digits) != 18:
            continue
        try:
            birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        except ValueError:
            continue
        if birth.year + 15 <= int(digits[8:12]) <= 2100:
            return digits
    return None


def _validate_email(spec: FieldSpec, text: str, ctx: FieldContext, t: Translator) -> str:
    address = read_email(text)
    if address is None:
        raise ValueProblem(t("Alamat email tersebut belum benar, contoh: nama@instansi.go.id."))
    if spec.official and not is_official_email(address, ctx.agency_domains):
        accepted = [_OFFICIAL_DOMAIN] + [
            d for d in ctx.agency_domains if not is_official_email("x@" + d)
        ]
        example = spec.example or "nama@" + (
            ctx.agency_domains[0] if ctx.agency_domains else "instansi.go.id"
        )
        raise ValueProblem(
            t(
                "Untuk isian ini mohon gunakan alamat email kedinasan, yaitu yang domainnya "
                "berakhiran {domains}, contoh: {example}."
            ).format(domains=format_list(accepted, style="or", locale=t.locale), example=example)
        )
    return address


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


def _which_day(reading: Reading, spec: FieldSpec, ctx: FieldContext, t: Translator) -> None:
    """A week or a month without its day ("minggu depan") is asked about, never guessed."""
    example = example_answer(spec, ctx, t)
    if reading.vague == "week":
        raise ValueProblem(
            t(
                'Hari apa tepatnya, Bapak/Ibu? Mohon sebutkan harinya (misalnya "Senin depan") '
                "atau tanggalnya. Contoh: {example}."
            ).format(example=example)
        )
    if reading.vague == "month":
        raise ValueProblem(
            t("Tanggal berapa tepatnya, Bapak/Ibu? Contoh: {example}.").format(example=example)
        )


def _validate_date(spec: FieldSpec, text: str, ctx: FieldContext, t: Translator) -> date:
    reading = read_when(text, ctx.today)
    if reading.day is None:
        _which_day(reading, spec, ctx, t)
        raise ValueProblem(
            t("Tanggal tersebut belum bisa kami baca. Contoh: {example}.").format(
                example=example_answer(spec, ctx, t)
            )
        )
    _check_earliest(spec, reading.day, ctx, t)
    return reading.day


def _validate_datetime(spec: FieldSpec, text: str, ctx: FieldContext, t: Translator) -> datetime:
    reading = read_when(text, ctx.today)
    day, clock = reading.day, reading.clock
    if day is None:
        _which_day(reading, spec, ctx, t)
        if clock is not None:
            raise ValueProblem(
                t(
                    "Pukul {time} pada hari dan tanggal berapa, Bapak/Ibu? Contoh: {example}."
                ).format(time=clock.strftime(t("%H.%M")), example=example_answer(spec, ctx, t))
            )
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
