"""Who may act on a registration: checks the update validators run, without I/O.

The client reads the actor's roles and active delegations from the database and sends them in
the update (``ActorAuthority``); these functions judge them against the open task. A refusal is
a ``Refusal`` with a sentence for people; validators turn it into a rejected update, which leaves
no trace in the process.
"""

from __future__ import annotations

from datetime import datetime

from workflows.registration_types import Acting, ActorAuthority

# Roles that may act for the partner side on any registration (operations, support).
OPERATOR_ROLES = frozenset({"partner_ops", "admin"})


class Refusal(Exception):
    """An update the workflow will not accept; the message says why, in words."""


def require_current(acting: Acting, actor: str, now: datetime) -> None:
    """The request names the user whose authority it carries, and arrived in time."""
    if acting.authority.username != actor:
        raise Refusal(
            f"the request is from {actor!r} but carries the authority of {acting.authority.username!r}"
        )
    if now > acting.not_after:
        raise Refusal("the request arrived too late (the approval service was unavailable); send it again")


def decider_for(authority: ActorAuthority, role: str, submitter: str, on_behalf_of: str | None) -> str | None:
    """Whom the actor decides for: None (in their own right) or the delegator they stand in for.

    Refuses self-approval (four-eyes, also through a delegation) and actors who neither hold
    ``role`` nor stand in for someone who does.
    """
    if authority.username == submitter:
        raise Refusal("you submitted this registration; someone else must decide it (four-eyes)")
    if on_behalf_of is None and role in authority.roles:
        return None
    for delegator in authority.delegators:
        if on_behalf_of not in (None, delegator.username) or role not in delegator.roles:
            continue
        if delegator.username == submitter:
            raise Refusal(
                f"{delegator.username} submitted this registration; their delegate cannot decide it"
            )
        return delegator.username
    if on_behalf_of is not None:
        raise Refusal(f"you are not an active delegate of {on_behalf_of!r} for the role {role}")
    raise Refusal(f"this task is for the role {role}, which you do not hold or stand in for")


def require_partner_side(authority: ActorAuthority, partner_id: int) -> None:
    """The actor is a user of the registering partner, or partner operations."""
    if authority.partner_id == partner_id or OPERATOR_ROLES & set(authority.roles):
        return
    raise Refusal(f"only users of partner {partner_id} or partner operations may do this")
