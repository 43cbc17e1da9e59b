"""The what-if as a Temporal workflow on a real dev server and real ``parley worker`` processes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from temporalio.client import Client, WorkflowFailureError

from parley.cli import cli
from parley.settings import Settings, get_settings
from simulation.runner import from_texts, run_local, summarise
from store.crud import rulebooks as runs_crud
from store.engine import session_scope
from tests.fixtures_temporal import TemporalServer, WorkerProcess, worker_env
from tests.simulation.conftest import DEFAULT_RULEBOOK, dump
from workflows.simulation import SimulationInput, SimulationProgress, SimulationWorkflow

pytestmark = pytest.mark.temporal


def test_replications_run_as_activities_and_match_a_local_run(
    temporal_server: TemporalServer, database_url: str, task_queue: str, tmp_path: Path,
    tiny_scenario: dict[str, Any], default_rulebook_text: str, variant: Callable[..., str],
) -> None:  # fmt: skip
    from simulation.temporal_client import run_on_temporal

    proposed = variant("temporal-60d", (("registration", "protection_period"), "60d"))
    what_if = from_texts(default_rulebook_text, proposed, dump(tiny_scenario), replications=4, seed=9)
    workers = [
        WorkerProcess(
            worker_env(temporal_server, database_url, task_queue), task_queue, tmp_path / f"w{i}.log"
        )
        for i in range(2)
    ]
    for worker in workers:
        worker.start()
    seen: list[SimulationProgress] = []
    try:
        settings = Settings(temporal_address=temporal_server.address, task_queue=task_queue)
        remote = asyncio.run(run_on_temporal(what_if, seen.append, settings=settings, poll_seconds=0.2))
        finished = asyncio.run(_last_progress(temporal_server.address, task_queue))
        # The CLI's --temporal writes the same files, byte for byte, as a local run.
        scenario = tmp_path / "tiny.yaml"
        scenario.write_text(dump(tiny_scenario))
        args = ["simulate", "--baseline", str(DEFAULT_RULEBOOK), "--proposed",
                str(DEFAULT_RULEBOOK), "--scenario", str(scenario), "--replications", "2"]  # fmt: skip
        env = {"PARLEY_TEMPORAL_ADDRESS": temporal_server.address, "PARLEY_TASK_QUEUE": task_queue}
        get_settings.cache_clear()
        try:
            via_temporal = CliRunner(env=env).invoke(
                cli, [*args, "--temporal", "--out", str(tmp_path / "t")]
            )
        finally:
            get_settings.cache_clear()
        assert via_temporal.exit_code == 0, via_temporal.output
    finally:
        for worker in workers:
            worker.stop()
    local = summarise(what_if, run_local(what_if, workers=1))
    assert remote == local
    assert seen[-1] == SimulationProgress(4, 4, "finished")
    assert all(p.total == 4 and 0 <= p.done <= 4 for p in seen)
    assert finished == SimulationProgress(4, 4, "finished")
    locally = CliRunner().invoke(cli, [*args, "--workers", "1", "--out", str(tmp_path / "l")])
    assert locally.exit_code == 0, locally.output
    for name in ("results.json", "report.html"):
        assert (tmp_path / "t" / name).read_bytes() == (tmp_path / "l" / name).read_bytes()


async def _last_progress(address: str, task_queue: str) -> SimulationProgress:
    """The progress query still answers on the completed workflow."""
    client = await Client.connect(address)
    query = f"WorkflowType = 'SimulationWorkflow' AND TaskQueue = '{task_queue}'"
    async for execution in client.list_workflows(query):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        progress: SimulationProgress = await handle.query(SimulationWorkflow.progress)
        return progress
    raise AssertionError("no simulation workflow found")


def test_a_run_that_fails_for_good_marks_its_row_with_the_reason(
    temporal_server: TemporalServer, parley_database: str, task_queue: str, tmp_path: Path,
    default_rulebook_text: str,
) -> None:  # fmt: skip
    """The compensating activity closes the row even though the workflow itself fails."""
    with session_scope() as db:
        run = runs_crud.create_simulation_run(session=db, data={
            "baseline_version": "2026.1", "proposed_label": "same", "replications": 2, "seed": 1,
            "created_by": "ops",
        })  # fmt: skip
        assert run.id is not None
        run_id = run.id
        runs_crud.update_simulation_run(session=db, run_id=run_id, status="running")
    broken = "name: broken\nhorizon: forever\n"
    spec = SimulationInput(default_rulebook_text, default_rulebook_text, broken, replications=2,
                           seed=1, run_id=run_id)  # fmt: skip
    worker = WorkerProcess(worker_env(temporal_server, parley_database, task_queue,
                                      PARLEY_DATA_DIR=str(tmp_path / "data")),
                           task_queue, tmp_path / "w.log")  # fmt: skip
    worker.start()
    try:
        with pytest.raises(WorkflowFailureError):
            asyncio.run(_run_workflow(temporal_server.address, task_queue, spec))
    finally:
        worker.stop()
    with session_scope() as db:
        closed = runs_crud.get_simulation_run(session=db, run_id=run_id)
    assert closed.status == "failed" and closed.finished_at is not None
    assert closed.error is not None and "'forever' is not a duration" in closed.error
    assert closed.results is None and not (tmp_path / "data" / "simulations").exists()


async def _run_workflow(address: str, task_queue: str, spec: SimulationInput) -> dict[str, Any]:
    client = await Client.connect(address)
    return await client.execute_workflow(
        SimulationWorkflow.run, spec, id=f"simulation-failing-{task_queue}", task_queue=task_queue
    )
