"""Initial schema: every table of the data layer.

Plain SQLAlchemy types only (no imports from store.models), so this script keeps working however
the models change later. Runs on SQLite (batch mode) and PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:02:13.309842
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# JSON on SQLite, JSONB on PostgreSQL (what store.models.types.JSONDocument maps to).
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("web_domain", sa.String(length=253), nullable=True),
        sa.Column("territory", sa.String(length=40), nullable=False),
        sa.Column("vertical", sa.String(length=60), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("normalised_name", sa.String(length=200), nullable=False),
        sa.Column("normalised_domain", sa.String(length=253), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accounts_normalised_domain"), ["normalised_domain"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_accounts_normalised_name"), ["normalised_name"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("on_behalf_of", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("rulebook_version", sa.String(length=40), nullable=True),
        sa.Column("before_state", sa.String(length=40), nullable=True),
        sa.Column("after_state", sa.String(length=40), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_type", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason_codes", JSON_DOCUMENT, nullable=False),
        sa.Column("detail", JSON_DOCUMENT, nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_audit_events_idempotency_key")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_process_id_at"), ["process_id", "at"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("recipient_role", sa.String(length=60), nullable=True),
        sa.Column("recipient_user", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.String(length=10000), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("process_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notifications_idempotency_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_process_id"), ["process_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notifications_recipient_role_created_at"),
            ["recipient_role", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_recipient_user_created_at"),
            ["recipient_user", "created_at"],
            unique=False,
        )

    op.create_table(
        "partners",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("territories", JSON_DOCUMENT, nullable=False),
        sa.Column("verticals", JSON_DOCUMENT, nullable=False),
        sa.Column("certifications", JSON_DOCUMENT, nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
    )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partners_status"), ["status"], unique=False)

    op.create_table(
        "rulebook_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", JSON_DOCUMENT, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rulebook_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_rulebook_versions_version")),
    )
    with op.batch_alter_table("rulebook_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rulebook_versions_effective_from"), ["effective_from"], unique=False
        )

    op.create_table(
        "simulation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("baseline_version", sa.String(length=40), nullable=False),
        sa.Column("proposed_label", sa.String(length=120), nullable=False),
        sa.Column("scenario", JSON_DOCUMENT, nullable=False),
        sa.Column("replications", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("results", JSON_DOCUMENT, nullable=True),
        sa.Column("error", sa.String(length=4000), nullable=True),
        sa.Column("report_path", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulation_runs")),
    )
    with op.batch_alter_table("simulation_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_simulation_runs_status"), ["status"], unique=False)

    op.create_table(
        "account_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_key", sa.String(length=260), nullable=False),
        sa.Column("product_line", sa.String(length=60), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_account_claims_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_claims")),
        sa.UniqueConstraint(
            "account_key", "product_line", name=op.f("uq_account_claims_account_key_product_line")
        ),
    )
    with op.batch_alter_table("account_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_claims_workflow_id"), ["workflow_id"], unique=False)

    op.create_table(
        "direct_engagements",
        sa.Column("product_line", sa.String(length=60), nullable=True),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_direct_engagements_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_direct_engagements")),
    )
    with op.batch_alter_table("direct_engagements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_direct_engagements_account_id_product_line"),
            ["account_id", "product_line"],
            unique=False,
        )

    op.create_table(
        "partner_contacts",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_contacts_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_contacts")),
    )
    with op.batch_alter_table("partner_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_contacts_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "registrations",
        sa.Column("request_key", sa.String(length=120), nullable=False),
        sa.Column("account_name", sa.String(length=200), nullable=False),
        sa.Column("account_domain", sa.String(length=253), nullable=True),
        sa.Column("territory", sa.String(length=40), nullable=False),
        sa.Column("vertical", sa.String(length=60), nullable=False),
        sa.Column("product_line", sa.String(length=60), nullable=False),
        sa.Column("deal_value", sa.Float(), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("rulebook_version", sa.String(length=40), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("normalised_name", sa.String(length=200), nullable=False),
        sa.Column("normalised_domain", sa.String(length=253), nullable=True),
        sa.Column("account_key", sa.String(length=260), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extensions_used", sa.Integer(), nullable=False),
        sa.Column("last_reason_codes", JSON_DOCUMENT, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_registrations_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_registrations_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint(
            "partner_id", "request_key", name=op.f("uq_registrations_partner_id_request_key")
        ),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_registrations_workflow_id")),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registrations_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registrations_account_key_product_line"),
            ["account_key", "product_line"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_registrations_normalised_domain"), ["normalised_domain"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_registrations_normalised_name"), ["normalised_name"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registrations_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registrations_state_territory"), ["state", "territory"], unique=False
        )

    op.create_table(
        "tasks",
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=60), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("territory", sa.String(length=40), nullable=True),
        sa.Column("summary", sa.String(length=2000), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_type", sa.String(length=20), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payload", JSON_DOCUMENT, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("on_behalf_of", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_tasks_partner_id_partners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint(
            "process_id", "kind", "escalation_level", name=op.f("uq_tasks_process_id_kind_escalation_level")
        ),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_state_assignee"), ["state", "assignee"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_state_claimed_by"), ["state", "claimed_by"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tasks_state_role_due_at"), ["state", "role", "due_at"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("roles", JSON_DOCUMENT, nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_users_partner_id_partners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["delegate_id"], ["users.id"], name=op.f("fk_delegations_delegate_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_delegations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
    )
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delegations_delegate_id_starts_at_ends_at"),
            ["delegate_id", "starts_at", "ends_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_delegations_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delegations_user_id"))
        batch_op.drop_index(batch_op.f("ix_delegations_delegate_id_starts_at_ends_at"))

    op.drop_table("delegations")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_partner_id"))

    op.drop_table("users")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_state_role_due_at"))
        batch_op.drop_index(batch_op.f("ix_tasks_state_claimed_by"))
        batch_op.drop_index(batch_op.f("ix_tasks_state_assignee"))
        batch_op.drop_index(batch_op.f("ix_tasks_partner_id"))

    op.drop_table("tasks")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registrations_state_territory"))
        batch_op.drop_index(batch_op.f("ix_registrations_partner_id"))
        batch_op.drop_index(batch_op.f("ix_registrations_normalised_name"))
        batch_op.drop_index(batch_op.f("ix_registrations_normalised_domain"))
        batch_op.drop_index(batch_op.f("ix_registrations_account_key_product_line"))
        batch_op.drop_index(batch_op.f("ix_registrations_account_id"))

    op.drop_table("registrations")
    with op.batch_alter_table("partner_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_contacts_partner_id"))

    op.drop_table("partner_contacts")
    with op.batch_alter_table("direct_engagements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_direct_engagements_account_id_product_line"))

    op.drop_table("direct_engagements")
    with op.batch_alter_table("account_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_claims_workflow_id"))

    op.drop_table("account_claims")
    with op.batch_alter_table("simulation_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_simulation_runs_status"))

    op.drop_table("simulation_runs")
    with op.batch_alter_table("rulebook_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rulebook_versions_effective_from"))

    op.drop_table("rulebook_versions")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partners_status"))

    op.drop_table("partners")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_recipient_user_created_at"))
        batch_op.drop_index(batch_op.f("ix_notifications_recipient_role_created_at"))
        batch_op.drop_index(batch_op.f("ix_notifications_process_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_process_id_at"))

    op.drop_table("audit_events")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_normalised_name"))
        batch_op.drop_index(batch_op.f("ix_accounts_normalised_domain"))

    op.drop_table("accounts")
