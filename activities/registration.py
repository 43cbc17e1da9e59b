"""Registration writes: the submission with its atomic account claim, and each transition.

Both are idempotent, so Temporal may retry them after a crash: the registration row is keyed by
its workflow id, the claim is idempotent for its holder, and a transition's records carry keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.projection import Projection, ProjectionResult, apply_projection
from parley.errors import NotFound, ValidationFailed
from store.crud.claims import claim_account, release_account, transfer_claim
from store.crud.registration_disputes import end_direct_engagements, return_to_direct
from store.crud.registrations import create_registration, get_registration, update_registration
from store.engine import session_scope
from store.models import RegistrationCreate, utcnow


@dataclass
class SubmissionInput:
    """The submission as the registrations row records it (activities never import workflows)."""

    workflow_id: str
    rulebook_version: str
    partner_id: int
    request_key: str
    account_name: str
    account_domain: str | None
    territory: str
    vertical: str
    product_line: str
    deal_value: float
    submitted_by: str


@dataclass
class SubmissionRecord:
    """When the submission counts as made, and who holds the account and product line.

    ``submitted_at`` follows the data layer's order: a submission that lost the claim is dated
    after its holder even if its clock said otherwise, because the claim decided who was first.
    """

    submitted_at: datetime
    claim_granted: bool
    holder_workflow_id: str
    holder_partner_id: int
    holder_submitted_at: datetime


@dataclass
class ClaimTransfer:
    """Hand this registration's hold on its account to the registration a dispute awarded it to."""

    workflow_id: str
    partner_id: int
    submitted_at: datetime


@dataclass
class DirectMatch:
    """How the rulebook judges an account the same (to end direct sales' engagements on it)."""

    threshold: float
    match_domains: bool


@dataclass
class RegistrationTransition:
    """A state change: the registrations row, the claim, and the generic projection, atomically.

    A dispute's outcome adds what it moves in the same transaction: the hold handed on
    (``claim_to``), the account held for an awarded registration (``take_claim``: refused with
    ``ClaimHeld`` when another registration holds it), the account recorded as direct sales'
    (``direct_owner``), or direct sales' engagement ended (``end_direct``).
    """

    workflow_id: str
    state: str
    at: datetime
    projection: Projection
    reason_codes: list[str] | None = None
    decided_at: datetime | None = None
    expires_at: datetime | None = None
    extensions_used: int | None = None
    release_claim: bool = False
    claim_to: ClaimTransfer | None = None
    take_claim: bool = False
    direct_owner: str | None = None
    end_direct: DirectMatch | None = None


CLAIM_HELD = "ClaimHeld"


@activity.defn
def record_submission(request: SubmissionInput) -> SubmissionRecord:
    sub = request
    try:
        with session_scope() as session:
            row = create_registration(
                session=session,
                data=RegistrationCreate(
                    workflow_id=request.workflow_id,
                    partner_id=sub.partner_id,
                    request_key=sub.request_key,
                    account_name=sub.account_name,
                    account_domain=sub.account_domain,
                    territory=sub.territory,
                    vertical=sub.vertical,
                    product_line=sub.product_line,
                    deal_value=sub.deal_value,
                    submitted_by=sub.submitted_by,
                    rulebook_version=request.rulebook_version,
                    submitted_at=utcnow(),
                ),
            )
        # The claim gets a transaction of its own, committed at once: other claimants wait on it.
        with session_scope() as session:
            claim = claim_account(
                session=session,
                account_key=row.account_key,
                product_line=row.product_line,
                workflow_id=request.workflow_id,
                partner_id=sub.partner_id,
                submitted_at=row.submitted_at,
            )
    except (ValidationFailed, NotFound) as exc:
        raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
    submitted_at = row.submitted_at
    if not claim.granted and submitted_at <= claim.holder_submitted_at:
        submitted_at = claim.holder_submitted_at + timedelta(microseconds=1)
        with session_scope() as session:
            get_registration(session=session, workflow_id=request.workflow_id).submitted_at = submitted_at
    return SubmissionRecord(
        submitted_at=submitted_at,
        claim_granted=claim.granted,
        holder_workflow_id=claim.holder_workflow_id,
        holder_partner_id=claim.holder_partner_id,
        holder_submitted_at=claim.holder_submitted_at,
    )


@activity.defn
def record_registration_transition(transition: RegistrationTransition) -> ProjectionResult:
    with session_scope() as session:
        # The row update comes first: on SQLite the first write takes the lock for the rest.
        row = update_registration(
            session=session,
            workflow_id=transition.workflow_id,
            state=transition.state,
            at=transition.at,
            decided_at=transition.decided_at,
            expires_at=transition.expires_at,
            extensions_used=transition.extensions_used,
            reason_codes=transition.reason_codes,
        )
        if transition.claim_to is not None:
            to = transition.claim_to
            transfer_claim(
                session=session,
                account_key=row.account_key,
                product_line=row.product_line,
                from_workflow_id=transition.workflow_id,
                to_workflow_id=to.workflow_id,
                to_partner_id=to.partner_id,
                to_submitted_at=to.submitted_at,
            )
        elif transition.release_claim:
            release_account(
                session=session,
                account_key=row.account_key,
                product_line=row.product_line,
                workflow_id=transition.workflow_id,
            )
        if transition.take_claim:
            claim = claim_account(
                session=session,
                account_key=row.account_key,
                product_line=row.product_line,
                workflow_id=transition.workflow_id,
                partner_id=row.partner_id,
                submitted_at=row.submitted_at,
            )
            if not claim.granted:
                raise ApplicationError(
                    "another registration holds the account now", type=CLAIM_HELD, non_retryable=True
                )
        if transition.direct_owner is not None:
            return_to_direct(session, row, transition.direct_owner, transition.at)
        if transition.end_direct is not None:
            match = transition.end_direct
            end_direct_engagements(
                session, row, transition.at, threshold=match.threshold, match_domains=match.match_domains
            )
        return apply_projection(session, transition.projection)
