"""``/api/v1/discounts``: request, get, list, revise, renew, withdraw, answer a question.

Every change goes to the discount workflow through its typed client; the listing reads the
database projection. Who may act is the same as for registrations (``web.api.access``): partner
users for their own partner, integrators for the partner they name; a request another partner
made is a 404. Tasks are decided through ``/api/v1/tasks/{id}/decision`` like every other task.
What each caller sees of a request is decided once, in ``web.api.discount_view``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from flask import Response, g

from activities.rulebook import rulebook_library
from parley.clients.discount import DiscountClient
from parley.errors import DecisionRefused, FieldProblem, NotFound, ValidationFailed
from rules.discount import DiscountRequest, decide_discount
from rules.reasons import ReasonCode
from store.crud import discounts as discounts_crud
from store.engine import session_scope
from web import runner
from web.api import access, bp, json_body, query_args, reply
from web.api.discount_schemas import (
    DiscountIn,
    DiscountOut,
    DiscountPage,
    DiscountQuery,
    DiscountReviseIn,
    DiscountTermsIn,
    RenewIn,
)
from web.api.discount_view import discount_out, discount_row_out
from web.api.errors import ApiError
from web.api.schemas import InfoIn, WithdrawIn
from web.api.starting import start_answer
from web.workflow_clients import process_client
from workflows.discount.types import DiscountSubmission, DiscountTerms, DiscountView
from workflows.human.updates import ProvideInfoInput

NOUN = "discount request"
# The rules' refusals of new terms that are the terms' own fault, and the field each concerns.
_REFUSAL_FIELDS = {
    ReasonCode.DISCOUNT_ABOVE_MAXIMUM: "requested_discount",
    ReasonCode.DISCOUNT_JUSTIFICATION_MISSING: "justification",
}


def _own(workflow_id: str) -> None:
    access.require_own_process(workflow_id, NOUN, discounts_crud.get_discount)


def _may_change() -> None:
    access.may_change("the requesting partner")


def _run(action: Callable[[DiscountClient], Awaitable[DiscountView]]) -> DiscountView:
    async def go() -> DiscountView:
        return await action(await process_client(DiscountClient))

    return runner.run(go())


def _call(action: Callable[[DiscountClient], Awaitable[DiscountView]]) -> DiscountOut:
    """Run one client call; a refusal is a 409 naming why, an unreachable service a 503."""
    try:
        return discount_out(_run(action), partner_id=g.user.partner_id if access.partner_only() else None)
    except DecisionRefused as refused:
        raise ApiError.field(409, "workflow_id", str(refused.reason)) from None


def _terms_in(body: DiscountTermsIn) -> DiscountTerms:
    return DiscountTerms(
        requested_discount=body.requested_discount,
        deal_value=body.deal_value,
        competitor=body.competitor,
        justification=body.justification,
    )


def _check_terms(view: DiscountView, terms: DiscountTerms) -> None:
    """What the request's pinned rulebook would refuse in the new terms, named by field (the
    process refuses it too, but only as a whole)."""
    try:
        rulebook = rulebook_library().get(view.rulebook_version)
    except (NotFound, ValueError):
        return  # pinned from elsewhere (a roll-out): the process judges alone
    decision = decide_discount(
        rulebook,
        DiscountRequest(view.partner_tier, terms.deal_value, terms.requested_discount, terms.justification),
        datetime.now(UTC),
    )
    problems = [
        FieldProblem(_REFUSAL_FIELDS[ReasonCode(r.code)], r.text)
        for r in decision.reasons
        if r.code in _REFUSAL_FIELDS
    ]
    if problems:
        raise ValidationFailed(problems)


@bp.post("/discounts")
def request_discount() -> Response:
    access.may_start("request discounts")
    body = json_body(DiscountIn)
    submission = DiscountSubmission(
        partner_id=access.acting_partner(body.partner_id, "request discounts"),
        registration_id=body.registration_id,
        request_key=body.request_key,
        terms=_terms_in(body),
        submitted_by=g.user.username,
    )
    retried = False

    async def request(client: DiscountClient) -> DiscountView:
        nonlocal retried
        view = await client.request(submission)
        retried = client.found_started
        return view

    return start_answer(lambda: _call(request), "api.get_discount", lambda: retried)


@bp.get("/discounts")
def list_discounts() -> Response:
    query = query_args(DiscountQuery)
    partner_id = access.listing_partner(query.partner_id, "discount requests")
    with session_scope() as db:
        try:
            page = discounts_crud.list_discounts(
                session=db,
                partner_id=partner_id,
                registration_workflow_id=query.registration_id,
                state=query.state,
                page=query.page,
                per_page=query.per_page,
            )
        except ValidationFailed as exc:
            raise ApiError(400, str(exc), exc.problems) from None
        items = [discount_row_out(r) for r in page.items]
    return reply(DiscountPage(items=items, total=page.total, page=page.page, per_page=page.per_page))


@bp.get("/discounts/<workflow_id>")
def get_discount(workflow_id: str) -> Response:
    _own(workflow_id)
    return reply(_call(lambda client: client.get(workflow_id)))


@bp.post("/discounts/<workflow_id>/revise")
def revise_discount(workflow_id: str) -> Response:
    """New terms (all of them); the answer's last ``revisions`` entry says whose approval was
    needed again."""
    _may_change()
    _own(workflow_id)
    body = json_body(DiscountReviseIn)
    actor, terms = g.user.username, _terms_in(body)
    _check_terms(_run(lambda client: client.get(workflow_id)), terms)
    return reply(_call(lambda client: client.revise(workflow_id, actor, terms, body.comment)))


@bp.post("/discounts/<workflow_id>/renew")
def renew_discount(workflow_id: str) -> Response:
    """A new approval pass for approved or lapsed pricing, under the rulebook in force now."""
    _may_change()
    _own(workflow_id)
    body = json_body(RenewIn)
    actor = g.user.username
    return reply(_call(lambda client: client.renew(workflow_id, actor, body.comment)))


@bp.post("/discounts/<workflow_id>/withdraw")
def withdraw_discount(workflow_id: str) -> Response:
    _may_change()
    _own(workflow_id)
    body = json_body(WithdrawIn)
    actor = g.user.username
    return reply(_call(lambda client: client.withdraw(workflow_id, actor, body.comment)))


@bp.post("/discounts/<workflow_id>/info")
def answer_discount_question(workflow_id: str) -> Response:
    """The partner's answer to an approver's request for more information."""
    _may_change()
    _own(workflow_id)
    body = json_body(InfoIn)
    answer = ProvideInfoInput(g.user.username, body.answer)
    return reply(_call(lambda client: client.provide_info(workflow_id, answer)))
