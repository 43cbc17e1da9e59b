"""Rulebook roll-out tasks in the inbox, on a real Temporal dev server and ``parley worker``: the
approval's page shows the draft, its author, the what-if and the rule changes; the author is refused
(four eyes) and a VP approves; each partner's user then reads only its own partner's
acknowledgement task, decides nothing there, and acknowledges on the version's page."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from store.crud import partners as partners_crud
from store.crud import tasks as tasks_crud
from store.crud import users as users_crud
from store.engine import engine_for, session_scope
from store.models import Task
from tests.fixtures_temporal import TemporalServer, WorkerProcess
from tests.web.conftest import PASSWORD, csrf_token, post_form, signed_in
from tests.web.live import start_app_worker, wait_for_open_task
from tests.workflows.harness import fast_rulebook_dir
from tests.workflows.rollout_harness import completed_what_if, draft_text, soon
from workflows.rollout.types import ACKNOWLEDGEMENT_TASK, APPROVAL_TASK, rollout_workflow_id

pytestmark = pytest.mark.temporal

# The second-scale test rulebook, with a roll-out slow enough for people to read and click.
ROLLOUT_TIMES = {"approval_sla": "300s", "acknowledgement_period": "300s", "acknowledgement_reminder": "60s"}
CHANGE = {"protection_period": "12s"}  # the one rule the draft changes (6 seconds in force)
CHANGE_IN_WORDS = "registration.protection_period: 6 seconds → 12 seconds"


@dataclass(frozen=True)
class RolloutPeople:
    """Partner operations (``olivia``, also a VP: sees the approval, may never approve her own
    draft), a VP who approves (``val``), and two partners with a user each."""

    author: str
    approver: str
    partner_id: int
    partner_name: str
    partner_user: str
    other_partner_id: int
    other_partner_name: str
    other_partner_user: str


def seed_rollout_people(author_roles: tuple[str, ...] = ("partner_ops", "vp_channel")) -> RolloutPeople:
    with session_scope() as db:
        ids = {}
        for name in ("Northwind Systems", "Contoso Partners"):
            partner = partners_crud.create_partner(
                session=db, data={"name": name, "tier": "gold", "territories": ["us-west"]}
            )
            assert partner.id is not None
            ids[name] = partner.id
        for username, display, roles, partner_id in (
            ("olivia", "Olivia Ops", list(author_roles), None),
            ("val", "Val President", ["vp_channel"], None),
            ("pat", "Pat Partner", ["partner"], ids["Northwind Systems"]),
            ("olga", "Olga Other", ["partner"], ids["Contoso Partners"]),
        ):
            users_crud.create_user(
                session=db,
                data={
                    "username": username,
                    "display_name": display,
                    "password": PASSWORD,
                    "roles": roles,
                    "partner_id": partner_id,
                },
            )
    return RolloutPeople(
        "olivia",
        "val",
        ids["Northwind Systems"],
        "Northwind Systems",
        "pat",
        ids["Contoso Partners"],
        "Contoso Partners",
        "olga",
    )


def start_rollout_worker(
    monkeypatch: pytest.MonkeyPatch, server: TemporalServer, database_url: str, task_queue: str, folder: Path
) -> WorkerProcess:
    """A worker on the test's task queue and database, the web app's settings on the same stack;
    the rulebook folder holds the fast test rulebook (``testing-fast``) with ROLLOUT_TIMES."""
    rulebooks = fast_rulebook_dir(folder / "rulebooks", None, **ROLLOUT_TIMES)
    live = start_app_worker(monkeypatch, server, database_url, task_queue, rulebooks, folder / "worker.log")
    return live.worker


@pytest.fixture
def rollout_worker(
    monkeypatch: pytest.MonkeyPatch,
    temporal_server: TemporalServer,
    parley_database: str,
    task_queue: str,
    tmp_path: Path,
) -> Iterator[WorkerProcess]:
    worker = start_rollout_worker(monkeypatch, temporal_server, parley_database, task_queue, tmp_path)
    try:
        yield worker
    finally:
        worker.stop()
        engine_for(parley_database).dispose()


def new_draft(seconds_ahead: float) -> tuple[str, str]:
    """A version id of its own (the Temporal server outlives each test's database) and the draft:
    the test rulebook with CHANGE, effective ``seconds_ahead`` from now."""
    version = f"2098.{uuid.uuid4().hex[:8]}"
    return version, draft_text(version, soon(seconds_ahead), **CHANGE, **ROLLOUT_TIMES)


def wait_for_tasks(process_id: str, kind: str, count: int, timeout: float = 20) -> list[Task]:
    deadline = time.monotonic() + timeout
    while True:
        with session_scope() as db:
            tasks = [
                t for t in tasks_crud.list_process_tasks(session=db, process_id=process_id) if t.kind == kind
            ]
        if len(tasks) >= count or time.monotonic() > deadline:
            return tasks
        time.sleep(0.1)


def _text(html: str) -> str:
    """The page's words without tags, spaces folded (to read a sentence across its markup)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _decide(client: FlaskClient, task_id: int, outcome: str, comment: str = "") -> str:
    return post_form(
        client, f"/inbox/tasks/{task_id}/decide", f"/inbox/tasks/{task_id}", outcome=outcome, comment=comment
    )


def test_a_draft_is_approved_in_the_inbox_and_each_partner_reads_only_its_own_acknowledgement(
    rollout_worker: WorkerProcess, parley_database: str
) -> None:
    people = seed_rollout_people()
    version, text = new_draft(120)
    author = signed_in(people.author)
    submitted = post_form(
        author,
        "/rulebooks/submit",
        "/rulebooks/validate",
        rulebook_yaml=text,
        comment="Longer protection, agreed at the partner council",
    )
    assert f"Draft {version} is stored" in submitted, _text(submitted)
    run_id = completed_what_if(parley_database, version, by=people.author)
    attached = post_form(
        author, f"/rulebooks/versions/{version}/what-if", f"/rulebooks/versions/{version}", run_id=str(run_id)
    )
    assert f"What-if {run_id} is attached" in attached, _text(attached)
    process_id = rollout_workflow_id(version, text)
    approval = wait_for_open_task(process_id, "vp_channel")
    assert approval.kind == APPROVAL_TASK and approval.id is not None

    # The author holds the approving role: the task is in her inbox, its page says she may not
    # decide it, and the roll-out refuses her approval in words.
    assert f"Approve rulebook {version}" in author.get("/inbox/").get_data(as_text=True)
    page = author.get(f"/inbox/tasks/{approval.id}").get_data(as_text=True)
    words = _text(page)
    assert version in page and "Longer protection, agreed at the partner council" in words
    assert re.search(r"Submitted by\s+olivia", words)
    assert f"run {run_id} : Shorter protection: 12 registrations decided differently" in words
    assert f"/sandbox/runs/{run_id}" in page  # partner operations may open the run
    assert "What changes from testing-fast (in force now)" in words and CHANGE_IN_WORDS in words
    assert "You submitted this draft, so you cannot approve or reject it" in words
    refused = _text(_decide(author, approval.id, "approve"))
    assert "Refused:" in refused and "four-eyes" in refused, refused
    with session_scope() as db:
        assert tasks_crud.get_task(session=db, task_id=approval.id).state == "open"

    approver = signed_in(people.approver)
    page = approver.get(f"/inbox/tasks/{approval.id}").get_data(as_text=True)
    words = _text(page)
    assert "Four eyes: olivia submitted this draft and cannot decide it." in words
    assert "Shorter protection: 12 registrations decided differently" in words
    assert f"/sandbox/runs/{run_id}" not in page  # the sandbox is partner operations'
    approved = _text(_decide(approver, approval.id, "approve", "Reviewed the what-if"))
    assert "Decision recorded" in approved, approved

    acks = wait_for_tasks(process_id, ACKNOWLEDGEMENT_TASK, 2)
    by_partner = {t.partner_id: t for t in acks}
    assert set(by_partner) == {people.partner_id, people.other_partner_id}
    own, theirs = by_partner[people.partner_id], by_partner[people.other_partner_id]

    partner = signed_in(people.partner_user)
    inbox = partner.get("/inbox/").get_data(as_text=True)
    assert f"Acknowledge rulebook {version}" in inbox and f"/inbox/tasks/{own.id}" in inbox
    assert f"/inbox/tasks/{theirs.id}" not in inbox and people.other_partner_name not in inbox
    assert (
        'aria-label="1 tasks"' in inbox and "Approve selected" not in inbox and 'name="task_id"' not in inbox
    )
    assert 'id="f-partner"' not in inbox
    assert f"/rulebooks/versions/{version}" in inbox  # the process column links the version page
    assert partner.get(f"/inbox/tasks/{theirs.id}").status_code == 404
    assert partner.get(f"/inbox/tasks/{approval.id}").status_code == 404
    detail = partner.get(f"/inbox/tasks/{own.id}").get_data(as_text=True)
    words = _text(detail)
    assert f"Read and acknowledge rulebook {version}" in words and CHANGE_IN_WORDS in words
    assert "Timeline" not in words and "Claim" not in words and "/decide" not in detail
    assert f'href="/rulebooks/versions/{version}" data-testid="answer-on-page"' in detail
    assert f"Rulebook {version} takes effect" in words  # scheduled, not yet in force
    assert "olivia" not in words and "val" not in words.split()  # no approver or comment shown
    token = csrf_token(partner, "/inbox/")
    for path, data in (
        (f"/inbox/tasks/{own.id}/decide", {"outcome": "approve"}),
        (f"/inbox/tasks/{own.id}/claim", {"action": "claim"}),
        (f"/inbox/tasks/{own.id}/escalate", {}),
        ("/inbox/bulk", {"task_id": str(own.id)}),
    ):
        assert partner.post(path, data={**data, "csrf_token": token}).status_code == 403, path

    other = signed_in(people.other_partner_user)
    inbox = other.get("/inbox/").get_data(as_text=True)
    assert f"/inbox/tasks/{theirs.id}" in inbox and f"/inbox/tasks/{own.id}" not in inbox
    assert people.partner_name not in inbox
    assert other.get(f"/inbox/tasks/{own.id}").status_code == 404

    # The task's link leads to the version's page, where the partner's user acknowledges.
    link = re.search(r'href="([^"]+)" data-testid="acknowledge-link"', detail)
    assert link and link.group(1) == f"/rulebooks/versions/{version}"
    version_page = partner.get(link.group(1)).get_data(as_text=True)
    assert "Your partner is asked to acknowledge this rulebook" in version_page
    acknowledged = _text(post_form(partner, f"/rulebooks/versions/{version}/acknowledgement", link.group(1)))
    assert f"rulebook {version} is acknowledged for your partner" in acknowledged, acknowledged
    assert "Acknowledged for your partner by pat" in acknowledged
    deadline = time.monotonic() + 10
    while f"/inbox/tasks/{own.id}" in partner.get("/inbox/").get_data(as_text=True):
        assert time.monotonic() < deadline, "the acknowledged task stayed open"
        time.sleep(0.2)

    rows = _text(author.get(f"/rulebooks/versions/{version}").get_data(as_text=True))
    assert "Acknowledgements: 1 of 2" in rows
    assert re.search(r"Northwind Systems [^|]*? UTC by pat .*? Contoso Partners waiting", rows), rows
