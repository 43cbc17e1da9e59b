"""API token scopes and expiry.

Tokens issued before scopes existed get every scope their user's roles allow (what they could do
before) and no expiry. Plain SQLAlchemy types only (no imports from store.models), like every
migration, so the script keeps working however the models change later.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# The roles that may hold each scope, as store.models.users.SCOPE_ROLES had them at this revision.
_APPROVER_ROLES = {
    "channel_account_manager",
    "regional_channel_director",
    "vp_channel",
    "deal_desk",
    "finance",
    "partner_ops",
    "direct_sales",
}
_SCOPE_ROLES = (
    ("partner", {"partner"}),
    ("integrator", {"partner_ops", "admin"}),
    ("approver", _APPROVER_ROLES),
    ("partner_ops", {"partner_ops", "admin"}),
)


def _roles(value: Any) -> set[str]:
    if isinstance(value, str):  # SQLite hands JSON back as text
        value = json.loads(value)
    return set(value or [])


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", JSON_DOCUMENT, nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table("api_tokens", sa.column("id", sa.Integer()), sa.column("scopes", JSON_DOCUMENT))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT api_tokens.id, users.roles FROM api_tokens JOIN users ON users.id = api_tokens.user_id"
        )
    ).all()
    for token_id, roles in rows:
        held = _roles(roles)
        scopes = [scope for scope, allowed in _SCOPE_ROLES if allowed & held]
        connection.execute(tokens.update().where(tokens.c.id == token_id).values(scopes=scopes))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("scopes", existing_type=JSON_DOCUMENT, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scopes")
