"""The Partners pages: partner ops list, create and update partners; others are refused."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.web.conftest import World, csrf_token, sign_in


def test_partner_ops_create_and_update_a_partner(client: FlaskClient, world: World) -> None:
    sign_in(client, "ops")
    page = client.get("/partners/").get_data(as_text=True)
    assert "Northwind Systems" in page and 'href="/partners/"' in page
    token = csrf_token(client, "/partners/")
    form = {
        "csrf_token": token,
        "name": "Wingtip",
        "tier": "silver",
        "status": "active",
        "territories": "us-west",
    }
    created = client.post("/partners/", data=form)
    assert created.status_code == 302
    location = created.headers["Location"]
    shown = client.get(location).get_data(as_text=True)
    assert "Partner Wingtip created." in shown and 'value="us-west"' in shown
    bad = client.post(location, data={**form, "territories": "us-west, mars"}, follow_redirects=True)
    assert "territories[1]:" in bad.get_data(as_text=True)
    good = client.post(location, data={**form, "tier": "gold"}, follow_redirects=True)
    assert "Partner updated." in good.get_data(as_text=True)


def test_other_roles_are_refused(client: FlaskClient, world: World) -> None:
    sign_in(client, "cam")
    assert client.get("/partners/").status_code == 403
    assert 'href="/partners/"' not in client.get("/", follow_redirects=True).get_data(as_text=True)
