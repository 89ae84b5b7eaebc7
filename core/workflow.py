"""A ticket's way through its service's procedure, as pure values.

Each transition takes a `WorkflowTicket` and returns a `Transition`: the new value, the events for
the ticket's log and the notices naming who must be told. Nothing here reads a clock, a database
or a chat: callers pass `at`, persist the events and hand the notices to the outbox. Officer
permissions (does this officer hold the step's role?) are the caller's check; this module only
knows the procedure.

Step times: a ticket is due at the agency's published standard (`published_times`), and its
steps are planned inside it (`step_due`): a new ticket's first step starts when its SLA starts
(`WorkingCalendar.start_of`, the standards' "requests after hours count from the next working
day"); every later step starts when it is disposed to. Administrative steps keep their own
times; the service's work ends where the steps after it still fit before the due; when the
fixed steps alone cannot fit, they share the time left in proportion. Planning chains the same
rule from each step's due, so a step disposed exactly at its planned time keeps the plan. A step
reached late keeps its own time and the late ticket shows as breached (SlaClock.is_breached).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple

from core.catalog.schema import Agency, Catalog, ProcedureStep, Service
from core.kinds import ErrorCode, EventKind, NoticeKind
from core.sla.calendar import SlaTimes, WorkingCalendar, ensure_aware
from core.sla.clock import SlaClock
from core.sla.duration import Duration
from core.tickets import TicketStatus

RecipientKind = Literal["role", "officer", "requester", "coordinators"]
ActorKind = Literal["officer", "requester", "system"]
OfficerId = int
_NO_TIME = timedelta(0)

# The Berita Acara form's free-text parts (the rest comes from the ticket and the catalog).
BERITA_ACARA_FIELDS: tuple[str, ...] = (
    "ringkasan_pekerjaan",
    "ringkasan_masalah",
    "alternatif_solusi",
    "lokasi",
    "petugas",
)


class WorkflowError(Exception):
    """An action the procedure does not allow; `code` lets the bot answer politely."""

    def __init__(self, code: ErrorCode, **data: Any) -> None:
        super().__init__(code.value if not data else f"{code.value}: {data}")
        self.code = code
        self.data = data


# --- values ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RouteStep:
    """One step of a ticket's procedure, resolved for its product and agency."""

    code: str
    role: str
    superior: str | None  # who hears about a breach of this step (Agency.roles)
    duration: Duration  # a range's upper bound: a step is late only after the longest time
    # The service's own work (the step on the product's SLA): it ends where the steps after it
    # still fit before the ticket's due, instead of taking its full time.
    elastic: bool = False


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """When a step is due if every earlier step takes exactly its time."""

    code: str
    role: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the ticket's log; `data` is JSON-ready (times as ISO strings)."""

    kind: EventKind
    data: dict[str, Any]
    at: datetime
    actor_kind: ActorKind = "officer"
    actor_id: OfficerId | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """Someone who must be told about a change; the bot words it (`kind` + `data`).

    `recipient` is a role code ('role'), an officer id ('officer'), or None for the ticket's
    requester ('requester') and the agency's coordinators ('coordinators').
    """

    recipient_kind: RecipientKind
    recipient: str | int | None
    kind: NoticeKind
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WorkflowTicket:
    """Where a ticket stands in its procedure; every transition returns a changed copy."""

    ref: str
    route: tuple[RouteStep, ...]
    status: TicketStatus
    step: str
    role: str  # the role that must act on the current step
    officer: OfficerId | None  # who holds it, or None: anyone with the role may /ambil it
    clock: SlaClock  # the ticket's overall SLA (paused while waiting for the requester)
    step_started_at: datetime  # storage keeps this to time the step's warnings
    step_due_at: datetime  # shifted by pauses, like the clock's due
    closed_at: datetime | None = None
    event_at: datetime | None = None  # the requester's event starts then (alerts warn before)
    _index: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        codes = [s.code for s in self.route]
        if self.step not in codes:
            raise ValueError(f"step {self.step!r} is not in the route {codes}")
        ensure_aware(self.step_started_at, "step_started_at")
        ensure_aware(self.step_due_at, "step_due_at")
        if self.closed_at is not None:
            ensure_aware(self.closed_at, "closed_at")
        object.__setattr__(self, "_index", codes.index(self.step))

    @property
    def current(self) -> RouteStep:
        """The step the ticket is at."""
        return self.route[self._index]

    @property
    def next_step(self) -> RouteStep | None:
        """The step a disposition leads to, or None at the last step."""
        return self.route[self._index + 1] if self._index + 1 < len(self.route) else None

    @property
    def remaining_steps(self) -> list[str]:
        """Codes of the steps after the current one."""
        return [s.code for s in self.route[self._index + 1 :]]

    @property
    def paused_at(self) -> datetime | None:
        """When the ticket started waiting for the requester, if it is waiting."""
        return self.clock.paused_at

    @property
    def is_closed(self) -> bool:
        """True once finished, rejected or cancelled."""
        return self.status.is_closed


