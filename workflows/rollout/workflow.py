"""A rulebook version's roll-out as a durable workflow: draft, what-if gate, approval by a second
person, publication with partners' acknowledgements, a timer to the effective date, in force.

The version in force when the draft is submitted governs the roll-out (``rules.rollout``): a draft
never decides its own approval. The draft is stored first (refused, nothing stored, when invalid or
its id is taken). Where that rulebook requires it, a completed what-if of the draft against it must
be attached before anyone can approve. Then one person of the approving role decides (never the
author; past the SLA the draft lapses). Approved, the playbook is published: every active partner
gets an acknowledgement task with a deadline and a reminder before it. A timer runs to the effective
date and the version comes into force (which version governs is decided by effective dates, so a
worker that missed this still switches on time). Partner operations may withdraw the version until
then. The workflow ends when every partner asked has acknowledged, when a newer version comes
into force (its roll-out signals this one: the acknowledgements still open close), or when it
was withdrawn.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.projection import NotificationRecord, TaskClosing
    from activities.rollout import (
        AudienceRequest,
        RolloutOpening,
        SupersededRequest,
        record_rollout_opening,
        rollout_audience,
        superseded_rollouts,
    )
    from activities.rulebook import RulebookRequest, load_rulebook
    from rules import checks as _checks  # noqa: F401  (the schema validator imports it lazily)
    from rules.approval import approved
    from rules.durations import format_moment
    from rules.reasons import ReasonCode
    from rules.rollout import acknowledgement_schedule, approval_path, gate_reason
    from rules.schema import Rulebook
    from store.models.enums import EventType, Role, RulebookState, TaskOutcome
    from workflows.human.authority import refusals
    from workflows.human.commands import Command, CommandQueue
    from workflows.human.handlers import install_task_updates
    from workflows.human.journal import Change
    from workflows.human.local import run_local
    from workflows.human.updates import SettledRequest, TaskUpdate  # noqa: F401  (see install_task_updates)
    from workflows.human.walk import ApprovalWalk
    from workflows.rollout.process import RolloutProcess
    from workflows.rollout.types import (
        ACKNOWLEDGEMENT_TASK,
        TASKS,
        AcknowledgementView,
        AcknowledgeUpdate,
        AttachUpdate,
        RolloutStart,
        RolloutState,
        RolloutUpdate,
        RolloutView,
        SupersededSignal,
        WhatIfFacts,  # noqa: F401  (the sandbox resolves update field types through it)
        WithdrawUpdate,
    )
    from workflows.rollout.validation import (
        gate_facts,
        validate_acknowledge,
        validate_attach,
        validate_withdraw,
    )


@workflow.defn
class RolloutWorkflow:
    """One rulebook version, from draft to in force and acknowledged by every partner asked."""

    @workflow.init
    def __init__(self, start: RolloutStart) -> None:
        view = RolloutView(workflow_id=workflow.info().workflow_id, start=start, state=RolloutState.STARTED)
        self.queue: CommandQueue[RolloutUpdate] = CommandQueue()
        self.process = RolloutProcess(view, self.queue)
        install_task_updates(TASKS, self.process, self.queue, lambda: self.process.path)

    @property
    def view(self) -> RolloutView:
        return self.process.view

    @workflow.run
    async def run(self, start: RolloutStart) -> RolloutView:
        process, view = self.process, self.process.view
        pinned = await run_local(load_rulebook, RulebookRequest(at=workflow.now()))
        process.in_force = Rulebook.model_validate(pinned.document)
        view.rulebook_version = pinned.version
        view.simulation_required = process.in_force.rollout.simulation_required
        if await self._open(pinned.document) and await self._gate() and await self._approved():
            await self._published()
            if await self._until_in_force():
                await self._acknowledgements()
        self.queue.refuse_all(f"the roll-out of {process.version} is {view.state.replace('_', ' ')}")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return view

    async def _open(self, in_force: dict[str, Any]) -> bool:
        view, start = self.view, self.view.start
        try:
            opened = await run_local(
                record_rollout_opening,
                RolloutOpening(start.text, start.comment, start.submitted_by, workflow.now(), in_force),
            )
        except ActivityError as error:
            cause = error.cause
            if isinstance(cause, ApplicationError) and cause.non_retryable:
                view.state, view.ended_because = RolloutState.REFUSED, str(cause.message)
                return False  # nothing was stored
            raise
        view.effective_from, view.changes = opened.effective_from, opened.changes
        await self.process.transition(
            action="rulebook.submitted",
            after=RolloutState.DRAFT,
            actor=start.submitted_by,
            change=Change(
                reason_codes=[],
                comment=start.comment,
                detail={"effective_from": opened.effective_from.isoformat(), "changes": opened.changes},
            ),
        )
        return True

    # --- the what-if gate ---------------------------------------------------------------------

    async def _gate(self) -> bool:
        """Wait for a what-if where one is required; False when withdrawn or lapsed meanwhile."""
        process, view = self.process, self.view
        assert process.in_force is not None and view.effective_from is not None
        while view.simulation_required and view.what_if is None:
            command = await self.queue.next(until=view.effective_from)
            if command is None:
                await self._withdrawn(
                    "rule:rollout.lapsed", "no what-if was attached before its effective date", [], None
                )
                return False
            match command.update:
                case AttachUpdate() as update:
                    view.what_if = update.attach.what_if
                    reason = gate_reason(process.in_force, process.version, gate_facts(update))
                    view.gate_reasons = [reason]
                    await process.transition(
                        action="rulebook.simulation_attached",
                        after=RolloutState.DRAFT,
                        actor=update.attach.actor,
                        change=Change(
                            reason_codes=[reason.code],
                            comment=update.attach.what_if.headline,
                            detail={
                                "run_id": update.attach.what_if.run_id,
                                "headline": update.attach.what_if.headline,
                            },
                        ),
                    )
                    self.queue.finish(command)
                case WithdrawUpdate() as update:
                    await self._withdrawn(update.withdraw.actor, update.withdraw.reason, [], command)
                    return False
                case _:
                    self.queue.finish(command, "the draft waits for a what-if before anyone can decide it")
        if not view.simulation_required:
            view.gate_reasons = [gate_reason(process.in_force, process.version, None)]
        return True

    # --- approval -----------------------------------------------------------------------------

    async def _approved(self) -> bool:
        process, view = self.process, self.view
        assert process.in_force is not None
        process.path = approval_path(process.in_force)
        view.approval_role = process.path.steps[0].roles[0]
        walk = ApprovalWalk(TASKS, process, self.queue, process.path)
        ended = await walk.run(
            opened_by="rule:rollout.approval_required",
            change=Change(reason_codes=[r.code for r in view.gate_reasons]),
        )
        if ended.end is None:
            assert ended.command is not None
            update = ended.command.update
            assert isinstance(update, WithdrawUpdate)
            await self._withdrawn(
                update.withdraw.actor, update.withdraw.reason, ended.change.close_tasks, ended.command
            )
            return False
        if not approved(process.path, ended.position):
            why = (
                f"declined by {ended.actor}: {ended.change.comment}"
                if ended.command is not None
                else "the approval was not given in time"
            )
            await self._withdrawn(
                ended.actor, why, ended.change.close_tasks, ended.command, change=ended.change
            )
            return False
        view.approved_by, view.approved_at = ended.actor, workflow.now()
        schedule = acknowledgement_schedule(process.in_force, workflow.now())
        view.acknowledge_by, view.reminder_at = schedule.deadline, schedule.reminder_at
        audience = await run_local(rollout_audience, AudienceRequest())
        view.acknowledgements = [AcknowledgementView(p.partner_id, p.name) for p in audience]
        ended.change.open_tasks = [process.acknowledgement_task(p.partner_id, p.name) for p in audience]
        ended.change.notifications = process.notices(
            EventType.RULEBOOK_PUBLISHED,
            f"Rulebook {process.version} takes effect {format_moment(view.effective)}",
            _published_body(view.changes, schedule.deadline),
        )
        ended.change.detail = {**ended.change.detail, "acknowledgements_asked": len(audience)}
        task_ids = await process.transition(
            action="rulebook.approved",
            after=RolloutState.APPROVED,
            actor=ended.actor,
            change=ended.change,
            stored_state=RulebookState.APPROVED,
        )
        for item, task_id in zip(view.acknowledgements, task_ids, strict=True):
            item.task_id = task_id
        process.set_open_tasks([])
        if ended.command is not None:
            self.queue.finish(ended.command)
        return True

    async def _published(self) -> None:
        await self.process.transition(
            action="rulebook.scheduled",
            after=RolloutState.SCHEDULED,
            actor="rule:rollout.scheduled",
            change=Change(detail={"effective_from": format_moment(self.view.effective)}),
            stored_state=RulebookState.SCHEDULED,
        )

    # --- scheduled, in force, acknowledged -------------------------------------------------------

    async def _until_in_force(self) -> bool:
        """Acknowledgements and reminders until the effective date; False when withdrawn."""
        view = self.view
        assert view.effective_from is not None
        while workflow.now() < view.effective_from:
            command = await self.queue.next(until=self._next_moment(view.effective_from))
            if command is None:
                await self._timers()
                continue
            if isinstance(command.update, WithdrawUpdate):
                update = command.update
                closings = self._close_acknowledgements(TaskOutcome.CANCELLED, update.withdraw.actor)
                await self._withdrawn(update.withdraw.actor, update.withdraw.reason, closings, command)
                return False
            await self._apply(command)
        await self.process.transition(
            action="rulebook.in_force",
            after=RolloutState.IN_FORCE,
            actor="rule:rollout.effective_date",
            change=Change(
                notifications=self.process.notices(
                    EventType.RULEBOOK_IN_FORCE,
                    f"Rulebook {self.process.version} is in force",
                    f"In force since {format_moment(view.effective)}; "
                    f"it replaces {view.rulebook_version}.",
                )
            ),
            stored_state=RulebookState.IN_FORCE,
        )
        if workflow.patched("rollout-supersedes-older-acknowledgements"):
            await self._supersede_older()
        return True

    async def _supersede_older(self) -> None:
        """Tell the roll-outs of versions this one replaced to stop asking for acknowledgements."""
        request = SupersededRequest(self.view.workflow_id, ACKNOWLEDGEMENT_TASK)
        older = await run_local(superseded_rollouts, request)
        for workflow_id in older:
            handle = workflow.get_external_workflow_handle(workflow_id)
            try:
                await handle.signal(RolloutWorkflow.superseded, SupersededSignal(self.process.version))
            except Exception:  # it ended meanwhile (the SDK raises the failure it was given)
                workflow.logger.info("roll-out %s ended before it was told it is superseded", workflow_id)

    async def _acknowledgements(self) -> None:
        """After the effective date: until every partner asked has acknowledged (reminders and
        the deadline still run; an overdue partner's task stays open in its inbox)."""
        view = self.view
        while not view.superseded_by and any(item.acknowledged_by is None for item in view.acknowledgements):
            command = await self.queue.next(until=self._next_moment(None))
            if command is None:
                await self._timers()
                continue
            await self._apply(command)

    def _next_moment(self, also: datetime | None) -> datetime | None:
        view = self.view
        moments = [also] if also is not None else []
        if not view.reminded and view.reminder_at is not None:
            moments.append(view.reminder_at)
        if view.acknowledge_by is not None and not view.deadline_passed:
            moments.append(view.acknowledge_by)
        return min(moments) if moments else None

    async def _timers(self) -> None:
        """A reminder or the deadline has come (whichever is due)."""
        view, now = self.view, workflow.now()
        waiting = [item for item in view.acknowledgements if item.acknowledged_by is None]
        if not view.reminded and view.reminder_at is not None and now >= view.reminder_at:
            view.reminded = True
            await self._remind(waiting)
        if view.acknowledge_by is not None and now >= view.acknowledge_by and not view.deadline_passed:
            # Once, whoever is waiting: with everyone acknowledged there is nothing to record.
            view.deadline_passed = True
            if not waiting:
                return
            for item in waiting:
                item.overdue = True
            await self.process.transition(
                action="rulebook.acknowledgement_overdue",
                after=view.state,
                actor="rule:rollout.acknowledgement_deadline",
                change=Change(
                    reason_codes=[ReasonCode.ROLLOUT_ACKNOWLEDGEMENT_OVERDUE],
                    detail={"overdue_partners": [item.partner_id for item in waiting]},
                ),
            )

    async def _remind(self, waiting: list[AcknowledgementView]) -> None:
        """Each partner that has not acknowledged is reminded (its own users only)."""
        view = self.view
        if not waiting:
            return
        deadline = view.acknowledge_by
        assert deadline is not None
        notices = [
            NotificationRecord(
                EventType.RULEBOOK_ACKNOWLEDGEMENT_DUE,
                f"Please acknowledge rulebook {self.process.version} by {format_moment(deadline)}",
                _published_body(view.changes, deadline),
                recipient_role=Role.PARTNER,
                partner_id=item.partner_id,
                data={"version": self.process.version, "acknowledge_by": deadline.isoformat()},
                topic=f"partner-{item.partner_id}",
            )
            for item in waiting
        ]
        await self.process.transition(
            action="rulebook.acknowledgement_reminded",
            after=view.state,
            actor="rule:rollout.acknowledgement_reminder",
            change=Change(
                notifications=notices, detail={"reminded_partners": [i.partner_id for i in waiting]}
            ),
        )

    async def _apply(self, command: Command[RolloutUpdate]) -> None:
        """An acknowledgement (the only update open while scheduled or in force)."""
        update = command.update
        if isinstance(update, SupersededSignal):
            await self._superseded(update.version)
            self.queue.finish(command)
            return
        if not isinstance(update, AcknowledgeUpdate):
            self.queue.finish(
                command, f"not possible while the version is {self.view.state.replace('_', ' ')}"
            )
            return
        view, now = self.view, workflow.now()
        item = view.acknowledgement_of(update.acknowledge.partner_id)
        assert item is not None
        closing = TaskClosing(
            ACKNOWLEDGEMENT_TASK,
            0,
            TaskOutcome.ACKNOWLEDGED,
            update.acknowledge.actor,
            now,
            None,
            str(item.partner_id),
        )
        await self.process.transition(
            action="rulebook.acknowledged",
            after=view.state,
            actor=update.acknowledge.actor,
            change=Change(
                close_tasks=[closing], detail={"partner_id": item.partner_id, "late": item.overdue}
            ),
            acknowledged_partner=item.partner_id,
        )
        item.acknowledged_by, item.acknowledged_at = update.acknowledge.actor, now
        self.queue.finish(command)

    async def _superseded(self, newer: str) -> None:
        """A newer version is in force: the acknowledgements still open are closed, not asked."""
        view = self.view
        if view.superseded_by or view.state not in (RolloutState.SCHEDULED, RolloutState.IN_FORCE):
            return  # only a published version is superseded, and only once
        # Scheduled: its effective date has passed (a later-dated version is in force), but this
        # workflow's timer has not been handled yet; it still records in force, then ends.
        waiting = [item.partner_id for item in view.acknowledgements if item.acknowledged_by is None]
        view.superseded_by = newer
        await self.process.transition(
            action="rulebook.superseded",
            after=view.state,
            actor="rule:rollout.superseded",
            change=Change(
                close_tasks=self._close_acknowledgements(TaskOutcome.CANCELLED, "rule:rollout.superseded"),
                reason_codes=[ReasonCode.ROLLOUT_SUPERSEDED],
                comment=f"{newer} is in force",
                detail={"superseded_by": newer, "no_longer_asked": waiting},
            ),
        )

    def _close_acknowledgements(self, outcome: str, by: str) -> list[TaskClosing]:
        now = workflow.now()
        return [
            TaskClosing(ACKNOWLEDGEMENT_TASK, 0, outcome, by, now, None, str(item.partner_id))
            for item in self.view.acknowledgements
            if item.acknowledged_by is None
        ]

    async def _withdrawn(
        self,
        actor: str,
        why: str,
        closings: list[TaskClosing],
        command: Command[RolloutUpdate] | None,
        change: Change | None = None,
    ) -> None:
        process, view = self.process, self.view
        published = view.state in (RolloutState.APPROVED, RolloutState.SCHEDULED)
        change = change or Change()
        change.close_tasks = closings
        change.comment = change.comment or why
        change.reason_codes = change.reason_codes or [ReasonCode.ROLLOUT_WITHDRAWN]
        change.notifications = process.notices(
            EventType.RULEBOOK_WITHDRAWN, f"Rulebook {process.version} is withdrawn", why, partners=published
        )
        view.ended_because = why
        await process.transition(
            action="rulebook.withdrawn",
            after=RolloutState.WITHDRAWN,
            actor=actor,
            change=change,
            stored_state=RulebookState.WITHDRAWN,
            reason=why,
        )
        process.set_open_tasks([])
        if command is not None:
            self.queue.finish(command)

    # --- queries and updates ------------------------------------------------------------------

    @workflow.query
    def view_state(self) -> RolloutView:
        return self.view

    @workflow.signal
    def superseded(self, signal: SupersededSignal) -> None:
        self.queue.post(signal)

    @workflow.update
    async def settled(self, request: SettledRequest) -> RolloutView:
        """Answer once the draft is stored (or refused), with its approval task open if no what-if
        is required."""
        await workflow.wait_condition(
            lambda: (
                self.view.state != RolloutState.STARTED
                and (
                    self.view.state != RolloutState.DRAFT
                    or bool(self.view.open_tasks)
                    or (self.view.simulation_required and self.view.what_if is None)
                )
            )
        )
        return self.view

    @workflow.update
    async def attach_what_if(self, update: AttachUpdate) -> RolloutView:
        await self.queue.submit(update)
        await workflow.wait_condition(
            lambda: bool(self.view.open_tasks) or self.view.state != RolloutState.DRAFT
        )
        return self.view

    @attach_what_if.validator
    def _check_attach(self, update: AttachUpdate) -> None:
        with refusals():
            validate_attach(self.process, update, workflow.now())

    @workflow.update
    async def withdraw(self, update: WithdrawUpdate) -> RolloutView:
        await self.queue.submit(update)
        return self.view

    @withdraw.validator
    def _check_withdraw(self, update: WithdrawUpdate) -> None:
        with refusals():
            validate_withdraw(self.process, update, workflow.now())

    @workflow.update
    async def acknowledge(self, update: AcknowledgeUpdate) -> RolloutView:
        await self.queue.submit(update)
        return self.view

    @acknowledge.validator
    def _check_acknowledge(self, update: AcknowledgeUpdate) -> None:
        with refusals():
            validate_acknowledge(self.process, update, workflow.now())


def _published_body(changes: list[str], deadline: datetime) -> str:
    listed = "\n".join(f"- {change}" for change in changes) or "No rule changes from the version in force."
    return f"What changes:\n{listed}\n\nPlease acknowledge it by {format_moment(deadline)}."
