"""``parley discount request|show|list|revise|renew|withdraw|decide|answer``.

Every command goes through the JSON API as the token's user (``parley.cli.api``); ``list`` reads
the API's listing (the database projection), ``show`` the process itself (a query).
A discount is given as a fraction or a percentage (``0.25`` or ``25%``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import click

from parley.cli.api import call
from parley.cli.console import echo_history, friendly_errors, when
from parley.cli.tasks import add_task_commands
from workflows.discount.vocabulary import DECISIONS

if TYPE_CHECKING:
    from parley.http import ParleyClient
    from parley.http.models import Discount as DiscountView


class Discount(click.ParamType):
    """A discount as a fraction (0.25) or a percentage (25%), between 0 and 1."""

    name = "discount"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        text = str(value).strip()
        percent = text.endswith("%")
        try:
            fraction = float(text.removesuffix("%").strip()) / (100 if percent else 1)
        except ValueError:
            self.fail(
                f"{value!r} is not a discount: give a fraction (0.25) or a percentage (25%)", param, ctx
            )
        if not math.isfinite(fraction) or not 0 <= fraction <= 1:
            hint = "" if percent else f" (for {text} percent write {text}%)"
            self.fail(f"{value!r} must be between 0 and 1, or 0% and 100%{hint}", param, ctx)
        return fraction


def _pct(value: float) -> str:
    return f"{value:.1%}"


def echo_view(view: DiscountView, *, history: bool = True) -> None:
    terms = view.terms
    click.echo(f"{view.workflow_id}: {view.state}")
    click.echo(f"  partner {view.partner_id}, registration {view.registration_id}, key {view.request_key}")
    against = f", against {terms.competitor}" if terms.competitor else ""
    click.echo(f"  deal value {terms.deal_value:,.0f}{against}")
    if terms.justification:
        click.echo(f"  justification: {terms.justification}")
    click.echo(
        f"  pricing: standard {_pct(view.standard_discount)} + requested {_pct(terms.requested_discount)}"
        f" = total {_pct(view.total_discount)}"
    )
    click.echo(f"  rulebook {view.rulebook_version}, submitted {when(view.submitted_at)}")
    if view.chain:
        click.echo("  chain: " + " -> ".join(" + ".join(step) for step in view.chain))
    for approval in view.approvals:
        by = approval.by or "-"
        if approval.on_behalf_of:
            by = f"{by} for {approval.on_behalf_of}"
        click.echo(f"  approved by {approval.role} ({by}) at {_pct(approval.discount)}, {when(approval.at)}")
    for task in view.open_tasks:
        due = f", due {when(task.due_at)}" if task.due_at else ""
        question = f": {task.question}" if task.question else ""
        click.echo(f"  open task {task.task_id}: {task.kind} for {task.role}{due}{question}")
    if view.valid_until:
        click.echo(f"  quotable until {when(view.valid_until)}")
    if view.ended_because:
        click.echo(f"  ended: {view.ended_because}")
    for reason in view.reasons:
        click.echo(f"  - {reason.code}: {reason.text}")
    for revision in view.revisions:
        again = ", ".join(revision.asked_again) or "nobody"
        click.echo(
            f"  revised {when(revision.at)}: {_pct(revision.before.requested_discount)}"
            f" -> {_pct(revision.after.requested_discount)}, asked again: {again}"
        )
    if history:
        echo_history(view.history, 28)


def _read(client: ParleyClient, workflow_id: str) -> DiscountView:
    return client.discount(workflow_id)


def _answer(client: ParleyClient, workflow_id: str, text: str) -> DiscountView:
    return client.answer_discount(workflow_id, text)


@click.group("discount")
def discount_group() -> None:
    """Discount exceptions on approved registrations: request, show, list and act on them."""


@discount_group.command("request")
@click.option("--registration", "registration_id", required=True, help="The approved registration's id.")
@click.option(
    "--key", "request_key", required=True, help="Your own key: retrying with it finds the same request."
)
@click.option(
    "--discount",
    "requested_discount",
    type=Discount(),
    required=True,
    help="On top of standard: 0.25 or 25%.",
)
@click.option("--value", "deal_value", type=float, required=True, help="Deal value.")
@click.option("--competitor", default="", help="Whom the price must meet.")
@click.option(
    "--justification", default="", help="Why the exception (needed above the rulebook's threshold)."
)
@click.option(
    "--partner-id",
    type=int,
    default=None,
    help="Only for integrators acting for a partner; partner users omit it.",
)
@friendly_errors
def request_command(
    registration_id: str,
    request_key: str,
    requested_discount: float,
    deal_value: float,
    competitor: str,
    justification: str,
    partner_id: int | None,
) -> None:
    """Ask for a discount exception; prints the rules' decision, or the chain it waits for."""
    view = call(
        lambda c: c.request_discount(
            registration_id=registration_id,
            request_key=request_key,
            requested_discount=requested_discount,
            deal_value=deal_value,
            competitor=competitor,
            justification=justification,
            partner_id=partner_id,
        )
    )
    echo_view(view, history=False)


