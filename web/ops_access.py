"""Who may use the partner-operations pages: built on ``web.auth``'s sign-in check.

Reading rulebooks is open to every approver (``web.auth.approver_required``); starting what-if
runs and scheduling a rulebook roll-out need the ``partner_ops`` role itself (a delegation does
not carry it: rolling out rules is not a task someone stands in for).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import abort, g
from flask.typing import ResponseReturnValue

from store.models.enums import Role
from web.auth import login_required

P = ParamSpec("P")
R = TypeVar("R")


def is_partner_ops() -> bool:
    """True when the signed-in user holds ``partner_ops`` (for templates and views)."""
    return g.get("user") is not None and Role.PARTNER_OPS in g.user.roles


def partner_ops_required(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
    """Signed in (else to the sign-in page) and holding ``partner_ops`` (else 403)."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        if not is_partner_ops():
            abort(403, "This page is for partner operations; your account has no partner_ops role.")
        return view(*args, **kwargs)

    return login_required(wrapped)
