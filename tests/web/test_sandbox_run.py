"""A what-if started from the web runs on a real Temporal dev server and real ``parley worker``
processes, records its own progress and outcome in its row (no page needs to be opened), survives
a worker dying mid-replication, and ends with the KPI table and a self-contained report."""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client

from parley.settings import get_settings
from store.crud import rulebooks as runs_crud
from store.engine import session_scope
from store.models import SimulationRun
from tests.fixtures_temporal import TemporalServer, WorkerProcess, worker_env
from tests.simulation.conftest import TINY_SCENARIO
from tests.web.conftest import World, csrf_token, sign_in
from tests.web.ops_fixtures import OpsDirs, ops_dirs, tiny_scenario_yaml
from web.sandbox_runs import run_key

__all__ = ["ops_dirs"]  # the fixture, imported for pytest

pytestmark = pytest.mark.temporal


@pytest.fixture
def sandbox_worker(
    monkeypatch: pytest.MonkeyPatch, temporal_server: TemporalServer, parley_database: str,
    task_queue: str, tmp_path: Path, ops_dirs: OpsDirs,
) -> Iterator[WorkerProcess]:  # fmt: skip
    """A worker on the test's own task queue; the web app's settings point at the same stack."""
    monkeypatch.setenv("PARLEY_TEMPORAL_ADDRESS", temporal_server.address)
    monkeypatch.setenv("PARLEY_TASK_QUEUE", task_queue)
    get_settings.cache_clear()
    worker = WorkerProcess(worker_env(temporal_server, parley_database, task_queue), task_queue,
                           tmp_path / "worker.log")  # fmt: skip
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def _row(run_id: int) -> SimulationRun:
    with session_scope() as db:
        return runs_crud.get_simulation_run(session=db, run_id=run_id)


def _wait_for_row(run_id: int, timeout: float) -> SimulationRun:
    """The row once it leaves "running", read from the database only (no page, no Temporal)."""
    deadline = time.monotonic() + timeout
    run = _row(run_id)
    while run.status == "running" and time.monotonic() < deadline:
        time.sleep(0.25)
        run = _row(run_id)
    return run


