"""``parley up`` as a user runs it: start, serve, Ctrl-C, start again with the data kept."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures_temporal import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Up:
    env: dict[str, str]
    web_port: int
    data_dir: Path
    process: subprocess.Popen[str] | None = None
    output: str = ""

    def start(self) -> str:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "parley", "up"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        lines = []
        deadline = time.monotonic() + 180
        for line in self.process.stdout:
            lines.append(line)
            if "Press Ctrl-C to stop." in line or time.monotonic() > deadline:
                break
        self.output = "".join(lines)
        assert "Parley is up." in self.output, self.output
        return self.output

    def child_pids(self) -> list[int]:
        state = json.loads((self.data_dir / "parley-up.json").read_text())
        return list(state["children"].values())

    def interrupt(self) -> int:
        assert self.process is not None and self.process.stdout is not None
        self.process.send_signal(signal.SIGINT)
        self.output += self.process.stdout.read()
        self.process.stdout.close()
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # let it stop its children first
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    web_port = free_port()
    env = {
        **os.environ,
        "PARLEY_DATA_DIR": str(tmp_path / "var"),
        "PARLEY_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "PARLEY_TEMPORAL_UI_PORT": str(free_port()),
        "PARLEY_WEB_PORT": str(web_port),
        "PARLEY_DEV_MAIL_PORT": str(free_port()),
    }
    env.pop("PARLEY_SMTP_HOST", None)
    env.pop("PARLEY_DATABASE_URL", None)
    runner = Up(env=env, web_port=web_port, data_dir=tmp_path / "var")
    yield runner
    runner.kill()


def test_up_serves_stops_cleanly_and_keeps_its_data(up: Up) -> None:
    output = up.start()
    assert f"http://127.0.0.1:{up.web_port}/" in output
    assert "Temporal UI" in output
    assert "channel_account_manager" in output  # a demo login per approver role
    status, body = _get(f"http://127.0.0.1:{up.web_port}/healthz")
    assert status == 200, body
    pids = up.child_pids()
    assert len(pids) == 4  # Temporal, the mail sink, the worker, the web app
    # The demo's open tasks are mailed to their approvers, kept by the mail sink.
    assert "Mails:" in output
    mail = up.data_dir / "mail"
    deadline = time.monotonic() + 60
    while not list(mail.glob("*.eml")) and time.monotonic() < deadline:
        time.sleep(0.5)
    kept = sorted(mail.glob("*.eml"))
    assert kept, "no demo mail was kept"
    assert b"Subject: New task: " in b"".join(path.read_bytes() for path in kept)

    assert up.interrupt() == 0
    assert "all services stopped" in up.output
    assert not any(_alive(pid) for pid in pids), "a child outlived parley up"
    assert not (up.data_dir / "parley-up.json").exists()
    database = up.data_dir / "parley.db"
    assert database.exists() and (up.data_dir / "temporal.db").exists()
    size_before = database.stat().st_size

    up.start()  # the second start finds its data: no re-seeding, same logins
    status, _ = _get(f"http://127.0.0.1:{up.web_port}/healthz")
    assert status == 200
    assert up.interrupt() == 0
    assert database.stat().st_size >= size_before


def test_port_in_use_is_named_with_the_setting_to_change(up: Up) -> None:
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", up.web_port))
        squatter.listen()
        done = subprocess.run(
            [sys.executable, "-m", "parley", "up"],
            cwd=ROOT,
            env=up.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert f"port {up.web_port} is already in use" in done.stderr
    assert "PARLEY_WEB_PORT" in done.stderr


def test_children_do_not_outlive_a_killed_supervisor(up: Up) -> None:
    up.start()
    pids = up.child_pids()
    assert up.process is not None
    up.process.kill()  # no chance to clean up: the kernel's parent-death signal must do it
    up.process.wait()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in pids)
