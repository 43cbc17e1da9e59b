"""What goes in and out of a dispute workflow: the opening, the parties' updates and the view.

Plain dataclasses of JSON-friendly types, so Temporal's default converter carries them and fields
can be added without breaking callers. The task updates (decide, escalate) are the generic ones of
``workflows.human``; what is here is the dispute's own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from rules.reasons import Reason
from store.models.enums import DisputeState
from workflows.dispute.vocabulary import DECISIONS
from workflows.human.authority import Acting
from workflows.human.journal import TaskView, TransitionView
from workflows.human.updates import DecideUpdate, EscalateUpdate, ProvideInfoUpdate
from workflows.human.validation import TaskSettings

PROCESS_TYPE = "dispute"
LEVEL_TASK = "dispute.level"
PARTY_TASK = "dispute.party"
QUESTION_TASK = "dispute.question"  # unused: a dispute's deciders read the parties' statements

CLAIMANT = "claimant"
RESPONDENT = "respondent"
DECIDERS = "path"  # a comment by someone on the escalation path or partner operations

TASKS = TaskSettings(
    noun="dispute",
    task_kind=LEVEL_TASK,
    question_kind=QUESTION_TASK,
    reviewing=DisputeState.IN_REVIEW,
    asking="info_requested",  # never entered: the vocabulary asks no questions
    vocabulary=DECISIONS,
    asked_of="the parties",
)


def dispute_workflow_id(contest_key: str) -> str:
    """One process per contested pair, named without either party's ids or keys (a partner sees
    the id of a dispute it stands in; it must not learn the other side's request key from it)."""
    return "dispute-" + hashlib.sha256(contest_key.encode()).hexdigest()[:20]


@dataclass
class PartyView:
    """One side of the dispute as deciders see it; partners see the other side only as its side."""

    side: str  # rules.dispute.Side: partner or direct
    partner_id: int | None = None
    partner_name: str = ""
    registration_id: str | None = None
    account_name: str = ""
    account_domain: str | None = None
    state: str = ""
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    expires_at: datetime | None = None
    reasons: list[Reason] = field(default_factory=list)
    contact: str = ""  # the user who submitted the registration: the dispute's notices reach them


@dataclass
class DisputeOpening:
    """Who contests what. Built by the client from the stored registrations, after it checked the
    contest (``rules.dispute.contest_refusal``) and who is opening it."""

    contest_key: str
    claimant: PartyView
    respondent: PartyView
    product_line: str
    contested_codes: list[str]
    statement: str
    opened_by: str
    # Whoever decided the contested decision, when a person did: they may not hear the dispute.
    decided_by: str | None = None


@dataclass
class StatementInput:
    actor: str
    text: str


@dataclass
class StatementUpdate:
    """A party's statement (closing its party task if open) or a comment on the case thread."""

    statement: StatementInput
    acting: Acting


@dataclass
class WithdrawInput:
    actor: str
    comment: str = ""


@dataclass
class WithdrawUpdate:
    """The claimant gives the dispute up; the contested decision stands."""

    withdrawal: WithdrawInput
    acting: Acting


DisputeUpdate = DecideUpdate | EscalateUpdate | ProvideInfoUpdate | StatementUpdate | WithdrawUpdate


# --- what the workflow shows -------------------------------------------------------------------


@dataclass
class ThreadEntry:
    seq: int
    side: str  # claimant, respondent, or path (the deciders)
    author: str
    at: datetime
    text: str


@dataclass
class DisputeView:
    """The full state of one dispute, as the ``view_state`` query returns it."""

    workflow_id: str
    opening: DisputeOpening
    state: str
    rulebook_version: str = ""
    opened_at: datetime | None = None
    hearing_until: datetime | None = None
    statements_given: list[str] = field(default_factory=list)  # the sides that gave theirs
    level: int | None = None  # the level hearing the case (0 is the first)
    levels: list[str] = field(default_factory=list)  # the path's roles, in order
    resolution: str | None = None
    resolved_by_default: bool = False
    outcome: Reason | None = None
    resolved_at: datetime | None = None
    ended_because: str = ""
    award_refusals: list[str] = field(default_factory=list)
    thread: list[ThreadEntry] = field(default_factory=list)
    open_tasks: list[TaskView] = field(default_factory=list)
    sla_paused_remaining_seconds: float | None = None
    history: list[TransitionView] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.state in DisputeState.FINAL