def _start(client: FlaskClient, proposed: str, scenario: str, replications: int, seed: int) -> int:
    """Start a what-if with an uploaded scenario; the run's id."""
    response = client.post(
        "/sandbox/runs",
        data={
            "baseline": "version:2026.1",
            "proposed": proposed,
            "scenario": "upload",
            "scenario_file": (io.BytesIO(scenario.encode()), "scenario.yaml"),
            "replications": str(replications),
            "seed": str(seed),
            "csrf_token": csrf_token(client, "/sandbox/new"),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _status(page: str) -> str:
    match = re.search(r'data-testid="run-status">(\w+)<', page)
    assert match, page
    return match.group(1)


def test_run_from_the_web_records_its_outcome_without_any_page_open(
    client: FlaskClient, world: World, ops_dirs: OpsDirs, sandbox_worker: WorkerProcess
) -> None:
    sign_in(client, "ops")
    run_id = _start(client, "proposal:shorter-protection.yaml", tiny_scenario_yaml(), 2, 5)

    # Nobody looks at the run: the workflow itself closes the row and writes the files.
    run = _wait_for_row(run_id, timeout=120)
    assert run.status == "completed", (run.status, run.error)
    assert run.progress == 1.0 and run.finished_at is not None and run.created_by == "ops"
    assert run.results is not None
    assert run.results["run"]["replications"] == 2 and run.results["run"]["seed"] == 5
    assert run.results["run"]["proposed"]["version"] == "2026.2-shorter-protection"
    # The workers wrote nothing the web would have to read from their disk.
    assert not (ops_dirs.data / "simulations").exists()

    page = client.get(f"/sandbox/runs/{run_id}").get_data(as_text=True)
    assert _status(page) == "completed"
    assert 'http-equiv="refresh"' not in page
    assert 'data-testid="kpi-table"' in page and "Registrations expired" in page
    assert "<code>registration.protection_period</code>: 90 days → 60 days" in page
    report = client.get(f"/sandbox/runs/{run_id}/report.html")
    assert report.status_code == 200 and report.mimetype == "text/html"
    html = report.get_data(as_text=True)
    assert "2026.2-shorter-protection" in html and "<script src=" not in html  # self-contained
    served = client.get(f"/sandbox/runs/{run_id}/results.json")
    assert served.mimetype == "application/json" and json.loads(served.get_data()) == run.results

    listing = client.get("/sandbox/").get_data(as_text=True)
    assert f'href="/sandbox/runs/{run_id}">#{run_id}</a>' in listing
    row = listing[listing.index(f"#{run_id}</a>") :]
    assert "completed" in row and "2026.1" in row and "2026.2-shorter-protection" in row and "ops" in row


def test_the_run_page_shows_progress_while_running(
    client: FlaskClient, world: World, ops_dirs: OpsDirs, sandbox_worker: WorkerProcess
) -> None:
    sign_in(client, "ops")
    run_id = _start(client, "proposal:tighter-sla.yaml", _medium_scenario(), 2, 3)
    page = client.get(f"/sandbox/runs/{run_id}").get_data(as_text=True)
    assert _status(page) == "running"
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "replications done" in page and "<progress" in page
    run = _wait_for_row(run_id, timeout=120)
    assert run.status == "completed", (run.status, run.error)
    finished = client.get(f"/sandbox/runs/{run_id}").get_data(as_text=True)
    assert _status(finished) == "completed" and 'http-equiv="refresh"' not in finished


def _medium_scenario() -> str:
    """Big enough that a replication takes a few seconds (one that is still running when a
    worker is killed), small enough that a retried one finishes quickly."""
    scenario = {**TINY_SCENARIO, "horizon": "250d",
                "channel": {**TINY_SCENARIO["channel"], "partners": 400}}  # fmt: skip
    return yaml.safe_dump(scenario, sort_keys=False)


def test_a_replication_on_a_killed_worker_is_retried_on_another_within_seconds(
    client: FlaskClient, world: World, ops_dirs: OpsDirs, sandbox_worker: WorkerProcess,
    temporal_server: TemporalServer, parley_database: str, task_queue: str, tmp_path: Path,
) -> None:  # fmt: skip
    second = WorkerProcess(worker_env(temporal_server, parley_database, task_queue), task_queue,
                           tmp_path / "second.log")  # fmt: skip
    second.start()
    try:
        sign_in(client, "ops")
        run_id = _start(client, "proposal:tighter-sla.yaml", _medium_scenario(), 2, 11)
        workflow_id = f"simulation-run-{run_key(_row(run_id))}"
        holder = asyncio.run(_worker_running_a_replication(temporal_server.address, workflow_id))
        victim, survivor = (
            (sandbox_worker, second) if holder == _pid(sandbox_worker) else (second, sandbox_worker)
        )
        assert holder == _pid(victim)
        victim.kill()
        killed_at = time.monotonic()
        # The heartbeat timeout (30 s), not the 30-minute start-to-close timeout, frees the
        # replication; the survivor reruns it and the workflow records the outcome.
        run = _wait_for_row(run_id, timeout=60)
        waited = time.monotonic() - killed_at
        assert run.status == "completed", (run.status, run.error, waited)
        assert waited < 60
        retried = asyncio.run(_retried_attempts(temporal_server.address, workflow_id))
        assert retried and all(identity.startswith(f"{_pid(survivor)}@") for identity in retried)
        assert run.results is not None
    finally:
        second.stop()


def _pid(worker: WorkerProcess) -> int:
    assert worker.process is not None
    return worker.process.pid


async def _worker_running_a_replication(address: str, workflow_id: str, timeout: float = 30) -> int:
    """The process id of the worker running one of the workflow's replications right now, once
    the server has had a heartbeat from it (sent from the activity's companion thread)."""
    client = await Client.connect(address)
    handle = client.get_workflow_handle(workflow_id)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = await client.workflow_service.describe_workflow_execution(
            _describe_request(workflow_id)
        )
        for pending in described.pending_activities:
            if (pending.activity_type.name == "simulate_replication"
                    and pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
                    and pending.HasField("last_heartbeat_time")):  # fmt: skip
                return int(pending.last_worker_identity.split("@", 1)[0])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no replication of {handle.id} started and heartbeat within {timeout}s")


def _describe_request(workflow_id: str) -> DescribeWorkflowExecutionRequest:
    return DescribeWorkflowExecutionRequest(
        namespace="default", execution=WorkflowExecution(workflow_id=workflow_id)
    )


async def _retried_attempts(address: str, workflow_id: str) -> list[str]:
    """The worker identities that started a replication on a second (or later) attempt."""
    client = await Client.connect(address)
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return [
        event.activity_task_started_event_attributes.identity
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
        and event.activity_task_started_event_attributes.attempt > 1
    ]


def test_a_cancelled_run_is_marked_without_any_page_open(
    client: FlaskClient, world: World, ops_dirs: OpsDirs, sandbox_worker: WorkerProcess,
    temporal_server: TemporalServer,
) -> None:  # fmt: skip
    sign_in(client, "ops")
    run_id = _start(client, "proposal:tighter-sla.yaml", _medium_scenario(), 2, 2)
    workflow_id = f"simulation-run-{run_key(_row(run_id))}"
    asyncio.run(_worker_running_a_replication(temporal_server.address, workflow_id))
    asyncio.run(_cancel(temporal_server.address, workflow_id))
    run = _wait_for_row(run_id, timeout=30)
    assert run.status == "cancelled" and run.error == "the workflow was cancelled"
    assert run.finished_at is not None and run.results is None
    page = client.get(f"/sandbox/runs/{run_id}").get_data(as_text=True)
    assert _status(page) == "cancelled" and 'http-equiv="refresh"' not in page


async def _cancel(address: str, workflow_id: str) -> None:
    client = await Client.connect(address)
    await client.get_workflow_handle(workflow_id).cancel()


def test_a_worker_that_stops_mid_run_is_reported_not_waited_for(
    client: FlaskClient, world: World, ops_dirs: OpsDirs, sandbox_worker: WorkerProcess
) -> None:
    sign_in(client, "ops")
    response = client.post(
        "/sandbox/runs",
        data={
            "baseline": "version:2026.1",
            "proposed": "proposal:tighter-sla.yaml",
            "scenario": "shipped:default.yaml",  # a year of 200 partners: still running when killed
            "replications": "3",
            "seed": "1",
            "csrf_token": csrf_token(client, "/sandbox/new"),
        },
    )
    assert response.status_code == 303
    sandbox_worker.kill()
    started = time.monotonic()
    page = client.get(response.headers["Location"])
    assert time.monotonic() - started < 15
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and _status(html) == "running"
    assert 'data-testid="worker-missing"' in html and "parley worker" in html

    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with session_scope() as db:
        key = run_key(runs_crud.get_simulation_run(session=db, run_id=run_id))
    asyncio.run(_terminate(get_settings().temporal_address, f"simulation-run-{key}"))
    closed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _status(closed) == "cancelled" and "the workflow was terminated" in closed
    assert 'http-equiv="refresh"' not in closed


async def _terminate(address: str, workflow_id: str) -> None:
    client = await Client.connect(address)
    await client.get_workflow_handle(workflow_id).terminate(reason="test: operator stopped it")
