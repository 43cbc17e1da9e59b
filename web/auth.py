"""Sign-in and sign-out with a server-signed session cookie; who the current user is.

The session keeps only the user id. The user, their roles and their active delegations are read
again on every request, so a deactivated user, an ended delegation or a partner's access revoked
by its exit takes effect at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlmodel import Session

from store.crud import users as users_crud
from store.engine import session_scope
from store.models.types import utcnow
from store.models.users import User
from web.identity import Delegator, Principal

bp = Blueprint("auth", __name__)

SESSIONLESS_BLUEPRINTS = frozenset({"api", "health", "metrics"})

P = ParamSpec("P")
R = TypeVar("R")


def principal_for(db: Session, user: User) -> Principal:
    """The principal for ``user`` with the delegations active right now."""
    assert user.id is not None
    delegators = tuple(
        Delegator(d.username, d.display_name, frozenset(d.roles))
        for d in users_crud.active_delegators(session=db, delegate_id=user.id, at=utcnow())
    )
    return Principal.from_user(user, delegators)


@bp.before_app_request
def load_signed_in_user() -> None:
    g.user = None
    if request.blueprint in SESSIONLESS_BLUEPRINTS or request.endpoint == "static":
        return  # the API authenticates by token only; health, metrics and static need nobody
    user_id = session.get("user_id")
    if user_id is None:
        return
    with session_scope() as db:
        user = db.get(User, user_id)
        if user is None or not user.active or users_crud.shut_out(session=db, user=user):
            session.clear()  # deactivated, or its partner's access revoked by an exit
            return
        g.user = principal_for(db, user)


def login_required(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def approver_required(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
    """Signed in and holding an approver role (or standing in for someone who does)."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if not g.user.is_approver:
            abort(403, "The inbox is for approvers; your account has no approver role.")
        return view(*args, **kwargs)

    return wrapped


def _safe_next(target: str | None) -> str | None:
    # Only same-site relative paths: an absolute URL here would be an open redirect.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _home(user: Principal) -> str:
    return url_for("inbox.index") if user.is_approver else url_for("processes.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    next_url = _safe_next(request.args.get("next"))
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip().lower()
        password = request.form.get("password", "")
        with session_scope() as db:
            user = users_crud.authenticate(session=db, username=username, password=password)
            principal = principal_for(db, user) if user is not None else None
        if principal is None:
            flash("Unknown user name or wrong password.", "error")
            return render_template("auth/login.html", next_url=next_url, username=username), 401
        session.clear()  # a fresh session on sign-in: no fixation of an earlier cookie
        session["user_id"] = principal.id
        session.permanent = True
        return redirect(next_url or _home(principal))
    if g.user is not None:
        return redirect(next_url or _home(g.user))
    return render_template("auth/login.html", next_url=next_url, username=username)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
def root() -> ResponseReturnValue:
    if g.user is None:
        return redirect(url_for("auth.login"))
    return redirect(_home(g.user))
