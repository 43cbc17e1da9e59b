"""``parley up``: Temporal dev server, worker and web app as supervised child processes.

Children run in their own sessions so that Ctrl-C reaches only the supervisor, which then stops
them in order (web, worker, server) and removes its state file. A worker or web process that dies
is restarted; if the Temporal server dies, everything stops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from parley.errors import ConfigurationError, ServiceUnavailable
from parley.settings import Settings
from parley.temporal_server import require_free_port, wait_for_port

MAX_RESTARTS = 5
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent() -> None:
    """Runs in the child before exec: if the supervisor is killed outright, take the child too."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    args: list[str]
    ready_line: str
    process: subprocess.Popen[str] | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    restarts: int = 0
    quiet: bool = False  # set while stopping: shutdown chatter is not worth showing

    def start(self) -> None:
        self.ready.clear()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "parley", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        threading.Thread(target=self._relay, daemon=True).start()

    def _relay(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            if self.ready_line in line:
                self.ready.set()
            if self.quiet:
                continue
            sys.stdout.write(f"[{self.name}] {line}")
            sys.stdout.flush()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if not self.alive():
            return
        assert self.process is not None
        self.quiet = True
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _state_file(settings: Settings) -> Path:
    return settings.data_dir / "parley-up.json"


def _write_state(settings: Settings, children: list[Child]) -> None:
    # Written to a temporary file and renamed, so an interruption never leaves half a file.
    path = _state_file(settings)
    tmp = path.with_suffix(".tmp")
    pids = {c.name: c.process.pid for c in children if c.process is not None}
    tmp.write_text(json.dumps({"supervisor": os.getpid(), "children": pids}))
    tmp.replace(path)


def _refuse_second_instance(settings: Settings) -> None:
    path = _state_file(settings)
    if not path.exists():
        return
    try:
        pid = int(json.loads(path.read_text())["supervisor"])
        os.kill(pid, 0)
    except (ValueError, KeyError, OSError):
        path.unlink(missing_ok=True)  # left by a run that was killed outright
        return
    raise ConfigurationError("PARLEY_DATA_DIR", str(settings.data_dir), f"parley up already runs (pid {pid})")


def _prepare_data(settings: Settings) -> list[str]:
    """Migrate the database and seed demo data on first start; returns the demo logins to print."""
    from store.demo import ensure_demo_data
    from store.schema import upgrade_database

    upgrade_database(settings.resolved_database_url)
    return [str(login) for login in ensure_demo_data()]


def run_all(settings: Settings) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _refuse_second_instance(settings)
    host, port = settings.temporal_host_port
    require_free_port("PARLEY_TEMPORAL_ADDRESS", host, port)
    require_free_port("PARLEY_TEMPORAL_UI_PORT", host, settings.temporal_ui_port)
    require_free_port("PARLEY_WEB_PORT", settings.web_host, settings.web_port)
    logins = _prepare_data(settings)

    server = Child("temporal", ["server"], ready_line="")
    worker = Child("worker", ["worker"], ready_line="worker ready")
    web = Child("web", ["web"], ready_line="web ready")
    children = [server, worker, web]
    if not settings.smtp_host:
        children.insert(1, _mail_sink(settings))
    stopping = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        server.start()
        _write_state(settings, children)
        if not wait_for_port(host, port, timeout=60):
            raise ServiceUnavailable("Temporal dev server", f"did not open {host}:{port} within 60s")
        for child in children[1:]:
            child.start()
            _write_state(settings, children)
            if not child.ready.wait(timeout=60):
                raise ServiceUnavailable(child.name, "did not report ready within 60s")
        _start_demo_processes(settings)
        _announce(settings, logins)
        return _supervise(children, stopping)
    finally:
        for child in reversed(children):
            child.stop()
        _state_file(settings).unlink(missing_ok=True)
        print("parley: all services stopped", flush=True)


def _mail_sink(settings: Settings) -> Child:
    """No mail server configured: keep the mails in data_dir/mail, and point the worker and the
    web app (children inherit this environment) at the sink. Loopback webhook receivers are
    allowed too, for trying webhooks locally."""
    require_free_port("PARLEY_DEV_MAIL_PORT", "127.0.0.1", settings.dev_mail_port)
    os.environ.update(
        {
            "PARLEY_SMTP_HOST": "127.0.0.1",
            "PARLEY_SMTP_PORT": str(settings.dev_mail_port),
            "PARLEY_SMTP_SECURITY": "none",
        }
    )
    if settings.environment == "development":
        os.environ.setdefault("PARLEY_WEBHOOK_ALLOW_HTTP", "true")
    return Child("mail", ["mail-sink"], ready_line="mail sink ready")


def _start_demo_processes(settings: Settings) -> None:
    """Demo registrations, discount requests and disputes in several states, on the first start only
    (deterministic ids)."""
    from parley.demo_processes import start_demo_processes

    started = start_demo_processes(settings)
    if started:
        print(
            f"parley: started {started} demo processes "
            "(registrations, discount requests, disputes, a partner exit and two rulebook roll-outs)",
            flush=True,
        )


def _supervise(children: list[Child], stopping: threading.Event) -> int:
    server = children[0]
    while not stopping.wait(0.5):
        if not server.alive():
            print("parley: the Temporal server stopped; shutting down", flush=True)
            return 1
        for child in children[1:]:
            if child.alive():
                continue
            if child.restarts >= MAX_RESTARTS:
                print(f"parley: {child.name} keeps failing; shutting down", flush=True)
                return 1
            child.restarts += 1
            print(f"parley: {child.name} exited; restarting ({child.restarts}/{MAX_RESTARTS})", flush=True)
            time.sleep(min(2**child.restarts, 10))
            child.start()
    return 0


def _announce(settings: Settings, logins: list[str]) -> None:
    host, _ = settings.temporal_host_port
    lines = [
        "",
        "Parley is up.",
        f"  Inbox:        http://{settings.web_host}:{settings.web_port}/",
        f"  Temporal UI:  http://{host}:{settings.temporal_ui_port}/",
        f"  Database:     {settings.resolved_database_url}",
        *(
            [f"  Mails:        kept in {(settings.data_dir / 'mail').resolve()} (no PARLEY_SMTP_HOST set)"]
            if not settings.smtp_host
            else []
        ),
        "  Demo logins (user / password / roles):",
        *(f"    {login}" for login in logins),
        "Press Ctrl-C to stop.",
        "",
    ]
    print("\n".join(lines), flush=True)
