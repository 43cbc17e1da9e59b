"""Inbox list latency with 100k tasks (SQLite and PostgreSQL) and requests/second under load.

For each database: a throwaway, migrated database is filled with 100,000 tasks (a tenth open,
spread over the six approver roles, 50 partners and ±10 days of due times). The web app runs as
in production — gunicorn with 4 worker processes on a loopback port — and we measure:

* latency p50/p95 of the inbox as a signed-in channel account manager sees it (HTML page, and
  the JSON API's ``/api/v1/tasks``), default sort, by value, overdue only, and a deep page;
* requests/second with 16 concurrent keep-alive clients for a bounded 5 s, on the inbox page
  and, as the baseline in the same run, on a bare static file served by the same app.

Run: ``python -m bench inbox`` (PostgreSQL at PARLEY_BENCH_POSTGRES_URL, default the local
server; skipped with a note when it does not answer).
"""

from __future__ import annotations

import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from bench.postgres import throwaway_database
from store.crud import partners as partners_crud
from store.crud import users as users_crud
from store.engine import create_engine_for, session_scope
from store.models.tasks import Task
from store.schema import upgrade_database

TASKS = 100_000
OPEN_SHARE = 0.1  # most tasks are history; ~1,700 open per role queue
PARTNERS = 50
ROLES = (
    "channel_account_manager", "regional_channel_director", "vp_channel",
    "deal_desk", "finance", "partner_ops",
)  # fmt: skip
TERRITORIES = ("us-west", "us-east", "us-central", "canada", "latam")
PASSWORD = "bench-password-1"
LATENCY_REQUESTS = 200
LOAD_SECONDS = 5.0
LOAD_CLIENTS = 16
GUNICORN_WORKERS = 4


def seed(url: str) -> None:
    """Migrate and fill the database: partners, one user per role, 100k tasks."""
    upgrade_database(url)
    engine = create_engine_for(url)
    rng = random.Random(7)
    now = datetime.now(UTC)
    try:
        with session_scope(engine) as db:
            partner_ids = [
                partners_crud.create_partner(
                    session=db,
                    data={"name": f"Partner {i:02d}", "tier": "gold", "territories": list(TERRITORIES)},
                ).id
                for i in range(PARTNERS)
            ]
            for role in ROLES:
                users_crud.create_user(
                    session=db,
                    data={
                        "username": role.split("_")[0],
                        "display_name": role,
                        "password": PASSWORD,
                        "roles": [role],
                    },
                )
        rows = []
        for i in range(TASKS):
            is_open = rng.random() < OPEN_SHARE
            due = now + timedelta(minutes=rng.randint(-14_400, 14_400))
            rows.append(
                {
                    "process_type": "registration",
                    "process_id": f"registration-bench-{i}",
                    "kind": "registration.review",
                    "title": f"Deal registration: Account {i} / core-platform",
                    "role": rng.choice(ROLES),
                    "escalation_level": 0,
                    "priority": rng.randint(0, 3),
                    "value": float(rng.randint(5, 2_000) * 1_000),
                    "partner_id": rng.choice(partner_ids),
                    "territory": rng.choice(TERRITORIES),
                    "due_at": due,
                    "summary": "deal value is above the auto-approve limit",
                    "payload": {},
                    "state": "open" if is_open else "closed",
                    "outcome": None if is_open else "approved",
                    "created_at": due - timedelta(days=2),
                    "closed_at": None if is_open else due - timedelta(days=1),
                }
            )
        with engine.begin() as connection:
            for start in range(0, len(rows), 5_000):
                connection.execute(insert(Task.__table__), rows[start : start + 5_000])  # type: ignore[attr-defined]
            if engine.dialect.name == "postgresql":
                connection.execute(text("ANALYZE"))
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(url: str, log: Path) -> Iterator[int]:
    """The app under gunicorn on a free loopback port, as ``parley web --server gunicorn`` runs it."""
    port = free_port()
    env = {**os.environ, "PARLEY_DATABASE_URL": url, "PARLEY_ENVIRONMENT": "development"}
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "--workers", str(GUNICORN_WORKERS),
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "web.wsgi:app",
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn did not start: {log.read_text()}")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


