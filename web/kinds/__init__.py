"""The per-process part of the inbox: one module per process kind, found by itself.

The inbox lists, shows and decides tasks of every process the same way; what differs is how a
decision reaches the process (the kind's typed client), which decisions its tasks take (its
vocabulary), what the detail page shows about the case (a template partial and its context), and
where the process itself is shown. A new kind is one module in this package defining ``KIND``,
plus its template: nothing else in the inbox, the API or the task page changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from parley.errors import DecisionRefused, ParleyError, ServiceUnavailable
from store.crud.records import latest_states
from store.models.tasks import Task
from web import runner
from web.workflow_clients import process_client
from workflows.human.updates import DecisionInput, EscalateInput
from workflows.human.vocabulary import Vocabulary

if TYPE_CHECKING:
    from parley.clients.base import ProcessClient

UNAVAILABLE = "The approval service is not available, try again in a moment. Nothing was recorded."


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


def _no_context(_session: Session, _task: Task) -> dict[str, Any]:
    return {}


def _no_page(_task: Task) -> str | None:
    return None


def _never(_task: Task) -> bool:
    return False


@dataclass(frozen=True)
class ProcessKind:
    """One process type as the inbox knows it."""

    process_type: str
    label: str
    detail_template: str
    vocabulary: Vocabulary
    client: type[ProcessClient[Any]] | None  # None: not installed here, its tasks cannot be decided
    detail_context: Callable[[Session, Task], dict[str, Any]] = _no_context
    process_url: Callable[[Task], str | None] = _no_page
    noun: str = field(default="")
    # The words one task takes, when a process allows only some of its vocabulary on a task
    # (a dispute's sides decide which resolutions its levels may choose); None: all of them.
    task_words: Callable[[Task], tuple[str, ...]] | None = None
    # Whether a person may send this task up its path now, without waiting for its SLA.
    escalates: Callable[[Task], bool] = _never

    @property
    def outcomes(self) -> tuple[str, ...]:
        return self.vocabulary.outcomes if self.client is not None else ()

    def outcomes_for(self, task: Task) -> tuple[str, ...]:
        """The decisions ``task`` takes, in the vocabulary's order."""
        if self.task_words is None:
            return self.outcomes
        allowed = set(self.task_words(task))
        return tuple(word for word in self.outcomes if word in allowed)

    @property
    def labels(self) -> dict[str, str]:
        return self.vocabulary.labels()

    def decide(self, decision: Decision) -> DecisionResult:
        """Send the decision to the process; the process is the authority and may refuse."""
        task = decision.task
        words = DecisionInput(
            task_id=task.id or 0,
            actor=decision.actor,
            outcome=decision.outcome,
            comment=decision.comment,
            on_behalf_of=decision.on_behalf_of,
        )
        return self._send(task, lambda client: client.decide(task.process_id, words), "Decision recorded")

    def escalate(self, task: Task, actor: str, comment: str) -> DecisionResult:
        """Send the task up its path now; the process refuses at the last level."""
        escalation = EscalateInput(task_id=task.id or 0, actor=actor, comment=comment)
        return self._send(task, lambda client: client.escalate(task.process_id, escalation), "Escalated")

    def _send(
        self, task: Task, call: Callable[[ProcessClient[Any]], Awaitable[Any]], done: str
    ) -> DecisionResult:
        if self.client is None:
            return DecisionResult(False, f"No {task.process_type!r} process runs in this Parley.")
        client_type = self.client

        async def send() -> Any:
            return await call(await process_client(client_type))

        try:
            view = runner.run(send())
        except DecisionRefused as refused:
            return DecisionResult(False, f"Refused: {refused.reason}")
        except ServiceUnavailable:
            return DecisionResult(False, UNAVAILABLE, unavailable=True)
        except ParleyError as exc:
            return DecisionResult(False, f"Refused: {exc}")
        state = str(view.state)
        noun = self.noun or self.label.lower()
        return DecisionResult(True, f"{done}. The {noun} is now {state.replace('_', ' ')}.", state)


@dataclass(frozen=True)
class ProcessLink:
    """Where a task's process stands and where it is shown."""

    state: str | None
    url: str | None


GENERIC = ProcessKind("generic", "Task", "inbox/kinds/_generic.html", Vocabulary(()), None)

KINDS: dict[str, ProcessKind] = {}


def register(kind: ProcessKind) -> None:
    """Make ``kind`` known to the inbox (the package's modules register themselves)."""
    KINDS[kind.process_type] = kind


def _discover() -> None:
    for module in pkgutil.iter_modules(__path__):
        found = getattr(importlib.import_module(f"{__name__}.{module.name}"), "KIND", None)
        if isinstance(found, ProcessKind) and found.process_type not in KINDS:
            register(found)


_discovered = False


def kinds() -> dict[str, ProcessKind]:
    """Every installed kind, by process type."""
    global _discovered
    if not _discovered:
        _discovered = True
        _discover()
    return KINDS


def kind_for(process_type: str) -> ProcessKind:
    """The kind of ``process_type``; an unknown type still shows (generically) but cannot be decided."""
    return kinds().get(process_type, GENERIC)


def process_links(session: Session, tasks: list[Task]) -> dict[str, ProcessLink]:
    """For each task's process: its state (from the audit trail, the same for every kind) and
    the page that shows it (from the kind)."""
    states = latest_states(session=session, process_ids=sorted({t.process_id for t in tasks}))
    return {
        t.process_id: ProcessLink(states.get(t.process_id), kind_for(t.process_type).process_url(t))
        for t in tasks
    }
