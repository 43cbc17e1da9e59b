"""Disputes and their case threads: one row per dispute workflow, one per thread entry.

Plain SQLAlchemy types only (no imports from store.models), like every migration, so the script
keeps working however the models change later.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "dispute_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=240), nullable=False),
        sa.Column("dispute_workflow_id", sa.String(length=200), nullable=False),
        sa.Column("side", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_statements")),
        sa.UniqueConstraint("key", name=op.f("uq_dispute_statements_key")),
    )
    with op.batch_alter_table("dispute_statements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispute_statements_dispute_workflow_id"), ["dispute_workflow_id"], unique=False
        )

    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("contest_key", sa.String(length=420), nullable=False),
        sa.Column("claimant_side", sa.String(length=20), nullable=False),
        sa.Column("respondent_side", sa.String(length=20), nullable=False),
        sa.Column("claimant_partner_id", sa.Integer(), nullable=True),
        sa.Column("respondent_partner_id", sa.Integer(), nullable=True),
        sa.Column("claimant_registration_id", sa.String(length=200), nullable=True),
        sa.Column("respondent_registration_id", sa.String(length=200), nullable=True),
        sa.Column("product_line", sa.String(length=60), nullable=False),
        sa.Column("contested_codes", JSON_DOCUMENT, nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("rulebook_version", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=40), nullable=True),
        sa.Column("resolved_by_default", sa.Boolean(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reason_codes", JSON_DOCUMENT, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claimant_partner_id"], ["partners.id"], name=op.f("fk_disputes_claimant_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["respondent_partner_id"],
            ["partners.id"],
            name=op.f("fk_disputes_respondent_partner_id_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("contest_key", name=op.f("uq_disputes_contest_key")),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_disputes_workflow_id")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disputes_claimant_partner_id_state"),
            ["claimant_partner_id", "state"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_disputes_claimant_registration_id"), ["claimant_registration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_disputes_respondent_partner_id_state"),
            ["respondent_partner_id", "state"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_disputes_respondent_registration_id"), ["respondent_registration_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disputes_respondent_registration_id"))
        batch_op.drop_index(batch_op.f("ix_disputes_respondent_partner_id_state"))
        batch_op.drop_index(batch_op.f("ix_disputes_claimant_registration_id"))
        batch_op.drop_index(batch_op.f("ix_disputes_claimant_partner_id_state"))

    op.drop_table("disputes")
    with op.batch_alter_table("dispute_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_statements_dispute_workflow_id"))

    op.drop_table("dispute_statements")
