"""Human review of a registration with SLAs, and the outcomes every phase ends in.

Review walks the rulebook's route one level at a time. Each level has an SLA; when it passes
(or someone escalates by hand) the task closes as escalated and the next level's opens, in one
transition; after the last level the rulebook's default action applies. Request-more-info closes
the review, opens a question for the partner and pauses the SLA until the answer comes.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.projection import TaskClosing
    from rules.enums import DefaultAction
    from rules.protection import protection_window
    from rules.registration import RegistrationDecision
    from store.models.enums import RegistrationState as State
    from store.models.enums import TaskOutcome
    from workflows.registration_authority import Refusal, decider_for
    from workflows.registration_machine import Change, Command, RegistrationMachine
    from workflows.registration_projection import escalation_notice, info_task, review_task
    from workflows.registration_types import INFO_TASK, REVIEW_TASK, DecisionOutcome, TaskView

# Codes for what the process itself does (the rulebook's decision codes live in rules.reasons).
SLA_ESCALATED = "sla.escalated"
SLA_DEFAULT_ACTION = "sla.default_action"


class RegistrationReview(RegistrationMachine):
    # --- review -------------------------------------------------------------------------------

    async def review(self, decision: RegistrationDecision) -> None:
        assert decision.path is not None
        route = list(decision.path.steps)
        self.route = [step.roles[0] for step in route]
        level = 0
        remaining = timedelta(seconds=route[0].sla_seconds)
        await self._open_review(
            level,
            remaining,
            action="review.opened",
            actor="rule:approval.required",
            change=Change(reason_codes=list(decision.codes)),
        )
        while True:
            assert self.view.open_task is not None
            opened, due = workflow.now(), self.view.open_task.due_at
            command = await self.next_command(until=due)
            if command is None or command.kind == "escalate":
                if level + 1 == len(route):
                    await self._default_action(decision.default_action, level, command)
                    return
                level += 1
                remaining = timedelta(seconds=route[level].sla_seconds)
                await self._escalate(level, remaining, command)
            elif command.kind == "decide":
                outcome = command.request.decision.outcome
                if outcome is not DecisionOutcome.REQUEST_INFO:
                    await self._decided(command, level)
                    return
                remaining -= workflow.now() - opened
                if not await self._ask_partner(command, level, remaining):
                    return
            elif command.kind == "withdraw":
                await self.withdrawn(command, [self._closing(level, TaskOutcome.CANCELLED, command)])
                return
            else:
                self.finish(command, f"not possible while the registration is {self.view.state}")

    async def _open_review(
        self, level: int, remaining: timedelta, *, action: str, actor: str, change: Change
    ) -> None:
        due = workflow.now() + remaining
        change.open_tasks.append(
            review_task(
                self.view.submission,
                level=level,
                role=self.route[level],
                due_at=due,
                partner_name=self.partner_name,
                rulebook_version=self.view.rulebook_version,
                reasons=self.view.reasons,
                matches=self.matches,
                route=self.route,
                answers=self.answers,
            )
        )
        task_ids = await self.transition(
            action=action, after=State.PENDING_APPROVAL, actor=actor, change=change
        )
        self.view.sla_paused_remaining_seconds = None
        self.set_open_task(TaskView(task_ids[-1], REVIEW_TASK, self.route[level], level, workflow.now(), due))

    async def _escalate(self, level: int, remaining: timedelta, command: Command | None) -> None:
        by_hand = command is not None
        actor = command.request.acting.authority.username if command else f"rule:{SLA_ESCALATED}"
        change = Change(
            reason_codes=[SLA_ESCALATED] if not by_hand else ["approval.escalated"],
            comment=command.request.escalation.comment if command else "",
            close_tasks=[self._closing(level - 1, TaskOutcome.ESCALATED, command)],
            notifications=[
                escalation_notice(
                    self.view.submission,
                    from_role=self.route[level - 1],
                    to_role=self.route[level],
                    sla_seconds=remaining.total_seconds(),
                )
            ],
            detail={"from_role": self.route[level - 1], "to_role": self.route[level]},
        )
        await self._open_review(level, remaining, action="review.escalated", actor=actor, change=change)
        if command is not None:
            self.finish(command)

    async def _default_action(self, action: DefaultAction, level: int, command: Command | None) -> None:
        closing = [self._closing(level, TaskOutcome.EXPIRED, None)]
        codes = [SLA_DEFAULT_ACTION]
        actor = f"rule:{SLA_DEFAULT_ACTION}"
        if action is DefaultAction.APPROVE:
            await self.approve(actor=actor, change=Change(reason_codes=codes, close_tasks=closing))
        else:
            await self.reject(actor=actor, change=Change(reason_codes=codes, close_tasks=closing))
        if command is not None:
            self.finish(command)

    async def _decided(self, command: Command, level: int) -> None:
        decision = command.request.decision
        on_behalf_of = self._decider(command)
        approved = decision.outcome is DecisionOutcome.APPROVE
        outcome = TaskOutcome.APPROVED if approved else TaskOutcome.REJECTED
        change = Change(
            reason_codes=[f"approval.{outcome.value}"],
            on_behalf_of=on_behalf_of,
            comment=decision.comment,
            close_tasks=[self._closing(level, outcome, command, on_behalf_of)],
            detail={"task_id": decision.task_id, "role": self.route[level], "level": level},
        )
        if approved:
            await self.approve(actor=decision.actor, change=change)
        else:
            await self.reject(actor=decision.actor, change=change)
        self.finish(command)

    async def _ask_partner(self, command: Command, level: int, remaining: timedelta) -> bool:
        """Return the review to the partner; True once they answer, False if they withdraw."""
        decision = command.request.decision
        on_behalf_of = self._decider(command)
        task_ids = await self.transition(
            action="review.info_requested",
            after=State.INFO_REQUESTED,
            actor=decision.actor,
            change=Change(
                reason_codes=["approval.info_requested"],
                on_behalf_of=on_behalf_of,
                comment=decision.comment,
                close_tasks=[self._closing(level, TaskOutcome.INFO_REQUESTED, command, on_behalf_of)],
                open_tasks=[
                    info_task(
                        self.view.submission,
                        level=level,
                        question=decision.comment,
                        asked_by=decision.actor,
                        partner_name=self.partner_name,
                    )
                ],
            ),
        )
        self.view.sla_paused_remaining_seconds = remaining.total_seconds()
        self.set_open_task(
            TaskView(task_ids[-1], INFO_TASK, "partner", level, workflow.now(), None, decision.comment)
        )
        self.finish(command)
        while True:
            answer = await self.next_command(until=None)
            assert answer is not None
            info_closing = TaskClosing(
                INFO_TASK, level, TaskOutcome.ANSWERED, answer_actor(answer), workflow.now()
            )
            if answer.kind == "withdraw":
                info_closing.outcome = TaskOutcome.CANCELLED
                await self.withdrawn(answer, [info_closing])
                return False
            if answer.kind != "provide_info":
                self.finish(answer, "waiting for the partner's answer to a question")
                continue
            self.answers.append(answer.request.info.answer)
            await self._open_review(
                level,
                remaining,
                action="review.info_provided",
                actor=answer.request.info.actor,
                change=Change(comment=answer.request.info.answer, close_tasks=[info_closing]),
            )
            self.finish(answer)
            return True

    def _decider(self, command: Command) -> str | None:
        """Whom the decider acts for, as the validator established (same inputs, same answer)."""
        task = self.view.open_task
        assert task is not None
        try:
            return decider_for(
                command.request.acting.authority,
                task.role,
                self.view.submission.submitted_by,
                command.request.decision.on_behalf_of,
            )
        except Refusal:  # pragma: no cover - the validator refused this already
            return None

    def _closing(
        self, level: int, outcome: TaskOutcome, command: Command | None, on_behalf_of: str | None = None
    ) -> TaskClosing:
        by = command.request.acting.authority.username if command else f"rule:{SLA_ESCALATED}"
        if outcome is TaskOutcome.EXPIRED:
            by = f"rule:{SLA_DEFAULT_ACTION}"
        return TaskClosing(REVIEW_TASK, level, outcome, by, workflow.now(), on_behalf_of)

    # --- outcomes -----------------------------------------------------------------------------

    async def approve(self, *, actor: str, change: Change) -> None:
        assert self.rulebook is not None
        window = protection_window(self.rulebook, workflow.now())
        self.view.remind_at = window.remind_at
        change.decided = True
        change.notifications += self.partner_note(
            "Your registration is approved", f"Protected until {window.expires_at.isoformat()}"
        )
        await self.transition(
            action="registration.approved",
            after=State.APPROVED,
            actor=actor,
            change=change,
            expires_at=window.expires_at,
        )
        self.set_open_task(None)

    async def reject(self, *, actor: str, change: Change) -> None:
        change.decided = True
        change.release_claim = True
        change.notifications += self.partner_note("Your registration was rejected", change.comment)
        await self.transition(
            action="registration.rejected", after=State.REJECTED, actor=actor, change=change
        )
        self.set_open_task(None)

    async def withdrawn(self, command: Command, closing: list[TaskClosing]) -> None:
        request = command.request.withdrawal
        await self.transition(
            action="registration.withdrawn",
            after=State.WITHDRAWN,
            actor=request.actor,
            change=Change(comment=request.comment, release_claim=True, close_tasks=closing),
        )
        self.set_open_task(None)
        self.finish(command)


def answer_actor(command: Command) -> str:
    return str(command.request.acting.authority.username)
