"""Several open tasks per process step: a task is identified by (process, kind, step, slot).

The slot tells the parallel tasks of one step apart (one per role of the step, one per party of
a dispute, one per registration of an exit). Existing rows keep their identity with the empty
slot, so every task written before stays where it was.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "uq_tasks_process_id_kind_escalation_level"
NEW = "uq_tasks_process_id_kind_escalation_level_slot"
# 0002's partial index: dropped around SQLite's table rebuild and created again as it was, so
# the rebuild need not reflect its WHERE clause.
QUEUE_INDEX = "ix_tasks_unclaimed_open_state_role_partner_id"
UNCLAIMED_OPEN = "state = 'open' AND assignee IS NULL AND claimed_by IS NULL"


def _drop_queue_index() -> None:
    op.drop_index(QUEUE_INDEX, table_name="tasks")


def _create_queue_index() -> None:
    where = sa.text(UNCLAIMED_OPEN)
    op.create_index(
        QUEUE_INDEX, "tasks", ["state", "role", "partner_id"], sqlite_where=where, postgresql_where=where
    )


def upgrade() -> None:
    _drop_queue_index()
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slot", sa.String(length=60), nullable=False, server_default=""))
        batch_op.drop_constraint(OLD, type_="unique")
        batch_op.create_unique_constraint(NEW, ["process_id", "kind", "escalation_level", "slot"])
    _create_queue_index()


def downgrade() -> None:
    # Refused rather than lossy: two open tasks of one step cannot fold into the old identity.
    bind = op.get_bind()
    shared = bind.execute(
        sa.text(
            "SELECT COUNT(*) FROM (SELECT 1 FROM tasks GROUP BY process_id, kind, escalation_level "
            "HAVING COUNT(*) > 1) AS shared"
        )
    ).scalar()
    if shared:
        raise RuntimeError(
            f"{shared} process steps hold several tasks; they cannot be downgraded to one task per step"
        )
    _drop_queue_index()
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint(NEW, type_="unique")
        batch_op.create_unique_constraint(OLD, ["process_id", "kind", "escalation_level"])
        batch_op.drop_column("slot")
    _create_queue_index()
