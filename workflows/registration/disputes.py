"""A registration in a dispute: a rejection on a conflict kept open to appeal, and what the
dispute's outcome does to the registrations it stands between, through their own workflows.

A registration the rules rejected because another partner or direct sales was first stays open
until the rulebook's appeal window closes; a dispute that contests it holds it open until its
outcome. An award approves it (holding the account, which the holder's release has handed to it
in the same transaction that ended the holder), a co-sell approves it beside the holder, and any
other outcome is recorded and ends it. The holder's side: an award or a return to direct releases
it; an upheld or co-sold outcome is recorded and it stays protected.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.registration import CLAIM_HELD, ClaimTransfer, DirectMatch
    from rules.dispute import appeal_closes_at
    from rules.durations import format_moment
    from rules.protection import protection_window
    from store.models.enums import EventType
    from store.models.enums import RegistrationState as State
    from workflows.human.authority import Refusal
    from workflows.human.commands import Command
    from workflows.human.journal import Change
    from workflows.registration.process import Registration
    from workflows.registration.types import (
        ContestUpdate,
        DisputeOutcomeInput,
        DisputeOutcomeUpdate,
        RegistrationUpdate,
        WithdrawUpdate,
    )

APPEAL_CLOSED = "dispute.appeal_window_closed"
DIRECT_OWNER = "direct sales (returned by dispute {})"


async def appeal(reg: Registration) -> bool:
    """Wait for a dispute until the appeal window closes; True when a dispute's award approved
    the registration (it is then protected like any approval)."""
    view = reg.view
    assert reg.rulebook is not None and view.decided_at is not None
    view.appeal_until = appeal_closes_at(reg.rulebook, view.decided_at)
    while True:
        # Once contested, the registration waits for the outcome however long the dispute takes.
        until = None if view.disputes else view.appeal_until
        command = await reg.queue.next(until=until)
        if command is None:
            view.appeal_until = None
            return False
        match command.update:
            case ContestUpdate() as update:
                await _contested(reg, command, update)
            case DisputeOutcomeUpdate() as update if update.outcome.approve:
                if await _awarded(reg, command, update.outcome):
                    view.appeal_until = None
                    return True
            case DisputeOutcomeUpdate() as update:
                await _recorded(reg, command, update.outcome, after=State.REJECTED)
                view.appeal_until = None
                return False
            case WithdrawUpdate():
                view.appeal_until = None
                await reg.withdrawn(command, [])
                return False
            case _:
                reg.queue.finish(command, "not possible while the rejection is open to a dispute")


async def holder_outcome(
    reg: Registration, command: Command[RegistrationUpdate], outcome: DisputeOutcomeInput
) -> bool:
    """A dispute's outcome on the protected holder; True when it released the registration."""
    if not outcome.release:
        if outcome.co_sell and outcome.co_sell_share is not None:
            reg.view.co_sell_share = outcome.co_sell_share
        await _recorded(reg, command, outcome, after=State.APPROVED)
        return False
    assert reg.rulebook is not None
    claim_to = None
    if outcome.transfer_to_workflow_id is not None:
        assert outcome.transfer_to_partner_id is not None and outcome.transfer_to_submitted_at is not None
        claim_to = ClaimTransfer(
            outcome.transfer_to_workflow_id, outcome.transfer_to_partner_id, outcome.transfer_to_submitted_at
        )
    await reg.transition(
        action="registration.released",
        after=State.RELEASED,
        actor=outcome.actor,
        change=_change(reg, outcome, "Your registration was released by a dispute"),
        release_claim=claim_to is None,
        claim_to=claim_to,
        direct_owner=DIRECT_OWNER.format(outcome.dispute_id) if outcome.return_to_direct else None,
    )
    reg.view.dispute_outcomes.append(outcome.dispute_id)
    reg.set_open_tasks([])
    reg.queue.finish(command)
    return True


