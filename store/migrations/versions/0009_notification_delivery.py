"""Notification delivery: event types instead of the three coarse kinds, who each notification
is for, what each user has read, webhook subscriptions, and the delivery log.

Plain SQLAlchemy types only (no imports from store.models), like every migration, so the script
keeps working however the models change later.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# Rows written before event types existed: the kind and the process say which event it was.
_PROCESS_TYPE = (
    "CASE WHEN process_id LIKE 'registration-%' THEN 'registration'"
    " WHEN process_id LIKE 'discount-%' THEN 'discount'"
    " WHEN process_id LIKE 'dispute-%' THEN 'dispute'"
    " WHEN process_id LIKE 'exit-%' THEN 'exit' END"
)
_EVENT_TYPE = (
    "CASE WHEN kind = 'escalation' THEN 'task.escalated'"
    " WHEN process_id LIKE 'exit-%' THEN 'exit.milestone'"
    " WHEN process_id LIKE 'dispute-%' THEN 'dispute.resolved'"
    " WHEN process_id LIKE 'discount-%' AND kind = 'reminder' THEN 'discount.expiring'"
    " WHEN process_id LIKE 'discount-%' THEN 'discount.decided'"
    " WHEN kind = 'reminder' THEN 'registration.protection_lapsing'"
    " ELSE 'registration.decided' END"
)


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_type", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("process_type", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("event_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("data", JSON_DOCUMENT, nullable=True))
        batch_op.add_column(sa.Column("partner_id", sa.Integer(), nullable=True))
    op.execute(
        f"UPDATE notifications SET event_type = {_EVENT_TYPE}, process_type = {_PROCESS_TYPE},"
        " event_key = idempotency_key, data = '{}'"
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("event_type", existing_type=sa.String(length=60), nullable=False)
        batch_op.alter_column("event_key", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column("data", existing_type=JSON_DOCUMENT, nullable=False)
        batch_op.drop_column("kind")
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_partner_id_partners"), "partners", ["partner_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_notifications_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_event_key"), ["event_key"], unique=False)

    op.create_table(
        "notification_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_reads_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_reads_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_reads")),
        sa.UniqueConstraint(
            "user_id", "notification_id", name=op.f("uq_notification_reads_user_id_notification_id")
        ),
    )
    with op.batch_alter_table("notification_reads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_reads_notification_id"), ["notification_id"], unique=False
        )

    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("event_types", JSON_DOCUMENT, nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_webhook_subscriptions_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_subscriptions_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_deliveries_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_deliveries_subscription_id_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_deliveries_idempotency_key")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveries_notification_id"), ["notification_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deliveries_state_id"), ["state", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deliveries_subscription_id"), ["subscription_id"], unique=False)


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("webhook_subscriptions")
    op.drop_table("notification_reads")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=True))
    op.execute(
        "UPDATE notifications SET kind = CASE WHEN event_type = 'task.escalated' THEN 'escalation'"
        " WHEN event_type IN ('registration.protection_lapsing', 'discount.expiring') THEN 'reminder'"
        " ELSE 'decision' END"
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_index(batch_op.f("ix_notifications_event_key"))
        batch_op.drop_index(batch_op.f("ix_notifications_partner_id"))
        batch_op.drop_constraint(batch_op.f("fk_notifications_partner_id_partners"), type_="foreignkey")
        batch_op.drop_column("partner_id")
        batch_op.drop_column("data")
        batch_op.drop_column("event_key")
        batch_op.drop_column("process_type")
        batch_op.drop_column("event_type")
