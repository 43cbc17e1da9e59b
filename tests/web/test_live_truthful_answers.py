"""Truthful answers through the real processes (issue 19): a start that is recorded but not yet
decided answers 202 with where to read it, a request key names one submission, and a decision
that lost a race says whose decision won. A Temporal dev server, a worker process, the app under
Flask's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from parley.settings import get_settings
from store.crud import registrations as registrations_crud
from store.engine import session_scope
from tests.web.conftest import api_token, js
from tests.web.live import Live, LiveWorld, registration_body, seed_live_world, wait_for_open_task
from web import create_app, deciding

pytestmark = pytest.mark.temporal


@pytest.fixture
def world(live: Live) -> LiveWorld:
    return seed_live_world()


@pytest.fixture
def client(world: LiveWorld) -> FlaskClient:
    return create_app({"TESTING": True}).test_client()


def bearer(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(username)}"}


def unique(key: str) -> str:
    # The Temporal server outlives each test database: keys are unique per run.
    return f"{key}-{uuid.uuid4().hex[:8]}"


def test_same_key_same_body_is_the_original_and_a_different_body_is_409(client: FlaskClient) -> None:
    body = {**registration_body(unique("idem")), "notes": "Pilot agreed with procurement."}
    headers = bearer("pat")
    first = client.post("/api/v1/registrations", json=body, headers=headers)
    assert first.status_code == 201, js(first)
    assert js(first)["notes"] == "Pilot agreed with procurement."

    again = client.post("/api/v1/registrations", json=body, headers=headers)
    assert again.status_code == 200, js(again)
    assert js(again)["workflow_id"] == js(first)["workflow_id"]

    changed = {**body, "account_name": "Initrode Holdings", "deal_value": 400_000}
    conflict = client.post("/api/v1/registrations", json=changed, headers=headers)
    assert conflict.status_code == 409, js(conflict)
    error = js(conflict)["error"]
    assert [p["field"] for p in error["problems"]] == ["account_name", "deal_value"]
    assert "'Initech Holdings'" in error["problems"][0]["message"]
    assert body["request_key"] in error["message"]

    # The one on file is unchanged, and its reader reads the partner's notes.
    view = js(client.get(f"/api/v1/registrations/{js(first)['workflow_id']}", headers=headers))
    assert (view["account_name"], view["deal_value"]) == ("Initech Holdings", 300_000)
    assert view["notes"] == "Pilot agreed with procurement."


def test_a_discount_request_key_names_one_request(client: FlaskClient) -> None:
    headers = bearer("pat")
    registration = client.post(
        "/api/v1/registrations", json=registration_body(unique("priced"), 200_000), headers=headers
    )
    assert js(registration)["state"] == "approved", js(registration)
    body = {
        "registration_id": js(registration)["workflow_id"],
        "request_key": unique("q"),
        "requested_discount": 0.05,
        "deal_value": 200_000,
        "competitor": "Globex",
        "justification": "meet-competitor",
    }
    first = client.post("/api/v1/discounts", json=body, headers=headers)
    assert first.status_code == 201, js(first)
    again = client.post("/api/v1/discounts", json=body, headers=headers)
    assert again.status_code == 200 and js(again)["workflow_id"] == js(first)["workflow_id"]
    changed = {**body, "requested_discount": 0.06, "competitor": "Initrode"}
    conflict = client.post("/api/v1/discounts", json=changed, headers=headers)
    assert conflict.status_code == 409, js(conflict)
    problems = js(conflict)["error"]["problems"]
    assert [p["field"] for p in problems] == ["requested_discount", "competitor"]


def test_a_start_not_decided_in_the_wait_is_202_with_its_url_and_decides_later(
    client: FlaskClient, live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_DECISION_WAIT_SECONDS", "1")
    get_settings.cache_clear()
    body = registration_body(unique("slow"))
    headers = bearer("pat")
    live.worker.stop()  # nobody decides: the process is recorded, its decision waits
    started = time.monotonic()
    response = client.post("/api/v1/registrations", json=body, headers=headers)
    assert time.monotonic() - started < 8
    assert response.status_code == 202, js(response)
    answer = js(response)
    url = f"/api/v1/registrations/{answer['workflow_id']}"
    assert answer["url"] == url and response.headers["Location"].endswith(url)
    assert answer["state"] == "submitted"
    assert "recorded" in answer["message"] and "Nothing was recorded" not in answer["message"]

    # A retry with the same key finds the same process: no duplicate.
    retry = client.post("/api/v1/registrations", json=body, headers=headers)
    assert retry.status_code == 202 and js(retry)["workflow_id"] == answer["workflow_id"]

    live.worker.start()
    deadline = time.monotonic() + 30
    while True:
        read = client.get(url, headers=headers)
        if read.status_code == 200 and js(read)["state"] != "submitted":
            break
        assert time.monotonic() < deadline, (read.status_code, js(read))
        time.sleep(0.3)
    assert js(read)["state"] == "pending_approval"
    with session_scope() as db:
        rows = registrations_crud.list_registrations(session=db, partner_id=None, account="Initech")
        assert [r.request_key for r in rows.items].count(body["request_key"]) == 1


def _pending(client: FlaskClient, key: str) -> tuple[str, int]:
    response = client.post(
        "/api/v1/registrations", json=registration_body(unique(key)), headers=bearer("pat")
    )
    assert response.status_code == 201, js(response)
    workflow_id = str(js(response)["workflow_id"])
    task = wait_for_open_task(workflow_id, "channel_account_manager")
    assert task.id is not None
    return workflow_id, task.id


WHEN = r"at \d\d:\d\d UTC"


def test_a_decision_that_lost_the_race_says_who_decided_what(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, task_id = _pending(client, "race")
    won = client.post(
        f"/api/v1/tasks/{task_id}/decision", json={"outcome": "reject", "comment": "Direct owns it"},
        headers=bearer("cam"),
    )  # fmt: skip
    assert won.status_code == 200, js(won)
    # The loser read the task while it was still open: its decision reaches the process, which
    # has ended since (the rejection was final).
    monkeypatch.setattr(deciding, "precheck", lambda *args: None)
    lost = client.post(
        f"/api/v1/tasks/{task_id}/decision", json={"outcome": "approve"}, headers=bearer("cam2")
    )
    assert lost.status_code == 409, js(lost)
    message = js(lost)["error"]["message"]
    assert re.search(rf"task {task_id} was already decided: rejected by cam {WHEN}", message), message
    assert "not found" not in message


def test_simultaneous_decisions_tell_the_loser_the_winners_decision(client: FlaskClient) -> None:
    _, task_id = _pending(client, "tie")
    decisions = {"cam": {"outcome": "reject", "comment": "Direct owns it"}, "cam2": {"outcome": "approve"}}
    tokens = {name: bearer(name) for name in decisions}
    answers: dict[str, Any] = {}
    gate = threading.Barrier(len(decisions))

    def decide(name: str) -> None:
        own = create_app({"TESTING": True}).test_client()
        gate.wait()
        answers[name] = own.post(
            f"/api/v1/tasks/{task_id}/decision", json=decisions[name], headers=tokens[name]
        )

    threads = [threading.Thread(target=decide, args=(name,)) for name in decisions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    codes = {name: response.status_code for name, response in answers.items()}
    assert sorted(codes.values()) == [200, 409], {n: js(r) for n, r in answers.items()}
    winner = next(name for name, code in codes.items() if code == 200)
    loser = next(name for name, code in codes.items() if code == 409)
    word = "rejected" if decisions[winner]["outcome"] == "reject" else "approved"
    message = js(answers[loser])["error"]["message"]
    assert f"{word} by {winner}" in message, message
    assert "not found" not in message
