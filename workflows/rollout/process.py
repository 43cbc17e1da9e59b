"""One roll-out's state and its transitions; the host of its approval walk.

Built from ``workflows.human`` like every process: the journal writes each transition through the
roll-out's own activity (the version's state, a partner's acknowledgement and the projection in
one transaction); the walk runs ``rules.rollout.approval_path`` of the version in force. What is
here is the roll-out's own: who may approve (never the author, and not once the effective date has
passed), and how its tasks and notices look.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.projection import NotificationRecord, Projection, ProjectionResult, TaskOpening
    from activities.rollout import RolloutTransition, record_rollout_transition
    from rules.approval import ApprovalPath
    from rules.durations import format_moment
    from rules.schema import Rulebook
    from store.models.enums import Role
    from workflows.human.authority import ActorAuthority, Refusal
    from workflows.human.commands import Command, CommandQueue
    from workflows.human.journal import Change, Journal, TaskView
    from workflows.human.local import run_local
    from workflows.human.vocabulary import DecisionOutcome
    from workflows.rollout.types import (
        ACKNOWLEDGEMENT_TASK,
        APPROVAL_TASK,
        PROCESS_TYPE,
        QUESTION_TASK,
        RolloutUpdate,
        RolloutView,
        WithdrawUpdate,
    )


class RolloutProcess:
    """The roll-out process: its view (the one state), and every write it makes."""

    def __init__(self, view: RolloutView, queue: CommandQueue[RolloutUpdate]) -> None:
        self.view = view
        self.queue = queue
        self.journal = Journal(PROCESS_TYPE, view)
        self.in_force: Rulebook | None = None  # the version in force at submission: it governs
        self.path: ApprovalPath | None = None

    @property
    def version(self) -> str:
        return self.view.start.version

    # --- what the walk and the validators read ------------------------------------------------

    @property
    def requester(self) -> str:
        """Who submitted the draft: they may not approve it (four-eyes)."""
        return self.view.start.submitted_by

    def check_answerer(self, authority: ActorAuthority) -> None:
        raise Refusal("a roll-out's approval asks no questions")

    def check_decision(self, authority: ActorAuthority, outcome: str) -> None:
        """An approval after the effective date would put rules in force nobody was told of."""
        effective = self.view.effective_from
        if outcome == DecisionOutcome.APPROVE and effective is not None and workflow.now() >= effective:
            raise Refusal(
                f"its effective date ({format_moment(effective)}) has passed: withdraw it and submit "
                "the version again with a later date"
            )

    # --- transitions --------------------------------------------------------------------------

    async def transition(
        self,
        *,
        action: str,
        after: str,
        actor: str,
        change: Change,
        stored_state: str | None = None,
        reason: str | None = None,
        acknowledged_partner: int | None = None,
    ) -> list[int]:
        """Write one state change (the version's ``stored_state``, an acknowledgement, tasks,
        audit, notices) and mirror it here."""
        view = self.view
        now = workflow.now()

        async def store(projection: Projection) -> ProjectionResult:
            return await run_local(
                record_rollout_transition,
                RolloutTransition(
                    version=self.version,
                    at=now,
                    projection=projection,
                    state=stored_state,
                    by=actor,
                    reason=reason,
                    simulation_run_id=view.what_if.run_id if view.what_if else None,
                    acknowledge_by=view.acknowledge_by,
                    acknowledged_partner=acknowledged_partner,
                ),
            )

        task_ids = await self.journal.write(
            action=action, after=after, actor=actor, change=change, store=store
        )
        self.publish()
        return task_ids

    def publish(self) -> None:
        self.journal.publish(self.view.effective_from if self.view.state != "in_force" else None)

    def set_open_tasks(self, tasks: list[TaskView]) -> None:
        self.view.open_tasks = tasks
        self.publish()

    def notices(
        self, event: str, subject: str, body: str = "", partners: bool = True
    ) -> list[NotificationRecord]:
        """The same notice to partner operations, the author and (``partners``) every partner user."""
        view = self.view
        data: dict[str, Any] = {
            "version": self.version,
            "effective_from": view.effective_from.isoformat() if view.effective_from else None,
        }
        roles = [Role.PARTNER_OPS, *([Role.PARTNER] if partners else [])]
        return [
            *(NotificationRecord(event, subject, body, recipient_role=role, data=data) for role in roles),
            NotificationRecord(event, subject, body, recipient_user=view.start.submitted_by, data=data),
        ]

    # --- how the approval looks ---------------------------------------------------------------

    def step_task(self, step: int, role: str, slot: str, due_at: datetime) -> TaskOpening:
        view = self.view
        what_if = f" What-if {view.what_if.run_id}: {view.what_if.headline}" if view.what_if else ""
        return TaskOpening(
            kind=APPROVAL_TASK,
            escalation_level=step,
            title=f"Approve rulebook {self.version}, effective {format_moment(view.effective)}",
            role=role,
            due_at=due_at,
            summary=(f"{view.start.submitted_by}: {view.start.comment}.{what_if}")[:2000],
            payload=self._payload(),
            slot=slot,
        )

    def question_task(self, step: int, question: str, asked_by: str) -> TaskOpening:
        # Never reached: check_answerer refuses every answer, and the vocabulary asks nothing.
        return TaskOpening(QUESTION_TASK, step, "Question", Role.PARTNER_OPS, None, question)

    def escalation_notices(
        self, from_roles: tuple[str, ...], to_roles: tuple[str, ...], sla_seconds: float
    ) -> list[NotificationRecord]:
        return []  # one step: past its SLA the draft lapses, nobody further is asked

    def answered(self, answer: str) -> None:
        """A roll-out's approval asks no questions."""

    def approval_given(self, task: TaskView, by: str, on_behalf_of: str | None) -> None:
        """One approval settles the path: nothing to keep."""

    async def aside(self, command: Command[Any]) -> bool:
        return False

    def interrupts(self, update: Any) -> str | None:
        """A withdrawal ends the approval walk."""
        return str(update.withdraw.actor) if isinstance(update, WithdrawUpdate) else None

    # --- acknowledgements ---------------------------------------------------------------------

    def acknowledgement_task(self, partner_id: int, partner_name: str) -> TaskOpening:
        view = self.view
        changes = "; ".join(view.changes) or "no rule changes from the version in force"
        return TaskOpening(
            kind=ACKNOWLEDGEMENT_TASK,
            escalation_level=0,
            title=f"Acknowledge rulebook {self.version}, effective {format_moment(view.effective)}",
            role=Role.PARTNER,
            due_at=view.acknowledge_by,
            summary=f"What changes: {changes}"[:2000],
            partner_id=partner_id,
            payload={**self._payload(), "partner_name": partner_name},
            slot=str(partner_id),
        )

    def _payload(self) -> dict[str, Any]:
        view = self.view
        return {
            "process_type": PROCESS_TYPE,
            "rollout_id": view.workflow_id,
            "version": self.version,
            "effective_from": view.effective_from.isoformat() if view.effective_from else None,
            "submitted_by": view.start.submitted_by,
            "in_force": view.rulebook_version,
        }