class Transition(NamedTuple):
    """What a transition produced: `ticket, events, notices = dispose(...)`."""

    ticket: WorkflowTicket
    events: tuple[Event, ...]
    notices: tuple[Notice, ...]


# --- planning -------------------------------------------------------------------------------


def step_duration(service: Service, step: ProcedureStep, product: str | None) -> Duration:
    """The time a step may take: its own, or the product's SLA for the service-desk work."""
    spec = service.sla_for(product) if step.uses_service_sla else step.duration
    assert spec is not None  # ProcedureStep validation: duration or uses_service_sla
    return spec.due


def route_for(
    agency: Agency | None, service: Service, product: str | None
) -> tuple[RouteStep, ...]:
    """The service's procedure with durations and escalation targets (none without `agency`,
    as for planning) filled in."""
    superiors = {r.code: r.superior for r in agency.roles} if agency else {}
    return tuple(
        RouteStep(
            code=s.code,
            role=s.role,
            superior=superiors.get(s.role),
            duration=step_duration(service, s, product),
            elastic=s.uses_service_sla,
        )
        for s in service.procedure
    )


def published_times(
    service: Service, product: str | None, calendar: WorkingCalendar, at: datetime
) -> SlaTimes:
    """The agency's published standard (Jangka Waktu Penyelesaian) for a request made at `at`:
    target the range's lower bound, due its upper bound. What the requester is told, what every
    message shows and what reports judge."""
    return calendar.due(at, service.sla_for(product))


def step_due(
    route: tuple[RouteStep, ...],
    index: int,
    at: datetime,
    due: datetime,
    calendar: WorkingCalendar,
) -> datetime:
    """When step `index`, entered at `at`, is due, planned inside the ticket's `due`.

    Fixed (administrative) steps keep their own time. The elastic step (the service's work) ends
    where the fixed steps after it still fit before `due`, never later than its own time. When
    the fixed steps cannot all fit before `due`, each gets its share of the office time left
    (`plan_is_compressed` tells coordinators).
    """
    step = route[index]
    own = calendar.add(at, step.duration)
    after = _fixed_office_time(route[index + 1 :], own, calendar)
    if step.elastic:
        latest = calendar.subtract_office_time(due, after)
        return max(min(own, latest), calendar.local(at))
    available = calendar.office_time_between(at, due)
    mine = calendar.office_time_between(at, own)
    need = mine + after
    if available <= _NO_TIME or need <= available:
        return own  # it fits (or the ticket is late already: the step keeps its own time)
    if after == _NO_TIME:
        return calendar.add_office_time(at, available)  # the last one ends exactly at the due
    return calendar.add_office_time(at, mine * (available / need))


def plan_steps(
    service: Service, product: str | None, calendar: WorkingCalendar, start: datetime
) -> list[PlannedStep]:
    """Each step's due when every step is done exactly on time, inside the published due."""
    times = published_times(service, product, calendar, start)
    route = route_for(None, service, product)
    cursor = times.start
    planned: list[PlannedStep] = []
    for index, step in enumerate(route):
        cursor = step_due(route, index, cursor, times.due, calendar)
        planned.append(PlannedStep(code=step.code, role=step.role, due_at=cursor))
    return planned


def plan_is_compressed(
    service: Service, product: str | None, calendar: WorkingCalendar, start: datetime
) -> bool:
    """True when the procedure's fixed steps alone take longer than the published standard, so
    their times were shortened to fit (coordinators should know the plan is tight)."""
    times = published_times(service, product, calendar, start)
    route = route_for(None, service, product)
    need = _fixed_office_time(route, times.start, calendar)
    return need > calendar.office_time_between(times.start, times.due)


