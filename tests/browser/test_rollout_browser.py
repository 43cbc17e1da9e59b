"""A rulebook version rolled out by people in a real browser (Debian's chromium through Playwright)
on a real HTTP server, Temporal dev server and worker process: partner operations submit a draft
and attach its what-if, a VP approves it in the inbox, it is scheduled and then in force at its
effective date, and a partner's user reads what changes and acknowledges. Screenshots land in the
test's tmp folder."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from store.engine import engine_for
from tests.browser.test_inbox_flow import _keep_for_review, sign_in, sign_out
from tests.fixtures_temporal import TemporalServer
from tests.web.ops_fixtures import tiny_scenario_yaml
from tests.web.test_rollout_inbox import (
    CHANGE_IN_WORDS,
    RolloutPeople,
    new_draft,
    seed_rollout_people,
    start_rollout_worker,
)
from web import create_app

pytestmark = [pytest.mark.temporal, pytest.mark.browser]

EFFECTIVE_IN = 45  # seconds from the draft's writing: a what-if and an approval fit before it


@dataclass(frozen=True)
class Site:
    url: str
    shots: Path
    people: RolloutPeople


@pytest.fixture
def site(
    monkeypatch: pytest.MonkeyPatch,
    temporal_server: TemporalServer,
    parley_database: str,
    task_queue: str,
    tmp_path: Path,
) -> Iterator[Site]:
    """The app on a real port, a worker on the test's task queue, partner operations (olivia,
    who holds no approving role), a VP (val) and two partners' users (pat, olga)."""
    worker = start_rollout_worker(monkeypatch, temporal_server, parley_database, task_queue, tmp_path)
    people = seed_rollout_people(author_roles=("partner_ops",))
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", shots, people)
    finally:
        _keep_for_review(shots)
        server.shutdown()
        thread.join(10)
        server.server_close()
        worker.stop()
        engine_for(parley_database).dispose()


def _shot(page: Page, site: Site, name: str) -> None:
    page.screenshot(path=str(site.shots / f"{name}.png"), full_page=True)


def _open_version(page: Page, version: str) -> None:
    page.get_by_role("link", name="Rulebooks", exact=True).click()
    page.get_by_role("link", name=version, exact=True).click()


def _standing_becomes(page: Page, version: str, standing: str, timeout: float) -> None:
    """Reload the rulebooks list (it does not refresh itself) until ``version`` shows ``standing``."""
    badge = page.get_by_test_id(f"standing-{version}")
    deadline = time.monotonic() + timeout
    while badge.inner_text() != standing and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
    expect(badge).to_have_text(standing)