class Client:
    """One keep-alive HTTP/1.1 connection with a cookie and optional headers."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = dict(headers or {})

    def request(self, method: str, path: str, body: str | None = None, **headers: str) -> tuple[int, str]:
        self.connection.request(method, path, body=body, headers={**self.headers, **headers})
        response = self.connection.getresponse()
        data = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.headers["Cookie"] = cookie.split(";", 1)[0]
        return response.status, data


def signed_in(port: int, username: str) -> Client:
    client = Client(port)
    _, page = client.request("GET", "/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on /login"
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": match.group(1)})
    status, _ = client.request(
        "POST", "/login", form, **{"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 302, f"sign-in failed ({status})"
    return client


def api_client(url: str, port: int, username: str) -> Client:
    engine = create_engine_for(url)
    try:
        with session_scope(engine) as db:
            user = users_crud.get_user_by_username(session=db, username=username)
            assert user is not None and user.id is not None
            _, token = users_crud.create_api_token(session=db, user_id=user.id, label="bench")
    finally:
        engine.dispose()
    return Client(port, {"Authorization": f"Bearer {token}"})


def latency(client: Client, path: str, n: int = LATENCY_REQUESTS) -> tuple[float, float]:
    client.request("GET", path)  # warm the connection and the caches
    times = []
    for _ in range(n):
        started = time.perf_counter()
        status, _ = client.request("GET", path)
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, f"{path} answered {status}"
    quantiles = statistics.quantiles(times, n=100)
    return quantiles[49], quantiles[94]


def throughput(make_client: Callable[[], Client], path: str) -> float:
    """Requests/second with LOAD_CLIENTS keep-alive clients for LOAD_SECONDS (bounded)."""
    clients = [make_client() for _ in range(LOAD_CLIENTS)]
    counts = [0] * LOAD_CLIENTS
    errors: list[str] = []
    deadline = time.perf_counter() + LOAD_SECONDS

    def run(index: int) -> None:
        while time.perf_counter() < deadline:
            status, _ = clients[index].request("GET", path)
            if status != 200:
                errors.append(f"{path} answered {status}")
                return
            counts[index] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(LOAD_CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(errors[0])
    return sum(counts) / elapsed


def measure(label: str, url: str, workdir: Path) -> None:
    started = time.perf_counter()
    seed(url)
    print(f"[{label}] seeded {TASKS:,} tasks in {time.perf_counter() - started:.1f}s", flush=True)
    with gunicorn(url, workdir / f"gunicorn-{label}.log") as port:
        page = signed_in(port, "channel")
        api = api_client(url, port, "channel")
        print(f"[{label}] latency over {LATENCY_REQUESTS} sequential requests (ms):")
        for name, client, path in (
            ("inbox page, due time", page, "/inbox/"),
            ("inbox page, by value", page, "/inbox/?sort=value"),
            ("inbox page, overdue", page, "/inbox/?overdue=1"),
            ("inbox page 200", page, "/inbox/?page=200"),
            ("API /tasks, due time", api, "/api/v1/tasks"),
            ("API /tasks, overdue", api, "/api/v1/tasks?overdue=true&per_page=50"),
            ("baseline: static file", page, "/static/parley.css"),
        ):
            p50, p95 = latency(client, path)
            print(f"    {name:<24} p50 {p50:7.2f}   p95 {p95:7.2f}", flush=True)
        inbox_rps = throughput(lambda: signed_in(port, "channel"), "/inbox/")
        static_rps = throughput(lambda: Client(port), "/static/parley.css")
        print(
            f"[{label}] {LOAD_CLIENTS} clients, {LOAD_SECONDS:.0f}s, gunicorn x{GUNICORN_WORKERS}: "
            f"inbox {inbox_rps:,.0f} req/s, baseline static {static_rps:,.0f} req/s, "
            f"ratio {inbox_rps / static_rps:.2f}",
            flush=True,
        )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        workdir = Path(tmp)
        measure("sqlite", f"sqlite:///{workdir / 'bench.db'}", workdir)
        with throwaway_database() as url:
            if url is not None:
                measure("postgres", url, workdir)


if __name__ == "__main__":
    main()
