"""The task page of a registration flagged as possibly a live holder's account shows the holder
beside the request and says what approving records; the partner never sees who holds it.

Through the real registration workflow (a Temporal dev server, a worker process) and the app
under Flask's test client, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import html
import re
import secrets
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import col

from store.crud import partners as partners_crud
from store.crud import records as records_crud
from store.crud import registrations as registrations_crud
from store.crud import users as users_crud
from store.engine import session_scope
from store.models.partners import Partner
from tests.web.conftest import PASSWORD, api_token, csrf_token, js, sign_in, signed_in
from tests.web.live import Live, LiveWorld, seed_live_world, wait_for_open_task
from web import create_app
from web.filters import when

pytestmark = pytest.mark.temporal

HOLDER_PARTNER = "Zenith Channel Co"


@pytest.fixture
def world(live: Live) -> LiveWorld:
    """``seed_live_world``'s partner (Northwind Systems, user ``pat``) and a second partner that
    holds the account first (user ``hal``)."""
    world = seed_live_world()
    with session_scope() as db:
        holder = partners_crud.create_partner(
            session=db,
            data={
                "name": HOLDER_PARTNER,
                "tier": "gold",
                "territories": ["us-west"],
                "verticals": ["healthcare"],
                "certifications": ["platform-sales"],
            },
        )
        # Workflow ids derive from the partner id and the Temporal server outlives each test
        # database: a random id keeps this partner's registrations apart from other tests'.
        fresh_id = secrets.randbelow(2_000_000_000) + 1_000
        db.execute(update(Partner).where(col(Partner.id) == holder.id).values(id=fresh_id))
        users_crud.create_user(
            session=db,
            data={
                "username": "hal",
                "display_name": "Hal Holder",
                "password": PASSWORD,
                "roles": ["partner"],
                "partner_id": fresh_id,
            },
        )
    return world


@pytest.fixture
def client(world: LiveWorld) -> FlaskClient:
    return create_app({"TESTING": True}).test_client()


def submit(
    client: FlaskClient, username: str, name: str, domain: str | None, value: float = 100_000
) -> dict[str, Any]:
    """Register through the API as ``username`` (keys unique: the Temporal server is shared)."""
    body = {
        "request_key": f"req-{uuid.uuid4().hex[:10]}",
        "account_name": name,
        "account_domain": domain,
        "territory": "us-west",
        "vertical": "healthcare",
        "product_line": "core-platform",
        "deal_value": value,
    }
    headers = {"Authorization": f"Bearer {api_token(username)}"}
    response = client.post("/api/v1/registrations", json=body, headers=headers)
    assert response.status_code == 201, js(response)
    return dict(js(response))


def text_of(page: str, testid: str, tag: str = "p") -> str:
    """The text of the ``tag`` element marked ``data-testid=testid``, tags dropped, spaces folded."""
    match = re.search(rf'<{tag}[^>]*data-testid="{testid}"[^>]*>(.*?)</{tag}>', page, re.S)
    assert match, f"no {testid} on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def test_the_holder_beside_the_request_and_the_judgement_in_words(client: FlaskClient) -> None:
    held = submit(client, "hal", "Zyntrax Systems", "zyntrax-systems.com")
    assert held["state"] == "approved"
    flagged = submit(client, "pat", "zyntrax.io", None)
    assert flagged["state"] == "pending_approval"
    assert [r["code"] for r in flagged["reasons"]] == ["duplicate.fuzzy_match", "approval.required"]
    task = wait_for_open_task(flagged["workflow_id"], "channel_account_manager")
    with session_scope() as db:
        holder = registrations_crud.get_registration(session=db, workflow_id=held["workflow_id"])
        request = registrations_crud.get_registration(session=db, workflow_id=flagged["workflow_id"])

    sign_in(client, "cam")
    page = client.get(f"/inbox/tasks/{task.id}").get_data(as_text=True)

    side_by_side = text_of(page, "same-account", "section")
    rows = {
        "This request Held by": HOLDER_PARTNER,
        "Account": "zyntrax.io Zyntrax Systems",
        "Domain": "no domain zyntrax-systems.com",
        "Product line": "core-platform core-platform",
        "Partner": f"Northwind Systems {HOLDER_PARTNER}",
        "State": "pending approval approved",
        "Since": f"{when(request.submitted_at)} {when(holder.submitted_at)}",
        "Protected until": f"— {when(holder.expires_at)}",
        "Similarity": "— 85% (by name)",
    }
    for label, cells in rows.items():
        assert f"{label} {cells}" in side_by_side, (label, side_by_side)
    assert text_of(page, "judgement-approve") == (
        "Approving records your judgement that this is a different account from Zyntrax Systems "
        f"(zyntrax-systems.com) held by {HOLDER_PARTNER}."
    )
    assert text_of(page, "judgement-reject") == (
        "Rejecting records your judgement that this is the same account as Zyntrax Systems "
        f"(zyntrax-systems.com) held by {HOLDER_PARTNER}."
    )

    response = client.post(
        f"/inbox/tasks/{task.id}/decide",
        data={
            "outcome": "approve",
            "comment": "Zyntrax IO is a reseller, not Zyntrax Systems",
            "csrf_token": csrf_token(client, f"/inbox/tasks/{task.id}"),
        },
        follow_redirects=True,
    )
    assert "Decision recorded. The registration is now approved." in response.get_data(as_text=True)
    with session_scope() as db:
        events = records_crud.list_audit_events(session=db, process_id=flagged["workflow_id"]).items
    [approval] = [e for e in events if e.action == "registration.approved"]
    assert approval.reason_codes == ["approval.approved", "duplicate.judged_different_account"]
    assert [h["registration_id"] for h in approval.detail["judged_holders"]] == [held["workflow_id"]]

    # The registering partner reads its registration, its audit and its page: the judgement's
    # code, never the partner who holds the other account, its registration or its domain.
    partner = {"Authorization": f"Bearer {api_token('pat')}"}
    view = client.get(f"/api/v1/registrations/{flagged['workflow_id']}", headers=partner)
    assert view.status_code == 200
    assert view.get_json()["history"][-1]["reason_codes"] == approval.reason_codes
    audit = client.get(f"/api/v1/audit?process_id={flagged['workflow_id']}", headers=partner)
    assert audit.status_code == 200
    page = signed_in("pat").get(f"/registrations/{flagged['workflow_id']}").get_data(as_text=True)
    for text in (view.get_data(as_text=True), audit.get_data(as_text=True), page):
        for trace in (HOLDER_PARTNER, held["workflow_id"], held["request_key"], "zyntrax-systems.com"):
            assert trace not in text, trace


def test_a_review_without_a_flagged_holder_shows_no_judgement(client: FlaskClient) -> None:
    submit(client, "hal", "Zyntrax Systems", "zyntrax-systems.com")  # not like the request below
    large = submit(client, "pat", "Plainly Big Corp", "plainly-big.example", value=300_000)
    assert [r["code"] for r in large["reasons"]] == ["approval.required"]
    task = wait_for_open_task(large["workflow_id"], "channel_account_manager")
    sign_in(client, "cam")
    page = client.get(f"/inbox/tasks/{task.id}").get_data(as_text=True)
    assert "Plainly Big Corp" in page
    assert 'data-testid="same-account"' not in page and "records your judgement" not in page
