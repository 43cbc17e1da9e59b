"""One dispute as a durable workflow: hear both parties, walk the written path, act on the outcome.

The run method is the only writer of state. On opening, the contested registration is held open
to the dispute (its ``contest`` update); both parties get a party task until the rulebook's
response deadline; then each level of ``rules.escalation.dispute_path`` gets a task, a passed
response time moving the case up, and past the last level the rulebook's default resolution
applies. The outcome moves the registrations through their own workflows' ``dispute_outcome``
update (``rules.dispute.effects``): the holder released with its hold handed to the claimant in
the same transaction, then the claimant approved; an award that can no longer be made is refused
and the level hears the case again.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.dispute import (
        DisputeOpeningInput,
        RegistrationAnswer,
        RegistrationAsk,
        ThreadWrite,
        ask_registration,
        record_dispute_opening,
    )
    from activities.rulebook import RulebookRequest, load_rulebook
    from rules import checks as _checks  # noqa: F401  (the schema validator imports it lazily)
    from rules.approval import PathEnd
    from rules.dispute import (
        AWARD_REFUSED,
        BY_DEFAULT,
        OPENED,
        PARTY_SILENT,
        WITHDRAWN,
        Resolution,
        default_resolution,
        effects,
        holder_releasable,
        outcome_reason,
        party_deadline,
    )
    from rules.escalation import dispute_path
    from rules.reasons import Reason
    from rules.schema import Rulebook
    from store.models.enums import DisputeState as State
    from store.models.enums import EventType, TaskOutcome
    from store.rules_view import STANDING
    from workflows.dispute.process import Dispute
    from workflows.dispute.tasks import party_task
    from workflows.dispute.types import (
        CLAIMANT,
        PARTY_TASK,
        RESPONDENT,
        TASKS,
        DisputeOpening,
        DisputeUpdate,
        DisputeView,
        StatementUpdate,
        ThreadEntry,
        WithdrawUpdate,
    )
    from workflows.dispute.validation import validate_statement, validate_withdraw
    from workflows.human.authority import refusals
    from workflows.human.commands import Command, CommandQueue
    from workflows.human.handlers import install_task_updates
    from workflows.human.journal import Change, TaskView, closing
    from workflows.human.local import run_local
    from workflows.human.updates import SettledRequest, TaskUpdate  # noqa: F401  (see install_task_updates)
    from workflows.human.walk import ApprovalWalk
    from workflows.registration.types import DisputeOutcomeInput

HEARING_CLOSED = "rule:dispute.hearing_closed"
# An ask of a registration waits on that workflow's own transition: bounded, retried until it answers.
ASK_TIMEOUT = timedelta(seconds=60)
ASK_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=10))


@workflow.defn
class DisputeWorkflow:
    """A contest of a conflict decision, from opening to its outcome."""

    @workflow.init
    def __init__(self, opening: DisputeOpening) -> None:
        view = DisputeView(workflow_id=workflow.info().workflow_id, opening=opening, state=State.OPENED)
        self.queue: CommandQueue[DisputeUpdate] = CommandQueue()
        self.process = Dispute(view, self.queue)
        install_task_updates(TASKS, self.process, self.queue, lambda: self.process.path)

    @property
    def view(self) -> DisputeView:
        return self.process.view

    @workflow.run
    async def run(self, opening: DisputeOpening) -> DisputeView:
        process, view = self.process, self.process.view
        pinned = await run_local(load_rulebook, RulebookRequest(at=workflow.now()))
        process.rulebook = Rulebook.model_validate(pinned.document)
        view.rulebook_version = pinned.version
        process.path = dispute_path(process.rulebook)
        view.levels = [step.roles[0] for step in process.path.steps]
        view.opened_at = workflow.now()
        await self._record_opening()
        claimant = opening.claimant.registration_id
        if claimant is not None:
            answer = await self._ask(claimant, "contest", "contest", "disputes", {"contest": self._contest()})
            if not answer.applied:
                await self._closed(f"the contested registration is {answer.state}: {answer.refusal}")
        if view.state == State.OPENED:
            change = await self._hear()
            if change is not None:
                await self._walk(change)
        self.queue.refuse_all(f"the dispute is {view.state}")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return view

    async def _record_opening(self) -> None:
        view, opening = self.view, self.view.opening
        first = ThreadEntry(1, CLAIMANT, opening.opened_by, workflow.now(), opening.statement)
        await run_local(
            record_dispute_opening,
            DisputeOpeningInput(
                workflow_id=view.workflow_id,
                contest_key=opening.contest_key,
                claimant_side=opening.claimant.side,
                respondent_side=opening.respondent.side,
                claimant_partner_id=opening.claimant.partner_id,
                respondent_partner_id=opening.respondent.partner_id,
                claimant_registration_id=opening.claimant.registration_id,
                respondent_registration_id=opening.respondent.registration_id,
                product_line=opening.product_line,
                contested_codes=opening.contested_codes,
                opened_by=opening.opened_by,
                rulebook_version=view.rulebook_version,
                statement=ThreadWrite(f"{view.workflow_id}#1", CLAIMANT, first.author, first.text, first.at),
            ),
        )
        view.thread.append(first)

    def _contest(self) -> dict[str, Any]:
        return {"dispute_id": self.view.workflow_id, "actor": self.view.opening.opened_by}

    # --- the parties ---------------------------------------------------------------------------

    async def _hear(self) -> Change | None:
        """Both parties' statements until the deadline; the change that opens the first level
        (None: withdrawn meanwhile)."""
        process, view = self.process, self.view
        assert process.rulebook is not None
        deadline = party_deadline(process.rulebook, workflow.now())
        view.hearing_until = deadline
        tasks = [party_task(view, side=side, due_at=deadline) for side in (CLAIMANT, RESPONDENT)]
        ids = await process.transition(
            action="dispute.opened",
            after=State.HEARING,
            actor=view.opening.opened_by,
            change=Change(
                reason_codes=[OPENED, *view.opening.contested_codes],
                open_tasks=tasks,
                notifications=process.notices(
                    EventType.DISPUTE_OPENED,
                    f"A dispute was opened over {view.opening.product_line}",
                    "Give your statement.",
                ),
            ),
        )
        now = workflow.now()
        process.set_open_tasks(
            [
                TaskView(i, PARTY_TASK, t.role, 0, now, deadline, slot=t.slot)
                for i, t in zip(ids, tasks, strict=True)
            ]
        )
        while any(t.kind == PARTY_TASK for t in view.open_tasks):
            command = await self.queue.next(until=deadline)
            if command is None:
                break
            match command.update:
                case StatementUpdate() as update:
                    await process.add_statement(command, update)
                case WithdrawUpdate() as update:
                    by = update.withdrawal.actor
                    await self._withdrawn(
                        command,
                        [closing(t, TaskOutcome.CANCELLED, by, workflow.now()) for t in view.open_tasks],
                    )
                    return None
                case _:
                    self.queue.finish(
                        command, f"the parties give their statements until {deadline.isoformat()}"
                    )
        silent = [t for t in view.open_tasks if t.kind == PARTY_TASK]
        view.hearing_until = None
        return Change(
            reason_codes=[PARTY_SILENT] if silent else [],
            close_tasks=[closing(t, TaskOutcome.EXPIRED, HEARING_CLOSED, workflow.now()) for t in silent],
            detail={"silent": [t.slot for t in silent]},
        )

    # --- the path and the outcome --------------------------------------------------------------

    async def _walk(self, change: Change) -> None:
        process, view = self.process, self.view
        assert process.path is not None and process.rulebook is not None
        step = 0
        while True:
            walk = ApprovalWalk(TASKS, process, self.queue, process.path, first_step=step)
            ended = await walk.run(opened_by=HEARING_CLOSED, change=change)
            if ended.end is None:
                assert ended.command is not None
                await self._withdrawn(ended.command, ended.change.close_tasks)
                return
            by_default = ended.end is PathEnd.LAPSED
            comment = ""
            if by_default:
                resolution = default_resolution(process.rulebook, process.contest)
            else:
                assert ended.command is not None
                decision = ended.command.update.decision
                resolution, comment = Resolution(decision.outcome), decision.comment
            refusal = await self._apply(
                resolution, by_default, ended.actor, comment, ended.change.on_behalf_of
            )
            if refusal is not None and by_default:
                # A default cannot be sent back to anyone: the original decision stands.
                resolution = Resolution.UPHOLD
                refusal = await self._apply(resolution, True, ended.actor, "", None)
            if refusal is None:
                await self._resolved(resolution, by_default, ended.actor, ended.change)
                if ended.command is not None:
                    self.queue.finish(ended.command)
                return
            view.award_refusals.append(refusal)
            ended.change.reason_codes = [*(ended.change.reason_codes or []), AWARD_REFUSED]
            ended.change.detail["refused"] = refusal
            await process.transition(
                action="dispute.award_refused", after=State.IN_REVIEW, actor=ended.actor, change=ended.change
            )
            process.set_open_tasks([])
            assert ended.command is not None
            self.queue.finish(
                ended.command, f"the award could not be made: {refusal}; the level hears the case again"
            )
            step, change = ended.position.step, Change(reason_codes=[AWARD_REFUSED])

    async def _apply(
        self, resolution: Resolution, by_default: bool, actor: str, comment: str, on_behalf_of: str | None
    ) -> str | None:
        """Move the registrations as the resolution says; why it could not be done (nothing moved)."""
        process, opening = self.process, self.view.opening
        assert process.rulebook is not None
        fx = effects(resolution, process.contest)
        reason = outcome_reason(
            process.rulebook, resolution, process.contest, by_default=by_default, comment=comment
        )
        claimant, holder = opening.claimant, opening.respondent
        split = process.rulebook.escalation.co_sell_split

        def outcome(**moves: Any) -> dict[str, Any]:
            base = DisputeOutcomeInput(
                self.view.workflow_id, resolution.value, actor, reason, on_behalf_of, **moves
            )
            return {"outcome": asdict(base)}

        if fx.approve_claimant:
            assert claimant.registration_id is not None
            standing = await self._ask(claimant.registration_id, "view", "probe", "disputes", {})
            if standing.refusal:
                return standing.refusal
        released = False
        if fx.release_holder and holder.registration_id is not None:
            hand_on = fx.approve_claimant and not fx.co_sell
            answer = await self._ask(
                holder.registration_id,
                "dispute_outcome",
                "holder",
                "dispute_outcomes",
                outcome(
                    release=True,
                    transfer_to_workflow_id=claimant.registration_id if hand_on else None,
                    transfer_to_partner_id=claimant.partner_id if hand_on else None,
                    transfer_to_submitted_at=claimant.submitted_at if hand_on else None,
                    return_to_direct=fx.record_direct,
                ),
            )
            # Refused while protected (another change was being applied), or standing where the
            # rules say an award cannot release it (won, or before its own approvers).
            blocked = answer.state == "approved" or not holder_releasable(STANDING[answer.state])
            if not answer.applied and blocked:
                return f"the holder's registration is {answer.state.replace('_', ' ')} and cannot be released"
            released = answer.applied
        if fx.approve_claimant:
            assert claimant.registration_id is not None
            answer = await self._ask(
                claimant.registration_id,
                "dispute_outcome",
                "claimant",
                "dispute_outcomes",
                outcome(
                    approve=True,
                    co_sell=fx.co_sell,
                    co_sell_share=split if fx.co_sell else None,
                    end_direct=fx.end_direct,
                ),
            )
            if not answer.applied and not released:
                return answer.refusal or f"the contesting partner's registration is {answer.state}"
        elif claimant.registration_id is not None:
            await self._ask(
                claimant.registration_id, "dispute_outcome", "claimant", "dispute_outcomes", outcome()
            )
        if holder.registration_id is not None and not fx.release_holder:
            share = 1 - split if fx.co_sell else None
            await self._ask(
                holder.registration_id,
                "dispute_outcome",
                "holder",
                "dispute_outcomes",
                outcome(co_sell=fx.co_sell, co_sell_share=share),
            )
        self.view.outcome = reason
        return None

    async def _ask(
        self, registration_id: str, update: str, suffix: str, applied_in: str, payload: dict[str, Any]
    ) -> RegistrationAnswer:
        """One of the registration's dispute updates (or ``view``: a read of where it stands)."""
        return await workflow.execute_activity(
            ask_registration,
            RegistrationAsk(
                registration_id=registration_id,
                update=update,
                update_id=f"{self.view.workflow_id}-{suffix}-{len(self.view.award_refusals)}",
                dispute_id=self.view.workflow_id,
                applied_in=applied_in,
                payload=payload,
            ),
            start_to_close_timeout=ASK_TIMEOUT,
            retry_policy=ASK_RETRY,
        )

    async def _resolved(self, resolution: Resolution, by_default: bool, actor: str, change: Change) -> None:
        process, view = self.process, self.view
        assert view.outcome is not None
        view.resolution = resolution.value
        view.resolved_by_default = by_default
        view.resolved_at = workflow.now()
        change.reason_codes = [
            *(change.reason_codes or []),
            view.outcome.code,
            *([BY_DEFAULT] if by_default else []),
        ]
        change.notifications += process.notices(
            EventType.DISPUTE_RESOLVED, "Your dispute is resolved", view.outcome.text
        )
        change.detail["resolution"] = resolution.value
        await process.transition(
            action="dispute.resolved", after=State.RESOLVED, actor=actor, change=change, resolution=resolution
        )
        process.set_open_tasks([])

    async def _withdrawn(self, command: Command[DisputeUpdate], closings: list[Any]) -> None:
        process, view = self.process, self.view
        update = command.update
        assert isinstance(update, WithdrawUpdate)
        reason = Reason(WITHDRAWN, "the contesting party withdrew the dispute; the original decision stands")
        claimant = view.opening.claimant.registration_id
        if claimant is not None:
            payload = {
                "outcome": asdict(
                    DisputeOutcomeInput(view.workflow_id, "withdrawn", update.withdrawal.actor, reason)
                )
            }
            await self._ask(claimant, "dispute_outcome", "claimant", "dispute_outcomes", payload)
        view.outcome = reason
        view.ended_because = update.withdrawal.comment or reason.text
        await process.transition(
            action="dispute.withdrawn",
            after=State.WITHDRAWN,
            actor=update.withdrawal.actor,
            change=Change(
                reason_codes=[WITHDRAWN],
                comment=update.withdrawal.comment,
                close_tasks=closings,
                notifications=process.notices(
                    EventType.DISPUTE_WITHDRAWN, "A dispute was withdrawn", reason.text
                ),
            ),
        )
        process.set_open_tasks([])
        self.queue.finish(command)

    async def _closed(self, why: str) -> None:
        self.view.ended_because = why
        await self.process.transition(
            action="dispute.closed",
            after=State.CLOSED,
            actor="rule:dispute.not_contestable",
            change=Change(reason_codes=["dispute.not_contestable"], comment=why),
        )

    # --- queries and updates ------------------------------------------------------------------

    @workflow.query
    def view_state(self) -> DisputeView:
        return self.view

    @workflow.update
    async def settled(self, request: SettledRequest) -> DisputeView:
        """Answer once the dispute is open to the parties (or could not be opened)."""
        await workflow.wait_condition(lambda: self.view.state != State.OPENED)
        return self.view

    @workflow.update
    async def statement(self, update: StatementUpdate) -> DisputeView:
        await self.queue.submit(update)
        return self.view

    @statement.validator
    def _check_statement(self, update: StatementUpdate) -> None:
        with refusals():
            validate_statement(self.process, update, workflow.now())

    @workflow.update
    async def withdraw(self, update: WithdrawUpdate) -> DisputeView:
        await self.queue.submit(update)
        return self.view

    @withdraw.validator
    def _check_withdraw(self, update: WithdrawUpdate) -> None:
        with refusals():
            validate_withdraw(self.process, update, workflow.now())
