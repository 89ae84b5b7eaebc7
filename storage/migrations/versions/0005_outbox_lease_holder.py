"""outbox lease holder: a claimed message names the server that claimed it

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Only a nullable column and its index: no table is rebuilt. A server that starts again after a
crash hands back at once the messages its previous life had claimed, instead of every replica
waiting out the lease (bot.server).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("lease_holder", sa.String(length=100), nullable=True))
    op.create_index(op.f("ix_outbox_lease_holder"), "outbox", ["lease_holder"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_lease_holder"), table_name="outbox")
    # Plain DROP COLUMN (SQLite 3.35+) once its index is gone, as in 0002.
    op.drop_column("outbox", "lease_holder")
