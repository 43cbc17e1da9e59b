"""A test-only process (one step, two parallel roles) through the generic machinery alone: a real
dev server, an in-process worker, the inbox pages and the JSON API, on SQLite and PostgreSQL.

Nothing here imports the registration's modules: the pair review is built from ``workflows.human``,
``parley.clients.base`` and ``web.kinds`` only, which is what the next process will be built from.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from temporalio.worker import Worker

from activities.projection import project_transition
from parley.errors import DecisionRefused
from parley.settings import get_settings
from parley.temporal_client import connect
from store.crud import partners as partners_crud
from store.crud import records as records_crud
from store.crud import tasks as tasks_crud
from store.crud import users as users_crud
from store.engine import session_scope
from store.models.tasks import Task
from tests.fixtures_temporal import TemporalServer
from tests.human.pair_process import KIND, PairReviewClient
from tests.human.pair_workflow import PairRequest, PairReviewWorkflow, PairView
from tests.web.conftest import PASSWORD, api_token, csrf_token, js, sign_in
from web import create_app, kinds, runner
from web.workflow_clients import process_client
from workflows.human.updates import DecisionInput, ProvideInfoInput

pytestmark = pytest.mark.temporal


class InProcessWorker:
    """A worker for the pair review alone, on a loop of its own in a thread."""

    def __init__(self, address: str, task_queue: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=4)
        self.address, self.task_queue = address, task_queue

    def __enter__(self) -> InProcessWorker:
        self.thread.start()

        async def build() -> Worker:
            client = await connect(get_settings())
            return Worker(
                client,
                task_queue=self.task_queue,
                workflows=[PairReviewWorkflow],
                activities=[project_transition],
                activity_executor=self.executor,
            )

        self.worker = asyncio.run_coroutine_threadsafe(build(), self.loop).result(30)
        self.running = asyncio.run_coroutine_threadsafe(self.worker.run(), self.loop)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self.worker.shutdown(), self.loop).result(30)
        self.running.result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
        self.executor.shutdown()


@dataclass
class PairWorld:
    partner_id: int
    requester: str = "pia"


@pytest.fixture
def pair_world(
    monkeypatch: pytest.MonkeyPatch, temporal_server: TemporalServer, parley_database: str, task_queue: str
) -> Iterator[PairWorld]:
    monkeypatch.setenv("PARLEY_TEMPORAL_ADDRESS", temporal_server.address)
    monkeypatch.setenv("PARLEY_TASK_QUEUE", task_queue)
    get_settings.cache_clear()
    with session_scope() as db:
        partner = partners_crud.create_partner(
            session=db, data={"name": "Fabrikam", "tier": "gold", "territories": ["latam"]}
        )
        assert partner.id is not None
        for username, roles, partner_id in (
            ("dee", ["deal_desk"], None),
            ("fin", ["finance"], None),
            ("pia", ["partner"], partner.id),
            ("dana", ["deal_desk"], None),
        ):
            users_crud.create_user(
                session=db,
                data={
                    "username": username,
                    "display_name": username.title(),
                    "password": PASSWORD,
                    "roles": roles,
                    "partner_id": partner_id,
                },
            )
    monkeypatch.setitem(kinds.KINDS, KIND.process_type, KIND)
    with InProcessWorker(temporal_server.address, task_queue):
        yield PairWorld(partner.id)


def start_pair(world: PairWorld, *, requester: str = "pia", sla_seconds: float = 300.0) -> str:
    request = PairRequest(
        f"p-{uuid.uuid4().hex[:10]}", "Fabrikam rebate", requester, world.partner_id, sla_seconds
    )

    async def go() -> str:
        return await (await process_client(PairReviewClient)).start(request)

    return runner.run(go())


def get_view(workflow_id: str) -> PairView:
    async def go() -> PairView:
        return await (await process_client(PairReviewClient)).get(workflow_id)

    return runner.run(go())


def open_tasks(workflow_id: str, count: int, timeout: float = 15) -> list[Task]:
    deadline = time.monotonic() + timeout
    while True:
        with session_scope() as db:
            tasks = tasks_crud.list_process_tasks(session=db, process_id=workflow_id, state="open")
        if len(tasks) == count or time.monotonic() > deadline:
            assert len(tasks) == count, [(t.role, t.slot, t.state) for t in tasks]
            return tasks
        time.sleep(0.1)


def state_of(workflow_id: str, wanted: str, timeout: float = 15) -> PairView:
    deadline = time.monotonic() + timeout
    while True:
        view = get_view(workflow_id)
        if view.state == wanted or time.monotonic() > deadline:
            assert view.state == wanted, view
            return view
        time.sleep(0.1)


def bearer(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(username)}"}


@pytest.fixture
def client(pair_world: PairWorld) -> FlaskClient:
    return create_app({"TESTING": True}).test_client()


def test_both_roles_approve_in_parallel_through_the_inbox_and_the_api(
    pair_world: PairWorld, client: FlaskClient
) -> None:
    workflow_id = start_pair(pair_world)
    tasks = {t.role: t for t in open_tasks(workflow_id, 2)}
    assert {(t.role, t.slot, t.escalation_level) for t in tasks.values()} == {
        ("deal_desk", "deal_desk", 0),
        ("finance", "finance", 0),
    }

    # Each approver sees only their own task, with the process's state and vocabulary.
    listed = js(client.get("/api/v1/tasks?process_type=pair_review", headers=bearer("fin")))
    assert [(i["id"], i["process_state"], i["decisions"]) for i in listed["items"]] == [
        (tasks["finance"].id, "in_review", ["approve", "reject", "request_info"])
    ]

    # Deal desk approves in the inbox: its task closes, finance's stays open, the step waits.
    sign_in(client, "dee")
    page = client.get(f"/inbox/tasks/{tasks['deal_desk'].id}").get_data(as_text=True)
    assert "Pair review" in page and "Fabrikam rebate" in page and "in review" in page
    response = client.post(
        f"/inbox/tasks/{tasks['deal_desk'].id}/decide",
        data={"outcome": "approve", "comment": "", "csrf_token": csrf_token(client, "/inbox/")},
        follow_redirects=True,
    )
    assert "Decision recorded. The pair review is now in review." in response.get_data(as_text=True)
    [still_open] = open_tasks(workflow_id, 1)
    assert still_open.role == "finance"

    # Finance approves through the API: the step, and the path, pass.
    decided = client.post(
        f"/api/v1/tasks/{tasks['finance'].id}/decision", json={"outcome": "approve"}, headers=bearer("fin")
    )
    assert decided.status_code == 200, js(decided)
    assert js(decided)["process_state"] == "approved"
    view = state_of(workflow_id, "approved")
    assert [h.action for h in view.history] == ["review.opened", "review.approval_recorded", "pair.approved"]
    with session_scope() as db:
        closed = tasks_crud.list_process_tasks(session=db, process_id=workflow_id)
        events = records_crud.list_audit_events(session=db, process_id=workflow_id).items
    assert {(t.role, t.outcome, t.closed_by) for t in closed} == {
        ("deal_desk", "approved", "dee"),
        ("finance", "approved", "fin"),
    }
    assert [e.actor for e in events] == ["rule:pair.requested", "dee", "fin"]
    assert events[-1].reason_codes == ["approval.approved"] and events[-1].after_state == "approved"


def test_one_rejection_ends_the_step_and_cancels_the_other_task(
    pair_world: PairWorld, client: FlaskClient
) -> None:
    workflow_id = start_pair(pair_world)
    tasks = {t.role: t for t in open_tasks(workflow_id, 2)}
    refused = client.post(
        f"/api/v1/tasks/{tasks['finance'].id}/decision", json={"outcome": "reject"}, headers=bearer("fin")
    )
    assert refused.status_code == 422 and js(refused)["error"]["problems"][0]["field"] == "comment"
    rejected = client.post(
        f"/api/v1/tasks/{tasks['finance'].id}/decision",
        json={"outcome": "reject", "comment": "Margin too thin"},
        headers=bearer("fin"),
    )
    assert js(rejected)["process_state"] == "rejected"
    state_of(workflow_id, "rejected")
    with session_scope() as db:
        outcomes = {
            t.role: t.outcome for t in tasks_crud.list_process_tasks(session=db, process_id=workflow_id)
        }
    assert outcomes == {"finance": "rejected", "deal_desk": "cancelled"}
    # The cancelled task is no longer open: deciding it now is refused, nothing changes.
    late = client.post(
        f"/api/v1/tasks/{tasks['deal_desk'].id}/decision", json={"outcome": "approve"}, headers=bearer("dee")
    )
    assert late.status_code in (404, 409)


def test_four_eyes_a_question_and_the_default_action(pair_world: PairWorld, client: FlaskClient) -> None:
    # The requester holds one of the roles: they may not decide their own request.
    own = start_pair(pair_world, requester="dana")
    desk = next(t for t in open_tasks(own, 2) if t.role == "deal_desk")
    refused = client.post(
        f"/api/v1/tasks/{desk.id}/decision", json={"outcome": "approve"}, headers=bearer("dana")
    )
    assert refused.status_code == 409 and "four-eyes" in js(refused)["error"]["message"]

    # A question stops the clock of the whole step and reopens the roles still waiting.
    asked = start_pair(pair_world, sla_seconds=3.0)
    tasks = {t.role: t for t in open_tasks(asked, 2)}
    client.post(
        f"/api/v1/tasks/{tasks['deal_desk'].id}/decision", json={"outcome": "approve"}, headers=bearer("dee")
    )
    open_tasks(asked, 1)
    question = client.post(
        f"/api/v1/tasks/{tasks['finance'].id}/decision",
        json={"outcome": "request_info", "comment": "Which quarter?"},
        headers=bearer("fin"),
    )
    assert js(question)["process_state"] == "question_asked"
    time.sleep(3.5)  # longer than the SLA: the stopped clock must not pass it
    paused = get_view(asked)
    assert paused.state == "question_asked" and paused.sla_paused_remaining_seconds is not None

    async def answer(actor: str) -> Any:
        client_ = await process_client(PairReviewClient)
        return await client_.provide_info(asked, ProvideInfoInput(actor, "Q3"))

    with pytest.raises(DecisionRefused, match="only the requester"):
        runner.run(answer("fin"))
    runner.run(answer("pia"))
    [reopened] = open_tasks(asked, 1)
    assert reopened.role == "finance" and reopened.id == tasks["finance"].id  # deal desk's approval stands
    # Nobody decides now: the step's SLA passes and the default action (reject) ends the path.
    view = state_of(asked, "rejected", timeout=20)
    assert view.history[-1].actor == "rule:sla.default_action"
    assert view.history[-1].reason_codes == ["sla.default_action"]
    with session_scope() as db:
        last = tasks_crud.get_task(session=db, task_id=tasks["finance"].id or 0)
    assert (last.outcome, last.closed_by) == ("expired", "rule:sla.default_action")

    async def decide_late() -> Any:
        client_ = await process_client(PairReviewClient)
        return await client_.decide(asked, DecisionInput(tasks["finance"].id or 0, "fin", "approve"))

    with pytest.raises(DecisionRefused):
        runner.run(decide_late())
