"""Notifications and their delivery: the in-app list, what each user has read, webhook
subscriptions, and one delivery row per mail or webhook call (the delivery log).

A notification is written in the same transaction as the transition that caused it, and so are
its delivery rows: nothing is announced that did not happen, and nothing that happened is lost
if a worker dies before delivering it (the dispatcher finds the pending rows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import field_validator
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from parley.text import plain_name
from store.models.enums import DeliveryState, EventType
from store.models.types import JSONDocument, UTCDateTime, utcnow


class NotificationBase(SQLModel):
    event_type: EventType
    recipient_role: str | None = Field(default=None, max_length=60)
    recipient_user: str | None = Field(default=None, max_length=64)
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(default="", max_length=10000)
    process_type: str | None = Field(default=None, max_length=20)
    process_id: str | None = Field(default=None, max_length=200)
    # The event several notifications announce (one per recipient): a vendor-wide webhook is
    # called once per event, not once per recipient.
    event_key: str = Field(min_length=1, max_length=200)
    # What the recipient may read about the event, beyond subject and body (docs/notifications.md).
    data: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str = Field(min_length=1, max_length=200)


class NotificationCreate(NotificationBase):
    # For a notice to the partner role: the one partner whose users it is for (None: every
    # partner, program-wide news). A notice to a user takes the user's partner instead.
    partner_id: int | None = None


class Notification(NotificationBase, table=True):
    __tablename__ = "notifications"
    __table_args__ = (
        Index(None, "recipient_user", "created_at"),
        Index(None, "recipient_role", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_type: str = Field(max_length=60)  # type: ignore[assignment]  # stored as its value
    # The partner whose people the notification is for (None: the vendor's own people, or every
    # partner when addressed to the partner role): a partner's webhook hears only its own.
    partner_id: int | None = Field(default=None, foreign_key="partners.id", index=True)
    process_id: str | None = Field(default=None, max_length=200, index=True)
    event_key: str = Field(max_length=200, index=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDocument)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    idempotency_key: str = Field(max_length=200, unique=True)


class NotificationRead(SQLModel, table=True):
    """A user has read a notification (a role's notification is read by each of its users alone)."""

    __tablename__ = "notification_reads"
    __table_args__ = (UniqueConstraint("user_id", "notification_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    notification_id: int = Field(foreign_key="notifications.id", index=True, ondelete="CASCADE")
    read_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookSubscriptionCreate(SQLModel):
    url: str = Field(min_length=1, max_length=500)
    event_types: list[EventType] = Field(min_length=1)
    description: str = Field(default="", max_length=200)

    _plain_description = field_validator("description")(plain_name)


class WebhookSubscription(SQLModel, table=True):
    """An HTTPS endpoint that hears some event types: a partner's (its own events only) or an
    integrator's (partner_id None: every event of those types, for the vendor's systems)."""

    __tablename__ = "webhook_subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int | None = Field(default=None, foreign_key="partners.id", index=True)
    url: str = Field(max_length=500)
    event_types: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    description: str = Field(default="", max_length=200)
    # Kept as given: signing needs the secret itself. Shown once, when the subscription is made.
    secret: str = Field(max_length=128)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    """One mail to one address, or one event to one webhook, and how its attempts went."""

    __tablename__ = "deliveries"
    __table_args__ = (Index(None, "state", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notifications.id", index=True, ondelete="CASCADE")
    channel: str = Field(max_length=10, description="email or webhook")
    target: str = Field(max_length=500, description="the address, or the webhook's URL")
    subscription_id: int | None = Field(
        default=None, foreign_key="webhook_subscriptions.id", index=True, ondelete="CASCADE"
    )
    state: str = Field(default=DeliveryState.PENDING, max_length=10)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=1000)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Sent with the mail (Message-ID) and the webhook call (Parley-Delivery), so a receiver can
    # drop the repeat a crash between sending and recording would cause.
    idempotency_key: str = Field(max_length=200, unique=True)
