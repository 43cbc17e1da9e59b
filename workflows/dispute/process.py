"""One dispute's state and its transitions; the host of its walk up the escalation path.

Built from ``workflows.human`` like every process: the journal writes each transition through the
dispute's own activity (its row, thread entries and the projection in one transaction), the walk
runs the rulebook's path (``rules.escalation.dispute_path``). What is here is the dispute's own:
who may speak on the thread and as which side, which resolutions a level may choose, how its
tasks look.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.dispute import DisputeTransition, ThreadWrite, record_dispute_transition
    from activities.projection import NotificationRecord, Projection, ProjectionResult, TaskOpening
    from rules.approval import ApprovalPath
    from rules.dispute import Contest, Resolution, Side, resolutions
    from rules.schema import Rulebook
    from store.models.enums import DisputeState, EventType, TaskOutcome
    from workflows.dispute.tasks import DIRECT_SALES_ROLE, level_notice, level_task, party_notices
    from workflows.dispute.types import (
        CLAIMANT,
        DECIDERS,
        LEVEL_TASK,
        PARTY_TASK,
        PROCESS_TYPE,
        RESPONDENT,
        DisputeUpdate,
        DisputeView,
        StatementUpdate,
        ThreadEntry,
        WithdrawUpdate,
    )
    from workflows.human.authority import OPERATOR_ROLES, ActorAuthority, Refusal
    from workflows.human.commands import Command, CommandQueue
    from workflows.human.journal import Change, Journal, TaskView, closing
    from workflows.human.local import run_local


class Dispute:
    """The dispute process: its view (the one state), and every write it makes."""

    def __init__(self, view: DisputeView, queue: CommandQueue[DisputeUpdate]) -> None:
        self.view = view
        self.queue = queue
        self.journal = Journal(PROCESS_TYPE, view)
        self.rulebook: Rulebook | None = None
        self.path: ApprovalPath | None = None
        opening = view.opening
        self.contest = Contest(Side(opening.claimant.side), Side(opening.respondent.side))

    @property
    def account(self) -> str:
        """The account as the deciders name it: the contested registration's spelling."""
        opening = self.view.opening
        return opening.claimant.account_name or opening.respondent.account_name

    # --- what the walk and the validators read ------------------------------------------------

    @property
    def requester(self) -> str:
        """Who opened the dispute: they may not decide it (four-eyes)."""
        return self.view.opening.opened_by

    def check_answerer(self, authority: ActorAuthority) -> None:
        raise Refusal("a dispute asks no questions; the parties add statements to its thread")

    def check_decision(self, authority: ActorAuthority, outcome: str) -> None:
        allowed = [str(r) for r in resolutions(self.contest)]
        if outcome not in allowed:
            raise Refusal(f"{outcome!r} is not a resolution of this dispute (one of {', '.join(allowed)})")
        if authority.username == self.view.opening.decided_by:
            raise Refusal("you made the contested decision; someone else must hear the dispute (four-eyes)")

    def side_of(self, authority: ActorAuthority) -> str:
        """As which side ``authority`` speaks on the thread, or a refusal."""
        opening = self.view.opening
        for side, party in ((CLAIMANT, opening.claimant), (RESPONDENT, opening.respondent)):
            if party.side == Side.PARTNER and authority.partner_id is not None:
                if authority.partner_id == party.partner_id:
                    return side
            elif party.side == Side.DIRECT and DIRECT_SALES_ROLE in authority.roles:
                return side
        if set(authority.roles) & (set(self.view.levels) | OPERATOR_ROLES):
            return DECIDERS
        raise Refusal("only the parties and those hearing the dispute may add to its thread")

    # --- transitions --------------------------------------------------------------------------

    async def transition(
        self,
        *,
        action: str,
        after: str,
        actor: str,
        change: Change,
        statements: list[ThreadEntry] | None = None,
        resolution: Resolution | None = None,
    ) -> list[int]:
        """Write one state change (row, thread, tasks, audit, notices) and mirror it here."""
        view = self.view
        now = workflow.now()
        level_opened = [t for t in change.open_tasks if t.kind == LEVEL_TASK]
        if level_opened:
            view.level = level_opened[0].escalation_level
        entries = statements or []

        async def store(projection: Projection) -> ProjectionResult:
            return await run_local(
                record_dispute_transition,
                DisputeTransition(
                    workflow_id=view.workflow_id,
                    state=after,
                    at=now,
                    projection=projection,
                    level=view.level,
                    due_at=level_opened[0].due_at if level_opened else self._due(),
                    resolution=resolution.value if resolution is not None else None,
                    resolved_by_default=view.resolved_by_default,
                    reason_codes=change.reason_codes,
                    statements=[
                        ThreadWrite(f"{view.workflow_id}#{e.seq}", e.side, e.author, e.text, e.at)
                        for e in entries
                    ],
                ),
            )

        task_ids = await self.journal.write(
            action=action, after=after, actor=actor, change=change, store=store
        )
        view.thread += entries
        self.publish()
        return task_ids

    def _due(self) -> datetime | None:
        dues = [t.due_at for t in self.view.open_tasks if t.due_at is not None]
        return min(dues) if dues else None

    def publish(self) -> None:
        self.journal.publish(self.view.hearing_until if self.view.state == DisputeState.HEARING else None)

    def set_open_tasks(self, tasks: list[TaskView]) -> None:
        self.view.open_tasks = tasks
        self.publish()

    def entry(self, side: str, author: str, text: str) -> ThreadEntry:
        return ThreadEntry(len(self.view.thread) + 1, side, author, workflow.now(), text)

    def notices(self, event: str, subject: str, body: str = "") -> list[NotificationRecord]:
        return party_notices(self.view, event, subject, body)

    # --- the thread, at any time before the end -----------------------------------------------

    async def add_statement(self, command: Command[DisputeUpdate], update: StatementUpdate) -> None:
        """A statement on the thread; a party's first closes its party task if still open."""
        view = self.view
        side = self.side_of(update.acting.authority)
        author = update.statement.actor
        change = Change(comment="")
        party = next((t for t in view.open_tasks if t.kind == PARTY_TASK and t.slot == side), None)
        if party is not None:
            change.close_tasks.append(closing(party, TaskOutcome.STATEMENT_GIVEN, author, workflow.now()))
            view.statements_given.append(side)
        change.detail = {"side": side}
        await self.transition(
            action="dispute.statement",
            after=view.state,
            actor=author,
            change=change,
            statements=[self.entry(side, author, update.statement.text)],
        )
        if party is not None:
            self.set_open_tasks([t for t in view.open_tasks if t is not party])
        self.queue.finish(command)

    # --- how the walk looks -------------------------------------------------------------------

    def step_task(self, step: int, role: str, slot: str, due_at: datetime) -> TaskOpening:
        return level_task(self.view, self.contest, step=step, role=role, due_at=due_at, account=self.account)

    def question_task(self, step: int, question: str, asked_by: str) -> TaskOpening:
        raise Refusal("a dispute asks no questions")  # the vocabulary has no question word

    def escalation_notices(
        self, from_roles: tuple[str, ...], to_roles: tuple[str, ...], sla_seconds: float
    ) -> list[NotificationRecord]:
        missed = " + ".join(from_roles)
        notices = [
            level_notice(self.account, from_role=missed, to_role=role, sla_seconds=sla_seconds)
            for role in to_roles
        ]
        return notices + self.notices(
            EventType.DISPUTE_ESCALATED,
            "Your dispute moved up the escalation path",
            f"It is now with {' + '.join(to_roles)}.",
        )

    def answered(self, answer: str) -> None:
        """Never called: a dispute asks no questions."""

    def approval_given(self, task: TaskView, by: str, on_behalf_of: str | None) -> None:
        """A level's decision settles the case: nothing to keep."""

    def interrupts(self, update: Any) -> str | None:
        return str(update.acting.authority.username) if isinstance(update, WithdrawUpdate) else None

    async def aside(self, command: Command[Any]) -> bool:
        if isinstance(command.update, StatementUpdate):
            await self.add_statement(command, command.update)
            return True
        return False
