"""``/api/v1/discounts`` through the real discount workflow: a Temporal dev server, a worker
process, and the app under Flask's test client, on SQLite and PostgreSQL.

The live rulebook is the fast test rulebook with discount steps and quotes that last long enough
for a test to act on them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from store.crud import discounts as discounts_crud
from store.crud import users as users_crud
from store.engine import engine_for, session_scope
from tests.fixtures_temporal import TemporalServer
from tests.web.conftest import PASSWORD, api_token, js
from tests.web.live import (
    DiscountPeople,
    Live,
    LiveWorld,
    registration_body,
    seed_discount_people,
    seed_live_world,
    start_live,
    wait_for_open_task,
)
from web import create_app
from web.api.discount_schemas import DiscountOut, DiscountPage

pytestmark = pytest.mark.temporal


@pytest.fixture
def discount_live(
    monkeypatch: pytest.MonkeyPatch,
    temporal_server: TemporalServer,
    parley_database: str,
    task_queue: str,
    tmp_path: Path,
) -> Iterator[Live]:
    stack = start_live(
        monkeypatch,
        temporal_server,
        parley_database,
        task_queue,
        tmp_path,
        discount_sla="600s",
        quote_validity="3600s",
    )
    try:
        yield stack
    finally:
        stack.worker.stop()
        engine_for(parley_database).dispose()


@pytest.fixture
def world(discount_live: Live) -> tuple[LiveWorld, DiscountPeople]:
    return seed_live_world(), seed_discount_people()


@pytest.fixture
def client(world: tuple[LiveWorld, DiscountPeople]) -> FlaskClient:
    return create_app({"TESTING": True}).test_client()


def bearer(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(username)}"}


def approved_registration(client: FlaskClient, name: str = "Initech Holdings", value: float = 200_000) -> str:
    """A registration the rules approve at once (below the auto-approval limit)."""
    key = f"deal-{uuid.uuid4().hex[:8]}"
    response = client.post(
        "/api/v1/registrations", json=registration_body(key, value, name), headers=bearer("pat")
    )
    assert response.status_code == 201, js(response)
    assert js(response)["state"] == ("approved" if value <= 250_000 else "pending_approval")
    return str(js(response)["workflow_id"])


def discount_body(registration_id: str, /, **terms: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "registration_id": registration_id,
        "request_key": f"q-{uuid.uuid4().hex[:8]}",
        "requested_discount": 0.25,
        "deal_value": 200_000,
        "competitor": "Globex",
        "justification": "meet-competitor",
    }
    return {**body, **terms}


def decide(client: FlaskClient, username: str, workflow_id: str, role: str) -> dict[str, Any]:
    """``username`` finds the request's task in their inbox and approves it."""
    listed = js(client.get("/api/v1/tasks", headers=bearer(username)))
    [task] = [t for t in listed["items"] if t["process_id"] == workflow_id]
    assert task["role"] == role and task["process_type"] == "discount"
    assert set(task["decisions"]) == {"approve", "reject", "request_info"}
    response = client.post(
        f"/api/v1/tasks/{task['id']}/decision", json={"outcome": "approve"}, headers=bearer(username)
    )
    assert response.status_code == 200, js(response)
    return dict(js(response))


def problem_field(response: Any) -> str:
    return str(js(response)["error"]["problems"][0]["field"])


