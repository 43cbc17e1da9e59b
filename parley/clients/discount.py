"""The typed Python client of the discount-exception process, internal to the web app and the
workers (the CLI and integrators use the JSON API through ``parley.http``); ``submitted_by`` and
every actor are the signed-in principal's username.

Reading a request, deciding, escalating and answering its tasks come from
``parley.clients.base.ProcessClient``; what is here is the discount's own: requesting one (every
problem with the request named by its field before anything is stored), listing them, revising,
renewing and withdrawing.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any, ClassVar

from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
)

from activities.rulebook import rulebook_library
from parley.clients.base import ProcessClient
from parley.constants import SearchAttribute
from parley.errors import FieldProblem, NotFound, RequestKeyConflict, ValidationFailed
from rules.discount import DiscountDecision, DiscountRequest, decide_discount
from rules.reasons import ReasonCode
from store.crud.discounts import list_discounts
from store.crud.partners import get_partner
from store.crud.registrations import get_registration
from store.models import DiscountException, RegistrationState
from workflows.discount.types import (
    PROCESS_TYPE,
    DiscountSubmission,
    DiscountTerms,
    DiscountView,
    RenewInput,
    RenewUpdate,
    ReviseInput,
    ReviseUpdate,
    WithdrawInput,
    WithdrawUpdate,
    discount_workflow_id,
)
from workflows.discount.validation import terms_problem
from workflows.discount.workflow import DiscountWorkflow

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,119}$")
# The rules' refusals that are the request's own fault, and the field each concerns.
_REFUSAL_FIELDS = {
    ReasonCode.DISCOUNT_ABOVE_MAXIMUM: "requested_discount",
    ReasonCode.DISCOUNT_JUSTIFICATION_MISSING: "justification",
}


class DiscountClient(ProcessClient[DiscountView]):
    """Request, read and act on discount exceptions. ``await DiscountClient.connect(settings)``."""

    noun: ClassVar[str] = "discount request"
    view_type: ClassVar[type[Any]] = DiscountView

    async def request(
        self, submission: DiscountSubmission, *, settle_timeout: float | None = None
    ) -> DiscountView:
        """Start the process (or find the one a retried request started) and wait for the rules'
        first decision, so the view says approved, refused or pending approval."""
        await asyncio.to_thread(self._check_request, submission)
        workflow_id = discount_workflow_id(submission.registration_id, submission.request_key)
        view = await self.start_settled(
            DiscountWorkflow.run,
            submission,
            workflow_id,
            search_attributes=_initial_attributes(submission),
            settle_timeout=settle_timeout,
        )
        # The key found an earlier request: a retry of it answers as it did, other terms are a
        # different request (new terms of the one on file are a revision, not a new request).
        asked = view.revisions[0].before if view.revisions else view.submission.terms
        differences = terms_differences(asked, submission.terms)
        if differences:
            raise RequestKeyConflict(submission.request_key, differences)
        return view

    def list(
        self,
        *,
        partner_id: int | None = None,
        registration_id: str | None = None,
        state: str | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> tuple[list[DiscountException], int]:
        """Requests from the database projection, newest first, and how many match."""
        with self.session() as session:
            found = list_discounts(
                session=session,
                partner_id=partner_id,
                registration_workflow_id=registration_id,
                state=state,
                page=page,
                per_page=per_page,
            )
        return list(found.items), found.total

    async def revise(
        self, workflow_id: str, actor: str, terms: DiscountTerms, comment: str = ""
    ) -> DiscountView:
        """New terms; the view's last ``revisions`` entry says who had to approve again."""
        problem = terms_problem(terms)
        if problem is not None:
            field, _, message = problem.partition(": ")
            raise ValidationFailed([FieldProblem(field, message)])
        view = await self.get(workflow_id)
        if view.rulebook_version:
            # What the pinned rulebook would refuse is named by its field here, as for a request.
            rulebook = rulebook_library(self.settings).get(view.rulebook_version)
            refusals = _refusals(
                decide_discount(rulebook, _rules_request(view.partner_tier, terms), datetime.now(UTC))
            )
            if refusals:
                raise ValidationFailed(refusals)
        acting = await self.acting(actor)
        return await self.update(
            workflow_id, "revise", ReviseUpdate(ReviseInput(actor, terms, comment), acting)
        )

    async def renew(self, workflow_id: str, actor: str, comment: str = "") -> DiscountView:
        acting = await self.acting(actor)
        return await self.update(workflow_id, "renew", RenewUpdate(RenewInput(actor, comment), acting))

    async def withdraw(self, workflow_id: str, actor: str, comment: str = "") -> DiscountView:
        acting = await self.acting(actor)
        return await self.update(
            workflow_id, "withdraw", WithdrawUpdate(WithdrawInput(actor, comment), acting)
        )

    # --- plumbing -----------------------------------------------------------------------------

    def _check_request(self, submission: DiscountSubmission) -> None:
        """Every problem with the request, each naming its field; the rulebook in force decides
        what it would refuse, so a refusal never starts a process."""
        problems = request_problems(submission)
        if problems:
            raise ValidationFailed(problems)
        with self.session() as session:
            try:
                registration = get_registration(session=session, workflow_id=submission.registration_id)
            except NotFound:
                registration = None
            if registration is None or registration.partner_id != submission.partner_id:
                # Another partner's registration looks exactly like one that does not exist.
                raise ValidationFailed([FieldProblem("registration_id", "no such registration of yours")])
            if registration.state != RegistrationState.APPROVED:
                raise ValidationFailed(
                    [
                        FieldProblem(
                            "registration_id", f"must be approved and live (it is {registration.state})"
                        )
                    ]
                )
            tier = get_partner(session=session, partner_id=submission.partner_id).tier
        rulebook = rulebook_library(self.settings).governing(datetime.now(UTC))
        refusals = _refusals(
            decide_discount(rulebook, _rules_request(tier, submission.terms), datetime.now(UTC))
        )
        if refusals:
            raise ValidationFailed(refusals)


