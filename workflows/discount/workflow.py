"""One discount request as a durable workflow: decide, walk the chain, keep the quote, end.

The run method is the only writer of state. The partner's request is decided by the pinned
rulebook (``rules.decide_discount``): standard pricing or the automatic band is approved at once;
beyond it the chain of the matrix is walked by the shared machinery. Approved pricing is quotable
until its validity date (reminder first), then expires; a renewal asks again under the rulebook
in force. A revision asks again only those whose approval it goes beyond. The request ends when it
is refused, rejected, withdrawn, or when the registration it prices ends.
"""

from __future__ import annotations

from dataclasses import replace
from enum import Enum

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.discount import DiscountSubmissionInput, record_discount_submission
    from activities.rulebook import RulebookRequest, load_rulebook
    from rules import checks as _checks  # noqa: F401  (the schema validator imports it lazily)
    from rules.approval import PathEnd, approved, start
    from rules.discount import revision_reasons, standing_roles
    from rules.durations import format_moment
    from rules.reasons import Reason
    from rules.schema import Rulebook
    from store.models.enums import DiscountState as State
    from store.models.enums import EventType
    from workflows.discount.process import REGISTRATION_CLOSED, Discount
    from workflows.discount.types import (
        TASKS,
        DiscountSubmission,
        DiscountUpdate,
        DiscountView,
        RegistrationEnded,
        RenewUpdate,
        ReviseUpdate,
        RevisionView,
        WithdrawUpdate,
    )
    from workflows.discount.validation import validate_renew, validate_revise, validate_withdraw
    from workflows.human.authority import refusals
    from workflows.human.commands import Command, CommandQueue
    from workflows.human.handlers import install_task_updates
    from workflows.human.journal import Change
    from workflows.human.local import run_local
    from workflows.human.updates import SettledRequest, TaskUpdate  # noqa: F401  (see install_task_updates)
    from workflows.human.walk import ApprovalWalk
    from workflows.registration.types import DiscountOpened

QUOTE_REMINDER = "discount.quote_reminder"
QUOTE_EXPIRED = "discount.quote_expired"


class Next(Enum):
    """What the request does after a phase."""

    REVIEW = "review"  # decide (again) and walk whatever the chain still needs
    APPROVED = "approved"
    DONE = "done"


