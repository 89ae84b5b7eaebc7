"""sweeps: failed deliveries told to coordinators, once-per-period job runs, report indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Only a nullable column, new indexes and a new table: no table is rebuilt. Messages that had
already failed before this revision are marked reported at upgrade time, so the first failure
report does not flood the coordinators with old news (the digest still counts them that day).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNREPORTED_FAILURE = "status = 'failed' AND failure_reported_at IS NULL"


def upgrade() -> None:
    op.add_column(
        "outbox", sa.Column("failure_reported_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        op.f("ix_outbox_failure_reported_at"), "outbox", ["failure_reported_at"], unique=False
    )
    outbox = sa.table(
        "outbox", sa.column("status", sa.String()), sa.column("failure_reported_at", UTCDateTime())
    )
    op.execute(
        outbox.update()
        .where(outbox.c.status == "failed")
        .values(failure_reported_at=datetime.now(UTC))
    )
    op.create_index(
        "ix_outbox_unreported_failures",
        "outbox",
        ["id"],
        unique=False,
        sqlite_where=sa.text(_UNREPORTED_FAILURE),
        postgresql_where=sa.text(_UNREPORTED_FAILURE),
    )

    op.create_index("ix_tickets_agency_status", "tickets", ["agency", "status"], unique=False)
    # The alert sweep reads one agency's due tickets: with only (agency, status) SQLite would
    # scan the whole agency instead of the due range.
    op.create_index(
        "ix_tickets_agency_next_alert_at", "tickets", ["agency", "next_alert_at"], unique=False
    )
    op.create_index(op.f("ix_tickets_closed_at"), "tickets", ["closed_at"], unique=False)

    op.create_table(
        "scheduled_runs",
        sa.Column("job", sa.String(length=60), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", "period", name=op.f("pk_scheduled_runs")),
    )


def downgrade() -> None:
    op.drop_table("scheduled_runs")
    op.drop_index(op.f("ix_tickets_closed_at"), table_name="tickets")
    op.drop_index("ix_tickets_agency_next_alert_at", table_name="tickets")
    op.drop_index("ix_tickets_agency_status", table_name="tickets")
    op.drop_index("ix_outbox_unreported_failures", table_name="outbox")
    op.drop_index(op.f("ix_outbox_failure_reported_at"), table_name="outbox")
    # Plain DROP COLUMN (SQLite 3.35+) once its indexes are gone, as in 0002.
    op.drop_column("outbox", "failure_reported_at")
