"""Registration and account blocks: the blocking keys of each registration's account and of each
end-customer account, for the conflict check.

The keys are the rules core's (``rules.matching.AccountKey.blocks``): the back-fill computes them
for every row already stored, through ``store.crud.blocks``, the one writer
the running system uses too. Rerun (``parley db reindex-accounts``), it changes nothing.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registration_blocks",
        sa.Column("block", sa.String(length=260), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_registration_blocks_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("block", "registration_id", name=op.f("pk_registration_blocks")),
    )
    with op.batch_alter_table("registration_blocks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registration_blocks_registration_id"), ["registration_id"], unique=False
        )
    op.create_table(
        "account_blocks",
        sa.Column("block", sa.String(length=260), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_blocks_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("block", "account_id", name=op.f("pk_account_blocks")),
    )
    with op.batch_alter_table("account_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_blocks_account_id"), ["account_id"], unique=False)
    # The one exception to "plain SQLAlchemy only": the keys must be the rules core's own, so the
    # back-fill uses the writer the running system uses.
    from store.crud.blocks import reindex_blocks

    with Session(op.get_bind()) as session:
        reindex_blocks(session)
        session.flush()


def downgrade() -> None:
    op.drop_table("account_blocks")
    op.drop_table("registration_blocks")
