"""The updates every process with human tasks takes: decide a task, escalate it, answer a question.

Plain dataclasses of JSON-friendly types, so Temporal's default converter carries them and fields
can be added (with defaults) without breaking a recorded history. A process adds its own updates
beside these and dispatches on the union of their types.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.human.authority import Acting


@dataclass
class DecisionInput:
    """``outcome`` is one of the task's process vocabulary (``workflows.human.vocabulary``)."""

    task_id: int
    actor: str
    outcome: str
    comment: str = ""
    on_behalf_of: str | None = None


@dataclass
class EscalateInput:
    """Send an open step up its path now, without waiting for the SLA."""

    task_id: int
    actor: str
    comment: str = ""


@dataclass
class ProvideInfoInput:
    """The requester's answer to the question that stopped the step's clock."""

    actor: str
    answer: str


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
class SettledRequest:
    """Wait for the rules' first decision (every process's ``settled`` update); nothing to say."""


TaskUpdate = DecideUpdate | EscalateUpdate | ProvideInfoUpdate
