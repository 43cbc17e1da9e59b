"""API tokens: scopes checked once for every endpoint, expiry, revocation, last use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from parley.cli import cli
from parley.errors import ValidationFailed
from store.crud import users as users_crud
from store.engine import session_scope
from tests.web.conftest import World, js
from web import create_app
from web.api import PUBLIC_ENDPOINTS
from web.api.access import ENDPOINT_SCOPES


def token(world: World, username: str, scopes: list[str] | None = None, **kwargs: object) -> str:
    with session_scope() as db:
        _, plain = users_crud.create_api_token(
            session=db,
            user_id=world.users[username],
            scopes=scopes,
            **kwargs,  # type: ignore[arg-type]
        )
    return plain


def bearer(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}


def test_every_api_endpoint_has_its_scopes(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    unmapped = endpoints - PUBLIC_ENDPOINTS - ENDPOINT_SCOPES.keys()
    assert not unmapped, f"add these to web.api.access.ENDPOINT_SCOPES: {sorted(unmapped)}"
    assert not ENDPOINT_SCOPES.keys() - endpoints, "ENDPOINT_SCOPES names endpoints that do not exist"


def test_an_approver_whose_token_lacks_the_approver_scope_cannot_decide(
    client: FlaskClient, world: World
) -> None:
    task = f"/api/v1/tasks/{world.tasks['acme']}"
    integrator = bearer(token(world, "ops", ["integrator", "partner_ops"]))
    response = client.post(f"{task}/decision", json={"outcome": "approve"}, headers=integrator)
    assert response.status_code == 403
    problem = js(response)["error"]["problems"][0]
    assert problem["field"] == "Authorization" and "approver" in problem["message"]
    assert client.get(task, headers=integrator).status_code == 403
    # The same user's approver-scoped token passes the scope check (the task is another role's).
    approver = bearer(token(world, "ops", ["approver"]))
    response = client.post(f"{task}/decision", json={"outcome": "approve"}, headers=approver)
    assert response.status_code == 404 and js(response)["error"]["problems"][0]["field"] == "task_id"


def test_a_token_holds_only_the_roles_its_scopes_allow(client: FlaskClient, world: World) -> None:
    me = js(client.get("/api/v1/me", headers=bearer(token(world, "ops", ["approver"]))))
    assert me["roles"] == ["partner_ops"]
    with session_scope() as db:
        users_crud.update_user(session=db, user_id=world.users["ops"], roles=["partner_ops", "admin"])
    me = js(client.get("/api/v1/me", headers=bearer(token(world, "ops", ["approver"]))))
    assert me["roles"] == ["partner_ops"]  # admin is no approver role
    response = client.post(
        "/api/v1/partners",
        json={"name": "X Corp", "tier": "silver"},
        headers=bearer(token(world, "ops", ["integrator"])),
    )
    assert response.status_code == 403 and "partner_ops" in js(response)["error"]["message"]


def test_a_partner_scoped_token_works_for_its_partners_registrations(
    client: FlaskClient, world: World
) -> None:
    headers = bearer(token(world, "pat_partner", ["partner"]))
    listed = js(client.get("/api/v1/registrations", headers=headers))
    assert {r["workflow_id"] for r in listed["items"]} == {
        world.workflows["acme"],
        world.workflows["initech"],
    }
    # Its own registration reaches the process (503 here: no Temporal in this test), another's is 404.
    own = client.get(f"/api/v1/registrations/{world.workflows['acme']}", headers=headers)
    assert own.status_code not in (401, 403, 404)
    assert (
        client.get(f"/api/v1/registrations/{world.workflows['globex']}", headers=headers).status_code == 404
    )
    response = client.post(
        f"/api/v1/tasks/{world.tasks['acme']}/decision", json={"outcome": "approve"}, headers=headers
    )
    assert response.status_code == 403


def test_scopes_must_be_allowed_by_the_users_roles(world: World) -> None:
    with pytest.raises(ValidationFailed, match="scopes") as refused:
        token(world, "cam", ["partner"])
    assert refused.value.problems[0].path == "scopes"
    with pytest.raises(ValidationFailed, match="scopes"):
        token(world, "pat_partner", ["approver"])
    with pytest.raises(ValidationFailed, match="scopes"):
        token(world, "cam", ["root"])
    with pytest.raises(ValidationFailed, match="scopes"):
        token(world, "cam", [])
    with pytest.raises(ValidationFailed, match="expires_at"):
        token(world, "cam", expires_at=datetime(2020, 1, 1, tzinfo=UTC))
    with session_scope() as db:
        row, _ = users_crud.create_api_token(session=db, user_id=world.users["ops"])
        assert row.scopes == ["integrator", "approver", "partner_ops"] and row.expires_at is None


def test_expired_and_revoked_tokens_answer_401_naming_authorization(
    client: FlaskClient, world: World
) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=30)
    plain = token(world, "cam", expires_at=soon)
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    with session_scope() as db:
        check = users_crud.check_api_token(session=db, token=plain, at=soon + timedelta(seconds=1))
    assert check.user is None and "expired" in check.refused
    with session_scope() as db:
        (row,) = [t for t in users_crud.list_api_tokens(session=db, user_id=world.users["cam"])]
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.add(row)
    response = client.get("/api/v1/me", headers=bearer(plain))
    error = js(response)["error"]
    assert response.status_code == 401 and error["message"].startswith("Authorization: the token expired")
    assert error["problems"][0]["field"] == "Authorization"

    revoked = token(world, "finance")
    with session_scope() as db:
        (row,) = users_crud.list_api_tokens(session=db, user_id=world.users["finance"])
        users_crud.revoke_api_token(session=db, token_id=row.id or 0)
    response = client.get("/api/v1/me", headers=bearer(revoked))
    assert response.status_code == 401 and "revoked" in js(response)["error"]["message"]


def test_last_use_is_written_at_most_once_a_minute(world: World) -> None:
    plain = token(world, "cam")
    first = datetime(2031, 1, 1, 9, 0, tzinfo=UTC)
    with session_scope() as db:
        for at in (first, first + timedelta(seconds=30)):
            users_crud.check_api_token(session=db, token=plain, at=at)
        (row,) = users_crud.list_api_tokens(session=db, user_id=world.users["cam"])
        assert row.last_used_at == first
        users_crud.check_api_token(session=db, token=plain, at=first + timedelta(minutes=2))
        assert row.last_used_at == first + timedelta(minutes=2)


def test_cli_creates_a_scoped_token_that_expires(client: FlaskClient, world: World) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["token", "create", "ops", "--scope", "approver", "--expires-in", "90d"])
    assert result.exit_code == 0, result.output
    plain = result.stdout.split(": ", 1)[1].strip()
    assert "Scopes: approver; expires " in result.stderr
    assert client.get("/api/v1/partners/1", headers=bearer(plain)).status_code == 200
    assert client.post("/api/v1/partners", json={}, headers=bearer(plain)).status_code == 403
    with session_scope() as db:
        (row,) = users_crud.list_api_tokens(session=db, user_id=world.users["ops"])
    assert row.expires_at is not None
    assert timedelta(days=89) < row.expires_at - datetime.now(UTC) <= timedelta(days=90)
    listed = runner.invoke(cli, ["token", "list", "ops"])
    assert listed.exit_code == 0 and "approver" in listed.stdout and "used 20" in listed.stdout

    refused = runner.invoke(cli, ["token", "create", "cam", "--scope", "partner"])
    assert refused.exit_code == 1 and "scopes:" in refused.output
    bad = runner.invoke(cli, ["token", "create", "cam", "--expires-in", "soon"])
    assert bad.exit_code == 2 and "--expires-in" in bad.output


def test_each_token_has_its_own_rate_limit(world: World) -> None:
    client = create_app({"TESTING": True, "API_RATE_LIMIT": "3/minute"}).test_client()
    busy, calm = bearer(token(world, "cam")), bearer(token(world, "cam"))
    assert [client.get("/api/v1/me", headers=busy).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/me", headers=busy)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    error = js(refused)["error"]
    assert error["problems"][0]["field"] == "Authorization" and "this token" in error["message"]
    assert client.get("/api/v1/me", headers=calm).status_code == 200
    # Without a token the address is counted: the fourth anonymous call is refused before a 401.
    assert [client.get("/api/v1/me").status_code for _ in range(4)] == [401, 401, 401, 429]


def test_a_delegate_holds_the_approver_scope_while_a_delegation_to_them_is_active(
    client: FlaskClient, world: World
) -> None:
    """A delegate with no approver role of their own acts on the delegator's tasks through the
    API only with an approver-scoped token, which is issued for a delegation active or to come
    and is in force only while one is active."""
    now = datetime.now(UTC)
    task = f"/api/v1/tasks/{world.tasks['acme']}"  # channel_account_manager's, as cam is
    with session_scope() as db:
        dora = users_crud.create_user(
            session=db,
            data={"username": "dora", "display_name": "Dora", "password": "x" * 12, "roles": ["admin"]},
        )
        assert dora.id is not None
        world.users["dora"] = dora.id
    with pytest.raises(ValidationFailed, match="approver"):
        token(world, "dora", ["approver"])

    with session_scope() as db:
        users_crud.create_delegation(
            session=db,
            data={
                "user_id": world.users["cam"],
                "delegate_id": dora.id,
                "starts_at": now + timedelta(hours=1),
                "ends_at": now + timedelta(days=2),
            },
        )
    approver = bearer(token(world, "dora", ["approver"]))  # issued ahead of the delegation
    assert client.get(task, headers=approver).status_code == 403  # not in force yet

    with session_scope() as db:
        users_crud.create_delegation(
            session=db,
            data={
                "user_id": world.users["cam"],
                "delegate_id": dora.id,
                "starts_at": now - timedelta(hours=1),
                "ends_at": now + timedelta(days=1),
            },
        )
    response = client.get(task, headers=approver)
    assert response.status_code == 200 and js(response)["role"] == "channel_account_manager"
    me = js(client.get("/api/v1/me", headers=approver))
    assert me["acting_for"] == ["cam"] and me["roles"] == []

    # Once every delegation has ended, the token no longer decides anything.
    with session_scope() as db:
        for delegation in users_crud.list_delegations(session=db, delegate_id=dora.id):
            assert delegation.id is not None
            users_crud.end_delegation(session=db, delegation_id=delegation.id)
    response = client.get(task, headers=approver)
    assert response.status_code == 403 and js(response)["error"]["problems"][0]["field"] == "role"
