"""``/api/v1/exits``: start, list, get, cancel, choose a transferee.

Partner operations (``partner_ops``, ``admin``) start and act on a partner's exit, always as the
token's own user; the exit workflow, through its typed client, is the authority and may still
refuse (409). What each caller sees of an exit is decided once, in ``web.api.exit_view``; an exit
the caller may not see is a 404. A for-cause exit's approval task is decided through
``/api/v1/tasks/{id}/decision`` like every other task.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

from flask import Response, g

from parley.clients.exit import ExitClient
from parley.errors import DecisionRefused, NotFound
from store.crud import exits as exits_crud
from store.crud._common import MAX_PER_PAGE
from store.engine import session_scope
from store.models import Exit
from web import runner
from web.api import access, bp, json_body, query_args, reply
from web.api.errors import ApiError
from web.api.exit_schemas import ExitCancelIn, ExitIn, ExitOut, ExitPage, ExitQuery, TransfereeIn
from web.api.exit_view import ExitReader, exit_out, exit_row_out, is_staff, reader_of_row, reader_of_view
from web.api.starting import start_answer
from web.workflow_clients import process_client
from workflows.exit.types import ExitView

NOUN = "exit"


def _row(workflow_id: str) -> tuple[Exit, ExitReader]:
    """The exit's row and how the caller reads it; 404 unless it exists and they may see it."""
    access.valid_process_id(workflow_id, NOUN)
    with session_scope() as db:
        try:
            row = exits_crud.get_exit(session=db, workflow_id=workflow_id)
        except NotFound:
            raise ApiError.field(404, "workflow_id", f"no such {NOUN}") from None
    reader = reader_of_row(g.user, row)
    if reader is None:
        raise ApiError.field(404, "workflow_id", f"no such {NOUN}")
    return row, reader


def _operator(doing: str) -> None:
    if not access.is_integrator():
        raise ApiError.field(403, "role", f"only partner_ops or admin may {doing}")


def _run(action: Callable[[ExitClient], Awaitable[ExitView]]) -> ExitView:
    """Run one client call; a refusal is a 409 naming why, an unreachable service a 503."""

    async def go() -> ExitView:
        return await action(await process_client(ExitClient))

    try:
        return runner.run(go())
    except DecisionRefused as refused:
        raise ApiError.field(409, "workflow_id", str(refused.reason)) from None


@bp.post("/exits")
def start_exit() -> Response:
    """Give a partner notice, as the token's user (partner operations)."""
    _operator("start a partner's exit")
    body = json_body(ExitIn)
    actor = g.user.username

    def started() -> ExitOut:
        view = _run(
            lambda client: client.start(
                actor=actor, partner_id=body.partner_id, exit_type=str(body.exit_type), why=body.why
            )
        )
        reader = reader_of_view(g.user, view)
        assert reader is not None  # partner operations read every exit
        return exit_out(view, reader)

    return start_answer(started, "api.get_exit")


def _own_noticed(partner_id: int, state: str | None) -> Iterator[Exit]:
    """A partner's exits that reached it (notice was given): few, one live at a time."""
    page = 1
    with session_scope() as db:
        while True:
            found = exits_crud.list_exits(
                session=db, partner_id=partner_id, state=state, page=page, per_page=MAX_PER_PAGE
            )
            yield from (row for row in found.items if row.notice_given_at is not None)
            if page * MAX_PER_PAGE >= found.total:
                return
            page += 1


@bp.get("/exits")
def list_exits() -> Response:
    """Exits, newest first: staff all (``partner_id``, ``state``), a partner user its own."""
    query = query_args(ExitQuery)
    partner_id = access.listing_partner(query.partner_id, "exits")
    state = None if query.state is None else str(query.state)
    if is_staff(g.user):
        with session_scope() as db:
            found = exits_crud.list_exits(
                session=db, partner_id=partner_id, state=state, page=query.page, per_page=query.per_page
            )
            rows, total = list(found.items), found.total
    elif g.user.is_partner and g.user.partner_id is not None:
        own = list(_own_noticed(int(g.user.partner_id), state))
        start = (query.page - 1) * query.per_page
        rows, total = own[start : start + query.per_page], len(own)
    else:
        rows, total = [], 0
    items = []
    for row in rows:
        reader = reader_of_row(g.user, row)
        if reader is not None:
            items.append(exit_row_out(row, reader))
    return reply(ExitPage(items=items, total=total, page=query.page, per_page=query.per_page))


@bp.get("/exits/<workflow_id>")
def get_exit(workflow_id: str) -> Response:
    _, reader = _row(workflow_id)
    return reply(exit_out(_run(lambda client: client.get(workflow_id)), reader))


@bp.post("/exits/<workflow_id>/cancel")
def cancel_exit(workflow_id: str) -> Response:
    """Partner operations withdraw the exit while notice runs; the partner's status is restored."""
    _, reader = _row(workflow_id)
    _operator("cancel an exit")
    body = json_body(ExitCancelIn)
    actor = g.user.username
    return reply(exit_out(_run(lambda client: client.cancel(workflow_id, actor, body.reason)), reader))


@bp.post("/exits/<workflow_id>/transferee")
def choose_transferee(workflow_id: str) -> Response:
    """Partner operations' choice for a registration nobody eligible could take over: a partner
    (checked against the rules in force) or, with ``partner_id`` null, direct sales."""
    _, reader = _row(workflow_id)
    _operator("choose a transferee")
    body = json_body(TransfereeIn)
    with session_scope() as db:
        rows = exits_crud.dispositions_of(session=db, exit_workflow_id=workflow_id)
        planned = {d.registration_id for d in rows}
    if body.registration_id not in planned:
        raise ApiError.field(422, "registration_id", "not a registration of this exit")
    actor = g.user.username
    view = _run(
        lambda client: client.choose_transferee(
            workflow_id, actor, body.registration_id, body.partner_id, body.comment
        )
    )
    return reply(exit_out(view, reader))
