"""The approver inbox query: which open tasks a user may act on, filtered, sorted and paged.

A user sees (1) tasks assigned to or claimed by them, (2) unassigned, unclaimed tasks for each of
their roles (a partner user only their own partner's), and (3) the same two sets for every user
who has delegated to them for a range containing the given time. Each item says through which
queue it is visible and, for delegated work, on whose behalf the user would act.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, func, or_, union
from sqlmodel import Session, col, select

from store.crud._common import Page, paginate, refuse
from store.crud.users import active_delegators
from store.models import Role, Task, TaskState, User, as_utc
from store.models.types import PROCESS_TYPE_NAME

SortKey = Literal["due_at", "priority", "value"]
DUE_SOON = timedelta(hours=24)
MINE = "mine"


@dataclass(frozen=True)
class InboxFilters:
    """Narrowing of the inbox. ``queue`` is ``mine``, ``role:<role>`` or ``delegated:<username>``."""

    process_type: str | None = None
    partner_id: int | None = None
    territory: str | None = None
    overdue: bool = False
    due_soon: bool = False
    queue: str | None = None


@dataclass(frozen=True)
class InboxItem:
    task: Task
    queue: str
    on_behalf_of: str | None


def _mine(username: str) -> list[ColumnElement[bool]]:
    return [col(Task.assignee) == username, col(Task.claimed_by) == username]


def _role_queue(role: str, partner_id: int | None) -> ColumnElement[bool]:
    condition = and_(col(Task.role) == role, col(Task.assignee).is_(None), col(Task.claimed_by).is_(None))
    if role == Role.PARTNER:  # a partner user never sees another partner's tasks
        condition = and_(condition, col(Task.partner_id) == partner_id)
    return condition


def _queues(user: User, delegators: list[User]) -> dict[str, list[ColumnElement[bool]]]:
    """Every queue the user can see, by name, with the conditions (any of) that select it.

    Each condition is kept separate, not OR-ed, so that it can be answered by its own index
    (see ``_visible``).
    """
    queues: dict[str, list[ColumnElement[bool]]] = {MINE: _mine(user.username)}
    for role in user.roles:
        queues[f"role:{role}"] = [_role_queue(role, user.partner_id)]
    for delegator in delegators:
        own = _mine(delegator.username)
        own += [_role_queue(role, delegator.partner_id) for role in delegator.roles]
        queues[f"delegated:{delegator.username}"] = own
    return queues


def _visible(session: Session, conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """Open tasks meeting any of ``conditions``, in the shape each database's planner handles.

    SQLite answers an OR of the conditions by walking every open task, so there it becomes
    ``id IN (a UNION of one select per condition)``: each select uses its own index
    ((state, assignee), (state, claimed_by), or the partial index of unclaimed open tasks by
    role) and only the tasks the user may see are read. PostgreSQL combines its indexes for
    the OR (a BitmapOr) but would hash-join the UNION against a scan of the whole table.
    """
    is_open = col(Task.state) == TaskState.OPEN.value
    if session.get_bind().dialect.name != "sqlite":
        return and_(is_open, or_(*conditions))
    selects = [select(col(Task.id)).where(is_open, condition) for condition in conditions]
    return col(Task.id).in_(union(*selects))


def _classify(task: Task, user: User, delegators: list[User]) -> tuple[str, str | None]:
    if user.username in (task.assignee, task.claimed_by):
        return MINE, None
    unclaimed = task.assignee is None and task.claimed_by is None
    if unclaimed and task.role in user.roles:
        return f"role:{task.role}", None
    for delegator in delegators:
        if delegator.username in (task.assignee, task.claimed_by) or (
            unclaimed and task.role in delegator.roles
        ):
            return f"delegated:{delegator.username}", delegator.username
    return MINE, None  # not reached for rows the query returned


def _order(sort: SortKey, descending: bool | None) -> list[ColumnElement[Any]]:
    column: dict[str, Any] = {
        "due_at": col(Task.due_at),
        "priority": col(Task.priority),
        "value": col(Task.value),
    }
    if sort not in column:
        raise refuse("sort", f"must be one of {', '.join(column)} (got {sort!r})")
    # Natural orders: soonest due first, highest priority and value first; empty values last.
    descending = sort != "due_at" if descending is None else descending
    key = column[sort].desc() if descending else column[sort].asc()
    return [column[sort].is_(None), key, col(Task.id).asc()]


def list_inbox(
    *,
    session: Session,
    user: User,
    at: datetime,
    filters: InboxFilters | None = None,
    sort: SortKey = "due_at",
    descending: bool | None = None,
    page: int = 1,
    per_page: int = 25,
    due_soon_window: timedelta = DUE_SOON,
) -> Page[InboxItem]:
    """The user's open tasks as of ``at`` (the time delegations and due dates are judged at)."""
    filters = filters or InboxFilters()
    at = as_utc(at)
    delegators = active_delegators(session=session, delegate_id=_id(user), at=at)
    queues = _queues(user, delegators)
    if filters.queue is not None:
        if filters.queue not in queues:
            raise refuse("queue", f"not one of your queues: {filters.queue!r}")
        conditions = queues[filters.queue]
    else:
        conditions = [condition for queue in queues.values() for condition in queue]
    query = select(Task).where(_visible(session, conditions))
    if filters.process_type is not None:
        if not re.fullmatch(PROCESS_TYPE_NAME, filters.process_type):
            raise refuse("process_type", f"not a process type name: {filters.process_type!r}")
        query = query.where(col(Task.process_type) == filters.process_type)
    if filters.partner_id is not None:
        query = query.where(col(Task.partner_id) == filters.partner_id)
    if filters.territory is not None:
        query = query.where(col(Task.territory) == filters.territory)
    if filters.overdue:
        query = query.where(col(Task.due_at) < at)
    if filters.due_soon:
        query = query.where(col(Task.due_at) >= at, col(Task.due_at) < at + due_soon_window)
    query = query.order_by(*_order(sort, descending))
    tasks, total = paginate(session, query, page, per_page)
    items = [InboxItem(task, *_classify(task, user, delegators)) for task in tasks]
    return Page(items, total, page, per_page)


def inbox_counts(*, session: Session, user: User, at: datetime) -> dict[str, int]:
    """Open tasks per queue, plus ``all`` (each task once) and ``overdue`` (of all)."""
    at = as_utc(at)
    delegators = active_delegators(session=session, delegate_id=_id(user), at=at)
    queues = _queues(user, delegators)
    everything = [condition for queue in queues.values() for condition in queue]

    def tally(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    # One pass over the user's visible open tasks rather than one count query per queue.
    columns = [tally(or_(*queue)) for queue in queues.values()]
    columns += [func.count(), tally(col(Task.due_at) < at)]
    query = select(*columns).where(_visible(session, everything))
    row = session.execute(query).one()
    counts = {name: int(value) for name, value in zip(queues, row, strict=False)}
    counts["all"] = int(row[-2])
    counts["overdue"] = int(row[-1])
    return counts


def _id(user: User) -> int:
    if user.id is None:
        raise refuse("user", "must be a saved user")
    return user.id
