"""``parley dispute open|show|list|statement|withdraw|decide|escalate``.

Every command but ``list`` goes through the typed dispute client, as the web app does; ``list``
reads the database projection (no Temporal needed), ``show`` asks the process itself (a query).
``--as`` names the person acting, as every command that acts does; the client reads their roles
(a partner contests its own registration, an approver opens one for the partner). The CLI is an
operator's tool: it shows a dispute whole, both partners named.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

from parley.cli.console import echo_history, friendly_errors, when
from parley.cli.tasks import add_task_commands
from workflows.dispute.vocabulary import DECISIONS

if TYPE_CHECKING:  # the client pulls in Temporal and the workflows: imported when a command runs
    from parley.clients.dispute import DisputeClient
    from workflows.dispute.types import DisputeView, PartyView

T = TypeVar("T")
SIDE_NAMES = {"claimant": "contesting side", "respondent": "holding side", "path": "hearing it"}


def _call(action: Callable[[DisputeClient], Awaitable[T]]) -> T:
    from parley.clients.dispute import DisputeClient
    from parley.settings import get_settings

    async def go() -> T:
        return await action(await DisputeClient.connect(get_settings()))

    return asyncio.run(go())


def _standing(view: DisputeView) -> dict[str, tuple[str, object]]:
    """Each side's registration as it stands now (state, protected until): the view keeps them
    as they were when the dispute opened."""
    from sqlmodel import Session

    from parley.errors import NotFound
    from parley.settings import get_settings
    from store.crud.registrations import get_registration
    from store.engine import engine_for

    found: dict[str, tuple[str, object]] = {}
    with Session(engine_for(get_settings().resolved_database_url)) as session:
        for party in (view.opening.claimant, view.opening.respondent):
            if party.registration_id is not None:
                try:
                    row = get_registration(session=session, workflow_id=party.registration_id)
                except NotFound:
                    continue
                found[party.registration_id] = (row.state, row.expires_at)
    return found


def _party(party: PartyView, standing: dict[str, tuple[str, object]]) -> str:
    if party.side == "direct":
        return "direct sales"
    state, expires_at = standing.get(party.registration_id or "", (party.state, party.expires_at))
    domain = f" ({party.account_domain})" if party.account_domain else ""
    until = f", protected until {when(expires_at)}" if expires_at else ""
    return (
        f"{party.partner_name} (partner {party.partner_id}), registration {party.registration_id}, "
        f"{party.account_name!r}{domain}, now {state}{until}"
    )


def echo_view(view: DisputeView, *, history: bool = True) -> None:
    from workflows.dispute.tasks import decision_words

    opening = view.opening
    level = ""
    if view.level is not None and view.levels:
        level = f", level {view.level + 1} of {len(view.levels)} ({view.levels[view.level]})"
    click.echo(f"{view.workflow_id}: {view.state}{level}")
    codes, words = ", ".join(opening.contested_codes), "; ".join(decision_words(opening.contested_codes))
    click.echo(f"  over {opening.product_line}: contests {codes} ({words})")
    standing = _standing(view)
    click.echo(f"  contesting: {_party(opening.claimant, standing)}")
    click.echo(f"  holding:    {_party(opening.respondent, standing)}")
    click.echo(f"  rulebook {view.rulebook_version}, opened {when(view.opened_at)} by {opening.opened_by}")
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
    for refusal in view.award_refusals:
        click.echo(f"  award refused: {refusal}")
    if view.ended_because and view.state != "resolved":
        click.echo(f"  ended: {view.ended_because}")
    if view.thread:
        click.echo("  thread:")
        for entry in view.thread:
            side = SIDE_NAMES.get(entry.side, entry.side)
            click.echo(f"    {when(entry.at)}  {side:15} {entry.author}: {entry.text}")
    if history:
        echo_history(view.history, 22)


@click.group("dispute")
def dispute_group() -> None:
    """Disputes over conflict decisions: open, show, list and act on them."""


@dispute_group.command("open")
@click.option("--registration", "registration_id", required=True, help="The contested registration's id.")
@click.option("--statement", required=True, help="Why the decision should change.")
@click.option("--as", "actor", required=True, help="User name of the person contesting.")
@friendly_errors
def open_command(registration_id: str, statement: str, actor: str) -> None:
    """Contest a registration's conflict decision; prints the dispute, open to both parties."""
    echo_view(
        _call(lambda c: c.open(actor=actor, registration_id=registration_id, statement=statement)),
        history=False,
    )


@dispute_group.command("show")
@click.argument("workflow_id")
@friendly_errors
def show_command(workflow_id: str) -> None:
    """The full state of one dispute: both sides, the path, the thread and its history."""
    echo_view(_call(lambda c: c.get(workflow_id)))


@dispute_group.command("list")
@click.option("--partner-id", type=int, default=None, help="Disputes this partner stands in (either side).")
@click.option("--state", default=None, help="opened, hearing, in_review, resolved, withdrawn, closed")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@friendly_errors
def list_command(partner_id: int | None, state: str | None, limit: int) -> None:
    """Disputes on record (the database), newest first."""
    from sqlmodel import Session

    from parley.settings import get_settings
    from store.crud.disputes import list_disputes
    from store.engine import engine_for

    with Session(engine_for(get_settings().resolved_database_url)) as session:
        found = list_disputes(session=session, partner_id=partner_id, state=state, per_page=limit)
    if not found.items:
        click.echo("no disputes found")
        return
    for row in found.items:
        sides = " vs ".join(
            "direct sales" if side == "direct" else f"partner {partner}"
            for side, partner in (
                (row.claimant_side, row.claimant_partner_id),
                (row.respondent_side, row.respondent_partner_id),
            )
        )
        level = f"level {row.level + 1}" if row.level is not None else "-"
        settled = f" {row.resolution}" if row.resolution else ""
        click.echo(f"{row.workflow_id:30} {row.state:10} {level:8} {row.product_line:16} {sides}{settled}")
    if found.total > len(found.items):
        click.echo(f"({len(found.items)} of {found.total}; raise --limit for more)")


@dispute_group.command("statement")
@click.argument("workflow_id")
@click.argument("text")
@click.option("--as", "actor", required=True)
@friendly_errors
def statement_command(workflow_id: str, text: str, actor: str) -> None:
    """A party's statement (its first answers its call for one), or a comment of those hearing it."""
    echo_view(_call(lambda c: c.statement(workflow_id, actor, text)), history=False)


@dispute_group.command("withdraw")
@click.argument("workflow_id")
@click.option("--as", "actor", required=True)
@click.option("--comment", default="")
@friendly_errors
def withdraw_command(workflow_id: str, actor: str, comment: str) -> None:
    """The contesting side gives the dispute up; the contested decision stands."""
    echo_view(_call(lambda c: c.withdraw(workflow_id, actor, comment)), history=False)


add_task_commands(dispute_group, DECISIONS, _call, echo_view, answers=False, escalates=True)


def register(group: click.Group) -> None:
    group.add_command(dispute_group)
