"""Indexes for the retention sweep: closed tickets not anonymised yet, and old outbox rows

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

So the hourly sweep costs what is due, not what was anonymised or sent in earlier years.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_ANONYMISED = "chat_id <> 'anonim'"


def upgrade() -> None:
    op.create_index(
        "ix_tickets_closed_at_not_anonymised",
        "tickets",
        ["closed_at"],
        unique=False,
        sqlite_where=sa.text(NOT_ANONYMISED),
        postgresql_where=sa.text(NOT_ANONYMISED),
    )
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_created_at", table_name="outbox")
    op.drop_index("ix_tickets_closed_at_not_anonymised", table_name="tickets")
