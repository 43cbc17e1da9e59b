"""Who may do what with a partner's processes in the API, the same for every process type.

Partner users act only for their own partner; integrators (``admin`` or ``partner_ops``) may act
for any partner (CRM and portal integrations); approvers see every partner's processes. What a
caller may not see answers 404, exactly like what does not exist, so a partner never learns that
another partner's process exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import g

from parley.errors import NotFound
from store.crud.webhooks import INTEGRATOR_ROLES
from store.engine import session_scope
from web.api.errors import ApiError

# A process id as the URL carries it: one line of printable text (no NUL a database would refuse).
_PROCESS_ID = re.compile(r"^[^\x00-\x1f\x7f-\x9f]{1,200}$")


def is_integrator() -> bool:
    return bool(INTEGRATOR_ROLES & g.user.roles)


def partner_only() -> bool:
    """The caller sees only their own partner's processes (a partner user and nothing more)."""
    return bool(g.user.is_partner and not g.user.is_approver and not is_integrator())


def acting_partner(requested: int | None, doing: str) -> int:
    """The partner a new process is for: the caller's own, or the one an integrator names.

    ``doing`` completes "only partner users and integrators ..." (e.g. "register deals").
    """
    if is_integrator():
        if requested is None:
            raise ApiError.field(422, "partner_id", "required when acting for a partner")
        return requested
    if not g.user.is_partner or g.user.partner_id is None:
        raise ApiError.field(403, "partner_id", f"only partner users and integrators {doing}")
    if requested not in (None, g.user.partner_id):
        raise ApiError.field(403, "partner_id", f"you can {doing} only for your own partner")
    return int(g.user.partner_id)


def listing_partner(requested: int | None, what: str) -> int | None:
    """The ``partner_id`` filter of a listing: a partner user's own partner, whatever they ask."""
    if not partner_only():
        return requested
    if requested not in (None, g.user.partner_id):
        raise ApiError.field(403, "partner_id", f"you can list only your own partner's {what}")
    return int(g.user.partner_id) if g.user.partner_id is not None else -1


def valid_process_id(workflow_id: str, noun: str) -> None:
    """404 for an id no process can have (so it never reaches a database query)."""
    if not _PROCESS_ID.match(workflow_id):
        raise ApiError.field(404, "workflow_id", f"no such {noun}")


def require_own_process(workflow_id: str, noun: str, read: Callable[..., Any]) -> None:
    """404 unless the process exists and the caller may see it. ``read(session=, workflow_id=)``
    is the process's row reader (its row has ``partner_id``; an unknown id raises NotFound)."""
    valid_process_id(workflow_id, noun)
    with session_scope() as db:
        try:
            partner_id = read(session=db, workflow_id=workflow_id).partner_id
        except NotFound:
            raise ApiError.field(404, "workflow_id", f"no such {noun}") from None
    require_visible(partner_id, noun)


def require_visible(partner_id: int, noun: str) -> None:
    """404 unless the caller may see a process of ``partner_id``."""
    if partner_only() and partner_id != g.user.partner_id:
        raise ApiError.field(404, "workflow_id", f"no such {noun}")


def may_change(who: str) -> None:
    """Only the partner's side changes a process: its own users, or an integrator."""
    if not (is_integrator() or g.user.is_partner):
        raise ApiError.field(403, "workflow_id", f"only {who} or an integrator can change it")
