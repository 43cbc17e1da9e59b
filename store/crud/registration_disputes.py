"""What a dispute's outcome writes beside a registration's own row: the account returned to direct
sales, or the direct-sales engagement that precluded a registration ended."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from rules.matching import AccountKey, similarity
from store.crud.partners import (
    active_direct_engagements,
    add_direct_engagement,
    create_account,
    find_accounts,
)
from store.models import Account, Registration, as_utc


def account_of(session: Session, registration: Registration) -> Account:
    """The registration's end-customer account: its own, else one found by the same blocks with
    the same normalised name, else a new one."""
    if registration.account_id is not None:
        account = session.get(Account, registration.account_id)
        if account is not None:
            return account
    for account in find_accounts(
        session=session, name=registration.account_name, domain=registration.account_domain
    ):
        if account.normalised_name == registration.normalised_name:
            return account
    return create_account(
        session=session,
        data={
            "name": registration.account_name,
            "web_domain": registration.account_domain,
            "territory": registration.territory,
            "vertical": registration.vertical,
        },
    )


def return_to_direct(session: Session, registration: Registration, owner: str, at: datetime) -> None:
    """Record direct sales as engaged on the registration's account and product line from ``at``."""
    account = account_of(session, registration)
    assert account.id is not None
    if active_direct_engagements(
        session=session, account_id=account.id, product_line=registration.product_line, at=at
    ):
        return  # already direct (a retry, or direct sales was there too)
    add_direct_engagement(
        session=session,
        data={
            "account_id": account.id,
            "product_line": registration.product_line,
            "owner": owner,
            "since": at,
        },
    )


def end_direct_engagements(
    session: Session, registration: Registration, at: datetime, *, threshold: float, match_domains: bool
) -> int:
    """End direct sales' engagements on the registration's account and product line at ``at``
    (a dispute awarded the account to the partner); how many ended. "The account" is judged as
    the conflict rule judged it: the rules core's similarity at the rulebook's match threshold."""
    ended = 0
    key = AccountKey.of(registration.account_name, registration.account_domain or "")
    for account in find_accounts(
        session=session, name=registration.account_name, domain=registration.account_domain
    ):
        other = AccountKey.of(account.name, account.web_domain or "")
        if similarity(key, other, match_domains=match_domains).score < threshold:
            continue
        assert account.id is not None
        for engagement in active_direct_engagements(
            session=session, account_id=account.id, product_line=registration.product_line, at=at
        ):
            engagement.until = as_utc(at)
            session.add(engagement)
            ended += 1
    session.flush()
    return ended
