"""Data access the registration process needs beyond the shared crud modules: the conflict
candidates of one account, found the way the rules core finds them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from store.crud.registration_blocks import account_blocks
from store.models import Registration, RegistrationBlock


def conflict_candidates(
    *,
    session: Session,
    account_name: str,
    account_domain: str | None,
    exclude_workflow_id: str,
    states: Sequence[str],
) -> list[Registration]:
    """Registrations in ``states`` sharing a blocking key with this account, oldest first.

    The same set ``rules.RegistrationIndex.candidates`` gives for the same rows (the keys are the
    rules core's, stored with each registration); the rules core then scores them. No cap: a
    holder is never dropped because many similar names are on file.
    """
    blocks = sorted(account_blocks(account_name, account_domain))
    if not blocks:
        return []
    sharing = select(RegistrationBlock.registration_id).where(col(RegistrationBlock.block).in_(blocks))
    query = (
        select(Registration)
        .where(col(Registration.id).in_(sharing))
        .where(col(Registration.state).in_(list(states)))
        .where(col(Registration.workflow_id) != exclude_workflow_id)
        .order_by(col(Registration.submitted_at), col(Registration.id))
    )
    return list(session.exec(query).all())
