"""One deal registration as a durable workflow: decide, review with SLAs, protect, close.

The run method is the only writer of state. Updates (the task updates decide, escalate and
provide info, installed from ``workflows.human.handlers``; extend, close and withdraw) are
checked by validators (a refusal changes nothing and leaves no trace),
then queued as commands; the run loop applies each at its next wait and the update returns the
resulting view. Every transition is written by one activity (registrations row, claim, task
projection, audit, notifications in one transaction). All durations come from the pinned rulebook.
"""

from __future__ import annotations

from contextlib import suppress

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.discount import RegistrationDiscountsRequest, live_discounts
    from activities.registration import SubmissionInput, record_submission
    from activities.registration_facts import FactsRequest, gather_registration_facts
    from activities.rulebook import RulebookRequest, load_rulebook
    from rules import checks as _checks  # noqa: F401  (the schema validator imports it lazily)
    from rules.dispute import contested_codes
    from rules.enums import Outcome
    from rules.facts import RegistrationFacts, RegistrationRequest
    from rules.registration import RegistrationDecision, decide_registration
    from rules.schema import Rulebook
    from store.models.enums import RegistrationState as State
    from workflows.discount.types import RegistrationEnded
    from workflows.human.authority import refusals
    from workflows.human.commands import CommandQueue
    from workflows.human.handlers import install_task_updates
    from workflows.human.journal import Change
    from workflows.human.local import run_local
    from workflows.human.updates import SettledRequest, TaskUpdate  # noqa: F401  (see install_task_updates)
    from workflows.registration.disputes import appeal, validate_contest, validate_outcome
    from workflows.registration.exits import dispose, validate_disposition
    from workflows.registration.process import Registration
    from workflows.registration.protection import protect
    from workflows.registration.types import (
        TASKS,
        CloseUpdate,
        ContestUpdate,
        DiscountOpened,
        DisputeOutcomeUpdate,
        ExitDispositionUpdate,
        ExtendUpdate,
        RegistrationSubmission,
        RegistrationUpdate,
        RegistrationView,
        WithdrawUpdate,
    )
    from workflows.registration.validation import validate_close, validate_extend, validate_withdraw


