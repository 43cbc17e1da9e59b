"""The what-if as a Temporal workflow on a real dev server and real ``parley worker`` processes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from temporalio.client import Client

from parley.cli import cli
from parley.settings import Settings, get_settings
from simulation.runner import from_texts, run_local, summarise
from tests.fixtures_temporal import TemporalServer, WorkerProcess, worker_env
from tests.simulation.conftest import DEFAULT_RULEBOOK, dump
from workflows.simulation import SimulationProgress, SimulationWorkflow

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
