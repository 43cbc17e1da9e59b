"""Data access the registration process needs beyond the shared crud modules: conflict
candidates for one submission (blocked by domain and name words, never every row)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from store.models import Registration

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
