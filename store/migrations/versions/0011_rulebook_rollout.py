"""Rulebook versions live in the database with their roll-out: state, text, who did what;
partners' acknowledgements; the draft a what-if simulated.

Versions recorded before (as workers loaded them from a folder) were all in the library: each
gets the state its effective date gives it today. Plain SQLAlchemy types only (no imports from
store.models), like every migration, so the script keeps working however the models change later.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("rulebook_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(20), nullable=False, server_default="in_force"))
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("comment", sa.String(2000), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("created_by", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("simulation_run_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_by", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("approved_at", _TZ, nullable=True))
        batch_op.add_column(sa.Column("acknowledge_by", _TZ, nullable=True))
        batch_op.add_column(sa.Column("in_force_at", _TZ, nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", _TZ, nullable=True))
        batch_op.add_column(sa.Column("withdrawn_reason", sa.String(2000), nullable=True))
        batch_op.add_column(sa.Column("updated_at", _TZ, nullable=True))
        batch_op.create_index("ix_rulebook_versions_state", ["state"])
    _states_by_date()
    with op.batch_alter_table("rulebook_versions", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=_TZ, nullable=False)

    with op.batch_alter_table("simulation_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposed_version", sa.String(40), nullable=True))
        batch_op.create_index("ix_simulation_runs_proposed_version", ["proposed_version"])

    op.create_table(
        "rulebook_acknowledgements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("partner_id", sa.Integer(), sa.ForeignKey("partners.id"), nullable=False),
        sa.Column("acknowledged_by", sa.String(64), nullable=False),
        sa.Column("acknowledged_at", _TZ, nullable=False),
        sa.UniqueConstraint("version", "partner_id"),
    )
    op.create_index("ix_rulebook_acknowledgements_version", "rulebook_acknowledgements", ["version"])
    op.create_index("ix_rulebook_acknowledgements_partner_id", "rulebook_acknowledgements", ["partner_id"])


def _states_by_date() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    rows = connection.execute(
        sa.text("SELECT id, effective_from, loaded_at FROM rulebook_versions ORDER BY effective_from, id")
    ).all()

    def aware(value: datetime | str) -> datetime:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    started = [row for row in rows if aware(row.effective_from) <= now]
    in_force = started[-1].id if started else None
    for row in rows:
        if aware(row.effective_from) > now:
            state = "scheduled"
        else:
            state = "in_force" if row.id == in_force else "superseded"
        connection.execute(
            sa.text("UPDATE rulebook_versions SET state = :state, updated_at = loaded_at WHERE id = :id"),
            {"state": state, "id": row.id},
        )


def downgrade() -> None:
    op.drop_index("ix_rulebook_acknowledgements_partner_id", table_name="rulebook_acknowledgements")
    op.drop_index("ix_rulebook_acknowledgements_version", table_name="rulebook_acknowledgements")
    op.drop_table("rulebook_acknowledgements")
    with op.batch_alter_table("simulation_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_simulation_runs_proposed_version")
        batch_op.drop_column("proposed_version")
    with op.batch_alter_table("rulebook_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_rulebook_versions_state")
        for column in (
            "updated_at", "withdrawn_reason", "withdrawn_at", "withdrawn_by", "in_force_at",
            "acknowledge_by", "approved_at", "approved_by", "simulation_run_id", "created_by",
            "comment", "text", "state",
        ):  # fmt: skip
            batch_op.drop_column(column)
