"""uploads and shared secrets: indexes for the upload quota and cleanup, a table of app secrets

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Only a new index and a new table: no table is rebuilt. `app_secrets` keeps secrets the app
generates once (the web chat's cookie key), so every replica on one database shares them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_attachments_owner_channel_owner_chat_id",
        "attachments",
        ["owner_channel", "owner_chat_id"],
        unique=False,
    )
    # A discarded upload's file is deleted only when no other row has the same content.
    op.create_index("ix_attachments_sha256", "attachments", ["sha256"], unique=False)
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_app_secrets")),
    )


def downgrade() -> None:
    op.drop_table("app_secrets")
    op.drop_index("ix_attachments_sha256", table_name="attachments")
    op.drop_index("ix_attachments_owner_channel_owner_chat_id", table_name="attachments")
