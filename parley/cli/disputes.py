"""``parley dispute open|show|list|statement|withdraw|decide|escalate``.

Every command goes through the JSON API as the token's user (``parley.cli.api``): a partner
contests its own registration, an approver opens one for the partner, direct sales contests a
partner's. What each reads is the API's: a partner sees its own side whole and the other as
"another partner" or "direct sales"; staff see both sides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from parley.cli.api import call
from parley.cli.console import echo_history, friendly_errors, when
from parley.cli.tasks import add_task_commands
from workflows.dispute.vocabulary import DECISIONS

if TYPE_CHECKING:
    from parley.http import ParleyClient
    from parley.http.models import Dispute, Party

SIDE_NAMES = {"claimant": "contesting side", "respondent": "holding side", "path": "hearing it"}


def _party(party: Party) -> str:
    if party.party == "direct":
        return "direct sales"
    if party.partner_id is None:  # the other side, as a partner reads it
        return party.described_as or "another partner"
    domain = f" ({party.account_domain})" if party.account_domain else ""
    until = f", protected until {when(party.expires_at)}" if party.expires_at else ""
    return (
        f"{party.partner_name} (partner {party.partner_id}), registration {party.registration_id}, "
        f"{party.account_name!r}{domain}, now {party.state}{until}"
    )


def echo_view(view: Dispute, *, history: bool = True) -> None:
    level = ""
    if view.level is not None and view.levels:
        level = f", level {view.level} of {len(view.levels)} ({view.levels[view.level - 1]})"
    click.echo(f"{view.workflow_id}: {view.state}{level}")
    codes, words = ", ".join(view.contested_codes), "; ".join(view.contested)
    click.echo(f"  over {view.product_line}: contests {codes} ({words})")
    click.echo(f"  contesting: {_party(view.claimant)}")
    click.echo(f"  holding:    {_party(view.respondent)}")
    by = f" by {view.opened_by}" if view.opened_by else ""
    click.echo(f"  rulebook {view.rulebook_version}, opened {when(view.opened_at)}{by}")
    if view.levels:
        click.echo("  path: " + " -> ".join(view.levels))
    if view.hearing_until:
        given = ", ".join(view.statements_given) or "none yet"
        click.echo(f"  statements until {when(view.hearing_until)} (given: {given})")
    for task in view.open_tasks:
        due = f", due {when(task.due_at)}" if task.due_at else ""
        slot = f" ({task.slot})" if task.slot else ""
        click.echo(f"  open task {task.task_id}: {task.kind} for {task.role}{slot}{due}")
    if view.outcome is not None:
        click.echo(f"  outcome: {view.outcome.code}: {view.outcome.text}")
    if view.ended_because and view.state != "resolved":
        click.echo(f"  ended: {view.ended_because}")
    if view.thread:
        click.echo("  thread:")
        for entry in view.thread:
            side = SIDE_NAMES.get(entry.side, entry.side)
            click.echo(f"    {when(entry.at)}  {side:15} {entry.author}: {entry.text}")
    if history:
        echo_history(view.history, 22)


def _read(client: ParleyClient, workflow_id: str) -> Dispute:
    return client.dispute(workflow_id)


@click.group("dispute")
def dispute_group() -> None:
    """Disputes over conflict decisions: open, show, list and act on them."""


@dispute_group.command("open")
@click.option("--registration", "registration_id", required=True, help="The contested registration's id.")
@click.option("--statement", required=True, help="Why the decision should change.")
@friendly_errors
def open_command(registration_id: str, statement: str) -> None:
    """Contest a registration's conflict decision; prints the dispute, open to both parties."""
    echo_view(
        call(lambda c: c.open_dispute(registration_id=registration_id, statement=statement)), history=False
    )


@dispute_group.command("show")
@click.argument("workflow_id")
@friendly_errors
def show_command(workflow_id: str) -> None:
    """The full state of one dispute: the sides, the path, the thread and its history."""
    echo_view(call(lambda c: c.dispute(workflow_id)))


@dispute_group.command("list")
@click.option("--partner-id", type=int, default=None, help="Disputes this partner stands in (either side).")
@click.option("--state", default=None, help="opened, hearing, in_review, resolved, withdrawn, closed")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@friendly_errors
def list_command(partner_id: int | None, state: str | None, limit: int) -> None:
    """Disputes the token's user may see, newest first."""
    found = call(lambda c: c.disputes(partner_id=partner_id, state=state, per_page=limit))
    if not found.items:
        click.echo("no disputes found")
        return
    for row in found.items:
        sides = " vs ".join(
            "direct sales" if side.party == "direct" else f"partner {side.partner_id or '(another)'}"
            for side in (row.claimant, row.respondent)
        )
        level = f"level {row.level}" if row.level is not None else "-"
        settled = f" {row.resolution}" if row.resolution else ""
        click.echo(f"{row.workflow_id:30} {row.state:10} {level:8} {row.product_line:16} {sides}{settled}")
    if found.total > len(found.items):
        click.echo(f"({len(found.items)} of {found.total}; raise --limit for more)")


@dispute_group.command("statement")
@click.argument("workflow_id")
@click.argument("text")
@friendly_errors
def statement_command(workflow_id: str, text: str) -> None:
    """A party's statement (its first answers its call for one), or a comment of those hearing it."""
    echo_view(call(lambda c: c.dispute_statement(workflow_id, text)), history=False)


@dispute_group.command("withdraw")
@click.argument("workflow_id")
@click.option("--comment", default="")
@friendly_errors
def withdraw_command(workflow_id: str, comment: str) -> None:
    """The contesting side gives the dispute up; the contested decision stands."""
    echo_view(call(lambda c: c.withdraw_dispute(workflow_id, comment)), history=False)


add_task_commands(dispute_group, DECISIONS, _read, echo_view, escalates=True)


def register(group: click.Group) -> None:
    group.add_command(dispute_group)
