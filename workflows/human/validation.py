"""Validators of the task updates (decide, escalate, answer): read-only checks that raise ``Refusal``.

A validator sees the state as it is when the update arrives and must not change it; a refused
update is not written to the workflow's history at all, so stale, duplicate, unauthorised and
self-approvals leave no trace. They judge a *set* of open tasks: the parallel tasks of a step are
decided one by one, each by its own role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.approval import ApprovalPath
    from rules.durations import format_moment
    from workflows.human.authority import (
        OPERATOR_ROLES,
        ActorAuthority,
        Refusal,
        decider_for,
        require_current,
        require_storable,
    )
    from workflows.human.commands import CommandQueue
    from workflows.human.journal import ProcessRecord, TaskView
    from workflows.human.updates import DecideUpdate, EscalateUpdate, ProvideInfoUpdate
    from workflows.human.vocabulary import Vocabulary


# The refusal of a decision that came while another on the same task was being applied; the
# client waits for that one to reach the task row and says what it was.
BEING_APPLIED = "another decision on this task is being applied"
NO_LONGER_OPEN = "is no longer open"
NO_OPEN_REVIEW = "there is no open review"
# The refusals a decision gets when another decision got there first: the client then says whose.
LOST_RACE = (BEING_APPLIED, NO_LONGER_OPEN, NO_OPEN_REVIEW)


@dataclass(frozen=True)
class TaskSettings:
    """What one process's human tasks are called and which states they live in."""

    noun: str  # "registration": in refusals and messages
    task_kind: str  # the kind of a step's task rows, e.g. "registration.review"
    question_kind: str  # the kind of the requester's question task
    reviewing: str  # the process state while a step waits for its people
    asking: str  # the process state while a question waits for its answer
    vocabulary: Vocabulary
    asked_of: str = "the partner"  # who answers questions, for messages


class TaskHost(Protocol):
    """What the validators read of the process: its view (state, open tasks) and who asked."""

    @property
    def view(self) -> ProcessRecord: ...

    @property
    def requester(self) -> str:
        """Who asked for what is being decided: they may never decide it (four-eyes)."""
        ...

    def check_answerer(self, authority: ActorAuthority) -> None:
        """Refuse an actor who may not answer the process's questions."""
        ...

    def check_decision(self, authority: ActorAuthority, outcome: str) -> None:
        """Refuse a decision the process cannot take now (beyond the task's own checks)."""
        ...


def open_step_task(
    settings: TaskSettings, host: TaskHost, queue: CommandQueue[Any], task_id: int
) -> TaskView:
    """The open step task ``task_id``, or a refusal saying why it is not open."""
    view = host.view
    if view.state == settings.asking:
        raise Refusal(f"the review waits for {settings.asked_of}'s answer to a question")
    steps = [t for t in view.open_tasks if t.kind == settings.task_kind]
    if view.state != settings.reviewing or not steps:
        raise Refusal(f"the {settings.noun} is {view.state}; {NO_OPEN_REVIEW}")
    task = find_task_of_kind(view.open_tasks, task_id, settings.task_kind)
    if task is None:
        open_now = ", ".join(f"task {t.task_id} for {t.role}" for t in steps)
        what = "the open review is" if len(steps) == 1 else "the open tasks are"
        raise Refusal(f"task {task_id} {NO_LONGER_OPEN} (it was decided or escalated); {what} {open_now}")
    if queue.pending(EscalateUpdate) or queue.pending(DecideUpdate, where=_on_task(task_id)):
        raise Refusal(BEING_APPLIED)
    return task


def find_task_of_kind(tasks: list[TaskView], task_id: int, kind: str) -> TaskView | None:
    return next((t for t in tasks if t.task_id == task_id and t.kind == kind), None)


def _on_task(task_id: int) -> Callable[[Any], bool]:
    return lambda update: bool(update.decision.task_id == task_id)


def validate_decide(
    settings: TaskSettings, host: TaskHost, queue: CommandQueue[Any], update: DecideUpdate, now: datetime
) -> None:
    decision = update.decision
    require_current(update.acting, decision.actor, now)
    require_storable(decision.comment, "comment")
    task = open_step_task(settings, host, queue, decision.task_id)
    if task.due_at is not None and now > task.due_at:
        # The response time is over even if its timer has not been handled yet: the path moves
        # on by its rules, as the sandbox judges an answer later than the SLA.
        raise Refusal(
            f"task {task.task_id}'s response time ran out at {format_moment(task.due_at)}; "
            "it moves on by the rules (escalation or the default)"
        )
    choice = settings.vocabulary.choice(decision.outcome)
    if choice is None:
        words = ", ".join(settings.vocabulary.outcomes)
        raise Refusal(f"{decision.outcome!r} is not a decision on this task (one of {words})")
    if choice.comment_required and not decision.comment.strip():
        raise Refusal(choice.missing_comment)
    decider_for(update.acting.authority, task.role, host.requester, decision.on_behalf_of, settings.noun)
    host.check_decision(update.acting.authority, decision.outcome)


def validate_escalate(
    settings: TaskSettings,
    host: TaskHost,
    queue: CommandQueue[Any],
    path: ApprovalPath | None,
    update: EscalateUpdate,
    now: datetime,
) -> None:
    escalation = update.escalation
    require_current(update.acting, escalation.actor, now)
    require_storable(escalation.comment, "comment")
    task = open_step_task(settings, host, queue, escalation.task_id)
    if path is None or path.steps[task.escalation_level].on_breach is None:
        raise Refusal(f"{task.role} is the last level of the route; decide the task instead")
    if OPERATOR_ROLES & set(update.acting.authority.roles):
        return
    decider_for(update.acting.authority, task.role, host.requester, None, settings.noun)


def validate_answer(
    settings: TaskSettings, host: TaskHost, queue: CommandQueue[Any], update: ProvideInfoUpdate, now: datetime
) -> None:
    require_current(update.acting, update.info.actor, now)
    require_storable(update.info.answer, "answer")
    if host.view.state != settings.asking:
        raise Refusal(f"no question is waiting for an answer (the {settings.noun} is {host.view.state})")
    if queue.pending(ProvideInfoUpdate):
        raise Refusal("an answer is already being applied")
    host.check_answerer(update.acting.authority)
    if not update.info.answer.strip():
        raise Refusal("the answer must not be empty")
