"""A partner-ops user in a real browser (Debian's chromium through Playwright) starts a what-if
on a real HTTP server, Temporal dev server and worker process, watches it finish without touching
the page (it refreshes itself) and opens the report. Screenshots land in the test's tmp folder."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import BaseWSGIServer, make_server

from parley.settings import get_settings
from store.crud import users as users_crud
from store.engine import session_scope
from tests.fixtures_temporal import TemporalServer, WorkerProcess, free_port, worker_env
from tests.web.ops_fixtures import OpsDirs, ops_dirs, tiny_scenario_yaml
from web import create_app

__all__ = ["ops_dirs"]  # the fixture, imported for pytest

pytestmark = [pytest.mark.temporal, pytest.mark.browser]

PASSWORD = "correct-horse-battery"


@dataclass(frozen=True)
class Site:
    url: str
    shots: Path


@pytest.fixture
def site(
    monkeypatch: pytest.MonkeyPatch, temporal_server: TemporalServer, parley_database: str,
    task_queue: str, tmp_path: Path, ops_dirs: OpsDirs,
) -> Iterator[Site]:  # fmt: skip
    """The web app on a real port, a worker on the test's task queue, and a partner-ops user."""
    monkeypatch.setenv("PARLEY_TEMPORAL_ADDRESS", temporal_server.address)
    monkeypatch.setenv("PARLEY_TASK_QUEUE", task_queue)
    get_settings.cache_clear()
    with session_scope() as db:
        users_crud.create_user(
            session=db,
            data={"username": "olivia", "display_name": "Olivia Ops", "password": PASSWORD,
                  "roles": ["partner_ops"]},
        )  # fmt: skip
    worker = WorkerProcess(worker_env(temporal_server, parley_database, task_queue), task_queue,
                           tmp_path / "worker.log")  # fmt: skip
    worker.start()
    server: BaseWSGIServer = make_server("127.0.0.1", free_port(), create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", shots)
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        worker.stop()


def _shot(page: Page, site: Site, name: str) -> None:
    page.screenshot(path=str(site.shots / f"{name}.png"), full_page=True)


def _report_reads_right(page: Page) -> None:
    """The report as a partner-ops manager reads it (issue #21): one counting rule whose number is
    the table's, the verdict rule, plain headlines, money in its currency, the assumptions."""
    counting = page.get_by_test_id("counting")
    expect(counting).to_contain_text("are a warm-up")
    counted = re.search(r"counts the ([\d,.]+) registrations per run", counting.inner_text())
    assert counted, counting.inner_text()
    registrations = page.locator('tr[data-kpi="registrations"] td')
    expect(registrations.nth(1)).to_have_text(counted.group(1))
    expect(page.get_by_role("heading", name="In short")).to_be_visible()
    expect(page.get_by_text("reaches its threshold")).to_be_visible()
    expect(page.locator('tr[data-kpi="revenue"] td').nth(1)).to_contain_text("USD ")
    headlines = page.get_by_test_id("headlines").inner_text()
    assert "Deal registration — approval route" in headlines, headlines
    assert not re.search(r"\b(conflict|duplicate|eligibility|approval|auto)\.[a-z_]+", headlines), headlines
    expect(page.get_by_test_id("assumptions")).to_contain_text("An expired registration earns nothing")


def test_partner_ops_runs_a_what_if_in_the_browser(site: Site, browser: Browser, tmp_path: Path) -> None:
    """``browser`` is the session's chromium (tests/browser/conftest.py, launched with
    ``executable_path="/usr/bin/chromium"`` and --no-sandbox, --disable-gpu, ...)."""
    scenario_file = tmp_path / "tiny.yaml"
    scenario_file.write_text(tiny_scenario_yaml(), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{site.url}/login")
        page.fill("#username", "olivia")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")

        page.get_by_role("link", name="Rulebooks", exact=True).click()
        expect(page.get_by_test_id("standing-2026.1")).to_have_text("in force")
        expect(page.get_by_test_id("standing-2099.1")).to_have_text("scheduled")
        _shot(page, site, "rulebooks")
        page.get_by_role("link", name="2099.1").click()
        expect(page.get_by_role("heading", name="Partner playbook", exact=True)).to_be_visible()
        _shot(page, site, "rulebook-version")
        expect(page.get_by_test_id("changes")).to_contain_text("What changes from 2026.1")
        # A scheduled version was simulated before its approval: only a draft offers a what-if.
        expect(page.get_by_test_id("simulate-first")).to_have_count(0)

        page.get_by_role("link", name="What-if", exact=True).click()
        page.get_by_role("link", name="New what-if", exact=True).click()
        page.select_option("#proposed", "proposal:tighter-sla.yaml")
        page.select_option("#scenario", "upload")
        page.set_input_files("#scenario_file", str(scenario_file))
        page.fill("#replications", "2")
        page.fill("#seed", "3")
        _shot(page, site, "sandbox-form")
        page.get_by_role("button", name="Start the what-if").click()

        status = page.get_by_test_id("run-status")
        expect(status).to_be_visible()
        _shot(page, site, "run-in-progress")
        # No clicks from here: the page's own refresh brings the result in.
        expect(status).to_have_text("completed", timeout=180_000)
        expect(page.get_by_test_id("kpi-table")).to_contain_text("SLA breach rate")
        expect(page.get_by_test_id("counting")).to_contain_text("warm-up")
        expect(page.get_by_test_id("verdict-rule")).to_contain_text("Money is in USD.")
        _shot(page, site, "run-completed")

        page.get_by_test_id("report-link").click()
        expect(page.locator("h1")).to_contain_text("What-if")
        _report_reads_right(page)
        _shot(page, site, "report")
        page.go_back()
        page.get_by_role("link", name="What-if runs", exact=True).click()
        expect(page.get_by_test_id("runs")).to_contain_text("2026.2-tighter-sla")
        expect(page.get_by_test_id("runs")).to_contain_text("olivia")
        _shot(page, site, "runs")
    finally:
        context.close()
