"""After notice: the dispositions applied, partner operations' transferee choices, and the
wind-down's milestones (MDF and commission end dates, the last honoured registration running
out) until the exit completes. Composed by the exit workflow once notice has ended."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.exit import OpenRegistration, PartnerRequest, partner_as_ruled
    from rules.enums import Disposition, ExitType
    from rules.exit import exit_plan, transfer_refusals
    from rules.reasons import Reason, ReasonCode
    from store.models.enums import DispositionState, ExitState, TaskOutcome
    from workflows.exit.dispositions import BATCH, apply_batch, choose_transferees, plan_view
    from workflows.exit.process import ExitProcess
    from workflows.exit.types import ExitUpdate, ExitView, TransfereeUpdate
    from workflows.human.commands import Command, CommandQueue
    from workflows.human.journal import Change, TaskView, closing
    from workflows.human.local import run_local

NOTICE_ENDED = "rule:exit.notice_ended"
NOTICE_OVER = "notice has ended: the exit can no longer be cancelled"


class WindDown:
    def __init__(self, process: ExitProcess, queue: CommandQueue[ExitUpdate]) -> None:
        self.process = process
        self.queue = queue

    @property
    def view(self) -> ExitView:
        return self.process.view

    async def run(self, found: dict[str, OpenRegistration]) -> None:
        """Dispose of what is open at notice end (``found``: the partner's open registrations and
        the planned ones however they stand now), then wait out the milestones and choices."""
        process, view = self.process, self.view
        assert process.rulebook is not None and view.notice_given_at is not None
        plan = exit_plan(
            process.rulebook,
            ExitType(view.start.exit_type),
            [r.existing for r in found.values()],  # the plan leaves out what is no longer open
            view.notice_given_at,
        )
        items = plan_view(plan, found)
        disposed = {d.registration_id for d in items}
        ended = [d for d in view.dispositions if d.registration_id not in disposed]
        for item in ended:
            item.state = DispositionState.ENDED
            if item.registration_id in found:
                item.registration_state = found[item.registration_id].state
        view.dispositions = [*ended, *items]
        view.ends_at = process.wind_down_ends()
        await process.transition(
            written=view.dispositions,  # the plan made again, and what ended meanwhile
            action="exit.notice_ended",
            after=ExitState.WINDING_DOWN,
            actor=NOTICE_ENDED,
            change=Change(
                reason_codes=["exit.notice_ended", "exit.access_revoked"],
                notifications=process.notices(
                    "notice_ended", f"Notice ended for {process.partner}: access revoked"
                ),
            ),
        )
        transfers = [i for i in items if i.disposition == Disposition.TRANSFER]
        await choose_transferees(process, transfers, self.process.deals)
        ready = [i for i in items if i.state == DispositionState.PLANNED]
        for start in range(0, len(ready), BATCH):
            await apply_batch(process, ready[start : start + BATCH], self.process.deals)
        await self._ask_for_choices()
        await self._until_done()

    async def _ask_for_choices(self) -> None:
        process, view = self.process, self.view
        waiting = [
            (i, d) for i, d in enumerate(view.dispositions) if d.state == DispositionState.AWAITING_CHOICE
        ]
        if not waiting:
            return
        openings = [process.transferee_task(i, d, None) for i, d in waiting]
        ids = await process.transition(
            written=[d for _, d in waiting],
            action="exit.transferee_needed",
            after=ExitState.WINDING_DOWN,
            actor=NOTICE_ENDED,
            change=Change(
                reason_codes=[ReasonCode.EXIT_NO_TRANSFEREE.value],
                open_tasks=openings,
                notifications=process.notices(
                    "transferee_needed",
                    f"Choose who takes over {len(waiting)} registrations of {process.partner}",
                ),
            ),
        )
        now = workflow.now()
        process.set_open_tasks(
            [
                *view.open_tasks,
                *(
                    TaskView(tid, o.kind, o.role, o.escalation_level, now, None)
                    for tid, o in zip(ids, openings, strict=True)
                ),
            ]
        )

    async def _until_done(self) -> None:
        """Milestones at their dates and partner operations' choices, until nothing is left."""
        process, view = self.process, self.view
        assert view.commission_ends_at is not None and view.mdf_ends_at is not None
        view.ends_at = process.wind_down_ends()
        milestones = sorted(
            [
                (view.mdf_ends_at, "exit.mdf_ended", "MDF ends"),
                (view.commission_ends_at, "exit.commission_ended", "commission ends"),
                (view.ends_at, "exit.completed", "the exit is complete"),
            ],
            key=lambda m: m[0],
        )
        process.publish()
        for due, code, words in milestones:
            while True:
                command = await self.queue.next(until=due)
                if command is None:
                    break
                match command.update:
                    case TransfereeUpdate() as update:
                        await self._chosen(command, update)
                    case _:
                        self.queue.finish(command, NOTICE_OVER)
            if code == "exit.completed" and view.open_tasks:
                # Partner operations still owe a choice: the exit waits for it.
                while view.open_tasks:
                    command = await self.queue.next(until=None)
                    assert command is not None
                    if isinstance(command.update, TransfereeUpdate):
                        await self._chosen(command, command.update)
                    else:
                        self.queue.finish(command, NOTICE_OVER)
            final = code == "exit.completed"
            await process.transition(
                action=code,
                after=ExitState.COMPLETED if final else ExitState.WINDING_DOWN,
                actor=f"rule:{code}",
                change=Change(
                    reason_codes=[code],
                    notifications=process.notices(code.removeprefix("exit."), f"{process.partner}: {words}"),
                ),
            )

    async def _chosen(self, command: Command[ExitUpdate], update: TransfereeUpdate) -> None:
        """Partner operations' choice: the partner takes the registration over, or direct sales."""
        process, view = self.process, self.view
        assert process.rulebook is not None
        choice = update.choice
        index, item = next(
            (i, d) for i, d in enumerate(view.dispositions) if d.registration_id == choice.registration_id
        )
        deal = self.process.deals[item.registration_id]
        if choice.partner_id is not None:
            partner = await run_local(partner_as_ruled, PartnerRequest(choice.partner_id, workflow.now()))
            refused = (
                ["no such partner"]
                if partner is None
                else [r.text for r in transfer_refusals(process.rulebook, deal, partner)]
            )
            if refused:
                self.queue.finish(
                    command,
                    f"partner {choice.partner_id} may not take this registration over: {'; '.join(refused)}",
                )
                return
            item.disposition, item.transferee_partner_id = Disposition.TRANSFER.value, choice.partner_id
            text = f"transferred to partner {choice.partner_id}, chosen by partner operations"
            item.reasons = [*item.reasons, Reason(ReasonCode.EXIT_TRANSFER.value, text)]
        else:
            item.disposition = Disposition.RETURN_TO_DIRECT.value
            text = "returned to direct sales by partner operations: nobody eligible takes it over"
            item.reasons = [*item.reasons, Reason(ReasonCode.EXIT_RETURN_TO_DIRECT.value, text)]
        item.state = DispositionState.PLANNED
        task = next(t for t in view.open_tasks if t.escalation_level == index)
        process.set_open_tasks([t for t in view.open_tasks if t is not task])
        view.ends_at = process.wind_down_ends()
        await apply_batch(process, [item], self.process.deals, actor=choice.actor, comment=choice.comment)
        # The task closes in the next transition's projection: written with the outcome above.
        await process.transition(
            action="exit.transferee_chosen",
            after=ExitState.WINDING_DOWN,
            actor=choice.actor,
            change=Change(
                reason_codes=[item.reasons[-1].code],
                comment=choice.comment,
                close_tasks=[closing(task, TaskOutcome.APPROVED, choice.actor, workflow.now())],
                detail={"registration_id": item.registration_id, "partner_id": choice.partner_id},
            ),
        )
        self.queue.finish(command)
