"""Who is acting on a process, and whether they may: checks the update validators run, without I/O.

The client reads the actor's roles and active delegations from the database and sends them in the
update (``ActorAuthority``); these functions judge them against the open task. A refusal is a
``Refusal`` with a sentence for people; validators turn it into a rejected update (``refusals``),
which leaves no trace in the process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from temporalio.exceptions import ApplicationError

# Roles that may act for the partner side of any process (operations, support).
OPERATOR_ROLES = frozenset({"partner_ops", "admin"})
# The error type a refused update carries to the client (``parley.errors.DecisionRefused``).
REFUSED = "DecisionRefused"


class Refusal(Exception):
    """An update the workflow will not accept; the message says why, in words."""


@contextmanager
def refusals() -> Iterator[None]:
    """Turn a validator's ``Refusal`` into the rejected update the client reports."""
    try:
        yield
    except Refusal as refusal:
        raise ApplicationError(str(refusal), type=REFUSED, non_retryable=True) from None


@dataclass
class Delegator:
    """Someone who delegated their tasks to the actor for a period that includes now."""

    username: str
    roles: list[str] = field(default_factory=list)


@dataclass
class ActorAuthority:
    """The actor's roles and active delegations, read from the database just before an update."""

    username: str
    roles: list[str] = field(default_factory=list)
    partner_id: int | None = None
    delegators: list[Delegator] = field(default_factory=list)


@dataclass
class Acting:
    """Who sends an update, and until when it may still be applied.

    ``not_after`` bounds delivery: an update that reaches a worker later (because no worker ran
    when it was sent and the caller has already been told "try again") is refused.
    """

    authority: ActorAuthority
    not_after: datetime


def require_current(acting: Acting, actor: str, now: datetime) -> None:
    """The request names the user whose authority it carries, and arrived in time."""
    if acting.authority.username != actor:
        raise Refusal(
            f"the request is from {actor!r} but carries the authority of {acting.authority.username!r}"
        )
    if now > acting.not_after:
        raise Refusal("the request arrived too late (the approval service was unavailable); send it again")


def require_storable(text: str, field_name: str) -> None:
    """The audit trail keeps this text in the database, and PostgreSQL cannot store a NUL."""
    if "\x00" in text:
        raise Refusal(f"the {field_name} must not contain a NUL character")


def decider_for(
    authority: ActorAuthority, role: str, requester: str, on_behalf_of: str | None, noun: str = "request"
) -> str | None:
    """Whom the actor decides for: None (in their own right) or the delegator they stand in for.

    Refuses the requester deciding their own ``noun`` (four-eyes, also through a delegation) and
    actors who neither hold ``role`` nor stand in for someone who does.
    """
    if authority.username == requester:
        raise Refusal(f"you submitted this {noun}; someone else must decide it (four-eyes)")
    if on_behalf_of is None and role in authority.roles:
        return None
    for delegator in authority.delegators:
        if on_behalf_of not in (None, delegator.username) or role not in delegator.roles:
            continue
        if delegator.username == requester:
            raise Refusal(f"{delegator.username} submitted this {noun}; their delegate cannot decide it")
        return delegator.username
    if on_behalf_of is not None:
        raise Refusal(f"you are not an active delegate of {on_behalf_of!r} for the role {role}")
    raise Refusal(f"this task is for the role {role}, which you do not hold or stand in for")


def require_partner_side(authority: ActorAuthority, partner_id: int) -> None:
    """The actor is a user of the requesting partner, or partner operations."""
    if authority.partner_id == partner_id or OPERATOR_ROLES & set(authority.roles):
        return
    # No partner id in the words: the refused actor may be another partner's user.
    raise Refusal("only users of the requesting partner or partner operations may do this")
