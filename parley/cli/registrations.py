"""``parley register`` and ``parley registrations list|show|decide|extend|close|withdraw``.

Every command goes through the typed registration client, as the web app does; ``list`` reads
Temporal's visibility store (search attributes), ``show`` asks the process itself (a query).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

from parley.cli.console import echo_history, friendly_errors, when
from parley.cli.tasks import add_task_commands
from workflows.registration.vocabulary import DECISIONS

if TYPE_CHECKING:  # the client pulls in Temporal and the workflows: imported when a command runs
    from parley.clients.registration import RegistrationClient
    from workflows.registration.types import RegistrationView

T = TypeVar("T")


def _call(action: Callable[[RegistrationClient], Awaitable[T]]) -> T:
    from parley.clients.registration import with_client
    from parley.settings import get_settings

    return asyncio.run(with_client(get_settings(), action))


def echo_view(view: RegistrationView, *, history: bool = True) -> None:
    sub = view.submission
    click.echo(f"{view.workflow_id}: {view.state}")
    click.echo(f"  partner {sub.partner_id}, {sub.account_name} ({sub.account_domain or 'no domain'})")
    click.echo(f"  {sub.product_line} in {sub.territory} / {sub.vertical}, value {sub.deal_value:,.0f}")
    click.echo(
        f"  rulebook {view.rulebook_version}, submitted {when(view.submitted_at)} by {sub.submitted_by}"
    )
    if view.expires_at:
        click.echo(f"  protected until {when(view.expires_at)} (extensions used: {view.extensions_used})")
    for reason in view.reasons:
        click.echo(f"  - {reason.code}: {reason.text}")
    if view.open_task:
        task = view.open_task
        due = f", due {when(task.due_at)}" if task.due_at else ""
        click.echo(
            f"  open task {task.task_id}: {task.kind} for {task.role} (level {task.escalation_level}){due}"
        )
    if view.extensions and not view.extensions[-1].granted:
        click.echo(
            "  last extension request refused: " + "; ".join(r.text for r in view.extensions[-1].reasons)
        )
    if history:
        echo_history(view.history, 24)


@click.command("register")
@click.option("--partner-id", type=int, required=True)
@click.option(
    "--key", "request_key", required=True, help="Your own key: retrying with it finds the same process."
)
@click.option("--account", "account_name", required=True, help="End customer's company name.")
@click.option("--domain", "account_domain", default=None, help="End customer's web domain.")
@click.option("--territory", required=True)
@click.option("--vertical", required=True)
@click.option("--product-line", required=True)
@click.option("--value", "deal_value", type=float, required=True, help="Deal value.")
@click.option("--as", "actor", required=True, help="User name of the person registering.")
@friendly_errors
def register_command(
    partner_id: int,
    request_key: str,
    account_name: str,
    account_domain: str | None,
    territory: str,
    vertical: str,
    product_line: str,
    deal_value: float,
    actor: str,
) -> None:
    """Register a deal; prints the rules' decision (or the approval it waits for)."""
    from workflows.registration.types import RegistrationSubmission

    submission = RegistrationSubmission(
        partner_id=partner_id,
        request_key=request_key,
        account_name=account_name,
        account_domain=account_domain,
        territory=territory,
        vertical=vertical,
        product_line=product_line,
        deal_value=deal_value,
        submitted_by=actor,
    )
    echo_view(_call(lambda c: c.start(submission)), history=False)


@click.group("registrations")
def registrations_group() -> None:
    """Deal registrations: list, show and act on them."""


@registrations_group.command("list")
@click.option("--state", default=None, help="e.g. pending_approval, approved, expired.")
@click.option("--partner-id", type=int, default=None)
@click.option("--territory", default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@friendly_errors
def list_command(state: str | None, partner_id: int | None, territory: str | None, limit: int) -> None:
    """Registrations Temporal knows, by their search attributes (newest first)."""
    rows = _call(lambda c: c.list(state=state, partner_id=partner_id, territory=territory, limit=limit))
    if not rows:
        click.echo("no registrations found")
        return
    for row in rows:
        due = when(row.due_at) if row.due_at else "-"
        click.echo(
            f"{row.workflow_id:48} {row.state:17} partner {row.partner:>5} {row.territory:10} due {due}"
        )


@registrations_group.command("show")
@click.argument("workflow_id")
@friendly_errors
def show_command(workflow_id: str) -> None:
    """The full state of one registration and its history."""
    echo_view(_call(lambda c: c.get(workflow_id)))


@registrations_group.command("extend")
@click.argument("workflow_id")
@click.option("--as", "actor", required=True)
@click.option("--comment", default="")
@friendly_errors
def extend_command(workflow_id: str, actor: str, comment: str) -> None:
    """Ask for an extension of the protection period."""
    from workflows.registration.types import ExtendInput

    echo_view(_call(lambda c: c.extend(workflow_id, ExtendInput(actor, comment))), history=False)


@registrations_group.command("close")
@click.argument("workflow_id")
@click.argument("outcome", type=click.Choice(["won", "lost"]))
@click.option("--as", "actor", required=True)
@click.option("--comment", default="")
@friendly_errors
def close_command(workflow_id: str, outcome: str, actor: str, comment: str) -> None:
    """Close an approved registration won or lost."""
    echo_view(_call(lambda c: c.close(workflow_id, actor, outcome, comment)), history=False)


@registrations_group.command("withdraw")
@click.argument("workflow_id")
@click.option("--as", "actor", required=True)
@click.option("--comment", default="")
@friendly_errors
def withdraw_command(workflow_id: str, actor: str, comment: str) -> None:
    """Withdraw a registration (pending or approved); the account is released."""
    echo_view(_call(lambda c: c.withdraw(workflow_id, actor, comment)), history=False)


def register(group: click.Group) -> None:
    group.add_command(register_command)
    group.add_command(registrations_group)


add_task_commands(registrations_group, DECISIONS, _call, echo_view)
