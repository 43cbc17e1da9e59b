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
from store.crud.claims import claim_account, release_account
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
class RegistrationTransition:
    """A state change: the registrations row, the claim, and the generic projection, atomically."""

    workflow_id: str
    state: str
    at: datetime
    projection: Projection
    reason_codes: list[str] | None = None
    decided_at: datetime | None = None
    expires_at: datetime | None = None
    extensions_used: int | None = None
    release_claim: bool = False


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
        if transition.release_claim:
            release_account(
                session=session,
                account_key=row.account_key,
                product_line=row.product_line,
                workflow_id=transition.workflow_id,
            )
        return apply_projection(session, transition.projection)
