"""A regional channel director decides an escalated dispute in a real browser: Northwind contests
Fabrikam's hold on an account, the channel account manager lets the first level's response time
pass, and the director awards the account from the inbox; both registrations then read the
award through the API. The test rulebook gives level 1 two seconds and level 2 ten minutes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from store.engine import engine_for
from tests.browser.conftest import serve
from tests.browser.test_discount_browser import call
from tests.browser.test_inbox_flow import _keep_for_review, sign_in
from tests.fixtures_temporal import TemporalServer
from tests.web.conftest import api_token
from tests.web.live import (
    Live,
    registration_body,
    seed_dispute_people,
    seed_live_world,
    start_live,
    wait_for_open_task,
)

pytestmark = [pytest.mark.browser, pytest.mark.temporal]


@pytest.fixture
def dispute_server(
    monkeypatch: pytest.MonkeyPatch,
    temporal_server: TemporalServer,
    parley_database: str,
    task_queue: str,
    tmp_path: Path,
) -> Iterator[str]:
    """A live stack whose first dispute level passes in seconds, and the app behind a real server."""
    stack: Live = start_live(
        monkeypatch,
        temporal_server,
        parley_database,
        task_queue,
        tmp_path,
        party_response="60s",
        dispute_slas=("2s", "600s", "600s"),
    )
    try:
        with serve() as base_url:
            yield base_url
    finally:
        stack.worker.stop()
        engine_for(parley_database).dispose()


def test_a_director_awards_an_escalated_dispute_in_the_browser(
    browser: Browser, dispute_server: str, tmp_path: Path
) -> None:
    seed_live_world()
    people = seed_dispute_people()
    claimant, holder = api_token("pat"), api_token(people.holder_user)
    word = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8]).title()

    def register(token: str, name: str) -> dict[str, Any]:
        body = registration_body(f"deal-{uuid.uuid4().hex[:8]}", 200_000, name)
        return call(
            dispute_server, token, "/registrations", {**body, "account_domain": f"{word.lower()}.example"}
        )

    held = register(holder, f"{word} Holdings Group")
    refused = register(claimant, f"{word} Holdings Inc")
    assert held["state"] == "approved" and refused["state"] == "rejected"
    dispute = call(
        dispute_server,
        claimant,
        "/disputes",
        {"registration_id": refused["workflow_id"], "statement": "We ran the pilot with them in March."},
    )
    dispute_id = dispute["workflow_id"]
    path = f"/disputes/{dispute_id}/statements"
    call(dispute_server, holder, path, {"statement": "Our registration came first, by a week."})
    call(dispute_server, claimant, path, {"statement": "The pilot's order form is dated 3 March."})
    # Level 1 (the channel account manager) lets its two seconds pass: level 2 hears the case.
    wait_for_open_task(dispute_id, "channel_account_manager", timeout=30)
    wait_for_open_task(dispute_id, "regional_channel_director", timeout=30)

    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    try:
        sign_in(page, dispute_server, "director")
        task_link = page.get_by_role(
            "link", name=f"Dispute over {word} Holdings Inc (core-platform), level 2 of 3"
        )
        expect(task_link).to_be_visible()
        task_link.click()
        expect(page.get_by_test_id("dispute-level")).to_have_text("level 2 of 3: regional_channel_director")
        expect(page.get_by_test_id("dispute-deadline")).to_contain_text("UTC")
        expect(page.get_by_test_id("contested")).to_contain_text("another partner registered the account")
        expect(page.get_by_test_id("side-partner")).to_have_text(["Northwind Systems", "Fabrikam Resellers"])
        sides = page.get_by_test_id("dispute-sides")
        expect(sides).to_contain_text(f"{word} Holdings Inc")
        expect(sides).to_contain_text(f"{word} Holdings Group")
        expect(page.get_by_test_id("side-state-1")).to_have_text("rejected")
        expect(page.get_by_test_id("side-state-2")).to_have_text("approved")
        thread = page.get_by_test_id("dispute-thread")
        for said in (
            "We ran the pilot with them in March.",
            "Our registration came first, by a week.",
            "The pilot's order form is dated 3 March.",
        ):
            expect(thread).to_contain_text(said)
        for label in (
            "Uphold the original decision",
            "Award to the contesting party",
            "Co-sell",
            "Return to direct sales",
            "Escalate to the next level",
        ):
            expect(page.get_by_role("button", name=label)).to_be_visible()
        page.screenshot(path=str(tmp_path / "1-director-task.png"), full_page=True)

        # A resolution needs a comment: without one nothing is sent.
        page.get_by_role("button", name="Award to the contesting party").click()
        expect(
            page.get_by_text("Comment: a comment is required to award to the contesting party")
        ).to_be_visible()
        page.get_by_label("Comment").fill("The pilot order form predates the holder's registration.")
        page.get_by_role("button", name="Award to the contesting party").click()
        expect(page.get_by_text("Decision recorded. The dispute is now resolved.")).to_be_visible()
        expect(page.get_by_test_id("task-outcome")).to_have_text("decided")
        expect(page.get_by_test_id("side-state-1")).to_have_text("approved")
        expect(page.get_by_test_id("side-state-2")).to_have_text("released")
        page.screenshot(path=str(tmp_path / "2-awarded.png"), full_page=True)
    finally:
        context.close()

    won = call(dispute_server, claimant, f"/registrations/{refused['workflow_id']}")
    lost = call(dispute_server, holder, f"/registrations/{held['workflow_id']}")
    assert won["state"] == "approved" and won["expires_at"] and lost["state"] == "released"
    assert [d["state"] for d in won["disputes"]] == ["resolved"] == [d["state"] for d in lost["disputes"]]
    seen = call(dispute_server, holder, f"/disputes/{dispute_id}")
    assert seen["resolution"] == "award_claimant" and "Northwind" not in str(seen)
    assert "The pilot order form predates" in seen["outcome"]["text"]
    print(f"\nscreenshots: {tmp_path}")
    _keep_for_review(tmp_path)
