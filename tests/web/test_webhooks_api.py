"""``/api/v1/webhooks`` on rows written through the data layer: a partner user manages its own
partner's subscriptions (whose comes from the token, never the body), partner operations the
integrators'; another owner's subscription answers 404 like a missing one; the secret is in the
creating answer only; each subscription's delivery log holds its own deliveries alone."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from parley.settings import get_settings
from store.crud import webhooks as webhooks_crud
from store.engine import session_scope
from tests.web.conftest import World, js
from tests.web.test_notification_pages import delivery, notify, subscription
from tests.web.test_notifications_api import bearer

BODY: dict[str, object] = {
    "url": "https://portal.northwind.example/parley",
    "event_types": ["registration.decided"],
}


def create(client: FlaskClient, username: str, **changes: object) -> dict[str, object]:
    response = client.post("/api/v1/webhooks", json={**BODY, **changes}, headers=bearer(username))
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(js(response))


def problem(response: TestResponse) -> str:
    return str(js(response)["error"]["problems"][0]["field"])


def test_a_partner_subscribes_and_reads_the_secret_only_once(client: FlaskClient, world: World) -> None:
    headers = bearer("pat_partner")
    response = client.post(
        "/api/v1/webhooks",
        json={**BODY, "event_types": ["dispute.opened", "registration.decided"], "description": " portal "},
        headers=headers,
    )
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    created = js(response)
    assert re.fullmatch(r"[0-9a-f]{64}", created["secret"])
    assert created["partner_id"] == world.partner_id and created["created_by"] == "pat_partner"
    assert created["description"] == "portal" and created["revoked_at"] is None
    with session_scope() as db:
        stored = webhooks_crud.get_subscription(
            session=db, subscription_id=created["id"], partner_id=world.partner_id
        )
    assert stored.secret == created["secret"]
    one = client.get(f"/api/v1/webhooks/{created['id']}", headers=headers)
    listed = client.get("/api/v1/webhooks", headers=headers)
    for later in (one, listed):
        assert later.status_code == 200 and created["secret"] not in later.get_data(as_text=True)
    assert "secret" not in js(one) and [item["id"] for item in js(listed)["items"]] == [created["id"]]


def test_whose_it_is_comes_from_the_token_never_the_body(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/api/v1/webhooks", json={**BODY, "partner_id": world.other_partner_id}, headers=bearer("pat_partner")
    )
    assert response.status_code == 422 and problem(response) == "partner_id"
    ops = create(client, "ops")
    assert ops["partner_id"] is None
    with session_scope() as db:
        assert webhooks_crud.list_subscriptions(session=db, partner_id=world.other_partner_id) == []
        assert webhooks_crud.list_subscriptions(session=db, partner_id=world.partner_id) == []


def test_bad_input_is_refused_naming_the_field(client: FlaskClient, world: World) -> None:
    headers = bearer("pat_partner")
    cases: list[tuple[dict[str, object], str]] = [
        ({"event_types": ["registration.decided", "registration.exploded"]}, "event_types"),
        ({"event_types": []}, "event_types"),
        ({"url": "http://portal.example/x"}, "url"),
        ({"url": "https://user:secret@portal.example/x"}, "url"),
        ({"url": "portal.example"}, "url"),
        ({"url": "https://portal.example/\x00"}, "url"),
        ({"description": "x" * 201}, "description"),
        ({"secret": "mine"}, "secret"),
    ]
    for change, field in cases:
        response = client.post("/api/v1/webhooks", json={**BODY, **change}, headers=headers)
        assert response.status_code == 422 and problem(response) == field, (change, js(response))
    message = js(client.post("/api/v1/webhooks", json={**BODY, "event_types": ["nope"]}, headers=headers))
    assert "unknown event type 'nope'" in message["error"]["message"]
    with session_scope() as db:
        assert webhooks_crud.list_subscriptions(session=db, partner_id=world.partner_id) == []


def test_plain_http_where_the_settings_allow_it(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_WEBHOOK_ALLOW_HTTP", "true")
    get_settings.cache_clear()
    created = create(client, "pat_partner", url="http://127.0.0.1:8099/hook")
    assert created["url"] == "http://127.0.0.1:8099/hook"


def test_another_owners_subscription_is_not_found(client: FlaskClient, world: World) -> None:
    pat = create(client, "pat_partner")
    ops = create(client, "ops", url="https://crm.vendor.example/in")
    for username, foreign in [("olga_other", pat), ("ops", pat), ("pat_partner", ops)]:
        headers = bearer(username)
        for method, path in [
            ("GET", f"/api/v1/webhooks/{foreign['id']}"),
            ("DELETE", f"/api/v1/webhooks/{foreign['id']}"),
            ("GET", f"/api/v1/webhooks/{foreign['id']}/deliveries"),
        ]:
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == 404 and problem(response) == "subscription_id", (username, path)
            assert (
                js(response)["error"]["message"]
                == f"subscription_id: no webhook subscription {foreign['id']}"
            )
        listed = js(client.get("/api/v1/webhooks?include_revoked=true", headers=headers))["items"]
        assert foreign["id"] not in [item["id"] for item in listed]
    missing = client.get("/api/v1/webhooks/999999", headers=bearer("olga_other"))
    assert missing.status_code == 404 and js(missing)["error"]["message"].endswith("subscription 999999")
    assert client.get("/api/v1/webhooks/99999999999", headers=bearer("olga_other")).status_code == 404
    with session_scope() as db:
        (still,) = webhooks_crud.list_subscriptions(session=db, partner_id=world.partner_id)
    assert still.revoked_at is None


def test_other_roles_are_refused(client: FlaskClient, world: World) -> None:
    pat = create(client, "pat_partner")
    for username in ("cam", "director", "finance"):
        headers = bearer(username)
        for method, path in [
            ("GET", "/api/v1/webhooks"),
            ("POST", "/api/v1/webhooks"),
            ("GET", f"/api/v1/webhooks/{pat['id']}"),
            ("DELETE", f"/api/v1/webhooks/{pat['id']}"),
            ("GET", f"/api/v1/webhooks/{pat['id']}/deliveries"),
        ]:
            response = client.open(path, method=method, json=BODY, headers=headers)
            assert response.status_code == 403 and problem(response) == "role", (username, method, path)
    assert client.get("/api/v1/webhooks").status_code == 401


def test_revoking(client: FlaskClient, world: World) -> None:
    headers = bearer("pat_partner")
    pat = create(client, "pat_partner")
    response = client.delete(f"/api/v1/webhooks/{pat['id']}", headers=headers)
    assert response.status_code == 204 and response.get_data() == b""
    revoked = js(client.get(f"/api/v1/webhooks/{pat['id']}", headers=headers))
    assert revoked["revoked_at"] is not None
    assert js(client.get("/api/v1/webhooks", headers=headers))["items"] == []
    listed = js(client.get("/api/v1/webhooks?include_revoked=true", headers=headers))["items"]
    assert [item["id"] for item in listed] == [pat["id"]]
    assert client.delete(f"/api/v1/webhooks/{pat['id']}", headers=headers).status_code == 204
    again = js(client.get(f"/api/v1/webhooks/{pat['id']}", headers=headers))
    assert again["revoked_at"] == revoked["revoked_at"]


def test_the_delivery_log_of_a_subscription(client: FlaskClient, world: World) -> None:
    pat = subscription(world.partner_id)
    olga = subscription(world.other_partner_id, "https://contoso.example/hook")
    dead = delivery(notify("Acme decided", user="pat_partner"), dead=True)
    pending = delivery(notify("Initech decided", user="pat_partner"), dead=False)
    theirs = delivery(notify("Globex decided", user="olga_other"), dead=True)
    assert {dead.subscription_id, pending.subscription_id, theirs.subscription_id} == {pat.id, olga.id}
    headers = bearer("pat_partner")
    response = client.get(f"/api/v1/webhooks/{pat.id}/deliveries", headers=headers)
    body = js(response)
    assert [item["id"] for item in body["items"]] == [pending.id, dead.id] and body["total"] == 2
    item = body["items"][1]
    assert item["state"] == "dead" and item["attempts"] == 1 and item["event_type"] == "registration.decided"
    assert item["last_error"] == "HTTP 500 after 5 attempts" and item["last_attempt_at"] is not None
    assert item["delivered_at"] is None and item["event_id"].startswith("test/")
    assert pat.secret not in response.get_data(as_text=True) and "secret" not in item
    only_dead = js(client.get(f"/api/v1/webhooks/{pat.id}/deliveries?state=dead", headers=headers))
    assert [item["id"] for item in only_dead["items"]] == [dead.id]
    response = client.get(f"/api/v1/webhooks/{pat.id}/deliveries?state=lost", headers=headers)
    assert response.status_code == 400 and problem(response) == "state"
