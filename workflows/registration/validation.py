"""Update validators of the registration workflow: read-only checks that raise ``Refusal``.

The task updates (decide, escalate, answer) are judged by ``workflows.human.validation``; these
are the partner's own: extend, close and withdraw. A refused update is not written to the
workflow's history at all.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from store.models.enums import RegistrationState as State
    from workflows.human.authority import Refusal, require_current, require_partner_side, require_storable
    from workflows.registration.exits import refuse_extension_when_honoured
    from workflows.registration.process import Registration
    from workflows.registration.types import CloseUpdate, ExtendUpdate, WithdrawUpdate


def validate_extend(reg: Registration, update: ExtendUpdate, now: datetime) -> None:
    require_current(update.acting, update.extension.actor, now)
    require_storable(update.extension.comment, "comment")
    if reg.view.state != State.APPROVED:
        raise Refusal(f"only an approved registration can be extended (this one is {reg.view.state})")
    refuse_extension_when_honoured(reg)
    if reg.queue.pending(ExtendUpdate):
        raise Refusal("an extension request is already being applied")
    require_partner_side(update.acting.authority, reg.view.submission.partner_id)


def validate_close(reg: Registration, update: CloseUpdate, now: datetime) -> None:
    require_current(update.acting, update.closing.actor, now)
    require_storable(update.closing.comment, "comment")
    if reg.view.state != State.APPROVED:
        raise Refusal(
            f"only an approved registration can be closed won or lost (this one is {reg.view.state})"
        )
    if reg.queue.pending(CloseUpdate, WithdrawUpdate):
        raise Refusal("the registration is already being closed")
    require_partner_side(update.acting.authority, reg.view.submission.partner_id)


def validate_withdraw(reg: Registration, update: WithdrawUpdate, now: datetime) -> None:
    require_current(update.acting, update.withdrawal.actor, now)
    require_storable(update.withdrawal.comment, "comment")
    if reg.view.state in State.FINAL and not reg.view.in_appeal:
        raise Refusal(f"the registration is already {reg.view.state}")
    if reg.queue.pending(WithdrawUpdate, CloseUpdate):
        raise Refusal("the registration is already being withdrawn or closed")
    require_partner_side(update.acting.authority, reg.view.submission.partner_id)
