"""Update validators of the exit workflow: read-only checks that raise ``Refusal``.

The approval's task updates are judged by ``workflows.human.validation``; these are partner
operations' own: cancel while notice runs, and choose a transferee. A refused update is not
written to the workflow's history at all.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from store.models.enums import DispositionState, ExitState
    from workflows.exit.process import ExitProcess
    from workflows.exit.types import CancelUpdate, TransfereeUpdate
    from workflows.human.authority import OPERATOR_ROLES, Acting, Refusal, require_current, require_storable


def _operator(acting: Acting, what: str) -> None:
    if not OPERATOR_ROLES & set(acting.authority.roles):
        raise Refusal(f"only partner operations may {what}")


def validate_cancel(process: ExitProcess, update: CancelUpdate, now: datetime) -> None:
    cancel = update.cancel
    require_current(update.acting, cancel.actor, now)
    require_storable(cancel.reason, "reason")
    _operator(update.acting, "cancel an exit")
    if not cancel.reason.strip():
        raise Refusal("say why the exit is cancelled: the audit keeps it")
    state = process.view.state
    if state not in ExitState.CANCELLABLE:
        ended = "notice has ended" if state == ExitState.WINDING_DOWN else f"the exit is {state}"
        raise Refusal(f"an exit can be cancelled only while notice runs ({ended})")
    if process.queue.pending(CancelUpdate):
        raise Refusal("the exit is already being cancelled")


def validate_transferee(process: ExitProcess, update: TransfereeUpdate, now: datetime) -> None:
    choice = update.choice
    require_current(update.acting, choice.actor, now)
    require_storable(choice.comment, "comment")
    _operator(update.acting, "choose a transferee")
    view = process.view
    if choice.partner_id is not None and choice.partner_id == view.start.partner_id:
        raise Refusal("the exiting partner cannot take over its own registration")
    waiting = [d for d in view.dispositions if d.state == DispositionState.AWAITING_CHOICE]
    if not any(d.registration_id == choice.registration_id for d in waiting):
        raise Refusal(f"no registration of this exit waits for a transferee as {choice.registration_id!r}")
    if process.queue.pending(
        TransfereeUpdate, where=lambda u: u.choice.registration_id == choice.registration_id
    ):
        raise Refusal("a transferee is already being chosen for this registration")
