"""The inbox query: visibility by role, assignment, claim and delegation; filters; sort; pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session

from parley.errors import ValidationFailed
from store import crud
from store.crud import InboxFilters
from store.models import User
from tests.store.factories import NOW, make_partner, make_task, make_user, pk


def _ids(page: crud.Page[crud.InboxItem]) -> list[str]:
    return [item.task.process_id for item in page.items]


@pytest.fixture
def cam(session: Session) -> User:
    return make_user(session, "cam", ["channel_account_manager"])


def test_role_queue_assigned_and_claimed(session: Session, cam: User) -> None:
    make_task(session, "for-role")
    make_task(session, "other-role", role="finance")
    make_task(session, "assigned-to-me", role="finance", assignee="cam")
    make_task(session, "assigned-to-other", assignee="someone")
    claimed = make_task(session, "claimed-by-other")
    crud.claim_task(session=session, task_id=pk(claimed), username="someone")
    make_task(session, "closed")
    crud.close_task(
        session=session, process_id="closed", kind="approval", escalation_level=0, outcome="approved"
    )
    session.commit()
    page = crud.list_inbox(session=session, user=cam, at=NOW)
    queues = {item.task.process_id: item.queue for item in page.items}
    assert queues == {"for-role": "role:channel_account_manager", "assigned-to-me": "mine"}
    counts = crud.inbox_counts(session=session, user=cam, at=NOW)
    assert counts == {"mine": 1, "role:channel_account_manager": 1, "all": 2, "overdue": 0}
    mine = crud.list_inbox(session=session, user=cam, at=NOW, filters=InboxFilters(queue="mine"))
    assert _ids(mine) == ["assigned-to-me"]
    with pytest.raises(ValidationFailed, match="queue"):
        crud.list_inbox(session=session, user=cam, at=NOW, filters=InboxFilters(queue="role:finance"))


def test_filters(session: Session, cam: User) -> None:
    acme, other = make_partner(session), make_partner(session)
    make_task(session, "overdue", due_at=NOW - timedelta(minutes=1), partner_id=pk(acme))
    make_task(session, "soon", due_at=NOW + timedelta(hours=3), territory="apac")
    make_task(session, "later", due_at=NOW + timedelta(days=3), partner_id=pk(other))
    make_task(session, "discount", process_type="discount", due_at=None)
    session.commit()

    def ids(**filters: object) -> list[str]:
        page = crud.list_inbox(session=session, user=cam, at=NOW, filters=InboxFilters(**filters))  # type: ignore[arg-type]
        return _ids(page)

    assert ids(overdue=True) == ["overdue"]
    assert ids(due_soon=True) == ["soon"]
    assert ids(partner_id=pk(acme)) == ["overdue"]
    assert ids(territory="apac") == ["soon"]
    assert ids(process_type="discount") == ["discount"]
    assert ids(process_type="registration") == ["overdue", "soon", "later"]
    assert crud.inbox_counts(session=session, user=cam, at=NOW)["overdue"] == 1
    with pytest.raises(ValidationFailed, match="process_type"):
        ids(process_type="Lunch!")


def test_sorting_and_pagination(session: Session, cam: User) -> None:
    make_task(session, "a", due_at=NOW + timedelta(hours=5), priority=1, value=300)
    make_task(session, "b", due_at=NOW + timedelta(hours=1), priority=3, value=None)
    make_task(session, "c", due_at=None, priority=2, value=900)
    make_task(session, "d", due_at=NOW + timedelta(hours=2), priority=0, value=100)
    session.commit()

    def order(sort: str, descending: bool | None = None) -> list[str]:
        page = crud.list_inbox(session=session, user=cam, at=NOW, sort=sort, descending=descending)  # type: ignore[arg-type]
        return _ids(page)

    assert order("due_at") == ["b", "d", "a", "c"]  # no due date last
    assert order("due_at", descending=True) == ["a", "d", "b", "c"]
    assert order("priority") == ["b", "c", "a", "d"]
    assert order("value") == ["c", "a", "d", "b"]  # no value last
    assert order("value", descending=False) == ["d", "a", "c", "b"]
    second = crud.list_inbox(session=session, user=cam, at=NOW, per_page=3, page=2)
    assert (_ids(second), second.total, second.pages) == (["c"], 4, 2)
    with pytest.raises(ValidationFailed, match="sort"):
        order("title")
    with pytest.raises(ValidationFailed, match="per_page"):
        crud.list_inbox(session=session, user=cam, at=NOW, per_page=1000)


def test_delegated_tasks_are_visible_only_during_the_range(session: Session, cam: User) -> None:
    boss = make_user(session, "boss", ["vp_channel"])
    make_task(session, "vp-task", role="vp_channel")
    make_task(session, "assigned-to-boss", role="finance", assignee="boss")
    crud.create_delegation(
        session=session,
        data={
            "user_id": pk(boss),
            "delegate_id": pk(cam),
            "starts_at": NOW,
            "ends_at": NOW + timedelta(days=2),
        },
    )
    session.commit()
    during = crud.list_inbox(session=session, user=cam, at=NOW + timedelta(hours=1))
    assert {(i.task.process_id, i.queue, i.on_behalf_of) for i in during.items} == {
        ("vp-task", "delegated:boss", "boss"),
        ("assigned-to-boss", "delegated:boss", "boss"),
    }
    counts = crud.inbox_counts(session=session, user=cam, at=NOW + timedelta(hours=1))
    assert counts["delegated:boss"] == 2 and counts["all"] == 2
    assert crud.list_inbox(session=session, user=cam, at=NOW - timedelta(hours=1)).total == 0
    assert crud.list_inbox(session=session, user=cam, at=NOW + timedelta(days=2)).total == 0
    # The delegator still sees their own work.
    assert crud.list_inbox(session=session, user=boss, at=NOW + timedelta(hours=1)).total == 2


def test_partner_users_see_only_their_partner(session: Session) -> None:
    acme, rival = make_partner(session), make_partner(session)
    pat = make_user(session, "pat", ["partner"], partner_id=pk(acme))
    make_task(session, "acme-info", role="partner", kind="info", partner_id=pk(acme))
    make_task(session, "rival-info", role="partner", kind="info", partner_id=pk(rival))
    session.commit()
    assert _ids(crud.list_inbox(session=session, user=pat, at=NOW)) == ["acme-info"]


def test_sqlite_reads_open_tasks_through_the_partial_indexes(
    engine: Engine, session: Session, cam: User
) -> None:
    """No inbox statement scans the tasks table: each queue condition has its own index."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the query plan checked is SQLite's")
    boss = make_user(session, "boss", ["vp_channel", "partner"], partner_id=pk(make_partner(session)))
    crud.create_delegation(
        session=session,
        data={
            "user_id": pk(boss),
            "delegate_id": pk(cam),
            "starts_at": NOW,
            "ends_at": NOW + timedelta(days=1),
        },
    )
    session.commit()
    statements: list[tuple[str, object]] = []

    def capture(_c: object, _cur: object, statement: str, parameters: object, *_: object) -> None:
        if "FROM tasks" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        crud.list_inbox(session=session, user=cam, at=NOW, sort="value")
        crud.inbox_counts(session=session, user=cam, at=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(statements) == 3  # the page's total, the page, the counts
    connection = session.connection()
    for statement, parameters in statements:
        plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]  # type: ignore[arg-type]
        scans = [step for step in plan if step.startswith("SCAN tasks")]
        assert scans == [], plan
        assert any("ix_tasks_unclaimed_open_state_role_partner_id" in step for step in plan), plan
