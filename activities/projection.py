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

from sqlmodel import Session, select
from temporalio import activity

from parley.settings import get_settings
from store.crud.deliveries import plan_deliveries
from store.crud.notifications import append_notification
from store.crud.records import append_audit_event
from store.crud.tasks import close_task, open_task
from store.engine import session_scope
from store.models import User
from store.models.enums import EventType, Role


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
    """A notice for a user or a role; ``event`` is an ``EventType`` value, ``data`` what the
    recipient may read of it beyond the words (docs/notifications.md). Notices of one event to
    several recipients share the event; ``topic`` tells two events of one type in one
    transition apart (two tasks opened at once)."""

    event: str
    subject: str
    body: str = ""
    recipient_role: str | None = None
    recipient_user: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    topic: str = ""
    partner_id: int | None = None  # a notice to the partner role for this one partner's users


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
    announce(session, projection, list(zip(task_ids, projection.open_tasks, strict=True)))
    return ProjectionResult(task_ids=task_ids)


def task_notices(projection: Projection, opened: list[tuple[int, TaskOpening]]) -> list[NotificationRecord]:
    """A notice for whoever a new task waits on, unless the transition already tells them (an
    escalation's own notice names the new level's role)."""
    told = {(note.recipient_role, note.recipient_user) for note in projection.notifications}
    notices = []
    for task_id, opening in opened:
        if (opening.role, None) in told or (None, opening.assignee) in told:
            continue
        question = opening.role == Role.PARTNER
        notices.append(
            NotificationRecord(
                event=EventType.TASK_INFO_REQUESTED if question else EventType.TASK_ASSIGNED,
                subject=opening.title if question else f"New task: {opening.title}",
                body=opening.summary,
                recipient_role=None if opening.assignee else opening.role,
                recipient_user=opening.assignee,
                # A partner's task is for that partner's users, never every partner's.
                partner_id=opening.partner_id if question and not opening.assignee else None,
                data={
                    "task_id": task_id,
                    "task_kind": opening.kind,
                    "role": opening.role,
                    "due_at": opening.due_at.isoformat() if opening.due_at else None,
                },
                topic=f"task-{task_id}",
            )
        )
    return notices


def _told_twice(session: Session, notes: list[NotificationRecord]) -> list[NotificationRecord]:
    """Drop a notice to a user who also holds a role the same event is told to: one person
    reads one notice (an exit's starter in partner operations, say)."""
    roles_told: dict[tuple[str, str], set[str]] = {}
    for note in notes:
        if note.recipient_role:
            roles_told.setdefault((note.event, note.topic), set()).add(note.recipient_role)
    kept = []
    for note in notes:
        told = roles_told.get((note.event, note.topic))
        if note.recipient_user and told:
            user = session.exec(select(User).where(User.username == note.recipient_user)).first()
            if user is not None and told & set(user.roles):
                continue
        kept.append(note)
    return kept


def announce(session: Session, projection: Projection, opened: list[tuple[int, TaskOpening]]) -> None:
    """Write the transition's notifications and plan their mails and webhook calls, in the
    caller's transaction (the outbox the delivery dispatcher reads)."""
    audit = projection.audit
    facts: dict[str, Any] = {}
    if audit is not None:
        facts = {"state": audit.after_state, "reason_codes": list(audit.reason_codes)}
    email = bool(get_settings().smtp_host)
    notes = _told_twice(session, [*projection.notifications, *task_notices(projection, opened)])
    for index, note in enumerate(notes):
        notification = append_notification(
            session=session,
            data={
                "event_type": note.event,
                "subject": note.subject,
                "body": note.body,
                "recipient_role": note.recipient_role,
                "recipient_user": note.recipient_user,
                "partner_id": note.partner_id,
                "process_type": projection.process_type,
                "process_id": projection.process_id,
                "event_key": "/".join(filter(None, (projection.key, note.event, note.topic))),
                "data": {**facts, **note.data},
                "idempotency_key": f"{projection.key}/n{index}",
            },
        )
        plan_deliveries(session=session, notification=notification, email=email)


@activity.defn
def project_transition(projection: Projection) -> ProjectionResult:
    """For processes without a table of their own: write the projection alone."""
    with session_scope() as session:
        return apply_projection(session, projection)