def test_parallel_approval_then_a_lower_revision_and_withdrawal(
    client: FlaskClient, world: tuple[LiveWorld, DiscountPeople]
) -> None:
    _, people = world
    registration = approved_registration(client)
    response = client.post("/api/v1/discounts", json=discount_body(registration), headers=bearer("pat"))
    assert response.status_code == 201, js(response)
    created = DiscountOut.model_validate(js(response))
    workflow_id = created.workflow_id
    assert created.state == "pending_approval" and created.chain == [["deal_desk", "finance"]]
    assert {t.role for t in created.open_tasks} == {"deal_desk", "finance"}
    assert created.terms.requested_discount == pytest.approx(0.25) and created.registration_id == registration

    # Another partner: the request does not exist for them, and they cannot change it.
    olga = bearer(people.other_partner_user)
    assert client.get(f"/api/v1/discounts/{workflow_id}", headers=olga).status_code == 404
    lower = {"requested_discount": 0.18, "deal_value": 200_000, "justification": "meet-competitor"}
    for action, body in (("revise", lower), ("withdraw", {}), ("renew", {})):
        refused = client.post(f"/api/v1/discounts/{workflow_id}/{action}", json=body, headers=olga)
        assert refused.status_code == 404 and problem_field(refused) == "workflow_id", action
    assert js(client.get("/api/v1/discounts", headers=olga))["total"] == 0
    mine = js(client.get(f"/api/v1/discounts?registration_id={registration}", headers=olga))
    assert mine["total"] == 0
    theirs = client.get(f"/api/v1/discounts?partner_id={created.partner_id}", headers=olga)
    assert theirs.status_code == 403

    # The two parallel tasks, one in each approver's inbox, both approved through the API.
    wait_for_open_task(workflow_id, "deal_desk")
    wait_for_open_task(workflow_id, "finance")
    first = decide(client, people.deal_desk, workflow_id, "deal_desk")
    assert first["process_state"] == "pending_approval"
    second = decide(client, people.finance, workflow_id, "finance")
    assert second["process_state"] == "approved"

    seen = DiscountOut.model_validate(
        js(client.get(f"/api/v1/discounts/{workflow_id}", headers=bearer("pat")))
    )
    assert seen.state == "approved" and seen.valid_until is not None and seen.open_tasks == []
    assert seen.standard_discount == pytest.approx(0.17) and seen.total_discount == pytest.approx(0.42)
    assert {a.role for a in seen.approvals} == {"deal_desk", "finance"}
    # The partner sees which roles approved and when, never the approvers' names.
    assert all(a.by is None and a.on_behalf_of is None for a in seen.approvals)
    actors = {h.actor for h in seen.history}
    assert not actors & {people.deal_desk, people.finance} and {"deal_desk", "finance"} & actors
    staff = DiscountOut.model_validate(
        js(client.get(f"/api/v1/discounts/{workflow_id}", headers=bearer(people.finance)))
    )
    assert {a.by for a in staff.approvals} == {people.deal_desk, people.finance}
    assert js(client.get(f"/api/v1/registrations/{registration}", headers=bearer("pat")))["discounts"] == [
        workflow_id
    ]
    listed = DiscountPage.model_validate(js(client.get("/api/v1/discounts", headers=bearer("pat"))))
    assert [(r.workflow_id, r.state) for r in listed.items] == [(workflow_id, "approved")]

    # Lower on approved pricing: approved at once, quotable until the same date.
    response = client.post(f"/api/v1/discounts/{workflow_id}/revise", json=lower, headers=bearer("pat"))
    assert response.status_code == 200, js(response)
    revised = DiscountOut.model_validate(js(response))
    assert revised.state == "approved" and revised.valid_until == seen.valid_until
    assert revised.terms.requested_discount == pytest.approx(0.18)
    assert revised.revisions[-1].asked_again == []

    response = client.post(
        f"/api/v1/discounts/{workflow_id}/withdraw",
        json={"comment": "deal fell through"},
        headers=bearer("pat"),
    )
    assert response.status_code == 200, js(response)
    withdrawn = DiscountOut.model_validate(js(response))
    assert withdrawn.state == "withdrawn" and withdrawn.ended_because == "deal fell through"
    again = client.post(f"/api/v1/discounts/{workflow_id}/withdraw", json={}, headers=bearer("pat"))
    assert again.status_code == 409 and problem_field(again) == "workflow_id"
    assert js(client.get(f"/api/v1/discounts/{workflow_id}", headers=bearer("pat")))["state"] == "withdrawn"


