"""What the end-to-end benchmarks share: a migrated database (a SQLite file, or the empty one it
is given) with an auto-approving test rulebook,
a partner, a dev server with an in-process worker, and bounded concurrent jobs."""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
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


def _prepare(folder: Path, url: str) -> Path:
    """Migrate the database at ``url``; the folder of the bench rulebook."""
    from store.schema import upgrade_database

    upgrade_database(url)
    rulebooks = folder / "rulebooks"
    rulebooks.mkdir()
    text = FAST_RULEBOOK.read_text()
    for old, new in LONG_LIVED.items():
        text = text.replace(old, new)
    (rulebooks / "bench.yaml").write_text(text)
    return rulebooks


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
def bench_stack(database_url: str | None = None) -> Iterator[tuple[Settings, str]]:
    """A rulebook folder, a dev server on a free port and a database: ``database_url`` (an empty
    one, e.g. ``bench.postgres.throwaway_database``'s) or a fresh SQLite file; (settings, URL)."""
    from parley.settings import Settings, get_settings
    from parley.temporal_server import headless_dev_server
    from tests.fixtures_temporal import free_port

    folder = Path(tempfile.mkdtemp(prefix="parley-bench-"))
    try:
        url = database_url or f"sqlite:///{folder / 'parley.db'}"
        rulebooks = _prepare(folder, url)
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
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
