"""Every outbox idempotency key, built and read here.

A key makes a message unique: queueing the same key twice stores one row, so a retried caller
(a redelivered update, a sweep run twice, two replicas) never sends a message twice. Keys are
stored, so their shapes never change:

- `reply:{channel}:{update}:{n}`: the n-th reply to one inbound update;
- `{channel}:{update}:{kind}`: a channel's own direct answer to an update (e.g. "file too large");
- `n:{ticket id}:ev{event id}:{rq | o{officer id}}`: a notification of one ticket event to the
  requester or to one officer;
- `digest:{day}:o{officer id}`: a coordinator's daily digest;
- `failed:{outbox id}:o{officer id}`: a coordinator told about failed deliveries;
- `monthly:{first day}:{last day}:o{officer id}:{part}`: a coordinator's period report (text,
  chart, workbook);
- `skm:{ticket id}`: the requester's invitation to the satisfaction survey about a ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

REQUESTER = "rq"
DIGEST_PREFIX = "digest:"
MONTHLY_PREFIX = "monthly:"
FAILURE_PREFIX = "failed:"
_REPLY_PREFIX = "reply:"
_NOTICE_PREFIX = "n:"
_SURVEY_PREFIX = "skm:"


class KeyKind(StrEnum):
    """What kind of message a key belongs to."""

    REPLY = "reply"
    REQUESTER_NOTICE = "requester-notice"
    OFFICER_NOTICE = "officer-notice"
    DIGEST = "digest"
    FAILURE_REPORT = "failure-report"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A key read back: its kind, and the ticket it is about (notifications only)."""

    kind: KeyKind
    ticket_id: int | None = None


def reply(channel: str, update: str, index: int) -> str:
    """The `index`-th reply to one inbound update."""
    return f"{_REPLY_PREFIX}{channel}:{update}:{index}"


def direct(channel: str, update: str, kind: str) -> str:
    """A channel adapter's own answer to one update (one per kind)."""
    return f"{channel}:{update}:{kind}"


def officer_tag(officer_id: int) -> str:
    """The recipient part of a notification key for one officer."""
    return f"o{officer_id}"


def notice(ticket_id: int, event_id: int, recipient: str) -> str:
    """A notification of one ticket event to `recipient` (`REQUESTER` or `officer_tag(id)`)."""
    return f"{_NOTICE_PREFIX}{ticket_id}:ev{event_id}:{recipient}"


def survey_invitation(ticket_id: int) -> str:
    """The requester's one invitation to the survey about a ticket."""
    return f"{_SURVEY_PREFIX}{ticket_id}"


def monthly_report(period: str, officer_id: int, part: int) -> str:
    """Part `part` of a coordinator's report of a period ("2026-11-01:2026-11-30")."""
    return f"{MONTHLY_PREFIX}{period}:{officer_tag(officer_id)}:{part}"


def digest(day: str, officer_id: int) -> str:
    """A coordinator's digest of one day (ISO date)."""
    return f"{DIGEST_PREFIX}{day}:{officer_tag(officer_id)}"


def failure_report(first_row: int, officer_id: int) -> str:
    """A coordinator's report of failed deliveries, named by the first failed row."""
    return f"{FAILURE_PREFIX}{first_row}:{officer_tag(officer_id)}"


def is_failure_report(key: str) -> bool:
    """True for a failure report's own key (its failures are counted, never reported)."""
    return key.startswith(FAILURE_PREFIX)


def read(key: str) -> KeyInfo:
    """What the key says about its message."""
    if key.startswith(_REPLY_PREFIX):
        return KeyInfo(KeyKind.REPLY)
    if key.startswith(_NOTICE_PREFIX):
        parts = key.split(":")
        ticket_id = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None
        kind = KeyKind.REQUESTER_NOTICE if key.endswith(":" + REQUESTER) else KeyKind.OFFICER_NOTICE
        return KeyInfo(kind, ticket_id)
    if key.startswith(_SURVEY_PREFIX) and key[len(_SURVEY_PREFIX) :].isdigit():
        return KeyInfo(KeyKind.REQUESTER_NOTICE, int(key[len(_SURVEY_PREFIX) :]))
    if key.startswith((DIGEST_PREFIX, MONTHLY_PREFIX)):
        return KeyInfo(KeyKind.DIGEST)
    if key.startswith(FAILURE_PREFIX):
        return KeyInfo(KeyKind.FAILURE_REPORT)
    return KeyInfo(KeyKind.OTHER)
