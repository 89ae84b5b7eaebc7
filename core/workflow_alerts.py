"""Warnings before a step's due and the escalation at its breach, for the scheduler.

Each step has three alerts: `warn-75` when 75% of the step's office time is used, `warn-1h` one
office hour before the step's due (only for steps longer than an hour, where it falls after the
step started) and `breach` at the due, sent to the role's superior and the coordinators. Times
are measured as office time left before the step's due, so a pause (which moves the due) moves
the alerts with it.

Each alert's key, f"{step}:{kind}", is unique within a ticket (step codes are unique and a ticket
never returns to a step), so the scheduler stores sent keys and sends each alert once.

A ticket with an event (a video conference, an event's internet) also warns whoever holds it
one office hour before the event starts (`event-soon`), once, if the ticket is still open then:
the event does not wait for the SLA's due.

Obsolete alerts are skipped: when several alerts of the step have come due unsent (the scheduler
was stopped, or sweeps are sparse), only the latest is sent, because a warning that the step is
about to breach is noise once it has breached. For the same reason an alert earlier than one
already sent is never sent. So a scheduler stopped across a deadline sends the breach alone,
once, when it starts again.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from core.kinds import EventKind, NoticeKind
from core.sla.calendar import WorkingCalendar, ensure_aware
from core.workflow import Event, Notice, WorkflowTicket

AlertKind = Literal["warn-75", "warn-1h", "breach", "event-soon"]
# The warning before the requester's event starts: once per ticket, whatever its step.
EVENT_ALERT_KEY = "event:event-soon"

_ONE_HOUR = timedelta(hours=1)
# When two alerts fall on one instant (a 4-hour step: 75% used is 1 hour left), the later
# kind in this order is the one sent.
_RANK: dict[AlertKind, int] = {"warn-75": 0, "warn-1h": 1, "breach": 2, "event-soon": 3}


@dataclass(frozen=True, slots=True)
class Alert:
    """One warning or escalation that has come due."""

    key: str  # f"{step}:{kind}": store it once sent
    kind: AlertKind
    step: str
    at: datetime  # when it came due
    notices: tuple[Notice, ...]

    @property
    def event(self) -> Event:
        """The ticket-log entry recording that the alert was sent."""
        kind = EventKind.ESCALATED if self.kind == "breach" else EventKind.WARNED
        data = {"key": self.key, "alert": self.kind, "step": self.step, "due": self.at.isoformat()}
        return Event(kind, data, self.at, actor_kind="system")


def alert_key(step: str, kind: AlertKind) -> str:
    """The stable key of one alert of one step."""
    return f"{step}:{kind}"


def alert_schedule(
    ticket: WorkflowTicket, calendar: WorkingCalendar
) -> list[tuple[AlertKind, datetime]]:
    """The current step's alerts and when each comes due, earliest first."""
    step = ticket.current
    started = ticket.step_started_at
    # The step's office time, pauses excluded: at most its own time, less when it was planned
    # shorter to fit inside the ticket's due (core.workflow.step_due); only pauses move
    # `step_due_at` later. (A pause of a shortened step counts partly as its time: the 75%
    # warning then comes a little early, never late.)
    total = calendar.office_time_between(started, ticket.step_due_at)  # allowance + pauses
    own = calendar.office_time_between(started, calendar.add(started, step.duration))
    allowance = min(own, total)

    def left(remaining: timedelta) -> datetime:
        """The instant when `remaining` office time is left before the step's due."""
        return calendar.add_office_time(started, max(total - remaining, timedelta(0)))

    schedule: list[tuple[AlertKind, datetime]] = [("warn-75", left(allowance / 4))]
    if allowance > _ONE_HOUR:
        schedule.append(("warn-1h", left(_ONE_HOUR)))
    schedule.append(("breach", calendar.local(ticket.step_due_at)))
    schedule.sort(key=lambda item: (item[1], _RANK[item[0]]))
    return schedule