def _fixed_office_time(
    steps: tuple[RouteStep, ...], start: datetime, calendar: WorkingCalendar
) -> timedelta:
    """Office time the fixed steps take one after another from `start` (elastic ones: none)."""
    total = _NO_TIME
    cursor = start
    for step in steps:
        if step.elastic:
            continue
        end = calendar.add(cursor, step.duration)
        total += calendar.office_time_between(cursor, end)
        cursor = end
    return total


# --- transitions ----------------------------------------------------------------------------


def open_ticket(
    *,
    ref: str,
    agency: Agency,
    service: Service,
    product: str | None,
    calendar: WorkingCalendar,
    at: datetime,
    by: OfficerId | None = None,
    start: datetime | None = None,
) -> Transition:
    """A new ticket at the first step of its procedure, assigned to that step's role.

    `by` is the officer filing a walk-in request for a requester; None when the requester did.
    `start` moves the SLA's start later than `at` (a service's full day: the next one with room).
    """
    times = published_times(service, product, calendar, max(at, start) if start else at)
    route = route_for(agency, service, product)
    first = route[0]
    ticket = WorkflowTicket(
        ref=ref,
        route=route,
        status=TicketStatus.BARU,
        step=first.code,
        role=first.role,
        officer=None,
        clock=SlaClock.started(times),
        step_started_at=times.start,
        step_due_at=step_due(route, 0, times.start, times.due, calendar),
    )
    data = {
        "step": first.code,
        "role": first.role,
        "start_at": _iso(times.start),
        "due_at": _iso(times.due),
        "step_due_at": _iso(ticket.step_due_at),
    }
    event = (
        Event(EventKind.OPENED, data, at, actor_kind="requester")
        if by is None
        else Event(EventKind.OPENED, data, at, actor_id=by)
    )
    notice = _to_handler(ticket, NoticeKind.NEW_TICKET, {"step_due_at": _iso(ticket.step_due_at)})
    return Transition(ticket, (event,), (notice,))


def dispose(
    ticket: WorkflowTicket,
    *,
    calendar: WorkingCalendar,
    by: OfficerId,
    at: datetime,
    instruction: str = "",
    to_step: str | None = None,
    to_officer: OfficerId | None = None,
) -> Transition:
    """Pass the ticket to the next step, or to a named officer at the current or next step.

    `to_step` None means the next step; the current step's code hands it to `to_officer` without
    moving on (the step keeps its due). Steps cannot be skipped or gone back to.
    """
    _require_active(ticket)
    moving = _dispose_target(ticket, to_step, to_officer)
    instruction = instruction.strip()
    if moving is None:
        changed = replace(ticket, officer=to_officer, status=TicketStatus.DIPROSES)
    else:
        changed = replace(
            ticket,
            status=TicketStatus.DIPROSES,
            step=moving.code,
            role=moving.role,
            officer=to_officer,
            step_started_at=ensure_aware(at),
            step_due_at=step_due(
                ticket.route, ticket.route.index(moving), at, ticket.clock.due, calendar
            ),
        )
    data = {
        "from_step": ticket.step,
        "to_step": changed.step,
        "role": changed.role,
        "officer": to_officer,
        "instruction": instruction,
        "step_due_at": _iso(changed.step_due_at),
    }
    event = Event(EventKind.DISPOSED, data, at, actor_id=by)
    notices = [
        _to_handler(
            changed,
            NoticeKind.DISPOSITION,
            {
                "from_step": ticket.step,
                "instruction": instruction,
                "step_due_at": _iso(changed.step_due_at),
                "by": by,
            },
        )
    ]
    if moving is not None or changed.status is not ticket.status:
        notices.append(_status_notice(changed))
    return Transition(changed, (event,), tuple(notices))


def assign(
    ticket: WorkflowTicket, officer: OfficerId, *, by: OfficerId, at: datetime
) -> Transition:
    """Give the current step to one officer (a coordinator's or the step role's decision)."""
    _require_open(ticket)
    if ticket.officer == officer:
        raise WorkflowError(ErrorCode.ALREADY_ASSIGNED, officer=officer)
    changed = _started(replace(ticket, officer=officer))
    event = Event(
        EventKind.ASSIGNED,
        {"step": ticket.step, "officer": officer, "previous": ticket.officer},
        at,
        actor_id=by,
    )
    notices = [
        Notice(
            "officer",
            officer,
            NoticeKind.ASSIGNED,
            _base(changed, step_due_at=_iso(ticket.step_due_at)),
        )
    ]
    if ticket.officer is not None:
        notices.append(Notice("officer", ticket.officer, NoticeKind.UNASSIGNED, _base(changed)))
    if changed.status is not ticket.status:
        notices.append(_status_notice(changed))
    return Transition(changed, (event,), tuple(notices))


