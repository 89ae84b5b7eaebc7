"""The officer side's unit of work: a stored ticket as a `core.workflow.WorkflowTicket`, and a
workflow `Transition` written back in the caller's transaction.

Every change to a ticket goes through `commit_transition`: the row, its events, the time the
alert sweep next looks at it, and the notifications of the change (queued in the outbox) are
written together, so an event never exists without its notifications or the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import notify
from bot.messages import OutboundDocument
from bot.office import Desk
from core.catalog.schema import PRIORITY_ORDER, Service
from core.kinds import NoticeKind
from core.sla.clock import SlaClock
from core.workflow import Transition, WorkflowTicket, open_ticket, route_for
from core.workflow_alerts import next_alert_at
from storage import repositories as repo

_CAPACITY_DAYS = 22  # a month of working days: how far a full service looks for room


class UnknownService(Exception):
    """The ticket's service or step is no longer in the catalog (it was edited since)."""


def workflow_ticket(record: repo.TicketRecord, desk: Desk) -> WorkflowTicket:
    """The stored ticket as the workflow's value; `UnknownService` if the catalog lost it."""
    service = desk.service(record.service)
    if service is None or record.step is None or record.agency != desk.agency:
        raise UnknownService(record.service)
    route = route_for(desk.catalog.agency, service, record.product)
    if record.step not in {s.code for s in route}:
        raise UnknownService(record.step)
    started = record.step_started_at or record.start_at
    clock = SlaClock(
        start=record.start_at,
        target=record.target_at,
        due=record.due_at,
        paused_at=record.paused_at,
        paused_total=timedelta(seconds=record.paused_seconds),
    )
    current = next(s for s in route if s.code == record.step)
    return WorkflowTicket(
        ref=record.ref,
        route=route,
        status=record.status,
        step=record.step,
        role=record.assigned_role or current.role,
        officer=record.assigned_officer_id,
        clock=clock,
        step_started_at=started,
        step_due_at=record.step_due_at or desk.calendar.add(started, current.duration),
        closed_at=record.closed_at,
        event_at=record.event_at,
    )


async def commit_transition(
    conn: AsyncConnection,
    *,
    desk: Desk,
    record: repo.TicketRecord,
    transition: Transition,
    document: OutboundDocument | None = None,
) -> repo.TicketRecord:
    """Write the transition: ticket row, events, next alert time and the queued notifications.

    `document` goes with the notice to the requester (the Berita Acara on /selesai).
    """
    ticket = transition.ticket
    sent_alerts = await repo.alerts_sent(conn, ticket_id=record.id)
    updated = await repo.update_ticket_workflow(
        conn,
        ticket_id=record.id,
        status=ticket.status,
        step=ticket.step,
        assigned_role=ticket.role,
        assigned_officer_id=ticket.officer,
        step_started_at=ticket.step_started_at,
        step_due_at=ticket.step_due_at,
        due_at=ticket.clock.due,
        paused_at=ticket.clock.paused_at,
        paused_seconds=int(ticket.clock.paused_total.total_seconds()),
        closed_at=ticket.closed_at,
        next_alert_at=next_alert_at(ticket, desk.calendar, sent_alerts),
        at=desk.now,
    )
    if record.status is ticket.status:
        # Every disposition re-announces "diproses"; the requester hears only real changes.
        notices = tuple(n for n in transition.notices if n.kind is not NoticeKind.STATUS)
        transition = transition._replace(notices=notices)
    await log_and_notify(conn, desk=desk, record=updated, transition=transition, document=document)
    return updated


