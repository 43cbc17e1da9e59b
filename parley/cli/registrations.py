"""``parley register`` and ``parley registrations list|show|decide|answer|extend|close|withdraw``.

Every command goes through the JSON API as the token's user (``parley.cli.api``): the API checks
what they may do and records it as them. ``list`` reads the API's listing (the database
projection), ``show`` the process itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from parley.cli.api import call
from parley.cli.console import echo_history, friendly_errors, when
from parley.cli.tasks import add_task_commands
from workflows.registration.vocabulary import DECISIONS

if TYPE_CHECKING:
    from parley.http import ParleyClient
    from parley.http.models import Registration


def echo_view(view: Registration, *, history: bool = True) -> None:
    click.echo(f"{view.workflow_id}: {view.state}")
    click.echo(f"  partner {view.partner_id}, {view.account_name} ({view.account_domain or 'no domain'})")
    click.echo(f"  {view.product_line} in {view.territory} / {view.vertical}, value {view.deal_value:,.0f}")
    click.echo(f"  rulebook {view.rulebook_version}, submitted {when(view.submitted_at)}")
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
        if task.question:
            click.echo(f"  question: {task.question}")
    if view.extensions and not view.extensions[-1].granted:
        click.echo("  last extension request refused: " + ", ".join(view.extensions[-1].reason_codes))
    if history:
        echo_history(view.history, 24)


def _read(client: ParleyClient, workflow_id: str) -> Registration:
    return client.registration(workflow_id)


def _answer(client: ParleyClient, workflow_id: str, text: str) -> Registration:
    return client.answer_registration(workflow_id, text)


@click.command("register")
@click.option(
    "--partner-id",
    type=int,
    default=None,
    help="Only for integrators acting for a partner; partner users omit it.",
)
@click.option(
    "--key", "request_key", required=True, help="Your own key: retrying with it finds the same process."
)
@click.option("--account", "account_name", required=True, help="End customer's company name.")
@click.option("--domain", "account_domain", default=None, help="End customer's web domain.")
@click.option("--territory", required=True)
@click.option("--vertical", required=True)
@click.option("--product-line", required=True)
@click.option("--value", "deal_value", type=float, required=True, help="Deal value.")
@click.option("--notes", default=None, help="For the approver.")
@friendly_errors
def register_command(
    partner_id: int | None,
    request_key: str,
    account_name: str,
    account_domain: str | None,
    territory: str,
    vertical: str,
    product_line: str,
    deal_value: float,
    notes: str | None,
) -> None:
    """Register a deal as the token's user; prints the rules' decision (or the approval it waits for)."""
    view = call(
        lambda c: c.register(
            request_key=request_key,
            account_name=account_name,
            account_domain=account_domain,
            territory=territory,
            vertical=vertical,
            product_line=product_line,
            deal_value=deal_value,
            notes=notes,
            partner_id=partner_id,
        )
    )
    echo_view(view, history=False)


@click.group("registrations")
def registrations_group() -> None:
    """Deal registrations: list, show and act on them."""


@registrations_group.command("list")
@click.option("--state", default=None, help="e.g. pending_approval, approved, expired.")
@click.option("--partner-id", type=int, default=None)
@click.option("--account", default=None, help="Part of the account's name.")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@friendly_errors
def list_command(state: str | None, partner_id: int | None, account: str | None, limit: int) -> None:
    """Registrations the token's user may see, newest first."""
    page = call(
        lambda c: c.registrations(state=state, partner_id=partner_id, account=account, per_page=limit)
    )
    if not page.items:
        click.echo("no registrations found")
        return
    for row in page.items:
        until = f"protected until {when(row.expires_at)}" if row.expires_at else ""
        partner = row.partner_id or "-"
        click.echo(f"{row.workflow_id:48} {row.state:17} partner {partner:>5} {row.territory:10} {until}")
    if page.total > len(page.items):
        click.echo(f"({len(page.items)} of {page.total}; raise --limit for more)")


@registrations_group.command("show")
@click.argument("workflow_id")
@friendly_errors
def show_command(workflow_id: str) -> None:
    """The full state of one registration and its history."""
    echo_view(call(lambda c: c.registration(workflow_id)))


@registrations_group.command("extend")
@click.argument("workflow_id")
@click.option("--comment", default="")
@friendly_errors
def extend_command(workflow_id: str, comment: str) -> None:
    """Ask for an extension of the protection period."""
    echo_view(call(lambda c: c.extend_registration(workflow_id, comment)), history=False)


@registrations_group.command("close")
@click.argument("workflow_id")
@click.argument("outcome", type=click.Choice(["won", "lost"]))
@click.option("--comment", default="")
@friendly_errors
def close_command(workflow_id: str, outcome: str, comment: str) -> None:
    """Close an approved registration won or lost."""
    echo_view(call(lambda c: c.close_registration(workflow_id, outcome, comment)), history=False)


@registrations_group.command("withdraw")
@click.argument("workflow_id")
@click.option("--comment", default="")
@friendly_errors
def withdraw_command(workflow_id: str, comment: str) -> None:
    """Withdraw a registration (pending or approved); the account is released."""
    echo_view(call(lambda c: c.withdraw_registration(workflow_id, comment)), history=False)


def register(group: click.Group) -> None:
    group.add_command(register_command)
    group.add_command(registrations_group)


add_task_commands(registrations_group, DECISIONS, _read, echo_view, answer=_answer)