def test_a_rulebook_version_is_submitted_simulated_approved_and_acknowledged(
    site: Site, browser: Browser, tmp_path: Path
) -> None:
    people = site.people
    version, text = new_draft(EFFECTIVE_IN)
    scenario_file = tmp_path / "tiny.yaml"
    scenario_file.write_text(tiny_scenario_yaml(), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()

        # Partner operations: validate and submit the draft, simulate it, attach the what-if.
        sign_in(page, site.url, people.author)
        page.get_by_role("link", name="Rulebooks", exact=True).click()
        page.get_by_role("link", name="Validate or submit a rulebook").click()
        page.fill("#rulebook_yaml", text)
        page.get_by_role("button", name="Validate", exact=True).click()
        expect(page.get_by_test_id("rulebook-valid")).to_contain_text(f"Valid: {version}")
        page.fill("#comment", "Longer protection, agreed at the partner council")
        _shot(page, site, "01-draft-validated")
        page.get_by_test_id("submit-draft").click()
        expect(page.get_by_text(f"Draft {version} is stored")).to_be_visible()
        expect(page.get_by_test_id("standing")).to_have_text("draft")
        _shot(page, site, "02-draft-stored")

        page.get_by_test_id("simulate-first").click()
        expect(page.locator("#baseline")).to_have_value("version:testing-fast")
        expect(page.locator("#proposed")).to_have_value(f"version:{version}")
        page.select_option("#scenario", "upload")
        page.set_input_files("#scenario_file", str(scenario_file))
        page.fill("#replications", "2")
        page.fill("#seed", "3")
        page.get_by_role("button", name="Start the what-if").click()
        expect(page.get_by_test_id("run-status")).to_have_text("completed", timeout=30_000)
        _shot(page, site, "03-what-if-completed")

        _open_version(page, version)
        page.get_by_test_id("attach").click()
        expect(page.get_by_text("is attached; the draft now waits for its approval")).to_be_visible()
        _shot(page, site, "04-what-if-attached")
        sign_out(page)

        # A VP approves in the inbox, seeing the draft, its author, the what-if and the change.
        sign_in(page, site.url, people.approver)
        page.get_by_role("link", name="Inbox", exact=True).click()
        page.get_by_role("link", name=f"Approve rulebook {version}").click()
        expect(page.get_by_test_id("rollout-submitted-by")).to_contain_text(people.author)
        expect(page.get_by_test_id("rollout-why")).to_have_text(
            "Longer protection, agreed at the partner council"
        )
        expect(page.get_by_test_id("rollout-what-if")).to_contain_text("run ")
        expect(page.get_by_test_id("rollout-what-if")).not_to_contain_text("none attached")
        expect(page.get_by_test_id("rollout-changes")).to_contain_text(CHANGE_IN_WORDS)
        expect(page.get_by_test_id("four-eyes")).to_contain_text(f"{people.author} submitted this draft")
        _shot(page, site, "05-approval-task")
        page.fill("#comment", "Read the what-if: fine")
        page.get_by_role("button", name="Approve", exact=True).click()
        expect(page.get_by_text("Decision recorded")).to_be_visible()
        expect(page.get_by_test_id("task-outcome")).to_have_text("approved")
        _shot(page, site, "06-approved")

        page.get_by_role("link", name="Rulebooks", exact=True).click()
        _standing_becomes(page, version, "scheduled", 10)
        _shot(page, site, "07-scheduled")
        _standing_becomes(page, version, "in force", EFFECTIVE_IN + 10)
        expect(page.get_by_test_id("standing-testing-fast")).to_have_text("superseded")
        _shot(page, site, "08-in-force")
        sign_out(page)

        # A partner's user: its acknowledgement task, what changes, the playbook, acknowledge.
        sign_in(page, site.url, people.partner_user)
        page.get_by_role("link", name="Inbox", exact=True).click()
        expect(page.get_by_text(people.other_partner_name)).to_have_count(0)
        page.get_by_role("link", name=f"Acknowledge rulebook {version}").click()
        expect(page.get_by_text(f"Rulebook {version} took effect")).to_be_visible()
        changes = page.get_by_test_id("rollout-changes")
        expect(changes).to_contain_text("What changes from testing-fast (the version it replaced)")
        expect(changes.get_by_role("listitem").filter(has_text=CHANGE_IN_WORDS)).to_have_count(1)
        expect(page.get_by_role("button", name="Approve")).to_have_count(0)
        _shot(page, site, "09-acknowledgement-task")
        page.get_by_test_id("acknowledge-link").click()
        expect(page.get_by_role("heading", name="Partner playbook", exact=True)).to_be_visible()
        expect(page.get_by_test_id("acknowledgement")).to_contain_text("Your partner is asked to acknowledge")
        expect(page.get_by_test_id("changes")).to_contain_text(CHANGE_IN_WORDS)
        _shot(page, site, "10-version-to-acknowledge")
        page.get_by_test_id("acknowledge").click()
        expect(page.get_by_text(f"rulebook {version} is acknowledged for your partner")).to_be_visible()
        expect(page.get_by_test_id("acknowledgement")).to_contain_text(
            f"Acknowledged for your partner by {people.partner_user}"
        )
        _shot(page, site, "11-acknowledged")
        sign_out(page)

        # Partner operations see who has acknowledged and who has not.
        sign_in(page, site.url, people.author)
        _open_version(page, version)
        acknowledgements = page.get_by_test_id("acknowledgements")
        own = acknowledgements.locator("tr", has_text=people.partner_name)
        expect(own).to_contain_text(f"by {people.partner_user}")
        expect(acknowledgements.locator("tr", has_text=people.other_partner_name)).to_contain_text("waiting")
        _shot(page, site, "12-acknowledgements")
    finally:
        context.close()
