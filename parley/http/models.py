"""What the API answers, as the client returns it: small pydantic models of the JSON bodies.

They mirror the API's response schemas (``web/api/*schemas.py``, the OpenAPI document) without
importing the web app, so a client needs only httpx and pydantic. Fields the API adds later are
kept (``extra="allow"``) and fields a reader may not see (a partner reading another party) may be
absent, so an older client keeps working against a newer server. A test checks that every field
named here is one the API's schemas have.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Page(Model, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


class Items(Model, Generic[T]):
    items: list[T]


class Me(Model):
    username: str
    display_name: str
    roles: list[str]
    partner_id: int | None = None
    acting_for: list[str] = []


class Reason(Model):
    code: str
    text: str
    facts: dict[str, str] = {}


class Transition(Model):
    at: datetime
    actor: str
    action: str
    before: str
    after: str
    reason_codes: list[str] = []
    on_behalf_of: str | None = None
    comment: str = ""


class Task(Model):
    id: int
    process_type: str
    process_id: str
    kind: str
    title: str
    role: str
    state: str
    outcome: str | None = None
    escalation_level: int = 0
    assignee: str | None = None
    claimed_by: str | None = None
    partner_id: int | None = None
    due_at: datetime | None = None
    created_at: datetime | None = None
    closed_by: str | None = None
    summary: str = ""
    process_state: str | None = None
    process_url: str | None = None
    decisions: list[str] = []
    escalates: bool = False
    queue: str | None = None


class Decision(Model):
    accepted: bool
    message: str
    process_state: str | None = None
    task: Task


class OpenTask(Model):
    task_id: int
    kind: str
    role: str
    escalation_level: int = 0
    due_at: datetime | None = None
    question: str = ""
    slot: str = ""


class Extension(Model):
    requested_at: datetime
    actor: str
    granted: bool
    reason_codes: list[str] = []
    new_expires_at: datetime | None = None


class Registration(Model):
    """A registration as its process reports it (``GET /registrations/{id}``)."""

    workflow_id: str
    state: str
    partner_id: int | None = None
    request_key: str | None = None
    account_name: str = ""
    account_domain: str | None = None
    territory: str = ""
    vertical: str = ""
    product_line: str = ""
    deal_value: float = 0
    rulebook_version: str = ""
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    expires_at: datetime | None = None
    extensions_used: int = 0
    reasons: list[Reason] = []
    open_task: OpenTask | None = None
    extensions: list[Extension] = []
    history: list[Transition] = []
    discounts: list[str] = []


class RegistrationRow(Model):
    workflow_id: str
    state: str
    partner_id: int | None = None
    account_name: str = ""
    territory: str = ""
    submitted_at: datetime | None = None
    expires_at: datetime | None = None
    last_reason_codes: list[str] = []


class DiscountTerms(Model):
    requested_discount: float
    deal_value: float
    competitor: str = ""
    justification: str = ""


class Approval(Model):
    role: str
    discount: float
    at: datetime
    by: str | None = None
    on_behalf_of: str | None = None


class Revision(Model):
    at: datetime
    before: DiscountTerms
    after: DiscountTerms
    asked_again: list[str] = []


class Discount(Model):
    workflow_id: str
    state: str
    partner_id: int | None = None
    registration_id: str = ""
    request_key: str | None = None
    rulebook_version: str = ""
    standard_discount: float = 0
    total_discount: float = 0
    valid_until: datetime | None = None
    terms: DiscountTerms
    submitted_at: datetime | None = None
    chain: list[list[str]] = []
    approvals: list[Approval] = []
    revisions: list[Revision] = []
    reasons: list[Reason] = []
    ended_because: str = ""
    open_tasks: list[OpenTask] = []
    history: list[Transition] = []


class DiscountRow(Model):
    workflow_id: str
    state: str
    requested_discount: float = 0
    total_discount: float = 0
    valid_until: datetime | None = None


class Party(Model):
    side: str
    party: str
    you: bool = False
    described_as: str = ""
    partner_id: int | None = None
    partner_name: str | None = None
    registration_id: str | None = None
    account_name: str | None = None
    account_domain: str | None = None
    state: str | None = None
    expires_at: datetime | None = None


class ThreadEntry(Model):
    at: datetime
    side: str
    author: str
    text: str


class Dispute(Model):
    workflow_id: str
    state: str
    product_line: str = ""
    contested_codes: list[str] = []
    contested: list[str] = []
    level: int | None = None
    levels: list[str] = []
    resolution: str | None = None
    claimant: Party
    respondent: Party
    rulebook_version: str = ""
    opened_at: datetime | None = None
    opened_by: str | None = None
    hearing_until: datetime | None = None
    statements_given: list[str] = []
    outcome: Reason | None = None
    ended_because: str = ""
    thread: list[ThreadEntry] = []
    open_tasks: list[OpenTask] = []
    history: list[Transition] = []


class PartyRow(Model):
    side: str
    party: str
    partner_id: int | None = None


class DisputeRow(Model):
    workflow_id: str
    state: str
    level: int | None = None
    product_line: str = ""
    resolution: str | None = None
    claimant: PartyRow
    respondent: PartyRow


class Disposition(Model):
    registration_id: str
    disposition: str
    state: str
    effective_at: datetime
    registration_state: str = ""
    expires_at: datetime | None = None
    reasons: list[Reason] = []
    transferee_partner_id: int | None = None
    transferee_registration_id: str | None = None


class Exit(Model):
    workflow_id: str
    state: str
    exit_type: str
    partner_id: int
    partner_name: str = ""
    why: str = ""
    started_by: str | None = None
    rulebook_version: str = ""
    approval_role: str | None = None
    approved_by: str | None = None
    ended_because: str | None = None
    notice_given_at: datetime | None = None
    notice_ends_at: datetime | None = None
    access_revoked_at: datetime | None = None
    commission_ends_at: datetime | None = None
    mdf_ends_at: datetime | None = None
    ends_at: datetime | None = None
    dispositions: list[Disposition] = []
    open_tasks: list[OpenTask] = []
    history: list[Transition] = []


class ExitRow(Model):
    workflow_id: str
    state: str
    exit_type: str
    partner_id: int
    notice_ends_at: datetime | None = None
    ends_at: datetime | None = None
    opened_at: datetime | None = None
    updated_at: datetime | None = None


class WhatIf(Model):
    run_id: int
    status: str = ""
    baseline_version: str = ""
    proposed_version: str | None = None
    headline: str = ""


class RolloutTask(Model):
    task_id: int
    kind: str
    role: str
    opened_at: datetime | None = None
    due_at: datetime | None = None


class Acknowledgement(Model):
    partner_id: int
    partner_name: str = ""
    due_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    open: bool = False


class Rollout(Model):
    """A roll-out as its workflow reports it (what submitting, attaching and withdrawing answer)."""

    workflow_id: str
    version: str
    state: str
    waits_for: str | None = None
    effective_from: datetime | None = None
    submitted_by: str = ""
    comment: str = ""
    governed_by: str = ""
    simulation_required: bool = True
    what_if: WhatIf | None = None
    gate_reasons: list[Reason] = []
    approval_role: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    acknowledge_by: datetime | None = None
    changes: list[str] = []
    ended_because: str = ""
    open_tasks: list[RolloutTask] = []


class OwnAcknowledgement(Model):
    asked: bool
    due_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


class RolloutRecord(Model):
    submitted_by: str | None = None
    comment: str = ""
    approved_by: str | None = None
    approved_at: datetime | None = None
    what_if_run_id: int | None = None
    what_if_headline: str | None = None
    acknowledge_by: datetime | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None
    acknowledgements: list[Acknowledgement] = []


class RulebookRow(Model):
    version: str
    title: str = ""
    effective_from: datetime
    standing: str


class Rulebook(RulebookRow):
    """A version as the token's user may read it (``GET /rulebooks/{version}``)."""

    governing: str | None = None
    changes: list[str] = []
    playbook: str = ""
    text: str | None = None
    acknowledgement: OwnAcknowledgement | None = None
    rollout: RolloutRecord | None = None


