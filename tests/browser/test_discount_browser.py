"""A discount with deal desk and finance in parallel, approved in a real browser: each approver
sees the chain progress, and the partner then reads the approved pricing through the API."""

from __future__ import annotations

import json
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from werkzeug.serving import make_server

from store.engine import engine_for
from tests.browser.test_inbox_flow import _keep_for_review, sign_in, sign_out
from tests.fixtures_temporal import TemporalServer
from tests.web.conftest import api_token
from tests.web.live import Live, registration_body, seed_discount_people, seed_live_world, start_live
from web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.temporal]


@pytest.fixture
def discount_server(
    monkeypatch: pytest.MonkeyPatch,
    temporal_server: TemporalServer,
    parley_database: str,
    task_queue: str,
    tmp_path: Path,
) -> Iterator[str]:
    """A live stack with discount steps slow enough for a person, and the app behind a real server."""
    stack: Live = start_live(
        monkeypatch, temporal_server, parley_database, task_queue, tmp_path, discount_sla="600s"
    )
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        stack.worker.stop()
        engine_for(parley_database).dispose()


def call(base_url: str, token: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base_url}/api/v1{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.load(response))


def test_deal_desk_and_finance_approve_a_parallel_step_in_the_browser(
    browser: Browser, discount_server: str, tmp_path: Path
) -> None:
    seed_live_world()
    people = seed_discount_people()
    partner = api_token("pat")
    registration = call(
        discount_server, partner, "/registrations", registration_body(f"deal-{uuid.uuid4().hex[:8]}", 200_000)
    )
    assert registration["state"] == "approved"
    requested = call(
        discount_server,
        partner,
        "/discounts",
        {
            "registration_id": registration["workflow_id"],
            "request_key": f"q-{uuid.uuid4().hex[:8]}",
            "requested_discount": 0.25,
            "deal_value": 600_000,
            "competitor": "Globex",
            "justification": "meet-competitor: Globex at 38% off",
        },
    )
    assert requested["state"] == "pending_approval"

    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        sign_in(page, discount_server, people.deal_desk)
        task_link = page.get_by_role("link", name="Discount 25%")
        expect(task_link).to_be_visible()
        task_link.click()
        expect(page.get_by_role("heading", name="Approval chain")).to_be_visible()
        expect(page.get_by_test_id("chain-deal_desk")).to_have_text("deal desk: open")
        expect(page.get_by_test_id("chain-finance")).to_have_text("finance: open")
        expect(page.get_by_test_id("requested-discount")).to_have_text("25.0%")
        page.screenshot(path=str(tmp_path / "1-deal-desk-task.png"), full_page=True)
        page.get_by_role("button", name="Approve").click()
        expect(
            page.get_by_text("Decision recorded. The discount request is now pending approval.")
        ).to_be_visible()
        expect(page.get_by_test_id("chain-deal_desk")).to_have_text(
            f"deal desk: approved by {people.deal_desk}"
        )
        expect(page.get_by_test_id("chain-finance")).to_have_text("finance: open")
        page.screenshot(path=str(tmp_path / "2-chain-half-approved.png"), full_page=True)
        sign_out(page)

        sign_in(page, discount_server, people.finance)
        page.get_by_role("link", name="Discount 25%").click()
        expect(page.get_by_test_id("chain-deal_desk")).to_have_text(
            f"deal desk: approved by {people.deal_desk}"
        )
        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_text("Decision recorded. The discount request is now approved.")).to_be_visible()
        expect(page.get_by_test_id("process-state")).to_have_text("approved")
        page.screenshot(path=str(tmp_path / "3-approved.png"), full_page=True)
    finally:
        context.close()

    seen = call(discount_server, partner, f"/discounts/{requested['workflow_id']}")
    assert seen["state"] == "approved" and seen["valid_until"]
    assert seen["total_discount"] == pytest.approx(seen["standard_discount"] + 0.25)
    print(f"\nscreenshots: {tmp_path}")
    _keep_for_review(tmp_path)
