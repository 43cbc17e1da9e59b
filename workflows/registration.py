"""One deal registration as a durable workflow: decide, review with SLAs, protect, close.

The run method is the only writer of state. Updates (decide, provide info, extend, close,
withdraw, escalate) are checked by validators (a refusal changes nothing and leaves no trace),
then queued as commands; the run loop applies each at its next wait and the update returns the
resulting view. Every transition is written by one activity (registrations row, claim, task
projection, audit, notifications in one transaction). All durations come from the pinned rulebook.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.registration import (
        SubmissionInput,
        record_submission,
    )
    from activities.registration_facts import FactsRequest, gather_registration_facts
    from activities.registration_rulebook import RulebookRequest, load_rulebook
    from rules import checks as _checks  # noqa: F401  (the schema validator imports it lazily)
    from rules.enums import Outcome
    from rules.facts import RegistrationFacts, RegistrationRequest
    from rules.registration import RegistrationDecision, decide_registration
    from rules.schema import Rulebook
    from store.models.enums import RegistrationState as State
    from workflows.registration_machine import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, Change, Command, refusals
    from workflows.registration_protection import RegistrationProtection
    from workflows.registration_types import (
        CloseUpdate,
        DecideUpdate,
        EscalateUpdate,
        ExtendUpdate,
        ProvideInfoUpdate,
        RegistrationSubmission,
        RegistrationView,
        SettledRequest,
        WithdrawUpdate,
    )
    from workflows.registration_validation import (
        validate_close,
        validate_decide,
        validate_escalate,
        validate_extend,
        validate_provide_info,
        validate_withdraw,
    )


@workflow.defn
class RegistrationWorkflow(RegistrationProtection):
    """A partner's registration of one account and product line, from submission to its end."""

    @workflow.init
    def __init__(self, submission: RegistrationSubmission) -> None:
        super().__init__(submission)

    @workflow.run
    async def run(self, submission: RegistrationSubmission) -> RegistrationView:
        wid = workflow.info().workflow_id
        pinned = await workflow.execute_local_activity(
            load_rulebook,
            RulebookRequest(at=workflow.now()),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        self.rulebook = Rulebook.model_validate(pinned.document)
        self.view.rulebook_version = pinned.version
        record = await workflow.execute_local_activity(
            record_submission,
            self._submission_input(wid),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        self.view.submitted_at = record.submitted_at
        self.view.holder_workflow_id = record.holder_workflow_id
        facts = await workflow.execute_local_activity(
            gather_registration_facts,
            FactsRequest(wid, record.holder_workflow_id, workflow.now()),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        self.partner_name = facts.partner_name or f"partner {submission.partner_id}"
        decision = decide_registration(
            self.rulebook,
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
        if self.view.state == State.APPROVED:
            await self.protect()
        self.refuse_pending(f"the registration is {self.view.state}")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.view

    async def _settle(self, decision: RegistrationDecision) -> None:
        self.view.reasons = list(decision.reasons)
        self.matches = list(decision.matches)
        codes = list(decision.codes)
        if decision.outcome is Outcome.AUTO_APPROVED:
            await self.approve(actor=f"rule:{codes[0]}", change=Change(reason_codes=codes))
        elif decision.outcome is Outcome.AUTO_REJECTED:
            await self.reject(actor=f"rule:{codes[0]}", change=Change(reason_codes=codes))
        else:
            await self.review(decision)

    def _submission_input(self, wid: str) -> SubmissionInput:
        sub = self.view.submission
        return SubmissionInput(
            workflow_id=wid,
            rulebook_version=self.view.rulebook_version,
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
        """The full state: submission, state, reasons, open task, timers, history."""
        return self.view

    @workflow.update
    async def settled(self, request: SettledRequest) -> RegistrationView:
        """Answer once the rules have made their first decision (no polling for callers)."""
        await workflow.wait_condition(lambda: self.view.state != State.SUBMITTED)
        return self.view

    @workflow.update
    async def decide(self, update: DecideUpdate) -> RegistrationView:
        return await self.enqueue(Command("decide", update))

    @decide.validator
    def _check_decide(self, update: DecideUpdate) -> None:
        with refusals():
            validate_decide(self, update, workflow.now())

    @workflow.update
    async def escalate(self, update: EscalateUpdate) -> RegistrationView:
        return await self.enqueue(Command("escalate", update))

    @escalate.validator
    def _check_escalate(self, update: EscalateUpdate) -> None:
        with refusals():
            validate_escalate(self, update, workflow.now())

    @workflow.update
    async def provide_info(self, update: ProvideInfoUpdate) -> RegistrationView:
        return await self.enqueue(Command("provide_info", update))

    @provide_info.validator
    def _check_provide_info(self, update: ProvideInfoUpdate) -> None:
        with refusals():
            validate_provide_info(self, update, workflow.now())

    @workflow.update
    async def extend(self, update: ExtendUpdate) -> RegistrationView:
        return await self.enqueue(Command("extend", update))

    @extend.validator
    def _check_extend(self, update: ExtendUpdate) -> None:
        with refusals():
            validate_extend(self, update, workflow.now())

    @workflow.update
    async def close(self, update: CloseUpdate) -> RegistrationView:
        return await self.enqueue(Command("close", update))

    @close.validator
    def _check_close(self, update: CloseUpdate) -> None:
        with refusals():
            validate_close(self, update, workflow.now())

    @workflow.update
    async def withdraw(self, update: WithdrawUpdate) -> RegistrationView:
        return await self.enqueue(Command("withdraw", update))

    @withdraw.validator
    def _check_withdraw(self, update: WithdrawUpdate) -> None:
        with refusals():
            validate_withdraw(self, update, workflow.now())
