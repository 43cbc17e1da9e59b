"""``/api/v1/disputes`` through the real dispute workflow: a Temporal dev server, a worker process,
and the app under Flask's test client, on SQLite and PostgreSQL.

Fabrikam registers an account first; Northwind registers it after and is refused (first to
register), contests, and a level awards it the account. Each partner reads the dispute without
ever learning who the other partner is. The live rulebook gives the parties a minute and each
level five minutes, so the test decides at the level it wants."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from store.crud import disputes as disputes_crud
from store.engine import session_scope
from tests.web.conftest import js
from tests.web.dispute_fixtures import (
    bearer,
    contested_pair,
    no_trace,
    open_dispute,
    traces_of_claimant,
    traces_of_holder,
)
from tests.web.live import (
    DisputePeople,
    Live,
    LiveWorld,
    seed_dispute_people,
    seed_live_world,
    wait_for_open_task,
)
from web import create_app
from web.api.dispute_schemas import DisputeOut, DisputePage

pytestmark = pytest.mark.temporal


@pytest.fixture
def people(dispute_live: Live) -> tuple[LiveWorld, DisputePeople]:
    return seed_live_world(), seed_dispute_people()


@pytest.fixture
def client(people: tuple[LiveWorld, DisputePeople]) -> FlaskClient:
    return create_app({"TESTING": True}).test_client()


def problem(response: Any) -> str:
    first = js(response)["error"]["problems"][0]
    return f"{first['field']}: {first['message']}"


def until_state(client: FlaskClient, workflow_id: str, state: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        seen = dict(js(client.get(f"/api/v1/disputes/{workflow_id}", headers=bearer("cam"))))
        if seen["state"] == state or time.monotonic() > deadline:
            assert seen["state"] == state, seen
            return seen
        time.sleep(0.2)


def level_task(client: FlaskClient, username: str, workflow_id: str) -> dict[str, Any]:
    listed = js(client.get("/api/v1/tasks?process_type=dispute", headers=bearer(username)))
    [task] = [t for t in listed["items"] if t["process_id"] == workflow_id]
    return dict(task)


def test_open_hear_and_award_without_either_partner_learning_the_other(
    client: FlaskClient, people: tuple[LiveWorld, DisputePeople]
) -> None:
    world, others = people
    pair = contested_pair(client, others)
    # The refused partner reads why in the rule's words, without the holder's identity.
    refused = js(client.get(f"/api/v1/registrations/{pair.refused['workflow_id']}", headers=bearer("pat")))
    [first] = [r for r in refused["reasons"] if r["code"] == "conflict.first_to_register"]
    assert first["text"].startswith("another partner registered the account and product line first")
    no_trace(refused, *traces_of_holder(pair, others))
    opened = open_dispute(client, pair)
    dispute_id = opened.workflow_id
    assert opened.state == "hearing" and opened.you_are == "claimant" and opened.hearing_until is not None
    assert opened.claimant.registration_id == pair.refused["workflow_id"] and opened.claimant.you
    assert opened.claimant.account_name == pair.refused_spelling and opened.claimant.state == "rejected"
    other = opened.respondent
    assert other.described_as == "another partner" and not other.you
    assert (other.partner_id, other.partner_name, other.registration_id, other.account_name) == (None,) * 4
    assert other.submitted_at is not None and other.expires_at is not None  # its dates only
    assert [(t.kind, t.slot) for t in opened.open_tasks] == [("dispute.party", "claimant")]

    # The claimant's reads (get, list) carry nothing of the holder.
    pat = bearer("pat")
    mine = js(client.get(f"/api/v1/disputes/{dispute_id}", headers=pat))
    listed = js(client.get("/api/v1/disputes", headers=pat))
    assert [d["workflow_id"] for d in listed["items"]] == [dispute_id]
    for body in (js(client.post("/api/v1/disputes", json={}, headers=pat)), mine, listed):
        no_trace(body, *traces_of_holder(pair, others))
    assert listed["items"][0]["claimant"]["account_name"] == pair.refused_spelling

    # The holder reads it as the holding side: nothing of the claimant, not its statement either.
    fran = bearer(others.holder_user)
    theirs = js(client.get(f"/api/v1/disputes/{dispute_id}", headers=fran))
    assert theirs["you_are"] == "respondent" and theirs["opened_by"] is None and theirs["thread"] == []
    assert theirs["respondent"]["registration_id"] == pair.held["workflow_id"]
    for body in (theirs, js(client.get("/api/v1/disputes", headers=fran))):
        no_trace(body, *traces_of_claimant(pair, world))
    held_now = js(client.get(f"/api/v1/registrations/{pair.held['workflow_id']}", headers=fran))
    assert held_now["disputes"] == [
        {"workflow_id": dispute_id, "side": "respondent", "state": "hearing", "resolution": None}
    ]
    # Staff see both sides whole.
    staff = DisputeOut.model_validate(js(client.get(f"/api/v1/disputes/{dispute_id}", headers=bearer("cam"))))
    assert staff.you_are is None and staff.respondent.partner_name == others.holder_partner_name
    assert staff.claimant.partner_id == world.partner_id and [e.side for e in staff.thread] == ["claimant"]

    # The holder's statement through the API, then the claimant's evidence: the hearing closes.
    response = client.post(
        f"/api/v1/disputes/{dispute_id}/statements",
        json={"statement": "Our registration came first."},
        headers=fran,
    )
    assert response.status_code == 200, js(response)
    given = js(response)
    assert [e["text"] for e in given["thread"]] == ["Our registration came first."]
    no_trace(given, *traces_of_claimant(pair, world))
    response = client.post(
        f"/api/v1/disputes/{dispute_id}/statements", json={"statement": "Signed NDA of 3 March."}, headers=pat
    )
    assert response.status_code == 200, js(response)
    heard = until_state(client, dispute_id, "in_review")
    assert heard["level"] == 1 and heard["level_role"] == "channel_account_manager" and heard["due_at"]

    # The first level decides through the task API: only this dispute's resolutions, with a comment.
    wait_for_open_task(dispute_id, "channel_account_manager")
    task = level_task(client, "cam", dispute_id)
    assert task["decisions"] == ["uphold", "award_claimant", "co_sell", "return_to_direct"]
    assert task["escalates"] is True and task["process_url"] == f"/disputes/{dispute_id}"
    url = f"/api/v1/tasks/{task['id']}/decision"
    bare = client.post(url, json={"outcome": "award_claimant"}, headers=bearer("cam"))
    assert bare.status_code == 422 and problem(bare).startswith("comment:")
    wrong = client.post(url, json={"outcome": "approve", "comment": "ok"}, headers=bearer("cam"))
    assert wrong.status_code == 422 and problem(wrong).startswith("outcome:")
    decided = client.post(
        url, json={"outcome": "award_claimant", "comment": "The NDA predates the holder's registration."},
        headers=bearer("cam"),
    )  # fmt: skip
    assert decided.status_code == 200, js(decided)
    assert js(decided)["process_state"] == "resolved" and js(decided)["task"]["outcome"] == "decided"

    # Both registrations' answers show where the award left them, and link the dispute.
    won = js(client.get(f"/api/v1/registrations/{pair.refused['workflow_id']}", headers=pat))
    lost = js(client.get(f"/api/v1/registrations/{pair.held['workflow_id']}", headers=fran))
    assert won["state"] == "approved" and won["expires_at"] and lost["state"] == "released"
    link = {"workflow_id": dispute_id, "state": "resolved", "resolution": "award_claimant"}
    assert won["disputes"] == [{**link, "side": "claimant"}] and lost["disputes"] == [
        {**link, "side": "respondent"}
    ]
    no_trace(won, *traces_of_holder(pair, others))
    no_trace(lost, *traces_of_claimant(pair, world))
    for user, hidden in ((pat, traces_of_holder(pair, others)), (fran, traces_of_claimant(pair, world))):
        seen = js(client.get(f"/api/v1/disputes/{dispute_id}", headers=user))
        assert seen["state"] == "resolved" and seen["resolution"] == "award_claimant"
        assert "awarded to the contesting partner" in seen["outcome"]["text"]
        assert [e["side"] for e in seen["thread"] if e["side"] not in (seen["you_are"], "path")] == []
        no_trace(seen, *hidden)
        no_trace(js(client.get("/api/v1/disputes", headers=user)), *hidden)


def test_refusals_name_the_field_and_store_nothing(
    client: FlaskClient, people: tuple[LiveWorld, DisputePeople]
) -> None:
    _, others = people
    pair = contested_pair(client, others)
    pat, fran = bearer("pat"), bearer(others.holder_user)

    def refused(user: dict[str, str], body: dict[str, Any]) -> str:
        response = client.post("/api/v1/disputes", json=body, headers=user)
        assert response.status_code == 422, js(response)
        return problem(response)

    refused_id, held_id = pair.refused["workflow_id"], pair.held["workflow_id"]
    assert refused(pat, {"registration_id": refused_id, "statement": "   "}).startswith("statement:")
    assert refused(pat, {"registration_id": refused_id}).startswith("statement:")
    assert refused(pat, {"registration_id": refused_id, "statement": "x" * 4001}).startswith("statement:")
    assert refused(pat, {"registration_id": refused_id, "statement": "ours", "actor": "cam"}).startswith(
        "actor:"
    )
    # An approval is not a conflict decision; someone else's registration looks like none at all.
    assert refused(fran, {"registration_id": held_id, "statement": "ours"}).startswith(
        "registration_id: cannot be contested: its decision was not a conflict"
    )
    assert refused(fran, {"registration_id": refused_id, "statement": "ours"}) == (
        "registration_id: no such registration of yours"
    )
    assert refused(pat, {"registration_id": "registration-1-nope", "statement": "ours"}).startswith(
        "registration_id:"
    )
    with session_scope() as db:
        assert disputes_crud.list_disputes(session=db).total == 0

    opened = open_dispute(client, pair)
    assert refused(pat, {"registration_id": refused_id, "statement": "again"}) == (
        "registration_id: this decision is already disputed"
    )
    url = f"/api/v1/disputes/{opened.workflow_id}"
    empty = client.post(f"{url}/statements", json={"statement": ""}, headers=fran)
    assert empty.status_code == 422 and problem(empty).startswith("statement:")
    # Only the contesting side withdraws; a stranger's dispute does not exist.
    not_theirs = client.post(f"{url}/withdraw", json={}, headers=fran)
    assert not_theirs.status_code == 409 and problem(not_theirs).startswith(
        "workflow_id: only the contesting"
    )
    assert client.get(url, headers=bearer(others.stranger)).status_code == 404
    stranger = client.post(f"{url}/statements", json={"statement": "mine"}, headers=bearer(others.stranger))
    assert stranger.status_code == 404 and problem(stranger).startswith("workflow_id:")
    assert client.get("/api/v1/disputes/dispute-none", headers=pat).status_code == 404
    assert client.get("/api/v1/disputes?state=bogus", headers=pat).status_code == 400
    assert (
        client.get(f"/api/v1/disputes?partner_id={others.holder_partner_id}", headers=pat).status_code == 403
    )
    seen = js(client.get(url, headers=pat))
    assert [e["text"] for e in seen["thread"]] == ["We met the customer in March."] and seen[
        "state"
    ] == "hearing"
    with session_scope() as db:
        assert disputes_crud.list_disputes(session=db).total == 1
        assert len(disputes_crud.thread(session=db, dispute_workflow_id=opened.workflow_id)) == 1


def test_a_level_escalates_by_hand_and_the_claimant_withdraws(
    client: FlaskClient, people: tuple[LiveWorld, DisputePeople]
) -> None:
    _, others = people
    pair = contested_pair(client, others)
    opened = open_dispute(client, pair)
    pat, fran = bearer("pat"), bearer(others.holder_user)
    for user, text in ((fran, "Ours first."), (pat, "Ours in truth.")):
        response = client.post(
            f"/api/v1/disputes/{opened.workflow_id}/statements", json={"statement": text}, headers=user
        )
        assert response.status_code == 200, js(response)
    until_state(client, opened.workflow_id, "in_review")
    wait_for_open_task(opened.workflow_id, "channel_account_manager")
    task = level_task(client, "cam", opened.workflow_id)
    assert client.post(f"/api/v1/tasks/{task['id']}/escalate", json={}, headers=pat).status_code == 403
    response = client.post(
        f"/api/v1/tasks/{task['id']}/escalate", json={"comment": "Needs the director."}, headers=bearer("cam")
    )
    assert response.status_code == 200, js(response)
    assert js(response)["task"]["outcome"] == "escalated"
    wait_for_open_task(opened.workflow_id, "regional_channel_director")
    moved = js(client.get(f"/api/v1/disputes/{opened.workflow_id}", headers=pat))
    assert moved["level"] == 2 and moved["level_role"] == "regional_channel_director"

    response = client.post(
        f"/api/v1/disputes/{opened.workflow_id}/withdraw",
        json={"comment": "Settled between us."},
        headers=pat,
    )
    assert response.status_code == 200, js(response)
    assert js(response)["state"] == "withdrawn" and js(response)["ended_because"] == "Settled between us."
    theirs = js(client.get(f"/api/v1/disputes/{opened.workflow_id}", headers=fran))
    assert theirs["state"] == "withdrawn" and "Settled" not in json.dumps(theirs)
    page = DisputePage.model_validate(js(client.get("/api/v1/disputes?state=withdrawn", headers=pat)))
    assert [d.workflow_id for d in page.items] == [opened.workflow_id]
    again = client.post(f"/api/v1/disputes/{opened.workflow_id}/withdraw", json={}, headers=pat)
    assert again.status_code == 409 and problem(again).startswith("workflow_id:")
