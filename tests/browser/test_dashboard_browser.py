"""Partner operations read this week's RoE health in a real browser (Debian's chromium through
Playwright), on registrations decided by the real workflows: a Temporal dev server, a worker
process and the app behind a real HTTP server, with a rulebook whose approval SLAs are two
seconds, so an unanswered review escalates through the route to the default action.

This week: Northwind's registration of Initech within the auto-approval limit is approved by the
rules; Fabrikam's of the same account is refused by them (first to register); Northwind's larger
Globex deal goes to review, nobody answers, and the default action rejects it. By hand: three
registrations, a conflict rate of 33.3%, two of three settled by the rules, every human review
breached its SLA and was decided by default, one of three approved."""

from __future__ import annotations

import csv
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from store.crud import registrations as registrations_crud
from store.crud import users as users_crud
from store.engine import engine_for, session_scope
from tests.browser.conftest import serve
from tests.browser.test_discount_browser import call
from tests.browser.test_inbox_flow import sign_in
from tests.fixtures_temporal import TemporalServer
from tests.web.conftest import PASSWORD, api_token
from tests.web.live import registration_body, seed_dispute_people, seed_live_world, start_live

pytestmark = [pytest.mark.browser, pytest.mark.temporal]


@pytest.fixture
def dashboard_server(
    monkeypatch: pytest.MonkeyPatch, temporal_server: TemporalServer, parley_database: str,
    task_queue: str, tmp_path: Path,
) -> Iterator[str]:  # fmt: skip
    stack = start_live(monkeypatch, temporal_server, parley_database, task_queue, tmp_path,
                       first_sla="2s", later_sla="2s")  # fmt: skip
    try:
        with serve() as base_url:
            yield base_url
    finally:
        stack.worker.stop()
        engine_for(parley_database).dispose()


def _wait_for_state(workflow_id: str, state: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope() as db:
            if registrations_crud.get_registration(session=db, workflow_id=workflow_id).state == state:
                return
        time.sleep(0.2)
    raise AssertionError(f"{workflow_id} never became {state}")


def _this_week(page: Page, kpi: str) -> str:
    """The figure of ``kpi`` in the week table's last column (the current ISO week)."""
    return page.locator(f'[data-testid="week-table"] tr[data-kpi="{kpi}"] td').last.inner_text()


def test_partner_ops_read_this_weeks_health_and_download_the_csv(
    browser: Browser, dashboard_server: str, tmp_path: Path
) -> None:
    seed_live_world()
    seed_dispute_people()
    with session_scope() as db:
        users_crud.create_user(session=db, data={"username": "olivia", "display_name": "Olivia Ops",
                                                 "password": PASSWORD, "roles": ["partner_ops"]})  # fmt: skip
    run = uuid.uuid4().hex[:8]
    initech = registration_body(f"initech-{run}", 100_000, "Initech Holdings")
    approved = call(dashboard_server, api_token("pat"), "/registrations", initech)
    assert approved["state"] == "approved", approved
    refused = call(
        dashboard_server, api_token("fran"), "/registrations", {**initech, "request_key": f"i2-{run}"}
    )
    assert refused["state"] == "rejected", refused
    globex = call(dashboard_server, api_token("pat"), "/registrations",
                  registration_body(f"globex-{run}", 300_000, "Globex Clinics"))  # fmt: skip
    assert globex["state"] == "pending_approval", globex
    _wait_for_state(globex["workflow_id"], "rejected")  # every SLA passed: the default action

    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    try:
        sign_in(page, dashboard_server, "olivia")
        page.get_by_role("link", name="Health").click()
        expect(page.get_by_role("heading", name="Rules-of-Engagement health")).to_be_visible()
        expect(page.get_by_test_id("no-what-if")).to_contain_text(
            "No what-if has been run for version testing-web."
        )
        expect(page.get_by_role("img", name="Registrations submitted by week")).to_be_visible()
        expect(page.get_by_role("img", name="Conflict rate by week")).to_be_visible()
        assert _this_week(page, "registrations") == "3.0"
        assert _this_week(page, "conflict_rate") == "33.3%"
        assert _this_week(page, "auto_decision_rate") == "66.7%"
        assert _this_week(page, "sla_breach_rate") == "100.0%"
        assert _this_week(page, "default_action_rate") == "100.0%"
        assert _this_week(page, "approved_rate") == "33.3%"
        for name in ("Northwind", "Fabrikam", "Initech", "Globex"):
            expect(page.get_by_test_id("by-week")).not_to_contain_text(name)
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        page.get_by_test_id("week-charts").screenshot(path=str(tmp_path / "week-charts.png"))

        with page.expect_download() as download_info:
            page.get_by_test_id("csv-link").click()
        download = download_info.value
        assert download.suggested_filename.startswith("parley-dashboard-")
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    finally:
        context.close()

    with saved.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    weeks = sorted(r["period"] for r in rows if r["scope"] == "week" and r["kpi"] == "registrations")
    this_week = {r["kpi"]: r["value"] for r in rows if r["scope"] == "week" and r["period"] == weeks[-1]}
    assert float(this_week["registrations"]) == 3
    assert float(this_week["conflict_rate"]) == pytest.approx(1 / 3)
    assert float(this_week["default_action_rate"]) == 1.0
    assert {r["period"] for r in rows if r["scope"] == "version"} == {"testing-web"}
