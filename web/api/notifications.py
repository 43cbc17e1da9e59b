"""``/api/v1/notifications``: the token's user's in-app list, its unread count, marking read.

Who reads which notification is decided once, by the data layer
(``store.crud.notifications.addressed_to``): the user it names, the vendor roles the user holds,
and for a partner's user the program-wide news addressed to every partner. An id the caller may
not read answers 404 naming ``notification_ids``, exactly like one that does not exist.
"""

from __future__ import annotations

from flask import Response, g

from parley.errors import ValidationFailed
from parley.notify.payload import event_payload
from parley.settings import get_settings
from store.crud import notifications as notifications_crud
from store.engine import session_scope
from store.models import Notification
from web.api import bp, json_body, query_args, reply
from web.api.errors import ApiError
from web.api.notification_schemas import (
    MarkReadIn,
    MarkReadOut,
    NotificationOut,
    NotificationPage,
    NotificationQuery,
)


def notification_out(notification: Notification, read: bool, base_url: str) -> NotificationOut:
    """A notification as its webhook payload reads, with its id and whether it was read."""
    assert notification.id is not None
    return NotificationOut.model_validate(
        {"id": notification.id, "read": read, **event_payload(notification, base_url)}
    )


@bp.get("/notifications")
def list_notifications() -> Response:
    """The caller's notifications, newest first (``unread=true``: those not read yet)."""
    query = query_args(NotificationQuery)
    user = g.user
    base_url = get_settings().resolved_public_url
    with session_scope() as db:
        found = notifications_crud.notifications_for(
            session=db, user=user, unread_only=query.unread, page=query.page, per_page=query.per_page
        )
        unread = notifications_crud.unread_count(session=db, user=user)
    items = [notification_out(notification, read, base_url) for notification, read in found.items]
    return reply(
        NotificationPage(
            items=items, total=found.total, page=found.page, per_page=found.per_page, unread_count=unread
        )
    )


@bp.post("/notifications/read")
def mark_read() -> Response:
    """Mark the given notifications read, or all of the caller's; nothing is marked on a refusal."""
    body = json_body(MarkReadIn)
    if (body.notification_ids is None) == (body.all is None):
        raise ApiError.field(422, "notification_ids", "give notification_ids, or all: true (one of them)")
    user = g.user
    with session_scope() as db:
        try:
            marked = notifications_crud.mark_read(
                session=db, user=user, notification_ids=body.notification_ids
            )
        except ValidationFailed as exc:  # an id that is not the caller's: as if it did not exist
            raise ApiError(404, str(exc), exc.problems) from None
        unread = notifications_crud.unread_count(session=db, user=user)
    return reply(MarkReadOut(marked=marked, unread_count=unread))
