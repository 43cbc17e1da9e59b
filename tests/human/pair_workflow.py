"""A test-only process built on nothing but the generic human-task machinery.

A *pair review* asks two roles at once (deal desk and finance, one step, all of them must
approve): either one's rejection ends it, a question stops the clock, and when the step's SLA
passes the default action rejects it. It imports none of the registration's modules: what a new
process needs is ``workflows.human`` (plus the generic ``project_transition`` activity).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.projection import (
        NotificationRecord,
        Projection,
        ProjectionResult,
        TaskOpening,
        project_transition,
    )
    from rules.approval import ApprovalPath, PathStep, Quorum, approved
    from rules.enums import DefaultAction
    from workflows.human.authority import ActorAuthority, Refusal
    from workflows.human.commands import Command, CommandQueue
    from workflows.human.handlers import install_task_updates
    from workflows.human.journal import Change, Journal, TaskView, TransitionView
    from workflows.human.local import run_local
    from workflows.human.updates import TaskUpdate
    from workflows.human.validation import TaskSettings
    from workflows.human.vocabulary import APPROVE, REJECT, REQUEST_INFO, Vocabulary
    from workflows.human.walk import ApprovalWalk

PROCESS_TYPE = "pair_review"
DECISIONS = Vocabulary((APPROVE, REJECT, REQUEST_INFO))
TASKS = TaskSettings(
    noun="pair review",
    task_kind="pair_review.approval",
    question_kind="pair_review.question",
    reviewing="in_review",
    asking="question_asked",
    vocabulary=DECISIONS,
    asked_of="the requester",
)
ROLES = ("deal_desk", "finance")


@dataclass
class PairRequest:
    key: str
    title: str
    requested_by: str
    partner_id: int
    sla_seconds: float = 300.0


@dataclass
class PairView:
    workflow_id: str
    request: PairRequest
    state: str = "requested"
    rulebook_version: str = ""
    open_tasks: list[TaskView] = field(default_factory=list)
    history: list[TransitionView] = field(default_factory=list)
    sla_paused_remaining_seconds: float | None = None
    answers: list[str] = field(default_factory=list)


class PairReview:
    """The process's own part: how its tasks look and what its transitions write."""

    def __init__(self, view: PairView) -> None:
        self.view = view
        self.journal = Journal(PROCESS_TYPE, view)

    @property
    def requester(self) -> str:
        return self.view.request.requested_by

    def check_answerer(self, authority: ActorAuthority) -> None:
        if authority.username != self.requester:
            raise Refusal("only the requester answers questions about a pair review")

    def check_decision(self, authority: ActorAuthority, outcome: str) -> None:
        """Both words are open to either role."""

    async def transition(self, *, action: str, after: str, actor: str, change: Change) -> list[int]:
        async def store(projection: Projection) -> ProjectionResult:
            return await run_local(project_transition, projection)

        task_ids = await self.journal.write(
            action=action, after=after, actor=actor, change=change, store=store
        )
        self.journal.publish()
        return task_ids

    def set_open_tasks(self, tasks: list[TaskView]) -> None:
        self.view.open_tasks = tasks
        self.journal.publish()

    def step_task(self, step: int, role: str, slot: str, due_at: datetime) -> TaskOpening:
        request = self.view.request
        return TaskOpening(
            kind=TASKS.task_kind,
            escalation_level=step,
            slot=slot,
            title=f"Pair review: {request.title}",
            role=role,
            due_at=due_at,
            summary=f"{request.title}, asked by {request.requested_by}; {' and '.join(ROLES)} both approve",
            partner_id=request.partner_id,
            payload={"requested_by": request.requested_by, "answers": list(self.view.answers)},
        )

    def question_task(self, step: int, question: str, asked_by: str) -> TaskOpening:
        request = self.view.request
        return TaskOpening(
            kind=TASKS.question_kind,
            escalation_level=step,
            title=f"Question about {request.title}",
            role="partner",
            due_at=None,
            summary=question,
            partner_id=request.partner_id,
            assignee=request.requested_by,
            payload={"question": question, "asked_by": asked_by},
        )

    def escalation_notices(
        self, from_roles: tuple[str, ...], to_roles: tuple[str, ...], sla_seconds: float
    ) -> list[NotificationRecord]:
        return []

    def answered(self, answer: str) -> None:
        self.view.answers.append(answer)

    def approval_given(self, task: TaskView, by: str, on_behalf_of: str | None) -> None:
        """The journal's history says who approved; nothing else to keep."""

    async def aside(self, command: Command[Any]) -> bool:
        return False

    def interrupts(self, update: Any) -> str | None:
        return None


def pair_path(sla_seconds: float) -> ApprovalPath:
    return ApprovalPath((PathStep(ROLES, sla_seconds, Quorum.ALL_OF),), DefaultAction.REJECT)


@workflow.defn
class PairReviewWorkflow:
    @workflow.init
    def __init__(self, request: PairRequest) -> None:
        self.queue: CommandQueue[TaskUpdate] = CommandQueue()
        self.process = PairReview(PairView(workflow.info().workflow_id, request))
        self.path = pair_path(request.sla_seconds)
        install_task_updates(TASKS, self.process, self.queue, lambda: self.path)

    @workflow.run
    async def run(self, request: PairRequest) -> PairView:
        process = self.process
        walk = ApprovalWalk(TASKS, process, self.queue, self.path)
        ended = await walk.run(
            opened_by="rule:pair.requested", change=Change(reason_codes=["pair.requested"])
        )
        outcome = "approved" if approved(self.path, ended.position) else "rejected"
        await process.transition(
            action=f"pair.{outcome}", after=outcome, actor=ended.actor, change=ended.change
        )
        process.set_open_tasks([])
        if ended.command is not None:
            self.queue.finish(ended.command)
        self.queue.refuse_all(f"the pair review is {outcome}")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return process.view

    @workflow.query
    def view_state(self) -> PairView:
        return self.process.view
