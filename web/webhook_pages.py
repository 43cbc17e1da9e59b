"""Webhook subscriptions and the delivery log as pages, on the notifications blueprint.

``/notifications/webhooks``: a partner's users manage their partner's subscriptions, partner
operations and admins the integrators' (the same rule as the API: ``web.api.webhooks``); the
signing secret is shown on the page that answers the creation and never again.
``/notifications/deliveries``: partner operations read the delivery log (dead letters first) and
put a dead-lettered delivery back in the queue.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import ValidationError
from sqlmodel import Session, col, select

from parley.errors import FieldProblem, ValidationFailed
from parley.settings import get_settings
from store.crud import deliveries as deliveries_crud
from store.crud import webhooks as webhooks_crud
from store.crud.webhooks import Owner
from store.engine import session_scope
from store.models import Notification, WebhookSubscription
from store.models.enums import DeliveryState, EventType
from web.api.errors import problems_from_pydantic
from web.api.notification_schemas import WebhookIn
from web.api.webhooks import deliveries_out, own_subscription
from web.auth import login_required
from web.notifications import PER_PAGE, bp
from web.paging import int_arg

NO_SUCH = "No webhook subscription with that id among yours."


def _flash(problems: list[FieldProblem]) -> None:
    for problem in problems:
        flash(f"{problem.path.replace('_', ' ').capitalize()}: {problem.message}.", "error")


def _owner() -> Owner:
    owner = webhooks_crud.subscription_owner(g.user)
    if owner is None:
        abort(403, "Webhooks are managed by partner users and partner operations; your account is neither.")
    return owner


def _found(db: Session, owner: Owner, subscription_id: int) -> WebhookSubscription:
    try:
        return own_subscription(db, owner, subscription_id)
    except ValidationFailed:
        abort(404, NO_SUCH)


def _list(owner: Owner, form: Mapping[str, object] | None = None, status: int = 200) -> ResponseReturnValue:
    with session_scope() as db:
        rows = webhooks_crud.list_subscriptions(session=db, partner_id=owner.partner_id, include_revoked=True)
    return render_template(
        "notifications/webhooks.html", rows=rows, owner=owner, form=form or {}, event_types=list(EventType),
        allow_http=get_settings().webhook_allow_http,
    ), status  # fmt: skip


@bp.get("/webhooks")
@login_required
def webhooks() -> ResponseReturnValue:
    return _list(_owner())


@bp.post("/webhooks")
@login_required
def create_webhook() -> ResponseReturnValue:
    owner = _owner()
    form: dict[str, object] = {
        "url": request.form.get("url", ""),
        "event_types": request.form.getlist("event_types"),
        "description": request.form.get("description", ""),
    }
    try:
        body = WebhookIn.model_validate(form)
        with session_scope() as db:
            subscription = webhooks_crud.create_subscription(
                session=db, data=body.model_dump(), partner_id=owner.partner_id, created_by=g.user.username,
                allow_http=get_settings().webhook_allow_http,
            )  # fmt: skip
    except ValidationError as exc:
        _flash(problems_from_pydantic(exc))
        return _list(owner, form, 422)
    except ValidationFailed as exc:
        _flash(exc.problems)
        return _list(owner, form, 422)
    # Shown here, once: a redirect would carry the secret through the session cookie.
    page = render_template("notifications/webhook_created.html", subscription=subscription)
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/webhooks/<int(max=2147483647):subscription_id>")
@login_required
def webhook(subscription_id: int) -> ResponseReturnValue:
    owner = _owner()
    number = int_arg("page", 1) or 1
    with session_scope() as db:
        subscription = _found(db, owner, subscription_id)
        try:
            found = deliveries_crud.list_deliveries(
                session=db, subscription_ids=[subscription_id], page=number, per_page=PER_PAGE
            )
        except ValidationFailed:
            abort(404, "No such page.")
        items = deliveries_out(db, found.items)
    return render_template("notifications/webhook.html", subscription=subscription, items=items, page=found)


@bp.post("/webhooks/<int(max=2147483647):subscription_id>/revoke")
@login_required
def revoke_webhook(subscription_id: int) -> ResponseReturnValue:
    owner = _owner()
    with session_scope() as db:
        subscription = _found(db, owner, subscription_id)
        webhooks_crud.revoke_subscription(
            session=db,
            subscription_id=subscription_id,
            partner_id=owner.partner_id,
            revoked_by=g.user.username,
        )
    flash(f"Subscription {subscription.id} ({subscription.url}) is revoked: it is called no more.", "success")
    return redirect(url_for("notifications.webhooks"))


# --- the delivery log, for partner operations ---------------------------------------------------


def _ops() -> None:
    if not webhooks_crud.INTEGRATOR_ROLES & g.user.roles:
        abort(403, "The delivery log is for partner operations; your account has no partner_ops role.")


@bp.get("/deliveries")
@login_required
def deliveries() -> ResponseReturnValue:
    """The delivery log, newest first: the dead letters unless another state (or any) is asked."""
    _ops()
    state = request.args.get("state", DeliveryState.DEAD)
    if state not in {"", *DeliveryState}:
        state = DeliveryState.DEAD
    number = int_arg("page", 1) or 1
    with session_scope() as db:
        try:
            found = deliveries_crud.list_deliveries(
                session=db, state=state or None, page=number, per_page=PER_PAGE
            )
        except ValidationFailed:
            abort(404, "No such page.")
        ids = {row.notification_id for row in found.items}
        notifications = {n.id: n for n in db.exec(select(Notification).where(col(Notification.id).in_(ids)))}
    rows = [(row, notifications[row.notification_id]) for row in found.items]
    return render_template(
        "notifications/deliveries.html", rows=rows, page=found, state=state, states=list(DeliveryState)
    )


@bp.post("/deliveries/<int(max=2147483647):delivery_id>/retry")
@login_required
def retry_delivery(delivery_id: int) -> ResponseReturnValue:
    """Put a dead-lettered delivery back in the queue: the dispatcher attempts it afresh."""
    _ops()
    try:
        with session_scope() as db:
            delivery = deliveries_crud.retry_delivery(session=db, delivery_id=delivery_id)
        flash(f"Delivery {delivery_id} to {delivery.target} is queued again.", "success")
    except ValidationFailed as exc:
        _flash(exc.problems)
    state = request.form.get("state", DeliveryState.DEAD)
    return redirect(
        url_for("notifications.deliveries", state=state if state in {"", *DeliveryState} else None)
    )
