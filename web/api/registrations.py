"""``/api/v1/registrations``: create, get, list, extend, close, withdraw, answer a question.

A registration's answer links the discount requests that price it and the disputes it stands in;
what each caller sees of it is decided once, in ``web.api.registration_view``.

Every change goes to the registration workflow through its typed client; the listing reads the
database projection. Partner users act only for their own partner; integrators with the
``admin`` or ``partner_ops`` role may act for any partner (CRM and portal integrations).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from flask import Response, g

from parley.clients.registration import RegistrationClient
from parley.errors import DecisionRefused, ValidationFailed
from store.crud import registrations as registrations_crud
from store.engine import session_scope
from web import runner
from web.api import access, bp, json_body, query_args, reply
from web.api.errors import ApiError
from web.api.registration_view import registration_out
from web.api.schemas import (
    CloseIn,
    ExtendIn,
    InfoIn,
    RegistrationIn,
    RegistrationOut,
    RegistrationPage,
    RegistrationQuery,
    RegistrationRow,
    WithdrawIn,
)
from web.api.starting import start_answer
from web.workflow_clients import process_client


def _own(workflow_id: str) -> None:
    access.require_own_process(workflow_id, "registration", registrations_crud.get_registration)


def _may_change() -> None:
    access.may_change("the registering partner")


def _call(action: Callable[[Any], Awaitable[Any]]) -> RegistrationOut:
    """Run one client call; a refusal is a 409 naming why, an unreachable service a 503."""

    async def go() -> Any:
        return await action(await process_client(RegistrationClient))

    try:
        return registration_out(runner.run(go()), partner=access.partner_only())
    except DecisionRefused as refused:
        raise ApiError.field(409, "workflow_id", str(refused.reason)) from None


@bp.post("/registrations")
def create_registration() -> Response:
    from workflows.registration.types import RegistrationSubmission

    access.may_start("register deals")
    body = json_body(RegistrationIn)
    submission = RegistrationSubmission(
        partner_id=access.acting_partner(body.partner_id, "register deals"),
        request_key=body.request_key,
        account_name=body.account_name,
        territory=body.territory,
        vertical=body.vertical,
        product_line=body.product_line,
        deal_value=body.deal_value,
        submitted_by=g.user.username,
        account_domain=body.account_domain or None,
        notes=body.notes,
    )
    retried = False

    async def start(client: RegistrationClient) -> Any:
        nonlocal retried
        view = await client.start(submission)
        retried = client.found_started
        return view

    return start_answer(lambda: _call(start), "api.get_registration", lambda: retried)


@bp.get("/registrations")
def list_registrations() -> Response:
    query = query_args(RegistrationQuery)
    partner_id = access.listing_partner(query.partner_id, "registrations")
    with session_scope() as db:
        try:
            page = registrations_crud.list_registrations(
                session=db,
                partner_id=partner_id,
                account=query.account,
                state=query.state,
                page=query.page,
                per_page=query.per_page,
            )
        except ValidationFailed as exc:
            raise ApiError(400, str(exc), exc.problems) from None
    return reply(
        RegistrationPage(
            items=[RegistrationRow.model_validate(r) for r in page.items],
            total=page.total,
            page=page.page,
            per_page=page.per_page,
        )
    )


@bp.get("/registrations/<workflow_id>")
def get_registration(workflow_id: str) -> Response:
    _own(workflow_id)
    return reply(_call(lambda client: client.get(workflow_id)))


@bp.post("/registrations/<workflow_id>/extend")
def extend(workflow_id: str) -> Response:
    from workflows.registration.types import ExtendInput

    _may_change()
    _own(workflow_id)
    body = json_body(ExtendIn)
    return reply(_call(lambda client: client.extend(workflow_id, ExtendInput(g.user.username, body.comment))))


@bp.post("/registrations/<workflow_id>/close")
def close(workflow_id: str) -> Response:
    _may_change()
    _own(workflow_id)
    body = json_body(CloseIn)
    actor = g.user.username
    return reply(_call(lambda client: client.close(workflow_id, actor, body.outcome, body.comment)))


@bp.post("/registrations/<workflow_id>/withdraw")
def withdraw(workflow_id: str) -> Response:
    _may_change()
    _own(workflow_id)
    body = json_body(WithdrawIn)
    actor = g.user.username
    return reply(_call(lambda client: client.withdraw(workflow_id, actor, body.comment)))


@bp.post("/registrations/<workflow_id>/info")
def provide_info(workflow_id: str) -> Response:
    """The partner's answer to an approver's request for more information."""
    from workflows.human.updates import ProvideInfoInput

    _may_change()
    _own(workflow_id)
    body = json_body(InfoIn)
    answer = ProvideInfoInput(g.user.username, body.answer)
    return reply(_call(lambda client: client.provide_info(workflow_id, answer)))
