"""Data access the registration process needs beyond the shared crud modules: the conflict
candidates of one account and the direct-sales engagements on accounts like it, both found the way
the rules core finds them (rows sharing one of its blocking keys; the rules then score them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from rules.facts import DirectEngagement
from store.crud.blocks import account_blocks
from store.crud.partners import engagements_near
from store.models import Registration, RegistrationBlock
from store.rules_view import direct_engagement


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


def direct_engagements_near(
    *, session: Session, account_name: str, account_domain: str | None, product_line: str, at: datetime
) -> list[DirectEngagement]:
    """Direct sales' engagements in force at ``at`` covering ``product_line`` on every account
    sharing a blocking key with this one, as the rules read them (they judge which is this account)."""
    near = engagements_near(
        session=session, name=account_name, domain=account_domain, product_line=product_line, at=at
    )
    return [direct_engagement(account, engagement) for account, engagement in near]