def alerts_due(
    ticket: WorkflowTicket,
    calendar: WorkingCalendar,
    now: datetime,
    already_sent: Collection[str],
) -> list[Alert]:
    """The alert to send at `now` (none, or the latest one that came due and is not obsolete)."""
    ensure_aware(now, "now")
    found: list[Alert] = []
    event_at = _event_alert_at(ticket, calendar, already_sent)
    if event_at is not None and event_at <= now:
        found.append(_event_alert(ticket, event_at))
    live = _live(ticket, calendar, already_sent)
    came_due = [(kind, at) for kind, at in live if at <= now]
    if came_due:
        kind, at = came_due[-1]
        found.append(_alert(ticket, kind, at))
    return found


def next_alert_at(
    ticket: WorkflowTicket, calendar: WorkingCalendar, already_sent: Collection[str]
) -> datetime | None:
    """When `alerts_due` next has something to send (maybe already past); None if never.

    Store it in an indexed column after every change and every sweep, so a sweep reads only the
    tickets with `next_alert_at <= now`.
    """
    live = _live(ticket, calendar, already_sent)
    candidates = [live[0][1]] if live else []
    event_at = _event_alert_at(ticket, calendar, already_sent)
    if event_at is not None:
        candidates.append(event_at)
    return min(candidates) if candidates else None


def _live(
    ticket: WorkflowTicket, calendar: WorkingCalendar, already_sent: Collection[str]
) -> list[tuple[AlertKind, datetime]]:
    """The step's alerts that may still be sent: after the last one sent, in order."""
    # Nothing is late while the clock is stopped; resuming moves the due and so the alerts.
    if ticket.is_closed or ticket.clock.is_paused:
        return []
    schedule = alert_schedule(ticket, calendar)
    sent = [
        i for i, (kind, _) in enumerate(schedule) if alert_key(ticket.step, kind) in already_sent
    ]
    return schedule[sent[-1] + 1 :] if sent else schedule


def _alert(ticket: WorkflowTicket, kind: AlertKind, at: datetime) -> Alert:
    data = {
        "ref": ticket.ref,
        "step": ticket.step,
        "role": ticket.role,
        "officer": ticket.officer,
        "alert": kind,
        "step_due_at": ticket.step_due_at.isoformat(),
    }
    handler = (
        Notice("officer", ticket.officer, NoticeKind(kind), data)
        if ticket.officer is not None
        else Notice("role", ticket.role, NoticeKind(kind), data)
    )
    notices = [handler]
    if kind == "breach":
        superior = ticket.current.superior
        # A coordinator's superior role would duplicate the coordinators' own notice.
        if superior is not None and superior != "coordinator":
            notices.append(Notice("role", superior, NoticeKind(kind), data))
        notices.append(Notice("coordinators", None, NoticeKind(kind), data))
    return Alert(
        key=alert_key(ticket.step, kind), kind=kind, step=ticket.step, at=at, notices=tuple(notices)
    )


def _event_alert_at(
    ticket: WorkflowTicket, calendar: WorkingCalendar, already_sent: Collection[str]
) -> datetime | None:
    """When to warn that the requester's event is near: one office hour before it starts."""
    if ticket.event_at is None or ticket.is_closed or EVENT_ALERT_KEY in already_sent:
        return None
    return calendar.subtract_office_time(ticket.event_at, _ONE_HOUR)


def _event_alert(ticket: WorkflowTicket, at: datetime) -> Alert:
    assert ticket.event_at is not None
    data = {
        "ref": ticket.ref,
        "step": ticket.step,
        "role": ticket.role,
        "officer": ticket.officer,
        "alert": "event-soon",
        "event_at": ticket.event_at.isoformat(),
        "step_due_at": ticket.step_due_at.isoformat(),
    }
    kind = NoticeKind.EVENT_SOON
    handler = (
        Notice("officer", ticket.officer, kind, data)
        if ticket.officer is not None
        else Notice("role", ticket.role, kind, data)
    )
    return Alert(
        key=EVENT_ALERT_KEY, kind="event-soon", step=ticket.step, at=at, notices=(handler,)
    )