async def log_and_notify(
    conn: AsyncConnection,
    *,
    desk: Desk,
    record: repo.TicketRecord,
    transition: Transition,
    document: OutboundDocument | None = None,
) -> None:
    """Append the transition's events to the ticket's log and queue its notices.

    The notices' outbox keys name the last event, so each (ticket, event, recipient) is queued
    once however often a caller retries.
    """
    event_id = 0
    for event in transition.events:
        event_id = await repo.add_event(
            conn,
            ticket_id=record.id,
            at=event.at,
            actor_kind=event.actor_kind,
            actor_id=event.actor_id,
            kind=event.kind,
            data=event.data,
        )
    await notify.queue_notices(
        conn,
        desk=desk,
        ticket=record,
        notices=transition.notices,
        event_id=event_id,
        document=document,
    )


def event_start(
    service: Service, product: str | None, fields: Mapping[str, Any]
) -> datetime | None:
    """When the request's event starts: its answer to the service's event-time question."""
    for spec in service.fields_for(product):
        value = fields.get(spec.code)
        if spec.event and isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                return None  # an answer that is not a moment (the catalog changed since)
    return None


async def first_free_start(
    conn: AsyncConnection, *, desk: Desk, service: Service, at: datetime
) -> datetime:
    """When a request made at `at` starts: as the calendar says, or, when the service's daily
    capacity is reached that day, the opening of the next working day with room."""
    calendar = desk.calendar
    start = calendar.start_of(at)
    if service.daily_capacity is None:
        return start
    for _ in range(_CAPACITY_DAYS):
        day = calendar.local(start).date()
        opening = calendar.next_opening(datetime.combine(day, time(0), tzinfo=calendar.zone))
        following = calendar.next_opening(datetime.combine(day, time(23, 59), tzinfo=calendar.zone))
        load = await repo.count_started_between(
            conn, agency=desk.agency, service=service.code, start=opening, end=following
        )
        if load < service.daily_capacity:
            return start
        start = following
    return start  # a month of full days: take the request anyway rather than refuse it


async def file_ticket(
    conn: AsyncConnection,
    *,
    desk: Desk,
    service: str,
    product: str | None,
    fields: dict[str, Any],
    requirements: dict[str, Any],
    requester_id: int,
    channel: str,
    chat_id: str,
    attachment_ids: Sequence[int] = (),
    by: int | None = None,
) -> repo.TicketRecord:
    """Create a ticket at the first step of its procedure and tell that step's officers.

    `by` is the officer filing a walk-in request for a requester (None: the requester did).
    """
    found = desk.service(service)
    if found is None:
        raise UnknownService(service)
    ref_year = desk.now.astimezone(desk.calendar.zone).year
    start = await first_free_start(conn, desk=desk, service=found, at=desk.now)
    # The number is allocated by create_ticket; the transition only needs a placeholder ref,
    # and its notices are worded from the stored record.
    transition = open_ticket(
        ref="",
        agency=desk.catalog.agency,
        service=found,
        product=product,
        calendar=desk.calendar,
        at=desk.now,
        by=by,
        start=start,
    )
    event_at = event_start(found, product, fields)
    ticket = replace(transition.ticket, event_at=event_at)
    priority = found.priority_of(product, dict(fields))
    created = await repo.create_ticket(
        conn,
        agency=desk.agency,
        prefix=desk.catalog.agency.prefix,
        year=ref_year,
        service=service,
        product=product,
        requester_id=requester_id,
        channel=channel,
        chat_id=chat_id,
        fields=fields,
        requirements=requirements,
        created_at=desk.now,
        start_at=ticket.clock.start,
        target_at=ticket.clock.target,
        due_at=ticket.clock.due,
        step=ticket.step,
        assigned_role=ticket.role,
        step_due_at=ticket.step_due_at,
        actor_kind="requester" if by is None else "officer",
        actor_id=by,
        step_started_at=ticket.step_started_at,
        next_alert_at=next_alert_at(ticket, desk.calendar, ()),
        event_at=event_at,
        priority=PRIORITY_ORDER[priority] if priority else None,
    )
    await repo.link_attachments(conn, ids=list(attachment_ids), ticket_id=created.id)
    await log_and_notify(conn, desk=desk, record=created, transition=transition)
    return created