def take(ticket: WorkflowTicket, officer: OfficerId, *, at: datetime) -> Transition:
    """An officer takes the current step of a ticket nobody holds yet (/ambil)."""
    _require_open(ticket)
    if ticket.officer is not None:
        raise WorkflowError(ErrorCode.ALREADY_ASSIGNED, officer=ticket.officer)
    changed = _started(replace(ticket, officer=officer))
    event = Event(EventKind.TAKEN, {"step": ticket.step, "officer": officer}, at, actor_id=officer)
    notices = [_status_notice(changed)] if changed.status is not ticket.status else []
    return Transition(changed, (event,), tuple(notices))


def request_completion(
    ticket: WorkflowTicket, message: str, *, by: OfficerId, at: datetime
) -> Transition:
    """Ask the requester for missing or wrong requirements; the SLA clock stops meanwhile."""
    _require_active(ticket)
    message = _required_text(message)
    changed = replace(ticket, status=TicketStatus.MENUNGGU_PEMOHON, clock=ticket.clock.pause(at))
    event = Event(
        EventKind.COMPLETION_REQUESTED, {"step": ticket.step, "message": message}, at, actor_id=by
    )
    notice = Notice(
        "requester", None, NoticeKind.COMPLETION_REQUESTED, _base(changed, message=message)
    )
    return Transition(changed, (event,), (notice,))


def requester_completed(
    ticket: WorkflowTicket, *, calendar: WorkingCalendar, at: datetime
) -> Transition:
    """The requester answered: the clock runs again, every due moved by the office time paused."""
    _require_open(ticket)
    paused_at = ticket.paused_at
    if paused_at is None:
        raise WorkflowError(ErrorCode.NOT_WAITING)
    spent = calendar.office_time_between(paused_at, at)
    clock = ticket.clock.resume(calendar, at)
    changed = replace(
        ticket,
        status=TicketStatus.DIPROSES,
        clock=clock,
        step_due_at=calendar.add_office_time(ticket.step_due_at, spent),
    )
    data = {
        "paused_seconds": int(spent.total_seconds()),
        "due_at": _iso(clock.due),
        "step_due_at": _iso(changed.step_due_at),
    }
    event = Event(EventKind.REQUESTER_COMPLETED, data, at, actor_kind="requester")
    notices = (
        _to_handler(
            changed, NoticeKind.REQUESTER_COMPLETED, {"step_due_at": _iso(changed.step_due_at)}
        ),
        _status_notice(changed),
    )
    return Transition(changed, (event,), notices)


def reject(ticket: WorkflowTicket, reason: str, *, by: OfficerId, at: datetime) -> Transition:
    """Close the ticket as rejected, telling the requester why."""
    _require_open(ticket)
    reason = _required_text(reason)
    changed = replace(ticket, status=TicketStatus.DITOLAK, closed_at=ensure_aware(at))
    event = Event(EventKind.REJECTED, {"step": ticket.step, "reason": reason}, at, actor_id=by)
    notice = Notice("requester", None, NoticeKind.REJECTED, _base(changed, reason=reason))
    return Transition(changed, (event,), (notice,))


def note(ticket: WorkflowTicket, text: str, *, by: OfficerId, at: datetime) -> Transition:
    """An internal note in the ticket's log; nobody is notified."""
    _require_open(ticket)
    event = Event(
        EventKind.NOTE, {"step": ticket.step, "text": _required_text(text)}, at, actor_id=by
    )
    return Transition(ticket, (event,), ())


def finish(
    ticket: WorkflowTicket,
    berita_acara: Mapping[str, str],
    *,
    by: OfficerId,
    at: datetime,
) -> Transition:
    """Close the ticket as done at its last step, with the Berita Acara's filled-in fields."""
    _require_active(ticket)
    if ticket.next_step is not None:
        raise WorkflowError(ErrorCode.STEPS_REMAINING, remaining=ticket.remaining_steps)
    fields = _berita_acara_fields(berita_acara)
    changed = replace(ticket, status=TicketStatus.SELESAI, closed_at=ensure_aware(at))
    late = ticket.clock.is_breached(at)
    event = Event(
        EventKind.FINISHED,
        {"step": ticket.step, "berita_acara": fields, "late": late},
        at,
        actor_id=by,
    )
    notice = Notice("requester", None, NoticeKind.FINISHED, _base(changed, berita_acara=fields))
    return Transition(changed, (event,), (notice,))


