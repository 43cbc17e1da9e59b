"""A what-if's report is rendered from its stored results by the web process that shows it, so
``simulation_runs.report_path`` (a file in one machine's data folder, which the other services
could not read) goes.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("simulation_runs", schema=None) as batch_op:
        batch_op.drop_column("report_path")


def downgrade() -> None:
    with op.batch_alter_table("simulation_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_path", sa.String(length=500), nullable=True))
