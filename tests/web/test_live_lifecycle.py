"""A registration's life through the API and the inbox: request more information, the partner's
answer, approval, an extension asked too early, close won, and a withdrawal."""

from __future__ import annotations

import uuid

import pytest
from flask.testing import FlaskClient

from tests.web.conftest import api_token, csrf_token, js, sign_in
from tests.web.live import Live, registration_body, seed_live_world, wait_for_open_task
from web import create_app

pytestmark = pytest.mark.temporal


@pytest.fixture
def client(live: Live) -> FlaskClient:
    seed_live_world()
    return create_app({"TESTING": True}).test_client()




def test_request_info_answer_approve_extend_close(client: FlaskClient) -> None:
    partner = {"Authorization": f"Bearer {api_token('pat')}"}
    created = client.post(
        "/api/v1/registrations", json=registration_body(f"life-{uuid.uuid4().hex[:8]}"), headers=partner
    )
    workflow_id = js(created)["workflow_id"]
    review = wait_for_open_task(workflow_id, "channel_account_manager")

    sign_in(client, "cam")
    token = csrf_token(client, f"/inbox/tasks/{review.id}")
    page = client.post(
        f"/inbox/tasks/{review.id}/decide",
        data={"outcome": "request_info", "comment": "Which business unit is buying?", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "The registration is now info requested." in page

    pending = js(client.get(f"/api/v1/registrations/{workflow_id}", headers=partner))
    assert pending["state"] == "info_requested"
    assert pending["open_task"]["question"] == "Which business unit is buying?"
    answered = client.post(
        f"/api/v1/registrations/{workflow_id}/info",
        json={"answer": "Radiology,\nPacific region"},  # an answer may run over several lines
        headers=partner,
    )
    assert answered.status_code == 200, js(answered)
    assert js(answered)["state"] == "pending_approval"

    again = wait_for_open_task(workflow_id, "channel_account_manager")
    decided = client.post(
        f"/api/v1/tasks/{again.id}/decision",
        json={"outcome": "approve", "comment": "Answer checks out"},
        headers={"Authorization": f"Bearer {api_token('cam')}"},
    )
    assert js(decided)["process_state"] == "approved"

    extended = js(client.post(f"/api/v1/registrations/{workflow_id}/extend", json={}, headers=partner))
    assert extended["extensions"][-1]["granted"] is False
    assert extended["history"][-1]["action"] == "extension.refused"
    assert extended["history"][-1]["reason_codes"] == ["extension.too_early"]

    closed = client.post(
        f"/api/v1/registrations/{workflow_id}/close", json={"outcome": "won"}, headers=partner
    )
    assert js(closed)["state"] == "won"
    refused = client.post(f"/api/v1/registrations/{workflow_id}/withdraw", json={}, headers=partner)
    assert refused.status_code == 409 and js(refused)["error"]["problems"][0]["field"] == "workflow_id"


def test_partner_withdraws_and_the_review_task_is_gone(client: FlaskClient) -> None:
    partner = {"Authorization": f"Bearer {api_token('pat')}"}
    created = client.post(
        "/api/v1/registrations", json=registration_body(f"wd-{uuid.uuid4().hex[:8]}"), headers=partner
    )
    workflow_id = js(created)["workflow_id"]
    review = wait_for_open_task(workflow_id, "channel_account_manager")
    withdrawn = client.post(
        f"/api/v1/registrations/{workflow_id}/withdraw", json={"comment": "Customer paused"}, headers=partner
    )
    assert js(withdrawn)["state"] == "withdrawn"
    sign_in(client, "cam")
    token = csrf_token(client, "/inbox/")
    page = client.post(
        f"/inbox/tasks/{review.id}/decide",
        data={"outcome": "approve", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "This task is no longer open" in page
    other = {"Authorization": f"Bearer {api_token('cam')}"}
    assert (
        client.post(f"/api/v1/registrations/{workflow_id}/withdraw", json={}, headers=other).status_code
        == 403
    )
