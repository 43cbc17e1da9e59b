"""Update validators of the registration workflow: read-only checks that raise ``Refusal``.

A validator sees the state as it is when the update arrives and must not change it; a refused
update is not written to the workflow's history at all, so stale, duplicate, unauthorised and
self-approvals leave no trace.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from store.models.enums import RegistrationState as State
    from workflows.registration_authority import (
        OPERATOR_ROLES,
        Refusal,
        decider_for,
        require_current,
        require_partner_side,
    )
    from workflows.registration_machine import RegistrationMachine
    from workflows.registration_types import (
        REVIEW_TASK,
        CloseUpdate,
        DecideUpdate,
        DecisionOutcome,
        EscalateUpdate,
        ExtendUpdate,
        ProvideInfoUpdate,
        WithdrawUpdate,
    )


def _storable(text: str, field: str) -> None:
    # The audit trail keeps this text in the database, and PostgreSQL cannot store a NUL.
    if "\x00" in text:
        raise Refusal(f"the {field} must not contain a NUL character")


def _open_review(machine: RegistrationMachine, task_id: int) -> str:
    """The role of the open review task ``task_id``, or a refusal saying why it is not open."""
    view = machine.view
    task = view.open_task
    if view.state == State.INFO_REQUESTED:
        raise Refusal("the review waits for the partner's answer to a question")
    if view.state != State.PENDING_APPROVAL or task is None or task.kind != REVIEW_TASK:
        raise Refusal(f"the registration is {view.state}; there is no open review")
    if task_id != task.task_id:
        raise Refusal(
            f"task {task_id} is no longer open (it was decided or escalated); the open review "
            f"is task {task.task_id} for {task.role}"
        )
    if machine.pending("decide") or machine.pending("escalate"):
        raise Refusal("another decision on this task is being applied")
    return task.role


def validate_decide(machine: RegistrationMachine, update: DecideUpdate, now: datetime) -> None:
    decision = update.decision
    require_current(update.acting, decision.actor, now)
    _storable(decision.comment, "comment")
    role = _open_review(machine, decision.task_id)
    if decision.outcome is DecisionOutcome.REJECT and not decision.comment.strip():
        raise Refusal("a rejection needs a comment saying why")
    if decision.outcome is DecisionOutcome.REQUEST_INFO and not decision.comment.strip():
        raise Refusal("a request for more information needs the question in the comment")
    decider_for(update.acting.authority, role, machine.view.submission.submitted_by, decision.on_behalf_of)


def validate_escalate(machine: RegistrationMachine, update: EscalateUpdate, now: datetime) -> None:
    escalation = update.escalation
    require_current(update.acting, escalation.actor, now)
    _storable(escalation.comment, "comment")
    role = _open_review(machine, escalation.task_id)
    task = machine.view.open_task
    if task is not None and task.escalation_level + 1 >= len(machine.route):
        raise Refusal(f"{role} is the last level of the route; decide the task instead")
    if OPERATOR_ROLES & set(update.acting.authority.roles):
        return
    decider_for(update.acting.authority, role, machine.view.submission.submitted_by, None)


def validate_provide_info(machine: RegistrationMachine, update: ProvideInfoUpdate, now: datetime) -> None:
    require_current(update.acting, update.info.actor, now)
    _storable(update.info.answer, "answer")
    if machine.view.state != State.INFO_REQUESTED:
        raise Refusal(f"no question is waiting for an answer (the registration is {machine.view.state})")
    if machine.pending("provide_info"):
        raise Refusal("an answer is already being applied")
    require_partner_side(update.acting.authority, machine.view.submission.partner_id)
    if not update.info.answer.strip():
        raise Refusal("the answer must not be empty")


def validate_extend(machine: RegistrationMachine, update: ExtendUpdate, now: datetime) -> None:
    require_current(update.acting, update.extension.actor, now)
    _storable(update.extension.comment, "comment")
    if machine.view.state != State.APPROVED:
        raise Refusal(f"only an approved registration can be extended (this one is {machine.view.state})")
    if machine.pending("extend"):
        raise Refusal("an extension request is already being applied")
    require_partner_side(update.acting.authority, machine.view.submission.partner_id)


def validate_close(machine: RegistrationMachine, update: CloseUpdate, now: datetime) -> None:
    require_current(update.acting, update.closing.actor, now)
    _storable(update.closing.comment, "comment")
    if machine.view.state != State.APPROVED:
        raise Refusal(
            f"only an approved registration can be closed won or lost (this one is {machine.view.state})"
        )
    if machine.pending("close") or machine.pending("withdraw"):
        raise Refusal("the registration is already being closed")
    require_partner_side(update.acting.authority, machine.view.submission.partner_id)


def validate_withdraw(machine: RegistrationMachine, update: WithdrawUpdate, now: datetime) -> None:
    require_current(update.acting, update.withdrawal.actor, now)
    _storable(update.withdrawal.comment, "comment")
    if machine.view.state in State.FINAL:
        raise Refusal(f"the registration is already {machine.view.state}")
    if machine.pending("withdraw") or machine.pending("close"):
        raise Refusal("the registration is already being withdrawn or closed")
    require_partner_side(update.acting.authority, machine.view.submission.partner_id)
