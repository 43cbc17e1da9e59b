"""Delivering notifications: one activity per mail or webhook call (Temporal retries it with
backoff), the dead letter after the last attempt, and the sweep that warns before an SLA passes.

Each attempt is logged on the delivery row. A delivery already delivered is not sent again, and
the idempotency key travels with it (Message-ID, ``Parley-Delivery``) so a receiver can drop the
one repeat a crash between sending and recording could cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from parley.notify import mail, webhook
from parley.notify.payload import event_payload, mail_text
from parley.settings import get_settings
from store.crud import deliveries as deliveries_crud
from store.crud.notifications import append_notification
from store.engine import session_scope
from store.models import (
    DeliveryChannel,
    DeliveryState,
    EventType,
    Notification,
    Role,
    Task,
    TaskState,
    WebhookSubscription,
    utcnow,
)

UNDELIVERABLE = "Undeliverable"  # an error no retry can mend: dead-letter at once


@dataclass
class PendingQuery:
    excluding: list[int]
    limit: int


@activity.defn
def pending_deliveries(query: PendingQuery) -> list[int]:
    with session_scope() as session:
        return deliveries_crud.pending_deliveries(
            session=session, excluding=query.excluding, limit=query.limit
        )


@dataclass
class _Outgoing:
    channel: str
    target: str
    key: str
    event_type: str
    subject: str
    text: str
    payload: dict[str, object]
    secret: str


def _outgoing(delivery_id: int) -> _Outgoing | None:
    """What to send, or None when the delivery is no longer pending (delivered, dead, retried)."""
    settings = get_settings()
    with session_scope() as session:
        delivery = deliveries_crud.get_delivery(session=session, delivery_id=delivery_id)
        if delivery.state != DeliveryState.PENDING:
            return None
        notification = deliveries_crud.notification_of(session=session, delivery=delivery)
        secret = ""
        if delivery.channel == DeliveryChannel.WEBHOOK:
            subscription = session.get(WebhookSubscription, delivery.subscription_id)
            if subscription is None or subscription.revoked_at is not None:
                raise ApplicationError(
                    "the webhook subscription was revoked", type=UNDELIVERABLE, non_retryable=True
                )
            secret = subscription.secret
        elif not settings.smtp_host:
            raise ApplicationError("no SMTP host is configured", type=UNDELIVERABLE, non_retryable=True)
        base = settings.resolved_public_url
        return _Outgoing(
            channel=delivery.channel,
            target=delivery.target,
            key=delivery.idempotency_key,
            event_type=notification.event_type,
            subject=notification.subject,
            text=mail_text(notification, base),
            payload=event_payload(notification, base),
            secret=secret,
        )


def _send(outgoing: _Outgoing) -> None:
    settings = get_settings()
    if outgoing.channel == DeliveryChannel.EMAIL:
        message = mail.compose(
            settings,
            to=outgoing.target,
            subject=outgoing.subject,
            body=outgoing.text,
            idempotency_key=outgoing.key,
        )
        mail.send(settings, message, timeout=settings.webhook_timeout_seconds)
    else:
        webhook.post(
            outgoing.target,
            secret=outgoing.secret,
            event_type=outgoing.event_type,
            delivery_key=outgoing.key,
            payload=outgoing.payload,
            timeout=settings.webhook_timeout_seconds,
        )


@activity.defn
def deliver(delivery_id: int) -> str:
    """Send one delivery once; returns its state afterwards. A failure is logged and raised, and
    Temporal tries again after the retry policy's backoff."""
    attempt = activity.info().attempt
    outgoing = _outgoing(delivery_id)
    if outgoing is None:
        with session_scope() as session:
            return deliveries_crud.get_delivery(session=session, delivery_id=delivery_id).state
    try:
        _send(outgoing)
    except Exception as exc:
        with session_scope() as session:
            deliveries_crud.record_attempt(
                session=session,
                delivery_id=delivery_id,
                attempt=attempt,
                error=f"{type(exc).__name__}: {exc}",
            )
        raise
    with session_scope() as session:
        deliveries_crud.record_attempt(session=session, delivery_id=delivery_id, attempt=attempt, error=None)
    return DeliveryState.DELIVERED


@dataclass
class DeadLetter:
    delivery_id: int
    error: str


@activity.defn
def dead_letter_delivery(letter: DeadLetter) -> None:
    with session_scope() as session:
        deliveries_crud.dead_letter(session=session, delivery_id=letter.delivery_id, error=letter.error)


def _warning_due(task: Task, now: datetime, share: float) -> bool:
    assert task.due_at is not None
    return now >= task.due_at - (task.due_at - task.created_at) * share


@activity.defn
def warn_before_sla(share: float) -> int:
    """Tell the people an open task waits on that its SLA is about to pass (once per task and
    deadline); returns how many warnings were written."""
    now = utcnow()
    email = bool(get_settings().smtp_host)
    written = 0
    with session_scope() as session:
        query = select(Task).where(
            Task.state == TaskState.OPEN, col(Task.due_at).is_not(None), col(Task.due_at) > now
        )
        for task in session.exec(query).all():
            if task.due_at is None or not _warning_due(task, now, share):
                continue
            key = f"sla-warning/{task.id}/{task.due_at.isoformat()}"
            if session.exec(select(Notification.id).where(Notification.idempotency_key == key)).first():
                continue
            notification = append_notification(
                session=session,
                data={
                    "event_type": EventType.TASK_SLA_WARNING,
                    "subject": f"SLA about to pass: {task.title}",
                    "body": (
                        f"This task is due {task.due_at:%Y-%m-%d %H:%M:%S} UTC. When its SLA passes, "
                        "the rulebook's escalation applies."
                    ),
                    "recipient_role": None if task.assignee else task.role,
                    "recipient_user": task.assignee,
                    # A partner's task is for that partner's users, never every partner's.
                    "partner_id": task.partner_id
                    if task.role == Role.PARTNER and not task.assignee
                    else None,
                    "process_type": task.process_type,
                    "process_id": task.process_id,
                    "event_key": key,
                    "data": {"task_id": task.id, "role": task.role, "due_at": task.due_at.isoformat()},
                    "idempotency_key": key,
                },
            )
            deliveries_crud.plan_deliveries(session=session, notification=notification, email=email)
            written += 1
    return written
