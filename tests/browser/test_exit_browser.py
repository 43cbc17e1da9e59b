"""Partner operations take a program-change exit to its end in a real browser: they give
Northwind notice from its partner page, notice ends (three seconds) with Northwind's pending
registration on an account nobody else eligible registered, and they choose Fabrikam to take it
over from the transferee task in the inbox; the exit's page then shows the registration released
and the disposition applied. The web rulebook keeps reviews pending for minutes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from store.crud import registrations as registrations_crud
from store.engine import session_scope
from tests.browser.conftest import serve
from tests.browser.test_discount_browser import call
from tests.browser.test_inbox_flow import _keep_for_review, sign_in
from tests.web.conftest import api_token
from tests.web.exit_page_fixtures import PROGRAM_CHANGE_NOTICE, seed_exit_people
from tests.web.exit_page_fixtures import exit_pages_live as exit_pages_live  # re-exported: a fixture
from tests.web.live import Live, registration_body, seed_dispute_people, seed_live_world, wait_for_open_task

pytestmark = [pytest.mark.browser, pytest.mark.temporal]


@pytest.fixture
def exit_server(exit_pages_live: Live) -> Iterator[str]:
    with serve() as base_url:
        yield base_url


def test_ops_hand_an_exiting_partners_registration_to_another_in_the_browser(
    browser: Browser, exit_server: str, tmp_path: Path
) -> None:
    world = seed_live_world()
    fabrikam = seed_dispute_people()
    seed_exit_people()
    word = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8]).title()
    body = registration_body(f"deal-{uuid.uuid4().hex[:8]}", 300_000, f"{word} Clinics")
    registration = call(exit_server, api_token("pat"), "/registrations", body)
    assert registration["state"] == "pending_approval", registration
    registration_id = registration["workflow_id"]

    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    try:
        sign_in(page, exit_server, "ops")
        page.get_by_role("link", name="Partners").click()
        page.get_by_role("link", name="Northwind Systems").click()
        page.get_by_label("Exit type").select_option("program_change")
        page.get_by_label("Why").fill("The reseller program is restructured")
        page.get_by_role("button", name="Give notice").click()
        expect(page.get_by_text("Notice given: it ends")).to_be_visible()
        expect(page.get_by_test_id("exit-state")).to_have_text("notice")
        expect(page.get_by_test_id("notice-ends")).to_contain_text("UTC")
        planned = page.get_by_test_id(f"disposition-{registration_id}")
        expect(planned).to_contain_text(f"{word} Clinics")
        expect(planned).to_contain_text("transfer")
        expect(planned.get_by_test_id("disposition-state")).to_have_text("planned")
        page.screenshot(path=str(tmp_path / "1-exit-in-notice.png"), full_page=True)
        exit_id = page.url.rsplit("/", 1)[1]

        # Notice ends: nobody eligible registered the account, so partner operations choose.
        wait_for_open_task(exit_id, "partner_ops", timeout=PROGRAM_CHANGE_NOTICE + 30)
        page.get_by_role("link", name="Inbox").click()
        page.get_by_role(
            "link", name="Choose who takes over a registration of Northwind Systems, or return it to direct"
        ).click()
        expect(page.get_by_test_id("transfer-account")).to_contain_text(f"{word} Clinics")
        expect(page.get_by_test_id("transfer-reasons")).to_contain_text(
            "no other eligible partner registered the account"
        )
        expect(page.get_by_test_id("ineligible-partners")).to_contain_text("Tailspin Traders")
        page.get_by_label("Partner").select_option(label="Fabrikam Resellers (gold)")
        page.get_by_label("Comment").fill("Fabrikam covers healthcare in us-west")
        page.screenshot(path=str(tmp_path / "2-transferee-task.png"), full_page=True)
        page.get_by_role("button", name="Transfer to this partner").click()

        expect(page.get_by_text("The registration is transferred.")).to_be_visible()
        done = page.get_by_test_id(f"disposition-{registration_id}")
        expect(done.get_by_test_id("registration-state")).to_have_text("released")
        expect(done.get_by_test_id("disposition-state")).to_have_text("applied")
        expect(done).to_contain_text("Fabrikam Resellers")
        expect(page.get_by_test_id("exit-history")).to_contain_text("Exit transferee chosen")
        page.screenshot(path=str(tmp_path / "3-transferred.png"), full_page=True)
    finally:
        context.close()

    with session_scope() as db:
        released = registrations_crud.get_registration(session=db, workflow_id=registration_id)
        taken = registrations_crud.list_registrations(session=db, partner_id=fabrikam.holder_partner_id)
    assert released.state == "released" and released.partner_id == world.partner_id
    assert [(r.account_name, r.state) for r in taken.items] == [
        (f"{word} Clinics", "pending_approval")
    ]  # it was pending
    print(f"\nscreenshots: {tmp_path}")
    _keep_for_review(tmp_path)
