"""The delivery log: which mails and webhook calls a notification needs, and how each went.

Rows are planned in the transaction that writes the notification (the outbox), so a crash
between the two cannot lose a delivery; the dispatcher workflow finds the pending ones. One
event reaches an address or a webhook once, however many of its notifications name it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from store.crud._common import Page, insert_all_if_absent, paginate, refuse, table_of
from store.crud.webhooks import listening
from store.models import (
    Delivery,
    DeliveryChannel,
    DeliveryState,
    Notification,
    Role,
    User,
    WebhookSubscription,
    utcnow,
)


def mail_addresses(session: Session, notification: Notification) -> list[str]:
    """The addresses of the active users a notification names (by name or by role)."""
    query = select(User).where(col(User.active).is_(True), col(User.email).is_not(None))
    if notification.recipient_user:
        users = session.exec(query.where(User.username == notification.recipient_user)).all()
    else:
        role = notification.recipient_role or ""
        vendor = role != Role.PARTNER
        users = [
            user
            for user in session.exec(query).all()
            if role in user.roles
            and (user.partner_id is None) == vendor
            and notification.partner_id in (None, user.partner_id)
        ]
    return sorted({user.email for user in users if user.email})


def _hears(subscription: WebhookSubscription, notification: Notification) -> bool:
    if subscription.partner_id is None:
        return True  # an integrator's: the vendor's own systems hear every event of its types
    if notification.partner_id is not None:
        return subscription.partner_id == notification.partner_id
    return notification.recipient_role == Role.PARTNER  # program-wide news, for every partner


def plan_deliveries(*, session: Session, notification: Notification, email: bool) -> list[int]:
    """Write the pending deliveries ``notification`` needs; returns the ids of those it added.

    ``email`` False (no mail server configured) plans webhooks only.
    """
    assert notification.id is not None
    planned: list[tuple[str, str, int | None]] = []
    if email:
        planned += [
            (DeliveryChannel.EMAIL, address, None) for address in mail_addresses(session, notification)
        ]
    planned += [
        (DeliveryChannel.WEBHOOK, sub.url, sub.id)
        for sub in listening(session=session, event_type=notification.event_type)
        if _hears(sub, notification)
    ]
    now = utcnow()
    rows = [
        {
            "notification_id": notification.id,
            "channel": channel,
            "target": target,
            "subscription_id": subscription_id,
            "state": DeliveryState.PENDING,
            "attempts": 0,
            "created_at": now,
            "idempotency_key": f"{notification.event_key}/{channel}/{subscription_id or target}",
        }
        for channel, target, subscription_id in planned
    ]
    return sorted(
        int(key) for key in insert_all_if_absent(session, table_of(Delivery), rows, ("idempotency_key",))
    )


def pending_deliveries(*, session: Session, excluding: Sequence[int] = (), limit: int = 50) -> list[int]:
    """The oldest pending deliveries not already being attempted."""
    query = select(Delivery.id).where(Delivery.state == DeliveryState.PENDING).order_by(col(Delivery.id))
    if excluding:
        query = query.where(col(Delivery.id).not_in(list(excluding)))
    return [int(delivery_id) for delivery_id in session.exec(query.limit(limit)).all() if delivery_id]


def get_delivery(*, session: Session, delivery_id: int) -> Delivery:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise refuse("delivery_id", f"no delivery {delivery_id}")
    return delivery


def record_attempt(
    *, session: Session, delivery_id: int, attempt: int, error: str | None, at: datetime | None = None
) -> Delivery:
    """Log one attempt: delivered when ``error`` is None, else still pending with the error kept."""
    delivery = get_delivery(session=session, delivery_id=delivery_id)
    now = at or utcnow()
    delivery.attempts = max(delivery.attempts, attempt)
    delivery.last_attempt_at = now
    if error is None:
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = None
    else:
        delivery.last_error = error[:1000]
    session.add(delivery)
    session.flush()
    return delivery


def dead_letter(*, session: Session, delivery_id: int, error: str) -> Delivery:
    """Give up on a delivery after its last attempt; partner operations see it and may retry."""
    delivery = get_delivery(session=session, delivery_id=delivery_id)
    if delivery.state == DeliveryState.PENDING:
        delivery.state = DeliveryState.DEAD
        delivery.last_error = error[:1000]
        session.add(delivery)
        session.flush()
    return delivery


def retry_delivery(*, session: Session, delivery_id: int) -> Delivery:
    """Put a dead-lettered delivery back in the queue for a fresh round of attempts."""
    delivery = get_delivery(session=session, delivery_id=delivery_id)
    if delivery.state != DeliveryState.DEAD:
        raise refuse("delivery_id", f"delivery {delivery_id} is {delivery.state}, not dead-lettered")
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0
    session.add(delivery)
    session.flush()
    return delivery


def list_deliveries(
    *,
    session: Session,
    state: str | None = None,
    subscription_ids: Sequence[int] | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Delivery]:
    """The delivery log, newest first, narrowed by state or by webhook subscriptions."""
    query = select(Delivery).order_by(col(Delivery.id).desc())
    if state is not None:
        query = query.where(Delivery.state == state)
    if subscription_ids is not None:
        query = query.where(col(Delivery.subscription_id).in_(list(subscription_ids)))
    items, total = paginate(session, query, page, per_page)
    return Page(items, total, page, per_page)


def notification_of(*, session: Session, delivery: Delivery) -> Notification:
    notification = session.get(Notification, delivery.notification_id)
    assert notification is not None  # a foreign key with ON DELETE CASCADE
    return notification
