"""Data access the registration process needs beyond the shared crud modules.

Conflict candidates for one submission (blocked by domain and name words, never every row), and
the acting user's authority (roles and active delegations) for the workflow's validators.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from store.crud.users import active_delegators, get_user_by_username
from store.models import Registration, as_utc, utcnow

# Name words shorter than this are too common to block on ("co", "ab").
_MIN_BLOCK_WORD = 3
_MAX_BLOCK_WORDS = 4


def conflict_candidates(
    *,
    session: Session,
    normalised_name: str,
    normalised_domain: str | None,
    exclude_workflow_id: str,
    states: Sequence[str],
    limit: int = 200,
) -> list[Registration]:
    """Registrations in ``states`` that could be the same account: same domain, or a name word.

    Blocking keeps this a handful of indexed look-ups however many registrations exist; the
    rulebook's fuzzy matcher then scores each candidate.
    """
    conditions: list[ColumnElement[bool]] = []
    if normalised_domain:
        conditions.append(col(Registration.normalised_domain) == normalised_domain)
    words = [w for w in normalised_name.split() if len(w) >= _MIN_BLOCK_WORD][:_MAX_BLOCK_WORDS]
    for word in words or [normalised_name]:
        conditions.append(col(Registration.normalised_name).contains(word))
    query = (
        select(Registration)
        .where(or_(*conditions))
        .where(col(Registration.state).in_(list(states)))
        .where(col(Registration.workflow_id) != exclude_workflow_id)
        .order_by(col(Registration.submitted_at))
        .limit(limit)
    )
    return list(session.exec(query).all())


def actor_authority(
    *, session: Session, username: str, at: datetime | None = None
) -> tuple[list[str], int | None, list[tuple[str, list[str]]]] | None:
    """The user's roles, partner and active delegators ``(username, roles)``; None if unknown."""
    user = get_user_by_username(session=session, username=username)
    if user is None or not user.active or user.id is None:
        return None
    delegators = active_delegators(session=session, delegate_id=user.id, at=as_utc(at or utcnow()))
    return (
        list(user.roles),
        user.partner_id,
        [(d.username, list(d.roles)) for d in delegators],
    )