def _rules_request(tier: str, terms: DiscountTerms) -> DiscountRequest:
    return DiscountRequest(tier, terms.deal_value, terms.requested_discount, terms.justification)


def _refusals(decision: DiscountDecision) -> list[FieldProblem]:
    """The rules' refusals that are the request's own fault, each on the field it concerns."""
    return [
        FieldProblem(_REFUSAL_FIELDS[ReasonCode(r.code)], r.text)
        for r in decision.reasons
        if r.code in _REFUSAL_FIELDS
    ]


def request_problems(submission: DiscountSubmission) -> list[FieldProblem]:
    """Every problem with a request's own fields, each naming its field."""
    problems: list[FieldProblem] = []
    if not _KEY.match(submission.request_key or ""):
        problems.append(
            FieldProblem(
                "request_key", "1-120 letters, digits, '.', '_', ':' or '-', starting with a letter or digit"
            )
        )
    for name in ("registration_id", "submitted_by"):
        if not str(getattr(submission, name) or "").strip():
            problems.append(FieldProblem(name, "must not be empty"))
    problem = terms_problem(submission.terms)
    if problem is not None:
        field, _, message = problem.partition(": ")
        problems.append(FieldProblem(field, message))
    return problems


def _keyword(name: SearchAttribute) -> SearchAttributeKey[str]:
    return SearchAttributeKey.for_keyword(name.value)


def _initial_attributes(submission: DiscountSubmission) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(_keyword(SearchAttribute.PROCESS), PROCESS_TYPE),
            SearchAttributePair(_keyword(SearchAttribute.STATE), "requested"),
            SearchAttributePair(_keyword(SearchAttribute.PARTNER), str(submission.partner_id)),
        ]
    )


def terms_differences(stored: DiscountTerms, sent: DiscountTerms) -> list[FieldProblem]:
    """The fields in which ``sent`` differs from the terms first asked for under its key."""
    return [
        FieldProblem(name, f"differs from the request on file under this key ({getattr(stored, name)!r})")
        for name in ("requested_discount", "deal_value", "competitor", "justification")
        if getattr(stored, name) != getattr(sent, name)
    ]
