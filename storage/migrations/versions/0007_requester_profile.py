"""requesters: the details a returning requester gave last time

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

One nullable JSON column: name, NIP, OPD and phone as last answered, offered back in one step
on the next request instead of asking again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("requesters", sa.Column("profile", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), as in 0002: no table rebuild under foreign keys.
    op.drop_column("requesters", "profile")
