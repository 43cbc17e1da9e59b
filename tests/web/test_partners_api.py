"""``/api/v1/partners`` and ``/api/v1/engagements`` on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from store.crud import records as records_crud
from store.engine import session_scope
from tests.web.conftest import World, api_token, js

NEW = {
    "name": "Wingtip Resellers",
    "tier": "silver",
    "territories": ["us-west", "canada"],
    "verticals": ["retail"],
    "certifications": ["platform-sales"],
    "certification_expiry": {"platform-sales": "2027-06-30"},
}


def bearer(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(username)}"}


def _fields(response: Any) -> list[str]:
    return [p["field"] for p in js(response)["error"]["problems"]]


def test_partner_ops_create_update_and_list_partners(client: FlaskClient, world: World) -> None:
    ops = bearer("ops")
    created = client.post("/api/v1/partners", json=NEW, headers=ops)
    assert created.status_code == 201, created.get_data(as_text=True)
    partner = js(created)
    assert partner["certification_expiry"] == {"platform-sales": "2027-06-30"}
    changed = client.patch(f"/api/v1/partners/{partner['id']}", json={"tier": "gold"}, headers=ops)
    assert js(changed)["tier"] == "gold"
    names = [p["name"] for p in js(client.get("/api/v1/partners", headers=ops))["items"]]
    assert "Wingtip Resellers" in names and "Northwind Systems" in names
    with session_scope() as db:
        events = records_crud.list_audit_events(session=db, process_id=f"partner-{partner['id']}").items
    assert [(e.actor, e.action) for e in events] == [("ops", "partner.created"), ("ops", "partner.updated")]
    assert events[1].detail == {"tier": {"before": "silver", "after": "gold"}}


def test_refusals_name_the_field_and_change_nothing(client: FlaskClient, world: World) -> None:
    ops = bearer("ops")
    bad = client.post("/api/v1/partners", json={**NEW, "territories": ["us-west", "mars"]}, headers=ops)
    assert bad.status_code == 422
    assert _fields(bad) == ["territories[1]"]
    unknown = client.patch(f"/api/v1/partners/{world.partner_id}", json={"colour": "red"}, headers=ops)
    assert (unknown.status_code, _fields(unknown)) == (422, ["colour"])
    refused = client.post("/api/v1/partners", json=NEW, headers=bearer("cam"))
    assert (refused.status_code, _fields(refused)) == (403, ["role"])
    patched = client.patch(
        f"/api/v1/partners/{world.partner_id}", json={"tier": "gold"}, headers=bearer("cam")
    )
    assert patched.status_code == 403
    names = [p["name"] for p in js(client.get("/api/v1/partners", headers=ops))["items"]]
    assert "Wingtip Resellers" not in names


def test_a_partner_user_reads_only_its_own_record(client: FlaskClient, world: World) -> None:
    pat = bearer("pat_partner")
    listing = js(client.get("/api/v1/partners", headers=pat))
    assert [p["id"] for p in listing["items"]] == [world.partner_id]
    assert client.get(f"/api/v1/partners/{world.partner_id}", headers=pat).status_code == 200
    other = client.get(f"/api/v1/partners/{world.other_partner_id}", headers=pat)
    missing = client.get("/api/v1/partners/999999", headers=pat)
    assert other.status_code == missing.status_code == 404
    assert js(other)["error"]["message"] == f"partner {world.other_partner_id!r} not found"
    assert client.get(f"/api/v1/partners/{world.other_partner_id}/contacts", headers=pat).status_code == 404
    own = client.patch(f"/api/v1/partners/{world.partner_id}", json={"tier": "gold"}, headers=pat)
    assert (own.status_code, _fields(own)) == (403, ["role"])
    assert client.get("/api/v1/engagements", headers=pat).status_code == 403


def test_contacts_and_engagements(client: FlaskClient, world: World) -> None:
    ops = bearer("ops")
    contact = client.post(
        f"/api/v1/partners/{world.partner_id}/contacts",
        json={"name": "Ann Lee", "email": "ann@northwind.example"},
        headers=ops,
    )
    assert contact.status_code == 201
    contacts = js(client.get(f"/api/v1/partners/{world.partner_id}/contacts", headers=bearer("pat_partner")))
    assert [c["name"] for c in contacts["items"]] == ["Ann Lee"]
    body = {
        "account_name": "Globex",
        "account_domain": "globex.com",
        "territory": "us-east",
        "vertical": "retail",
        "owner": "dsales",
        "since": "2026-03-01T00:00:00Z",
    }
    added = client.post("/api/v1/engagements", json=body, headers=ops)
    assert added.status_code == 201, added.get_data(as_text=True)
    engagement = js(added)
    bad = client.post("/api/v1/engagements", json={**body, "product_line": "toasters"}, headers=ops)
    assert (bad.status_code, _fields(bad)) == (422, ["product_line"])
    listed = js(client.get("/api/v1/engagements", headers=ops))["items"]
    assert [e["id"] for e in listed] == [engagement["id"]]
    end = f"/api/v1/engagements/{engagement['id']}/end"
    ended = client.post(end, json={"until": "2026-04-01T00:00:00Z"}, headers=ops)
    assert js(ended)["until"].startswith("2026-04-01")
    again = client.post(end, json={}, headers=ops)
    assert (again.status_code, _fields(again)) == (422, ["until"])
    assert client.post("/api/v1/engagements/999999/end", json={}, headers=ops).status_code == 404
