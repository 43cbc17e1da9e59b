"""Smoke path: the real dev server, a real worker process (as ``parley up`` runs it), a workflow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from parley.diagnostics import round_trip
from parley.settings import Settings
from tests.fixtures_temporal import TemporalServer, WorkerProcess, free_port, worker_env


async def test_workflow_round_trip_through_server_worker_and_database(
    temporal_server: TemporalServer, task_queue: str, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'parley.db'}"
    worker = WorkerProcess(
        worker_env(temporal_server, database_url, task_queue), task_queue, tmp_path / "worker.log"
    )
    worker.start()
    try:
        settings = Settings(temporal_address=temporal_server.address, task_queue=task_queue)
        result = await round_trip(settings)
    finally:
        worker.stop()
    assert result.database_ok
    assert result.database_dialect == "sqlite"


def test_doctor_cli_reports_ok(temporal_server: TemporalServer, task_queue: str, tmp_path: Path) -> None:
    env = worker_env(temporal_server, f"sqlite:///{tmp_path / 'p.db'}", task_queue)
    worker = WorkerProcess(env, task_queue, tmp_path / "worker.log")
    worker.start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "parley", "doctor"], env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        worker.stop()
    assert done.returncode == 0, done.stderr
    assert "reached the sqlite database" in done.stdout


def test_unreachable_temporal_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    env = {**os.environ, "PARLEY_TEMPORAL_ADDRESS": address, "PARLEY_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "parley", "doctor"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "PARLEY_TEMPORAL_ADDRESS" in lines[0] and address in lines[0]
