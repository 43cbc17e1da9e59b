"""One exit's state and its transitions; the host of its for-cause approval walk.

Built from ``workflows.human`` like every process: the journal writes each transition through the
exit's own activity (its row, the partner's status and access, the dispositions and the
projection in one transaction); the walk runs ``rules.exit.approval_path``. What is here is the
exit's own: who may cancel it and choose a transferee, and how its tasks and notices look.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.exit import (
        ExitTransition,
        OpenRegistration,
        OpenRegistrationsRequest,
        gather_open_registrations,
        record_exit_transition,
    )
    from activities.projection import NotificationRecord, Projection, ProjectionResult, TaskOpening
    from rules.approval import ApprovalPath
    from rules.enums import Disposition
    from rules.facts import RegistrationRequest
    from rules.schema import Rulebook
    from store.crud.exits import DispositionRecord, ExitTimeline
    from store.models.enums import DispositionState, EventType
    from workflows.exit.types import (
        APPROVAL_TASK,
        PROCESS_TYPE,
        QUESTION_TASK,
        TRANSFEREE_TASK,
        CancelUpdate,
        DispositionView,
        ExitUpdate,
        ExitView,
    )
    from workflows.human.authority import ActorAuthority, Refusal
    from workflows.human.commands import Command, CommandQueue
    from workflows.human.journal import Change, Journal, TaskView
    from workflows.human.local import run_local

PARTNER_OPS = "partner_ops"


class ExitProcess:
    """The exit process: its view (the one state), and every write it makes."""

    def __init__(self, view: ExitView, queue: CommandQueue[ExitUpdate]) -> None:
        self.view = view
        self.queue = queue
        self.journal = Journal(PROCESS_TYPE, view)
        self.rulebook: Rulebook | None = None
        self.path: ApprovalPath | None = None
        # The deal of each registration the exit has seen open (for transfers and their checks).
        self.deals: dict[str, RegistrationRequest] = {}

    @property
    def partner(self) -> str:
        return self.view.partner_name or f"partner {self.view.start.partner_id}"

    async def open_registrations(self, also: Sequence[str] = ()) -> dict[str, OpenRegistration]:
        """The partner's registrations open now, by id (and ``also`` these, however they stand);
        their deals are kept for transfers."""
        found = await run_local(
            gather_open_registrations, OpenRegistrationsRequest(self.view.start.partner_id, list(also))
        )
        for item in found:
            self.deals[item.existing.registration_id] = item.deal
        return {item.existing.registration_id: item for item in found}

    # --- what the walk and the validators read ------------------------------------------------

    @property
    def requester(self) -> str:
        """Who started the exit: they may not approve it (four-eyes)."""
        return self.view.start.started_by

    def check_answerer(self, authority: ActorAuthority) -> None:
        raise Refusal("an exit's approval asks no questions")

    def check_decision(self, authority: ActorAuthority, outcome: str) -> None:
        """Every word of the vocabulary is open to whoever may decide the approval."""

    # --- transitions --------------------------------------------------------------------------

    async def transition(
        self,
        *,
        action: str,
        after: str,
        actor: str,
        change: Change,
        timeline: ExitTimeline | None = None,
        written: Sequence[DispositionView] = (),
    ) -> list[int]:
        """Write one state change (row, partner, the dispositions ``written``, tasks, audit,
        notices) and mirror it here; the end of the wind-down written is the view's."""
        view = self.view
        now = workflow.now()

        async def store(projection: Projection) -> ProjectionResult:
            return await run_local(
                record_exit_transition,
                ExitTransition(
                    workflow_id=view.workflow_id,
                    state=after,
                    at=now,
                    projection=projection,
                    reason_codes=change.reason_codes,
                    timeline=timeline,
                    ends_at=view.ends_at,
                    dispositions=[_record(d) for d in written],
                ),
            )

        task_ids = await self.journal.write(
            action=action, after=after, actor=actor, change=change, store=store
        )
        self.publish()
        return task_ids

    def wind_down_ends(self) -> datetime:
        """When the wind-down ends: MDF and commission ended, every honoured registration run out."""
        view = self.view
        honoured = [
            d.effective_at
            for d in view.dispositions
            if d.disposition == Disposition.HONOUR_UNTIL_EXPIRY
            and d.state in (DispositionState.PLANNED, DispositionState.HONOURED)
        ]
        assert view.commission_ends_at is not None and view.mdf_ends_at is not None
        return max([view.commission_ends_at, view.mdf_ends_at, *honoured])

    def publish(self) -> None:
        live = self.view.notice_ends_at if self.view.state == "notice" else self.view.ends_at
        self.journal.publish(live)

    def set_open_tasks(self, tasks: list[TaskView]) -> None:
        self.view.open_tasks = tasks
        self.publish()

    def notices(self, milestone: str, subject: str, body: str = "") -> list[NotificationRecord]:
        """The same notice of a milestone to partner operations and to whoever started the exit."""
        data = {"milestone": milestone}
        return [
            NotificationRecord(
                EventType.EXIT_MILESTONE, subject, body, recipient_role=PARTNER_OPS, data=data
            ),
            NotificationRecord(
                EventType.EXIT_MILESTONE, subject, body, recipient_user=self.view.start.started_by, data=data
            ),
        ]

    # --- how the approval looks ---------------------------------------------------------------

    def step_task(self, step: int, role: str, slot: str, due_at: datetime) -> TaskOpening:
        start = self.view.start
        return TaskOpening(
            kind=APPROVAL_TASK,
            escalation_level=step,
            title=f"Approve the {start.exit_type.replace('_', ' ')} exit of {self.partner}",
            role=role,
            due_at=due_at,
            summary=f"{start.started_by} gives {self.partner} notice: {start.why}"[:2000],
            partner_id=start.partner_id,
            payload=self._payload(),
            slot=slot,
        )

    def question_task(self, step: int, question: str, asked_by: str) -> TaskOpening:
        # Never reached: check_answerer refuses every answer, and the vocabulary asks nothing.
        return TaskOpening(QUESTION_TASK, step, "Question", PARTNER_OPS, None, question)

    def escalation_notices(
        self, from_roles: tuple[str, ...], to_roles: tuple[str, ...], sla_seconds: float
    ) -> list[NotificationRecord]:
        return []  # one step: past its SLA the exit lapses, nobody further is asked

    def answered(self, answer: str) -> None:
        """An exit's approval asks no questions."""

    def approval_given(self, task: TaskView, by: str, on_behalf_of: str | None) -> None:
        """One approval settles the path: nothing to keep."""

    async def aside(self, command: Command[Any]) -> bool:
        return False

    def interrupts(self, update: Any) -> str | None:
        """A cancellation ends the approval walk."""
        return str(update.cancel.actor) if isinstance(update, CancelUpdate) else None

    # --- how a transferee choice looks --------------------------------------------------------

    def transferee_task(self, index: int, item: DispositionView, due_at: datetime | None) -> TaskOpening:
        reasons = "; ".join(r.text for r in item.reasons)
        return TaskOpening(
            kind=TRANSFEREE_TASK,
            escalation_level=index,
            title=f"Choose who takes over a registration of {self.partner}, or return it to direct",
            role=PARTNER_OPS,
            due_at=due_at,
            summary=reasons[:2000],
            partner_id=self.view.start.partner_id,
            payload={**self._payload(), "registration_id": item.registration_id},
        )

    def _payload(self) -> dict[str, Any]:
        view, start = self.view, self.view.start
        return {
            "process_type": PROCESS_TYPE,
            "exit_id": view.workflow_id,
            "partner_id": start.partner_id,
            "partner_name": view.partner_name,
            "exit_type": start.exit_type,
            "why": start.why,
            "started_by": start.started_by,
            "rulebook_version": view.rulebook_version,
        }


def _record(item: DispositionView) -> DispositionRecord:
    return DispositionRecord(
        registration_id=item.registration_id,
        disposition=item.disposition,
        state=item.state,
        effective_at=item.effective_at,
        reason_codes=[r.code for r in item.reasons],
        transferee_partner_id=item.transferee_partner_id,
        transferee_registration_id=item.transferee_registration_id,
    )
