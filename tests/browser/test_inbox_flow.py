"""An approver's whole flow in a real browser against a real server, worker and Temporal."""

from __future__ import annotations

import json
import shutil
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import PASSWORD, api_token
from tests.web.live import registration_body, seed_live_world

pytestmark = [pytest.mark.browser, pytest.mark.temporal]


def submit_over_http(base_url: str, token: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        f"{base_url}/api/v1/registrations",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return dict(json.load(response))


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def test_approver_signs_in_approves_and_the_partner_sees_it(
    browser: Browser, web_server: str, tmp_path: Path
) -> None:
    seed_live_world()
    key = f"browser-{uuid.uuid4().hex[:8]}"
    created = submit_over_http(web_server, api_token("pat"), registration_body(key, name="Initech Holdings"))
    assert created["state"] == "pending_approval"

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # Chromium reports what the content security policy blocks on the console.
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
    )
    try:
        sign_in(page, web_server, "cam")
        expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
        task_link = page.get_by_role("link", name="Initech Holdings")
        expect(task_link).to_be_visible()
        page.screenshot(path=str(tmp_path / "1-inbox.png"), full_page=True)

        task_link.click()
        expect(page.get_by_role("heading", name="Why this needs you")).to_be_visible()
        expect(page.get_by_text("Northwind Systems").first).to_be_visible()
        page.screenshot(path=str(tmp_path / "2-task.png"), full_page=True)

        page.get_by_label("Comment").fill("Checked against direct sales: clean.")
        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_text("Decision recorded. The registration is now approved.")).to_be_visible()
        expect(page.get_by_test_id("task-outcome")).to_have_text("approved")
        expect(page.get_by_test_id("process-state")).to_have_text("approved")
        page.screenshot(path=str(tmp_path / "3-approved.png"), full_page=True)

        sign_out(page)
        sign_in(page, web_server, "pat")
        expect(page.get_by_role("heading", name="Registrations")).to_be_visible()
        expect(page.get_by_test_id("registration-state").first).to_have_text("approved")
        page.get_by_role("link", name="Initech Holdings").click()
        expect(page.get_by_text("Checked against direct sales: clean.")).to_be_visible()
        page.screenshot(path=str(tmp_path / "4-partner-status.png"), full_page=True)
        assert not blocked, f"the content security policy blocked: {blocked}"
    finally:
        context.close()
    print(f"\nscreenshots: {tmp_path}")
    _keep_for_review(tmp_path)


def _keep_for_review(folder: Path) -> None:
    """Optionally copy the screenshots somewhere stable (PARLEY_SCREENSHOT_DIR) for a human."""
    import os

    target = os.environ.get("PARLEY_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for png in folder.glob("*.png"):
            shutil.copy(png, Path(target) / png.name)
