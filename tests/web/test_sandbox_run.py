"""A what-if started from the web runs on a real Temporal dev server and a real ``parley worker``
process, shows its progress, and ends with the KPI table and a reachable self-contained report."""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from temporalio.client import Client

from parley.settings import get_settings
from store.crud import rulebooks as runs_crud
from store.engine import session_scope
from tests.fixtures_temporal import TemporalServer, WorkerProcess, worker_env
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


def _status(page: str) -> str:
    match = re.search(r'data-testid="run-status">(\w+)<', page)
    assert match, page
    return match.group(1)


def test_run_from_the_web_finishes_with_report(
    client: FlaskClient, world: World, ops_dirs: OpsDirs, sandbox_worker: WorkerProcess
) -> None:
    sign_in(client, "ops")
    response = client.post(
        "/sandbox/runs",
        data={
            "baseline": "version:2026.1",
            "proposed": "proposal:shorter-protection.yaml",
            "scenario": "upload",
            "scenario_file": (io.BytesIO(tiny_scenario_yaml().encode()), "tiny.yaml"),
            "replications": "2",
            "seed": "5",
            "csrf_token": csrf_token(client, "/sandbox/new"),
        },
    )
    assert response.status_code == 303
    run_url = response.headers["Location"]
    first = client.get(run_url).get_data(as_text=True)
    assert _status(first) in {"running", "completed"}
    if _status(first) == "running":
        assert '<meta http-equiv="refresh" content="2">' in first
        assert "replications done" in first or "<progress" in first

    deadline = time.monotonic() + 180
    page = first
    while _status(page) == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
        page = client.get(run_url).get_data(as_text=True)
    assert _status(page) == "completed", page
    assert 'http-equiv="refresh"' not in page
    assert 'data-testid="kpi-table"' in page and "Registrations expired" in page
    assert "<code>registration.protection_period</code>: 90 days → 60 days" in page

    report = client.get(f"{run_url}/report.html")
    assert report.status_code == 200 and report.mimetype == "text/html"
    html = report.get_data(as_text=True)
    assert "2026.2-shorter-protection" in html and "<script src=" not in html  # self-contained
    results = json.loads(client.get(f"{run_url}/results.json").get_data(as_text=True))
    assert results["run"]["replications"] == 2 and results["run"]["seed"] == 5
    assert results["run"]["proposed"]["version"] == "2026.2-shorter-protection"

    run_id = int(run_url.rsplit("/", 1)[1])
    with session_scope() as db:
        run = runs_crud.get_simulation_run(session=db, run_id=run_id)
    assert run.report_path == f"simulations/run-{run_key(run)}/report.html"
    assert (ops_dirs.data / run.report_path).is_file()
    assert run.status == "completed" and run.progress == 1.0 and run.created_by == "ops"
    assert run.results is not None and run.results["run"]["seed"] == 5

    listing = client.get("/sandbox/").get_data(as_text=True)
    assert f'href="/sandbox/runs/{run_id}">#{run_id}</a>' in listing
    row = listing[listing.index(f"#{run_id}</a>") :]
    assert "completed" in row and "2026.1" in row and "2026.2-shorter-protection" in row and "ops" in row


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
