"""What the API answers, as plain JSON values: tickets (trimmed to `fields`), a ticket's history
and files, the IKM, the catalog and the calendar. The shapes are bot.api.schemas'.

Instants are ISO 8601 on the agency's clock (e.g. 2026-03-02T09:15:00+07:00), dates YYYY-MM-DD.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

import holidays
import yaml

from bot.ikm_report import IkmFigures, IkmLine
from bot.labels import service_label
from core import ikm
from core.catalog.schema import (
    PRIORITY_ORDER,
    Catalog,
    ComplaintClass,
    FieldSpec,
    OfficeHours,
    Requirement,
    Service,
)
from core.sla.calendar import OVERRIDES_DIR, WorkingCalendar
from core.sla.duration import Duration, SlaSpec, Unit
from locales import translator
from storage import repositories as repo

# Every member of a ticket item, in the order they are written; `fields` chooses among them.
TICKET_FIELDS: tuple[str, ...] = (
    "ref",
    "service",
    "product",
    "status",
    "step",
    "assigned_role",
    "assigned_officer_id",
    "channel",
    "priority",
    "created_at",
    "updated_at",
    "start_at",
    "target_at",
    "due_at",
    "step_due_at",
    "paused_at",
    "paused_seconds",
    "closed_at",
    "event_at",
    "answers",
    "requirements",
)
# The members that carry the requester's own data: sending any of them is logged.
PERSONAL_FIELDS = frozenset({"answers", "requirements"})

# Event data members that are codes, times, ids or flags; everything else an event may hold
# (notes, instructions, reasons, messages, the Berita Acara, the requester's text) is free text
# that can name or describe people, so it stays out of the API.
EVENT_DATA_KEYS = frozenset(
    {
        "service",
        "product",
        "status",
        "step",
        "from_step",
        "to_step",
        "role",
        "officer",
        "previous",
        "alert",
        "due",
        "start_at",
        "due_at",
        "step_due_at",
        "previous_due_at",
        "paused_seconds",
        "class",
        "provisional",
        "late",
    }
)

_PRIORITY_NAMES = {rank: name for name, rank in PRIORITY_ORDER.items()}
_UNITS = {Unit.WORKING_DAYS: "working_days", Unit.HOURS: "hours", Unit.MINUTES: "minutes"}


def instant(moment: datetime | None, zone: tzinfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat()


# --------------------------------------------------------------------------- tickets


def ticket_item(
    ticket: repo.TicketRecord, zone: tzinfo, fields: Collection[str] = TICKET_FIELDS
) -> dict[str, Any]:
    """One ticket with the members in `fields` (in `TICKET_FIELDS` order)."""
    values: dict[str, Any] = {
        "ref": ticket.ref,
        "service": ticket.service,
        "product": ticket.product,
        "status": str(ticket.status),
        "step": ticket.step,
        "assigned_role": ticket.assigned_role,
        "assigned_officer_id": ticket.assigned_officer_id,
        "channel": ticket.channel,
        "priority": None if ticket.priority is None else _PRIORITY_NAMES.get(ticket.priority),
        "created_at": instant(ticket.created_at, zone),
        "updated_at": instant(ticket.updated_at, zone),
        "start_at": instant(ticket.start_at, zone),
        "target_at": instant(ticket.target_at, zone),
        "due_at": instant(ticket.due_at, zone),
        "step_due_at": instant(ticket.step_due_at, zone),
        "paused_at": instant(ticket.paused_at, zone),
        "paused_seconds": ticket.paused_seconds,
        "closed_at": instant(ticket.closed_at, zone),
        "event_at": instant(ticket.event_at, zone),
        "answers": dict(ticket.fields),
        "requirements": {code: _requirement(v) for code, v in ticket.requirements.items()},
    }
    return {name: values[name] for name in TICKET_FIELDS if name in fields}


def _requirement(value: Any) -> dict[str, Any] | None:
    """A document as given: its kind and the file's id or the SRIKANDI number (the file's name
    is in the ticket's attachments)."""
    if not isinstance(value, Mapping):
        return None
    kind = value.get("kind")
    attachment = value.get("attachment_id")
    number = value.get("number")
    return {
        "kind": kind if kind in ("file", "srikandi") else None,
        "attachment_id": int(attachment)
        if isinstance(attachment, int | str) and attachment
        else None,
        "srikandi_number": str(number) if number else None,
    }


