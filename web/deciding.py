"""Deciding a task: the one path the inbox pages, bulk approval and the JSON API all take
(and escalating one by hand, where its kind allows it).

Checks what the web can know cheaply (can this person see the task, is it still open, is a
needed comment there), then hands the decision to the process through its kind's client. The
process is the authority: it may still refuse (four-eyes, stale, wrong role) and then nothing
changes. After an accepted decision we wait briefly for the projection to close the task row, so
the page that follows shows the outcome rather than a task that still looks open.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from parley.errors import NotFound
from store.crud import tasks as tasks_crud
from store.engine import session_scope
from store.models.enums import TaskState
from store.models.tasks import Task
from web.identity import Principal
from web.kinds import Decision, DecisionResult, kind_for

MAX_COMMENT = 2000
PROJECTION_WAIT_SECONDS = 3.0


@dataclass(frozen=True)
class Refusal:
    """A decision refused before it reached the process; ``field`` names the input at fault."""

    field: str
    message: str
    status: int = 409


class TaskHidden(Exception):
    """The task does not exist or this person may not see it (both look the same, on purpose)."""


def visible_task(principal: Principal, task_id: int) -> tuple[Task, str | None]:
    """The task and on whose behalf the principal would act; TaskHidden when not theirs."""
    with session_scope() as db:
        try:
            task = tasks_crud.get_task(session=db, task_id=task_id)
        except NotFound:
            raise TaskHidden(task_id) from None
    access = principal.access_to(task)
    if not access.allowed and not (task.state != TaskState.OPEN and task.closed_by == principal.username):
        raise TaskHidden(task_id)
    return task, access.on_behalf_of


def precheck(principal: Principal, task: Task, outcome: str, comment: str) -> Refusal | None:
    """The kind's own vocabulary says which decisions its tasks take and which need a comment."""
    kind = kind_for(task.process_type)
    choice = kind.vocabulary.choice(outcome)
    allowed = kind.outcomes_for(task)
    if choice is None or outcome not in allowed:
        words = ", ".join(allowed) or "none (its process does not run here, or it is not decided)"
        return Refusal(
            "outcome", f"{outcome!r} is not a decision on a {kind.label.lower()} task: {words}", 422
        )
    if choice.comment_required and not comment.strip():
        return Refusal("comment", f"a comment is required to {choice.label.lower()}", 422)
    if len(comment) > MAX_COMMENT:
        return Refusal("comment", f"must be at most {MAX_COMMENT} characters", 422)
    return _still_open(principal, task)


def _still_open(principal: Principal, task: Task) -> Refusal | None:
    if task.state != TaskState.OPEN:
        by = f" by {task.closed_by}" if task.closed_by else ""
        return Refusal("task_id", f"This task is no longer open: it was {task.outcome or 'closed'}{by}.")
    if task.claimed_by and task.claimed_by != principal.username:
        return Refusal("task_id", f"This task is claimed by {task.claimed_by}; only they can decide it now.")
    return None


def _wait_for_projection(task_id: int) -> Task | None:
    deadline = time.monotonic() + PROJECTION_WAIT_SECONDS
    while True:
        with session_scope() as db:
            task = tasks_crud.get_task(session=db, task_id=task_id)
        if task.state != TaskState.OPEN or time.monotonic() >= deadline:
            return task
        time.sleep(0.05)


def decide(principal: Principal, task_id: int, outcome: str, comment: str) -> DecisionResult | Refusal:
    """Decide one task as ``principal``; TaskHidden when they may not see it."""
    task, on_behalf_of = visible_task(principal, task_id)
    refusal = precheck(principal, task, outcome, comment)
    if refusal is not None:
        return refusal
    result = kind_for(task.process_type).decide(
        Decision(task, principal.username, outcome, comment.strip(), on_behalf_of)
    )
    if result.accepted:
        _wait_for_projection(task_id)
    return result


def escalate(principal: Principal, task_id: int, comment: str) -> DecisionResult | Refusal:
    """Send one task up its path now, as ``principal``; TaskHidden when they may not see it."""
    task, _ = visible_task(principal, task_id)
    kind = kind_for(task.process_type)
    if len(comment) > MAX_COMMENT:
        return Refusal("comment", f"must be at most {MAX_COMMENT} characters", 422)
    refusal = _still_open(principal, task)
    if refusal is not None:
        return refusal
    if not kind.escalates(task):
        return Refusal("task_id", f"This {kind.label.lower()} task cannot be escalated by hand here.")
    result = kind.escalate(task, principal.username, comment.strip())
    if result.accepted:
        _wait_for_projection(task_id)
    return result
