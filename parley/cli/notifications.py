"""``parley webhooks list|add|revoke`` and ``parley notifications list``: the database directly,
as the user ``--as`` names (the convention of the other commands until users sign in to the CLI).

Whose subscriptions ``--as`` manages follows the API's rule (``web.api.webhooks.webhook_owner``):
a partner user its partner's, partner_ops or admin the integrators'; anyone else is refused. The
signing secret is printed by ``add`` and never again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from parley.cli.console import fail, friendly_errors, when
from store.models.enums import EventType

if TYPE_CHECKING:  # the data layer loads only when a command runs
    from store.models import User, WebhookSubscription



def _user(actor: str) -> User:
    from store.crud import users as users_crud
    from store.engine import session_scope

    with session_scope() as db:
        user = users_crud.get_user_by_username(session=db, username=actor)
    if user is None or not user.active:
        fail(f"--as: no active user {actor!r}")
        raise AssertionError("unreachable")
    return user


def _owner(actor: str) -> tuple[User, int | None]:
    """The acting user and whose subscriptions they manage (a partner's id, or None)."""
    from store.crud.webhooks import subscription_owner

    user = _user(actor)
    owner = subscription_owner(user)
    if owner is not None:
        return user, owner.partner_id
    fail(f"--as: {actor} is neither a partner's user nor partner_ops or admin, who manage webhooks")
    raise AssertionError("unreachable")


def _line(sub: WebhookSubscription) -> str:
    status = f"revoked {when(sub.revoked_at)}" if sub.revoked_at else "active"
    return f"#{sub.id:<5} {status:<10} {sub.url}  [{', '.join(sub.event_types)}]  by {sub.created_by}"


@click.group("webhooks")
def webhooks_group() -> None:
    """Webhook subscriptions: a partner's (its own events) or the integrators' (every event)."""


acting = click.option(
    "--as",
    "actor",
    required=True,
    help="A partner's user (its partner's), or partner_ops/admin (integrators').",
)


@webhooks_group.command("list")
@acting
@click.option("--all", "include_revoked", is_flag=True, help="Revoked subscriptions too.")
@friendly_errors
def list_webhooks(actor: str, include_revoked: bool) -> None:
    """The subscriptions ``--as`` manages."""
    from store.crud import webhooks as webhooks_crud
    from store.engine import session_scope

    _, partner_id = _owner(actor)
    with session_scope() as db:
        rows = webhooks_crud.list_subscriptions(
            session=db, partner_id=partner_id, include_revoked=include_revoked
        )
    for row in rows:
        click.echo(_line(row))
    whose = "the integrators" if partner_id is None else f"partner {partner_id}"
    click.echo(f"{len(rows)} subscription(s) of {whose}")


@webhooks_group.command("add")
@acting
@click.option("--url", required=True, help="https:// (http:// only where PARLEY_WEBHOOK_ALLOW_HTTP is set).")
@click.option(
    "--event", "events", multiple=True, required=True, type=click.Choice([e.value for e in EventType]),
    help="An event type to hear; repeatable.",
)  # fmt: skip
@click.option("--description", default="")
@friendly_errors
def add_webhook(actor: str, url: str, events: tuple[str, ...], description: str) -> None:
    """Subscribe a URL; prints its signing secret, this once."""
    from parley.settings import get_settings
    from store.crud import webhooks as webhooks_crud
    from store.engine import session_scope

    user, partner_id = _owner(actor)
    with session_scope() as db:
        sub = webhooks_crud.create_subscription(
            session=db,
            data={"url": url, "event_types": list(events), "description": description},
            partner_id=partner_id,
            created_by=user.username,
            allow_http=get_settings().webhook_allow_http,
        )
    click.echo(_line(sub))
    click.echo(f"secret: {sub.secret}")
    click.echo("(shown this once: the receiver checks each call's signature with it)")


@webhooks_group.command("revoke")
@click.argument("subscription_id", type=click.IntRange(1, 2**31 - 1))
@acting
@friendly_errors
def revoke_webhook(subscription_id: int, actor: str) -> None:
    """Stop calling a subscription's URL (another owner's is refused as unknown)."""
    from store.crud import webhooks as webhooks_crud
    from store.engine import session_scope

    user, partner_id = _owner(actor)
    with session_scope() as db:
        sub = webhooks_crud.revoke_subscription(
            session=db, subscription_id=subscription_id, partner_id=partner_id, revoked_by=user.username
        )
    click.echo(_line(sub))


@click.group("notifications")
def notifications_group() -> None:
    """A user's in-app notifications."""


@notifications_group.command("list")
@click.option("--as", "actor", required=True, help="Whose notifications.")
@click.option("--unread", is_flag=True, help="Only those not read yet.")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@friendly_errors
def list_notifications(actor: str, unread: bool, limit: int) -> None:
    """Newest first; ``*`` marks an unread one."""
    from parley.notify.payload import process_url
    from parley.settings import get_settings
    from store.crud import notifications as notifications_crud
    from store.engine import session_scope

    user = _user(actor)
    base_url = get_settings().resolved_public_url
    with session_scope() as db:
        found = notifications_crud.notifications_for(
            session=db, user=user, unread_only=unread, per_page=limit
        )
        count = notifications_crud.unread_count(session=db, user=user)
    for notification, read in found.items:
        mark = " " if read else "*"
        url = process_url(notification, base_url)
        click.echo(
            f"{mark} #{notification.id:<6} {when(notification.created_at)}  {notification.event_type:<32} "
            f"{notification.subject}{'  ' + url if url else ''}"
        )
    more = found.total > len(found.items)
    shown = f" ({len(found.items)} of {found.total} shown; raise --limit for more)" if more else ""
    click.echo(f"{count} unread{shown}")


def register(group: click.Group) -> None:
    group.add_command(webhooks_group)
    group.add_command(notifications_group)
