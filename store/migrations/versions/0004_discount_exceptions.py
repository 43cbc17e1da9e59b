"""Discount exceptions: one row per discount workflow, what pages and the API list.

Plain SQLAlchemy types only (no imports from store.models), like every migration, so the script
keeps working however the models change later.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "discount_exceptions",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("registration_workflow_id", sa.String(length=200), nullable=False),
        sa.Column("request_key", sa.String(length=120), nullable=False),
        sa.Column("requested_discount", sa.Float(), nullable=False),
        sa.Column("deal_value", sa.Float(), nullable=False),
        sa.Column("competitor", sa.String(length=200), nullable=False),
        sa.Column("justification", sa.String(length=2000), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("rulebook_version", sa.String(length=40), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("standard_discount", sa.Float(), nullable=False),
        sa.Column("total_discount", sa.Float(), nullable=False),
        sa.Column("band", sa.Integer(), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revisions", sa.Integer(), nullable=False),
        sa.Column("last_reason_codes", JSON_DOCUMENT, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_discount_exceptions_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discount_exceptions")),
        sa.UniqueConstraint(
            "registration_workflow_id",
            "request_key",
            name=op.f("uq_discount_exceptions_registration_workflow_id_request_key"),
        ),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_discount_exceptions_workflow_id")),
    )
    with op.batch_alter_table("discount_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discount_exceptions_partner_id_state"), ["partner_id", "state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_discount_exceptions_registration_workflow_id"),
            ["registration_workflow_id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("discount_exceptions")
