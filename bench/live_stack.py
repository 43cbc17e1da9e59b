"""What the end-to-end benchmarks share: a migrated database (SQLite, or a throwaway database on
the PostgreSQL server ``PARLEY_BENCH_POSTGRES_URL`` names) with an auto-approving test rulebook,
a partner, a dev server with an in-process worker, and bounded concurrent jobs."""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from temporalio.client import Client

    from parley.settings import Settings

Job = Callable[[], Awaitable[None]]
FAST_RULEBOOK = Path(__file__).resolve().parents[1] / "rulebooks" / "testing" / "fast.yaml"
# Registrations and approved discounts stay open as they would in production.
LONG_LIVED = {
    "protection_period: 6s": "protection_period: 1h",
    "request_window: 4s": "request_window: 30m",
    "quote_validity: 10s": "quote_validity: 1h",
}


POSTGRES_SERVER = os.environ.get("PARLEY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def _postgres_database() -> Iterator[str]:
    """A database of its own on the PostgreSQL server, dropped afterwards; its URL."""
    import secrets

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from store.engine import create_engine_for

    name = f"parley_bench_{secrets.token_hex(4)}"
    admin = create_engine_for(POSTGRES_SERVER).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        from store.engine import forget_engines

        forget_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.engine.dispose()


def postgres_reachable() -> bool:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from store.engine import create_engine_for

    engine = create_engine_for(POSTGRES_SERVER)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def _prepare(folder: Path, url: str) -> tuple[str, Path]:
    from store.schema import upgrade_database

    upgrade_database(url)
    rulebooks = folder / "rulebooks"
    rulebooks.mkdir()
    text = FAST_RULEBOOK.read_text()
    for old, new in LONG_LIVED.items():
        text = text.replace(old, new)
    (rulebooks / "bench.yaml").write_text(text)
    return url, rulebooks


def seed_partner(url: str) -> int:
    from sqlmodel import Session

    from store import crud
    from store.engine import engine_for

    with Session(engine_for(url), expire_on_commit=False) as session:
        partner = crud.create_partner(
            session=session,
            data={
                "name": "Bench Partner",
                "tier": "gold",
                "territories": ["us-west"],
                "verticals": ["retail"],
                "certifications": ["platform-sales"],
            },
        )
        session.commit()
        assert partner.id is not None
        return partner.id


@contextmanager
def bench_stack(database: str = "sqlite") -> Iterator[tuple[Settings, str]]:
    """A fresh database (``sqlite`` or ``postgres``) and rulebook folder, and a dev server on a
    free port; (settings, db URL)."""
    from parley.settings import Settings, get_settings
    from parley.temporal_server import headless_dev_server
    from tests.fixtures_temporal import free_port

    folder = Path(tempfile.mkdtemp(prefix="parley-bench-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        if database == "postgres":
            url = stack.enter_context(_postgres_database())
        else:
            url = f"sqlite:///{folder / 'parley.db'}"
        url, rulebooks = _prepare(folder, url)
        os.environ["PARLEY_DATABASE_URL"] = url  # the in-process activities read the settings
        os.environ["PARLEY_RULEBOOK_DIR"] = str(rulebooks)
        from store.engine import forget_engines

        get_settings.cache_clear()
        forget_engines()
        settings = Settings(
            temporal_address=f"127.0.0.1:{free_port()}",
            task_queue="bench",
            database_url=url,
            rulebook_dir=rulebooks,
        )
        with headless_dev_server(settings, folder / "temporal.db"):
            yield settings, url


async def bounded(limit: int, jobs: list[Job], deadline: float) -> None:
    """Run the jobs with at most ``limit`` in flight, all within ``deadline`` seconds."""
    gate = asyncio.Semaphore(limit)

    async def run(job: Job) -> None:
        async with gate:
            await job()

    await asyncio.wait_for(asyncio.gather(*(run(j) for j in jobs)), timeout=deadline)


async def decided_by_deadline(
    read: Callable[[], dict[str, datetime]], count: int, started: float, deadline: float
) -> dict[str, datetime]:
    """Poll ``read`` (process id -> decision time) until ``count`` are decided or time is up."""
    while True:
        decided = read()
        if len(decided) >= count or time.perf_counter() - started > deadline:
            return decided
        await asyncio.sleep(0.2)


async def baseline_rate(
    client: Client, task_queue: str, run_id: str, count: int, limit: int, deadline: float
) -> float:
    """Workflows/s of ``RoundTripWorkflow`` (one activity, ``SELECT 1``) on the same server: the
    baseline each live bench prints its figure beside."""
    from workflows.diagnostics import RoundTripWorkflow

    def round_trip(n: int) -> Job:
        async def job() -> None:
            await client.execute_workflow(
                RoundTripWorkflow.run, id=f"bench-rt-{run_id}-{n}", task_queue=task_queue
            )

        return job

    started = time.perf_counter()
    await bounded(limit, [round_trip(n) for n in range(count)], deadline)
    return count / (time.perf_counter() - started)


async def one_at_a_time(
    client: Client, run: Any, settled: Any, starts: list[tuple[Any, str]], task_queue: str
) -> list[float]:
    """Seconds from start until the ``settled`` update answers, for each (argument, workflow id)
    started alone: the latency a single caller sees on an idle system."""
    from workflows.human.updates import SettledRequest

    seconds: list[float] = []
    for argument, workflow_id in starts:
        began = time.perf_counter()
        handle = await client.start_workflow(run, argument, id=workflow_id, task_queue=task_queue)
        await handle.execute_update(settled, SettledRequest())
        seconds.append(time.perf_counter() - began)
    return seconds


def p50_p95_ms(seconds: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    return statistics.median(seconds) * 1000, statistics.quantiles(seconds, n=20)[18] * 1000


def approved_at(url: str, model: Any) -> dict[str, datetime]:
    """When each approved process of ``model`` (Registration, DiscountException: a row with
    ``workflow_id``, ``state`` and ``decided_at``) was decided, as its workflow recorded it."""
    from sqlmodel import Session, col, select

    from store.engine import engine_for

    with Session(engine_for(url)) as session:
        rows = session.exec(
            select(model.workflow_id, model.decided_at).where(
                col(model.decided_at).is_not(None), model.state == "approved"
            )
        ).all()
    return {workflow_id: at for workflow_id, at in rows if at is not None}
