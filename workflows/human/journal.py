"""A process's record of itself: its open tasks, its numbered transitions, its search attributes.

Every state change is one *transition*: the process's activity writes it (its own row, plus the
generic projection: tasks opened and closed, the audit event, notifications) in one database
transaction, and the journal keeps the process's history, state and search attributes in step.
The process says how its activity is called; everything else is the same for every process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from temporalio import workflow
from temporalio.common import SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from activities.projection import (
        AuditRecord,
        NotificationRecord,
        Projection,
        ProjectionResult,
        TaskClosing,
        TaskOpening,
    )
    from parley.constants import SearchAttribute

STATE_KEY = SearchAttributeKey.for_keyword(SearchAttribute.STATE.value)
DUE_KEY = SearchAttributeKey.for_datetime(SearchAttribute.DUE_AT.value)


@dataclass
class TaskView:
    """An open human task: a step's task for ``role``, or the requester's answer to a question.

    (kind, escalation_level, slot) identify it within its process: ``escalation_level`` is the
    step of the approval path, ``slot`` tells the parallel tasks of one step apart.
    """

    task_id: int
    kind: str
    role: str
    escalation_level: int
    opened_at: datetime
    due_at: datetime | None
    question: str = ""
    slot: str = ""


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
class Change:
    """What one transition changes besides the state (all optional)."""

    reason_codes: list[str] | None = None
    on_behalf_of: str | None = None
    comment: str = ""
    close_tasks: list[TaskClosing] = field(default_factory=list)
    open_tasks: list[TaskOpening] = field(default_factory=list)
    notifications: list[NotificationRecord] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


class ProcessRecord(Protocol):
    """The part of a process's state (its view) that the generic machinery reads and keeps."""

    workflow_id: str
    state: str
    rulebook_version: str
    open_tasks: list[TaskView]
    history: list[TransitionView]
    sla_paused_remaining_seconds: float | None


Store = Callable[[Projection], Awaitable[ProjectionResult]]


def closing(
    task: TaskView, outcome: str, by: str, at: datetime, on_behalf_of: str | None = None
) -> TaskClosing:
    return TaskClosing(task.kind, task.escalation_level, outcome, by, at, on_behalf_of, task.slot)


def find_task(record: ProcessRecord, task_id: int) -> TaskView | None:
    return next((task for task in record.open_tasks if task.task_id == task_id), None)


class Journal:
    def __init__(self, process_type: str, record: ProcessRecord) -> None:
        self.process_type = process_type
        self.record = record

    async def write(self, *, action: str, after: str, actor: str, change: Change, store: Store) -> list[int]:
        """Write one transition through ``store`` (the process's activity); the opened tasks' ids."""
        record = self.record
        now = workflow.now()
        seq = len(record.history) + 1
        codes = change.reason_codes if change.reason_codes is not None else []
        detail = {**change.detail, **({"comment": change.comment} if change.comment else {})}
        projection = Projection(
            process_type=self.process_type,
            process_id=record.workflow_id,
            key=f"{record.workflow_id}#{seq}",
            audit=AuditRecord(
                actor=actor,
                action=action,
                at=now,
                rulebook_version=record.rulebook_version or None,
                before_state=record.state,
                after_state=after,
                reason_codes=codes,
                on_behalf_of=change.on_behalf_of,
                detail=detail,
            ),
            close_tasks=change.close_tasks,
            open_tasks=change.open_tasks,
            notifications=change.notifications,
        )
        result = await store(projection)
        record.history.append(
            TransitionView(
                seq=seq,
                at=now,
                actor=actor,
                action=action,
                before=record.state,
                after=after,
                reason_codes=codes,
                on_behalf_of=change.on_behalf_of,
                comment=change.comment,
            )
        )
        record.state = after
        return result.task_ids

    def publish(self, fallback_due: datetime | None = None) -> None:
        """Search attributes: the state, and the soonest due task (else ``fallback_due``)."""
        dues = [task.due_at for task in self.record.open_tasks if task.due_at is not None]
        due = min(dues) if dues else fallback_due
        updates: list[Any] = [STATE_KEY.value_set(self.record.state)]
        updates.append(DUE_KEY.value_set(due) if due is not None else DUE_KEY.value_unset())
        workflow.upsert_search_attributes(updates)
