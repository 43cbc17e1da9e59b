"""One partner's exit as a durable workflow: approval, notice, dispositions, wind-down.

The run method is the only writer of state. For cause, a second person of the rulebook's role
approves before anything happens (four-eyes: never whoever started it; past its SLA the exit
does not take effect). Then notice is given: the partner is exiting (new registrations refused),
its access revoked now or at notice end as the rulebook says, and the plan (``rules.exit``) shown.
Partner operations may cancel while notice runs, restoring the partner's status. At notice end
every open registration is disposed of through its own workflow (``workflows.exit.dispositions``),
transfers nobody eligible could take wait for partner operations' choice, and the exit winds
down: MDF and commission end at their dates, honoured registrations run out, then it completes.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.exit import (
        ExitOpeningInput,
        record_exit_opening,
    )
    from activities.projection import TaskClosing
    from activities.rulebook import RulebookRequest, load_rulebook
    from rules import checks as _checks  # noqa: F401  (the schema validator imports it lazily)
    from rules.approval import approved
    from rules.durations import format_moment
    from rules.enums import ExitType
    from rules.exit import approval_path, exit_plan
    from rules.facts import ExistingRegistration  # noqa: F401  (the sandbox resolves activity results' field types through it)
    from rules.schema import Rulebook
    from store.crud.exits import ExitTimeline
    from store.models.enums import ExitState
    from workflows.exit.dispositions import plan_view
    from workflows.exit.process import ExitProcess
    from workflows.exit.types import TASKS, CancelUpdate, ExitStart, ExitUpdate, ExitView, TransfereeUpdate
    from workflows.exit.validation import validate_cancel, validate_transferee
    from workflows.exit.winddown import WindDown
    from workflows.human.authority import refusals
    from workflows.human.commands import Command, CommandQueue
    from workflows.human.handlers import install_task_updates
    from workflows.human.journal import Change
    from workflows.human.local import run_local
    from workflows.human.updates import SettledRequest, TaskUpdate  # noqa: F401  (see install_task_updates)
    from workflows.human.walk import ApprovalWalk

FROZEN_STAYS = "registrations refused while new registrations were frozen stay refused"


@workflow.defn
class ExitWorkflow:
    """A partner's exit from the program, from notice to the end of its wind-down."""

    @workflow.init
    def __init__(self, start: ExitStart) -> None:
        view = ExitView(workflow_id=workflow.info().workflow_id, start=start, state=ExitState.STARTED)
        self.queue: CommandQueue[ExitUpdate] = CommandQueue()
        self.process = ExitProcess(view, self.queue)
        install_task_updates(TASKS, self.process, self.queue, lambda: self.process.path)

    @property
    def view(self) -> ExitView:
        return self.process.view

    @workflow.run
    async def run(self, start: ExitStart) -> ExitView:
        process, view = self.process, self.process.view
        pinned = await run_local(load_rulebook, RulebookRequest(at=workflow.now()))
        process.rulebook = Rulebook.model_validate(pinned.document)
        view.rulebook_version = pinned.version
        if await self._open() and await self._approved() and await self._notice():
            planned = [d.registration_id for d in view.dispositions]
            open_now = await process.open_registrations(also=planned)
            await WindDown(process, self.queue).run(open_now)
        self.queue.refuse_all(f"the exit is {view.state}")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return view

    async def _open(self) -> bool:
        view, start = self.view, self.view.start
        try:
            opened = await run_local(
                record_exit_opening,
                ExitOpeningInput(
                    view.workflow_id,
                    start.partner_id,
                    start.exit_type,
                    start.why,
                    start.started_by,
                    view.rulebook_version,
                ),
            )
        except ActivityError as error:
            cause = error.cause
            if isinstance(cause, ApplicationError) and cause.non_retryable:
                view.state, view.ended_because = ExitState.REFUSED, str(cause.message)
                return False  # nothing was stored: the partner could not be given notice now
            raise
        view.partner_name = opened.partner_name
        return True

    # --- approval -------------------------------------------------------------------------------

    async def _approved(self) -> bool:
        """For cause (or where the rulebook asks): the approval walk; True once it may take effect."""
        process, view = self.process, self.view
        assert process.rulebook is not None
        process.path = approval_path(process.rulebook, ExitType(view.start.exit_type))
        if process.path is None:
            return True
        view.approval_role = process.path.steps[0].roles[0]
        walk = ApprovalWalk(TASKS, process, self.queue, process.path)
        ended = await walk.run(
            opened_by="rule:exit.approval_required",
            change=Change(
                reason_codes=["exit.approval_required"],
                notifications=process.notices(
                    "awaiting_approval", f"An exit of {process.partner} waits for approval"
                ),
            ),
        )
        if ended.end is None:
            assert ended.command is not None
            await self._cancelled(ended.command, ended.change.close_tasks)
            return False
        if not approved(process.path, ended.position):
            await process.transition(
                action="exit.refused", after=ExitState.REFUSED, actor=ended.actor, change=ended.change
            )
            view.ended_because = ended.change.comment or "the approval was not given in time"
            process.set_open_tasks([])
            if ended.command is not None:
                self.queue.finish(ended.command)
            return False
        view.approved_by = ended.actor
        await process.transition(
            action="exit.approved", after=ExitState.AWAITING_APPROVAL, actor=ended.actor, change=ended.change
        )
        process.set_open_tasks([])
        if ended.command is not None:
            self.queue.finish(ended.command)
        return True

    # --- notice -----------------------------------------------------------------------------------

    async def _notice(self) -> bool:
        """Give notice and wait for its end; False when it was cancelled meanwhile."""
        process, view = self.process, self.view
        assert process.rulebook is not None
        open_now = await self.process.open_registrations()
        exit_type = ExitType(view.start.exit_type)
        plan = exit_plan(process.rulebook, exit_type, [r.existing for r in open_now.values()], workflow.now())
        view.notice_given_at, view.notice_ends_at = plan.notice_given_at, plan.notice_ends_at
        view.access_revoked_at = plan.access_revoked_at
        view.commission_ends_at, view.mdf_ends_at = plan.commission_ends_at, plan.mdf_ends_at
        view.dispositions = plan_view(plan, open_now)
        view.ends_at = process.wind_down_ends()
        revoked_now = plan.access_revoked_at <= plan.notice_given_at
        await process.transition(
            written=view.dispositions,
            action="exit.notice_given",
            after=ExitState.NOTICE,
            actor=view.approved_by or view.start.started_by,
            change=Change(
                reason_codes=["exit.notice_given", *(["exit.access_revoked"] if revoked_now else [])],
                comment=view.start.why,
                notifications=process.notices(
                    "notice_given",
                    f"{process.partner} is given notice",
                    f"Notice ends {format_moment(plan.notice_ends_at)}; "
                    f"{len(plan.dispositions)} open registrations.",
                ),
                detail={"exit_type": exit_type.value, "planned": len(plan.dispositions)},
            ),
            timeline=ExitTimeline(
                plan.notice_given_at,
                plan.notice_ends_at,
                plan.access_revoked_at,
                plan.commission_ends_at,
                plan.mdf_ends_at,
            ),
        )
        while True:
            command = await self.queue.next(until=view.notice_ends_at)
            if command is None:
                return True
            match command.update:
                case CancelUpdate():
                    await self._cancelled(command, [])
                    return False
                case _:
                    self.queue.finish(
                        command, f"not possible while notice runs (until {view.notice_ends_at})"
                    )

    async def _cancelled(self, command: Command[ExitUpdate], closings: list[TaskClosing]) -> None:
        """Cancelled while notice runs: status and access restored; the audit says what stays."""
        process, view = self.process, self.view
        update = command.update
        assert isinstance(update, CancelUpdate)
        stays: dict[str, object] = {}
        if view.state == ExitState.NOTICE:
            open_now = await self.process.open_registrations()
            stays = {
                "ended_during_notice": [
                    d.registration_id for d in view.dispositions if d.registration_id not in open_now
                ],
                "refused_while_frozen": FROZEN_STAYS,
            }
        view.dispositions = []
        view.ended_because = update.cancel.reason
        await process.transition(
            action="exit.cancelled",
            after=ExitState.CANCELLED,
            actor=update.cancel.actor,
            change=Change(
                reason_codes=["exit.cancelled"],
                comment=update.cancel.reason,
                close_tasks=closings,
                notifications=process.notices(
                    "cancelled", f"The exit of {process.partner} was cancelled", update.cancel.reason
                ),
                detail={"stays": stays} if stays else {},
            ),
        )
        process.set_open_tasks([])
        self.queue.finish(command)

    # --- queries and updates ------------------------------------------------------------------

    @workflow.query
    def view_state(self) -> ExitView:
        return self.view

    @workflow.update
    async def settled(self, request: SettledRequest) -> ExitView:
        """Answer once the exit awaits approval with its task open, is in notice, or was refused."""
        await workflow.wait_condition(
            lambda: (
                self.view.state != ExitState.STARTED
                and (self.view.state != ExitState.AWAITING_APPROVAL or bool(self.view.open_tasks))
            )
        )
        return self.view

    @workflow.update
    async def cancel(self, update: CancelUpdate) -> ExitView:
        await self.queue.submit(update)
        return self.view

    @cancel.validator
    def _check_cancel(self, update: CancelUpdate) -> None:
        with refusals():
            validate_cancel(self.process, update, workflow.now())

    @workflow.update
    async def choose_transferee(self, update: TransfereeUpdate) -> ExitView:
        await self.queue.submit(update)
        return self.view

    @choose_transferee.validator
    def _check_transferee(self, update: TransfereeUpdate) -> None:
        with refusals():
            validate_transferee(self.process, update, workflow.now())
