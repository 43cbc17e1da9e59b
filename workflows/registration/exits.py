"""A registration in its partner's exit: what the exit's disposition does, through this
registration's own workflow (``exit_disposition`` update, sent only by the exit process).

Honoured: it stays protected until it expires, and can no longer be extended. Returned to
direct: it ends (``released``), the account recorded as direct sales'. Transferred: it ends and
its hold passes, in the same transaction, to the transferee's registration, which the exit starts
next. A registration still in review is taken out of its review (its tasks closed) by either.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.projection import TaskClosing
    from activities.registration import ClaimTransfer
    from rules.enums import Disposition
    from store.models.enums import EventType
    from store.models.enums import RegistrationState as State
    from workflows.human.authority import Refusal
    from workflows.human.commands import Command
    from workflows.human.journal import Change
    from workflows.registration.process import Registration
    from workflows.registration.types import (
        CloseUpdate,
        ExitDispositionUpdate,
        RegistrationUpdate,
        WithdrawUpdate,
    )

DIRECT_OWNER = "direct sales (returned by exit {})"
_OPEN = (State.PENDING_APPROVAL, State.INFO_REQUESTED, State.APPROVED)


def validate_disposition(reg: Registration, update: ExitDispositionUpdate) -> None:
    view, asked = reg.view, update.disposition
    if reg.queue.pending(ExitDispositionUpdate, WithdrawUpdate, CloseUpdate):
        raise Refusal("another change to this registration is being applied")
    if view.exit_disposition is not None:
        raise Refusal(f"the registration was already {view.exit_disposition.replace('_', ' ')} by an exit")
    if view.state not in _OPEN:
        raise Refusal(f"the registration is {view.state}; the exit has nothing to dispose of")
    disposition = Disposition(asked.disposition)
    if disposition is Disposition.HONOUR_UNTIL_EXPIRY and view.state != State.APPROVED:
        raise Refusal("only an approved registration can be honoured until it expires")
    if disposition is Disposition.TRANSFER and asked.transfer_to_workflow_id is None:
        raise Refusal("a transfer names the transferee's registration")


def refuse_extension_when_honoured(reg: Registration) -> None:
    if reg.view.exit_disposition == Disposition.HONOUR_UNTIL_EXPIRY:
        raise Refusal("the partner is exiting: this registration is honoured until it expires, not extended")


async def dispose(
    reg: Registration, command: Command[RegistrationUpdate], closings: list[TaskClosing] | None = None
) -> bool:
    """Apply the exit's disposition; True when the registration ended (returned or transferred)."""
    update = command.update
    assert isinstance(update, ExitDispositionUpdate)
    asked = update.disposition
    view = reg.view
    disposition = Disposition(asked.disposition)
    view.exit_id, view.exit_disposition = asked.exit_id, disposition.value
    view.reasons = [*view.reasons, asked.reason]
    change = Change(
        reason_codes=[asked.reason.code],
        close_tasks=closings or [],
        detail={"exit_id": asked.exit_id},
        notifications=reg.partner_note(
            _SUBJECTS[disposition], asked.reason.text, EventType.REGISTRATION_CHANGED
        ),
    )
    if disposition is Disposition.HONOUR_UNTIL_EXPIRY:
        await reg.transition(
            action="registration.exit_honoured", after=State.APPROVED, actor=asked.actor, change=change
        )
        reg.queue.finish(command)
        return False
    claim_to = None
    if disposition is Disposition.TRANSFER:
        assert asked.transfer_to_partner_id is not None and asked.transfer_to_submitted_at is not None
        assert asked.transfer_to_workflow_id is not None
        claim_to = ClaimTransfer(
            asked.transfer_to_workflow_id, asked.transfer_to_partner_id, asked.transfer_to_submitted_at
        )
        change.detail["transferred_to"] = asked.transfer_to_workflow_id
    await reg.transition(
        action=f"registration.{'transferred' if claim_to else 'returned_to_direct'}",
        after=State.RELEASED,
        actor=asked.actor,
        change=change,
        release_claim=claim_to is None,
        claim_to=claim_to,
        direct_owner=DIRECT_OWNER.format(asked.exit_id) if claim_to is None else None,
    )
    reg.set_open_tasks([])
    reg.queue.finish(command)
    return True


_SUBJECTS = {
    Disposition.HONOUR_UNTIL_EXPIRY: "Your registration is honoured until it expires",
    Disposition.TRANSFER: "Your registration was transferred on your exit from the program",
    Disposition.RETURN_TO_DIRECT: "Your registration returned to direct sales on your exit",
}
