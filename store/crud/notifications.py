"""Notifications: written once per idempotency key with the transition that caused them, read
by each user as an in-app list with an unread count.

Who sees a notification: the user it names; every user holding the vendor role it names; every
partner user when it is addressed to the ``partner`` role (program-wide news such as a new
rulebook, never one partner's business).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, exists, func, or_
from sqlmodel import Session, col, select

from store.crud._common import Page, insert_if_absent, paginate, parse, refuse, table_of
from store.models import Notification, NotificationCreate, NotificationRead, Role, User, utcnow


def append_notification(*, session: Session, data: NotificationCreate | Mapping[str, Any]) -> Notification:
    """Record a notification for a role or a user; written once per ``idempotency_key``.

    A notification for a partner's user is marked with that partner, which is what keeps a
    partner's webhooks to its own events.
    """
    notification_in = parse(NotificationCreate, data)
    if not notification_in.recipient_role and not notification_in.recipient_user:
        raise refuse("recipient_role", "a notification needs a recipient role or user")
    values = notification_in.model_dump()
    values["event_type"] = notification_in.event_type.value
    values["created_at"] = utcnow()
    if notification_in.partner_id is not None and notification_in.recipient_role != Role.PARTNER:
        raise refuse("partner_id", "only a notice to the partner role is addressed to one partner")
    if notification_in.recipient_user:
        user = session.exec(select(User).where(User.username == notification_in.recipient_user)).first()
        values["partner_id"] = user.partner_id if user else None
    insert_if_absent(session, table_of(Notification), values, ("idempotency_key",))
    query = select(Notification).where(Notification.idempotency_key == notification_in.idempotency_key)
    return session.exec(query).one()


def list_notifications(
    *,
    session: Session,
    recipient_user: str | None = None,
    recipient_role: str | None = None,
    process_id: str | None = None,
    event_type: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Notification]:
    """Notifications, newest first, narrowed by any of the arguments given."""
    query = select(Notification).order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    if recipient_user is not None:
        query = query.where(Notification.recipient_user == recipient_user)
    if recipient_role is not None:
        query = query.where(Notification.recipient_role == recipient_role)
    if process_id is not None:
        query = query.where(Notification.process_id == process_id)
    if event_type is not None:
        query = query.where(Notification.event_type == event_type)
    items, total = paginate(session, query, page, per_page)
    return Page(items, total, page, per_page)


class Reader(Protocol):
    """Who reads notifications: a user row, or the web's signed-in principal (read once)."""

    @property
    def id(self) -> int | None: ...

    @property
    def username(self) -> str: ...

    @property
    def roles(self) -> Collection[str]: ...

    @property
    def partner_id(self) -> int | None: ...


def addressed_to(user: Reader) -> ColumnElement[bool]:
    """The notifications ``user`` may read."""
    vendor_roles = [role for role in user.roles if role != Role.PARTNER]
    clauses: list[ColumnElement[bool]] = [col(Notification.recipient_user) == user.username]
    if vendor_roles and user.partner_id is None:
        clauses.append(col(Notification.recipient_role).in_(vendor_roles))
    if user.partner_id is not None and Role.PARTNER in user.roles:
        # Program-wide news (no partner), or a notice for this user's own partner only.
        clauses.append(
            and_(
                col(Notification.recipient_role) == Role.PARTNER.value,
                or_(col(Notification.partner_id).is_(None), col(Notification.partner_id) == user.partner_id),
            )
        )
    return or_(*clauses)


def _read_by(user: Reader) -> ColumnElement[bool]:
    return exists().where(
        col(NotificationRead.notification_id) == col(Notification.id),
        col(NotificationRead.user_id) == user.id,
    )


def notifications_for(
    *, session: Session, user: Reader, unread_only: bool = False, page: int = 1, per_page: int = 50
) -> Page[tuple[Notification, bool]]:
    """``user``'s notifications, newest first, each with whether the user has read it."""
    query = (
        select(Notification)
        .where(addressed_to(user))
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    )
    if unread_only:
        query = query.where(~_read_by(user))
    items, total = paginate(session, query, page, per_page)
    ids = [item.id for item in items]
    read = set(
        session.exec(
            select(NotificationRead.notification_id).where(
                NotificationRead.user_id == user.id, col(NotificationRead.notification_id).in_(ids)
            )
        ).all()
    )
    return Page([(item, item.id in read) for item in items], total, page, per_page)


def unread_count(*, session: Session, user: Reader) -> int:
    query = select(func.count()).select_from(Notification).where(addressed_to(user), ~_read_by(user))
    return int(session.exec(query).one())


def mark_read(*, session: Session, user: Reader, notification_ids: Sequence[int] | None = None) -> int:
    """Mark the given notifications (all of the user's when None) read; returns how many changed.

    An id the user may not read is refused by name, and nothing is marked.
    """
    query = select(Notification.id).where(addressed_to(user), ~_read_by(user))
    if notification_ids is not None:
        wanted = set(notification_ids)
        visible = set(
            session.exec(
                select(Notification.id).where(addressed_to(user), col(Notification.id).in_(wanted))
            ).all()
        )
        missing = sorted(wanted - visible)
        if missing:
            raise refuse("notification_ids", f"no notification {missing[0]} among yours")
        query = query.where(col(Notification.id).in_(wanted))
    ids = [nid for nid in session.exec(query).all() if nid is not None]
    now = utcnow()
    for nid in ids:
        insert_if_absent(
            session,
            table_of(NotificationRead),
            {"user_id": user.id, "notification_id": nid, "read_at": now},
            ("user_id", "notification_id"),
        )
    return len(ids)
