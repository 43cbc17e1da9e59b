"""One discount request's state, its transitions and outcomes; the host of its approval walk.

Built from ``workflows.human`` like every process: the journal writes each transition through the
discount's own activity (its row and the projection in one transaction), the command queue
carries accepted updates, the walk runs the chain from the rulebook's matrix. What is here is the
discount's own: how its tasks look, the approvals it keeps for revisions, and what approval,
rejection, expiry and the other endings write.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.discount import DiscountFacts, DiscountTransition, record_discount_transition
    from activities.projection import NotificationRecord, Projection, ProjectionResult, TaskOpening
    from rules.approval import ApprovalPath
    from rules.discount import DiscountDecision, DiscountRequest, StandingApproval, decide_discount
    from rules.durations import format_moment
    from rules.schema import Rulebook
    from store.models.enums import DiscountState as State
    from store.models.enums import EventType
    from workflows.discount.tasks import approval_task, escalation_notice, info_task, partner_notice
    from workflows.discount.types import (
        PROCESS_TYPE,
        ApprovalGiven,
        DiscountUpdate,
        DiscountView,
        RegistrationEnded,
        ReviseUpdate,
        StepView,
        WithdrawUpdate,
    )
    from workflows.human.authority import ActorAuthority, require_partner_side
    from workflows.human.commands import Command, CommandQueue
    from workflows.human.journal import Change, Journal, TaskView
    from workflows.human.local import run_local

REGISTRATION_CLOSED = "discount.registration_closed"


class Discount:
    """The discount process: its view (the one state), and every write it makes."""

    def __init__(self, view: DiscountView, queue: CommandQueue[DiscountUpdate]) -> None:
        self.view = view
        self.queue = queue
        self.journal = Journal(PROCESS_TYPE, view)
        self.rulebook: Rulebook | None = None
        self.facts: DiscountFacts | None = None
        self.path: ApprovalPath | None = None

    # --- what the walk and the validators read ------------------------------------------------

    @property
    def requester(self) -> str:
        return self.view.submission.submitted_by

    def check_answerer(self, authority: ActorAuthority) -> None:
        require_partner_side(authority, self.view.submission.partner_id)

    def check_decision(self, authority: ActorAuthority, outcome: str) -> None:
        """Every word of the vocabulary is open to whoever may decide the task."""

    @property
    def account(self) -> str:
        return self.facts.account_name if self.facts else self.view.submission.registration_id

    # --- the rules ----------------------------------------------------------------------------

    def decide(self, now: datetime) -> DiscountDecision:
        """The rulebook's decision on the current terms; the view shows its pricing and chain."""
        assert self.rulebook is not None
        terms = self.view.submission.terms
        decision = decide_discount(
            self.rulebook,
            DiscountRequest(
                partner_tier=self.view.partner_tier,
                deal_value=terms.deal_value,
                requested_discount=terms.requested_discount,
                justification=terms.justification,
            ),
            now,
        )
        self.view.standard_discount = decision.standard_discount
        self.view.total_discount = decision.total_discount
        self.view.band = decision.band
        matrix = self.rulebook.discount.matrix
        self.view.band_limit = matrix[decision.band].max_discount if decision.band is not None else None
        self.view.chain = [list(step.roles) for step in decision.path.chain] if decision.path else []
        path = decision.path
        self.view.steps = [StepView(list(s.roles), s.escalation) for s in path.steps] if path else []
        return decision

    def standing(self) -> list[StandingApproval]:
        return [StandingApproval(a.role, a.discount, a.band) for a in self.view.approvals]

    # --- transitions --------------------------------------------------------------------------

    async def transition(
        self, *, action: str, after: str, actor: str, change: Change, decided: bool = False
    ) -> list[int]:
        """Write one state change (row, tasks, audit, notices) and mirror it here."""
        view = self.view
        now = workflow.now()
        terms = view.submission.terms

        async def store(projection: Projection) -> ProjectionResult:
            return await run_local(
                record_discount_transition,
                DiscountTransition(
                    workflow_id=view.workflow_id,
                    state=after,
                    at=now,
                    projection=projection,
                    requested_discount=terms.requested_discount,
                    deal_value=terms.deal_value,
                    competitor=terms.competitor,
                    justification=terms.justification,
                    rulebook_version=view.rulebook_version,
                    standard_discount=view.standard_discount,
                    total_discount=view.total_discount,
                    band=view.band,
                    valid_until=view.valid_until,
                    decided_at=now if decided else None,
                    revisions=len(view.revisions),
                    reason_codes=change.reason_codes,
                ),
            )

        task_ids = await self.journal.write(
            action=action, after=after, actor=actor, change=change, store=store
        )
        if decided:
            view.decided_at = now
        self.publish()
        return task_ids

    def publish(self) -> None:
        self.journal.publish(self.view.valid_until if self.view.state == State.APPROVED else None)

    def set_open_tasks(self, tasks: list[TaskView]) -> None:
        self.view.open_tasks = tasks
        self.publish()

    def partner_note(
        self, subject: str, body: str = "", event: str = EventType.DISCOUNT_DECIDED
    ) -> list[NotificationRecord]:
        return [partner_notice(self.view, event, subject, body)]

    # --- how the review looks -----------------------------------------------------------------

    def step_task(self, step: int, role: str, slot: str, due_at: datetime) -> TaskOpening:
        name = self.facts.partner_name if self.facts else f"partner {self.view.submission.partner_id}"
        return approval_task(
            self.view,
            step=step,
            role=role,
            slot=slot,
            due_at=due_at,
            partner_name=name,
            account=self.account,
            territory=self.facts.territory if self.facts else None,
        )

    def question_task(self, step: int, question: str, asked_by: str) -> TaskOpening:
        return info_task(self.view, step=step, question=question, asked_by=asked_by, account=self.account)

    def escalation_notices(
        self, from_roles: tuple[str, ...], to_roles: tuple[str, ...], sla_seconds: float
    ) -> list[NotificationRecord]:
        missed = " + ".join(from_roles)
        return [
            escalation_notice(self.account, from_roles=missed, to_role=role, sla_seconds=sla_seconds)
            for role in to_roles
        ]

    def answered(self, answer: str) -> None:
        """The answer is in the audit trail and the task's timeline; nothing else to keep."""

    def approval_given(self, task: TaskView, by: str, on_behalf_of: str | None) -> None:
        band = self.view.band if self.view.band is not None else 0
        self.view.approvals.append(
            ApprovalGiven(
                task.role,
                self.view.submission.terms.requested_discount,
                band,
                by,
                workflow.now(),
                on_behalf_of,
            )
        )

    async def aside(self, command: Command[Any]) -> bool:
        return False  # every update either steers the walk or ends it

    def interrupts(self, update: Any) -> str | None:
        if isinstance(update, ReviseUpdate | WithdrawUpdate):
            return str(update.acting.authority.username)
        if isinstance(update, RegistrationEnded):
            return f"rule:{REGISTRATION_CLOSED}"
        return None

    # --- outcomes -----------------------------------------------------------------------------

    async def approve(self, *, actor: str, change: Change, valid_until: datetime | None = None) -> None:
        """Approved pricing, quotable until ``valid_until`` (by default the rulebook's validity)."""
        assert self.rulebook is not None
        now = workflow.now()
        view = self.view
        view.valid_until = valid_until or now + self.rulebook.discount.quote_validity
        lead = self.rulebook.discount.reminder_lead_time
        # Without a lead time there is no reminder: the reminder time is the expiry itself.
        view.remind_at = max(now, view.valid_until - lead) if lead else view.valid_until
        view.reminded = False
        change.notifications += self.partner_note(
            "Your discount is approved",
            f"{view.total_discount:.1%} in all; quotable until {format_moment(view.valid_until)}",
            EventType.DISCOUNT_APPROVED,
        )
        await self.transition(
            action="discount.approved", after=State.APPROVED, actor=actor, change=change, decided=True
        )
        self.set_open_tasks([])

    async def end(self, *, action: str, after: str, actor: str, change: Change, why: str) -> None:
        """A final state: refused, rejected, withdrawn, or closed with its registration."""
        self.view.ended_because = why
        self.view.valid_until = None
        change.notifications += self.partner_note(f"Your discount request is {after.replace('_', ' ')}", why)
        await self.transition(action=action, after=after, actor=actor, change=change, decided=True)
        self.set_open_tasks([])


def remaining(view: DiscountView, now: datetime) -> timedelta:
    """How long the approved pricing is still quotable."""
    return (view.valid_until - now) if view.valid_until else timedelta(0)
