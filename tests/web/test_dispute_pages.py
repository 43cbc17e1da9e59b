"""The dispute pages through the real dispute workflow (dev server, worker process, the app under
Flask's test client, SQLite and PostgreSQL): a partner opens a dispute from its refused
registration's page, each side answers on the dispute's page (its party task page) seeing only
its own side, and an approver opens one for the partner from the registration."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import post_form, signed_in
from tests.web.dispute_fixtures import contested_pair, no_trace, traces_of_claimant, traces_of_holder
from tests.web.live import DisputePeople, Live, LiveWorld, seed_dispute_people, seed_live_world

pytestmark = pytest.mark.temporal


@pytest.fixture
def people(dispute_live: Live) -> tuple[LiveWorld, DisputePeople]:
    return seed_live_world(), seed_dispute_people()


def dispute_link(page: str) -> str:
    """The one dispute page a page links to (or posts to)."""
    found = set(re.findall(r'"(/disputes/dispute-[0-9a-f]+)', page))
    assert len(found) == 1, found
    return found.pop()


def test_each_side_answers_on_the_dispute_page_seeing_only_its_own(
    people: tuple[LiveWorld, DisputePeople],
) -> None:
    world, others = people
    pair = contested_pair(signed_in("pat"), others)
    refused_page = f"/registrations/{pair.refused['workflow_id']}"
    pat = signed_in("pat")
    page = pat.get(refused_page).get_data(as_text=True)
    assert "Open a dispute" in page and "This registration stands in no dispute." in page
    # An empty statement is refused naming the field; nothing is opened.
    page = post_form(
        pat, "/disputes/open", refused_page, registration_id=pair.refused["workflow_id"], statement=" "
    )
    assert "Statement: must not be empty." in page and "Open a dispute" in page
    page = post_form(
        pat, "/disputes/open", refused_page,
        registration_id=pair.refused["workflow_id"], statement="We met the customer in March.",
    )  # fmt: skip
    assert "The dispute is open" in page and 'data-testid="dispute-state">hearing' in page
    assert "you are the contesting side" in page and "another partner" in page
    assert "We met the customer in March." in page and "Your statement" in page
    no_trace(page, *traces_of_holder(pair, others))
    dispute_page = dispute_link(page)
    listed = pat.get("/disputes/").get_data(as_text=True)
    assert dispute_page in listed and pair.refused_spelling in listed
    no_trace(listed, *traces_of_holder(pair, others))
    page = pat.get(refused_page).get_data(as_text=True)
    assert "Open a dispute" not in page and f'href="{dispute_page}">Contesting' in page

    # The holder answers its call for a statement on the same page: the claimant's words stay hidden.
    fran = signed_in(others.holder_user)
    page = fran.get(dispute_page).get_data(as_text=True)
    assert "you are the holding side" in page and "Nothing on the thread yet." in page
    no_trace(page, *traces_of_claimant(pair, world))
    page = post_form(
        fran, f"{dispute_page}/statement", dispute_page, statement="Our registration came first."
    )
    assert "Your statement is on the case thread." in page and "Our registration came first." in page
    no_trace(page, *traces_of_claimant(pair, world))
    page = post_form(fran, f"{dispute_page}/withdraw", dispute_page, comment="no")
    assert "Refused: only the contesting party" in page
    assert signed_in(others.stranger).get(dispute_page).status_code == 404

    # Staff read it whole, both statements on the thread.
    page = signed_in("cam").get(dispute_page).get_data(as_text=True)
    assert "Northwind Systems" in page and others.holder_partner_name in page
    assert "We met the customer in March." in page and "Our registration came first." in page


def test_an_approver_opens_a_dispute_for_the_partner_from_its_registration(
    people: tuple[LiveWorld, DisputePeople],
) -> None:
    _, others = people
    pair = contested_pair(signed_in("pat"), others)
    refused_page = f"/registrations/{pair.refused['workflow_id']}"
    cam = signed_in("cam")
    assert "Contest this decision for Northwind Systems" in cam.get(refused_page).get_data(as_text=True)
    held_page = cam.get(f"/registrations/{pair.held['workflow_id']}").get_data(as_text=True)
    assert "Open a dispute" not in held_page  # approved: nothing to contest
    page = post_form(
        cam, "/disputes/open", refused_page,
        registration_id=pair.refused["workflow_id"], statement="Northwind called us about the March pilot.",
    )  # fmt: skip
    assert "The dispute is open" in page and "by cam" in page and others.holder_partner_name in page
    page = post_form(
        cam, "/disputes/open", f"/registrations/{pair.refused['workflow_id']}",
        registration_id=pair.refused["workflow_id"], statement="Again.",
    )  # fmt: skip
    assert "Registration id: this decision is already disputed." in page
    # The partner reads who opened it as the role, not the person.
    pat = signed_in("pat")
    page = pat.get(dispute_link(pat.get("/disputes/").get_data(as_text=True))).get_data(as_text=True)
    assert "by channel_account_manager" in page and "by cam" not in page