def event_item(event: repo.EventRecord, zone: tzinfo) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "at": instant(event.at, zone),
        "actor_kind": event.actor_kind,
        "officer_id": event.actor_id if event.actor_kind == "officer" else None,
        "data": {k: v for k, v in event.data.items() if k in EVENT_DATA_KEYS},
    }


def attachment_item(record: repo.AttachmentRecord, zone: tzinfo) -> dict[str, Any]:
    """A file's metadata; never its path on disk."""
    return {
        "id": record.id,
        "filename": record.filename,
        "mime": record.mime,
        "size": record.size,
        "created_at": instant(record.created_at, zone),
    }


# --------------------------------------------------------------------------- IKM


def ikm_body(figures: IkmFigures, catalog: Catalog, lang: str) -> dict[str, Any]:
    t = translator(lang)
    return {
        "agency": figures.agency,
        "from": figures.first.isoformat(),
        "to": figures.last.isoformat(),
        "total": _ikm_line(figures.total, lang),
        "services": [
            {
                "service": line.code,
                "name": service_label(catalog, line.code, None, t),
                **_ikm_line(line, lang),
            }
            for line in figures.services
        ],
    }


def _ikm_line(line: IkmLine, lang: str) -> dict[str, Any]:
    result = line.result
    return {
        "respondents": result.respondents,
        "served": line.served,
        "sample_needed": line.needed,
        "sample_adequate": line.sample_enough,
        "ikm": None if result.ikm is None else float(result.ikm),
        "grade": None if result.grade is None else result.grade.value,
        "mutu": None if result.grade is None else result.grade.label(lang),
        "elements": [
            {
                "code": element.code,
                "name": element.name(lang),
                "answered": answered,
                "nrr": None if nrr is None else float(ikm.round_half_up(nrr, ikm.NRR_PLACES)),
            }
            for element, answered, nrr in zip(
                ikm.ELEMENTS, result.answered, result.nrr, strict=True
            )
        ],
    }


# --------------------------------------------------------------------------- catalog


def catalog_body(catalog: Catalog, lang: str) -> dict[str, Any]:
    agency = catalog.agency
    return {
        "agency": {
            "code": agency.code,
            "name": agency.name.get(lang),
            "short_name": agency.short_name,
            "city": agency.city,
            "timezone": agency.timezone,
            "office_hours": office_hours(agency.office_hours),
        },
        "services": [_service(catalog, service, lang) for service in catalog.services],
    }


def sla(spec: SlaSpec | None) -> dict[str, Any] | None:
    """The published text and what it parses to."""
    if spec is None:
        return None
    return {
        "text": str(spec),
        "due": _duration(spec.due),
        "target": None if spec.target is None else _duration(spec.target),
    }


def _duration(duration: Duration) -> dict[str, Any]:
    return {"amount": duration.amount, "unit": _UNITS[duration.unit]}


def office_hours(hours: Iterable[OfficeHours]) -> list[dict[str, Any]]:
    return [
        {
            "days": [str(day) for day in entry.days],
            "open": entry.open.strftime("%H:%M"),
            "close": entry.close.strftime("%H:%M"),
        }
        for entry in hours
    ]


