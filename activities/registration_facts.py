"""The snapshot of facts a registration decision needs, read from the database.

The partner, registrations that might be the same account (sharing a rules-core blocking key),
direct-sales engagements on matching accounts, and the partner's earlier submissions. The
atomic account claim is authoritative for the exact account key and product line: only its
holder counts there, never other submissions still in flight (they lost, or will lose, the claim).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from temporalio import activity

from rules.enums import RegistrationStanding
from rules.facts import DirectEngagement, ExistingRegistration, PartnerFacts
from store.crud.partners import get_partner
from store.crud.registration_process import conflict_candidates, direct_engagements_near
from store.crud.registrations import count_prior_submissions, get_registration
from store.crud.rollouts import unacknowledged
from store.engine import session_scope
from store.models import Registration, RegistrationState
from store.rules_view import existing_registration, partner_facts

# States that tell the rules something: holding now, or ended in a way that reopens the account.
# A submission still being decided counts as pending, as the sandbox counts it: two spellings of
# one new account submitted at once then see each other (whichever stored its row first is seen
# by the other), so the rules never approve both.
CANDIDATE_STATES = [
    RegistrationState.SUBMITTED,
    RegistrationState.PENDING_APPROVAL,
    RegistrationState.INFO_REQUESTED,
    RegistrationState.APPROVED,
    RegistrationState.WON,
    RegistrationState.EXPIRED,
    RegistrationState.LOST,
    RegistrationState.WITHDRAWN,
]


@dataclass
class FactsRequest:
    workflow_id: str
    holder_workflow_id: str
    at: datetime


@dataclass
class FactsSnapshot:
    partner: PartnerFacts
    partner_name: str = ""
    existing: list[ExistingRegistration] = field(default_factory=list)
    direct_engagements: list[DirectEngagement] = field(default_factory=list)
    prior_submissions: int = 0


def claim_holder(row: Registration) -> ExistingRegistration:
    """The claim's holder as the rules see it. The claim is authoritative: a registration holding
    it in a state that holds nothing is one a dispute's award is moving the account to (released
    holder, claimant not yet approved), so it stands between a request and the account as a
    pending one."""
    if row.state in RegistrationState.HOLDING:
        return existing_registration(row)
    return existing_registration(row, RegistrationStanding.PENDING)


@activity.defn
def gather_registration_facts(request: FactsRequest) -> FactsSnapshot:
    with session_scope() as session:
        own = get_registration(session=session, workflow_id=request.workflow_id)
        partner = get_partner(session=session, partner_id=own.partner_id)
        ruled = partner_facts(partner, request.at)
        if own.rulebook_version and unacknowledged(
            session=session, partner_id=own.partner_id, version=own.rulebook_version
        ):
            ruled = replace(ruled, unacknowledged_rulebook=own.rulebook_version)
        facts = FactsSnapshot(partner=ruled, partner_name=partner.name)
        same_claim = (own.account_key, own.product_line)
        holder_seen = request.holder_workflow_id == own.workflow_id
        for row in conflict_candidates(
            session=session,
            account_name=own.account_name,
            account_domain=own.account_domain,
            exclude_workflow_id=own.workflow_id,
            states=CANDIDATE_STATES,
        ):
            if row.workflow_id == request.holder_workflow_id:
                holder_seen = True
                facts.existing.append(claim_holder(row))
            elif (row.account_key, row.product_line) != same_claim or row.state not in RegistrationState.LIVE:
                facts.existing.append(existing_registration(row))
            # else: only the claim holder holds this exact account and product line
        if not holder_seen:
            holder_row = get_registration(session=session, workflow_id=request.holder_workflow_id)
            facts.existing.append(claim_holder(holder_row))
        facts.direct_engagements = direct_engagements_near(
            session=session,
            account_name=own.account_name,
            account_domain=own.account_domain,
            product_line=own.product_line,
            at=request.at,
        )
        facts.prior_submissions = count_prior_submissions(
            session=session,
            partner_id=own.partner_id,
            account_key=own.account_key,
            product_line=own.product_line,
            before=own.submitted_at,
        )
        return facts
