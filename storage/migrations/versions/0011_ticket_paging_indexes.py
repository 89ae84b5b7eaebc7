"""tickets: indexes for the API's paging (agency, updated_at, id) and for reports by creation

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

Without them a page of the API or a period report sorts or scans all of an agency's tickets.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_tickets_agency_updated_at_id", "tickets", ["agency", "updated_at", "id"], unique=False
    )
    op.create_index(
        "ix_tickets_agency_created_at", "tickets", ["agency", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_agency_created_at", table_name="tickets")
    op.drop_index("ix_tickets_agency_updated_at_id", table_name="tickets")
