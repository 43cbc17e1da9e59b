"""A partner's user with unread notifications in a real browser (Debian's chromium through
Playwright, the app behind a real HTTP server): the navigation shows the unread count, the list
marks the unread ones, marking one read and opening another each lower the count, and "mark all
read" clears it. Rows are written through the data layer, as transitions write them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import serve
from tests.browser.test_inbox_flow import sign_in
from tests.web.conftest import World
from tests.web.conftest import world as world  # re-exported: a fixture
from tests.web.test_notification_pages import seed

pytestmark = pytest.mark.browser


@pytest.fixture
def notification_server(world: World) -> Iterator[str]:
    with serve() as base_url:
        yield base_url


def test_a_partner_reads_its_notifications_and_the_count_falls(
    browser: Browser, notification_server: str, world: World, tmp_path: Path
) -> None:
    ids = seed(world)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, notification_server, "pat_partner")
        count = page.get_by_test_id("unread-count")
        expect(count).to_have_text("2")
        page.get_by_role("link", name="Notifications").click()
        expect(page.get_by_test_id(f"notification-{ids['own']}")).to_contain_text("Acme Health approved")
        expect(page.get_by_test_id(f"notification-{ids['program']}")).to_contain_text(
            "Rulebook 2026.2 published"
        )
        expect(page.get_by_test_id("unread-mark")).to_have_count(2)
        expect(page.get_by_text("Globex Clinics approved")).to_have_count(0)
        page.screenshot(path=str(tmp_path / "1-two-unread.png"), full_page=True)

        page.get_by_role("button", name="Mark “Rulebook 2026.2 published” read").click()
        expect(count).to_have_text("1")
        expect(page.get_by_test_id("unread-mark")).to_have_count(1)

        # Opening one marks it read and leads to its registration's page.
        page.get_by_role("button", name="Acme Health approved", exact=True).click()
        expect(page).to_have_url(f"{notification_server}/registrations/{world.workflows['acme']}")
        expect(page.get_by_test_id("unread-count")).to_have_count(0)
        page.get_by_role("link", name="Notifications").click()
        expect(page.get_by_test_id("unread-mark")).to_have_count(0)
        expect(page.get_by_text("Nothing unread.")).to_be_visible()
        page.screenshot(path=str(tmp_path / "2-all-read.png"), full_page=True)
    finally:
        context.close()


def test_mark_all_read_clears_the_count(browser: Browser, notification_server: str, world: World) -> None:
    seed(world)
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, notification_server, "olga_other")
        expect(page.get_by_test_id("unread-count")).to_have_text("2")
        page.goto(f"{notification_server}/notifications/")
        page.get_by_role("button", name="Mark all read").click()
        expect(page.get_by_text("2 notifications marked read.")).to_be_visible()
        expect(page.get_by_test_id("unread-count")).to_have_count(0)
    finally:
        context.close()
