"""Partner exit pages: the exits, one exit's timeline and dispositions, and partner operations'
actions on them (start an exit from the partner's page, cancel while notice runs, choose who
takes over a registration nobody eligible could).

What a reader sees of an exit is decided in one place, ``web.api.exit_view``: staff read it
whole, the exiting partner's users their own exit once notice was given (without who at the
vendor acted, or who takes a registration over), anyone else nothing (404). Every action goes
through ``parley.clients.exit.ExitClient`` as the signed-in user; a refusal is shown naming its
field and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlmodel import col, select

from activities.rulebook import rulebook_library
from parley.clients.exit import ExitClient
from parley.errors import DecisionRefused, NotFound, ServiceUnavailable, ValidationFailed
from rules.durations import format_duration
from rules.enums import ExitType
from store.crud import exits as exits_crud
from store.crud import registrations as registrations_crud
from store.engine import session_scope
from store.models import Exit, Partner
from store.models.enums import ExitState
from store.models.types import utcnow
from web import runner
from web.api.exit_view import ExitReader, exit_out, is_staff, reader_of_row
from web.auth import login_required
from web.filters import when
from web.kinds import UNAVAILABLE
from web.ops_access import is_partner_ops, partner_ops_required
from web.paging import id_value, int_arg
from web.workflow_clients import process_client

bp = Blueprint("exits", __name__, url_prefix="/exits")

PER_PAGE = 25
NO_SUCH = "No exit with that id."


def _run(action: Callable[[ExitClient], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        return await action(await process_client(ExitClient))

    return runner.run(go())


def _flash_problem(path: str, message: str) -> None:
    flash(f"{path.replace('_', ' ').capitalize()}: {message}.", "error")


def _flash_refusal(exc: Exception) -> None:
    if isinstance(exc, ValidationFailed):
        for problem in exc.problems:
            _flash_problem(problem.path, problem.message)
    elif isinstance(exc, DecisionRefused):
        flash(f"Refused: {exc.reason}", "error")
    else:
        flash(UNAVAILABLE, "error")


def _readable(workflow_id: str) -> tuple[Exit, ExitReader]:
    """The exit's row and how the signed-in user reads it; 404 when they may not."""
    with session_scope() as db:
        try:
            row = exits_crud.get_exit(session=db, workflow_id=workflow_id[:200])
        except NotFound:
            abort(404, NO_SUCH)
    reader = reader_of_row(g.user, row)
    if reader is None:
        abort(404, NO_SUCH)
    return row, reader


# --- what other pages show of exits -----------------------------------------------------------


def exit_types() -> list[tuple[str, str]]:
    """The exit types, each with what the rulebook in force makes of it (for the start form)."""
    rulebook = rulebook_library().governing(utcnow())
    found = []
    for exit_type in ExitType:
        policy = rulebook.exit.policy(exit_type)
        approval = " after a second person's approval" if exit_type == ExitType.FOR_CAUSE else ""
        words = f"{format_duration(policy.notice)} notice{approval}; access revoked {policy.access_revoked}"
        found.append((exit_type.value, f"{exit_type.value.replace('_', ' ')} ({words.replace('_', ' ')})"))
    return found


def exits_of_partner(partner_id: int) -> list[Exit]:
    """The partner's exits, newest first (the partner page links them)."""
    with session_scope() as db:
        return list(exits_crud.list_exits(session=db, partner_id=partner_id, per_page=20).items)


def own_exit_url() -> str | None:
    """For a partner's user: the page of its partner's latest exit it may read, if any."""
    user = g.get("user")
    if user is None or not user.is_partner or user.partner_id is None:
        return None
    with session_scope() as db:
        query = select(Exit).where(Exit.partner_id == user.partner_id, col(Exit.notice_given_at).is_not(None))
        row = db.exec(query.order_by(col(Exit.id).desc())).first()
    if row is None or reader_of_row(user, row) is None:
        return None
    return url_for("exits.detail", workflow_id=row.workflow_id)


@bp.app_context_processor
def exit_helpers() -> dict[str, Any]:
    return {"exit_types": exit_types, "exits_of_partner": exits_of_partner, "own_exit_url": own_exit_url}


