"""Request and response bodies of ``/api/v1/discounts``, as pydantic models (see ``schemas``).

A discount is given as a fraction, 0..1 (0.25 is 25 %), on top of the partner's standard pricing.
The approvers' user names are shown to approvers and integrators only; a partner user sees which
role approved and when.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from store.models.enums import DiscountState
from web.api.schemas import (
    FREE_TEXT,
    MAX_ID,
    ONE_LINE,
    JsonFloat,
    Out,
    PartnerId,
    Query,
    ReasonOut,
    Strict,
    Text,
    required_text,
)

MAX_DEAL_VALUE = 1e12


class DiscountTermsIn(Strict):
    """What the partner asks for: the exception on top of standard pricing, and its grounds."""

    requested_discount: JsonFloat = Field(
        ge=0, le=1, description="The exception on top of standard pricing, 0..1 (0.25 is 25%)."
    )
    deal_value: JsonFloat = Field(gt=0, le=MAX_DEAL_VALUE, description="The deal's value (more than 0).")
    competitor: str = Field(default="", max_length=200, pattern=ONE_LINE, description="Whom the price meets.")
    justification: str = Field(
        default="",
        max_length=2000,
        pattern=FREE_TEXT,
        description="Why the exception (required above the rulebook's threshold).",
    )


class DiscountIn(DiscountTermsIn):
    registration_id: str = required_text(200)
    request_key: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    partner_id: PartnerId | None = Field(
        default=None, description="Only for integrators acting for a partner; partner users omit it."
    )


class DiscountReviseIn(DiscountTermsIn):
    """The new terms, all of them (as a new request would give them)."""

    comment: str = Text


class RenewIn(Strict):
    comment: str = Text


class DiscountTermsOut(Out):
    requested_discount: float
    deal_value: float
    competitor: str
    justification: str


class ApprovalOut(Out):
    role: str
    discount: float = Field(description="The requested discount this approval was given for.")
    at: datetime
    by: str | None = Field(default=None, description="The approver (not shown to partner users).")
    on_behalf_of: str | None = Field(default=None, description="Not shown to partner users.")


class RevisionOut(Out):
    at: datetime
    before: DiscountTermsOut
    after: DiscountTermsOut
    asked_again: list[str] = Field(description="The roles whose approval the revision needed again.")
    reasons: list[ReasonOut]


class DiscountTaskOut(Out):
    task_id: int
    kind: str
    role: str
    due_at: datetime | None
    question: str = ""


class DiscountTransitionOut(Out):
    at: datetime
    actor: str = Field(description="Who acted; for partner users, vendor staff appear as their role.")
    action: str
    before: str
    after: str
    reason_codes: list[str] = []


class DiscountCommon(Out):
    workflow_id: str
    state: str
    partner_id: int
    registration_id: str
    request_key: str
    rulebook_version: str
    standard_discount: float
    total_discount: float
    band: int | None
    valid_until: datetime | None = Field(description="Approved pricing is quotable until then.")
    decided_at: datetime | None


class DiscountOut(DiscountCommon):
    """A discount request as its workflow reports it (the authority, fresher than any listing)."""

    terms: DiscountTermsOut
    submitted_at: datetime | None
    chain: list[list[str]] = Field(description="The roles of each approval step, in order.")
    approvals: list[ApprovalOut]
    revisions: list[RevisionOut]
    reasons: list[ReasonOut]
    ended_because: str
    open_tasks: list[DiscountTaskOut]
    history: list[DiscountTransitionOut]


class DiscountRow(DiscountCommon):
    """A discount request as the listing shows it (the database projection)."""

    requested_discount: float
    deal_value: float
    competitor: str
    revisions: int
    last_reason_codes: list[str]
    created_at: datetime
    updated_at: datetime


class DiscountPage(Out):
    items: list[DiscountRow]
    total: int
    page: int
    per_page: int


class DiscountQuery(Query):
    partner_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    registration_id: str | None = Field(default=None, max_length=200, pattern=ONE_LINE)
    state: DiscountState | None = None
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=50, ge=1, le=200)
