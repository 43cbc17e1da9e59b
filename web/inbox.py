"""The approver inbox: queues, filters, sort and paging; task detail; decide, escalate, claim, bulk
approve.

Generic over process types: everything type-specific comes from ``web.kinds``. A partner's user
reads its own partner's tasks here too, of the kinds written for a partner to read (a rulebook to
acknowledge), and decides and claims nothing: such a task is answered where its page says. Other
kinds' pages show what only approvers may see (other partners' registrations, the audit trail),
so a partner's question on a registration is answered on the registration's own page instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlmodel import Session

from parley.errors import ValidationFailed
from store.crud import inbox as inbox_crud
from store.crud import partners as partners_crud
from store.crud import tasks as tasks_crud
from store.engine import session_scope
from store.models.tasks import Task
from store.models.types import utcnow
from store.models.users import User
from web import deciding
from web.audit_view import timeline_for
from web.auth import approver_required, login_required
from web.filters import Sla, sla
from web.kinds import DecisionResult, ProcessLink, kind_for, kinds, process_links
from web.paging import id_value, int_arg
from workflows.rollout.types import PROCESS_TYPE as ROLLOUT

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

SORTS = (("due_at", "Due time"), ("priority", "Priority"), ("value", "Deal value"))
PER_PAGE = 25
BULK_LIMIT = 50
# The one process type whose inbox page is written for a partner's user to read.
PARTNER_READS = ROLLOUT

P = ParamSpec("P")
R = TypeVar("R")


def reader_required(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
    """Signed in and an approver, or a partner's user (who sees only its own partner's tasks)."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        if not (g.user.is_approver or _partner_reader()):
            abort(403, "The inbox is for approvers and partners; your account has neither role.")
        return view(*args, **kwargs)

    return login_required(wrapped)


def _partner_reader() -> bool:
    """A partner's user (no approver role, no delegation): reads, never decides."""
    return bool(not g.user.is_approver and g.user.is_partner and g.user.partner_id is not None)


@dataclass(frozen=True)
class Row:
    task: Task
    sla: Sla
    on_behalf_of: str | None
    partner_name: str | None
    kind_label: str = ""
    process: ProcessLink | None = None


def _queue_label(key: str, names: dict[str, str]) -> str:
    if key == "all":
        return "All"
    if key == inbox_crud.MINE:
        return "Assigned to me"
    kind, _, value = key.partition(":")
    if kind == "role":
        return value.replace("_", " ").capitalize()
    return f"Delegated by {names.get(value, value)}"


def _filters() -> dict[str, Any]:
    process_type = request.args.get("process_type") or None
    sort = request.args.get("sort") or "due_at"
    filters: dict[str, Any] = {
        "queue": request.args.get("queue") or "all",
        "process_type": process_type if process_type in kinds() else None,
        "partner_id": int_arg("partner_id"),
        "territory": (request.args.get("territory") or "").strip()[:40] or None,
        "overdue": request.args.get("overdue") == "1",
        "due_soon": request.args.get("due_soon") == "1",
        "sort": sort if sort in dict(SORTS) else "due_at",
    }
    filters["any"] = any(
        filters[k] for k in ("process_type", "partner_id", "territory", "overdue", "due_soon")
    )
    if _partner_reader():  # no partner filter for a partner: its own tasks are all it sees
        filters["partner_id"] = None
    return filters


def _readable_type(chosen: str | None) -> str | None:
    """The process type the list is narrowed to: a partner's user reads one, whatever is asked."""
    return PARTNER_READS if _partner_reader() else chosen


def _partner_counts(db: Session, user: User, at: datetime, queues: list[str]) -> dict[str, int]:
    """The counts of a partner's user: only the tasks it may read, queue by queue."""

    def total(**narrowing: Any) -> int:
        readable = inbox_crud.InboxFilters(process_type=PARTNER_READS, **narrowing)
        return inbox_crud.list_inbox(session=db, user=user, at=at, filters=readable, per_page=1).total

    counts = {key: total(queue=key) for key in queues if key not in ("all", "overdue")}
    return {**counts, "all": total(), "overdue": total(overdue=True)}


@bp.get("/")
@reader_required
def index() -> ResponseReturnValue:
    filters = _filters()
    number = int_arg("page", 1) or 1
    now = utcnow()
    with session_scope() as db:
        user = db.get(User, g.user.id)
        assert user is not None
        counts = inbox_crud.inbox_counts(session=db, user=user, at=now)
        if _partner_reader():
            counts = _partner_counts(db, user, now, list(counts))
        if filters["queue"] != "all" and filters["queue"] not in counts:
            filters["queue"] = "all"
        narrowing = inbox_crud.InboxFilters(
            process_type=_readable_type(filters["process_type"]),
            partner_id=filters["partner_id"],
            territory=filters["territory"],
            overdue=filters["overdue"],
            due_soon=filters["due_soon"],
            queue=None if filters["queue"] == "all" else filters["queue"],
        )
        try:
            page = inbox_crud.list_inbox(
                session=db,
                user=user,
                at=now,
                filters=narrowing,
                sort=filters["sort"],
                page=number,
                per_page=PER_PAGE,
            )
        except ValidationFailed:  # a page past the end, typed by hand
            abort(404, "No such page of the inbox.")
        if _partner_reader():  # never another partner's name, not even in the filter
            partners = []
            own = partners_crud.get_partner(session=db, partner_id=g.user.partner_id)
            names = {own.id: own.name}
        else:
            partners = partners_crud.list_partners(session=db, per_page=200).items
            names = {p.id: p.name for p in partners if p.id is not None}
        links = process_links(db, [i.task for i in page.items])
    rows = [
        Row(
            i.task,
            sla(i.task.due_at, now),
            i.on_behalf_of,
            names.get(i.task.partner_id or -1),
            kind_for(i.task.process_type).label,
            links[i.task.process_id],
        )
        for i in page.items
    ]
    delegate_names = {d.username: d.display_name for d in g.user.acting_for}
    queue_keys = ["all", *(k for k in counts if k not in ("all", "overdue"))]
    queues = [(key, _queue_label(key, delegate_names)) for key in queue_keys]
    args = {k: v for k, v in filters.items() if v and k != "any"}

    def page_url(n: int) -> str:
        return url_for("inbox.index", **args, page=n)

    return render_template(
        "inbox/list.html",
        page=_PageView(rows, page.total, page.page, page.pages),
        counts=counts,
        queues=queues,
        filters=filters,
        partners=partners,
        process_types=[
            (k.process_type, k.label)
            for k in kinds().values()
            if not _partner_reader() or k.process_type == PARTNER_READS
        ],
        sorts=SORTS,
        page_url=page_url,
    )


