"""Who may do what with a partner's processes in the API, the same for every process type.

Partner users act only for their own partner; integrators (``admin`` or ``partner_ops``) may act
for any partner (CRM and portal integrations); approvers see every partner's processes. What a
caller may not see answers 404, exactly like what does not exist, so a partner never learns that
another partner's process exists.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection
from typing import Any

from flask import g

from parley.errors import FieldProblem, NotFound
from store.crud.webhooks import INTEGRATOR_ROLES
from store.engine import session_scope
from store.models.users import SCOPE_ROLES, Scope, scopes_allowed
from web.api.errors import ApiError
from web.api.registration_view import partner_view
from web.identity import Principal

# A process id as the URL carries it: one line of printable text (no NUL a database would refuse).
_PROCESS_ID = re.compile(r"^[^\x00-\x1f\x7f-\x9f]{1,200}$")


# Which token scopes may call each endpoint; checked once, in ``authenticate``. Reading is open to
# every scope (the roles decide what each caller sees); changing is mapped per endpoint. An
# endpoint missing here is refused, and tests/web/test_tokens.py fails until it is added.
_ALL = frozenset(Scope)
_PARTNER_SIDE = frozenset({Scope.PARTNER, Scope.INTEGRATOR})
_PARTIES = frozenset({Scope.PARTNER, Scope.INTEGRATOR, Scope.APPROVER})
_OPS = frozenset({Scope.PARTNER_OPS})
_SUBSCRIBERS = frozenset({Scope.PARTNER, Scope.INTEGRATOR, Scope.PARTNER_OPS})
ENDPOINT_SCOPES: dict[str, frozenset[Scope]] = {
    "api.me": _ALL,
    "api.list_audit": _ALL,
    "api.list_notifications": _ALL,
    "api.mark_read": _ALL,
    # tasks: partner users see their partner's own tasks; only approvers decide
    "api.list_tasks": frozenset({Scope.APPROVER, Scope.PARTNER}),
    "api.get_task": frozenset({Scope.APPROVER, Scope.PARTNER}),
    "api.decide": frozenset({Scope.APPROVER}),
    "api.escalate": frozenset({Scope.APPROVER}),
    # registrations and discounts: changed by the partner's side
    "api.list_registrations": _ALL,
    "api.get_registration": _ALL,
    "api.create_registration": _PARTNER_SIDE,
    "api.extend": _PARTNER_SIDE,
    "api.close": _PARTNER_SIDE,
    "api.withdraw": _PARTNER_SIDE,
    "api.provide_info": _PARTNER_SIDE,
    "api.list_discounts": _ALL,
    "api.get_discount": _ALL,
    "api.request_discount": _PARTNER_SIDE,
    "api.revise_discount": _PARTNER_SIDE,
    "api.renew_discount": _PARTNER_SIDE,
    "api.withdraw_discount": _PARTNER_SIDE,
    "api.answer_discount_question": _PARTNER_SIDE,
    # disputes: the parties (a partner, an integrator for it, direct sales) and approvers
    "api.list_disputes": _ALL,
    "api.get_dispute": _ALL,
    "api.open_dispute": _PARTIES,
    "api.add_statement": _PARTIES,
    "api.withdraw_dispute": _PARTIES,
    # exits and partner records: partner operations
    "api.list_exits": _ALL,
    "api.get_exit": _ALL,
    "api.start_exit": _OPS,
    "api.cancel_exit": _OPS,
    "api.choose_transferee": _OPS,
    "api.list_partners": _ALL,
    "api.get_partner": _ALL,
    "api.list_contacts": _ALL,
    "api.list_engagements": _ALL,
    "api.create_partner": _OPS,
    "api.update_partner": _OPS,
    "api.add_contact": _OPS,
    "api.add_engagement": _OPS,
    "api.end_engagement": _OPS,
    # rulebooks: everyone reads (what they see is decided by role); partner operations roll a
    # version out; a partner's user acknowledges a published one for its own partner
    "api.list_rulebooks": _ALL,
    "api.get_rulebook": _ALL,
    "api.get_rollout": _OPS,
    "api.submit_rulebook": _OPS,
    "api.attach_what_if": _OPS,
    "api.withdraw_rulebook": _OPS,
    "api.acknowledge_rulebook": frozenset({Scope.PARTNER}),
    # webhooks: a partner's own, or any partner's through an integration or partner operations
    "api.list_webhooks": _SUBSCRIBERS,
    "api.create_webhook": _SUBSCRIBERS,
    "api.get_webhook": _SUBSCRIBERS,
    "api.revoke_webhook": _SUBSCRIBERS,
    "api.webhook_deliveries": _SUBSCRIBERS,
}


def scope_problem(
    endpoint: str, scopes: Collection[str], roles: Collection[str], delegated: Collection[str] = ()
) -> FieldProblem | None:
    """Why a token with ``scopes`` may not call ``endpoint``, or None when it may (``delegated``:
    the roles of those whose tasks the caller acts on now, see ``scopes_allowed``).

    Checked at the door, before the view reads its ids or body: a caller whose roles could hold
    none of the scopes needed, or whose token lacks them, is refused whatever it sent (the view's
    own checks then narrow what an admitted caller may see and change)."""
    needed = ENDPOINT_SCOPES.get(endpoint)
    if needed is None:
        return FieldProblem("Authorization", f"no token scope may call {endpoint} yet (unmapped endpoint)")
    if needed & set(scopes):
        return None
    if not needed & set(scopes_allowed(roles, delegated=delegated)):
        return FieldProblem(
            "role",
            f"your roles ({', '.join(sorted(roles)) or 'none'}) may not do this; "
            f"it needs one of the scopes: {', '.join(sorted(needed))}",
        )
    held = ", ".join(sorted(scopes)) or "none"
    return FieldProblem(
        "Authorization",
        f"this token's scopes ({held}) do not allow this; it needs one of: {', '.join(sorted(needed))}",
    )


def scoped(principal: Principal, scopes: Collection[str]) -> Principal:
    """``principal`` with only the roles its token's scopes allow (and its delegations only with
    the approver scope), so a check by role never grants what the token does not."""
    allowed: set[str] = set()
    for scope in scopes:
        allowed |= SCOPE_ROLES[Scope(scope)]
    acting_for = principal.acting_for if Scope.APPROVER in scopes else ()
    return dataclasses.replace(principal, roles=principal.roles & allowed, acting_for=acting_for)


def is_integrator() -> bool:
    return bool(INTEGRATOR_ROLES & g.user.roles)


def partner_only() -> bool:
    """The caller sees only their own partner's processes (a partner user and nothing more)."""
    return partner_view(g.user)


def may_start(doing: str) -> None:
    """Only a partner's users and integrators start a partner's process; checked before the body
    is read, so a caller who may not gets 403 whatever it sent.

    ``doing`` completes "only partner users and integrators ..." (e.g. "register deals").
    """
    if not is_integrator() and (not g.user.is_partner or g.user.partner_id is None):
        raise ApiError.field(403, "partner_id", f"only partner users and integrators {doing}")


def acting_partner(requested: int | None, doing: str) -> int:
    """The partner a new process is for: the caller's own, or the one an integrator names."""
    may_start(doing)
    if is_integrator():
        if requested is None:
            raise ApiError.field(422, "partner_id", "required when acting for a partner")
        return requested
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
