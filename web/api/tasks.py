"""``/api/v1/tasks``: the caller's inbox (same queues as the web page), decisions and escalations."""

from __future__ import annotations

from flask import Response, g

from store.crud import inbox as inbox_crud
from store.engine import session_scope
from store.models.tasks import Task
from store.models.types import utcnow
from store.models.users import User
from web import deciding
from web.api import bp, json_body, query_args, reply
from web.api.errors import ApiError
from web.api.schemas import (
    DecisionIn,
    DecisionOut,
    EscalateIn,
    InboxTask,
    Me,
    TaskOut,
    TaskPage,
    TaskQuery,
)
from web.kinds import DecisionResult, ProcessLink, kind_for, process_links


def _fields(task: Task, link: ProcessLink) -> dict[str, object]:
    """A task as the API shows it: the row, where its process stands, and what it can be decided."""
    kind = kind_for(task.process_type)
    is_open = task.state == "open"
    return {
        **TaskOut.model_validate(task).model_dump(),
        "process_state": link.state,
        "process_url": link.url,
        "decisions": [str(w) for w in kind.outcomes_for(task)] if is_open else [],
        "escalates": is_open and kind.escalates(task),
    }


def _task_out(task: Task) -> TaskOut:
    with session_scope() as db:
        link = process_links(db, [task])[task.process_id]
    return TaskOut.model_validate(_fields(task, link))


@bp.get("/me")
def me() -> Response:
    return reply(
        Me(
            username=g.user.username,
            display_name=g.user.display_name,
            roles=sorted(g.user.roles),
            partner_id=g.user.partner_id,
            acting_for=[d.username for d in g.user.acting_for],
        )
    )


@bp.get("/tasks")
def list_tasks() -> Response:
    query = query_args(TaskQuery)
    now = utcnow()
    with session_scope() as db:
        user = db.get(User, g.user.id)
        assert user is not None
        if query.queue is not None and query.queue not in inbox_crud.inbox_counts(
            session=db, user=user, at=now
        ):
            return reply(TaskPage(items=[], total=0, page=query.page, per_page=query.per_page))
        page = inbox_crud.list_inbox(
            session=db,
            user=user,
            at=now,
            filters=inbox_crud.InboxFilters(
                process_type=query.process_type,
                partner_id=query.partner_id,
                territory=query.territory,
                overdue=query.overdue,
                due_soon=query.due_soon,
                queue=query.queue,
            ),
            sort=query.sort,
            page=query.page,
            per_page=query.per_page,
        )
        links = process_links(db, [i.task for i in page.items])
    items = [
        InboxTask.model_validate(
            {
                **_fields(i.task, links[i.task.process_id]),
                "queue": i.queue,
                "acting_on_behalf_of": i.on_behalf_of,
            }
        )
        for i in page.items
    ]
    return reply(TaskPage(items=items, total=page.total, page=page.page, per_page=page.per_page))


def _hidden(task_id: int) -> ApiError:
    return ApiError.field(404, "task_id", f"no task {task_id} in your queues")


@bp.get("/tasks/<int(max=2147483647):task_id>")
def get_task(task_id: int) -> Response:
    try:
        task, _ = deciding.visible_task(g.user, task_id)
    except deciding.TaskHidden:
        raise _hidden(task_id) from None
    return reply(_task_out(task))


@bp.post("/tasks/<int(max=2147483647):task_id>/decision")
def decide(task_id: int) -> Response:
    """Approve, reject or ask for information; the process decides whether it is accepted."""
    decision = json_body(DecisionIn)
    _may_decide()
    try:
        result = deciding.decide(g.user, task_id, decision.outcome, decision.comment)
    except deciding.TaskHidden:
        raise _hidden(task_id) from None
    return _answer(task_id, result)


@bp.post("/tasks/<int(max=2147483647):task_id>/escalate")
def escalate(task_id: int) -> Response:
    """Send the task up its path now (where its process allows it: a dispute's levels)."""
    body = json_body(EscalateIn)
    _may_decide()
    try:
        result = deciding.escalate(g.user, task_id, body.comment)
    except deciding.TaskHidden:
        raise _hidden(task_id) from None
    return _answer(task_id, result)


def _may_decide() -> None:
    if g.user.is_partner and not g.user.is_approver:
        raise ApiError.field(403, "task_id", "partner users cannot decide approval tasks")


def _answer(task_id: int, result: DecisionResult | deciding.Refusal) -> Response:
    if isinstance(result, deciding.Refusal):
        raise ApiError.field(result.status, result.field, result.message)
    if not result.accepted:
        status = 503 if result.unavailable else 409
        raise ApiError.field(status, "task_id", result.message)
    task, _ = deciding.visible_task(g.user, task_id)
    return reply(
        DecisionOut(
            accepted=True,
            message=result.message,
            process_state=result.state,
            task=_task_out(task),
        )
    )