@workflow.defn
class RegistrationWorkflow:
    """A partner's registration of one account and product line, from submission to its end."""

    @workflow.init
    def __init__(self, submission: RegistrationSubmission) -> None:
        view = RegistrationView(
            workflow_id=workflow.info().workflow_id, submission=submission, state=State.SUBMITTED
        )
        self.queue: CommandQueue[RegistrationUpdate] = CommandQueue()
        self.reg = Registration(view, self.queue)
        install_task_updates(TASKS, self.reg, self.queue, lambda: self.reg.path)

    @property
    def view(self) -> RegistrationView:
        return self.reg.view

    @workflow.run
    async def run(self, submission: RegistrationSubmission) -> RegistrationView:
        reg, view = self.reg, self.reg.view
        pinned = await run_local(load_rulebook, RulebookRequest(at=workflow.now()))
        reg.rulebook = Rulebook.model_validate(pinned.document)
        view.rulebook_version = pinned.version
        record = await run_local(record_submission, self._submission_input())
        view.submitted_at = record.submitted_at
        view.holder_workflow_id = record.holder_workflow_id
        facts = await run_local(
            gather_registration_facts,
            FactsRequest(view.workflow_id, record.holder_workflow_id, workflow.now()),
        )
        reg.partner_name = facts.partner_name or f"partner {submission.partner_id}"
        decision = decide_registration(
            reg.rulebook,
            self._rules_request(),
            RegistrationFacts(
                partner=facts.partner,
                existing=facts.existing,
                direct_engagements=facts.direct_engagements,
                prior_submissions=facts.prior_submissions,
            ),
            workflow.now(),
        )
        await self._settle(decision)
        if view.state == State.APPROVED:
            await protect(reg)
        elif self._contestable() and workflow.patched("registration-open-to-appeal") and await appeal(reg):
            await protect(reg)  # a dispute awarded the account: protected like any approval
        self.queue.refuse_all(f"the registration is {view.state}")
        if workflow.patched("registration-finds-its-discounts-on-file"):
            # The discount rows are the link (see ``record_discount_submission``): read once the
            # final state is stored, they hold every request that can still be open.
            found = await run_local(live_discounts, RegistrationDiscountsRequest(view.workflow_id))
            await self._end_discounts([*view.discounts, *(d for d in found if d not in view.discounts)])
        elif view.discounts and workflow.patched("registration-ends-its-discounts"):
            # Histories recorded while discounts signalled their registration on opening.
            await self._end_discounts(view.discounts)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return view

    async def _end_discounts(self, discount_ids: list[str]) -> None:
        """Tell each discount request that priced this registration that it has ended."""
        for discount_id in discount_ids:
            handle = workflow.get_external_workflow_handle(discount_id)
            with suppress(ApplicationError):  # it has ended already: nothing to tell
                await handle.signal("registration_ended", RegistrationEnded(self.view.state))

    async def _settle(self, decision: RegistrationDecision) -> None:
        reg = self.reg
        reg.view.reasons = list(decision.reasons)
        reg.matches = list(decision.matches)
        codes = list(decision.codes)
        if decision.outcome is Outcome.AUTO_APPROVED:
            await reg.approve(actor=f"rule:{codes[0]}", change=Change(reason_codes=codes))
        elif decision.outcome is Outcome.AUTO_REJECTED:
            await reg.reject(actor=f"rule:{codes[0]}", change=Change(reason_codes=codes))
        else:
            interrupted = await reg.review(decision)
            if interrupted is not None:  # the partner's exit disposed of it while in review
                assert interrupted.command is not None
                await dispose(reg, interrupted.command, interrupted.change.close_tasks)

    def _contestable(self) -> bool:
        """Rejected on a conflict: another party's claim decided it, so it may be disputed."""
        view = self.view
        codes = [*view.reason_codes, *(code for t in view.history for code in t.reason_codes)]
        return view.state == State.REJECTED and bool(contested_codes(codes))

    def _submission_input(self) -> SubmissionInput:
        view = self.view
        sub = view.submission
        return SubmissionInput(
            workflow_id=view.workflow_id,
            rulebook_version=view.rulebook_version,
            partner_id=sub.partner_id,
            request_key=sub.request_key,
            account_name=sub.account_name,
            account_domain=sub.account_domain,
            territory=sub.territory,
            vertical=sub.vertical,
            product_line=sub.product_line,
            deal_value=sub.deal_value,
            submitted_by=sub.submitted_by,
        )

    def _rules_request(self) -> RegistrationRequest:
        sub = self.view.submission
        assert self.view.submitted_at is not None
        return RegistrationRequest(
            request_key=sub.request_key,
            partner_id=str(sub.partner_id),
            account_name=sub.account_name,
            account_domain=sub.account_domain or "",
            territory=sub.territory,
            vertical=sub.vertical,
            product_line=sub.product_line,
            deal_value=sub.deal_value,
            submitted_at=self.view.submitted_at,
        )

    # --- queries and updates ------------------------------------------------------------------

    @workflow.query
    def view_state(self) -> RegistrationView:
        """The full state: submission, state, reasons, open tasks, timers, history."""
        return self.view

    @workflow.signal
    def discount_opened(self, opened: DiscountOpened) -> None:
        """A discount request prices this registration: how discounts opened in histories
        recorded before their rows became the link; they are ended with it."""
        if opened.workflow_id not in self.view.discounts:
            self.view.discounts.append(opened.workflow_id)

    @workflow.update
    async def settled(self, request: SettledRequest) -> RegistrationView:
        """Answer once the rules have made their first decision (no polling for callers)."""
        await workflow.wait_condition(lambda: self.view.state != State.SUBMITTED)
        return self.view

    @workflow.update
    async def extend(self, update: ExtendUpdate) -> RegistrationView:
        await self.queue.submit(update)
        return self.view

    @extend.validator
    def _check_extend(self, update: ExtendUpdate) -> None:
        with refusals():
            validate_extend(self.reg, update, workflow.now())

    @workflow.update
    async def close(self, update: CloseUpdate) -> RegistrationView:
        await self.queue.submit(update)
        return self.view

    @close.validator
    def _check_close(self, update: CloseUpdate) -> None:
        with refusals():
            validate_close(self.reg, update, workflow.now())

    @workflow.update
    async def withdraw(self, update: WithdrawUpdate) -> RegistrationView:
        await self.queue.submit(update)
        return self.view

    @withdraw.validator
    def _check_withdraw(self, update: WithdrawUpdate) -> None:
        with refusals():
            validate_withdraw(self.reg, update, workflow.now())

    # --- what a dispute asks (its activities send these; no API caller can) --------------------

    @workflow.update
    async def contest(self, update: ContestUpdate) -> RegistrationView:
        await self.queue.submit(update)
        return self.view

    @contest.validator
    def _check_contest(self, update: ContestUpdate) -> None:
        with refusals():
            validate_contest(self.reg, update, workflow.now())

    @workflow.update
    async def dispute_outcome(self, update: DisputeOutcomeUpdate) -> RegistrationView:
        await self.queue.submit(update)
        return self.view

    @dispute_outcome.validator
    def _check_dispute_outcome(self, update: DisputeOutcomeUpdate) -> None:
        with refusals():
            validate_outcome(self.reg, update)

    # --- what the partner's exit asks (its activities send this; no API caller can) -----------

    @workflow.update
    async def exit_disposition(self, update: ExitDispositionUpdate) -> RegistrationView:
        await self.queue.submit(update)
        return self.view

    @exit_disposition.validator
    def _check_exit_disposition(self, update: ExitDispositionUpdate) -> None:
        with refusals():
            validate_disposition(self.reg, update)
