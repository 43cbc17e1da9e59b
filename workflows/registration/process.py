"""One registration's state, its transitions and its outcomes; the host of its approval walk.

Built from the generic parts of ``workflows.human``: the journal writes each transition through
the registration's own activity (its row, the account claim and the projection in one
transaction), the command queue carries accepted updates to the run loop, and the approval walk
reviews the registration on the rulebook's route. What is here is only the registration's own:
how its tasks and notices look, who may answer its questions, and what approval, rejection and
withdrawal write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.projection import (
        NotificationRecord,
        Projection,
        ProjectionResult,
        TaskClosing,
        TaskOpening,
    )
    from activities.registration import (
        ClaimTransfer,
        DirectMatch,
        RegistrationTransition,
        record_registration_transition,
    )
    from rules.approval import ApprovalPath, approved
    from rules.durations import format_moment
    from rules.protection import protection_window
    from rules.registration import Match, RegistrationDecision
    from rules.schema import Rulebook
    from store.models.enums import EventType
    from store.models.enums import RegistrationState as State
    from workflows.human.authority import ActorAuthority, require_partner_side
    from workflows.human.commands import Command, CommandQueue
    from workflows.human.journal import Change, Journal, TaskView
    from workflows.human.local import run_local
    from workflows.human.updates import DecideUpdate
    from workflows.human.walk import ApprovalWalk, WalkEnd
    from workflows.registration.judgement import record_judgement
    from workflows.registration.tasks import escalation_notice, info_task, partner_notice, review_task
    from workflows.registration.types import (
        PROCESS_TYPE,
        TASKS,
        ExitDispositionUpdate,
        RegistrationUpdate,
        RegistrationView,
        WithdrawUpdate,
    )

REVIEW_OPENED_BY = "rule:approval.required"


class Registration:
    """The registration process: its view (the one state), and every write it makes."""

    def __init__(self, view: RegistrationView, queue: CommandQueue[RegistrationUpdate]) -> None:
        self.view = view
        self.queue = queue
        self.journal = Journal(PROCESS_TYPE, view)
        self.rulebook: Rulebook | None = None
        self.partner_name = f"partner {view.submission.partner_id}"
        self.matches: list[Match] = []
        self.answers: list[str] = []
        self.path: ApprovalPath | None = None

    # --- what the walk and the validators read ------------------------------------------------

    @property
    def requester(self) -> str:
        return self.view.submission.submitted_by

    def check_answerer(self, authority: ActorAuthority) -> None:
        require_partner_side(authority, self.view.submission.partner_id)

    def check_decision(self, authority: ActorAuthority, outcome: str) -> None:
        """Every word of the vocabulary is open to whoever may decide the task."""

    # --- transitions --------------------------------------------------------------------------

    async def transition(
        self,
        *,
        action: str,
        after: str,
        actor: str,
        change: Change,
        decided: bool = False,
        release_claim: bool = False,
        expires_at: datetime | None = None,
        claim_to: ClaimTransfer | None = None,
        take_claim: bool = False,
        direct_owner: str | None = None,
        end_direct: DirectMatch | None = None,
    ) -> list[int]:
        """Write one state change (row, claim, tasks, audit, notices) and mirror it here; a
        dispute's outcome adds what it moves (``activities.registration.RegistrationTransition``)."""
        view = self.view
        now = workflow.now()

        async def store(projection: Projection) -> ProjectionResult:
            return await run_local(
                record_registration_transition,
                RegistrationTransition(
                    workflow_id=view.workflow_id,
                    state=after,
                    at=now,
                    projection=projection,
                    reason_codes=change.reason_codes,
                    decided_at=now if decided else None,
                    expires_at=expires_at,
                    extensions_used=view.extensions_used,
                    release_claim=release_claim,
                    claim_to=claim_to,
                    take_claim=take_claim,
                    direct_owner=direct_owner,
                    end_direct=end_direct,
                ),
            )

        task_ids = await self.journal.write(
            action=action, after=after, actor=actor, change=change, store=store
        )
        if decided:
            view.decided_at = now
        if expires_at is not None:
            view.expires_at = expires_at
        self.publish()
        return task_ids

    def publish(self) -> None:
        self.journal.publish(self.view.expires_at if self.view.state == State.APPROVED else None)

    def set_open_tasks(self, tasks: list[TaskView]) -> None:
        self.view.open_tasks = tasks
        self.publish()

    def partner_note(
        self, subject: str, body: str = "", event: str = EventType.REGISTRATION_DECIDED
    ) -> list[NotificationRecord]:
        return [partner_notice(self.view.submission, event, subject, body)]

    # --- how the review looks -----------------------------------------------------------------

    def step_task(self, step: int, role: str, slot: str, due_at: datetime) -> TaskOpening:
        assert self.path is not None
        return review_task(
            self.view.submission,
            level=step,
            role=role,
            slot=slot,
            due_at=due_at,
            partner_name=self.partner_name,
            rulebook_version=self.view.rulebook_version,
            reasons=self.view.reasons,
            matches=self.matches,
            route=[" + ".join(s.roles) for s in self.path.steps],
            answers=self.answers,
        )

    def question_task(self, step: int, question: str, asked_by: str) -> TaskOpening:
        return info_task(
            self.view.submission,
            level=step,
            question=question,
            asked_by=asked_by,
            partner_name=self.partner_name,
        )

    def escalation_notices(
        self, from_roles: tuple[str, ...], to_roles: tuple[str, ...], sla_seconds: float
    ) -> list[NotificationRecord]:
        return [
            escalation_notice(
                self.view.submission, from_role=" + ".join(from_roles), to_role=role, sla_seconds=sla_seconds
            )
            for role in to_roles
        ]

    def answered(self, answer: str) -> None:
        self.answers.append(answer)

    def approval_given(self, task: TaskView, by: str, on_behalf_of: str | None) -> None:
        """A registration's route settles on its first approval: nothing to keep."""

    async def aside(self, command: Command[Any]) -> bool:
        return False  # every update either steers the walk or ends it

    def interrupts(self, update: Any) -> str | None:
        """A withdrawal, or the partner's exit disposing of the registration, ends its review."""
        if isinstance(update, ExitDispositionUpdate):
            return update.disposition.actor
        return str(update.acting.authority.username) if isinstance(update, WithdrawUpdate) else None

    # --- the review ---------------------------------------------------------------------------

    async def review(self, decision: RegistrationDecision) -> WalkEnd | None:
        """Walk the rulebook's route until someone decides, the default applies, or a withdrawal;
        the walk's end when the partner's exit interrupted it (its disposition is the caller's)."""
        assert decision.path is not None
        self.path = decision.path
        walk = ApprovalWalk(TASKS, self, self.queue, decision.path)
        ended = await walk.run(opened_by=REVIEW_OPENED_BY, change=Change(reason_codes=list(decision.codes)))
        if ended.end is None:
            assert ended.command is not None
            if isinstance(ended.command.update, ExitDispositionUpdate):
                return ended
            await self.withdrawn(ended.command, ended.change.close_tasks)
            return None
        approve = approved(decision.path, ended.position)
        if ended.command is not None and isinstance(ended.command.update, DecideUpdate):
            # A person decided (a lapse judges nothing): on a flagged duplicate that is a judgement.
            record_judgement(ended.change, self.matches, same_account=not approve)
        if approve:
            await self.approve(actor=ended.actor, change=ended.change)
        else:
            await self.reject(actor=ended.actor, change=ended.change)
        if ended.command is not None:
            self.queue.finish(ended.command)
        return None

    # --- outcomes -----------------------------------------------------------------------------

    async def approve(self, *, actor: str, change: Change) -> None:
        assert self.rulebook is not None
        window = protection_window(self.rulebook, workflow.now())
        self.view.remind_at = window.remind_at
        change.notifications += self.partner_note(
            "Your registration is approved", f"Protected until {format_moment(window.expires_at)}"
        )
        await self.transition(
            action="registration.approved",
            after=State.APPROVED,
            actor=actor,
            change=change,
            decided=True,
            expires_at=window.expires_at,
        )
        self.set_open_tasks([])

    async def reject(self, *, actor: str, change: Change) -> None:
        change.notifications += self.partner_note("Your registration was rejected", change.comment)
        await self.transition(
            action="registration.rejected",
            after=State.REJECTED,
            actor=actor,
            change=change,
            decided=True,
            release_claim=True,
        )
        self.set_open_tasks([])

    async def withdrawn(self, command: Command[RegistrationUpdate], closing: list[TaskClosing]) -> None:
        update = command.update
        assert isinstance(update, WithdrawUpdate)
        request = update.withdrawal
        await self.transition(
            action="registration.withdrawn",
            after=State.WITHDRAWN,
            actor=request.actor,
            change=Change(comment=request.comment, close_tasks=closing),
            release_claim=True,
        )
        self.set_open_tasks([])
        self.queue.finish(command)
