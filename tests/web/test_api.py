"""The JSON API without a running process: tokens, inbox, errors, limits, audit, the document."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from store.crud import records as records_crud
from store.engine import session_scope
from tests.web.conftest import World, api_token, csrf_token, js, sign_in
from web.api.openapi import document


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_calls_without_or_with_a_wrong_token_are_refused(client: FlaskClient, world: World) -> None:
    response = client.get("/api/v1/tasks")
    assert response.status_code == 401
    assert js(response)["error"]["problems"][0]["field"] == "Authorization"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/tasks", headers=bearer("prl_not-a-token")).status_code == 401
    assert client.get("/api/v1/tasks", headers={"Authorization": "Basic abc"}).status_code == 401


def test_a_revoked_token_is_refused(client: FlaskClient, world: World) -> None:
    from store.crud import users as users_crud

    token = api_token("cam")
    assert js(client.get("/api/v1/me", headers=bearer(token)))["username"] == "cam"
    with session_scope() as db:
        (row,) = users_crud.list_api_tokens(session=db, user_id=world.users["cam"])
        users_crud.revoke_api_token(session=db, token_id=row.id or 0)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_task_list_is_my_inbox_with_queue_and_filters(client: FlaskClient, world: World) -> None:
    headers = bearer(api_token("cam"))
    body = js(client.get("/api/v1/tasks?sort=value", headers=headers))
    assert [t["title"] for t in body["items"]] == ["Review Acme Health", "Review Globex Clinics"]
    assert body["items"][0]["queue"] == "role:channel_account_manager"
    overdue = js(client.get("/api/v1/tasks?overdue=true", headers=headers))
    assert [t["id"] for t in overdue["items"]] == [world.tasks["globex"]]


def test_another_role_gets_404_for_the_task_and_its_decision(client: FlaskClient, world: World) -> None:
    headers = bearer(api_token("finance"))
    assert client.get(f"/api/v1/tasks/{world.tasks['acme']}", headers=headers).status_code == 404
    response = client.post(
        f"/api/v1/tasks/{world.tasks['acme']}/decision", json={"outcome": "approve"}, headers=headers
    )
    assert response.status_code == 404 and js(response)["error"]["problems"][0]["field"] == "task_id"


def test_a_partner_user_cannot_decide(client: FlaskClient, world: World) -> None:
    response = client.post(
        f"/api/v1/tasks/{world.tasks['acme']}/decision",
        json={"outcome": "approve"},
        headers=bearer(api_token("pat_partner")),
    )
    assert response.status_code == 403


def test_bad_bodies_are_4xx_naming_the_field(client: FlaskClient, world: World) -> None:
    headers = bearer(api_token("cam"))
    url = f"/api/v1/tasks/{world.tasks['acme']}/decision"
    response = client.post(url, json={"outcome": "maybe"}, headers=headers)
    assert response.status_code == 422 and js(response)["error"]["problems"][0]["field"] == "outcome"
    response = client.post(url, json={"outcome": "approve", "colour": "red"}, headers=headers)
    assert response.status_code == 422 and js(response)["error"]["problems"][0]["field"] == "colour"
    response = client.post(url, json={"outcome": "reject"}, headers=headers)
    assert response.status_code == 422 and js(response)["error"]["problems"][0]["field"] == "comment"
    response = client.post(url, data="outcome=approve", headers=headers)
    assert response.status_code == 415
    response = client.post(url, data="[1, 2", headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 400 and js(response)["error"]["problems"][0]["field"] == "body"
    response = client.get("/api/v1/tasks?per_page=1000", headers=headers)
    assert response.status_code == 400 and js(response)["error"]["problems"][0]["field"] == "per_page"
    response = client.get("/api/v1/tasks?bogus=1", headers=headers)
    assert response.status_code == 400 and js(response)["error"]["problems"][0]["field"] == "bogus"


def test_request_size_is_limited(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/api/v1/registrations",
        data=b'{"notes": "' + b"x" * 300_000 + b'"}',
        headers={**bearer(api_token("pat_partner")), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert js(response)["error"]["status"] == 413


def test_unknown_api_paths_answer_json(client: FlaskClient, world: World) -> None:
    response = client.get("/api/v1/nothing-here", headers=bearer(api_token("cam")))
    assert response.status_code == 404 and response.is_json


def test_partner_lists_only_their_registrations(client: FlaskClient, world: World) -> None:
    headers = bearer(api_token("pat_partner"))
    body = js(client.get("/api/v1/registrations", headers=headers))
    assert {r["account_name"] for r in body["items"]} == {"Acme Health", "Initech Care"}
    forbidden = client.get(f"/api/v1/registrations?partner_id={world.other_partner_id}", headers=headers)
    assert forbidden.status_code == 403
    assert (
        client.get(f"/api/v1/registrations/{world.workflows['globex']}", headers=headers).status_code == 404
    )


def test_audit_for_partners_needs_one_of_their_processes(client: FlaskClient, world: World) -> None:
    with session_scope() as db:
        records_crud.append_audit_event(
            session=db,
            data={
                "process_type": "registration",
                "process_id": world.workflows["acme"],
                "actor": "pat_partner",
                "action": "submitted",
                "after_state": "submitted",
                "idempotency_key": "t-1",
            },
        )
    partner = bearer(api_token("pat_partner"))
    assert client.get("/api/v1/audit", headers=partner).status_code == 400
    body = js(client.get(f"/api/v1/audit?process_id={world.workflows['acme']}", headers=partner))
    assert [e["action"] for e in body["items"]] == ["submitted"]
    other = client.get(f"/api/v1/audit?process_id={world.workflows['globex']}", headers=partner)
    assert other.status_code == 404
    approver = js(client.get("/api/v1/audit?actor=pat_partner", headers=bearer(api_token("cam"))))
    assert approver["total"] == 1


def test_registering_is_for_partners_and_integrators_only(client: FlaskClient, world: World) -> None:
    body = {
        "request_key": "x-1", "account_name": "Umbrella", "territory": "emea-north",
        "vertical": "healthcare", "product_line": "analytics", "deal_value": 1000,
    }  # fmt: skip
    response = client.post("/api/v1/registrations", json=body, headers=bearer(api_token("cam")))
    assert response.status_code == 403
    response = client.post(
        "/api/v1/registrations",
        json={**body, "partner_id": world.other_partner_id},
        headers=bearer(api_token("pat_partner")),
    )
    assert response.status_code == 403 and js(response)["error"]["problems"][0]["field"] == "partner_id"
    response = client.post("/api/v1/registrations", json=body, headers=bearer(api_token("ops")))
    assert response.status_code == 422 and js(response)["error"]["problems"][0]["field"] == "partner_id"


def test_openapi_document_lists_exactly_the_api_routes(app: Flask) -> None:
    documented = {(path, method.upper()) for path, item in document()["paths"].items() for method in item}
    implemented = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<int(?:\(max=2147483647\))?:(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        path = re.sub(r"<(\w+)>", r"{\1}", path)  # <workflow_id>, <version>
        implemented |= {(path, m) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    assert documented == implemented


def test_openapi_document_is_served_without_a_token(client: FlaskClient, world: World) -> None:
    body = js(client.get("/api/v1/openapi.json"))
    assert body["openapi"].startswith("3.1") and "DecisionIn" in body["components"]["schemas"]


def test_nul_characters_are_refused_naming_the_field(client: FlaskClient, world: World) -> None:
    # PostgreSQL cannot store a NUL: it must be refused up front, never reach a query or a process.
    headers = bearer(api_token("cam"))
    for url, field in (
        ("/api/v1/audit?actor=%00", "actor"),
        ("/api/v1/tasks?territory=us%00west", "territory"),
        ("/api/v1/registrations?account=Acme%00", "account"),
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 400, url
        assert js(response)["error"]["problems"][0]["field"] == field
    response = client.post(
        f"/api/v1/tasks/{world.tasks['acme']}/decision",
        json={"outcome": "reject", "comment": "no\x00"},
        headers=headers,
    )
    assert response.status_code == 422 and js(response)["error"]["problems"][0]["field"] == "comment"
    assert js(client.get(f"/api/v1/tasks/{world.tasks['acme']}", headers=headers))["state"] == "open"
    # Free text keeps its line breaks and tabs.
    schema = document()["components"]["schemas"]["DecisionIn"]["properties"]["comment"]
    assert re.fullmatch(schema["pattern"], "first line\n\tsecond line")
    assert not re.fullmatch(schema["pattern"], "bad\x00")


def test_nul_characters_in_pages_and_forms_are_a_400_naming_the_field(
    client: FlaskClient, world: World
) -> None:
    response = client.get("/login?next=%00")
    assert response.status_code == 400 and b"next: must not contain a NUL character" in response.data
    token = csrf_token(client)
    response = client.post("/login", data={"username": "cam\x00", "password": "x", "csrf_token": token})
    assert response.status_code == 400 and b"username: must not contain a NUL character" in response.data
    sign_in(client, "cam")
    response = client.get("/inbox/?territory=us%00west")
    assert response.status_code == 400 and b"territory: must not contain a NUL character" in response.data
    assert client.get("/inbox/?territory=us-west").status_code == 200
