"""requester_links: one-time codes that join a person's chats on several channels

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

`/tautkan` gives a short code; sent from another channel it makes that chat the same
requester, so /status and the remembered details follow the person.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "requester_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_index(
        op.f("ix_requester_links_requester_id"), "requester_links", ["requester_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_requester_links_requester_id"), table_name="requester_links")
    op.drop_table("requester_links")
