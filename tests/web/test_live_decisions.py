"""Decisions through the real registration workflow: a Temporal dev server, a worker process,
and the app under Flask's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from store.crud import records as records_crud
from store.crud import registrations as registrations_crud
from store.crud import tasks as tasks_crud
from store.engine import session_scope
from store.models.tasks import Task
from tests.web.conftest import api_token, csrf_token, js, sign_in
from tests.web.live import Live, LiveWorld, registration_body, seed_live_world
from web import create_app

pytestmark = pytest.mark.temporal


@pytest.fixture
def world(live: Live) -> LiveWorld:
    return seed_live_world(dual_role_user=True)


@pytest.fixture
def client(world: LiveWorld) -> FlaskClient:
    return create_app({"TESTING": True}).test_client()


def bearer(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(username)}"}


def submit(
    client: FlaskClient, key: str, username: str = "pat", name: str = "Initech Holdings"
) -> dict[str, Any]:
    # Workflow ids derive from (partner id, request key) and the Temporal server outlives each
    # test database, so keys are unique per run.
    key = f"{key}-{uuid.uuid4().hex[:8]}"
    response = client.post(
        "/api/v1/registrations", json=registration_body(key, name=name), headers=bearer(username)
    )
    assert response.status_code == 201, js(response)
    return dict(js(response))


def open_task(workflow_id: str) -> Task:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with session_scope() as db:
            tasks = tasks_crud.list_process_tasks(session=db, process_id=workflow_id, state="open")
        if tasks:
            return tasks[0]
        time.sleep(0.1)
    raise AssertionError(f"no open task for {workflow_id}")


def test_approve_in_the_inbox_shows_the_outcome_and_the_partner_status(client: FlaskClient) -> None:
    created = submit(client, "deal-1")
    assert created["state"] == "pending_approval"
    task = open_task(str(created["workflow_id"]))
    assert task.role == "channel_account_manager"

    sign_in(client, "cam")
    assert "Initech Holdings" in client.get("/inbox/").get_data(as_text=True)
    token = csrf_token(client, f"/inbox/tasks/{task.id}")
    response = client.post(
        f"/inbox/tasks/{task.id}/decide",
        data={"outcome": "approve", "comment": "Clean account", "csrf_token": token},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Decision recorded. The registration is now approved." in page
    assert 'data-testid="task-outcome">approved' in page

    with session_scope() as db:
        row = registrations_crud.get_registration(session=db, workflow_id=str(created["workflow_id"]))
        events = records_crud.list_audit_events(session=db, process_id=row.workflow_id).items
    assert row.state == "approved"
    assert any(e.actor == "cam" and e.after_state == "approved" for e in events)

    partner = create_app({"TESTING": True}).test_client()
    sign_in(partner, "pat")
    assert ">approved<" in partner.get(f"/registrations/{row.workflow_id}").get_data(as_text=True)


def test_self_approval_is_refused_and_nothing_changes(client: FlaskClient) -> None:
    created = submit(client, "deal-2", username="dual")
    task = open_task(str(created["workflow_id"]))
    sign_in(client, "dual")
    token = csrf_token(client, f"/inbox/tasks/{task.id}")
    response = client.post(
        f"/inbox/tasks/{task.id}/decide",
        data={"outcome": "approve", "csrf_token": token},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Refused:" in page and "Traceback" not in page
    with session_scope() as db:
        assert tasks_crud.get_task(session=db, task_id=task.id or 0).state == "open"


def test_decision_through_the_api_and_the_registration_view(client: FlaskClient) -> None:
    created = submit(client, "deal-3")
    workflow_id = str(created["workflow_id"])
    task = open_task(workflow_id)
    headers = bearer("cam")
    listed = js(client.get("/api/v1/tasks", headers=headers))
    assert [t["id"] for t in listed["items"]] == [task.id]
    response = client.post(
        f"/api/v1/tasks/{task.id}/decision",
        json={"outcome": "reject", "comment": "Direct owns it"},
        headers=headers,
    )
    assert response.status_code == 200, js(response)
    assert js(response)["process_state"] == "rejected" and js(response)["task"]["outcome"] == "rejected"
    again = client.post(f"/api/v1/tasks/{task.id}/decision", json={"outcome": "approve"}, headers=headers)
    assert again.status_code == 409 and "no longer open" in js(again)["error"]["message"]
    view = js(client.get(f"/api/v1/registrations/{workflow_id}", headers=bearer("pat")))
    assert view["state"] == "rejected" and view["history"][-1]["actor"] == "cam"


def test_delegate_decides_and_the_audit_names_both(client: FlaskClient, world: LiveWorld) -> None:
    from datetime import timedelta

    from store.crud import users as users_crud
    from store.models.types import utcnow

    with session_scope() as db:
        cam = users_crud.get_user_by_username(session=db, username="cam")
        finance = users_crud.get_user_by_username(session=db, username="finance")
        assert cam is not None and finance is not None
        users_crud.create_delegation(
            session=db,
            data={
                "user_id": cam.id,
                "delegate_id": finance.id,
                "starts_at": utcnow() - timedelta(minutes=1),
                "ends_at": utcnow() + timedelta(hours=1),
            },
        )
    created = submit(client, "deal-4")
    task = open_task(str(created["workflow_id"]))
    sign_in(client, "finance")
    token = csrf_token(client, f"/inbox/tasks/{task.id}")
    client.post(f"/inbox/tasks/{task.id}/decide", data={"outcome": "approve", "csrf_token": token})
    with session_scope() as db:
        closed = tasks_crud.get_task(session=db, task_id=task.id or 0)
        events = records_crud.list_audit_events(session=db, process_id=task.process_id).items
    assert (closed.outcome, closed.closed_by, closed.on_behalf_of) == ("approved", "finance", "cam")
    assert any(e.actor == "finance" and e.on_behalf_of == "cam" for e in events)
    page = client.get(f"/registrations/{task.process_id}").get_data(as_text=True)
    assert "by finance on behalf of cam" in page


def test_bulk_approve_reports_each_task(client: FlaskClient) -> None:
    first = open_task(str(submit(client, "deal-5", name="Globex Clinics")["workflow_id"]))
    second = open_task(str(submit(client, "deal-6", name="Umbrella Labs")["workflow_id"]))
    sign_in(client, "cam")
    token = csrf_token(client, "/inbox/")
    response = client.post(
        "/inbox/bulk",
        data={"task_id": [str(first.id), str(second.id), "999999"], "csrf_token": token},
    )
    page = response.get_data(as_text=True)
    assert "2 of 3 approved." in page and "not in your queues" in page
    with session_scope() as db:
        assert {tasks_crud.get_task(session=db, task_id=t.id or 0).outcome for t in (first, second)} == {
            "approved"
        }


def test_worker_down_answers_quickly_and_records_nothing(client: FlaskClient, live: Live) -> None:
    created = submit(client, "deal-7")
    task = open_task(str(created["workflow_id"]))
    live.worker.stop()
    sign_in(client, "cam")
    token = csrf_token(client, f"/inbox/tasks/{task.id}")
    started = time.monotonic()
    response = client.post(
        f"/inbox/tasks/{task.id}/decide",
        data={"outcome": "approve", "csrf_token": token},
        follow_redirects=True,
    )
    elapsed = time.monotonic() - started
    assert "The approval service is not available, try again" in response.get_data(as_text=True)
    assert elapsed < 15
    api = client.post(f"/api/v1/tasks/{task.id}/decision", json={"outcome": "approve"}, headers=bearer("cam"))
    assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    # The client bounds delivery (not_after = sent + rpc timeout + 2 s): once that has passed, a
    # worker that comes back must not apply the updates the caller was told to retry.
    time.sleep(8)
    live.worker.start()
    time.sleep(2)
    with session_scope() as db:
        assert tasks_crud.get_task(session=db, task_id=task.id or 0).state == "open"
        events = records_crud.list_audit_events(session=db, process_id=task.process_id).items
    assert not any(e.actor == "cam" for e in events)
