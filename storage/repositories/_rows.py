"""What several of the repositories share: the dialect's INSERT, row-to-record helpers, and
`TicketRecord` (read by storage.repositories.tickets and by the step alerts in .officers).

`insert_for` is public because storage.sweeps builds its own ON CONFLICT statements with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Row, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from core.tickets import TicketStatus

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class TicketRecord:
    id: int
    ref: str
    agency: str
    year: int
    seq: int
    service: str
    product: str | None
    requester_id: int
    channel: str
    chat_id: str
    fields: dict[str, Any]
    requirements: dict[str, Any]
    status: TicketStatus
    step: str | None
    assigned_role: str | None
    assigned_officer_id: int | None
    created_at: datetime
    start_at: datetime
    target_at: datetime | None
    due_at: datetime
    step_due_at: datetime | None
    paused_at: datetime | None
    paused_seconds: int
    closed_at: datetime | None
    updated_at: datetime
    step_started_at: datetime | None = None
    next_alert_at: datetime | None = None  # when the scheduler next looks at this ticket
    event_at: datetime | None = None  # when the ticket's event starts, if it has one
    priority: int | None = None  # 0 high, 1 medium, 2 low (a disturbance's impact)


def insert_for(conn: AsyncConnection, table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return insert_for_dialect(conn.dialect.name, table)


def insert_for_dialect(dialect: str, table: Table) -> Any:
    """The INSERT of the dialect named `dialect` (for statements built once, ahead of a
    connection)."""
    if dialect == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


def _record(cls: type[_T], row: Row[Any]) -> _T:
    return cls(**row._mapping)


def _ticket(row: Row[Any]) -> TicketRecord:
    values = dict(row._mapping)
    values["status"] = TicketStatus(values["status"])
    return TicketRecord(**values)
