"""An SLA that passes moves the task to the next level: the next approver sees it, and the
first one gets a clear "escalated" message instead of deciding a stale task."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from store.engine import engine_for
from tests.fixtures_temporal import TemporalServer
from tests.web.conftest import api_token, csrf_token, js, sign_in
from tests.web.live import Live, registration_body, seed_live_world, start_live, wait_for_open_task
from web import create_app

pytestmark = pytest.mark.temporal


@pytest.fixture
def short_sla(
    monkeypatch: pytest.MonkeyPatch,
    temporal_server: TemporalServer,
    parley_database: str,
    task_queue: str,
    tmp_path: Path,
) -> Iterator[Live]:
    stack = start_live(monkeypatch, temporal_server, parley_database, task_queue, tmp_path, first_sla="3s")
    try:
        yield stack
    finally:
        stack.worker.stop()
        engine_for(parley_database).dispose()




def test_escalated_task_reaches_the_next_level(short_sla: Live) -> None:
    seed_live_world()
    client: FlaskClient = create_app({"TESTING": True}).test_client()
    body = registration_body(f"esc-{uuid.uuid4().hex[:8]}")
    created = client.post(
        "/api/v1/registrations", json=body, headers={"Authorization": f"Bearer {api_token('pat')}"}
    )
    assert created.status_code == 201, js(created)
    workflow_id = js(created)["workflow_id"]
    first = wait_for_open_task(workflow_id, "channel_account_manager", timeout=5)

    second = wait_for_open_task(workflow_id, "regional_channel_director")
    assert second.escalation_level == 1

    sign_in(client, "cam")
    token = csrf_token(client, "/inbox/")
    page = client.post(
        f"/inbox/tasks/{first.id}/decide",
        data={"outcome": "approve", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "This task is no longer open: it was escalated" in page
    assert "Initech Holdings" not in client.get("/inbox/").get_data(as_text=True)

    director = create_app({"TESTING": True}).test_client()
    sign_in(director, "director")
    inbox = director.get("/inbox/").get_data(as_text=True)
    assert "Initech Holdings" in inbox and "escalated to level 2" in inbox
    token = csrf_token(director, "/inbox/")
    page = director.post(
        f"/inbox/tasks/{second.id}/decide",
        data={"outcome": "approve", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "The registration is now approved." in page