# --- pages ------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Staff list every exit (by state); a partner's user its own partner's it may read."""
    state = request.args.get("state") or None
    if state not in {None, *ExitState}:
        state = None
    number = int_arg("page", 1) or 1
    staff = is_staff(g.user)
    if not staff and not g.user.is_partner:
        abort(404, NO_SUCH)
    partner_id = None if staff else g.user.partner_id or 0
    with session_scope() as db:
        try:
            page = exits_crud.list_exits(
                session=db, partner_id=partner_id, state=state, page=number, per_page=PER_PAGE
            )
        except ValidationFailed:
            abort(404, "No such page.")
        items = [row for row in page.items if reader_of_row(g.user, row) is not None]
        ids = {row.partner_id for row in items}
        names = {p.id: p.name for p in db.exec(select(Partner).where(col(Partner.id).in_(ids))).all()}
    pages = max(1, -(-page.total // PER_PAGE))
    return render_template(
        "exits/list.html", items=items, names=names, total=page.total, number=number, pages=pages,
        state=state, states=list(ExitState),
    )  # fmt: skip


@bp.get("/<workflow_id>")
@login_required
def detail(workflow_id: str) -> ResponseReturnValue:
    row, reader = _readable(workflow_id)
    shown = exit_out(_run(lambda client: client.get(row.workflow_id)), reader)
    with session_scope() as db:
        accounts = {}
        for item in shown.dispositions:
            try:
                registration = registrations_crud.get_registration(
                    session=db, workflow_id=item.registration_id
                )
            except NotFound:
                continue
            accounts[item.registration_id] = registration.account_name
        transferees = {d.transferee_partner_id for d in shown.dispositions if d.transferee_partner_id}
        names = {p.id: p.name for p in db.exec(select(Partner).where(col(Partner.id).in_(transferees))).all()}
    return render_template(
        "exits/detail.html",
        exit=shown,
        staff=reader.staff,
        accounts=accounts,
        transferee_names=names,
        may_cancel=is_partner_ops() and shown.state in ExitState.CANCELLABLE,
    )


# --- partner operations' actions --------------------------------------------------------------


@bp.post("/start/<int(max=2147483647):partner_id>")
@partner_ops_required
def start(partner_id: int) -> ResponseReturnValue:
    """Give the partner notice as the signed-in user; back to the partner's page when refused."""
    exit_type, why, actor = request.form.get("exit_type", ""), request.form.get("why", ""), g.user.username
    try:
        view = _run(
            lambda client: client.start(actor=actor, partner_id=partner_id, exit_type=exit_type, why=why)
        )
    except (ValidationFailed, DecisionRefused, ServiceUnavailable) as exc:
        _flash_refusal(exc)
        return redirect(url_for("partners.show", partner_id=partner_id))
    if view.state == ExitState.AWAITING_APPROVAL:
        flash(f"The exit waits for the approval of {str(view.approval_role).replace('_', ' ')}.", "info")
    elif view.state == ExitState.NOTICE:
        flash(f"Notice given: it ends {when(view.notice_ends_at)}.", "success")
    else:
        flash(f"The exit is {view.state}: {view.ended_because}", "error")
    return redirect(url_for("exits.detail", workflow_id=view.workflow_id))


@bp.post("/<workflow_id>/cancel")
@partner_ops_required
def cancel(workflow_id: str) -> ResponseReturnValue:
    row, _ = _readable(workflow_id)
    reason, actor = request.form.get("reason", ""), g.user.username
    try:
        _run(lambda client: client.cancel(row.workflow_id, actor, reason))
        flash("The exit is cancelled: the partner's status and access are what they were before.", "success")
    except (ValidationFailed, DecisionRefused, ServiceUnavailable) as exc:
        _flash_refusal(exc)
    return redirect(url_for("exits.detail", workflow_id=row.workflow_id))


@bp.post("/<workflow_id>/transferee")
@partner_ops_required
def choose_transferee(workflow_id: str) -> ResponseReturnValue:
    """Partner operations' choice for a registration waiting for one: a partner, or direct sales.
    Done, to the exit's page; refused, back to the task it came from with why."""
    row, _ = _readable(workflow_id)
    registration_id = request.form.get("registration_id", "")[:200]
    comment, actor = request.form.get("comment", ""), g.user.username
    task_id = id_value(request.form.get("task_id", ""))
    back = (
        url_for("inbox.detail", task_id=task_id)
        if task_id
        else url_for("exits.detail", workflow_id=row.workflow_id)
    )
    partner_id: int | None = None
    if request.form.get("choice") != "direct":
        partner_id = id_value(request.form.get("partner_id", ""))
        if partner_id is None:
            _flash_problem("partner_id", "choose a partner, or return it to direct sales")
            return redirect(back)
    try:
        _run(
            lambda client: client.choose_transferee(
                row.workflow_id, actor, registration_id, partner_id, comment
            )
        )
    except (ValidationFailed, DecisionRefused, ServiceUnavailable) as exc:
        _flash_refusal(exc)
        return redirect(back)
    except NotFound:
        _flash_problem("registration_id", "no such registration in this exit")
        return redirect(back)
    done = "returned to direct sales" if partner_id is None else "transferred"
    flash(f"The registration is {done}.", "success")
    return redirect(url_for("exits.detail", workflow_id=row.workflow_id))
