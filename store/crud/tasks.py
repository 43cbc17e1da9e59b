"""Human tasks: the projection of each open step of a process, written by workflow activities.

A task is identified by (process_id, kind, escalation_level, slot): an activity Temporal retries
writes the same row instead of adding a second one, and a step with several parallel tasks
(one per role, party or item) keeps one row for each.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from parley.errors import NotFound
from store.crud._common import insert_if_absent, parse, refuse, require_exists, require_member, table_of
from store.models import Partner, Role, Task, TaskOpen, TaskOutcome, TaskState, as_utc, utcnow

_IDENTITY = ("process_id", "kind", "escalation_level", "slot")


def _find(session: Session, process_id: str, kind: str, escalation_level: int, slot: str) -> Task | None:
    query = select(Task).where(
        Task.process_id == process_id,
        Task.kind == kind,
        Task.escalation_level == escalation_level,
        Task.slot == slot,
    )
    return session.exec(query.execution_options(populate_existing=True)).first()


def open_task(*, session: Session, data: TaskOpen | Mapping[str, Any]) -> Task:
    """Open the task, or open it again with these values (the one writer of task rows).

    Validated first: every problem names its field and nothing is written. A task closed earlier
    opens again under the same identity (a review the partner's answer resumes); re-applying the
    same values to an open task changes nothing, so a retried activity leaves one row.
    """
    task_in = parse(TaskOpen, data)
    require_member("role", task_in.role, Role)
    require_exists(session, Partner, task_in.partner_id, "partner_id")
    fields = task_in.model_dump()
    fields["due_at"] = as_utc(task_in.due_at) if task_in.due_at else None
    identity = {name: fields[name] for name in _IDENTITY}
    if not insert_if_absent(
        session, table_of(Task), {**fields, "state": TaskState.OPEN.value, "created_at": utcnow()}, _IDENTITY
    ):
        session.execute(
            update(Task)
            .where(*(getattr(Task, name) == value for name, value in identity.items()))
            .values(
                **{name: value for name, value in fields.items() if name not in identity},
                state=TaskState.OPEN.value,
                outcome=None,
                closed_at=None,
                closed_by=None,
                on_behalf_of=None,
            )
        )
    task = _find(session, *identity.values())
    if task is None:  # only if another transaction deleted it in between
        raise NotFound("task", tuple(identity.values()))
    return task


def get_task(*, session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound("task", task_id)
    return task


def find_task(*, session: Session, process_id: str, kind: str, escalation_level: int, slot: str = "") -> Task:
    task = _find(session, process_id, kind, escalation_level, slot)
    if task is None:
        raise NotFound("task", (process_id, kind, escalation_level, slot))
    return task


def _close(
    task: Task, outcome: str, closed_by: str | None, on_behalf_of: str | None, at: datetime | None
) -> None:
    task.state = TaskState.CLOSED.value
    task.outcome = outcome
    task.closed_at = as_utc(at) if at else utcnow()
    task.closed_by = closed_by
    task.on_behalf_of = on_behalf_of


def close_task(
    *,
    session: Session,
    process_id: str,
    kind: str,
    escalation_level: int,
    outcome: str,
    closed_by: str | None = None,
    on_behalf_of: str | None = None,
    at: datetime | None = None,
    slot: str = "",
) -> Task:
    """Close the task with an outcome. Closing again with the same outcome is a no-op (retries);
    with a different outcome it is refused."""
    outcome = require_member("outcome", outcome, TaskOutcome)
    task = find_task(
        session=session, process_id=process_id, kind=kind, escalation_level=escalation_level, slot=slot
    )
    if task.state == TaskState.CLOSED:
        if task.outcome != outcome:
            raise refuse("outcome", f"task already closed as {task.outcome}")
        return task
    _close(task, outcome, closed_by, on_behalf_of, at)
    session.add(task)
    session.flush()
    return task


def close_open_tasks(
    *,
    session: Session,
    process_id: str,
    outcome: str,
    closed_by: str | None = None,
    at: datetime | None = None,
) -> list[Task]:
    """Close every open task of a process (e.g. cancelled when the partner withdraws)."""
    outcome = require_member("outcome", outcome, TaskOutcome)
    tasks = list_process_tasks(session=session, process_id=process_id, state=TaskState.OPEN)
    for task in tasks:
        _close(task, outcome, closed_by, None, at)
        session.add(task)
    session.flush()
    return tasks


def list_process_tasks(*, session: Session, process_id: str, state: str | None = None) -> list[Task]:
    """A process's tasks in the order they were opened."""
    query = select(Task).where(Task.process_id == process_id)
    if state is not None:
        query = query.where(Task.state == require_member("state", state, TaskState))
    query = query.order_by(col(Task.created_at), col(Task.escalation_level), col(Task.slot), col(Task.id))
    return list(session.exec(query).all())


def claim_task(*, session: Session, task_id: int, username: str) -> Task:
    """Take an open task so colleagues in the same role see it is being handled.

    A conditional UPDATE, so two people claiming at once cannot both succeed.
    """
    statement = (
        update(Task)
        .where(
            col(Task.id) == task_id,
            col(Task.state) == TaskState.OPEN.value,
            or_(col(Task.claimed_by).is_(None), col(Task.claimed_by) == username),
        )
        .values(claimed_by=username)
    )
    if not session.execute(statement).rowcount:  # type: ignore[attr-defined]
        task = get_task(session=session, task_id=task_id)
        session.refresh(task)
        if task.state != TaskState.OPEN:
            raise refuse("task_id", f"task {task_id} is already closed ({task.outcome})")
        raise refuse("task_id", f"task {task_id} is already claimed by {task.claimed_by}")
    session.flush()
    task = get_task(session=session, task_id=task_id)
    session.refresh(task)
    return task


def release_task(*, session: Session, task_id: int, username: str) -> Task:
    """Give a claimed task back to its role queue; only the person holding it can."""
    task = get_task(session=session, task_id=task_id)
    if task.claimed_by != username:
        holder = task.claimed_by or "nobody"
        raise refuse("task_id", f"task {task_id} is claimed by {holder}, not {username}")
    task.claimed_by = None
    session.add(task)
    session.flush()
    return task
