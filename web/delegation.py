"""Out of office: an approver names a delegate for a date range, and can end it early.

While a delegation runs, the delegate sees the approver's tasks (new and already open) under
"Delegated by …" and decides them on the approver's behalf; the audit trail records both names.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from parley.errors import NotFound, ValidationFailed
from store.crud import users as users_crud
from store.engine import session_scope
from store.models.enums import APPROVER_ROLES
from store.models.types import utcnow
from web.auth import approver_required
from web.paging import id_value

bp = Blueprint("delegation", __name__, url_prefix="/out-of-office")

FORMAT = "%Y-%m-%dT%H:%M"


def _parse(field: str) -> datetime | None:
    """A ``datetime-local`` form value, read as UTC; None when missing or malformed."""
    raw = request.form.get(field, "").strip()
    try:
        return datetime.strptime(raw, FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


@bp.get("/")
@approver_required
def index() -> ResponseReturnValue:
    now = utcnow()
    with session_scope() as db:
        users = {u.id: u for u in users_crud.list_users(session=db)}
        mine = users_crud.list_delegations(session=db, user_id=g.user.id)
        to_me = users_crud.list_delegations(session=db, delegate_id=g.user.id)
    candidates = [
        u
        for u in users.values()
        if u.id != g.user.id and u.active and any(r in u.roles for r in APPROVER_ROLES)
    ]
    return render_template(
        "delegation/index.html",
        users=users,
        mine=[d for d in mine if d.ends_at > now],
        to_me=[d for d in to_me if d.ends_at > now],
        candidates=candidates,
        now=now,
        default_start=now.strftime(FORMAT),
    )


@bp.post("/")
@approver_required
def create() -> ResponseReturnValue:
    delegate_id = id_value(request.form.get("delegate_id", ""))
    problems: list[str] = []
    times: dict[str, datetime] = {}
    for field, label in (("starts_at", "Start"), ("ends_at", "End")):
        value = _parse(field)
        if value is None:
            problems.append(f"{label}: enter a date and time (UTC)")
        else:
            times[field] = value
    if delegate_id is None:
        problems.append("Delegate: choose who stands in for you")
    if not problems:
        try:
            with session_scope() as db:
                users_crud.create_delegation(
                    session=db,
                    data={"user_id": g.user.id, "delegate_id": delegate_id, **times},
                )
        except ValidationFailed as exc:
            problems.extend(f"{p.path.replace('_', ' ').capitalize()}: {p.message}" for p in exc.problems)
    if problems:
        for problem in problems:
            flash(problem, "error")
    else:
        flash("Out of office set: your delegate sees your tasks for that period.", "success")
    return redirect(url_for("delegation.index"))


@bp.post("/<int(max=2147483647):delegation_id>/end")
@approver_required
def end(delegation_id: int) -> ResponseReturnValue:
    with session_scope() as db:
        mine = {d.id for d in users_crud.list_delegations(session=db, user_id=g.user.id)}
        if delegation_id not in mine:
            abort(404, "No such out-of-office period of yours.")
        try:
            users_crud.end_delegation(session=db, delegation_id=delegation_id)
        except NotFound:
            abort(404, "No such out-of-office period of yours.")
    flash("Out of office ended: your tasks are yours again.", "info")
    return redirect(url_for("delegation.index"))
