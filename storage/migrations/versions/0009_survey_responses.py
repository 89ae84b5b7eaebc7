"""survey_responses: the satisfaction survey (SKM) a requester answers about a finished ticket

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

One row per ticket (the invitation), the nine elements' answers (1-4) written as they are
tapped, an optional comment and the regulation's optional respondent profile.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        *(sa.Column(f"u{i}", sa.SmallInteger(), nullable=True) for i in range(1, 10)),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("usia", sa.String(length=20), nullable=True),
        sa.Column("jenis_kelamin", sa.String(length=20), nullable=True),
        sa.Column("pendidikan", sa.String(length=20), nullable=True),
        sa.Column("pekerjaan", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    op.create_index(op.f("ix_survey_responses_requester_id"), "survey_responses", ["requester_id"])
    op.create_index(op.f("ix_survey_responses_answered_at"), "survey_responses", ["answered_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_survey_responses_answered_at"), table_name="survey_responses")
    op.drop_index(op.f("ix_survey_responses_requester_id"), table_name="survey_responses")
    op.drop_table("survey_responses")
