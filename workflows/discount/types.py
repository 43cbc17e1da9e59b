"""What goes in and out of a discount workflow: the request, the partner's updates and the view.

Plain dataclasses of JSON-friendly types, so Temporal's default converter carries them and fields
can be added without breaking callers. The task updates (decide, escalate, answer) are the
generic ones of ``workflows.human``; what is here is the discount's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rules.reasons import Reason
from store.models.enums import DiscountState
from workflows.discount.vocabulary import DECISIONS
from workflows.human.authority import Acting
from workflows.human.journal import TaskView, TransitionView
from workflows.human.updates import DecideUpdate, EscalateUpdate, ProvideInfoUpdate
from workflows.human.validation import TaskSettings

PROCESS_TYPE = "discount"
APPROVAL_TASK = "discount.approval"
INFO_TASK = "discount.info"

TASKS = TaskSettings(
    noun="discount request",
    task_kind=APPROVAL_TASK,
    question_kind=INFO_TASK,
    reviewing=DiscountState.PENDING_APPROVAL,
    asking=DiscountState.INFO_REQUESTED,
    vocabulary=DECISIONS,
)


def discount_workflow_id(registration_id: str, request_key: str) -> str:
    """One process per (registration, partner's request key): a retry finds the same process."""
    return f"discount-{registration_id}-{request_key}"


@dataclass
class DiscountTerms:
    """What the partner asks for: the exception on top of standard pricing, and its grounds."""

    requested_discount: float  # 0..1 on top of the partner's standard pricing
    deal_value: float
    competitor: str = ""
    justification: str = ""


@dataclass
class DiscountSubmission:
    """A partner's request for a discount exception on one of its approved registrations."""

    partner_id: int
    registration_id: str  # the registration workflow's id
    request_key: str
    terms: DiscountTerms
    submitted_by: str


# --- what the partner asks for later -----------------------------------------------------------


@dataclass
class ReviseInput:
    """New terms for a pending or approved request; only a material change asks again."""

    actor: str
    terms: DiscountTerms
    comment: str = ""


@dataclass
class RenewInput:
    """A new approval pass, under the rulebook in force now (after or before the quote lapses)."""

    actor: str
    comment: str = ""


@dataclass
class WithdrawInput:
    actor: str
    comment: str = ""


@dataclass
class ReviseUpdate:
    revision: ReviseInput
    acting: Acting


@dataclass
class RenewUpdate:
    renewal: RenewInput
    acting: Acting


@dataclass
class WithdrawUpdate:
    withdrawal: WithdrawInput
    acting: Acting


@dataclass
class RegistrationEnded:
    """Signalled by the registration the discount prices when it ends (won, lost, expired ...)."""

    state: str


DiscountUpdate = (
    DecideUpdate
    | EscalateUpdate
    | ProvideInfoUpdate
    | ReviseUpdate
    | RenewUpdate
    | WithdrawUpdate
    | RegistrationEnded
)


# --- what the workflow shows -------------------------------------------------------------------


@dataclass
class ApprovalGiven:
    """A role's approval in a pass: it stands for revisions no deeper and in no higher band."""

    role: str
    discount: float
    band: int
    by: str
    at: datetime
    on_behalf_of: str | None = None


@dataclass
class RevisionView:
    at: datetime
    actor: str
    before: DiscountTerms
    after: DiscountTerms
    asked_again: list[str] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class StepView:
    """One step of the path: its roles, and whether it stands in for a breached step."""

    roles: list[str]
    escalation: bool = False


@dataclass
class DiscountView:
    """The full state of one discount request, as the ``view_state`` query returns it."""

    workflow_id: str
    submission: DiscountSubmission
    state: str
    rulebook_version: str = ""
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    valid_until: datetime | None = None
    remind_at: datetime | None = None
    reminded: bool = False
    partner_tier: str = ""
    standard_discount: float = 0.0
    total_discount: float = 0.0
    band: int | None = None
    band_limit: float | None = None  # the band's max_discount: it covers exceptions up to this
    chain: list[list[str]] = field(default_factory=list)  # roles of each step, in order
    steps: list[StepView] = field(default_factory=list)  # the whole path, escalations included
    reasons: list[Reason] = field(default_factory=list)
    approvals: list[ApprovalGiven] = field(default_factory=list)
    revisions: list[RevisionView] = field(default_factory=list)
    passes: int = 0
    ended_because: str = ""
    open_tasks: list[TaskView] = field(default_factory=list)
    sla_paused_remaining_seconds: float | None = None
    history: list[TransitionView] = field(default_factory=list)

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    @property
    def finished(self) -> bool:
        return self.state in DiscountState.FINAL
