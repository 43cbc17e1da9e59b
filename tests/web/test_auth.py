"""Sign-in, sign-out, CSRF and cookie settings."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from parley.settings import get_settings
from tests.fixtures_temporal import free_port
from tests.web.conftest import PASSWORD, csrf_token, js, sign_in
from web import create_app


def test_inbox_requires_sign_in(client: FlaskClient) -> None:
    response = client.get("/inbox/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/inbox/")


def test_sign_in_lands_an_approver_in_the_inbox(client: FlaskClient) -> None:
    response = sign_in(client, "cam")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox/"
    page = client.get("/inbox/").get_data(as_text=True)
    assert "Cam" in page and "Review Acme Health" in page


def test_wrong_password_is_refused_without_saying_which_part(client: FlaskClient) -> None:
    response = sign_in(client, "cam", "not-the-password")
    assert response.status_code == 401
    assert "Unknown user name or wrong password." in response.get_data(as_text=True)
    assert client.get("/inbox/").status_code == 302


def test_a_form_without_a_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "cam", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    sign_in(client, "cam")
    response = client.post("/inbox/tasks/1/decide", data={"outcome": "approve"})
    assert response.status_code == 400


def test_session_cookie_is_http_only_and_same_site(client: FlaskClient) -> None:
    response = sign_in(client, "cam")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_out_needs_post_with_token_and_ends_the_session(client: FlaskClient) -> None:
    sign_in(client, "cam")
    token = csrf_token(client, "/inbox/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/inbox/").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client: FlaskClient) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "cam", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/inbox/"


def test_partner_user_lands_on_registrations_and_reads_its_inbox_only(client: FlaskClient) -> None:
    response = sign_in(client, "pat_partner")
    assert response.headers["Location"] == "/registrations/"
    inbox = client.get("/inbox/")  # its own partner's tasks (a rulebook to acknowledge), no decisions
    assert inbox.status_code == 200 and "Approve selected" not in inbox.get_data(as_text=True)
    token = csrf_token(client, "/inbox/")
    assert client.post("/inbox/bulk", data={"task_id": "1", "csrf_token": token}).status_code == 403


def test_a_database_that_is_down_gives_a_clear_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_DATABASE_URL", f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    get_settings.cache_clear()
    try:
        client = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
        page = client.post("/login", data={"username": "cam", "password": PASSWORD})
        assert page.status_code == 503
        assert "The database is not available right now" in page.get_data(as_text=True)
        api = client.get("/api/v1/tasks", headers={"Authorization": "Bearer prl_x"})
        assert api.status_code == 503 and js(api)["error"]["status"] == 503
    finally:
        get_settings.cache_clear()
