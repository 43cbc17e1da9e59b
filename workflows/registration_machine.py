"""The registration workflow's state and its two primitives: commands and transitions.

*Commands* carry accepted updates to the run loop: an update handler queues one and waits until
the loop has applied (or refused) it, so the run loop stays the only writer of state and the
update returns the state it produced. *Transitions* write one state change through one activity
and keep the view, the history and the search attributes in step. The review and protection
phases (``registration_review``, ``registration_protection``) are built from these two.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.projection import AuditRecord, NotificationRecord, Projection, TaskClosing, TaskOpening
    from activities.registration import RegistrationTransition, record_registration_transition
    from parley.constants import SearchAttribute
    from rules.registration import Match
    from rules.schema import Rulebook
    from store.models.enums import RegistrationState as State
    from workflows.registration_authority import Refusal
    from workflows.registration_projection import partner_notice
    from workflows.registration_types import (
        PROCESS_TYPE,
        RegistrationSubmission,
        RegistrationView,
        TaskView,
        TransitionView,
    )

STATE_KEY = SearchAttributeKey.for_keyword(SearchAttribute.STATE.value)
DUE_KEY = SearchAttributeKey.for_datetime(SearchAttribute.DUE_AT.value)

# The registration's activities are short database writes and reads, so they run as *local*
# activities: in the worker, recorded as markers in the history, without a round trip through
# the server for each (several times the throughput on the embedded dev server). They are
# idempotent, so a retry or a re-run after a worker crash writes nothing twice. Each try is
# bounded; they retry until the database answers.
ACTIVITY_TIMEOUT = timedelta(seconds=30)
ACTIVITY_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=10))


@dataclass
class Command:
    """An accepted update waiting for the run loop; ``error`` set when it turned out stale."""

    kind: str
    request: Any
    done: bool = False
    error: str | None = None


@contextmanager
def refusals() -> Iterator[None]:
    """Turn a validator's ``Refusal`` into the rejected update the client reports."""
    try:
        yield
    except Refusal as refusal:
        raise ApplicationError(str(refusal), type="DecisionRefused", non_retryable=True) from None


@dataclass
class Change:
    """What one transition changes besides the state (all optional)."""

    reason_codes: list[str] | None = None
    on_behalf_of: str | None = None
    comment: str = ""
    decided: bool = False
    release_claim: bool = False
    close_tasks: list[TaskClosing] = field(default_factory=list)
    open_tasks: list[TaskOpening] = field(default_factory=list)
    notifications: list[NotificationRecord] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


class RegistrationMachine:
    """State shared by the phases; the workflow class adds the run method and the handlers."""

    def __init__(self, submission: RegistrationSubmission) -> None:
        self.view = RegistrationView(
            workflow_id=workflow.info().workflow_id, submission=submission, state=State.SUBMITTED
        )
        self.rulebook: Rulebook | None = None
        self.partner_name = f"partner {submission.partner_id}"
        self.matches: list[Match] = []
        self.route: list[str] = []
        self.answers: list[str] = []
        self.commands: list[Command] = []
        self._transitions = 0

    # --- commands -----------------------------------------------------------------------------

    async def enqueue(self, command: Command) -> RegistrationView:
        self.commands.append(command)
        await workflow.wait_condition(lambda: command.done)
        if command.error is not None:
            raise ApplicationError(command.error, type="DecisionRefused", non_retryable=True)
        return self.view

    def pending(self, kind: str) -> bool:
        return any(c.kind == kind and not c.done for c in self.commands)

    async def next_command(self, until: datetime | None) -> Command | None:
        """The next queued command, waiting for one until ``until`` (None: no deadline)."""
        if not self.commands:
            if until is None:
                await workflow.wait_condition(lambda: bool(self.commands))
            else:
                timeout = until - workflow.now()
                if timeout > timedelta(0):
                    with suppress(TimeoutError):
                        await workflow.wait_condition(lambda: bool(self.commands), timeout=timeout)
        return self.commands.pop(0) if self.commands else None

    @staticmethod
    def finish(command: Command, error: str | None = None) -> None:
        command.error = error
        command.done = True

    def refuse_pending(self, why: str) -> None:
        """Answer every queued command that the process can no longer apply."""
        while self.commands:
            self.finish(self.commands.pop(0), why)

    # --- transitions --------------------------------------------------------------------------

    async def transition(
        self,
        *,
        action: str,
        after: str,
        actor: str,
        change: Change | None = None,
        expires_at: datetime | None = None,
    ) -> list[int]:
        """Write one state change (row, claim, tasks, audit, notices) and mirror it here."""
        change = change or Change()
        now = workflow.now()
        self._transitions += 1
        wid = self.view.workflow_id
        codes = change.reason_codes if change.reason_codes is not None else []
        detail = {**change.detail, **({"comment": change.comment} if change.comment else {})}
        projection = Projection(
            process_type=PROCESS_TYPE,
            process_id=wid,
            key=f"{wid}#{self._transitions}",
            audit=AuditRecord(
                actor=actor,
                action=action,
                at=now,
                rulebook_version=self.view.rulebook_version or None,
                before_state=self.view.state,
                after_state=after,
                reason_codes=codes,
                on_behalf_of=change.on_behalf_of,
                detail=detail,
            ),
            close_tasks=change.close_tasks,
            open_tasks=change.open_tasks,
            notifications=change.notifications,
        )
        result = await workflow.execute_local_activity(
            record_registration_transition,
            RegistrationTransition(
                workflow_id=wid,
                state=after,
                at=now,
                projection=projection,
                reason_codes=change.reason_codes,
                decided_at=now if change.decided else None,
                expires_at=expires_at,
                extensions_used=self.view.extensions_used,
                release_claim=change.release_claim,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        self.view.history.append(
            TransitionView(
                seq=self._transitions,
                at=now,
                actor=actor,
                action=action,
                before=self.view.state,
                after=after,
                reason_codes=codes,
                on_behalf_of=change.on_behalf_of,
                comment=change.comment,
            )
        )
        self.view.state = after
        if change.decided:
            self.view.decided_at = now
        if expires_at is not None:
            self.view.expires_at = expires_at
        self.publish()
        return result.task_ids

    def set_open_task(self, task: TaskView | None) -> None:
        """Show ``task`` as the one open task, and publish its due time (or the expiry)."""
        self.view.open_task = task
        self.publish()

    def publish(self) -> None:
        due = self.view.open_task.due_at if self.view.open_task else None
        if due is None and self.view.state == State.APPROVED:
            due = self.view.expires_at
        updates: list[Any] = [STATE_KEY.value_set(self.view.state)]
        updates.append(DUE_KEY.value_set(due) if due is not None else DUE_KEY.value_unset())
        workflow.upsert_search_attributes(updates)

    def partner_note(self, subject: str, body: str = "", kind: str = "decision") -> list[NotificationRecord]:
        return [partner_notice(self.view.submission, kind, subject, body)]
