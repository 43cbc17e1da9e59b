"""Protection of an approved registration, from approval to its end.

A reminder before protection lapses, extensions as the rulebook decides them (a refusal is
recorded with its reasons like a grant), close-won (the account stays held), close-lost and
withdrawal (the account is released), and expiry (released, open to register again).
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.protection import decide_extension
    from store.models.enums import RegistrationState as State
    from workflows.registration_machine import Change, Command
    from workflows.registration_review import RegistrationReview
    from workflows.registration_types import CloseOutcome, ExtensionView

PROTECTION_REMINDER = "protection.reminder"
PROTECTION_EXPIRED = "protection.expired"


class RegistrationProtection(RegistrationReview):
    async def protect(self) -> None:
        """Wait for the reminder, the expiry or the partner's next action, until the end."""
        while True:
            assert self.view.expires_at is not None and self.view.remind_at is not None
            remind = not self.view.reminded and self.view.remind_at < self.view.expires_at
            command = await self.next_command(until=self.view.remind_at if remind else self.view.expires_at)
            if command is None:
                if remind and workflow.now() < self.view.expires_at:
                    await self._remind()
                    continue
                await self.transition(
                    action="registration.expired",
                    after=State.EXPIRED,
                    actor=f"rule:{PROTECTION_EXPIRED}",
                    change=Change(
                        reason_codes=[PROTECTION_EXPIRED],
                        release_claim=True,
                        notifications=self.partner_note("Your registration's protection has lapsed"),
                    ),
                )
                return
            if command.kind == "extend":
                await self._extend(command)
            elif command.kind == "close":
                await self._close(command)
                return
            elif command.kind == "withdraw":
                await self.withdrawn(command, [])
                return
            else:
                self.finish(command, f"not possible while the registration is {self.view.state}")

    async def _remind(self) -> None:
        assert self.view.expires_at is not None
        self.view.reminded = True
        await self.transition(
            action="protection.reminder",
            after=State.APPROVED,
            actor=f"rule:{PROTECTION_REMINDER}",
            change=Change(
                reason_codes=[PROTECTION_REMINDER],
                notifications=self.partner_note(
                    "Your registration's protection lapses soon",
                    f"Protected until {self.view.expires_at.isoformat()}; ask for an extension "
                    "if the deal needs more time.",
                    kind="reminder",
                ),
            ),
        )

    async def _extend(self, command: Command) -> None:
        assert self.rulebook is not None and self.view.expires_at is not None
        request = command.request.extension
        now = workflow.now()
        decision = decide_extension(self.rulebook, self.view.extensions_used, self.view.expires_at, now)
        codes = [r.code for r in decision.reasons]
        self.view.extensions.append(
            ExtensionView(
                now, request.actor, decision.granted, list(decision.reasons), decision.new_expires_at
            )
        )
        if decision.granted:
            assert decision.new_remind_at is not None
            self.view.extensions_used = decision.extensions_used
            self.view.remind_at = decision.new_remind_at
            self.view.reminded = False
        await self.transition(
            action="extension.granted" if decision.granted else "extension.refused",
            after=State.APPROVED,
            actor=request.actor,
            change=Change(reason_codes=codes, comment=request.comment),
            expires_at=decision.new_expires_at,
        )
        self.finish(command)

    async def _close(self, command: Command) -> None:
        request = command.request.closing
        won = request.outcome is CloseOutcome.WON
        await self.transition(
            action=f"registration.{'won' if won else 'lost'}",
            after=State.WON if won else State.LOST,
            actor=request.actor,
            change=Change(comment=request.comment, release_claim=not won),
        )
        self.finish(command)
