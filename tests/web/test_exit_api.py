"""``/api/v1/exits`` through the real exit workflow: a Temporal dev server, one worker process for
the module, and the app under Flask's test client, on SQLite and PostgreSQL.

Partner operations start exits (nobody else may, and the actor is the token's user); refusals
name the field and store nothing. The exiting partner reads its own exit once notice is given,
its registrations' dispositions in the rulebook's words and a transferee only as "another
partner"; anyone else gets a 404. Cancelling works while notice runs and is refused after."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from rules.reasons import meaning
from store.crud import users as users_crud
from store.crud.exits import list_exits
from store.engine import session_scope
from tests.web.conftest import js
from tests.web.dispute_fixtures import bearer
from tests.web.exit_api_fixtures import PartnerUser, Staff, decide_now, exit_view_now, partner_with_user
from tests.web.exit_api_fixtures import exit_api_live as exit_api_live  # re-exported: a fixture
from tests.web.exit_api_fixtures import exit_staff as exit_staff  # re-exported: a fixture
from tests.web.live import registration_body
from web import create_app
from web.api.exit_schemas import ExitOut, ExitPage
from web.api.exit_view import exit_out, exit_reader
from web.auth import principal_for
from web.kinds import kinds

pytestmark = pytest.mark.temporal

WAIT = 30.0


@pytest.fixture
def client(exit_staff: Staff) -> FlaskClient:
    return create_app({"TESTING": True}).test_client()


def problem(response: Any) -> str:
    first = js(response)["error"]["problems"][0]
    return f"{first['field']}: {first['message']}"


def start(
    client: FlaskClient, who: str, partner_id: int | str, exit_type: str = "voluntary", **body: Any
) -> Any:
    data = {"partner_id": partner_id, "exit_type": exit_type, "why": "The agreement ends", **body}
    return client.post("/api/v1/exits", json=data, headers=bearer(who))


def exits_of(partner_id: int) -> int:
    with session_scope() as db:
        return list_exits(session=db, partner_id=partner_id).total


def register(client: FlaskClient, partner: PartnerUser, key: str, name: str, domain: str) -> dict[str, Any]:
    """A registration that waits for a review (above auto-approval) or is refused as second."""
    body = {**registration_body(key, 400_000, name), "account_domain": domain}
    response = client.post("/api/v1/registrations", json=body, headers=bearer(partner.user))
    assert response.status_code == 201, js(response)
    return dict(js(response))


def until(client: FlaskClient, who: str, workflow_id: str, test: Any) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT
    while True:
        seen = dict(js(client.get(f"/api/v1/exits/{workflow_id}", headers=bearer(who))))
        if test(seen) or time.monotonic() > deadline:
            assert test(seen), seen
            return seen
        time.sleep(0.3)


def test_partner_operations_start_and_cancel_refusals_naming_the_field(
    client: FlaskClient, exit_staff: Staff
) -> None:
    leaving = partner_with_user("Northwind Systems")
    for who in (leaving.user, exit_staff.cam, exit_staff.vp):
        refused = start(client, who, leaving.partner_id)
        assert refused.status_code == 403 and problem(refused).startswith("role:"), js(refused)
    for body, field in (
        ({"exit_type": "amicable"}, "exit_type"),
        ({"why": ""}, "why"),
        ({"why": "  "}, "why"),
        ({"started_by": "someone-else"}, "started_by"),
    ):
        bad = start(client, exit_staff.ops, leaving.partner_id, **body)
        assert bad.status_code == 422 and problem(bad).startswith(f"{field}:"), (body, js(bad))
    text_id = start(client, exit_staff.ops, str(leaving.partner_id))  # a JSON number, not text
    assert text_id.status_code == 422 and problem(text_id).startswith("partner_id:"), js(text_id)
    unknown = start(client, exit_staff.ops, 2_000_000_999)
    assert unknown.status_code == 422 and problem(unknown).startswith("partner_id: no partner"), js(unknown)
    assert exits_of(leaving.partner_id) == 0

    response = start(client, exit_staff.ops, leaving.partner_id)
    assert response.status_code == 201, js(response)
    started = ExitOut.model_validate(js(response))
    assert (started.state, started.exit_type, started.started_by) == ("notice", "voluntary", exit_staff.ops)
    assert started.partner_name == leaving.name and started.notice_ends_at is not None
    again = start(client, exit_staff.ops, leaving.partner_id)
    assert again.status_code == 422 and "already under way" in problem(again), js(again)
    assert problem(again).startswith("partner_id:") and exits_of(leaving.partner_id) == 1

    # The partner reads its exit in notice, without who at the vendor gave it.
    url = f"/api/v1/exits/{started.workflow_id}"
    theirs = ExitOut.model_validate(js(client.get(url, headers=bearer(leaving.user))))
    assert theirs.state == "notice" and theirs.why == "The agreement ends" and theirs.notice_ends_at
    assert (theirs.started_by, theirs.history, theirs.open_tasks) == (None, [], [])
    assert exit_staff.ops not in json.dumps(js(client.get(url, headers=bearer(leaving.user))))

    cancel = f"{url}/cancel"
    for who in (leaving.user, exit_staff.cam):
        refused = client.post(cancel, json={"reason": "we stay"}, headers=bearer(who))
        assert refused.status_code == 403 and problem(refused).startswith("role:"), js(refused)
    blank = client.post(cancel, json={"reason": " "}, headers=bearer(exit_staff.ops))
    assert blank.status_code == 422 and problem(blank).startswith("reason:")
    done = client.post(cancel, json={"reason": "Renewed after all"}, headers=bearer(exit_staff.ops))
    assert done.status_code == 200, js(done)
    assert js(done)["state"] == "cancelled" and js(done)["ended_because"] == "Renewed after all"
    twice = client.post(cancel, json={"reason": "again"}, headers=bearer(exit_staff.ops))
    assert twice.status_code == 409 and problem(twice).startswith("workflow_id:"), js(twice)
    mine = js(client.get(url, headers=bearer(leaving.user)))
    assert mine["state"] == "cancelled" and mine["ended_because"] is None


def test_the_exiting_partner_reads_its_exit_without_the_transferee(
    client: FlaskClient, exit_staff: Staff
) -> None:
    leaving = partner_with_user("Northwind Systems")
    taker = partner_with_user("Fabrikam Resellers")
    stranger = partner_with_user("Tailspin Traders", tier="silver", verticals=[], certifications=[])
    word = uuid.uuid4().hex[:8]
    domain = f"initech-{word}.com"
    held = register(client, leaving, f"w-{word}", f"Initech {word}", domain)
    late = register(client, taker, f"late-{word}", f"Initech {word}", domain)  # second: refused
    alone = register(client, leaving, f"a-{word}", f"Umbrella {word}", f"umbrella-{word}.com")
    assert (held["state"], late["state"], alone["state"]) == (
        "pending_approval",
        "rejected",
        "pending_approval",
    )

    response = start(
        client, exit_staff.ops, leaving.partner_id, "program_change", why="The program is retired"
    )
    assert response.status_code == 201, js(response)
    exit_id = js(response)["workflow_id"]
    url = f"/api/v1/exits/{exit_id}"
    # In notice, the partner reads its own exit and plan: each registration goes to another partner.
    theirs = js(client.get(url, headers=bearer(leaving.user)))
    assert {d["registration_id"]: d["goes_to"] for d in theirs["dispositions"]} == {
        held["workflow_id"]: "another partner",
        alone["workflow_id"]: "another partner",
    }
    for item in theirs["dispositions"]:
        assert all(r["text"] == meaning(r["code"]) and r["facts"] == {} for r in item["reasons"])
    assert str(taker.partner_id) not in json.dumps(theirs) and late["workflow_id"] not in json.dumps(theirs)
    listed = ExitPage.model_validate(js(client.get("/api/v1/exits", headers=bearer(leaving.user))))
    assert [e.workflow_id for e in listed.items] == [exit_id] and listed.total == 1
    for other in (taker, stranger):  # another partner's exit is as if it did not exist
        assert client.get(url, headers=bearer(other.user)).status_code == 404
        assert js(client.get("/api/v1/exits", headers=bearer(other.user)))["items"] == []
        refused = client.get(f"/api/v1/exits?partner_id={leaving.partner_id}", headers=bearer(other.user))
        assert refused.status_code == 403

    # Notice ends: the transfer is applied, the lone registration waits for partner operations.
    winding = until(client, exit_staff.ops, exit_id, lambda v: bool(v["open_tasks"]))
    assert winding["state"] == "winding_down"
    moved = {d["registration_id"]: d for d in winding["dispositions"]}[held["workflow_id"]]
    assert (moved["state"], moved["transferee_partner_id"]) == ("applied", taker.partner_id)
    late_cancel = client.post(f"{url}/cancel", json={"reason": "too late"}, headers=bearer(exit_staff.ops))
    assert late_cancel.status_code == 409 and "notice has ended" in problem(late_cancel)
    assert client.get(url, headers=bearer(leaving.user)).status_code == 401  # access revoked

    # What the partner would read now, through the one place that decides it: no trace of the taker.
    with session_scope() as db:
        user = users_crud.get_user_by_username(session=db, username=leaving.user)
        assert user is not None
        reader = exit_reader(principal_for(db, user), leaving.partner_id, noticed=True)
    assert reader is not None and not reader.staff
    partner_view = exit_out(exit_view_now(exit_id), reader).model_dump(mode="json")
    shown = {d["registration_id"]: d for d in partner_view["dispositions"]}[held["workflow_id"]]
    assert shown["goes_to"] == "another partner" and shown["transferee_registration_id"] is None
    text = json.dumps(partner_view)
    for trace in (
        str(taker.partner_id),
        taker.name,
        late["workflow_id"],
        f"late-{word}",
        moved["transferee_registration_id"],
    ):
        assert trace not in text, trace

    # Partner operations choose for the lone registration: refusals by field, then direct sales.
    choose = f"{url}/transferee"
    for body, field, status in (
        ({"registration_id": "registration-1-nope", "partner_id": None}, "registration_id", 422),
        ({"registration_id": alone["workflow_id"], "partner_id": stranger.partner_id}, "partner_id", 422),
        ({"registration_id": alone["workflow_id"]}, "partner_id", 422),
        ({"registration_id": held["workflow_id"], "partner_id": None}, "registration_id", 422),
    ):
        bad = client.post(choose, json=body, headers=bearer(exit_staff.ops))
        assert bad.status_code == status and problem(bad).startswith(f"{field}:"), (body, js(bad))
    assert client.post(choose, json={"registration_id": alone["workflow_id"], "partner_id": None},
                       headers=bearer(exit_staff.cam)).status_code == 403  # fmt: skip
    chosen = client.post(
        choose, json={"registration_id": alone["workflow_id"], "partner_id": None, "comment": "nobody fits"},
        headers=bearer(exit_staff.ops),
    )  # fmt: skip
    assert chosen.status_code == 200, js(chosen)
    returned = {d["registration_id"]: d for d in js(chosen)["dispositions"]}[alone["workflow_id"]]
    assert (returned["disposition"], returned["state"], returned["goes_to"]) == (
        "return_to_direct", "applied", "direct sales",
    )  # fmt: skip
    assert js(chosen)["open_tasks"] == []


def test_a_for_cause_exit_stays_with_the_vendor_until_approved(
    client: FlaskClient, exit_staff: Staff
) -> None:
    leaving = partner_with_user("Contoso Partners")
    response = start(client, exit_staff.ops, leaving.partner_id, "for_cause", why="Breach of contract")
    assert response.status_code == 201, js(response)
    started = js(response)
    assert (started["state"], started["approval_role"]) == ("awaiting_approval", "vp_channel")
    url = f"/api/v1/exits/{started['workflow_id']}"
    # Not given yet: the partner cannot see it, in the listing either.
    assert client.get(url, headers=bearer(leaving.user)).status_code == 404
    assert js(client.get("/api/v1/exits", headers=bearer(leaving.user)))["total"] == 0
    # A partner may never cancel an exit: refused at the door whatever the id, which says nothing
    # about whether this exit exists.
    assert client.post(f"{url}/cancel", json={"reason": "x"}, headers=bearer(leaving.user)).status_code == 403

    [task] = started["open_tasks"]
    if "exit" in kinds():  # decided like every other task once the inbox knows exits
        decided = client.post(
            f"/api/v1/tasks/{task['task_id']}/decision",
            json={"outcome": "approve", "comment": "Confirmed"},
            headers=bearer(exit_staff.vp),
        )
        assert decided.status_code == 200, js(decided)
    else:
        decide_now(started["workflow_id"], task["task_id"], exit_staff.vp, "approve")
    given = until(client, exit_staff.ops, started["workflow_id"], lambda v: v["notice_given_at"] is not None)
    assert given["approved_by"] == exit_staff.vp
    # For cause, access is revoked at once: the partner cannot sign in to read it.
    assert client.get(url, headers=bearer(leaving.user)).status_code == 401
