"""Webhook subscriptions: a partner's (hears its own events) or an integrator's (every event of
the chosen types). The signing secret is made here and shown once, when the subscription is made.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from store.crud._common import parse, refuse, require_exists
from store.crud.notifications import Reader
from store.crud.records import append_audit_event
from store.models import Partner, Role, WebhookSubscription, WebhookSubscriptionCreate, utcnow

# The vendor's people who register integrations: they manage the integrators' subscriptions.
INTEGRATOR_ROLES = frozenset({Role.ADMIN, Role.PARTNER_OPS})


@dataclass(frozen=True)
class Owner:
    """Whose subscriptions a person manages: a partner's, or the integrators' (``None``)."""

    partner_id: int | None


def subscription_owner(reader: Reader) -> Owner | None:
    """A partner's user manages its partner's subscriptions; partner operations and admins (of
    the vendor, with no partner) the integrators'; anyone else none."""
    if Role.PARTNER in reader.roles and reader.partner_id is not None:
        return Owner(reader.partner_id)
    if INTEGRATOR_ROLES & set(reader.roles) and reader.partner_id is None:
        return Owner(None)
    return None


def _audit(session: Session, subscription: WebhookSubscription, actor: str, action: str) -> None:
    """Who subscribed or unsubscribed which URL to what, kept with the rest of the audit trail."""
    append_audit_event(
        session=session,
        data={
            "process_type": "webhook",
            "process_id": f"webhook-{subscription.id}",
            "actor": actor,
            "action": action,
            "detail": {
                "url": subscription.url,
                "event_types": subscription.event_types,
                "partner_id": subscription.partner_id,
            },
            "idempotency_key": f"webhook-{subscription.id}/{action}",
        },
    )


def _checked_url(url: str, *, allow_http: bool) -> str:
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        wanted = " or ".join(f"{scheme}://" for scheme in schemes)
        raise refuse("url", f"must be an absolute {wanted} address")
    if parts.username or parts.password:
        raise refuse("url", "must not carry a user name or password; the signature authenticates")
    return url


def create_subscription(
    *,
    session: Session,
    data: WebhookSubscriptionCreate | Mapping[str, Any],
    partner_id: int | None,
    created_by: str,
    allow_http: bool = False,
) -> WebhookSubscription:
    """Subscribe a URL to event types; ``partner_id`` None makes an integrator's subscription.

    Plain ``http://`` is refused unless ``allow_http`` (development and tests on loopback).
    """
    subscription_in = parse(WebhookSubscriptionCreate, data)
    url = _checked_url(subscription_in.url, allow_http=allow_http)
    require_exists(session, Partner, partner_id, "partner_id")
    subscription = WebhookSubscription(
        partner_id=partner_id,
        url=url,
        event_types=sorted({event.value for event in subscription_in.event_types}),
        description=subscription_in.description,
        secret=secrets.token_hex(32),
        created_by=created_by,
    )
    session.add(subscription)
    session.flush()
    _audit(session, subscription, created_by, "webhook.subscribed")
    return subscription


def list_subscriptions(
    *, session: Session, partner_id: int | None, include_revoked: bool = False
) -> list[WebhookSubscription]:
    """One owner's subscriptions: a partner's, or the integrators' (``partner_id`` None)."""
    query = select(WebhookSubscription).order_by(col(WebhookSubscription.id))
    if partner_id is None:
        query = query.where(col(WebhookSubscription.partner_id).is_(None))
    else:
        query = query.where(WebhookSubscription.partner_id == partner_id)
    if not include_revoked:
        query = query.where(col(WebhookSubscription.revoked_at).is_(None))
    return list(session.exec(query).all())


def get_subscription(
    *, session: Session, subscription_id: int, partner_id: int | None
) -> WebhookSubscription:
    """One owner's subscription; another owner's is refused exactly like one that does not exist."""
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None or subscription.partner_id != partner_id:
        raise refuse("subscription_id", f"no webhook subscription {subscription_id}")
    return subscription


def revoke_subscription(
    *, session: Session, subscription_id: int, partner_id: int | None, revoked_by: str
) -> WebhookSubscription:
    """Stop calling the subscription; its pending deliveries are dead-lettered by the dispatcher."""
    subscription = get_subscription(session=session, subscription_id=subscription_id, partner_id=partner_id)
    if subscription.revoked_at is None:
        subscription.revoked_at = utcnow()
        session.add(subscription)
        session.flush()
        _audit(session, subscription, revoked_by, "webhook.revoked")
    return subscription


def listening(*, session: Session, event_type: str) -> list[WebhookSubscription]:
    """Live subscriptions that hear ``event_type``."""
    query = select(WebhookSubscription).where(col(WebhookSubscription.revoked_at).is_(None))
    return [sub for sub in session.exec(query).all() if event_type in sub.event_types]