# --- complaints -----------------------------------------------------------------------------


def complaint_due(
    catalog: Catalog,
    service: str | None,
    class_code: str,
    calendar: WorkingCalendar,
    at: datetime,
) -> SlaTimes:
    """SLA times of a complaint of one class, about a service (or the agency when None)."""
    classes = (
        catalog.agency.complaint_classes
        if service is None
        else catalog.complaint_classes_for(service)
    )
    found = next((c for c in classes if c.code == class_code), None)
    if found is None:
        raise WorkflowError(
            ErrorCode.UNKNOWN_COMPLAINT_CLASS,
            complaint_class=class_code,
            known=[c.code for c in classes],
        )
    return calendar.due(at, found.limit)


def complaint_role(agency: Agency) -> str:
    """The role that handles complaints: the agency's complaints officer, else the coordinators."""
    codes = {r.code for r in agency.roles}
    return "pengelola-pengaduan" if "pengelola-pengaduan" in codes else "coordinator"


# --- helpers --------------------------------------------------------------------------------


def _dispose_target(
    ticket: WorkflowTicket, to_step: str | None, to_officer: OfficerId | None
) -> RouteStep | None:
    """The step a disposition moves to, or None when it stays at the current step."""
    following = ticket.next_step
    if to_step is None or (following is not None and to_step == following.code):
        if following is None:
            raise WorkflowError(ErrorCode.NO_NEXT_STEP, step=ticket.step)
        return following
    if to_step == ticket.step:
        if to_officer is None:
            raise WorkflowError(ErrorCode.OFFICER_REQUIRED, step=ticket.step)
        if to_officer == ticket.officer:
            raise WorkflowError(ErrorCode.ALREADY_ASSIGNED, officer=to_officer)
        return None
    if to_step in {s.code for s in ticket.route}:
        raise WorkflowError(
            ErrorCode.STEP_OUT_OF_ORDER, step=to_step, next=following and following.code
        )
    raise WorkflowError(ErrorCode.UNKNOWN_STEP, step=to_step)


def _require_open(ticket: WorkflowTicket) -> None:
    if ticket.is_closed:
        raise WorkflowError(ErrorCode.TICKET_CLOSED, status=ticket.status.value)


def _require_active(ticket: WorkflowTicket) -> None:
    """Open and not waiting for the requester (work cannot move while the clock is stopped)."""
    _require_open(ticket)
    if ticket.clock.is_paused:
        raise WorkflowError(ErrorCode.WAITING_FOR_REQUESTER)


def _started(ticket: WorkflowTicket) -> WorkflowTicket:
    """A new ticket becomes 'diproses' once an officer holds it; other statuses stay."""
    if ticket.status is TicketStatus.BARU:
        return replace(ticket, status=TicketStatus.DIPROSES)
    return ticket


def _required_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise WorkflowError(ErrorCode.EMPTY_TEXT)
    return cleaned


def _berita_acara_fields(values: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(values) - set(BERITA_ACARA_FIELDS))
    if unknown:
        raise WorkflowError(ErrorCode.BERITA_ACARA_UNKNOWN_FIELD, fields=unknown)
    cleaned = {k: (values.get(k) or "").strip() for k in BERITA_ACARA_FIELDS}
    missing = [k for k, v in cleaned.items() if not v]
    if missing:
        raise WorkflowError(ErrorCode.BERITA_ACARA_INCOMPLETE, missing=missing)
    return cleaned


def _base(ticket: WorkflowTicket, **extra: Any) -> dict[str, Any]:
    return {"ref": ticket.ref, "step": ticket.step, "role": ticket.role, **extra}


def _to_handler(ticket: WorkflowTicket, kind: NoticeKind, extra: dict[str, Any]) -> Notice:
    """A notice to whoever must act now: the assigned officer, else everyone with the role."""
    if ticket.officer is not None:
        return Notice("officer", ticket.officer, kind, _base(ticket, **extra))
    return Notice("role", ticket.role, kind, _base(ticket, **extra))


def _status_notice(ticket: WorkflowTicket) -> Notice:
    """Tell the requester where their request stands (the bot words the status)."""
    return Notice("requester", None, NoticeKind.STATUS, _base(ticket, status=ticket.status.value))


def _iso(at: datetime) -> str:
    return at.isoformat()
