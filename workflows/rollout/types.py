"""What goes in and out of a rulebook roll-out workflow: the start, the updates and the view.

Plain dataclasses of JSON-friendly types, so Temporal's default converter carries them. The
client, the CLI, the web app and the workflow all use these same types.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from rules.reasons import Reason
from workflows.human.authority import Acting
from workflows.human.journal import TaskView, TransitionView
from workflows.human.updates import DecideUpdate, EscalateUpdate, ProvideInfoUpdate
from workflows.human.validation import TaskSettings
from workflows.human.vocabulary import APPROVE, REJECT, Vocabulary

PROCESS_TYPE = "rulebook"
APPROVAL_TASK = "rulebook.approval"
QUESTION_TASK = "rulebook.question"  # never opened: a roll-out's approval asks no questions
ACKNOWLEDGEMENT_TASK = "rulebook.acknowledgement"

DECISIONS = Vocabulary((APPROVE, REJECT))


class RolloutState:
    """The roll-out's states (``store.models.RulebookState`` plus the moments before a draft is
    stored): the version row follows them."""

    STARTED = "started"
    REFUSED = "refused"  # the draft was invalid or its id taken: nothing was stored
    DRAFT = "draft"  # waiting for a what-if (when required), then for approval
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    IN_FORCE = "in_force"
    WITHDRAWN = "withdrawn"
    WITHDRAWABLE = (DRAFT, APPROVED, SCHEDULED)
    FINAL = (REFUSED, WITHDRAWN)


TASKS = TaskSettings(
    noun="rulebook version",
    task_kind=APPROVAL_TASK,
    question_kind=QUESTION_TASK,
    reviewing=RolloutState.DRAFT,
    asking="info_requested",  # never reached: the approval asks no questions (check_answerer)
    vocabulary=DECISIONS,
    asked_of="the author",
)


def rollout_workflow_id(version: str, text: str) -> str:
    """A retried submission of the same draft finds the same process; the same id submitted
    with other content (another database on the same server) does not collide with it."""
    return f"rulebook-{version}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


@dataclass
class RolloutStart:
    """A partner-ops user submits a draft (``text``: the YAML as written) and says why."""

    version: str
    text: str
    comment: str
    submitted_by: str


@dataclass
class WhatIfFacts:
    """A what-if run as the client read it, to attach to the draft (the gate judges it)."""

    run_id: int
    status: str
    baseline_version: str
    proposed_version: str | None
    headline: str = ""


@dataclass
class AttachInput:
    actor: str
    what_if: WhatIfFacts


@dataclass
class AttachUpdate:
    attach: AttachInput
    acting: Acting


@dataclass
class WithdrawInput:
    actor: str
    reason: str


@dataclass
class WithdrawUpdate:
    withdraw: WithdrawInput
    acting: Acting


@dataclass
class AcknowledgeInput:
    actor: str
    partner_id: int


@dataclass
class AcknowledgeUpdate:
    acknowledge: AcknowledgeInput
    acting: Acting


@dataclass
class SupersededSignal:
    """From the roll-out of a newer version, when it comes into force: stop asking for this one."""

    version: str  # the version now in force


RolloutUpdate = (
    DecideUpdate
    | EscalateUpdate
    | ProvideInfoUpdate
    | AttachUpdate
    | WithdrawUpdate
    | AcknowledgeUpdate
    | SupersededSignal
)


@dataclass
class AcknowledgementView:
    """One partner asked to acknowledge the published version."""

    partner_id: int
    partner_name: str
    task_id: int | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    overdue: bool = False


@dataclass
class RolloutView:
    """The full state of one roll-out, as the ``view_state`` query returns it.

    ``rulebook_version`` is the version in force when the draft was submitted: it governs the
    roll-out (who approves, whether a what-if is required, the acknowledgement period)."""

    workflow_id: str
    start: RolloutStart
    state: str
    rulebook_version: str = ""
    effective_from: datetime | None = None
    changes: list[str] = field(default_factory=list)
    simulation_required: bool = True
    what_if: WhatIfFacts | None = None
    gate_reasons: list[Reason] = field(default_factory=list)
    approval_role: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    acknowledge_by: datetime | None = None
    reminder_at: datetime | None = None
    reminded: bool = False
    deadline_passed: bool = False  # the acknowledgement deadline has been handled
    acknowledgements: list[AcknowledgementView] = field(default_factory=list)
    ended_because: str = ""
    superseded_by: str = ""  # the newer version in force that ended the acknowledgements
    open_tasks: list[TaskView] = field(default_factory=list)
    sla_paused_remaining_seconds: float | None = None
    history: list[TransitionView] = field(default_factory=list)

    @property
    def effective(self) -> datetime:
        """When the version takes effect (known once the draft is stored)."""
        assert self.effective_from is not None, "the draft is not stored yet"
        return self.effective_from

    @property
    def finished(self) -> bool:
        return self.state in RolloutState.FINAL

    def acknowledgement_of(self, partner_id: int) -> AcknowledgementView | None:
        return next((a for a in self.acknowledgements if a.partner_id == partner_id), None)
