"""``/api/v1/rulebooks`` through the real roll-out workflow: a Temporal dev server, one worker for
the module, and the app under Flask's test client, on SQLite and PostgreSQL.

Partner operations submit a draft (every field at fault named, nothing stored), attach its
what-if (the gate refuses another draft's) and withdraw it; a second person of the rollout
section's role approves it through ``/tasks/{id}/decision`` (never its author); a partner's user
reads published versions only, its own partner's acknowledgement and never the roll-out or the
YAML, and acknowledges once. Every refusal by role is a 403 naming ``role``."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from pydantic import BaseModel

from parley.http import models as m
from tests.web.conftest import js
from tests.web.dispute_fixtures import bearer
from tests.web.rulebook_api_fixtures import (
    FUTURE,
    IN_FORCE,
    People,
    RolloutLive,
    draft_text,
    new_version,
    stored,
    what_if,
)
from tests.web.rulebook_api_fixtures import people as people  # re-exported: a fixture
from tests.web.rulebook_api_fixtures import rollout_live as rollout_live  # re-exported: a fixture
from web import create_app
from web.api import rulebook_schemas as rb

pytestmark = pytest.mark.temporal

WAIT = 30.0
COMMENT = "Shorter protection, agreed at the partner council"


@pytest.fixture
def client(people: People) -> FlaskClient:
    return create_app({"TESTING": True}).test_client()


def problem(response: Any) -> str:
    first = js(response)["error"]["problems"][0]
    return f"{first['field']}: {first['message']}"


def fields(response: Any) -> list[str]:
    return [p["field"] for p in js(response)["error"]["problems"]]


def submit(client: FlaskClient, who: str, text: str, comment: str = COMMENT) -> Any:
    return client.post("/api/v1/rulebooks", json={"text": text, "comment": comment}, headers=bearer(who))


def submitted(client: FlaskClient, live: RolloutLive, people: People, version: str) -> dict[str, Any]:
    response = submit(client, people.author, draft_text(live, version, protection_period="1800s"))
    assert response.status_code == 201, js(response)
    return dict(js(response))


def read(client: FlaskClient, who: str, version: str) -> Any:
    return client.get(f"/api/v1/rulebooks/{version}", headers=bearer(who))


def attach(client: FlaskClient, who: str, version: str, run_id: int) -> Any:
    return client.post(f"/api/v1/rulebooks/{version}/what-if", json={"run_id": run_id}, headers=bearer(who))


def decide(client: FlaskClient, who: str, task_id: int, outcome: str = "approve") -> Any:
    body = {"outcome": outcome, "comment": "Checked against the what-if"}
    return client.post(f"/api/v1/tasks/{task_id}/decision", json=body, headers=bearer(who))


def until_standing(client: FlaskClient, who: str, version: str, standing: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT
    while True:
        seen = dict(js(read(client, who, version)))
        if seen["standing"] == standing or time.monotonic() > deadline:
            assert seen["standing"] == standing, seen
            return seen
        time.sleep(0.3)


def published(client: FlaskClient, live: RolloutLive, people: People) -> str:
    """A draft submitted, gated, approved by the VP and scheduled: its version."""
    version = new_version()
    submitted(client, live, people, version)
    attached = attach(client, people.ops, version, what_if(live, version))
    assert attached.status_code == 200, js(attached)
    [task] = js(attached)["open_tasks"]
    approved = decide(client, people.vp, task["task_id"])
    assert approved.status_code == 200, js(approved)
    until_standing(client, people.ops, version, "scheduled")
    return version


def test_a_draft_is_submitted_gated_and_approved_by_a_second_person(
    client: FlaskClient, rollout_live: RolloutLive, people: People
) -> None:
    version = new_version()
    text = draft_text(rollout_live, version, protection_period="1800s")
    response = submit(client, people.author, text)
    assert response.status_code == 201, js(response)
    draft = rb.RolloutOut.model_validate(js(response))
    assert (draft.version, draft.state, draft.waits_for) == (version, "draft", "what_if")
    assert (draft.submitted_by, draft.comment, draft.governed_by) == (people.author, COMMENT, IN_FORCE)
    assert draft.open_tasks == [] and any("protection_period" in c for c in draft.changes)
    row = stored(version)
    assert row is not None and row.state == "draft" and row.text == text  # kept as written

    # Partner operations read the draft whole; an approver of another role reads it and its YAML.
    mine = rb.RulebookOut.model_validate(js(read(client, people.ops, version)))
    assert mine.standing == "draft" and mine.text == text and mine.rollout is not None
    assert mine.rollout.submitted_by == people.author and mine.rollout.what_if_run_id is None
    theirs = rb.RulebookOut.model_validate(js(read(client, people.cam, version)))
    assert theirs.text == text and theirs.rollout is None and theirs.acknowledgement is None

    run_id = what_if(rollout_live, version)
    attached = attach(client, people.ops, version, run_id)
    assert attached.status_code == 200, js(attached)
    gated = rb.RolloutOut.model_validate(js(attached))
    assert gated.waits_for == "approval" and gated.what_if is not None and gated.what_if.run_id == run_id
    [task] = gated.open_tasks
    assert (task.kind, task.role) == ("rulebook.approval", "vp_channel")
    again = attach(client, people.ops, version, run_id)
    assert again.status_code == 409 and problem(again).startswith("run_id:"), js(again)

    # Four-eyes: the author holds the approving role and is refused; the task stays open.
    own = decide(client, people.author, task.task_id)
    assert own.status_code == 409 and fields(own) == ["task_id"], js(own)
    assert stored(version).state == "draft"  # type: ignore[union-attr]
    approved = decide(client, people.vp, task.task_id)
    assert approved.status_code == 200 and js(approved)["accepted"], js(approved)
    seen = until_standing(client, people.ops, version, "scheduled")
    assert seen["rollout"]["approved_by"] == people.vp and seen["rollout"]["what_if_run_id"] == run_id
    row = stored(version)
    assert row is not None and row.approved_by == people.vp and row.simulation_run_id == run_id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"registration": {"protection_period": "forever"}}, "registration.protection_period"),
        ({"effective_from": "2020-01-01T00:00:00Z"}, "effective_from"),
        ({"version": IN_FORCE}, "version"),
        ({"comment": "   "}, "comment"),
    ],
)
def test_an_invalid_draft_is_refused_naming_the_field_and_nothing_is_stored(
    client: FlaskClient, rollout_live: RolloutLive, people: People, change: dict[str, Any], field: str
) -> None:
    version = change.get("version", new_version())
    text = draft_text(
        rollout_live,
        version,
        change.get("effective_from", FUTURE),
        **change.get("registration", {}),
    )
    response = submit(client, people.ops, text, change.get("comment", COMMENT))
    assert response.status_code == 422 and field in fields(response), js(response)
    if version != IN_FORCE:
        assert stored(version) is None
    assert stored(IN_FORCE).state == "in_force"  # type: ignore[union-attr]
    for body, named in (({"text": text}, "comment"), ({"text": text, "comment": "x", "y": 1}, "y")):
        bad = client.post("/api/v1/rulebooks", json=body, headers=bearer(people.ops))
        assert bad.status_code == 422 and named in fields(bad), js(bad)


def test_the_gate_refuses_another_drafts_what_if(
    client: FlaskClient, rollout_live: RolloutLive, people: People
) -> None:
    version, other = new_version(), new_version()
    submitted(client, rollout_live, people, version)
    refused = attach(client, people.ops, version, what_if(rollout_live, other))
    assert refused.status_code == 409 and problem(refused).startswith("run_id:"), js(refused)
    assert other in problem(refused)
    missing = attach(client, people.ops, version, 2_000_000_000)
    assert missing.status_code == 422 and fields(missing) == ["run_id"], js(missing)
    unknown = attach(client, people.ops, "no-such-version", what_if(rollout_live, version))
    assert unknown.status_code == 404 and fields(unknown) == ["version"], js(unknown)
    imported = attach(client, people.ops, IN_FORCE, what_if(rollout_live, version))
    assert imported.status_code == 409 and fields(imported) == ["version"], js(imported)
    row = stored(version)
    assert row is not None and row.state == "draft" and row.simulation_run_id is None


def test_refusals_by_role_are_403_naming_role(
    client: FlaskClient, rollout_live: RolloutLive, people: People
) -> None:
    version = new_version()
    text = draft_text(rollout_live, version)
    for who in (people.first.user, people.cam, people.vp):
        refused = submit(client, who, text)
        assert refused.status_code == 403 and fields(refused) == ["role"], (who, js(refused))
        for path, body in (("what-if", {"run_id": 1}), ("withdrawal", {"reason": "no"})):
            other = client.post(f"/api/v1/rulebooks/{IN_FORCE}/{path}", json=body, headers=bearer(who))
            assert other.status_code == 403 and fields(other) == ["role"], (who, path, js(other))
    for who in (people.ops, people.cam, people.admin):
        ack = client.post(f"/api/v1/rulebooks/{IN_FORCE}/acknowledgement", headers=bearer(who))
        assert ack.status_code == 403 and fields(ack) == ["role"], (who, js(ack))
    assert stored(version) is None


def test_partners_read_published_versions_and_acknowledge_once(
    client: FlaskClient, rollout_live: RolloutLive, people: People
) -> None:
    draft = new_version()
    submitted(client, rollout_live, people, draft)
    version = published(client, rollout_live, people)
    first, second = people.first.user, people.second.user

    listing = js(client.get("/api/v1/rulebooks", headers=bearer(first)))["items"]
    assert version in [r["version"] for r in listing] and IN_FORCE in [r["version"] for r in listing]
    assert draft not in [r["version"] for r in listing]
    staff = js(client.get("/api/v1/rulebooks", headers=bearer(people.cam)))["items"]
    assert draft in [r["version"] for r in staff]
    hidden = read(client, first, draft)
    assert hidden.status_code == 404 and fields(hidden) == ["version"], js(hidden)
    assert read(client, first, "no-such-version").status_code == 404

    theirs = rb.RulebookOut.model_validate(js(read(client, first, version)))
    assert theirs.standing == "scheduled" and theirs.governing == IN_FORCE
    assert theirs.playbook.startswith(f"# Draft {version} — partner playbook")
    assert any("protection_period" in c for c in theirs.changes)
    assert theirs.text is None and theirs.rollout is None  # no YAML, no roll-out record
    assert theirs.acknowledgement is not None and theirs.acknowledgement.asked
    assert theirs.acknowledgement.acknowledged_by is None and theirs.acknowledgement.due_at is not None

    url = f"/api/v1/rulebooks/{version}/acknowledgement"
    acknowledged = client.post(url, headers=bearer(first))
    assert acknowledged.status_code == 200, js(acknowledged)
    own = rb.RulebookOut.model_validate(js(acknowledged)).acknowledgement
    assert own is not None and own.acknowledged_by == first and own.acknowledged_at is not None
    again = client.post(url, headers=bearer(first))
    assert again.status_code == 409 and "already acknowledged" in problem(again), js(again)

    # The other partner reads its own acknowledgement (not given), never the first partner's.
    other = js(read(client, second, version))
    assert other["acknowledgement"]["asked"] and other["acknowledgement"]["acknowledged_by"] is None
    assert first not in json.dumps(other) and people.first.name not in json.dumps(other)
    # Partner operations read every partner's acknowledgement.
    record = rb.RulebookOut.model_validate(js(read(client, people.ops, version))).rollout
    assert record is not None
    acks = {a.partner_id: a.acknowledged_by for a in record.acknowledgements}
    assert acks[people.first.partner_id] == first and acks[people.second.partner_id] is None


def test_withdrawal_before_the_version_is_in_force(
    client: FlaskClient, rollout_live: RolloutLive, people: People
) -> None:
    version = published(client, rollout_live, people)
    assert read(client, people.first.user, version).status_code == 200
    url = f"/api/v1/rulebooks/{version}/withdrawal"
    blank = client.post(url, json={"reason": "  "}, headers=bearer(people.ops))
    assert blank.status_code == 422 and fields(blank) == ["reason"], js(blank)
    withdrawn = client.post(
        url, json={"reason": "The council asked for more time"}, headers=bearer(people.ops)
    )
    assert withdrawn.status_code == 200, js(withdrawn)
    view = rb.RolloutOut.model_validate(js(withdrawn))
    assert view.state == "withdrawn" and view.open_tasks == []
    again = client.post(url, json={"reason": "twice"}, headers=bearer(people.ops))
    assert again.status_code == 409 and fields(again) == ["version"], js(again)
    seen = until_standing(client, people.ops, version, "withdrawn")
    assert seen["rollout"]["withdrawn_by"] == people.ops
    assert read(client, people.first.user, version).status_code == 404  # partners no longer read it
    late = client.post(f"/api/v1/rulebooks/{version}/acknowledgement", headers=bearer(people.first.user))
    assert late.status_code == 404, js(late)
    in_force = client.post(
        f"/api/v1/rulebooks/{IN_FORCE}/withdrawal", json={"reason": "no"}, headers=bearer(people.ops)
    )
    assert in_force.status_code == 409 and fields(in_force) == ["version"], js(in_force)


def test_the_http_client_models_name_only_fields_the_api_answers() -> None:
    pairs: list[tuple[type[BaseModel], type[BaseModel]]] = [
        (m.Rollout, rb.RolloutOut), (m.Rulebook, rb.RulebookOut), (m.RulebookRow, rb.RulebookRow),
        (m.WhatIf, rb.WhatIfOut), (m.RolloutTask, rb.RolloutTaskOut),
        (m.Acknowledgement, rb.AcknowledgementOut), (m.OwnAcknowledgement, rb.OwnAcknowledgementOut),
        (m.RolloutRecord, rb.RolloutRecordOut),
    ]  # fmt: skip
    for ours, theirs in pairs:
        assert set(ours.model_fields) == set(theirs.model_fields), ours.__name__
