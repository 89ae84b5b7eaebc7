"""The names the workflow gives its events, notices and refusals.

Their values are stored (the events' `kind` column, outbox payloads) and compared by the bot's
wording code, so a value never changes; a new member is added here and worded where mypy then
points (the wording functions match on these exhaustively).
"""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """One entry of a ticket's log."""

    CREATED = "created"  # written by storage when the row is inserted
    OPENED = "opened"
    DISPOSED = "disposed"
    ASSIGNED = "assigned"
    TAKEN = "taken"
    COMPLETION_REQUESTED = "completion-requested"
    REQUESTER_ANSWERED = "requester-answered"
    REQUESTER_COMPLETED = "requester-completed"
    REJECTED = "rejected"
    NOTE = "note"
    FINISHED = "finished"
    WARNED = "warned"
    ESCALATED = "escalated"
    COMPLAINT_LIMIT = "complaint-limit"  # the provisional limit, when a complaint is filed
    COMPLAINT_CLASSIFIED = "complaint-classified"


class NoticeKind(StrEnum):
    """Someone must be told something; the bot words each kind."""

    STATUS = "status"
    NEW_TICKET = "new-ticket"
    DISPOSITION = "disposition"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    COMPLETION_REQUESTED = "completion-requested"
    REQUESTER_COMPLETED = "requester-completed"
    REJECTED = "rejected"
    FINISHED = "finished"
    WARN_75 = "warn-75"
    WARN_1H = "warn-1h"
    BREACH = "breach"
    EVENT_SOON = "event-soon"  # the requester's event starts within an office hour


class ErrorCode(StrEnum):
    """Why the procedure refused an action (`WorkflowError.code`)."""

    TICKET_CLOSED = "ticket-closed"
    WAITING_FOR_REQUESTER = "waiting-for-requester"
    NO_NEXT_STEP = "no-next-step"
    OFFICER_REQUIRED = "officer-required"
    ALREADY_ASSIGNED = "already-assigned"
    STEP_OUT_OF_ORDER = "step-out-of-order"
    UNKNOWN_STEP = "unknown-step"
    EMPTY_TEXT = "empty-text"
    STEPS_REMAINING = "steps-remaining"
    BERITA_ACARA_INCOMPLETE = "berita-acara-incomplete"
    BERITA_ACARA_UNKNOWN_FIELD = "berita-acara-unknown-field"
    NOT_WAITING = "not-waiting"
    UNKNOWN_COMPLAINT_CLASS = "unknown-complaint-class"


URGENT_NOTICES = frozenset(
    {NoticeKind.WARN_75, NoticeKind.WARN_1H, NoticeKind.BREACH, NoticeKind.EVENT_SOON}
)
