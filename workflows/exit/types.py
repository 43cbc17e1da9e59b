"""What goes in and out of an exit workflow: the start, the updates and the view.

Plain dataclasses of JSON-friendly types, so Temporal's default converter carries them and
fields can be added without breaking callers. The client, the CLI, the web app and the workflow
all use these same types.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from rules.reasons import Reason
from store.models.enums import ExitState
from workflows.exit.vocabulary import DECISIONS
from workflows.human.authority import Acting
from workflows.human.journal import TaskView, TransitionView
from workflows.human.updates import DecideUpdate, EscalateUpdate, ProvideInfoUpdate
from workflows.human.validation import TaskSettings

PROCESS_TYPE = "exit"
APPROVAL_TASK = "exit.approval"
QUESTION_TASK = "exit.question"  # never opened: an exit's approval asks no questions
TRANSFEREE_TASK = "exit.transferee"

TASKS = TaskSettings(
    noun="exit",
    task_kind=APPROVAL_TASK,
    question_kind=QUESTION_TASK,
    reviewing=ExitState.AWAITING_APPROVAL,
    asking="info_requested",  # never reached: the approval asks no questions (check_answerer)
    vocabulary=DECISIONS,
    asked_of="partner operations",
)


def exit_workflow_id(partner_id: int, number: int, partner_created_at: datetime) -> str:
    """The partner's ``number``-th exit: a retried start finds the same process, and a second
    exit started at the same time as another collides on the id. The partner row's creation time
    tells apart two databases whose partner ids coincide on one Temporal server (a database
    recreated beside a kept Temporal store, or test databases sharing a server)."""
    stamp = hashlib.sha256(partner_created_at.isoformat().encode()).hexdigest()[:6]
    return f"exit-{partner_id}-{number}-{stamp}"


@dataclass
class ExitStart:
    """Partner operations give a partner notice (``why``: what the partner and the audit read)."""

    partner_id: int
    exit_type: str
    why: str
    started_by: str


@dataclass
class CancelInput:
    actor: str
    reason: str


@dataclass
class CancelUpdate:
    cancel: CancelInput
    acting: Acting


@dataclass
class TransfereeInput:
    """Partner operations' choice for a registration nobody eligible could take over:
    ``partner_id`` takes it, or None returns it to direct sales."""

    actor: str
    registration_id: str
    partner_id: int | None = None
    comment: str = ""


@dataclass
class TransfereeUpdate:
    choice: TransfereeInput
    acting: Acting


ExitUpdate = DecideUpdate | EscalateUpdate | ProvideInfoUpdate | CancelUpdate | TransfereeUpdate


@dataclass
class DispositionView:
    """One of the partner's open registrations in the exit: what the plan does with it."""

    registration_id: str
    disposition: str
    effective_at: datetime
    state: str
    reasons: list[Reason] = field(default_factory=list)
    registration_state: str = ""
    expires_at: datetime | None = None
    transferee_partner_id: int | None = None
    transferee_registration_id: str | None = None


@dataclass
class ExitView:
    """The full state of one exit, as the ``view_state`` query returns it."""

    workflow_id: str
    start: ExitStart
    state: str
    rulebook_version: str = ""
    partner_name: str = ""
    approval_role: str | None = None
    approved_by: str | None = None
    notice_given_at: datetime | None = None
    notice_ends_at: datetime | None = None
    access_revoked_at: datetime | None = None
    commission_ends_at: datetime | None = None
    mdf_ends_at: datetime | None = None
    ends_at: datetime | None = None  # when the wind-down ends: the last honoured expiry or end date
    dispositions: list[DispositionView] = field(default_factory=list)
    ended_because: str = ""
    open_tasks: list[TaskView] = field(default_factory=list)
    sla_paused_remaining_seconds: float | None = None
    history: list[TransitionView] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.state in ExitState.FINAL
