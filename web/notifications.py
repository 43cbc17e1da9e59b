"""The in-app notification list (``/notifications``) and the unread count in the navigation.

Every signed-in user has a list: newest first, unread ones marked, each opening its process's
page and marked read as it is opened (a POST, so a link preview never marks anything). Who reads
which notification is the data layer's to say (``store.crud.notifications.addressed_to``); a
notification the user may not read is a 404, like one that does not exist.

Webhook subscriptions and the delivery log have their pages in ``web.webhook_pages``, on this
blueprint.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from parley.errors import ValidationFailed
from parley.notify.payload import process_url
from store.crud import notifications as notifications_crud
from store.engine import session_scope
from store.models import Notification
from web.auth import login_required
from web.paging import id_value, int_arg

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
log = logging.getLogger(__name__)

PER_PAGE = 25


def unread_notifications() -> int | None:
    """The signed-in user's unread count, counted once per request (one COUNT query); None
    when nobody is signed in or the database does not answer (the page still renders)."""
    if g.get("user") is None:
        return None
    if "unread_notifications" not in g:
        try:
            with session_scope() as db:
                g.unread_notifications = notifications_crud.unread_count(session=db, user=g.user)
        except SQLAlchemyError as exc:
            log.warning("unread count not available: %s", exc)
            g.unread_notifications = None
    count: int | None = g.unread_notifications
    return count


@bp.app_context_processor
def notification_helpers() -> dict[str, Any]:
    return {"unread_notifications": unread_notifications}


def page_of(notification: Notification) -> str | None:
    """The process page a notification opens, under this app's root."""
    url = process_url(notification, request.script_root)
    return None if url is None else quote(url, safe="/:")


def _back() -> ResponseReturnValue:
    unread = request.form.get("unread") == "1"
    page = id_value(request.form.get("page", "")) or 1
    return redirect(url_for("notifications.index", unread=1 if unread else None, page=page))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    unread_only = request.args.get("unread") == "1"
    number = int_arg("page", 1) or 1
    with session_scope() as db:
        try:
            page = notifications_crud.notifications_for(
                session=db, user=g.user, unread_only=unread_only, page=number, per_page=PER_PAGE
            )
        except ValidationFailed:
            abort(404, "No such page.")
    items = [(notification, read, page_of(notification)) for notification, read in page.items]
    return render_template(
        "notifications/list.html", items=items, page=page, unread_only=unread_only, number=number
    )


@bp.post("/<int(max=2147483647):notification_id>/open")
@login_required
def open_one(notification_id: int) -> ResponseReturnValue:
    """Mark the notification read and go to its process's page (back to the list if it has none)."""
    with session_scope() as db:
        try:
            notifications_crud.mark_read(session=db, user=g.user, notification_ids=[notification_id])
        except ValidationFailed:
            abort(404, "No notification with that id among yours.")
        notification = db.get(Notification, notification_id)
        assert notification is not None  # mark_read found it among the user's
    target = page_of(notification)
    return redirect(target) if target else _back()


@bp.post("/read")
@login_required
def mark_read() -> ResponseReturnValue:
    """Mark one notification read (``notification_id``) or all of the user's (``all``)."""
    notification_ids: list[int] | None = None
    if request.form.get("all") != "1":
        notification_id = id_value(request.form.get("notification_id", ""))
        if notification_id is None:
            flash("Notification: choose one to mark read.", "error")
            return _back()
        notification_ids = [notification_id]
    with session_scope() as db:
        try:
            marked = notifications_crud.mark_read(
                session=db, user=g.user, notification_ids=notification_ids
            )
        except ValidationFailed:
            abort(404, "No notification with that id among yours.")
    if notification_ids is None:
        flash(f"{marked} notification{'s' if marked != 1 else ''} marked read.", "success")
    return _back()


from web import webhook_pages  # noqa: E402,F401  (registers the webhook and delivery pages)
