"""Migration 0010 on SQLite and PostgreSQL: tokens issued before scopes keep what they could do."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

from store import crud
from store.engine import session_scope
from store.schema import alembic_config, head_revision, upgrade_database

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
USERS = sa.table(
    "users",
    *(sa.column(name) for name in ("id", "username", "display_name", "active", "password_hash")),
    sa.column("roles", JSON_DOCUMENT),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
TOKENS = sa.table(
    "api_tokens",
    *(sa.column(name) for name in ("id", "user_id", "token_hash", "label")),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def test_old_tokens_get_their_users_scopes_and_no_expiry(database_url: str, engine: Engine) -> None:
    command.downgrade(alembic_config(database_url), "0009")
    at = datetime(2026, 5, 1, tzinfo=UTC)
    people = {1: ["partner_ops"], 2: ["channel_account_manager"], 3: ["admin", "finance"]}
    with engine.begin() as connection:
        for user_id, roles in people.items():
            connection.execute(
                USERS.insert().values(
                    id=user_id, username=f"u{user_id}", display_name=f"U{user_id}", active=True,
                    password_hash="x", roles=roles, created_at=at,
                )
            )  # fmt: skip
            connection.execute(
                TOKENS.insert().values(
                    id=user_id, user_id=user_id, token_hash=f"{user_id:064d}", label="", created_at=at
                )
            )

    assert upgrade_database(database_url) == head_revision()
    with session_scope(engine) as session:
        scopes = {
            t.user_id: (t.scopes, t.expires_at)
            for u in people
            for t in crud.list_api_tokens(session=session, user_id=u)
        }
    assert scopes == {
        1: (["integrator", "approver", "partner_ops"], None),
        2: (["approver"], None),
        3: (["integrator", "approver", "partner_ops"], None),
    }
