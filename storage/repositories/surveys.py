"""The satisfaction survey (SKM): one invitation per finished ticket, answers as they are tapped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import survey_responses, tickets
from storage.repositories._rows import insert_for

ELEMENTS = tuple(f"u{i}" for i in range(1, 10))
PROFILE = ("usia", "jenis_kelamin", "pendidikan", "pekerjaan")


@dataclass(frozen=True)
class SurveyRecord:
    """One ticket's survey: its status and what the requester answered so far."""

    id: int
    ticket_id: int
    requester_id: int
    agency: str
    service: str
    status: str  # deferred, invited, started, answered, cancelled
    invited_at: datetime
    answered_at: datetime | None
    answers: tuple[int | None, ...]  # u1..u9
    comment: str | None
    profile: dict[str, str | None]


def _record(row: Any) -> SurveyRecord:
    return SurveyRecord(
        id=row["id"],
        ticket_id=row["ticket_id"],
        requester_id=row["requester_id"],
        agency=row["agency"],
        service=row["service"],
        status=row["status"],
        invited_at=row["invited_at"],
        answered_at=row["answered_at"],
        answers=tuple(row[code] for code in ELEMENTS),
        comment=row["comment"],
        profile={code: row[code] for code in PROFILE},
    )


async def invite_survey(
    conn: AsyncConnection,
    *,
    ticket_id: int,
    requester_id: int,
    agency: str,
    service: str,
    at: datetime,
    deferred: bool = False,
) -> bool:
    """Record the invitation; False when this ticket's requester was invited before.

    `deferred`: it cannot be sent yet (WhatsApp's 24-hour window is closed); the requester's
    next message takes it (`take_deferred_survey`)."""
    statement = (
        insert_for(conn, survey_responses)
        .values(
            ticket_id=ticket_id,
            requester_id=requester_id,
            agency=agency,
            service=service,
            status="deferred" if deferred else "invited",
            invited_at=at,
        )
        .on_conflict_do_nothing(index_elements=["ticket_id"])
        .returning(survey_responses.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def get_survey(conn: AsyncConnection, *, ticket_id: int) -> SurveyRecord | None:
    """The ticket's survey, or None when its requester was never invited."""
    query = select(survey_responses).where(survey_responses.c.ticket_id == ticket_id)
    row = (await conn.execute(query)).mappings().first()
    return _record(row) if row is not None else None


async def record_survey(
    conn: AsyncConnection,
    *,
    ticket_id: int,
    at: datetime,
    status: str = "started",
    values: dict[str, Any] | None = None,
) -> None:
    """Write answers (element codes, "comment", profile codes) and the survey's status.

    `answered_at` moves only when an answer is written: opening a survey again later must not
    move its earlier answers into another period's index."""
    allowed = {*ELEMENTS, *PROFILE, "comment"}
    given = dict(values or {})
    if not set(given) <= allowed:
        raise ValueError(f"not survey columns: {sorted(set(given) - allowed)}")
    if any(given.get(code) not in (None, 1, 2, 3, 4) for code in ELEMENTS if code in given):
        raise ValueError("survey answers are 1-4")
    stamp = {"answered_at": at} if given else {}
    await conn.execute(
        update(survey_responses)
        .where(survey_responses.c.ticket_id == ticket_id)
        .values(**given, **stamp, status=status)
    )


async def take_deferred_survey(
    conn: AsyncConnection, *, requester_id: int, at: datetime
) -> str | None:
    """The ticket reference of one invitation waiting for this requester to write again, now
    marked sent; None when there is none."""
    row = (
        await conn.execute(
            select(survey_responses.c.id, tickets.c.ref)
            .join(tickets, tickets.c.id == survey_responses.c.ticket_id)
            .where(
                survey_responses.c.requester_id == requester_id,
                survey_responses.c.status == "deferred",
            )
            .order_by(survey_responses.c.invited_at)
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    await conn.execute(
        update(survey_responses)
        .where(survey_responses.c.id == row.id)
        .values(status="invited", invited_at=at)
    )
    return str(row.ref)


async def cancel_survey(conn: AsyncConnection, *, ticket_id: int) -> None:
    """The ticket is no longer finished (reopened): its survey no longer counts."""
    await conn.execute(
        update(survey_responses)
        .where(survey_responses.c.ticket_id == ticket_id)
        .values(status="cancelled")
    )


async def surveys_answered_between(
    conn: AsyncConnection, *, agency: str, start: datetime, end: datetime
) -> list[SurveyRecord]:
    """The agency's surveys with at least one answer given in [start, end)."""
    rows = (
        (
            await conn.execute(
                select(survey_responses)
                .where(
                    survey_responses.c.agency == agency,
                    survey_responses.c.answered_at >= start,
                    survey_responses.c.answered_at < end,
                    survey_responses.c.status != "cancelled",
                )
                .order_by(survey_responses.c.answered_at)
            )
        )
        .mappings()
        .all()
    )
    return [_record(row) for row in rows]