class Partner(Model):
    id: int
    name: str
    tier: str
    status: str
    territories: list[str] = []
    verticals: list[str] = []
    certifications: list[str] = []
    certification_expiry: dict[str, str] | None = None


class Contact(Model):
    id: int
    partner_id: int
    name: str
    email: str | None = None
    title: str | None = None
    phone: str | None = None


class Engagement(Model):
    id: int
    account_id: int
    product_line: str | None = None
    owner: str
    since: datetime
    until: datetime | None = None


class ProcessRef(Model):
    type: str | None = None
    id: str
    url: str | None = None


class Notification(Model):
    id: int
    read: bool
    type: str
    occurred_at: datetime
    subject: str
    body: str = ""
    process: ProcessRef | None = None
    data: dict[str, Any] = {}


class NotificationPage(Page[Notification]):
    unread_count: int


class MarkedRead(Model):
    marked: int
    unread_count: int


class Webhook(Model):
    id: int
    partner_id: int | None = None
    url: str
    event_types: list[str]
    description: str = ""
    created_by: str = ""
    created_at: datetime | None = None
    revoked_at: datetime | None = None


class WebhookCreated(Webhook):
    secret: str = Field(description="The signing key: shown in this answer only.")


class Delivery(Model):
    id: int
    event_type: str
    event_id: str
    state: str
    attempts: int
    last_error: str | None = None
    created_at: datetime | None = None
    delivered_at: datetime | None = None


class AuditEvent(Model):
    id: int
    process_type: str
    process_id: str
    at: datetime
    actor: str
    on_behalf_of: str | None = None
    action: str
    rulebook_version: str | None = None
    reason_codes: list[str] = []
    before_state: str | None = None
    after_state: str | None = None
    detail: dict[str, Any] = {}
