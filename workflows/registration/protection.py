"""Protection of an approved registration, from approval to its end.

A reminder before protection lapses, extensions as the rulebook decides them (a refusal is
recorded with its reasons like a grant), close-won (the account stays held), close-lost and
withdrawal (the account is released), and expiry (released, open to register again).
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.durations import format_moment
    from rules.protection import decide_extension
    from store.models.enums import EventType
    from store.models.enums import RegistrationState as State
    from workflows.human.commands import Command
    from workflows.human.journal import Change
    from workflows.registration.disputes import holder_outcome
    from workflows.registration.exits import dispose
    from workflows.registration.process import Registration
    from workflows.registration.types import (
        CloseOutcome,
        CloseUpdate,
        DisputeOutcomeUpdate,
        ExitDispositionUpdate,
        ExtendUpdate,
        ExtensionView,
        RegistrationUpdate,
        WithdrawUpdate,
    )

PROTECTION_REMINDER = "protection.reminder"
PROTECTION_EXPIRED = "protection.expired"


async def protect(reg: Registration) -> None:
    """Wait for the reminder, the expiry or the partner's next action, until the end."""
    view = reg.view
    while True:
        assert view.expires_at is not None and view.remind_at is not None
        remind = not view.reminded and view.remind_at < view.expires_at
        command = await reg.queue.next(until=view.remind_at if remind else view.expires_at)
        if command is None:
            if remind and workflow.now() < view.expires_at:
                await _remind(reg)
                continue
            await reg.transition(
                action="registration.expired",
                after=State.EXPIRED,
                actor=f"rule:{PROTECTION_EXPIRED}",
                change=Change(
                    reason_codes=[PROTECTION_EXPIRED],
                    notifications=reg.partner_note(
                        "Your registration's protection has lapsed", event=EventType.REGISTRATION_EXPIRED
                    ),
                ),
                release_claim=True,
            )
            return
        match command.update:
            case ExtendUpdate():
                await _extend(reg, command, command.update)
            case CloseUpdate():
                await _close(reg, command, command.update)
                return
            case WithdrawUpdate():
                await reg.withdrawn(command, [])
                return
            case DisputeOutcomeUpdate():
                if await holder_outcome(reg, command, command.update.outcome):
                    return
            case ExitDispositionUpdate():
                if await dispose(reg, command):
                    return
            case _:
                reg.queue.finish(command, f"not possible while the registration is {view.state}")


async def _remind(reg: Registration) -> None:
    view = reg.view
    assert view.expires_at is not None
    view.reminded = True
    extend = "ask for an extension if the deal needs more time."
    if view.exit_disposition is not None:  # honoured by the partner's exit: no more extensions
        extend = "it is honoured on your exit from the program and cannot be extended."
    await reg.transition(
        action="protection.reminder",
        after=State.APPROVED,
        actor=f"rule:{PROTECTION_REMINDER}",
        change=Change(
            reason_codes=[PROTECTION_REMINDER],
            notifications=reg.partner_note(
                "Your registration's protection lapses soon",
                f"Protected until {format_moment(view.expires_at)}; {extend}",
                event=EventType.REGISTRATION_PROTECTION_LAPSING,
            ),
        ),
    )


async def _extend(reg: Registration, command: Command[RegistrationUpdate], update: ExtendUpdate) -> None:
    view = reg.view
    assert reg.rulebook is not None and view.expires_at is not None
    request = update.extension
    now = workflow.now()
    decision = decide_extension(reg.rulebook, view.extensions_used, view.expires_at, now)
    codes = [r.code for r in decision.reasons]
    view.extensions.append(
        ExtensionView(now, request.actor, decision.granted, list(decision.reasons), decision.new_expires_at)
    )
    if decision.granted:
        assert decision.new_remind_at is not None
        view.extensions_used = decision.extensions_used
        view.remind_at = decision.new_remind_at
        view.reminded = False
    await reg.transition(
        action="extension.granted" if decision.granted else "extension.refused",
        after=State.APPROVED,
        actor=request.actor,
        change=Change(reason_codes=codes, comment=request.comment),
        expires_at=decision.new_expires_at,
    )
    reg.queue.finish(command)


async def _close(reg: Registration, command: Command[RegistrationUpdate], update: CloseUpdate) -> None:
    request = update.closing
    won = request.outcome is CloseOutcome.WON
    await reg.transition(
        action=f"registration.{'won' if won else 'lost'}",
        after=State.WON if won else State.LOST,
        actor=request.actor,
        change=Change(comment=request.comment),
        release_claim=not won,
    )
    reg.queue.finish(command)
