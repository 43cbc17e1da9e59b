"""The per-process part of the inbox: one entry per process type.

The inbox lists, shows and decides tasks of every process type the same way; what differs is how
a decision reaches the process (each kind's typed workflow client) and what the detail page shows
about the case (a template partial plus the context it needs). A new process type adds one entry
to ``KINDS`` and nothing else in the inbox changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from store.models.tasks import Task

OUTCOMES: dict[str, str] = {
    "approve": "Approve",
    "reject": "Reject",
    "request_info": "Request more information",
}


@dataclass(frozen=True)
class Decision:
    """A decision an approver makes on one task, as the web and the API both submit it."""

    task: Task
    actor: str
    outcome: str
    comment: str
    on_behalf_of: str | None = None


@dataclass(frozen=True)
class DecisionResult:
    """What the process answered: accepted (with its new state) or refused (with why)."""

    accepted: bool
    message: str
    state: str | None = None
    unavailable: bool = False  # the process could not be reached: nothing happened, try again


@dataclass(frozen=True)
class ProcessKind:
    process_type: str
    label: str
    detail_template: str
    decide: Callable[[Decision], DecisionResult]
    detail_context: Callable[[Session, Task], dict[str, Any]]
    outcomes: tuple[str, ...] = tuple(OUTCOMES)


def _no_decider(decision: Decision) -> DecisionResult:
    return DecisionResult(
        False, f"Tasks of type {decision.task.process_type!r} cannot be decided from this inbox yet."
    )


def _no_context(_session: Session, _task: Task) -> dict[str, Any]:
    return {}


GENERIC = ProcessKind("generic", "Task", "inbox/kinds/_generic.html", _no_decider, _no_context, ())


def _registry() -> dict[str, ProcessKind]:
    from web.kinds_registration import REGISTRATION

    return {kind.process_type: kind for kind in (REGISTRATION,)}


KINDS: dict[str, ProcessKind] = {}


def kind_for(process_type: str) -> ProcessKind:
    """The entry for ``process_type``; unknown types still show (generically) but cannot be decided."""
    if not KINDS:
        KINDS.update(_registry())
    return KINDS.get(process_type, GENERIC)
