"""What goes in and out of a registration workflow: the submission, the updates and the view.

Plain dataclasses of JSON-friendly types (str, int, float, tz-aware datetimes, lists, dicts), so
Temporal's default converter carries them and fields can be added without breaking callers.
The client, the CLI, the web app and the workflow all use these same types. The task updates
(decide, escalate, answer) and the view's task and history entries are the generic ones of
``workflows.human``; what is here is the registration's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from rules.reasons import Reason
from store.models.enums import RegistrationState
from workflows.human.authority import Acting
from workflows.human.journal import TaskView, TransitionView
from workflows.human.updates import DecideUpdate, EscalateUpdate, ProvideInfoUpdate
from workflows.human.validation import TaskSettings
from workflows.registration.vocabulary import DECISIONS

PROCESS_TYPE = "registration"
REVIEW_TASK = "registration.review"
INFO_TASK = "registration.info"

TASKS = TaskSettings(
    noun="registration",
    task_kind=REVIEW_TASK,
    question_kind=INFO_TASK,
    reviewing=RegistrationState.PENDING_APPROVAL,
    asking=RegistrationState.INFO_REQUESTED,
    vocabulary=DECISIONS,
)


class CloseOutcome(StrEnum):
    WON = "won"
    LOST = "lost"


def registration_workflow_id(partner_id: int, request_key: str) -> str:
    """The one workflow id of a partner's request: a retried submission finds the same process."""
    return f"registration-{partner_id}-{request_key}"


@dataclass
class RegistrationSubmission:
    """A partner's deal registration as submitted (``request_key`` is the partner's own key)."""

    partner_id: int
    request_key: str
    account_name: str
    territory: str
    vertical: str
    product_line: str
    deal_value: float
    submitted_by: str
    account_domain: str | None = None
    notes: str = ""


# --- what the partner asks for -----------------------------------------------------------------


@dataclass
class ExtendInput:
    actor: str
    comment: str = ""


@dataclass
class CloseInput:
    actor: str
    outcome: CloseOutcome
    comment: str = ""


@dataclass
class WithdrawInput:
    actor: str
    comment: str = ""


@dataclass
class DiscountOpened:
    """Signalled by a discount request that prices this registration: it is ended with it."""

    workflow_id: str


@dataclass
class ExtendUpdate:
    extension: ExtendInput
    acting: Acting


@dataclass
class CloseUpdate:
    closing: CloseInput
    acting: Acting


@dataclass
class WithdrawUpdate:
    withdrawal: WithdrawInput
    acting: Acting


# --- what a dispute asks of the registrations it stands between --------------------------------


@dataclass
class ContestInput:
    """A dispute contests this registration's rejection: it stays open until the dispute ends.

    Sent by the dispute process (never by a caller of the API); ``actor`` is who opened it."""

    dispute_id: str
    actor: str


@dataclass
class ContestUpdate:
    contest: ContestInput


@dataclass
class DisputeOutcomeInput:
    """A dispute's outcome as it bears on this registration (``rules.dispute.effects``).

    ``release``: this holder's registration ends and its hold passes to ``transfer_to_*`` (or
    ends, the account recorded as direct sales' when ``return_to_direct``); ``approve``: this
    claimant's rejection becomes an approval with protection, holding the account unless
    ``co_sell``, and ending direct sales' engagement when ``end_direct``. Neither: the outcome is
    recorded (upheld, or co-sold beside this holder). ``reason`` is what the partner reads.
    """

    dispute_id: str
    resolution: str
    actor: str
    reason: Reason
    on_behalf_of: str | None = None
    release: bool = False
    transfer_to_workflow_id: str | None = None
    transfer_to_partner_id: int | None = None
    transfer_to_submitted_at: datetime | None = None
    return_to_direct: bool = False
    approve: bool = False
    co_sell: bool = False
    co_sell_share: float | None = None
    end_direct: bool = False


@dataclass
class DisputeOutcomeUpdate:
    outcome: DisputeOutcomeInput


# --- what a partner exit asks of its partner's open registrations ------------------------------


@dataclass
class ExitDispositionInput:
    """The partner's exit disposes of this registration (``rules.exit.exit_plan``).

    ``honour_until_expiry``: it stays protected until it expires (no more extensions);
    ``return_to_direct``: it ends, the account recorded as direct sales'; ``transfer``: it ends
    and its hold passes to the transferee's registration ``transfer_to_*``. Sent by the exit
    process (never by a caller of the API); ``reason`` is what the partner reads."""

    exit_id: str
    disposition: str
    actor: str
    reason: Reason
    transfer_to_workflow_id: str | None = None
    transfer_to_partner_id: int | None = None
    transfer_to_submitted_at: datetime | None = None


@dataclass
class ExitDispositionUpdate:
    disposition: ExitDispositionInput


RegistrationUpdate = (
    DecideUpdate
    | EscalateUpdate
    | ProvideInfoUpdate
    | ExtendUpdate
    | CloseUpdate
    | WithdrawUpdate
    | ContestUpdate
    | DisputeOutcomeUpdate
    | ExitDispositionUpdate
)


# --- what the workflow shows -------------------------------------------------------------------


@dataclass
class ExtensionView:
    requested_at: datetime
    actor: str
    granted: bool
    reasons: list[Reason] = field(default_factory=list)
    new_expires_at: datetime | None = None


@dataclass
class RegistrationView:
    """The full state of one registration, as the ``view`` query returns it."""

    workflow_id: str
    submission: RegistrationSubmission
    state: str
    rulebook_version: str = ""
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    expires_at: datetime | None = None
    remind_at: datetime | None = None
    reminded: bool = False
    extensions_used: int = 0
    reasons: list[Reason] = field(default_factory=list)
    holder_workflow_id: str | None = None
    open_tasks: list[TaskView] = field(default_factory=list)
    sla_paused_remaining_seconds: float | None = None
    extensions: list[ExtensionView] = field(default_factory=list)
    history: list[TransitionView] = field(default_factory=list)
    # Discount requests that signalled on opening (histories recorded before the discount rows
    # became the link; see ``activities.discount.record_discount_submission``).
    discounts: list[str] = field(default_factory=list)
    # A rejection on a conflict can be contested until ``appeal_until`` (None outside that time);
    # the disputes this registration stands in, and its share when a dispute co-sold the account.
    appeal_until: datetime | None = None
    disputes: list[str] = field(default_factory=list)
    dispute_outcomes: list[str] = field(default_factory=list)  # the disputes whose outcome it applied
    co_sell_share: float | None = None
    # The partner's exit that disposed of this registration, and how.
    exit_id: str | None = None
    exit_disposition: str | None = None

    @property
    def in_appeal(self) -> bool:
        """Rejected on a conflict and still open to (or held by) a dispute."""
        return self.state == RegistrationState.REJECTED and self.appeal_until is not None

    @property
    def open_task(self) -> TaskView | None:
        """The one open task: a review, or the partner's question (a registration has at most one)."""
        return self.open_tasks[0] if self.open_tasks else None

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    @property
    def finished(self) -> bool:
        return self.state in RegistrationState.FINAL
