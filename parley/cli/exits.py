"""``parley exit start|show|list|cancel|decide|choose``: a partner's exit from the program.

Every command goes through the JSON API as the token's user (``parley.cli.api``): partner
operations start, cancel and choose transferees; a second person of the rulebook's role approves
a for-cause exit. ``list`` reads the API's listing, ``show`` the process itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from parley.cli.api import call
from parley.cli.console import echo_history, fail, friendly_errors, when
from parley.cli.tasks import add_task_commands
from store.models.enums import ExitState
from workflows.exit.vocabulary import DECISIONS

if TYPE_CHECKING:
    from parley.http import ParleyClient
    from parley.http.models import Disposition as DispositionView
    from parley.http.models import Exit as ExitView
    from parley.http.models import ExitRow

EXIT_TYPES = "voluntary, for_cause or program_change"
# The view's dates in the order they come, and what each one means.
TIMELINE = (
    ("notice given", "notice_given_at"),
    ("notice ends", "notice_ends_at"),
    ("access revoked", "access_revoked_at"),
    ("MDF ends", "mdf_ends_at"),
    ("commission ends", "commission_ends_at"),
    ("wind-down ends", "ends_at"),
)
IN_EFFECT = frozenset({"notice", "winding_down", "completed"})


def _disposition(item: DispositionView) -> None:
    until = f", protected until {when(item.expires_at)}" if item.expires_at else ""
    click.echo(
        f"    {item.registration_id}: {item.disposition} ({item.state}), effective {when(item.effective_at)}"
        f"; registration {item.registration_state or '-'}{until}"
    )
    if item.transferee_partner_id is not None:
        taken = f" as {item.transferee_registration_id}" if item.transferee_registration_id else ""
        click.echo(f"      taken over by partner {item.transferee_partner_id}{taken}")
    for reason in item.reasons:
        click.echo(f"      - {reason.code}: {reason.text}")


def echo_view(view: ExitView, *, history: bool = True) -> None:
    click.echo(f"{view.workflow_id}: {view.state} ({view.exit_type} exit)")
    name = f" {view.partner_name}" if view.partner_name else ""
    by = f", started by {view.started_by}" if view.started_by else ""
    click.echo(f"  partner {view.partner_id}{name}{by}")
    click.echo(f"  why: {view.why}")
    click.echo(f"  rulebook {view.rulebook_version}")
    if view.approval_role:
        by = f"approved by {view.approved_by}" if view.approved_by else "not approved yet"
        click.echo(f"  approval: {view.approval_role}, {by}")
    if view.state in IN_EFFECT:
        for label, name in TIMELINE:
            unknown = " (set when notice ends)" if name == "ends_at" and view.ends_at is None else ""
            click.echo(f"  {label + ':':17}{when(getattr(view, name))}{unknown}")
    elif view.notice_given_at is not None:  # cancelled during notice: the rest never came
        click.echo(f"  {'notice given:':17}{when(view.notice_given_at)}")
    if view.dispositions:
        click.echo(f"  registrations ({len(view.dispositions)}):")
        for item in view.dispositions:
            _disposition(item)
    elif view.notice_given_at is not None and view.state not in ("cancelled", "refused"):
        click.echo("  registrations: none open")
    for task in view.open_tasks:
        due = f", due {when(task.due_at)}" if task.due_at else ""
        about = ""
        if task.kind == "exit.transferee" and task.escalation_level < len(view.dispositions):
            # A transferee task's level is the index of the registration it is about.
            about = f", registration {view.dispositions[task.escalation_level].registration_id}"
        click.echo(f"  open task {task.task_id}: {task.kind} for {task.role}{about}{due}")
    if view.ended_because and view.state in ("cancelled", "refused"):
        click.echo(f"  ended: {view.ended_because}")
    if history:
        echo_history(view.history, 25)


def _read(client: ParleyClient, workflow_id: str) -> ExitView:
    return client.exit_(workflow_id)


def _dates(row: ExitRow) -> str:
    """A listed exit's date: when it ended, when its notice or its wind-down ends, or when it opened."""
    if row.state in ("cancelled", "refused"):
        return f"ended {when(row.updated_at)}"
    if row.state == "notice" and row.notice_ends_at is not None:
        return f"notice ends {when(row.notice_ends_at)}"
    if row.ends_at is not None:
        return f"{'ended' if row.state == 'completed' else 'ends'} {when(row.ends_at)}"
    return f"opened {when(row.opened_at)}"


@click.group("exit")
def exit_group() -> None:
    """Partner exits: give a partner notice, follow its wind-down, act on its tasks."""


@exit_group.command("start")
@click.option("--partner-id", type=int, required=True, help="The partner leaving the program.")
@click.option("--type", "exit_type", required=True, help=EXIT_TYPES)
@click.option("--why", required=True, help="Why the partnership ends: the partner and the audit read it.")
@friendly_errors
def start_command(partner_id: int, exit_type: str, why: str) -> None:
    """Give a partner notice; prints the exit in notice with its plan, or awaiting its approval."""
    echo_view(
        call(lambda c: c.start_exit(partner_id=partner_id, exit_type=exit_type, why=why)), history=False
    )


@exit_group.command("show")
@click.argument("workflow_id")
@friendly_errors
def show_command(workflow_id: str) -> None:
    """The full state of one exit: its timeline, each registration's disposition, its history."""
    echo_view(call(lambda c: c.exit_(workflow_id)))


@exit_group.command("list")
@click.option("--partner-id", type=int, default=None)
@click.option("--state", default=None, help="One of " + ", ".join(ExitState) + ".")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@friendly_errors
def list_command(partner_id: int | None, state: str | None, limit: int) -> None:
    """Exits the token's user may see, newest first."""
    found = call(lambda c: c.exits(partner_id=partner_id, state=state, per_page=limit))
    if not found.items:
        click.echo("no exits found")
        return
    for row in found.items:
        partner = f"partner {row.partner_id}"
        dates = _dates(row)
        click.echo(f"{row.workflow_id:16} {row.state:17} {row.exit_type:14} {partner:40} {dates}")
    if found.total > len(found.items):
        click.echo(f"({len(found.items)} of {found.total}; raise --limit for more)")


@exit_group.command("cancel")
@click.argument("workflow_id")
@click.option("--reason", required=True, help="Why the exit is cancelled (the audit keeps it).")
@friendly_errors
def cancel_command(workflow_id: str, reason: str) -> None:
    """Cancel an exit while it awaits approval or its notice runs: the partner's status returns."""
    echo_view(call(lambda c: c.cancel_exit(workflow_id, reason)), history=False)


@exit_group.command("choose")
@click.argument("workflow_id")
@click.option("--registration", "registration_id", required=True, help="The registration's id (see show).")
@click.option("--partner-id", type=int, default=None, help="The partner that takes it over.")
@click.option("--direct", is_flag=True, help="Return it to direct sales instead.")
@click.option("--comment", default="")
@friendly_errors
def choose_command(
    workflow_id: str, registration_id: str, partner_id: int | None, direct: bool, comment: str
) -> None:
    """Choose who takes over a registration nobody eligible could take, or return it to direct."""
    if direct == (partner_id is not None):
        fail("partner_id: give --partner-id N to transfer the registration, or --direct to return it")
    echo_view(
        call(
            lambda c: c.choose_transferee(
                workflow_id, registration_id=registration_id, partner_id=partner_id, comment=comment
            )
        ),
        history=False,
    )


add_task_commands(exit_group, DECISIONS, _read, echo_view)


def register(group: click.Group) -> None:
    group.add_command(exit_group)
