"""``/api/v1/webhooks``: register, list, read and revoke webhook subscriptions, and read each
one's delivery log.

Whose subscriptions a caller manages comes from the token, never from the body
(``store.crud.webhooks.subscription_owner``): a partner user its partner's (they hear that
partner's events and the program-wide ones), partner operations and admins the integrators'
(``partner_id`` null: every event of the chosen types, for the vendor's systems). Anyone else is
refused (403). Another owner's subscription answers 404 exactly like one that does not exist.
The signing secret is in the answer that creates the subscription and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response, g
from sqlmodel import Session, col, select

from parley.errors import FieldProblem, ValidationFailed
from parley.settings import get_settings
from store.crud import deliveries as deliveries_crud
from store.crud import webhooks as webhooks_crud
from store.crud.webhooks import Owner
from store.engine import session_scope
from store.models import Delivery, Notification, WebhookSubscription
from web.api import bp, json_body, query_args, reply
from web.api.errors import ApiError
from web.api.notification_schemas import (
    DeliveryOut,
    DeliveryPage,
    DeliveryQuery,
    WebhookCreated,
    WebhookIn,
    WebhookList,
    WebhookOut,
    WebhookQuery,
)
from web.api.schemas import MAX_ID


def own_subscription(db: Session, owner: Owner, subscription_id: int) -> WebhookSubscription:
    """The owner's subscription; another owner's, or none, raises ``ValidationFailed``
    naming ``subscription_id`` (the same words either way)."""
    if subscription_id > MAX_ID:  # no row has it: never a query
        raise ValidationFailed(
            [FieldProblem("subscription_id", f"no webhook subscription {subscription_id}")]
        )
    return webhooks_crud.get_subscription(
        session=db, subscription_id=subscription_id, partner_id=owner.partner_id
    )


def deliveries_out(db: Session, rows: Sequence[Delivery]) -> list[DeliveryOut]:
    """Delivery rows with the event each one carries (one query for the page's notifications)."""
    ids = {row.notification_id for row in rows}
    notifications = {n.id: n for n in db.exec(select(Notification).where(col(Notification.id).in_(ids)))}
    items = []
    for row in rows:
        notification = notifications[row.notification_id]
        items.append(
            DeliveryOut(
                id=row.id or 0,
                event_type=notification.event_type,
                event_id=notification.event_key,
                state=row.state,
                attempts=row.attempts,
                last_error=row.last_error,
                created_at=row.created_at,
                last_attempt_at=row.last_attempt_at,
                delivered_at=row.delivered_at,
            )
        )
    return items


def _owner() -> Owner:
    owner = webhooks_crud.subscription_owner(g.user)
    if owner is None:
        raise ApiError.field(
            403, "role", "only partner users, partner_ops or admin manage webhook subscriptions"
        )
    return owner


def _found(db: Session, owner: Owner, subscription_id: int) -> WebhookSubscription:
    try:
        return own_subscription(db, owner, subscription_id)
    except ValidationFailed as exc:
        raise ApiError(404, str(exc), exc.problems) from None


@bp.get("/webhooks")
def list_webhooks() -> Response:
    query = query_args(WebhookQuery)
    owner = _owner()
    with session_scope() as db:
        rows = webhooks_crud.list_subscriptions(
            session=db, partner_id=owner.partner_id, include_revoked=query.include_revoked
        )
    return reply(WebhookList(items=[WebhookOut.model_validate(row) for row in rows]))


@bp.post("/webhooks")
def create_webhook() -> Response:
    """Subscribe a URL to event types; the answer (201) holds the signing secret, once."""
    owner = _owner()
    body = json_body(WebhookIn)
    with session_scope() as db:
        subscription = webhooks_crud.create_subscription(
            session=db,
            data=body.model_dump(),
            partner_id=owner.partner_id,
            created_by=g.user.username,
            allow_http=get_settings().webhook_allow_http,
        )
    response = reply(WebhookCreated.model_validate(subscription), 201)
    response.headers["Cache-Control"] = "no-store"  # the secret must not linger in a cache
    return response


@bp.get("/webhooks/<int:subscription_id>")
def get_webhook(subscription_id: int) -> Response:
    owner = _owner()
    with session_scope() as db:
        subscription = _found(db, owner, subscription_id)
    return reply(WebhookOut.model_validate(subscription))


@bp.delete("/webhooks/<int:subscription_id>")
def revoke_webhook(subscription_id: int) -> Response:
    """Stop calling the URL (204; revoking a revoked subscription changes nothing)."""
    owner = _owner()
    with session_scope() as db:
        _found(db, owner, subscription_id)
        webhooks_crud.revoke_subscription(
            session=db,
            subscription_id=subscription_id,
            partner_id=owner.partner_id,
            revoked_by=g.user.username,
        )
    return Response(status=204)


@bp.get("/webhooks/<int:subscription_id>/deliveries")
def webhook_deliveries(subscription_id: int) -> Response:
    """The subscription's delivery log, newest first (``state`` narrows it)."""
    query = query_args(DeliveryQuery)
    owner = _owner()
    with session_scope() as db:
        _found(db, owner, subscription_id)
        found = deliveries_crud.list_deliveries(
            session=db,
            state=None if query.state is None else str(query.state),
            subscription_ids=[subscription_id],
            page=query.page,
            per_page=query.per_page,
        )
        items = deliveries_out(db, found.items)
    return reply(DeliveryPage(items=items, total=found.total, page=found.page, per_page=found.per_page))
