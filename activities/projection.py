"""What a process transition writes for people to read: tasks, the audit trail, notifications.

Generic for every process type (registration, discount, dispute, exit): a workflow describes
one transition as a ``Projection`` and the writes happen in one database transaction, so the
inbox never sees a task closed without its audit event. Every write is idempotent (task key,
idempotency keys), so an activity Temporal retries after a crash writes each record once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session
from temporalio import activity

from store.crud.records import append_audit_event, append_notification
from store.crud.tasks import close_task, open_task
from store.engine import session_scope


@dataclass
class AuditRecord:
    """One audit event: who (a user, or ``rule:<code>``), what, when, why, and the state change."""

    actor: str
    action: str
    at: datetime
    rulebook_version: str | None
    before_state: str | None
    after_state: str | None
    reason_codes: list[str] = field(default_factory=list)
    on_behalf_of: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class TaskOpening:
    """A human task to show in the inbox; (kind, escalation_level, slot) identify it in its
    process: ``escalation_level`` is the step of its approval path, ``slot`` tells the parallel
    tasks of one step apart (empty when the step has one)."""

    kind: str
    escalation_level: int
    title: str
    role: str
    due_at: datetime | None
    summary: str
    priority: int = 0
    value: float | None = None
    partner_id: int | None = None
    territory: str | None = None
    assignee: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    slot: str = ""


@dataclass
class TaskClosing:
    kind: str
    escalation_level: int
    outcome: str
    closed_by: str
    at: datetime
    on_behalf_of: str | None = None
    slot: str = ""


@dataclass
class NotificationRecord:
    kind: str
    subject: str
    body: str = ""
    recipient_role: str | None = None
    recipient_user: str | None = None


@dataclass
class Projection:
    """Everything one transition writes. ``key`` is unique per transition of the process."""

    process_type: str
    process_id: str
    key: str
    audit: AuditRecord | None = None
    close_tasks: list[TaskClosing] = field(default_factory=list)
    open_tasks: list[TaskOpening] = field(default_factory=list)
    notifications: list[NotificationRecord] = field(default_factory=list)


@dataclass
class ProjectionResult:
    """The inbox ids of the tasks opened, in the order given."""

    task_ids: list[int] = field(default_factory=list)


def apply_projection(session: Session, projection: Projection) -> ProjectionResult:
    """Write a transition's records inside the caller's transaction."""
    for closing in projection.close_tasks:
        close_task(
            session=session,
            process_id=projection.process_id,
            kind=closing.kind,
            escalation_level=closing.escalation_level,
            outcome=closing.outcome,
            closed_by=closing.closed_by,
            on_behalf_of=closing.on_behalf_of,
            at=closing.at,
            slot=closing.slot,
        )
    opened = [
        open_task(
            session=session,
            data={
                "process_type": projection.process_type,
                "process_id": projection.process_id,
                **vars(opening),
            },
        )
        for opening in projection.open_tasks
    ]
    task_ids = [task.id for task in opened if task.id is not None]
    if projection.audit is not None:
        append_audit_event(
            session=session,
            data={
                **vars(projection.audit),
                "process_id": projection.process_id,
                "process_type": projection.process_type,
                "idempotency_key": projection.key,
            },
        )
    for index, note in enumerate(projection.notifications):
        append_notification(
            session=session,
            data={
                **vars(note),
                "process_id": projection.process_id,
                "idempotency_key": f"{projection.key}/n{index}",
            },
        )
    return ProjectionResult(task_ids=task_ids)


@activity.defn
def project_transition(projection: Projection) -> ProjectionResult:
    """For processes without a table of their own: write the projection alone."""
    with session_scope() as session:
        return apply_projection(session, projection)
