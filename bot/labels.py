"""How the bot names things in a message: moments and days, answers and documents, services,
procedure steps, roles, ticket statuses and SLAs, in the reader's language.

One place, so the intake summary, /status, /tiket, notifications and reports say the same thing
the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from babel.dates import format_date

from core.catalog.schema import Catalog, FieldSpec, FieldType
from core.complaints import find_service
from core.sla.duration import Duration, SlaSpec, Unit
from core.tickets import TicketStatus
from locales import Translator

# --- time -----------------------------------------------------------------------------------


def zone_name(moment: datetime) -> str:
    """WIB/WITA/WIT from the UTC offset (Indonesia's three zones), else "UTC+h"."""
    offset = moment.utcoffset() or timedelta(0)
    hours = offset.total_seconds() / 3600
    names = {7: "WIB", 8: "WITA", 9: "WIT"}
    if hours in names:
        return names[int(hours)]
    sign = "+" if hours >= 0 else "-"
    whole = abs(int(offset.total_seconds() // 60))
    return f"UTC{sign}{whole // 60}" + (f":{whole % 60:02d}" if whole % 60 else "")


def format_day(day: date, t: Translator) -> str:
    """ "Senin, 30 November 2026" (or the English form)."""
    return format_date(day, "EEEE, d MMMM y", locale=t.locale)


def format_period_day(day: date, t: Translator) -> str:
    """A report period's bound: "1 November 2026" (no weekday, unlike a due moment)."""
    return format_date(day, "d MMMM y", locale=t.locale)


def format_moment(moment: datetime, zone: tzinfo | str, t: Translator) -> str:
    """ "Senin, 30 November 2026 pukul 16.00 WIB" in the office's zone."""
    local = moment.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    return t("{date} pukul {time} {zone}").format(
        date=format_day(local.date(), t),
        time=local.strftime(t("%H.%M")),
        zone=zone_name(local),
    )


def describe_sla(spec: SlaSpec, t: Translator) -> str:
    """ "1-3 hari kerja" / "1-3 working days" in the conversation's language."""
    if spec.target is None:
        return describe_duration(spec.due, t)
    ranges = {
        Unit.WORKING_DAYS: t("{a}-{b} hari kerja"),
        Unit.HOURS: t("{a}-{b} jam"),
        Unit.MINUTES: t("{a}-{b} menit"),
    }
    return ranges[spec.due.unit].format(a=spec.target.amount, b=spec.due.amount)


def describe_duration(duration: Duration, t: Translator) -> str:
    """ "3 hari kerja", "1 jam", "30 menit"."""
    if duration.amount == 1:
        single = {
            Unit.WORKING_DAYS: t("1 hari kerja"),
            Unit.HOURS: t("1 jam"),
            Unit.MINUTES: t("1 menit"),
        }
        return single[duration.unit]
    many = {
        Unit.WORKING_DAYS: t("{n} hari kerja"),
        Unit.HOURS: t("{n} jam"),
        Unit.MINUTES: t("{n} menit"),
    }
    return many[duration.unit].format(n=duration.amount)


# --- a request's answers ----------------------------------------------------------------------


def show_answer(spec: FieldSpec, value: Any, zone: tzinfo | str, t: Translator) -> str:
    """A stored answer in words: a choice's label, a date or moment in local words."""
    if value is None:
        return t("(dilewati)")
    try:
        if spec.type is FieldType.CHOICE:
            picked = next((c for c in spec.choices if c.code == value), None)
            return picked.label.get(t.locale) if picked else str(value)
        if spec.type is FieldType.DATE:
            return format_day(date.fromisoformat(str(value)), t)
        if spec.type is FieldType.DATETIME:
            return format_moment(datetime.fromisoformat(str(value)), zone, t)
        if spec.type is FieldType.PHONE:
            return show_phone(str(value))
        if spec.type is FieldType.NIP:
            return show_nip(str(value))
    except ValueError:
        pass  # an answer stored before its field changed type: show it as it is
    return str(value)


def show_nip(value: str) -> str:
    """A stored NIP as it is printed on letters: "19850101 201001 1 003"."""
    if len(value) != 18 or not value.isdigit():
        return value
    return f"{value[:8]} {value[8:14]} {value[14]} {value[15:]}"


def show_phone(value: str) -> str:
    """A stored phone number ("+6281299887766") the Indonesian way: "0812-9988-7766",
    "(0561) 8173627"; another country's in its international form; else as stored."""
    try:
        number = phonenumbers.parse(value, "ID")
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 62
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def show_document(value: Any, t: Translator) -> str:
    """A requirement as handed in: its file's name, its SRIKANDI number, or "not attached"."""
    if not isinstance(value, dict) or not value:
        return t("(tidak dilampirkan)")
    if value.get("kind") == "srikandi":
        return t("SRIKANDI nomor {number}").format(number=value.get("number", ""))
    return str(value.get("filename") or t("berkas terlampir"))


# --- the catalog ----------------------------------------------------------------------------


def service_label(catalog: Catalog, service: str, product: str | None, t: Translator) -> str:
    """ "Jaringan Intra Pemerintah (Perbaikan)" in `t`'s language; the code if unknown."""
    found = find_service(catalog, service)
    if found is None:
        return service
    name = found.name.get(t.locale)
    chosen = found.product(product)
    if chosen is not None:
        name = t("{service} ({product})").format(service=name, product=chosen.name.get(t.locale))
    return name


def service_short_label(catalog: Catalog, service: str, product: str | None, t: Translator) -> str:
    """The service's short name and the product's, for lists; the code if unknown."""
    found = find_service(catalog, service)
    if found is None:
        return service
    name = (found.short_name or found.name).get(t.locale)
    chosen = found.product(product)
    if chosen is not None:
        label = (chosen.short_name or chosen.name).get(t.locale)
        name = t("{service} ({product})").format(service=name, product=label)
    return name


def step_label(catalog: Catalog, service: str, step: str | None, t: Translator) -> str:
    """A procedure step in words ("Disposisi Kepala Dinas"); the code if unknown."""
    found = find_service(catalog, service)
    for candidate in found.procedure if found else []:
        if candidate.code == step:
            return candidate.action.get(t.locale)
    return step or "-"


def role_label(catalog: Catalog, role: str, t: Translator) -> str:
    """A role's name in `t`'s language; the code if unknown."""
    for candidate in catalog.agency.roles:
        if candidate.code == role:
            return candidate.name.get(t.locale)
    return role


def priority_words(priority: str, t: Translator) -> str:
    """A handling priority in words."""
    words = {"tinggi": t("tinggi"), "sedang": t("sedang"), "rendah": t("rendah")}
    return words.get(priority, priority)


# --- statuses -------------------------------------------------------------------------------


def status_words(status: TicketStatus, t: Translator) -> str:
    """A ticket status in plain words, as the requester reads it."""
    words = {
        TicketStatus.BARU: t("Baru diterima, menunggu ditindaklanjuti"),
        TicketStatus.DIPROSES: t("Sedang diproses"),
        TicketStatus.MENUNGGU_PEMOHON: t("Menunggu tanggapan Bapak/Ibu"),
        TicketStatus.SELESAI: t("Selesai"),
        TicketStatus.DITOLAK: t("Ditolak"),
        TicketStatus.DIBATALKAN: t("Dibatalkan"),
    }
    return words.get(status, str(status))


def officer_status_words(status: TicketStatus, t: Translator) -> str:
    """A ticket status as an officer reads it."""
    words = {
        TicketStatus.BARU: t("Baru, belum ditindaklanjuti"),
        TicketStatus.DIPROSES: t("Sedang diproses"),
        TicketStatus.MENUNGGU_PEMOHON: t("Menunggu kelengkapan dari pemohon"),
        TicketStatus.SELESAI: t("Selesai"),
        TicketStatus.DITOLAK: t("Ditolak"),
        TicketStatus.DIBATALKAN: t("Dibatalkan"),
    }
    return words.get(status, str(status))


def clip(text: str, limit: int = 160) -> str:
    """A long text quoted in a list or a history: on one line, cut with "…"."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