@workflow.defn
class DiscountWorkflow:
    """A partner's request for a price beyond standard, from request to its end."""

    @workflow.init
    def __init__(self, submission: DiscountSubmission) -> None:
        view = DiscountView(
            workflow_id=workflow.info().workflow_id, submission=submission, state=State.REQUESTED
        )
        self.queue: CommandQueue[DiscountUpdate] = CommandQueue()
        self.process = Discount(view, self.queue)
        # What a revision leaves for the next pass: the approvals that stand, and why.
        self.carried: frozenset[str] = frozenset()
        self.revision_reasons: list[Reason] = []
        # The revision or renewal that started the next pass, answered once that pass has settled.
        self.starting: Command[DiscountUpdate] | None = None
        install_task_updates(TASKS, self.process, self.queue, lambda: self.process.path)

    @property
    def view(self) -> DiscountView:
        return self.process.view

    @workflow.run
    async def run(self, submission: DiscountSubmission) -> DiscountView:
        process, view = self.process, self.process.view
        await self._pin()
        terms = submission.terms
        facts = await run_local(
            record_discount_submission,
            DiscountSubmissionInput(
                workflow_id=view.workflow_id,
                rulebook_version=view.rulebook_version,
                partner_id=submission.partner_id,
                registration_id=submission.registration_id,
                request_key=submission.request_key,
                requested_discount=terms.requested_discount,
                deal_value=terms.deal_value,
                competitor=terms.competitor,
                justification=terms.justification,
                submitted_by=submission.submitted_by,
            ),
        )
        process.facts = facts
        view.partner_tier = facts.partner_tier
        view.submitted_at = workflow.now()
        if facts.registration_live and await self._tell_registration():
            step = Next.REVIEW
            while step is not Next.DONE:
                step = await self._review() if step is Next.REVIEW else await self._quotable()
        else:
            process.decide(workflow.now())
            await self._closed(f"the registration is {facts.registration_state}", None)
        self.queue.refuse_all(f"the discount request is {view.state.replace('_', ' ')}")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return view

    async def _pin(self) -> None:
        """The rulebook in force now; the request keeps it until a renewal pins again."""
        pinned = await run_local(load_rulebook, RulebookRequest(at=workflow.now()))
        self.process.rulebook = Rulebook.model_validate(pinned.document)
        self.view.rulebook_version = pinned.version

    async def _tell_registration(self) -> bool:
        """Histories recorded before the stored row became the link (``record_discount_submission``)
        told the registration by a signal, which cost every request a round trip through the
        server; new requests skip it."""
        if workflow.patched("discount-linked-on-file"):
            return True
        registration = workflow.get_external_workflow_handle(self.view.submission.registration_id)
        try:
            await registration.signal("discount_opened", DiscountOpened(self.view.workflow_id))
        except ApplicationError:
            self.process.decide(workflow.now())
            await self._closed("the registration has ended", None)
            return False
        return True

    # --- the decision and the chain -----------------------------------------------------------

    async def _review(self) -> Next:
        process, view = self.process, self.view
        decision = process.decide(workflow.now())
        view.reasons = [*decision.reasons, *self.revision_reasons]
        self.revision_reasons = []
        codes = [r.code for r in view.reasons]
        if decision.refused:
            await process.end(
                action="discount.refused",
                after=State.REFUSED,
                actor=f"rule:{codes[0]}",
                change=Change(reason_codes=codes),
                why="; ".join(r.text for r in decision.reasons),
            )
            self._answer_starting()
            return Next.DONE
        if decision.path is None:
            await process.approve(actor=f"rule:{codes[0]}", change=Change(reason_codes=codes))
            self._answer_starting()
            return Next.APPROVED
        process.path = decision.path
        carried, self.carried = self.carried, frozenset()
        if start(decision.path, 0.0, carried).end is PathEnd.APPROVED:
            # Every approver the chain needs approved at least this much already.
            await process.approve(actor="rule:discount.revision_covered", change=Change(reason_codes=codes))
            self._answer_starting()
            return Next.APPROVED
        view.passes += 1
        walk = ApprovalWalk(TASKS, process, self.queue, decision.path, carried)
        detail = {"carried": sorted(carried)} if carried else {}
        ended = await walk.run(
            opened_by="rule:discount.approval_required",
            change=Change(reason_codes=codes, detail=detail),
            opened=self._answer_starting,
        )
        if ended.end is None:
            assert ended.command is not None
            return await self._interrupted(ended.command, ended.change)
        if approved(decision.path, ended.position):
            await process.approve(actor=ended.actor, change=ended.change)
            self._finish(ended.command)
            return Next.APPROVED
        rejected_by_rule = ended.end is PathEnd.LAPSED
        await process.end(
            action="discount.rejected",
            after=State.REJECTED,
            actor=ended.actor,
            change=ended.change,
            why=(
                "nobody decided within the SLA; the rulebook's default action rejects it"
                if rejected_by_rule
                else ended.change.comment or "rejected by an approver"
            ),
        )
        self._finish(ended.command)
        return Next.DONE

    async def _interrupted(self, command: Command[DiscountUpdate], change: Change) -> Next:
        """A revision, withdrawal or the registration's end came while the chain was walked."""
        update = command.update
        if isinstance(update, ReviseUpdate):
            return await self._revise(command, update, change)
        if isinstance(update, WithdrawUpdate):
            await self._withdrawn(command, update, change)
        else:
            assert isinstance(update, RegistrationEnded)
            await self._closed(f"the registration is {update.state}", command, change)
        return Next.DONE

    # --- approved pricing ---------------------------------------------------------------------

    async def _quotable(self) -> Next:
        """Approved: remind before the quote lapses, then expire; or the partner's next step."""
        view = self.view
        while True:
            assert view.valid_until is not None and view.remind_at is not None
            remind = not view.reminded and view.remind_at < view.valid_until
            wake = view.remind_at if remind else view.valid_until
            command = await self.queue.next(until=wake if view.state == State.APPROVED else None)
            if command is None:
                if remind and workflow.now() < view.valid_until:
                    await self._remind()
                    continue
                await self._expire()
                continue
            match command.update:
                case ReviseUpdate() as update:
                    nxt = await self._revise(command, update, Change())
                    if nxt is Next.REVIEW:
                        return nxt
                case RenewUpdate() as update:
                    await self._renew(command, update)
                    return Next.REVIEW
                case WithdrawUpdate() as update:
                    await self._withdrawn(command, update, Change())
                    return Next.DONE
                case RegistrationEnded() as update:
                    await self._closed(f"the registration is {update.state}", command)
                    return Next.DONE
                case _:
                    self.queue.finish(command, f"not possible while the discount request is {view.state}")

    async def _remind(self) -> None:
        view = self.view
        assert view.valid_until is not None
        view.reminded = True
        await self.process.transition(
            action="discount.quote_reminder",
            after=State.APPROVED,
            actor=f"rule:{QUOTE_REMINDER}",
            change=Change(
                reason_codes=[QUOTE_REMINDER],
                notifications=self.process.partner_note(
                    "Your approved discount lapses soon",
                    f"Quotable until {format_moment(view.valid_until)}; ask for a renewal if the deal "
                    "needs longer.",
                    event=EventType.DISCOUNT_EXPIRING,
                ),
            ),
        )

    async def _expire(self) -> None:
        await self.process.transition(
            action="discount.expired",
            after=State.EXPIRED,
            actor=f"rule:{QUOTE_EXPIRED}",
            change=Change(
                reason_codes=[QUOTE_EXPIRED],
                notifications=self.process.partner_note(
                    "Your approved discount has lapsed",
                    "Ask for a renewal to quote it again.",
                    event=EventType.DISCOUNT_EXPIRED,
                ),
            ),
        )

    # --- the partner's actions ----------------------------------------------------------------

    async def _revise(self, command: Command[DiscountUpdate], update: ReviseUpdate, change: Change) -> Next:
        """New terms: covered by the approvals given, or a new pass that asks only the rest."""
        process, view = self.process, self.view
        now = workflow.now()
        before = view.submission.terms
        after = update.revision.terms
        view.submission = replace(view.submission, terms=after)
        decision = process.decide(now)
        standing = standing_roles(process.standing(), decision, after.requested_discount)
        reasons = list(revision_reasons(process.standing(), decision, after.requested_discount))
        needed = list(dict.fromkeys(r for roles in view.chain for r in roles))
        view.revisions.append(
            RevisionView(
                now, update.revision.actor, before, after, [r for r in needed if r not in standing], reasons
            )
        )
        covered = (
            view.state == State.APPROVED
            and not decision.refused
            and (decision.path is None or start(decision.path, 0.0, standing).end is PathEnd.APPROVED)
        )
        change.reason_codes = [r.code for r in reasons] or [r.code for r in decision.reasons]
        change.comment = update.revision.comment
        change.detail = {
            "before": {"requested_discount": before.requested_discount, "deal_value": before.deal_value},
            "after": {"requested_discount": after.requested_discount, "deal_value": after.deal_value},
            "asked_again": view.revisions[-1].asked_again,
        }
        if covered:
            # Within what was approved: the quote stands as it is, until the same date.
            view.reasons = [*decision.reasons, *reasons]
            await process.transition(
                action="discount.revised", after=State.APPROVED, actor=update.revision.actor, change=change
            )
            self.queue.finish(command)
            return Next.APPROVED
        await process.transition(
            action="discount.revised",
            after=State.PENDING_APPROVAL,
            actor=update.revision.actor,
            change=change,
        )
        view.valid_until = None
        process.set_open_tasks([])
        self.carried = standing
        self.revision_reasons = reasons
        self.starting = command
        return Next.REVIEW

    async def _renew(self, command: Command[DiscountUpdate], update: RenewUpdate) -> None:
        """A new approval pass under the rulebook in force now: earlier approvals do not carry."""
        view = self.view
        previous = view.rulebook_version
        await self._pin()
        view.approvals = []
        view.valid_until = None
        await self.process.transition(
            action="discount.renewal_requested",
            after=State.PENDING_APPROVAL,
            actor=update.renewal.actor,
            change=Change(
                comment=update.renewal.comment,
                detail={"rulebook_version": view.rulebook_version, "previous_rulebook_version": previous},
            ),
        )
        self.starting = command

    async def _withdrawn(
        self, command: Command[DiscountUpdate], update: WithdrawUpdate, change: Change
    ) -> None:
        change.comment = update.withdrawal.comment
        await self.process.end(
            action="discount.withdrawn",
            after=State.WITHDRAWN,
            actor=update.withdrawal.actor,
            change=change,
            why=update.withdrawal.comment or "withdrawn by the partner",
        )
        self.queue.finish(command)

    async def _closed(
        self, why: str, command: Command[DiscountUpdate] | None, change: Change | None = None
    ) -> None:
        change = change or Change()
        change.reason_codes = [REGISTRATION_CLOSED]
        await self.process.end(
            action="discount.closed",
            after=State.CLOSED,
            actor=f"rule:{REGISTRATION_CLOSED}",
            change=change,
            why=why,
        )
        self._finish(command)

    def _finish(self, command: Command[DiscountUpdate] | None) -> None:
        if command is not None:
            self.queue.finish(command)

    def _answer_starting(self) -> None:
        self._finish(self.starting)
        self.starting = None

    # --- queries, updates, signals ------------------------------------------------------------

    @workflow.query
    def view_state(self) -> DiscountView:
        """The full state: terms, pricing, chain, approvals, revisions, open tasks, history."""
        return self.view

    @workflow.update
    async def settled(self, request: SettledRequest) -> DiscountView:
        """Answer once the rules have made their first decision (no polling for callers)."""
        await workflow.wait_condition(lambda: self.view.state != State.REQUESTED)
        return self.view

    @workflow.update
    async def revise(self, update: ReviseUpdate) -> DiscountView:
        await self.queue.submit(update)
        return self.view

    @revise.validator
    def _check_revise(self, update: ReviseUpdate) -> None:
        with refusals():
            validate_revise(self.process, update, workflow.now())

    @workflow.update
    async def renew(self, update: RenewUpdate) -> DiscountView:
        await self.queue.submit(update)
        return self.view

    @renew.validator
    def _check_renew(self, update: RenewUpdate) -> None:
        with refusals():
            validate_renew(self.process, update, workflow.now())

    @workflow.update
    async def withdraw(self, update: WithdrawUpdate) -> DiscountView:
        await self.queue.submit(update)
        return self.view

    @withdraw.validator
    def _check_withdraw(self, update: WithdrawUpdate) -> None:
        with refusals():
            validate_withdraw(self.process, update, workflow.now())

    @workflow.signal
    def registration_ended(self, ended: RegistrationEnded) -> None:
        """The registration this request prices has ended: so does the request."""
        if self.view.state not in State.FINAL:
            self.queue.post(ended)
