"""Partial index on open, unassigned, unclaimed tasks for the inbox role queues.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_tasks_unclaimed_open_state_role_partner_id"
UNCLAIMED_OPEN = "state = 'open' AND assignee IS NULL AND claimed_by IS NULL"


def upgrade() -> None:
    where = sa.text(UNCLAIMED_OPEN)
    op.create_index(
        NAME,
        "tasks",
        ["state", "role", "partner_id"],
        unique=False,
        sqlite_where=where,
        postgresql_where=where,
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="tasks")
