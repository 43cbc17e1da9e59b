"""``parley rulebook list|show|submit|what-if|withdraw|acknowledge``: rulebook versions and their
roll-outs through the JSON API as the token's user (``parley.cli.api``).

Partner operations submit a draft, attach its what-if and withdraw it; a second person of the
rulebook's approver role approves it in the inbox (``parley task decide`` or the web); a partner's
user reads the published versions and acknowledges one for its own partner. What each user may
see and do is the API's to decide.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from parley.cli.api import call
from parley.cli.console import fail, friendly_errors, when
from parley.errors import ValidationFailed
from workflows.rollout.types import APPROVAL_TASK, DECISIONS, PROCESS_TYPE

if TYPE_CHECKING:
    from parley.http import ParleyClient
    from parley.http.models import Rollout, Rulebook

def echo_rollout(view: Rollout) -> None:
    """A roll-out as its workflow reports it (what submitting, attaching and withdrawing answer)."""
    waits = f", waits for {view.waits_for.replace('_', '-')}" if view.waits_for else ""
    click.echo(f"{view.version}: {view.state}{waits} (effective {when(view.effective_from)})")
    click.echo(f"  submitted by {view.submitted_by}: {view.comment}")
    click.echo(f"  governed by {view.governed_by}; approval: {view.approval_role or '-'}")
    if view.what_if is not None:
        click.echo(f"  what-if {view.what_if.run_id}: {view.what_if.headline}")
    if view.approved_by:
        click.echo(f"  approved by {view.approved_by} at {when(view.approved_at)}")
    if view.acknowledge_by:
        click.echo(f"  partners acknowledge by {when(view.acknowledge_by)}")
    for task in view.open_tasks:
        due = f", due {when(task.due_at)}" if task.due_at else ""
        click.echo(f"  open task {task.task_id}: {task.kind} for {task.role}{due}")
    if view.ended_because and view.state == "withdrawn":
        click.echo(f"  ended: {view.ended_because}")


def echo_version(version: Rulebook) -> None:
    click.echo(f"{version.version}: {version.title}")
    click.echo(
        f"  {version.standing}, effective {when(version.effective_from)}; in force now: {version.governing}"
    )
    own = version.acknowledgement
    if own is not None and own.asked:
        done = f"acknowledged by {own.acknowledged_by} at {when(own.acknowledged_at)}"
        click.echo(f"  your acknowledgement: {done if own.acknowledged_by else f'due {when(own.due_at)}'}")
    record = version.rollout
    if record is not None:
        click.echo(f"  submitted by {record.submitted_by or '-'}: {record.comment or '-'}")
        if record.what_if_run_id is not None:
            click.echo(f"  what-if {record.what_if_run_id}: {record.what_if_headline or '-'}")
        if record.approved_by:
            click.echo(f"  approved by {record.approved_by} at {when(record.approved_at)}")
        if record.withdrawn_by:
            click.echo(f"  withdrawn by {record.withdrawn_by}: {record.withdrawn_reason}")
        for ack in record.acknowledgements:
            state = f"acknowledged by {ack.acknowledged_by}" if ack.acknowledged_by else "not yet"
            click.echo(f"  partner {ack.partner_id} {ack.partner_name}: {state}")
    if version.changes:
        click.echo(f"What changes from {version.governing}:")
        for change in version.changes:
            click.echo(f"  {change}")
    click.echo("")
    click.echo(version.playbook, nl=False)


@click.command("list")
@friendly_errors
def list_command() -> None:
    """Versions you may read, newest effective date first (partners: the published ones)."""
    found = call(lambda client: client.list_rulebooks())
    if not found.items:
        click.echo("no rulebook versions")
        return
    for row in found.items:
        click.echo(f"{row.version:24} {row.standing:11} {when(row.effective_from):26} {row.title}")


@click.command("show")
@click.argument("version")
@click.option("--yaml", "as_yaml", is_flag=True, help="Print the YAML as written (staff only).")
@friendly_errors
def show_command(version: str, as_yaml: bool) -> None:
    """A version: what changes from the version in force, and its partner playbook."""
    found = call(lambda client: client.get_rulebook(version))
    if not as_yaml:
        echo_version(found)
    elif found.text is None:
        fail("role: the YAML as written is for staff (approver roles, partner operations, admins)")
    else:
        click.echo(found.text, nl=False)


@click.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--comment", required=True, help="Why this version rolls out (approvers and the audit read it)."
)
@friendly_errors
def submit_command(file: Path, comment: str) -> None:
    """Submit FILE as a draft and start its roll-out (partner operations); every problem is named,
    and nothing is stored if there is one."""
    text = file.read_text(encoding="utf-8")
    try:
        view = call(lambda client: client.submit_rulebook(text=text, comment=comment))
    except ValidationFailed as refused:
        click.secho(f"{file}: refused, {len(refused.problems)} problem(s)", fg="red", err=True)
        for problem in refused.problems:
            click.echo(f"  {problem.path}: {problem.message}", err=True)
        raise SystemExit(1) from None
    echo_rollout(view)


@click.command("what-if")
@click.argument("version")
@click.option("--run", "run_id", type=int, required=True, help="A completed what-if of this draft.")
@friendly_errors
def what_if_command(version: str, run_id: int) -> None:
    """Attach a completed what-if of the draft VERSION against the version in force."""
    echo_rollout(call(lambda client: client.attach_what_if(version, run_id)))


@click.command("withdraw")
@click.argument("version")
@click.option("--reason", required=True, help="Why it is withdrawn: partners and the audit read it.")
@friendly_errors
def withdraw_command(version: str, reason: str) -> None:
    """Withdraw VERSION before it is in force (partner operations)."""
    echo_rollout(call(lambda client: client.withdraw_rulebook(version, reason)))


@click.command("acknowledge")
@click.argument("version")
@friendly_errors
def acknowledge_command(version: str) -> None:
    """Acknowledge a published VERSION for your own partner (a partner's user)."""
    found = call(lambda client: client.acknowledge_rulebook(version))
    own = found.acknowledgement
    by = f" by {own.acknowledged_by} at {when(own.acknowledged_at)}" if own is not None else ""
    click.echo(f"{found.version}: acknowledged{by}")


@click.command("decide")
@click.argument("version")
@click.argument("outcome", type=click.Choice([str(word) for word in DECISIONS.outcomes]))
@click.option("--task", "task_id", type=int, required=True, help="The approval task's id (see the inbox).")
@click.option("--comment", default="", help="Required to reject: the author and the audit read it.")
@friendly_errors
def decide_command(version: str, outcome: str, task_id: int, comment: str) -> None:
    """Approve or reject the draft VERSION as the token's user (the rulebook's approving role;
    never its author)."""

    def go(client: ParleyClient) -> str:
        task = client.task(task_id)
        if task.kind != APPROVAL_TASK or not task.process_id.startswith(f"{PROCESS_TYPE}-{version}-"):
            fail(f"task: task {task_id} is not the approval of rulebook {version}")
        return client.decide(task_id, outcome, comment).message

    click.echo(call(go))


def add_commands(group: click.Group) -> None:
    for command in (
        list_command,
        show_command,
        submit_command,
        what_if_command,
        withdraw_command,
        acknowledge_command,
        decide_command,
    ):
        group.add_command(command)