async def _contested(reg: Registration, command: Command[RegistrationUpdate], update: ContestUpdate) -> None:
    view = reg.view
    view.disputes.append(update.contest.dispute_id)
    await reg.transition(
        action="registration.contested",
        after=State.REJECTED,
        actor=update.contest.actor,
        change=Change(reason_codes=["dispute.opened"], detail={"dispute_id": update.contest.dispute_id}),
    )
    reg.queue.finish(command)


async def _awarded(
    reg: Registration, command: Command[RegistrationUpdate], outcome: DisputeOutcomeInput
) -> bool:
    """Approve and protect; refused (the command answered with why) when another registration
    holds the account by now."""
    assert reg.rulebook is not None
    now = workflow.now()
    window = protection_window(reg.rulebook, now)
    conflict = reg.rulebook.registration.conflict
    change = _change(reg, outcome, "Your registration is approved after a dispute")
    change.notifications[-1].body += f" Protected until {format_moment(window.expires_at)}."
    try:
        await reg.transition(
            action="registration.approved",
            after=State.APPROVED,
            actor=outcome.actor,
            change=change,
            decided=True,
            expires_at=window.expires_at,
            take_claim=not outcome.co_sell,
            end_direct=DirectMatch(conflict.name_match_threshold, conflict.match_domains)
            if outcome.end_direct
            else None,
        )
    except ActivityError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.type == CLAIM_HELD:
            reg.queue.finish(command, str(cause.message))
            return False
        raise
    reg.view.remind_at = window.remind_at
    reg.view.reminded = False
    reg.view.reasons = [*reg.view.reasons, outcome.reason]
    if outcome.co_sell and outcome.co_sell_share is not None:
        reg.view.co_sell_share = outcome.co_sell_share
    reg.view.dispute_outcomes.append(outcome.dispute_id)
    reg.queue.finish(command)
    return True


async def _recorded(
    reg: Registration, command: Command[RegistrationUpdate], outcome: DisputeOutcomeInput, *, after: str
) -> None:
    await reg.transition(
        action="registration.dispute_resolved",
        after=after,
        actor=outcome.actor,
        change=_change(reg, outcome, "A dispute about your registration is resolved"),
    )
    reg.view.dispute_outcomes.append(outcome.dispute_id)
    reg.queue.finish(command)


def _change(reg: Registration, outcome: DisputeOutcomeInput, subject: str) -> Change:
    return Change(
        reason_codes=[outcome.reason.code],
        on_behalf_of=outcome.on_behalf_of,
        comment=outcome.reason.text,
        detail={"dispute_id": outcome.dispute_id, "resolution": outcome.resolution},
        notifications=reg.partner_note(subject, outcome.reason.text, EventType.REGISTRATION_CHANGED),
    )


# --- validators (read-only; a refusal leaves no trace) --------------------------------------------


def validate_contest(reg: Registration, update: ContestUpdate, now: datetime) -> None:
    view = reg.view
    if not view.in_appeal:
        raise Refusal(f"the registration is {view.state}; only a rejection on a conflict can be contested")
    assert view.appeal_until is not None
    if update.contest.dispute_id in view.disputes:
        raise Refusal("this dispute already contests the registration")
    if not view.disputes and now > view.appeal_until:
        raise Refusal(f"the appeal window closed at {view.appeal_until.isoformat()}")
    if reg.queue.pending(ContestUpdate, WithdrawUpdate):
        raise Refusal("another change to this registration is being applied")


def validate_outcome(reg: Registration, update: DisputeOutcomeUpdate) -> None:
    """The claimant's side (the dispute contests this registration) must still be open to it; the
    holder's side must still be protected."""
    view, outcome = reg.view, update.outcome
    if reg.queue.pending(DisputeOutcomeUpdate, WithdrawUpdate):
        raise Refusal("another change to this registration is being applied")
    if outcome.dispute_id in view.disputes:
        if not view.in_appeal:
            raise Refusal(f"the registration is {view.state}; the dispute can no longer approve it")
    elif outcome.approve:
        raise Refusal("the dispute does not contest this registration")
    elif view.state != State.APPROVED:
        raise Refusal(f"the registration is {view.state}, not protected; the dispute cannot move it")
