"""Update validators of the dispute workflow: read-only checks that raise ``Refusal``.

The task updates (decide, escalate) are judged by ``workflows.human.validation`` with the
dispute's own check of the word chosen (``Dispute.check_decision``); these are the parties' own:
a statement on the thread, and the claimant's withdrawal.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from store.models.enums import DisputeState as State
    from workflows.dispute.process import Dispute
    from workflows.dispute.types import CLAIMANT, StatementUpdate, WithdrawUpdate
    from workflows.human.authority import OPERATOR_ROLES, Refusal, require_current, require_storable

MAX_STATEMENT = 4000


def validate_statement(process: Dispute, update: StatementUpdate, now: datetime) -> None:
    statement = update.statement
    require_current(update.acting, statement.actor, now)
    if process.view.state in State.FINAL or process.view.state == State.OPENED:
        raise Refusal(f"the dispute is {process.view.state}; its thread takes no statements now")
    if not statement.text.strip():
        raise Refusal("statement: must not be empty")
    if len(statement.text) > MAX_STATEMENT:
        raise Refusal(f"statement: must be at most {MAX_STATEMENT} characters")
    require_storable(statement.text, "statement")
    process.side_of(update.acting.authority)


def validate_withdraw(process: Dispute, update: WithdrawUpdate, now: datetime) -> None:
    withdrawal = update.withdrawal
    require_current(update.acting, withdrawal.actor, now)
    require_storable(withdrawal.comment, "comment")
    view = process.view
    if view.state in State.FINAL:
        raise Refusal(f"the dispute is already {view.state}")
    if process.queue.pending(WithdrawUpdate):
        raise Refusal("the dispute is already being withdrawn")
    authority = update.acting.authority
    if OPERATOR_ROLES & set(authority.roles):
        return
    try:
        side = process.side_of(authority)
    except Refusal:
        side = ""
    if side != CLAIMANT:
        raise Refusal("only the contesting party (or partner operations) may withdraw a dispute")
