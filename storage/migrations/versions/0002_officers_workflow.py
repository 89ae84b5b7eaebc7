"""officers and workflow: NIP, officer chat bindings, invites, step alert times

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Only nullable columns, new indexes and new tables: no table is rebuilt, so it is quick on
SQLite and takes no long lock on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("officers", sa.Column("nip", sa.String(length=30), nullable=True))

    op.add_column(
        "channel_identities",
        sa.Column("officer_bound_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "uq_channel_identities_officer_id_channel",
        "channel_identities",
        ["officer_id", "channel"],
        unique=True,
    )

    op.add_column(
        "tickets", sa.Column("step_started_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("tickets", sa.Column("next_alert_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_tickets_next_alert_at"), "tickets", ["next_alert_at"], unique=False)

    op.create_table(
        "ticket_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_alerts_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_alerts")),
        sa.UniqueConstraint("ticket_id", "key", name=op.f("uq_ticket_alerts_ticket_id_key")),
    )

    op.create_table(
        "officer_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_officer_invites_officer_id_officers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officer_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_officer_invites_code_hash")),
    )
    op.create_index(
        op.f("ix_officer_invites_officer_id"), "officer_invites", ["officer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_officer_invites_officer_id"), table_name="officer_invites")
    op.drop_table("officer_invites")
    op.drop_table("ticket_alerts")

    op.drop_index(op.f("ix_tickets_next_alert_at"), table_name="tickets")
    # Plain DROP COLUMN (SQLite 3.35+), not batch mode: rebuilding `tickets` would have to
    # drop a table that other rows reference while foreign keys are enforced.
    op.drop_column("tickets", "next_alert_at")
    op.drop_column("tickets", "step_started_at")

    op.drop_index("uq_channel_identities_officer_id_channel", table_name="channel_identities")
    op.drop_column("channel_identities", "officer_bound_at")
    op.drop_column("officers", "nip")
