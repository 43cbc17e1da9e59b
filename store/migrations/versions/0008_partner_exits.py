"""Partner exits: one row per exit workflow, one per open registration"s disposition, and when a
partner"s access was revoked.

Plain SQLAlchemy types only (no imports from store.models), like every migration, so the script
keeps working however the models change later.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "exit_dispositions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exit_workflow_id", sa.String(length=200), nullable=False),
        sa.Column("registration_id", sa.String(length=200), nullable=False),
        sa.Column("disposition", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason_codes", JSON_DOCUMENT, nullable=False),
        sa.Column("transferee_partner_id", sa.Integer(), nullable=True),
        sa.Column("transferee_registration_id", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["transferee_partner_id"],
            ["partners.id"],
            name=op.f("fk_exit_dispositions_transferee_partner_id_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exit_dispositions")),
        sa.UniqueConstraint(
            "exit_workflow_id",
            "registration_id",
            name=op.f("uq_exit_dispositions_exit_workflow_id_registration_id"),
        ),
    )
    with op.batch_alter_table("exit_dispositions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exit_dispositions_exit_workflow_id"), ["exit_workflow_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exit_dispositions_registration_id"), ["registration_id"], unique=False
        )

    op.create_table(
        "exits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("live_partner_id", sa.Integer(), nullable=True),
        sa.Column("exit_type", sa.String(length=20), nullable=False),
        sa.Column("why", sa.String(length=2000), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("rulebook_version", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("previous_status", sa.String(length=20), nullable=False),
        sa.Column("notice_given_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("commission_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mdf_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reason_codes", JSON_DOCUMENT, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_exits_partner_id_partners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exits")),
        sa.UniqueConstraint("live_partner_id", name=op.f("uq_exits_live_partner_id")),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_exits_workflow_id")),
    )
    with op.batch_alter_table("exits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exits_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exits_state"), ["state"], unique=False)

    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("access_revoked_at")

    with op.batch_alter_table("exits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exits_state"))
        batch_op.drop_index(batch_op.f("ix_exits_partner_id"))

    op.drop_table("exits")
    with op.batch_alter_table("exit_dispositions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exit_dispositions_registration_id"))
        batch_op.drop_index(batch_op.f("ix_exit_dispositions_exit_workflow_id"))

    op.drop_table("exit_dispositions")
