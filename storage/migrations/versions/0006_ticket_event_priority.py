"""tickets: the event's start and the handling priority

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

Two nullable columns: when a ticket's event starts (officers' queues sort by it and the alert
sweep warns before it) and the priority a disturbance's impact gives (0 high, 1 medium, 2 low).
Existing tickets keep NULL: no event recorded, no priority.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("event_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tickets", sa.Column("priority", sa.SmallInteger(), nullable=True))
    op.create_index(op.f("ix_tickets_event_at"), "tickets", ["event_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tickets_event_at"), table_name="tickets")
    # Plain DROP COLUMN (SQLite 3.35+), not batch mode, as in 0002: rebuilding `tickets` would
    # drop a table other rows reference while foreign keys are enforced.
    op.drop_column("tickets", "priority")
    op.drop_column("tickets", "event_at")
