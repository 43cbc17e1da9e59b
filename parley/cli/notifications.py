"""``parley webhooks list|add|revoke`` and ``parley notifications list|read``, through the JSON
API as the token's user (``parley.cli.api``).

Whose subscriptions the token's user manages is the API's rule: a partner user its partner's,
partner_ops or admin the integrators'; anyone else is refused. The signing secret is printed by
``add`` and never again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from parley.cli.api import call
from parley.cli.console import fail, friendly_errors, when
from store.models.enums import EventType

if TYPE_CHECKING:
    from parley.http import ParleyClient
    from parley.http.models import Webhook


def _line(sub: Webhook) -> str:
    status = f"revoked {when(sub.revoked_at)}" if sub.revoked_at else "active"
    return f"#{sub.id:<5} {status:<10} {sub.url}  [{', '.join(sub.event_types)}]  by {sub.created_by}"


@click.group("webhooks")
def webhooks_group() -> None:
    """Webhook subscriptions: a partner's (its own events) or the integrators' (every event)."""


@webhooks_group.command("list")
@click.option("--all", "include_revoked", is_flag=True, help="Revoked subscriptions too.")
@friendly_errors
def list_webhooks(include_revoked: bool) -> None:
    """The subscriptions the token's user manages."""

    def read(client: ParleyClient) -> tuple[int | None, list[Webhook]]:
        return client.me().partner_id, client.webhooks(include_revoked=include_revoked).items

    partner_id, rows = call(read)
    for row in rows:
        click.echo(_line(row))
    whose = "the integrators" if partner_id is None else f"partner {partner_id}"
    click.echo(f"{len(rows)} subscription(s) of {whose}")


@webhooks_group.command("add")
@click.option("--url", required=True, help="https:// (http:// only where PARLEY_WEBHOOK_ALLOW_HTTP is set).")
@click.option(
    "--event", "events", multiple=True, required=True, type=click.Choice([e.value for e in EventType]),
    help="An event type to hear; repeatable.",
)  # fmt: skip
@click.option("--description", default="")
@friendly_errors
def add_webhook(url: str, events: tuple[str, ...], description: str) -> None:
    """Subscribe a URL; prints its signing secret, this once."""
    sub = call(lambda c: c.add_webhook(url=url, event_types=list(events), description=description))
    click.echo(_line(sub))
    click.echo(f"secret: {sub.secret}")
    click.echo("(shown this once: the receiver checks each call's signature with it)")


@webhooks_group.command("revoke")
@click.argument("subscription_id", type=click.IntRange(1, 2**31 - 1))
@friendly_errors
def revoke_webhook(subscription_id: int) -> None:
    """Stop calling a subscription's URL (another owner's is refused as unknown)."""

    def revoke(client: ParleyClient) -> Webhook:
        client.revoke_webhook(subscription_id)
        return client.webhook(subscription_id)

    click.echo(_line(call(revoke)))


@click.group("notifications")
def notifications_group() -> None:
    """The token's user's in-app notifications."""


@notifications_group.command("list")
@click.option("--unread", is_flag=True, help="Only those not read yet.")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@friendly_errors
def list_notifications(unread: bool, limit: int) -> None:
    """Newest first; ``*`` marks an unread one."""
    found = call(lambda c: c.notifications(unread=unread or None, per_page=limit))
    for notification in found.items:
        mark = " " if notification.read else "*"
        url = notification.process.url if notification.process and notification.process.url else ""
        click.echo(
            f"{mark} #{notification.id:<6} {when(notification.occurred_at)}  {notification.type:<32} "
            f"{notification.subject}{'  ' + url if url else ''}"
        )
    more = found.total > len(found.items)
    shown = f" ({len(found.items)} of {found.total} shown; raise --limit for more)" if more else ""
    click.echo(f"{found.unread_count} unread{shown}")


@notifications_group.command("read")
@click.argument("notification_ids", type=click.IntRange(1, 2**31 - 1), nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Every one of mine.")
@friendly_errors
def read_notifications(notification_ids: tuple[int, ...], everything: bool) -> None:
    """Mark notifications read (by number), or ``--all``."""
    if everything == bool(notification_ids):
        fail("notification_ids: give the notifications' numbers, or --all")
    marked = call(lambda c: c.mark_read(list(notification_ids) or None, all=everything))
    click.echo(f"{marked.marked} marked read, {marked.unread_count} unread")


def register(group: click.Group) -> None:
    group.add_command(webhooks_group)
    group.add_command(notifications_group)
