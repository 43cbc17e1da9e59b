"""One partner-facing view of a registration and its discounts, for the API and the pages alike:
a partner refused over another partner's registration reads the same reasons in the same words
in the JSON answer, its audit and the registration's page, with the other party as "another
partner" and its dates, never its id, name, request key, registration or spelling of the
account; approvers read the facts whole.

Through the real registration and discount workflows (dev server, worker process, the app under
Flask's test client, SQLite and PostgreSQL).
"""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest

from tests.web.conftest import signed_in
from tests.web.dispute_fixtures import (
    bearer,
    contested_pair,
    js,
    no_trace,
    traces_of_claimant,
    traces_of_holder,
)
from tests.web.live import DisputePeople, Live, LiveWorld, seed_dispute_people, seed_live_world

pytestmark = pytest.mark.temporal


@pytest.fixture
def people(dispute_live: Live) -> tuple[LiveWorld, DisputePeople]:
    return seed_live_world(), seed_dispute_people()


def page_reasons(page: str) -> list[str]:
    """The reason texts the registration page lists (tags dropped, spaces folded)."""
    found = re.search(r'<ul data-testid="registration-reasons">(.*?)</ul>', page, re.S)
    assert found, "no reasons on the page"
    items = re.findall(r"<li>(.*?)<code", found.group(1), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


def api_reasons(answer: dict[str, Any]) -> list[str]:
    return [reason["text"] for reason in answer["reasons"]]


def test_a_partner_refused_over_another_partner_reads_the_same_safe_words_in_api_and_page(
    people: tuple[LiveWorld, DisputePeople],
) -> None:
    _, others = people
    client = signed_in("pat")
    pair = contested_pair(client, others)
    refused = pair.refused["workflow_id"]
    hidden = traces_of_holder(pair, others)

    answer = client.get(f"/api/v1/registrations/{refused}", headers=bearer("pat"))
    assert answer.status_code == 200
    body = js(answer)
    no_trace(answer.get_data(as_text=True), *hidden)
    [conflict] = [r for r in body["reasons"] if r["code"] == "conflict.first_to_register"]
    assert conflict["text"].startswith(
        "another partner registered the account and product line first (since "
    )
    assert not {"holder", "registration_id", "account"} & conflict["facts"].keys()
    # The pair's creation answer went through the same view.
    assert api_reasons(pair.refused) == api_reasons(body)

    page = client.get(f"/registrations/{refused}").get_data(as_text=True)
    no_trace(page, *hidden)
    assert page_reasons(page) == api_reasons(body)

    audit = client.get(f"/api/v1/audit?process_id={refused}", headers=bearer("pat"))
    assert audit.status_code == 200 and js(audit)["items"]
    no_trace(audit.get_data(as_text=True), *hidden)


def test_approvers_read_the_conflict_whole_in_api_and_page(people: tuple[LiveWorld, DisputePeople]) -> None:
    _, others = people
    pair = contested_pair(signed_in("pat"), others)
    refused = pair.refused["workflow_id"]

    body = js(signed_in("cam").get(f"/api/v1/registrations/{refused}", headers=bearer("cam")))
    [conflict] = [r for r in body["reasons"] if r["code"] == "conflict.first_to_register"]
    assert conflict["facts"]["holder"] == str(others.holder_partner_id)
    assert conflict["facts"]["registration_id"] == pair.held["workflow_id"]
    assert conflict["facts"]["account"] == pair.held_spelling
    assert pair.held_spelling in conflict["text"]

    page = signed_in("cam").get(f"/registrations/{refused}").get_data(as_text=True)
    assert page_reasons(page) == api_reasons(body)
    assert pair.held_spelling in page and f"partner {others.holder_partner_id}" in page


def test_the_holder_reads_its_discount_alike_in_api_and_page_without_the_refused_partner(
    people: tuple[LiveWorld, DisputePeople],
) -> None:
    world, others = people
    pair = contested_pair(signed_in("pat"), others)
    held = pair.held["workflow_id"]
    key = f"disc-{uuid.uuid4().hex[:8]}"
    request = {
        "registration_id": held,
        "request_key": key,
        "requested_discount": 0.05,
        "deal_value": 200_000,
        "competitor": "",
        "justification": "Matching a competing quote",
    }
    holder = signed_in(others.holder_user)
    created = holder.post("/api/v1/discounts", json=request, headers=bearer(others.holder_user))
    assert created.status_code in (201, 202), js(created)
    discount_id = js(created)["workflow_id"]

    answer = holder.get(f"/api/v1/discounts/{discount_id}", headers=bearer(others.holder_user))
    assert answer.status_code == 200
    page = holder.get(f"/registrations/{held}").get_data(as_text=True)
    assert key in page and html.escape(js(answer)["state"].replace("_", " ")) in page
    for seen in (answer.get_data(as_text=True), page):
        no_trace(seen, *traces_of_claimant(pair, world)[:5])
    # The refused partner may not read the holder's discount at all.
    assert signed_in("pat").get(f"/api/v1/discounts/{discount_id}", headers=bearer("pat")).status_code == 404
