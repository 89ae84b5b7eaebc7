"""Public complaints about the service, as pure values.

A complaint is a ticket of the service "pengaduan": the catalog's own where it has one (kalbar,
with its published handling procedure), else a one-step procedure for the agency's complaints
role (`core.workflow.complaint_role`). Its due time is the limit of its class (ringan, normatif,
tidak berkadar pengawasan, berkadar pengawasan) counted from when it was received; until an
officer classifies it, the shortest class's limit applies, so nothing waits longer than the
quickest answer the agency promises.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from core.catalog.schema import Catalog, ComplaintClass, LText, ProcedureStep, Service
from core.kinds import ErrorCode, EventKind
from core.sla.calendar import WorkingCalendar
from core.sla.duration import Duration, Unit
from core.workflow import (
    Event,
    OfficerId,
    Transition,
    WorkflowError,
    WorkflowTicket,
    complaint_due,
    complaint_role,
)

COMPLAINT_SERVICE = "pengaduan"
COMPLAINT_STEP = "tangani-pengaduan"  # the synthesized procedure's one step

# Event kinds in the ticket's log.
LIMIT_SET = EventKind.COMPLAINT_LIMIT  # the provisional limit, when the complaint is filed
CLASSIFIED = EventKind.COMPLAINT_CLASSIFIED


def find_service(catalog: Catalog, code: str) -> Service | None:
    """The catalog's service with this code; "pengaduan" exists for every agency with classes."""
    found = catalog.service(code)
    if found is None and code == COMPLAINT_SERVICE:
        return synthesized_service(catalog)
    return found


def complaint_service(catalog: Catalog) -> Service | None:
    """The service complaints are filed under, or None when the agency takes none by chat."""
    return find_service(catalog, COMPLAINT_SERVICE)


def synthesized_service(catalog: Catalog) -> Service | None:
    """A one-step complaint service for an agency whose catalog has none (None without classes)."""
    classes = catalog.agency.complaint_classes
    if not classes:
        return None
    # The service's SLA is only the provisional one: classification sets each ticket's due.
    shortest = min(classes, key=lambda c: _rough_minutes(c.limit.due))
    step = ProcedureStep(
        code=COMPLAINT_STEP,
        role=complaint_role(catalog.agency),
        action=LText(
            {
                "id": "Menelaah, mengklasifikasikan dan menindaklanjuti pengaduan",
                "en": "Review, classify and follow up the complaint",
            }
        ),
        uses_service_sla=True,
        output="Jawaban pengaduan",
    )
    return Service.model_validate(
        {
            "code": COMPLAINT_SERVICE,
            "name": {"id": "Pengaduan Layanan", "en": "Service complaint"},
            "short_name": {"id": "Pengaduan", "en": "Complaint"},
            "description": {
                "id": f"Pengaduan masyarakat tentang pelayanan {catalog.agency.short_name}.",
                "en": f"Public complaints about the services of {catalog.agency.short_name}.",
            },
            "audience": ["public", "opd"],
            "fields": [
                {
                    "code": "isi_pengaduan",
                    "label": {"id": "Isi pengaduan", "en": "Complaint"},
                    "prompt": {
                        "id": "Mohon sampaikan isi pengaduan Bapak/Ibu.",
                        "en": "Please tell us about your complaint.",
                    },
                    "type": "long_text",
                    "max_length": 3000,
                },
                {
                    "code": "kontak",
                    "label": {"id": "Kontak", "en": "Contact"},
                    "prompt": {
                        "id": "Nomor telepon atau email yang dapat kami hubungi?",
                        "en": "Which phone number or e-mail can we reach you on?",
                    },
                    "required": False,
                },
            ],
            "sla": shortest.limit,
            "cost": {"id": "Gratis", "en": "Free of charge"},
            "procedure": [step],
        }
    )


def _rough_minutes(duration: Duration) -> int:
    """A length to compare limits by without a calendar (a working day as 8 office hours)."""
    per_unit = {Unit.MINUTES: 1, Unit.HOURS: 60, Unit.WORKING_DAYS: 8 * 60}
    return duration.amount * per_unit[duration.unit]


def classes_for(catalog: Catalog, about: str | None) -> list[ComplaintClass]:
    """The classes (and limits) of a complaint about a service, or about the agency."""
    if about is None:
        return list(catalog.agency.complaint_classes)
    return list(catalog.complaint_classes_for(about))


def has_own_standard(catalog: Catalog) -> bool:
    """True when the catalog publishes a complaints service of its own (kalbar's Pengaduan
    Masyarakat, 8 hari kerja): its standard is the limit until an officer classifies."""
    return catalog.service(COMPLAINT_SERVICE) is not None


def provisional_class(
    catalog: Catalog, about: str | None, calendar: WorkingCalendar, received: datetime
) -> ComplaintClass | None:
    """The limit until an officer classifies the complaint: none where the agency's own
    complaints service has a published standard, else the class with the shortest limit."""
    if has_own_standard(catalog):
        return None
    classes = classes_for(catalog, about)
    if not classes:
        return None
    return min(classes, key=lambda c: calendar.due(received, c.limit).due)


def limit_due(
    catalog: Catalog,
    about: str | None,
    class_code: str,
    calendar: WorkingCalendar,
    *,
    received: datetime,
    paused: timedelta = timedelta(0),
) -> datetime:
    """The due time of a complaint of `class_code`, moved by the office time it waited paused."""
    due = complaint_due(catalog, about, class_code, calendar, received).due
    return calendar.add_office_time(due, paused) if paused else due


def set_limit(
    ticket: WorkflowTicket,
    *,
    due: datetime,
    class_code: str,
    provisional: bool,
    moves_step: bool,
    at: datetime,
    by: OfficerId | None = None,
) -> Transition:
    """The complaint's due set to its class's limit (`provisional`: before any classification).

    `moves_step` also moves the current step's due, for a step that works to the service's own
    SLA (the synthesized procedure's one step). Nobody is notified here: the bot words the
    requester's message itself.
    """
    if ticket.is_closed:
        raise WorkflowError(ErrorCode.TICKET_CLOSED, status=ticket.status.value)
    # Complaint limits are single times, not ranges: there is no separate target.
    clock = replace(ticket.clock, due=due, target=None)
    changed = replace(ticket, clock=clock, step_due_at=due if moves_step else ticket.step_due_at)
    data = {
        "class": class_code,
        "provisional": provisional,
        "due_at": due.isoformat(),
        "previous_due_at": ticket.clock.due.isoformat(),
    }
    kind = LIMIT_SET if provisional else CLASSIFIED
    if by is None:
        event = Event(kind, data, at, actor_kind="system")
    else:
        event = Event(kind, data, at, actor_id=by)
    return Transition(changed, (event,), ())
