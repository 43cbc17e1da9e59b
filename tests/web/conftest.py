"""An app on the test database (SQLite and PostgreSQL) with a small world: partners, one user per
approver role, a partner user, registrations and open tasks written through the data layer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from store.crud import partners as partners_crud
from store.crud import registrations as registrations_crud
from store.crud import tasks as tasks_crud
from store.crud import users as users_crud
from store.engine import session_scope
from store.models.types import utcnow
from tests.web.dispute_fixtures import dispute_live as dispute_live  # re-exported: a fixture
from tests.web.live import live as live  # re-exported: the fixture for live tests
from web import create_app

PASSWORD = "correct-horse-battery"


@dataclass
class World:
    partner_id: int
    other_partner_id: int
    users: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)
    workflows: dict[str, str] = field(default_factory=dict)


def _user(db: Any, username: str, roles: list[str], partner_id: int | None = None) -> int:
    user = users_crud.create_user(
        session=db,
        data={
            "username": username,
            "display_name": username.replace("_", " ").title(),
            "password": PASSWORD,
            "roles": roles,
            "partner_id": partner_id,
        },
    )
    assert user.id is not None
    return user.id


def _registration(db: Any, partner_id: int, key: str, name: str, domain: str, value: float) -> str:
    workflow_id = f"registration-{partner_id}-{key}"
    registrations_crud.create_registration(
        session=db,
        data={
            "workflow_id": workflow_id,
            "partner_id": partner_id,
            "request_key": key,
            "account_name": name,
            "account_domain": domain,
            "territory": "emea-north",
            "vertical": "healthcare",
            "product_line": "analytics",
            "deal_value": value,
            "submitted_by": "pat_partner",
            "rulebook_version": "2026.1",
            "state": "pending_approval",
        },
    )
    return workflow_id


def _task(
    db: Any, workflow_id: str, role: str, partner_id: int, due_in: timedelta, value: float, title: str
) -> int:
    task = tasks_crud.open_task(
        session=db,
        data={
            "process_type": "registration",
            "process_id": workflow_id,
            "kind": "registration.review",
            "title": title,
            "role": role,
            "partner_id": partner_id,
            "territory": "emea-north",
            "value": value,
            "due_at": utcnow() + due_in,
            "summary": f"{title}: needs a {role}",
            "payload": {
                "reasons": [{"code": "approval.required", "text": "Deals above $50,000 need a review."}]
            },
        },
    )
    assert task.id is not None
    return task.id


@pytest.fixture
def world(parley_database: str) -> World:
    with session_scope() as db:
        partner = partners_crud.create_partner(
            session=db,
            data={
                "name": "Northwind Systems",
                "tier": "gold",
                "territories": ["emea-north"],
                "verticals": ["healthcare"],
            },
        )
        other = partners_crud.create_partner(
            session=db, data={"name": "Contoso Partners", "tier": "silver", "territories": ["emea-north"]}
        )
        assert partner.id is not None and other.id is not None
        w = World(partner.id, other.id)
        w.users["cam"] = _user(db, "cam", ["channel_account_manager"])
        w.users["cam2"] = _user(db, "cam2", ["channel_account_manager"])
        w.users["director"] = _user(db, "director", ["regional_channel_director"])
        w.users["finance"] = _user(db, "finance", ["finance"])
        w.users["pat_partner"] = _user(db, "pat_partner", ["partner"], partner.id)
        w.users["olga_other"] = _user(db, "olga_other", ["partner"], other.id)
        w.users["ops"] = _user(db, "ops", ["partner_ops"])
        w.workflows["acme"] = _registration(
            db, partner.id, "acme-1", "Acme Health", "acme-health.com", 120000
        )
        w.workflows["globex"] = _registration(db, other.id, "globex-1", "Globex Clinics", "globex.com", 40000)
        w.workflows["initech"] = _registration(
            db, partner.id, "initech-1", "Initech Care", "initech.io", 80000
        )
        w.tasks["acme"] = _task(
            db,
            w.workflows["acme"],
            "channel_account_manager",
            partner.id,
            timedelta(hours=30),
            120000,
            "Review Acme Health",
        )
        w.tasks["globex"] = _task(
            db,
            w.workflows["globex"],
            "channel_account_manager",
            other.id,
            timedelta(hours=-2),
            40000,
            "Review Globex Clinics",
        )
        w.tasks["initech"] = _task(
            db,
            w.workflows["initech"],
            "regional_channel_director",
            partner.id,
            timedelta(hours=5),
            80000,
            "Review Initech Care",
        )
    return w


@pytest.fixture
def app(world: World) -> Iterator[Flask]:
    yield create_app({"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def signed_in(username: str) -> FlaskClient:
    """A client of a fresh app, signed in as ``username``."""
    client = create_app({"TESTING": True}).test_client()
    sign_in(client, username)
    return client


def post_form(client: FlaskClient, path: str, form_page: str, **data: str) -> str:
    """Post ``data`` to ``path`` with the CSRF token of ``form_page``; the page it leads to."""
    token = csrf_token(client, form_page)
    response = client.post(path, data={**data, "csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200, response.status
    return response.get_data(as_text=True)


def api_token(username: str) -> str:
    with session_scope() as db:
        user = users_crud.get_user_by_username(session=db, username=username)
        assert user is not None and user.id is not None
        _, plain = users_crud.create_api_token(session=db, user_id=user.id, label="test")
    return plain


def js(response: TestResponse) -> Any:
    """The JSON body of a test response (asserting there is one)."""
    data = response.get_json(silent=True)
    assert data is not None, f"not JSON: {response.status} {response.get_data(as_text=True)[:200]}"
    return data