@discount_group.command("show")
@click.argument("workflow_id")
@friendly_errors
def show_command(workflow_id: str) -> None:
    """The full state of one request and its history."""
    echo_view(call(lambda c: c.discount(workflow_id)))


@discount_group.command("list")
@click.option("--partner-id", type=int, default=None)
@click.option("--registration", "registration_id", default=None)
@click.option("--state", default=None, help="requested, pending_approval, approved, expired, ...")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@friendly_errors
def list_command(partner_id: int | None, registration_id: str | None, state: str | None, limit: int) -> None:
    """Discount requests the token's user may see, newest first."""
    found = call(
        lambda c: c.discounts(
            partner_id=partner_id, registration_id=registration_id, state=state, per_page=limit
        )
    )
    if not found.items:
        click.echo("no discount requests found")
        return
    for row in found.items:
        until = f" quotable until {when(row.valid_until)}" if row.valid_until else ""
        click.echo(
            f"{row.workflow_id:56} {row.state:16} requested {_pct(row.requested_discount):>6}"
            f" total {_pct(row.total_discount):>6}{until}"
        )
    if found.total > len(found.items):
        click.echo(f"({len(found.items)} of {found.total}; raise --limit for more)")


@discount_group.command("revise")
@click.argument("workflow_id")
@click.option("--discount", "requested_discount", type=Discount(), default=None, help="0.25 or 25%.")
@click.option("--value", "deal_value", type=float, default=None)
@click.option("--competitor", default=None)
@click.option("--justification", default=None)
@click.option("--comment", default="")
@friendly_errors
def revise_command(
    workflow_id: str,
    requested_discount: float | None,
    deal_value: float | None,
    competitor: str | None,
    justification: str | None,
    comment: str,
) -> None:
    """New terms (what you leave out stays as it is); only whose approval they go beyond is asked
    again."""
    if requested_discount is None and deal_value is None and competitor is None and justification is None:
        raise click.UsageError("give at least one of --discount, --value, --competitor, --justification")

    def revise(client: ParleyClient) -> DiscountView:
        now = client.discount(workflow_id).terms
        return client.revise_discount(
            workflow_id,
            requested_discount=now.requested_discount if requested_discount is None else requested_discount,
            deal_value=now.deal_value if deal_value is None else deal_value,
            competitor=now.competitor if competitor is None else competitor,
            justification=now.justification if justification is None else justification,
            comment=comment,
        )

    echo_view(call(revise), history=False)


@discount_group.command("renew")
@click.argument("workflow_id")
@click.option("--comment", default="")
@friendly_errors
def renew_command(workflow_id: str, comment: str) -> None:
    """Ask again for approved or lapsed pricing, under the rulebook in force now."""
    echo_view(call(lambda c: c.renew_discount(workflow_id, comment)), history=False)


@discount_group.command("withdraw")
@click.argument("workflow_id")
@click.option("--comment", default="")
@friendly_errors
def withdraw_command(workflow_id: str, comment: str) -> None:
    """Withdraw a request (pending or approved)."""
    echo_view(call(lambda c: c.withdraw_discount(workflow_id, comment)), history=False)


add_task_commands(discount_group, DECISIONS, _read, echo_view, answer=_answer)


def register(group: click.Group) -> None:
    group.add_command(discount_group)
