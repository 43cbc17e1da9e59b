"""The approval walk on real timers: a ``rules.approval`` path driven by tasks, commands and SLAs.

The walk opens one task per role of the current step, waits for the next command until the step's
SLA passes, and feeds what happened to ``rules.approval.advance`` — the same function the sandbox
walks paths with. A breach (the timer, or someone escalating by hand) closes the step's tasks as
escalated and opens the next step's in one transition; a request for information closes them,
opens a question for the requester and stops the clock until the answer reopens them. When the
path ends the walk returns how (approved, rejected, lapsed) with the closings the process's
outcome transition must write; a process update that ends the process (a withdrawal) interrupts it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.projection import NotificationRecord, TaskOpening
    from rules.approval import (
        Answered,
        ApprovalPath,
        Breached,
        Decided,
        InfoRequested,
        PathEnd,
        Position,
        advance,
        start,
        waiting_for,
    )
    from store.models.enums import TaskOutcome
    from workflows.human.authority import ActorAuthority, Refusal, decider_for
    from workflows.human.commands import Command, CommandQueue
    from workflows.human.journal import Change, TaskView, closing
    from workflows.human.updates import DecideUpdate, EscalateUpdate, ProvideInfoUpdate
    from workflows.human.validation import TaskHost, TaskSettings
    from workflows.human.vocabulary import Effect

# Codes for what the machinery itself does (the rulebook's decision codes live in rules.reasons).
SLA_ESCALATED = "sla.escalated"
SLA_DEFAULT_ACTION = "sla.default_action"
ESCALATED_BY_HAND = "approval.escalated"
INFO_REQUESTED = "approval.info_requested"


class WalkHost(TaskHost, Protocol):
    """What a process provides to the walk: its transitions and how its tasks look."""

    async def transition(self, *, action: str, after: str, actor: str, change: Change) -> list[int]: ...

    def set_open_tasks(self, tasks: list[TaskView]) -> None:
        """Show ``tasks`` as the open ones (and publish their due times)."""
        ...

    def step_task(self, step: int, role: str, slot: str, due_at: datetime) -> TaskOpening: ...

    def question_task(self, step: int, question: str, asked_by: str) -> TaskOpening: ...

    def escalation_notices(
        self, from_roles: tuple[str, ...], to_roles: tuple[str, ...], sla_seconds: float
    ) -> list[NotificationRecord]: ...

    def answered(self, answer: str) -> None:
        """The requester's answer arrived (before the step's tasks reopen)."""
        ...

    def approval_given(self, task: TaskView, by: str, on_behalf_of: str | None) -> None:
        """``by`` approved ``task`` (a step's part; the path may still need others)."""
        ...

    def interrupts(self, update: Any) -> str | None:
        """Who ends the walk with ``update`` (not a task update), e.g. a withdrawal; None when
        the update does not end it. The walk closes the open tasks in their name."""
        ...

    async def aside(self, command: Command[Any]) -> bool:
        """Apply (and finish) an update that leaves the walk where it is, e.g. a comment on the
        case; False when ``command`` is not one (the walk then refuses it)."""
        ...


@dataclass
class WalkEnd:
    """How the walk ended: ``end`` is None when ``command`` (a process update) interrupted it.

    ``change`` carries the codes, comment and task closings the outcome transition writes;
    ``command`` is still to be finished by the process once that transition is written.
    """

    end: PathEnd | None
    position: Position
    command: Command[Any] | None
    actor: str
    change: Change


def acting_username(update: Any) -> str:
    return str(update.acting.authority.username)


class ApprovalWalk:
    def __init__(
        self,
        settings: TaskSettings,
        host: WalkHost,
        queue: CommandQueue[Any],
        path: ApprovalPath,
        carried: frozenset[str] = frozenset(),
        first_step: int = 0,
    ) -> None:
        """``carried``: roles whose earlier approval stands (``rules.approval.start``); the
        caller checks first that they do not already cover the whole path. ``first_step``: where
        a walk that was cut short takes up again (a dispute whose award could not be made)."""
        self.settings = settings
        self.host = host
        self.queue = queue
        self.path = path
        self.origin = workflow.now()
        self.position = start(path, 0.0, carried, first_step)
        assert self.position.end is None, "the carried approvals cover the whole path"

    # The path's clock is seconds since the walk began: small numbers, exact to the microsecond.
    def _seconds(self, moment: datetime) -> float:
        return (moment - self.origin).total_seconds()

    def _moment(self, seconds: float | None) -> datetime | None:
        return None if seconds is None else self.origin + timedelta(seconds=seconds)

    async def run(
        self, *, opened_by: str, change: Change, opened: Callable[[], None] | None = None
    ) -> WalkEnd:
        """Walk to the end; ``opened`` is called once the first step's tasks are open (to answer
        an update that started this walk with the state it produced)."""
        await self._open_step(action="review.opened", actor=opened_by, change=change)
        if opened is not None:
            opened()
        while True:
            command = await self.queue.next(until=self._moment(self.position.due))
            update = command.update if command is not None else None
            if command is None or isinstance(update, EscalateUpdate):
                ended = await self._breach(command)
            elif isinstance(update, DecideUpdate):
                ended = await self._decide(command, update)
            elif (by := self.host.interrupts(update)) is not None:
                assert command is not None
                ended = self._interrupted(command, by)
            elif await self.host.aside(command):
                continue
            else:
                self.queue.finish(
                    command, f"not possible while the {self.settings.noun} is {self.host.view.state}"
                )
                continue
            if ended is not None:
                return ended

    async def _open_step(self, *, action: str, actor: str, change: Change) -> None:
        """Open a task for each role the step still waits for, in the transition given."""
        position = self.position
        due = self._moment(position.due)
        assert due is not None
        step = self.path.steps[position.step]
        roles = waiting_for(self.path, position)
        slots = [role if len(step.roles) > 1 else "" for role in roles]
        change.open_tasks += [
            self.host.step_task(position.step, role, slot, due)
            for role, slot in zip(roles, slots, strict=True)
        ]
        task_ids = await self.host.transition(
            action=action, after=self.settings.reviewing, actor=actor, change=change
        )
        self.host.view.sla_paused_remaining_seconds = None
        now = workflow.now()
        ids = task_ids[-len(roles) :]
        self.host.set_open_tasks(
            [
                TaskView(task_id, self.settings.task_kind, role, position.step, now, due, slot=slot)
                for task_id, role, slot in zip(ids, roles, slots, strict=True)
            ]
        )

    async def _breach(self, command: Command[Any] | None) -> WalkEnd | None:
        now = workflow.now()
        before = self.position
        self.position = advance(self.path, before, Breached(self._seconds(now)))
        open_tasks = list(self.host.view.open_tasks)
        if self.position.end is PathEnd.LAPSED:
            actor = f"rule:{SLA_DEFAULT_ACTION}"
            return WalkEnd(
                PathEnd.LAPSED,
                self.position,
                command,
                actor,
                Change(
                    reason_codes=[SLA_DEFAULT_ACTION],
                    close_tasks=[closing(t, TaskOutcome.EXPIRED, actor, now) for t in open_tasks],
                ),
            )
        by_hand = command is not None
        actor = acting_username(command.update) if command is not None else f"rule:{SLA_ESCALATED}"
        if self.position.end is PathEnd.APPROVED:
            # The step it escalates to is covered by approvals that still stand: nothing to ask.
            return WalkEnd(
                PathEnd.APPROVED,
                self.position,
                command,
                actor,
                Change(
                    reason_codes=[ESCALATED_BY_HAND if by_hand else SLA_ESCALATED],
                    close_tasks=[closing(t, TaskOutcome.ESCALATED, actor, now) for t in open_tasks],
                ),
            )
        missed = tuple(t.role for t in open_tasks)
        to_roles = waiting_for(self.path, self.position)
        change = Change(
            reason_codes=[ESCALATED_BY_HAND] if by_hand else [SLA_ESCALATED],
            comment=command.update.escalation.comment if command is not None else "",
            close_tasks=[closing(t, TaskOutcome.ESCALATED, actor, now) for t in open_tasks],
            notifications=self.host.escalation_notices(missed, to_roles, self.position.remaining),
            detail={"from_role": " + ".join(missed), "to_role": " + ".join(to_roles)},
        )
        await self._open_step(action="review.escalated", actor=actor, change=change)
        if command is not None:
            self.queue.finish(command)
        return None

    async def _decide(self, command: Command[Any], update: DecideUpdate) -> WalkEnd | None:
        decision = update.decision
        choice = self.settings.vocabulary.choice(decision.outcome)
        task = next((t for t in self.host.view.open_tasks if t.task_id == decision.task_id), None)
        if choice is None or task is None:  # pragma: no cover - the validator refused these
            self.queue.finish(command, f"task {decision.task_id} cannot take {decision.outcome!r}")
            return None
        on_behalf_of = self._decider(update.acting.authority, task, decision.on_behalf_of)
        now = workflow.now()
        if choice.effect is Effect.REQUEST_INFO:
            return await self._ask(command, update, task, on_behalf_of)
        # A settling word ends the path like an approval; the process reads which word it was.
        approve = choice.effect in (Effect.APPROVE, Effect.SETTLE)
        before = self.position
        self.position = advance(self.path, before, Decided(task.role, approve, self._seconds(now)))
        outcome = TaskOutcome.REJECTED
        if approve:
            outcome = TaskOutcome.APPROVED if choice.effect is Effect.APPROVE else TaskOutcome.DECIDED
        decided = closing(task, outcome, acting_username(update), now, on_behalf_of)
        if approve:
            self.host.approval_given(task, decision.actor, on_behalf_of)
        change = Change(
            reason_codes=[f"approval.{outcome.value}"],
            on_behalf_of=on_behalf_of,
            comment=decision.comment,
            close_tasks=[decided],
            detail={"task_id": decision.task_id, "role": task.role, "level": task.escalation_level},
        )
        others = [t for t in self.host.view.open_tasks if t is not task]
        if self.position.end is not None:
            change.close_tasks += [
                closing(t, TaskOutcome.CANCELLED, acting_username(update), now) for t in others
            ]
            return WalkEnd(self.position.end, self.position, command, decision.actor, change)
        if self.position.step == before.step:
            # One of the step's parallel approvals: the others are still needed.
            await self.host.transition(
                action="review.approval_recorded",
                after=self.settings.reviewing,
                actor=decision.actor,
                change=change,
            )
            self.host.set_open_tasks(others)
        else:
            await self._open_step(action="review.step_approved", actor=decision.actor, change=change)
        self.queue.finish(command)
        return None

    async def _ask(
        self, command: Command[Any], update: DecideUpdate, task: TaskView, on_behalf_of: str | None
    ) -> WalkEnd | None:
        """Stop the clock and ask the requester; None once they answered (the step reopened)."""
        decision = update.decision
        now = workflow.now()
        self.position = advance(self.path, self.position, InfoRequested(self._seconds(now)))
        asker = acting_username(update)
        closings = [
            closing(t, TaskOutcome.INFO_REQUESTED, asker, now, on_behalf_of if t is task else None)
            for t in self.host.view.open_tasks
        ]
        question = self.host.question_task(task.escalation_level, decision.comment, decision.actor)
        task_ids = await self.host.transition(
            action="review.info_requested",
            after=self.settings.asking,
            actor=decision.actor,
            change=Change(
                reason_codes=[INFO_REQUESTED],
                on_behalf_of=on_behalf_of,
                comment=decision.comment,
                close_tasks=closings,
                open_tasks=[question],
            ),
        )
        self.host.view.sla_paused_remaining_seconds = self.position.remaining
        asked = TaskView(
            task_ids[-1],
            self.settings.question_kind,
            question.role,
            task.escalation_level,
            workflow.now(),
            None,
            decision.comment,
        )
        self.host.set_open_tasks([asked])
        self.queue.finish(command)
        while True:
            answer = await self.queue.next(until=None)
            assert answer is not None
            if isinstance(answer.update, ProvideInfoUpdate):
                break
            if (by := self.host.interrupts(answer.update)) is not None:
                return self._interrupted(answer, by)
            self.queue.finish(answer, f"waiting for {self.settings.asked_of}'s answer to a question")
        info = answer.update.info
        answered = closing(asked, TaskOutcome.ANSWERED, acting_username(answer.update), workflow.now())
        self.host.answered(info.answer)
        self.position = advance(self.path, self.position, Answered(self._seconds(workflow.now())))
        await self._open_step(
            action="review.info_provided",
            actor=info.actor,
            change=Change(comment=info.answer, close_tasks=[answered]),
        )
        self.queue.finish(answer)
        return None

    def _interrupted(self, command: Command[Any], by: str) -> WalkEnd:
        now = workflow.now()
        closings = [closing(t, TaskOutcome.CANCELLED, by, now) for t in self.host.view.open_tasks]
        return WalkEnd(None, self.position, command, by, Change(close_tasks=closings))

    def _decider(self, authority: ActorAuthority, task: TaskView, on_behalf_of: str | None) -> str | None:
        """Whom the decider acts for, as the validator established (same inputs, same answer)."""
        try:
            return decider_for(authority, task.role, self.host.requester, on_behalf_of, self.settings.noun)
        except Refusal:  # pragma: no cover - the validator refused this already
            return None
