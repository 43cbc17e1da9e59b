"""Partners, partner contacts, end-customer accounts and direct-sales engagements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from parley.errors import NotFound
from store.crud._common import Page, check_paging, paginate, parse, refuse, require_exists, require_member
from store.crud.blocks import account_blocks, write_blocks
from store.keys import normalised_domain, normalised_name
from store.models import (
    Account,
    AccountBlock,
    AccountCreate,
    DirectEngagement,
    DirectEngagementCreate,
    Partner,
    PartnerContact,
    PartnerContactCreate,
    PartnerCreate,
    PartnerStatus,
    as_utc,
)


def _codes(path: str, values: Sequence[str]) -> list[str]:
    cleaned = [value.strip() for value in values]
    if any(not value for value in cleaned):
        raise refuse(path, "must not contain empty codes")
    return list(dict.fromkeys(cleaned))  # de-duplicated, order kept


def create_partner(*, session: Session, data: PartnerCreate | Mapping[str, Any]) -> Partner:
    partner_in = parse(PartnerCreate, data)
    partner = Partner(
        name=partner_in.name.strip(),
        tier=partner_in.tier,
        status=partner_in.status.value,
        territories=_codes("territories", partner_in.territories),
        verticals=_codes("verticals", partner_in.verticals),
        certifications=_codes("certifications", partner_in.certifications),
        certification_expiry=partner_in.certification_expiry,
    )
    session.add(partner)
    session.flush()
    return partner


def get_partner(*, session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    return partner


def list_partners(
    *,
    session: Session,
    status: str | None = None,
    territory: str | None = None,
    text: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Partner]:
    """Partners by name; ``territory`` keeps those authorised for it."""
    query = select(Partner).order_by(col(Partner.name), col(Partner.id))
    if status is not None:
        query = query.where(Partner.status == require_member("status", status, PartnerStatus))
    if text:
        query = query.where(col(Partner.name).icontains(text.strip(), autoescape=True))
    if territory is None:
        items, total = paginate(session, query, page, per_page)
        return Page(items, total, page, per_page)
    # JSON-array membership differs per database; filter in Python (partners are few).
    matching = [p for p in session.exec(query).all() if territory in p.territories]
    check_paging(page, per_page)
    start = (page - 1) * per_page
    return Page(matching[start : start + per_page], len(matching), page, per_page)


def update_partner(
    *,
    session: Session,
    partner_id: int,
    status: str | None = None,
    tier: str | None = None,
    territories: Sequence[str] | None = None,
    verticals: Sequence[str] | None = None,
    certifications: Sequence[str] | None = None,
    certification_expiry: Mapping[str, str] | None = None,
) -> Partner:
    """Change a partner's status, tier or authorisations (only the arguments given; an empty
    ``certification_expiry`` clears every expiry date)."""
    partner = get_partner(session=session, partner_id=partner_id)
    if status is not None:
        partner.status = require_member("status", status, PartnerStatus)
    if tier is not None:
        if not tier.strip():
            raise refuse("tier", "must not be empty")
        partner.tier = tier.strip()
    if territories is not None:
        partner.territories = _codes("territories", territories)
    if verticals is not None:
        partner.verticals = _codes("verticals", verticals)
    if certifications is not None:
        partner.certifications = _codes("certifications", certifications)
    if certification_expiry is not None:
        partner.certification_expiry = dict(certification_expiry) or None
    session.add(partner)
    session.flush()
    return partner


def add_partner_contact(
    *, session: Session, data: PartnerContactCreate | Mapping[str, Any]
) -> PartnerContact:
    contact_in = parse(PartnerContactCreate, data)
    require_exists(session, Partner, contact_in.partner_id, "partner_id")
    contact = PartnerContact.model_validate(contact_in.model_dump())
    session.add(contact)
    session.flush()
    return contact


def list_partner_contacts(*, session: Session, partner_id: int) -> list[PartnerContact]:
    query = select(PartnerContact).where(PartnerContact.partner_id == partner_id)
    return list(session.exec(query.order_by(col(PartnerContact.id))).all())


def create_account(*, session: Session, data: AccountCreate | Mapping[str, Any]) -> Account:
    """Create an end-customer account; its normalised name and domain are derived here."""
    account_in = parse(AccountCreate, data)
    domain = account_in.web_domain.strip() if account_in.web_domain else None
    if domain and normalised_domain(domain) is None:
        raise refuse("web_domain", f"{domain!r} is not a web domain")
    account = Account(
        name=account_in.name.strip(),
        web_domain=domain,
        territory=account_in.territory,
        vertical=account_in.vertical,
        normalised_name=normalised_name(account_in.name),
        normalised_domain=normalised_domain(domain),
    )
    session.add(account)
    session.flush()
    write_blocks(session, account)
    return account


def get_account(*, session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("account", account_id)
    return account


def find_accounts(*, session: Session, name: str, domain: str | None = None) -> list[Account]:
    """Accounts sharing one of the rules core's blocking keys with this account, by name: the
    accounts the rules may judge to be it (they score them), however many accounts exist."""
    blocks = sorted(account_blocks(name, domain))
    if not blocks:
        return []
    sharing = select(AccountBlock.account_id).where(col(AccountBlock.block).in_(blocks))
    query = select(Account).where(col(Account.id).in_(sharing)).order_by(col(Account.name), col(Account.id))
    return list(session.exec(query).all())


def list_accounts(
    *, session: Session, territory: str | None = None, page: int = 1, per_page: int = 50
) -> Page[Account]:
    query = select(Account).order_by(col(Account.name), col(Account.id))
    if territory is not None:
        query = query.where(Account.territory == territory)
    items, total = paginate(session, query, page, per_page)
    return Page(items, total, page, per_page)


def add_direct_engagement(
    *, session: Session, data: DirectEngagementCreate | Mapping[str, Any]
) -> DirectEngagement:
    engagement_in = parse(DirectEngagementCreate, data)
    require_exists(session, Account, engagement_in.account_id, "account_id")
    if engagement_in.until is not None and as_utc(engagement_in.until) <= as_utc(engagement_in.since):
        raise refuse("until", "must be after since")
    engagement = DirectEngagement.model_validate(engagement_in.model_dump())
    session.add(engagement)
    session.flush()
    return engagement


def get_direct_engagement(*, session: Session, engagement_id: int) -> DirectEngagement:
    engagement = session.get(DirectEngagement, engagement_id)
    if engagement is None:
        raise NotFound("engagement", engagement_id)
    return engagement


def list_direct_engagements(*, session: Session, account_id: int | None = None) -> list[DirectEngagement]:
    """Direct engagements, newest first (those on ``account_id`` only when given)."""
    query = select(DirectEngagement).order_by(col(DirectEngagement.since).desc(), col(DirectEngagement.id))
    if account_id is not None:
        query = query.where(DirectEngagement.account_id == account_id)
    return list(session.exec(query).all())


def _in_force(query: Any, product_line: str | None, at: datetime) -> Any:
    """``query`` narrowed to engagements in force at ``at`` that cover ``product_line`` (or all)."""
    at = as_utc(at)
    query = query.where(
        col(DirectEngagement.since) <= at,
        or_(col(DirectEngagement.until).is_(None), col(DirectEngagement.until) > at),
    )
    if product_line is None:
        return query
    return query.where(
        or_(col(DirectEngagement.product_line).is_(None), col(DirectEngagement.product_line) == product_line)
    )


def active_direct_engagements(
    *, session: Session, account_id: int, product_line: str | None, at: datetime
) -> list[DirectEngagement]:
    """Engagements on the account in force at ``at`` that cover ``product_line`` (or all lines)."""
    on_account = select(DirectEngagement).where(DirectEngagement.account_id == account_id)
    query = _in_force(on_account, product_line, at)
    return list(session.exec(query.order_by(col(DirectEngagement.since))).all())


def engagements_near(
    *, session: Session, name: str, domain: str | None, product_line: str | None, at: datetime
) -> list[tuple[Account, DirectEngagement]]:
    """The engagements in force at ``at`` covering ``product_line`` on every account
    :func:`find_accounts` finds, in its order (then by start), in one query."""
    blocks = sorted(account_blocks(name, domain))
    if not blocks:
        return []
    sharing = select(AccountBlock.account_id).where(col(AccountBlock.block).in_(blocks))
    query = (
        select(Account, DirectEngagement)
        .join(DirectEngagement, col(DirectEngagement.account_id) == col(Account.id))
        .where(col(Account.id).in_(sharing))
    )
    query = _in_force(query, product_line, at).order_by(
        col(Account.name), col(Account.id), col(DirectEngagement.since)
    )
    return [(account, engagement) for account, engagement in session.exec(query).all()]
