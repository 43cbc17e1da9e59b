"""Audit events and notifications: written once per idempotency key, listed in order."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from parley.errors import ValidationFailed
from store import crud
from store.engine import session_scope
from tests.store.factories import NOW, pk


def _event(key: str, **overrides: object) -> dict[str, object]:
    event: dict[str, object] = {
        "process_type": "registration",
        "process_id": "wf-1",
        "actor": "rule:conflict.first_to_register",
        "action": "decided",
        "rulebook_version": "2026.1",
        "reason_codes": ["conflict.first_to_register"],
        "before_state": "submitted",
        "after_state": "rejected",
        "detail": {"holder": "wf-0"},
        "idempotency_key": key,
        "at": NOW,
    }
    return {**event, **overrides}


def test_audit_is_written_once_per_key_and_listed_in_order(session: Session) -> None:
    first = crud.append_audit_event(session=session, data=_event("wf-1/decided"))
    retry = crud.append_audit_event(session=session, data=_event("wf-1/decided", actor="someone"))
    assert pk(retry) == pk(first) and retry.actor == first.actor
    crud.append_audit_event(
        session=session,
        data=_event("wf-1/earlier", at=NOW - timedelta(minutes=1), actor="cam", on_behalf_of="boss"),
    )
    crud.append_audit_event(session=session, data=_event("wf-2/x", process_id="wf-2"))
    session.commit()
    timeline = crud.list_audit_events(session=session, process_id="wf-1")
    assert [e.idempotency_key for e in timeline.items] == ["wf-1/earlier", "wf-1/decided"]
    assert timeline.items[1].detail == {"holder": "wf-0"}
    assert timeline.items[1].reason_codes == ["conflict.first_to_register"]
    assert timeline.items[1].at == NOW
    assert crud.list_audit_events(session=session, actor="cam").items[0].on_behalf_of == "boss"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"process_type": "Party time"}, "process_type"),
        ({"actor": ""}, "actor"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"reason_codes": "not-a-list"}, "reason_codes"),
    ],
)
def test_bad_audit_event_names_the_field(session: Session, overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        crud.append_audit_event(session=session, data=_event("k", **overrides))
    assert caught.value.problems[0].path == field


def test_concurrent_retries_write_one_audit_event(engine: Engine) -> None:
    writers = 10
    start = threading.Barrier(writers)

    def write(_: int) -> int:
        start.wait()
        with session_scope(engine) as session:
            event = crud.append_audit_event(session=session, data=_event("same-key"))
            assert pk(event) is not None
            return pk(event)

    with ThreadPoolExecutor(max_workers=writers) as pool:
        assert len(set(pool.map(write, range(writers)))) == 1


def test_notifications(session: Session) -> None:
    base = {
        "event_type": "task.escalated",
        "subject": "Task escalated",
        "process_id": "wf-1",
        "event_key": "e1",
    }
    first = crud.append_notification(
        session=session, data={**base, "recipient_role": "vp_channel", "idempotency_key": "n1"}
    )
    again = crud.append_notification(
        session=session, data={**base, "recipient_role": "vp_channel", "idempotency_key": "n1"}
    )
    assert pk(again) == pk(first)
    crud.append_notification(
        session=session,
        data={**base, "event_type": "task.sla_warning", "recipient_user": "pat", "idempotency_key": "n2"},
    )
    session.commit()
    assert crud.list_notifications(session=session, process_id="wf-1").total == 2
    assert crud.list_notifications(session=session, recipient_role="vp_channel").total == 1
    [pats] = crud.list_notifications(session=session, recipient_user="pat").items
    assert pats.event_type == "task.sla_warning"
    assert crud.list_notifications(session=session, event_type="registration.decided").total == 0
    with pytest.raises(ValidationFailed, match="recipient_role"):
        crud.append_notification(session=session, data={**base, "idempotency_key": "n3"})
    with pytest.raises(ValidationFailed, match="event_type"):
        crud.append_notification(
            session=session,
            data={**base, "event_type": "gossip", "recipient_user": "x", "idempotency_key": "n4"},
        )
