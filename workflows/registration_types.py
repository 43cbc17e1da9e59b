"""What goes in and out of a registration workflow: the submission, the updates and the view.

Plain dataclasses of JSON-friendly types (str, int, float, tz-aware datetimes, lists, dicts), so
Temporal's default converter carries them and fields can be added without breaking callers.
The client, the CLI, the web app and the workflow all use these same types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from rules.reasons import Reason
from store.models.enums import RegistrationState

PROCESS_TYPE = "registration"
REVIEW_TASK = "registration.review"
INFO_TASK = "registration.info"


class DecisionOutcome(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_INFO = "request_info"


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


# --- who is acting -----------------------------------------------------------------------------


@dataclass
class Delegator:
    """Someone who delegated their tasks to the actor for a period that includes now."""

    username: str
    roles: list[str] = field(default_factory=list)


@dataclass
class ActorAuthority:
    """The actor's roles and active delegations, read from the database just before an update.

    The client resolves this so the workflow's validators can check it without I/O.
    """

    username: str
    roles: list[str] = field(default_factory=list)
    partner_id: int | None = None
    delegators: list[Delegator] = field(default_factory=list)


@dataclass
class Acting:
    """Who sends an update, and until when it may still be applied.

    ``not_after`` bounds delivery: an update that reaches a worker later (because no worker ran
    when it was sent and the caller has already been told "try again") is refused.
    """

    authority: ActorAuthority
    not_after: datetime


# --- what people ask for -----------------------------------------------------------------------


@dataclass
class DecisionInput:
    task_id: int
    actor: str
    outcome: DecisionOutcome
    comment: str = ""
    on_behalf_of: str | None = None


@dataclass
class EscalateInput:
    """Send an open review up to the next level now, without waiting for the SLA."""

    task_id: int
    actor: str
    comment: str = ""


@dataclass
class ProvideInfoInput:
    actor: str
    answer: str


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
class SettledRequest:
    """Wait for the rules' first decision (``settled`` update); nothing to say yet."""


@dataclass
class DecideUpdate:
    decision: DecisionInput
    acting: Acting


@dataclass
class EscalateUpdate:
    escalation: EscalateInput
    acting: Acting


@dataclass
class ProvideInfoUpdate:
    info: ProvideInfoInput
    acting: Acting


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


# --- what the workflow shows -------------------------------------------------------------------


@dataclass
class TaskView:
    """The open human task: a review by ``role``, or the partner's answer to a question."""

    task_id: int
    kind: str
    role: str
    escalation_level: int
    opened_at: datetime
    due_at: datetime | None
    question: str = ""


@dataclass
class TransitionView:
    seq: int
    at: datetime
    actor: str
    action: str
    before: str
    after: str
    reason_codes: list[str] = field(default_factory=list)
    on_behalf_of: str | None = None
    comment: str = ""


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
    open_task: TaskView | None = None
    sla_paused_remaining_seconds: float | None = None
    extensions: list[ExtensionView] = field(default_factory=list)
    history: list[TransitionView] = field(default_factory=list)

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    @property
    def finished(self) -> bool:
        return self.state in RegistrationState.FINAL