def test_bad_requests_name_the_field_and_store_nothing(
    client: FlaskClient, world: tuple[LiveWorld, DiscountPeople]
) -> None:
    live_world, people = world
    registration = approved_registration(client)
    pending = approved_registration(client, name="Umbrella Labs", value=300_000)
    pat = bearer("pat")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"requested_discount": 1.5}, "requested_discount"),
        ({"requested_discount": -0.1}, "requested_discount"),
        ({"requested_discount": "0.25"}, "requested_discount"),
        ({"requested_discount": True}, "requested_discount"),
        ({"deal_value": 0}, "deal_value"),
        ({"deal_value": -5}, "deal_value"),
        ({"deal_value": 1e13}, "deal_value"),
        ({"request_key": "bad key"}, "request_key"),
        ({"request_key": ""}, "request_key"),
        ({"competitor": "Globex\x00"}, "competitor"),
        ({"justification": "x" * 2001}, "justification"),
        ({"colour": "red"}, "colour"),
        ({"registration_id": "registration-999999-nope"}, "registration_id"),
        ({"registration_id": pending}, "registration_id"),  # not approved (yet)
        ({"requested_discount": 0.6}, "requested_discount"),  # above what any approver may grant
        ({"requested_discount": 0.25, "justification": " "}, "justification"),
    ]
    for change, field in cases:
        response = client.post("/api/v1/discounts", json=discount_body(registration, **change), headers=pat)
        assert response.status_code == 422, (change, js(response))
        assert problem_field(response) == field, (change, js(response))
    body = discount_body(registration)
    del body["deal_value"]
    response = client.post("/api/v1/discounts", json=body, headers=pat)
    assert response.status_code == 422 and problem_field(response) == "deal_value"
    # Another partner's registration looks exactly like one that does not exist.
    olga = client.post("/api/v1/discounts", json=discount_body(registration), headers=bearer("olga"))
    assert olga.status_code == 422 and problem_field(olga) == "registration_id"
    assert "no such registration" in js(olga)["error"]["message"]
    # Who may ask: partner users for their own partner, integrators for the partner they name.
    response = client.post(
        "/api/v1/discounts",
        json=discount_body(registration, partner_id=people.other_partner_id),
        headers=pat,
    )
    assert response.status_code == 403 and problem_field(response) == "partner_id"
    # An approver's roles hold no scope that requests discounts: refused at the door.
    response = client.post("/api/v1/discounts", json=discount_body(registration), headers=bearer("cam"))
    assert response.status_code == 403 and problem_field(response) == "role"
    with session_scope() as db:
        users_crud.create_user(
            session=db,
            data={"username": "ops", "display_name": "Ops", "password": PASSWORD, "roles": ["partner_ops"]},
        )
    ops = bearer("ops")
    response = client.post("/api/v1/discounts", json=discount_body(registration), headers=ops)
    assert response.status_code == 422 and problem_field(response) == "partner_id"
    with session_scope() as db:
        assert discounts_crud.list_discounts(session=db).total == 0
    assert js(client.get("/api/v1/discounts", headers=pat))["total"] == 0

    response = client.post(
        "/api/v1/discounts",
        json=discount_body(registration, requested_discount=0.05, partner_id=live_world.partner_id),
        headers=ops,
    )
    assert response.status_code == 201, js(response)
    automatic = DiscountOut.model_validate(js(response))
    assert automatic.state == "approved" and automatic.chain == []
    # A retry with the same key finds the same process (200: nothing new was started); other
    # terms under that key are a different request, refused naming each field that differs.
    retry = client.post(
        "/api/v1/discounts",
        json={**discount_body(registration, requested_discount=0.05), "request_key": automatic.request_key},
        headers=pat,
    )
    assert retry.status_code == 200 and js(retry)["workflow_id"] == automatic.workflow_id
    key = automatic.request_key
    other_terms = {**discount_body(registration, requested_discount=0.06), "request_key": key}
    conflict = client.post("/api/v1/discounts", json=other_terms, headers=pat)
    assert conflict.status_code == 409, js(conflict)
    assert [p["field"] for p in js(conflict)["error"]["problems"]] == ["requested_discount"]
    url = f"/api/v1/discounts/{automatic.workflow_id}/revise"
    terms = {"requested_discount": 0.05, "deal_value": 200_000}
    for change, field in (
        ({"requested_discount": 0.7}, "requested_discount"),  # above what any approver may grant
        ({"requested_discount": 1.2}, "requested_discount"),
        ({"requested_discount": 0.3, "justification": ""}, "justification"),
        ({"deal_value": "lots"}, "deal_value"),
        ({"deal_value": None}, "deal_value"),
        ({"requested_discount": 0.04, "comment": "x\x00"}, "comment"),
    ):
        response = client.post(url, json={**terms, **change}, headers=pat)
        assert response.status_code == 422, (change, js(response))
        assert problem_field(response) == field, (change, js(response))
    response = client.post(url, json={"comment": "only a comment"}, headers=pat)
    assert response.status_code == 422 and problem_field(response) == "requested_discount"
    assert client.post(url, json=terms, headers=bearer("cam")).status_code == 403
    view = js(client.get(f"/api/v1/discounts/{automatic.workflow_id}", headers=pat))
    assert view["revisions"] == [] and view["terms"]["requested_discount"] == pytest.approx(0.05)
    with session_scope() as db:
        assert discounts_crud.list_discounts(session=db).total == 1
    # No question is open: an answer is refused by the process, naming why.
    answer = client.post(
        f"/api/v1/discounts/{automatic.workflow_id}/info", json={"answer": "Globex at 30%"}, headers=pat
    )
    assert answer.status_code == 409 and problem_field(answer) == "workflow_id"
    renewed = client.post(f"/api/v1/discounts/{automatic.workflow_id}/renew", json={}, headers=pat)
    assert renewed.status_code == 200, js(renewed)
    view = js(client.get(f"/api/v1/discounts/{automatic.workflow_id}", headers=pat))
    assert view["state"] == "approved" and view["history"][-1]["action"] == "discount.approved"
    assert "discount.renewal_requested" in [h["action"] for h in view["history"]]
    assert client.get("/api/v1/discounts/no-such-request", headers=pat).status_code == 404
    assert client.get("/api/v1/discounts?state=bogus", headers=pat).status_code == 400


def test_an_unreachable_service_is_a_503_and_nothing_changes(
    client: FlaskClient, world: tuple[LiveWorld, DiscountPeople], discount_live: Live
) -> None:
    registration = approved_registration(client)
    created = js(client.post("/api/v1/discounts", json=discount_body(registration), headers=bearer("pat")))
    discount_live.worker.stop()
    started = time.monotonic()
    response = client.post(
        f"/api/v1/discounts/{created['workflow_id']}/withdraw", json={}, headers=bearer("pat")
    )
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert time.monotonic() - started < 15
    with session_scope() as db:
        row = discounts_crud.get_discount(session=db, workflow_id=created["workflow_id"])
    assert row.state == "pending_approval"
