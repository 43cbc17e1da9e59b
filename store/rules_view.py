"""How stored rows read to the rulebook core: one translation for the live engine and for replay.

The store keeps the process's own lifecycle (``RegistrationState``: submitted, pending approval,
info requested, won…); the rules reason about how a registration stands (``RegistrationStanding``:
pending, approved, closed…). Both the facts activity of
the live workflow and ``parley replay`` build the rules' facts through these functions, so the
two engines can never read the same row differently.
"""

from __future__ import annotations

from datetime import date, datetime

from rules.enums import PartnerStatus, RegistrationStanding
from rules.facts import DirectEngagement, ExistingRegistration, PartnerFacts, RegistrationRequest
from store.models import Account, Partner, Registration, RegistrationState, as_utc
from store.models import DirectEngagement as DirectEngagementRow

STANDING: dict[str, RegistrationStanding] = {
    RegistrationState.SUBMITTED: RegistrationStanding.PENDING,
    RegistrationState.PENDING_APPROVAL: RegistrationStanding.PENDING,
    RegistrationState.INFO_REQUESTED: RegistrationStanding.PENDING,
    RegistrationState.APPROVED: RegistrationStanding.APPROVED,
    RegistrationState.REJECTED: RegistrationStanding.REJECTED,
    RegistrationState.EXPIRED: RegistrationStanding.EXPIRED,
    RegistrationState.WITHDRAWN: RegistrationStanding.WITHDRAWN,
    RegistrationState.WON: RegistrationStanding.CLOSED_WON,
    RegistrationState.LOST: RegistrationStanding.CLOSED_LOST,
    # Released by a dispute: it no longer stands between anyone and the account.
    RegistrationState.RELEASED: RegistrationStanding.WITHDRAWN,
}


def current_certifications(partner: Partner, at: datetime) -> tuple[str, ...]:
    """The partner's certification codes still valid at ``at``: one whose expiry date is before
    ``at``'s date no longer counts (a code without an expiry date never expires)."""
    expiry = partner.certification_expiry or {}
    day = as_utc(at).date()
    return tuple(
        code
        for code in partner.certifications
        if code not in expiry or date.fromisoformat(expiry[code]) >= day
    )


def partner_facts(partner: Partner, at: datetime) -> PartnerFacts:
    """``partner`` as the rules see it at ``at`` (expired certifications left out)."""
    return PartnerFacts(
        partner_id=str(partner.id),
        status=PartnerStatus(partner.status),
        tier=partner.tier,
        territories=tuple(partner.territories),
        verticals=tuple(partner.verticals),
        certifications=current_certifications(partner, at),
    )


def existing_registration(
    row: Registration, state: RegistrationStanding | None = None
) -> ExistingRegistration:
    """``row`` as the rules see it; ``state`` overrides the current one (replay's past view)."""
    return ExistingRegistration(
        registration_id=row.workflow_id,
        partner_id=str(row.partner_id),
        account_name=row.account_name,
        account_domain=row.account_domain or "",
        product_line=row.product_line,
        state=state or STANDING[row.state],
        submitted_at=row.submitted_at,
        expires_at=row.expires_at,
        request_key=row.request_key,
    )


def registration_request(row: Registration) -> RegistrationRequest:
    """``row``'s deal as it was submitted, as the rules read a request."""
    return RegistrationRequest(
        request_key=row.request_key,
        partner_id=str(row.partner_id),
        account_name=row.account_name,
        account_domain=row.account_domain or "",
        territory=row.territory,
        vertical=row.vertical,
        product_line=row.product_line,
        deal_value=row.deal_value,
        submitted_at=row.submitted_at,
    )


def direct_engagement(account: Account, engagement: DirectEngagementRow) -> DirectEngagement:
    return DirectEngagement(
        account_name=account.name,
        account_domain=account.web_domain or "",
        product_line=engagement.product_line,
        since=engagement.since,
    )
