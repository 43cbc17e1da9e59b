"""Task projection: one validated writer (open, reopen, idempotent), slots, closing, claiming."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from parley.errors import NotFound, ValidationFailed
from store import crud
from store.engine import session_scope
from tests.store.factories import NOW, make_partner, make_task, pk


def test_open_is_idempotent_and_refreshes_an_open_task(session: Session) -> None:
    partner = make_partner(session)
    first = make_task(session, "wf-1", partner_id=pk(partner), payload={"why": ["a"]})
    again = make_task(session, "wf-1", title="Approve (updated)", payload={"why": ["a", "b"]})
    session.commit()
    assert pk(again) == pk(first)
    assert again.title == "Approve (updated)"
    assert again.payload == {"why": ["a", "b"]}
    assert again.due_at == NOW + timedelta(hours=8)
    escalated = make_task(session, "wf-1", escalation_level=1, role="regional_channel_director")
    assert pk(escalated) != pk(first)
    assert [t.escalation_level for t in crud.list_process_tasks(session=session, process_id="wf-1")] == [
        0,
        1,
    ]


def test_a_closed_task_opens_again_under_its_identity(session: Session) -> None:
    first = make_task(session, "wf-2")
    closed = crud.close_task(
        session=session,
        process_id="wf-2",
        kind="approval",
        escalation_level=0,
        outcome="approved",
        closed_by="cam",
        on_behalf_of="boss",
        at=NOW,
    )
    assert (closed.state, closed.outcome, closed.closed_at) == ("closed", "approved", NOW)
    # A review that a question paused opens again when the answer comes: same row, open, clean.
    again = make_task(session, "wf-2", title="changed")
    assert pk(again) == pk(first)
    assert (again.state, again.title, again.outcome, again.closed_at, again.closed_by) == (
        "open",
        "changed",
        None,
        None,
        None,
    )
    assert again.on_behalf_of is None


def test_slots_hold_parallel_tasks_of_one_step(session: Session) -> None:
    desk = make_task(session, "wf-9", slot="deal_desk", role="deal_desk")
    money = make_task(session, "wf-9", slot="finance", role="finance")
    assert pk(desk) != pk(money)
    assert make_task(session, "wf-9", slot="finance", role="finance").id == pk(money)
    crud.close_task(
        session=session,
        process_id="wf-9",
        kind="approval",
        escalation_level=0,
        slot="deal_desk",
        outcome="approved",
        closed_by="dee",
    )
    states = {t.slot: t.state for t in crud.list_process_tasks(session=session, process_id="wf-9")}
    assert states == {"deal_desk": "closed", "finance": "open"}
    with pytest.raises(NotFound):
        crud.find_task(session=session, process_id="wf-9", kind="approval", escalation_level=0)


def test_close_is_idempotent_but_refuses_a_different_outcome(session: Session) -> None:
    make_task(session, "wf-3")
    key: dict[str, Any] = {"process_id": "wf-3", "kind": "approval", "escalation_level": 0}
    crud.close_task(session=session, outcome="escalated", **key)
    assert crud.close_task(session=session, outcome="escalated", **key).outcome == "escalated"
    with pytest.raises(ValidationFailed, match="outcome"):
        crud.close_task(session=session, outcome="approved", **key)
    with pytest.raises(ValidationFailed, match="outcome"):
        make_task(session, "wf-4")
        crud.close_task(
            session=session, process_id="wf-4", kind="approval", escalation_level=0, outcome="meh"
        )
    with pytest.raises(NotFound):
        crud.close_task(session=session, outcome="approved", **{**key, "kind": "other"})


def test_close_open_tasks_cancels_only_open_ones(session: Session) -> None:
    make_task(session, "wf-5")
    make_task(session, "wf-5", escalation_level=1)
    crud.close_task(
        session=session, process_id="wf-5", kind="approval", escalation_level=0, outcome="escalated"
    )
    cancelled = crud.close_open_tasks(
        session=session, process_id="wf-5", outcome="cancelled", closed_by="partner"
    )
    assert [t.escalation_level for t in cancelled] == [1]
    outcomes = [t.outcome for t in crud.list_process_tasks(session=session, process_id="wf-5")]
    assert outcomes == ["escalated", "cancelled"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "janitor"}, "role"),
        ({"process_type": "Lunch break"}, "process_type"),
        ({"slot": "x" * 61}, "slot"),
        ({"escalation_level": -1}, "escalation_level"),
        ({"title": ""}, "title"),
        ({"partner_id": 31337}, "partner_id"),
    ],
)
def test_bad_task_names_the_field(session: Session, overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        make_task(session, "wf-bad", **overrides)
    assert caught.value.problems[0].path == field


def test_claim_and_release(session: Session) -> None:
    task = make_task(session, "wf-6")
    assert crud.claim_task(session=session, task_id=pk(task), username="cam").claimed_by == "cam"
    assert crud.claim_task(session=session, task_id=pk(task), username="cam").claimed_by == "cam"
    with pytest.raises(ValidationFailed, match="already claimed by cam"):
        crud.claim_task(session=session, task_id=pk(task), username="other")
    with pytest.raises(ValidationFailed, match="claimed by cam, not other"):
        crud.release_task(session=session, task_id=pk(task), username="other")
    assert crud.release_task(session=session, task_id=pk(task), username="cam").claimed_by is None
    crud.close_task(
        session=session, process_id="wf-6", kind="approval", escalation_level=0, outcome="approved"
    )
    with pytest.raises(ValidationFailed, match="closed"):
        crud.claim_task(session=session, task_id=pk(task), username="cam")
    with pytest.raises(NotFound):
        crud.claim_task(session=session, task_id=10**6, username="cam")


def test_concurrent_claims_of_one_task_have_one_winner(engine: Engine) -> None:
    with session_scope(engine) as session:
        task_id = pk(make_task(session, "wf-7"))
    people = 12
    start = threading.Barrier(people)

    def claim(index: int) -> bool:
        start.wait()
        try:
            with session_scope(engine) as session:
                crud.claim_task(session=session, task_id=task_id, username=f"user{index}")
        except ValidationFailed:
            return False
        return True

    with ThreadPoolExecutor(max_workers=people) as pool:
        assert sum(pool.map(claim, range(people))) == 1


def test_open_retries_racing_leave_one_row(engine: Engine) -> None:
    workers = 10
    start = threading.Barrier(workers)

    def project(_: int) -> int:
        start.wait()
        with session_scope(engine) as session:
            task_id = make_task(session, "wf-8").id
            assert task_id is not None
            return task_id

    with ThreadPoolExecutor(max_workers=workers) as pool:
        assert len(set(pool.map(project, range(workers)))) == 1
