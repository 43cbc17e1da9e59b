"""Dispute pages: the disputes a person stands in or hears, one dispute, and what its parties do.

A dispute's page is also a party's task page (partner users and direct sales answer their call
for a statement here, never in the approver inbox): each reader sees what ``web.api.dispute_view``
lets them see, the thread read live from the database. A dispute is opened from the contested
registration's page (by its partner, or by an approver for the partner).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from parley.clients.dispute import DisputeClient
from parley.errors import DecisionRefused, NotFound, ValidationFailed
from rules.dispute import contested_codes
from store.crud import disputes as disputes_crud
from store.engine import session_scope
from store.models import Dispute, Registration
from store.models.enums import DisputeState, RegistrationState
from web import runner
from web.api.dispute_listing import visible_disputes
from web.api.dispute_view import Reader, Sides, dispute_out, reader_of
from web.auth import login_required
from web.identity import Principal
from web.paging import int_arg
from web.workflow_clients import process_client
from workflows.dispute.types import CLAIMANT

bp = Blueprint("disputes", __name__, url_prefix="/disputes")

PER_PAGE = 25
NO_SUCH = "No dispute with that id."


def _run(action: Callable[[DisputeClient], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        return await action(await process_client(DisputeClient))

    return runner.run(go())


def _reader(workflow_id: str) -> Reader:
    with session_scope() as db:
        try:
            row = disputes_crud.get_dispute(session=db, workflow_id=workflow_id[:200])
        except NotFound:
            abort(404, NO_SUCH)
    reader = reader_of(g.user, Sides.of_row(row))
    if reader is None:
        abort(404, NO_SUCH)
    return reader


def may_contest(principal: Principal, registration: Registration, disputes: Sequence[Dispute]) -> bool:
    """Offer to open a dispute on a refusal over a conflict that nobody contests yet, to its
    partner's users and to approvers (who open it for the partner); the client judges the rest
    (the appeal window, who may) and says why when it refuses."""
    if registration.state != RegistrationState.REJECTED or not contested_codes(
        registration.last_reason_codes
    ):
        return False
    if any(d.claimant_registration_id == registration.workflow_id for d in disputes):
        return False
    return principal.is_approver or principal.is_admin or principal.partner_id == registration.partner_id


def _flash_refusal(exc: ValidationFailed | DecisionRefused) -> None:
    if isinstance(exc, ValidationFailed):
        for problem in exc.problems:
            flash(f"{problem.path.replace('_', ' ').capitalize()}: {problem.message}.", "error")
    else:
        flash(f"Refused: {exc.reason}", "error")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    state = request.args.get("state") or None
    if state not in {None, *DisputeState}:
        state = None
    number = int_arg("page", 1) or 1
    items, total = visible_disputes(g.user, partner_id=None, state=state, page=number, per_page=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "disputes/list.html", items=items, total=total, number=number, pages=pages, state=state,
        states=list(DisputeState),
    )  # fmt: skip


@bp.get("/<workflow_id>")
@login_required
def detail(workflow_id: str) -> ResponseReturnValue:
    reader = _reader(workflow_id)
    with session_scope() as db:
        thread = disputes_crud.thread(session=db, dispute_workflow_id=workflow_id)
    dispute = dispute_out(_run(lambda client: client.get(workflow_id)), reader, thread)
    live = dispute.state in DisputeState.LIVE
    return render_template(
        "disputes/detail.html",
        dispute=dispute,
        may_withdraw=live and (reader.side == CLAIMANT or "partner_ops" in g.user.roles),
    )


@bp.post("/<workflow_id>/statement")
@login_required
def statement(workflow_id: str) -> ResponseReturnValue:
    text = request.form.get("statement", "")
    return _act(workflow_id, lambda client, actor: client.statement(workflow_id, actor, text),
                "Your statement is on the case thread.")  # fmt: skip


@bp.post("/<workflow_id>/withdraw")
@login_required
def withdraw(workflow_id: str) -> ResponseReturnValue:
    comment = request.form.get("comment", "")
    return _act(workflow_id, lambda client, actor: client.withdraw(workflow_id, actor, comment),
                "The dispute is withdrawn; the original decision stands.")  # fmt: skip


def _act(workflow_id: str, action: Callable[[Any, str], Awaitable[Any]], done: str) -> ResponseReturnValue:
    """One of a reader's actions on the dispute, as the signed-in person; back to its page."""
    _reader(workflow_id)
    actor = g.user.username
    try:
        _run(lambda client: action(client, actor))
        flash(done, "success")
    except (ValidationFailed, DecisionRefused) as exc:
        _flash_refusal(exc)
    return redirect(url_for("disputes.detail", workflow_id=workflow_id))


@bp.post("/open")
@login_required
def open_dispute() -> ResponseReturnValue:
    """Contest a registration's conflict decision, as the signed-in person (the partner, or an
    approver for it); back to the registration with the problems when it cannot be."""
    registration_id = request.form.get("registration_id", "")[:200]
    text, actor = request.form.get("statement", ""), g.user.username
    try:
        view = _run(lambda client: client.open(actor=actor, registration_id=registration_id, statement=text))
    except (ValidationFailed, DecisionRefused) as exc:
        _flash_refusal(exc)
        if not registration_id.strip():
            return redirect(url_for("processes.index"))
        return redirect(url_for("processes.detail", workflow_id=registration_id))
    flash("The dispute is open: both sides are asked for their statements.", "success")
    return redirect(url_for("disputes.detail", workflow_id=view.workflow_id))
