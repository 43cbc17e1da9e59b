"""Discount writes and reads: the request with what the rules need to know, and each transition.

Both are idempotent, so Temporal may retry them after a crash: the row is keyed by its workflow
id, and a transition's records carry keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.projection import Projection, ProjectionResult, apply_projection
from parley.errors import NotFound, ValidationFailed
from store.crud.discounts import create_discount, discount_ids, update_discount
from store.crud.partners import get_partner
from store.crud.registrations import get_registration
from store.engine import session_scope
from store.models import RegistrationState


@dataclass
class DiscountSubmissionInput:
    """The request as its row records it (activities never import workflows)."""

    workflow_id: str
    rulebook_version: str
    partner_id: int
    registration_id: str
    request_key: str
    requested_discount: float
    deal_value: float
    competitor: str
    justification: str
    submitted_by: str


@dataclass
class DiscountFacts:
    """What the rules and the tasks need: the partner's tier and name, the registration's account,
    and whether the registration is still one a discount may price."""

    partner_tier: str
    partner_name: str
    account_name: str
    registration_state: str
    registration_live: bool
    territory: str | None = None


@dataclass
class DiscountTransition:
    """A state change: the row, and the generic projection, atomically."""

    workflow_id: str
    state: str
    at: datetime
    projection: Projection
    requested_discount: float
    deal_value: float
    competitor: str
    justification: str
    rulebook_version: str
    standard_discount: float
    total_discount: float
    band: int | None
    valid_until: datetime | None
    decided_at: datetime | None
    revisions: int
    reason_codes: list[str] | None = None


def discount_facts(session: Session, registration_id: str, partner_id: int) -> DiscountFacts:
    """The facts for a request on ``registration_id`` by ``partner_id`` (NotFound if either is
    unknown, or the registration is another partner's: a partner may not learn it exists).

    The registration's row is read locked: see ``record_discount_submission``."""
    registration = get_registration(session=session, workflow_id=registration_id, lock=True)
    if registration.partner_id != partner_id:
        raise NotFound("registration", registration_id)
    partner = get_partner(session=session, partner_id=partner_id)
    return DiscountFacts(
        partner_tier=partner.tier,
        partner_name=partner.name,
        account_name=registration.account_name,
        registration_state=registration.state,
        registration_live=registration.state == RegistrationState.APPROVED,
        territory=registration.territory,
    )


@activity.defn
def record_discount_submission(request: DiscountSubmissionInput) -> DiscountFacts:
    """Store the request and read its registration in one transaction.

    The stored row is the link a registration follows when it ends (``live_discounts``). The row
    is written first and the registration read after it, locked: on PostgreSQL the registration's
    own state change then waits for this transaction, or this read waits for that change; on
    SQLite the insert already holds the only write lock, so the read sees every committed state.
    Either the registration is still live here and, when it ends, finds this request, or this
    request learns now that it has ended. No signal is needed, and none can be missed.
    """
    try:
        with session_scope() as session:
            create_discount(
                session=session,
                data={
                    "workflow_id": request.workflow_id,
                    "partner_id": request.partner_id,
                    "registration_workflow_id": request.registration_id,
                    "request_key": request.request_key,
                    "requested_discount": request.requested_discount,
                    "deal_value": request.deal_value,
                    "competitor": request.competitor,
                    "justification": request.justification,
                    "submitted_by": request.submitted_by,
                    "rulebook_version": request.rulebook_version,
                },
            )
            return discount_facts(session, request.registration_id, request.partner_id)
    except (ValidationFailed, NotFound) as exc:
        raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc


@dataclass
class RegistrationDiscountsRequest:
    registration_id: str


@activity.defn
def live_discounts(request: RegistrationDiscountsRequest) -> list[str]:
    """The discount requests still open on a registration (run after its final state is stored)."""
    with session_scope() as session:
        return discount_ids(session=session, registration_workflow_id=request.registration_id, live_only=True)


@activity.defn
def record_discount_transition(transition: DiscountTransition) -> ProjectionResult:
    with session_scope() as session:
        update_discount(
            session=session,
            workflow_id=transition.workflow_id,
            state=transition.state,
            at=transition.at,
            requested_discount=transition.requested_discount,
            deal_value=transition.deal_value,
            competitor=transition.competitor,
            justification=transition.justification,
            rulebook_version=transition.rulebook_version,
            standard_discount=transition.standard_discount,
            total_discount=transition.total_discount,
            band=transition.band,
            valid_until=transition.valid_until,
            decided_at=transition.decided_at,
            revisions=transition.revisions,
            reason_codes=transition.reason_codes,
        )
        return apply_projection(session, transition.projection)