@dataclass(frozen=True)
class _PageView:
    items: list[Row]
    total: int
    number: int
    pages: int


@bp.get("/tasks/<int(max=2147483647):task_id>")
@reader_required
def detail(task_id: int) -> ResponseReturnValue:
    try:
        task, on_behalf_of = deciding.visible_task(g.user, task_id)
    except deciding.TaskHidden:
        abort(404, "There is no task with that number in your queues.")
    reader = _partner_reader()
    if reader and task.process_type != PARTNER_READS:  # answered on its process's own page
        abort(404, "There is no task with that number in your queues.")
    kind = kind_for(task.process_type)
    with session_scope() as db:
        context = kind.detail_context(db, task)
        # The process's audit trail names approvers' comments and other partners: staff only.
        events = [] if reader else timeline_for(db, task.process_id)
        process = process_links(db, [task])[task.process_id]
    return render_template(
        "inbox/detail.html",
        task=task,
        kind=kind,
        outcomes=() if reader else kind.outcomes_for(task),
        escalates=not reader and kind.escalates(task),
        reader=reader,
        row=Row(task, sla(task.due_at), on_behalf_of, None),
        access=g.user.access_to(task),
        events=events,
        process=process,
        **context,
    )


def _flash_result(result: DecisionResult | deciding.Refusal) -> None:
    if isinstance(result, deciding.Refusal):
        where = "" if result.field == "task_id" else f"{result.field.capitalize()}: "
        flash(f"{where}{result.message}", "error")
    elif result.accepted:
        flash(result.message, "success")
    else:
        flash(result.message, "error")


@bp.post("/tasks/<int(max=2147483647):task_id>/decide")
@approver_required
def decide(task_id: int) -> ResponseReturnValue:
    outcome = request.form.get("outcome", "")
    comment = request.form.get("comment", "")
    try:
        result = deciding.decide(g.user, task_id, outcome, comment)
    except deciding.TaskHidden:
        abort(404, "There is no task with that number in your queues.")
    _flash_result(result)
    return redirect(url_for("inbox.detail", task_id=task_id))


@bp.post("/tasks/<int(max=2147483647):task_id>/escalate")
@approver_required
def escalate(task_id: int) -> ResponseReturnValue:
    try:
        result = deciding.escalate(g.user, task_id, request.form.get("comment", ""))
    except deciding.TaskHidden:
        abort(404, "There is no task with that number in your queues.")
    _flash_result(result)
    return redirect(url_for("inbox.detail", task_id=task_id))


@bp.post("/tasks/<int(max=2147483647):task_id>/claim")
@approver_required
def claim(task_id: int) -> ResponseReturnValue:
    try:
        task, _ = deciding.visible_task(g.user, task_id)
    except deciding.TaskHidden:
        abort(404, "There is no task with that number in your queues.")
    action = request.form.get("action")
    try:
        with session_scope() as db:
            if action == "claim":
                tasks_crud.claim_task(session=db, task_id=task.id or 0, username=g.user.username)
                flash("You claimed this task; colleagues see that you are on it.", "success")
            elif action == "release":
                tasks_crud.release_task(session=db, task_id=task.id or 0, username=g.user.username)
                flash("Released: the task is back in its role queue.", "info")
            else:
                abort(400, "action: must be claim or release")
    except ValidationFailed as exc:
        flash(exc.problems[0].message.capitalize() + ".", "error")
    return redirect(url_for("inbox.detail", task_id=task_id))


@bp.post("/bulk")
@approver_required
def bulk() -> ResponseReturnValue:
    """Approve each selected task through its process, one by one, and report each result."""
    ids = [i for i in map(id_value, request.form.getlist("task_id")) if i is not None][:BULK_LIMIT]
    if not ids:
        flash("Select at least one task to approve.", "warning")
        return redirect(url_for("inbox.index"))
    comment = request.form.get("comment", "")
    results: list[tuple[int, str, bool, str]] = []
    for task_id in ids:
        try:
            task, _ = deciding.visible_task(g.user, task_id)
            result = deciding.decide(g.user, task_id, "approve", comment)
        except deciding.TaskHidden:
            results.append((task_id, f"task {task_id}", False, "not in your queues"))
            continue
        if isinstance(result, deciding.Refusal):
            results.append((task_id, task.title, False, result.message))
        else:
            results.append((task_id, task.title, result.accepted, result.message))
    return render_template(
        "inbox/bulk_result.html", results=results, approved=sum(1 for r in results if r[2])
    )