def _service(catalog: Catalog, service: Service, lang: str) -> dict[str, Any]:
    return {
        "code": service.code,
        "name": service.name.get(lang),
        "description": service.description.get(lang),
        "audience": list(service.audience),
        "cost": service.cost.get(lang),
        "outcome": None if service.outcome is None else service.outcome.get(lang),
        "sla": sla(service.sla),
        "sla_note": None if service.sla_note is None else service.sla_note.get(lang),
        "availability_percent": service.availability,
        "daily_capacity": service.daily_capacity,
        "fields": [_field(spec, lang) for spec in service.fields],
        "requirements": [_requirement_spec(r, lang) for r in service.requirements],
        "procedure": [
            {
                "code": step.code,
                "role": step.role,
                "action": step.action.get(lang),
                "duration": sla(step.duration),
                "uses_service_sla": step.uses_service_sla,
            }
            for step in service.procedure
        ],
        "products": [
            {
                "code": product.code,
                "name": product.name.get(lang),
                "description": None
                if product.description is None
                else product.description.get(lang),
                "sla": sla(product.sla),
                "fields": [_field(spec, lang) for spec in product.fields],
                "requirements": [_requirement_spec(r, lang) for r in product.requirements],
            }
            for product in service.products
        ],
        "complaint_classes": [
            _complaint_class(c, lang) for c in catalog.complaint_classes_for(service.code)
        ],
    }


def _field(spec: FieldSpec, lang: str) -> dict[str, Any]:
    return {
        "code": spec.code,
        "label": spec.label.get(lang),
        "prompt": spec.prompt.get(lang),
        "type": str(spec.type),
        "required": spec.required,
        "choices": [{"code": c.code, "label": c.label.get(lang)} for c in spec.choices],
        "max_length": spec.max_length,
        "min_days_ahead": spec.min_days_ahead,
    }


def _requirement_spec(requirement: Requirement, lang: str) -> dict[str, Any]:
    return {
        "code": requirement.code,
        "name": requirement.name.get(lang),
        "description": None
        if requirement.description is None
        else requirement.description.get(lang),
        "kind": requirement.kind,
        "accepts_srikandi": requirement.accepts_srikandi,
        "required": requirement.required,
    }


def _complaint_class(complaint: ComplaintClass, lang: str) -> dict[str, Any]:
    return {"code": complaint.code, "name": complaint.name.get(lang), "limit": sla(complaint.limit)}


# --------------------------------------------------------------------------- calendar


def calendar_body(
    catalog: Catalog, calendar: WorkingCalendar, year: int, extra_dir: Path | None
) -> dict[str, Any]:
    """The year's national days off, the agency's overrides and its office hours.

    The days off are those `core.sla.calendar` counts (the `holidays` package: public holidays
    and cuti bersama); the overrides are the ones the running server loaded, with the reason
    their file gives.
    """
    found: list[dict[str, Any]] = []
    for category, kind in (("public", "holiday"), ("government", "cuti_bersama")):
        days = holidays.country_holidays("ID", years=year, categories=(category,), language="id")
        found += [{"date": d.isoformat(), "name": name, "kind": kind} for d, name in days.items()]
    found.sort(key=lambda entry: (entry["date"], entry["kind"]))
    reasons = override_reasons(catalog.agency.code, extra_dir)
    overrides = [
        {"date": d.isoformat(), "open": d in calendar.opened, "reason": reasons.get(d)}
        for d in sorted(calendar.opened | calendar.closed)
        if d.year == year
    ]
    first = date(year, 1, 1)
    working = sum(
        1
        for offset in range((date(year + 1, 1, 1) - first).days)
        if calendar.is_working_day(date.fromordinal(first.toordinal() + offset))
    )
    return {
        "agency": catalog.agency.code,
        "year": year,
        "timezone": calendar.timezone,
        "office_hours": office_hours(catalog.agency.office_hours),
        "holidays": found,
        "overrides": overrides,
        "working_days": working,
    }


def override_reasons(agency: str, extra_dir: Path | None) -> dict[date, str]:
    """Each override date's reason, read from the same files as `calendar_for` (the later file
    wins). Only the reasons: which dates count comes from the calendar the server runs with,
    already validated when it started."""
    reasons: dict[date, str] = {}
    for folder in (OVERRIDES_DIR, extra_dir):
        path = None if folder is None else folder / f"{agency}.yaml"
        if path is None or not path.is_file():
            continue
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue  # the file changed since the start; its dates are not in use anyway
        for key in ("closed", "open"):
            entries = raw.get(key) if isinstance(raw, dict) else None
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("reason"), str):
                    day = _as_date(entry.get("date"))
                    if day is not None:
                        reasons[day] = entry["reason"].strip()
    return reasons


def _as_date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
