"""api_tokens and access_log: the read-only REST API's tokens, and who read personal data

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

A token is stored as its sha256 only. The access log is append-only: one row per ticket whose
personal data was read (through the API today), with no foreign key so it outlives the ticket.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("ticket_ref", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_access_log_ticket_id"), "access_log", ["ticket_id"])
    op.create_index(
        op.f("ix_access_log_actor_kind_actor_id"), "access_log", ["actor_kind", "actor_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_access_log_actor_kind_actor_id"), table_name="access_log")
    op.drop_index(op.f("ix_access_log_ticket_id"), table_name="access_log")
    op.drop_table("access_log")
    op.drop_table("api_tokens")
