"""``/api/v1/disputes``: open, get, list, add a statement, withdraw.

Every change goes to the dispute workflow through its typed client, always as the token's own
user (the client reads their roles: a partner contests its own registration's conflict
decision, an approver opens one for the partner, direct sales contests a protected
registration). What each caller sees of a dispute is decided once, in ``web.api.dispute_view``; a
dispute the caller may not see is a 404. A level's task is decided or escalated through
``/api/v1/tasks/{id}/decision`` and ``/escalate`` like every other task.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from flask import Response, g

from parley.clients.dispute import DisputeClient
from parley.errors import DecisionRefused, NotFound, ValidationFailed
from store.crud import disputes as disputes_crud
from store.engine import session_scope
from web import runner
from web.api import access, bp, json_body, query_args, reply
from web.api.dispute_listing import visible_disputes
from web.api.dispute_schemas import DisputeIn, DisputeOut, DisputePage, DisputeQuery, StatementIn
from web.api.dispute_view import Reader, Sides, dispute_out, reader_of
from web.api.errors import ApiError
from web.api.schemas import WithdrawIn
from web.api.starting import start_answer
from web.workflow_clients import process_client
from workflows.dispute.types import DisputeView

NOUN = "dispute"


def _reader(workflow_id: str) -> Reader:
    """How the caller reads the dispute; 404 unless it exists and they stand in it or are staff."""
    access.valid_process_id(workflow_id, NOUN)
    with session_scope() as db:
        try:
            row = disputes_crud.get_dispute(session=db, workflow_id=workflow_id)
        except NotFound:
            raise ApiError.field(404, "workflow_id", f"no such {NOUN}") from None
    reader = reader_of(g.user, Sides.of_row(row))
    if reader is None:
        raise ApiError.field(404, "workflow_id", f"no such {NOUN}")
    return reader


def _run(action: Callable[[DisputeClient], Awaitable[DisputeView]]) -> DisputeView:
    """Run one client call; a refusal is a 409 naming why, an unreachable service a 503."""

    async def go() -> DisputeView:
        return await action(await process_client(DisputeClient))

    try:
        return runner.run(go())
    except DecisionRefused as refused:
        raise ApiError.field(409, "workflow_id", str(refused.reason)) from None


@bp.post("/disputes")
def open_dispute() -> Response:
    """Contest a registration's conflict decision, as the token's user."""
    body = json_body(DisputeIn)
    actor = g.user.username

    def opened() -> DisputeOut:
        view = _run(
            lambda client: client.open(
                actor=actor, registration_id=body.registration_id, statement=body.statement
            )
        )
        reader = reader_of(g.user, Sides.of_view(view))
        if reader is None:  # never: the client lets only a side or staff open one
            raise ApiError.field(404, "registration_id", "no such registration of yours")
        return dispute_out(view, reader)

    return start_answer(opened, "api.get_dispute")


@bp.get("/disputes")
def list_disputes() -> Response:
    query = query_args(DisputeQuery)
    partner_id = access.listing_partner(query.partner_id, "disputes")
    try:
        items, total = visible_disputes(
            g.user, partner_id=partner_id, state=query.state, page=query.page, per_page=query.per_page
        )
    except ValidationFailed as exc:
        raise ApiError(400, str(exc), exc.problems) from None
    return reply(DisputePage(items=items, total=total, page=query.page, per_page=query.per_page))


@bp.get("/disputes/<workflow_id>")
def get_dispute(workflow_id: str) -> Response:
    reader = _reader(workflow_id)
    return reply(dispute_out(_run(lambda client: client.get(workflow_id)), reader))


@bp.post("/disputes/<workflow_id>/statements")
def add_statement(workflow_id: str) -> Response:
    """A party's statement (closing its call for one), or a comment of those hearing the case."""
    body = json_body(StatementIn)
    reader = _reader(workflow_id)
    actor = g.user.username
    view = _run(lambda client: client.statement(workflow_id, actor, body.statement))
    return reply(dispute_out(view, reader))


@bp.post("/disputes/<workflow_id>/withdraw")
def withdraw_dispute(workflow_id: str) -> Response:
    """The contesting side gives the dispute up; the contested decision stands."""
    body = json_body(WithdrawIn)
    reader = _reader(workflow_id)
    actor = g.user.username
    return reply(dispute_out(_run(lambda client: client.withdraw(workflow_id, actor, body.comment)), reader))
