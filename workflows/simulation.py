"""A what-if simulation as a workflow: every replication is an activity any worker may run.

Started from the web, the API or ``parley simulate --temporal``. The ``progress`` query says how
many replications are done; the result is the ``results.json`` document. Started for a
``simulation_runs`` row (``run_id`` set, as the web does), the workflow also stores its own
outcome: progress on the row as replications finish, then the row closed with the results (the
report is rendered from them), or on failure or cancellation the row marked with the reason.
Nobody needs to be watching for the run to be recorded.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from activities.simulation import (
        RunEndedInput,
        RunOutcomeInput,
        RunProgressInput,
        SummaryInput,
        record_simulation_ended,
        record_simulation_progress,
        simulate_replication,
        store_simulation_outcome,
        summarise_simulation,
    )
    from simulation.replication import (
        ReplicationInput,
        ReplicationResult,
        merge_details,
        without_details,
    )

REPLICATION_TIMEOUT = timedelta(minutes=30)
# A replication heartbeats every few seconds: silence this long means its worker is gone, and
# the attempt is retried on another worker instead of waiting out REPLICATION_TIMEOUT.
REPLICATION_HEARTBEAT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_attempts=3, non_retryable_error_types=["RulebookInvalid", "ScenarioInvalid"])
BOOKKEEPING_TIMEOUT = timedelta(minutes=2)  # database writes
BOOKKEEPING_RETRY = RetryPolicy(maximum_attempts=10, maximum_interval=timedelta(seconds=30))


@dataclass
class SimulationInput:
    baseline: str  # rulebook YAML
    proposed: str  # rulebook YAML
    scenario: str  # scenario YAML
    replications: int
    seed: int
    sources: list[str] = field(default_factory=lambda: ["baseline", "proposed", "scenario"])
    run_id: int | None = None  # the simulation_runs row to keep; None for the CLI


@dataclass
class SimulationProgress:
    done: int
    total: int
    stage: str  # "replicating", "summarising" or "finished"


def _reason(exc: BaseException) -> str:
    """The innermost cause's message: what actually went wrong, not "Activity task failed"."""
    cause = exc
    while cause.__cause__ is not None:
        cause = cause.__cause__
    return str(cause) or type(cause).__name__


@workflow.defn
class SimulationWorkflow:
    def __init__(self) -> None:
        self._done = 0
        self._total = 0
        self._stage = "replicating"

    @workflow.run
    async def run(self, spec: SimulationInput) -> dict[str, Any]:
        if spec.run_id is None:
            return await self._simulate(spec)
        try:
            summary = await self._simulate(spec)
            await workflow.execute_activity(
                store_simulation_outcome,
                RunOutcomeInput(spec.run_id, summary),
                start_to_close_timeout=BOOKKEEPING_TIMEOUT,
                retry_policy=BOOKKEEPING_RETRY,
            )
        except asyncio.CancelledError:
            await self._record_end(spec.run_id, "cancelled", "the workflow was cancelled")
            raise
        except FailureError as exc:  # an activity failed for good (other errors retry the task)
            if is_cancelled_exception(exc):
                await self._record_end(spec.run_id, "cancelled", "the workflow was cancelled")
            else:
                await self._record_end(spec.run_id, "failed", _reason(exc))
            raise
        self._stage = "finished"
        return summary

    async def _simulate(self, spec: SimulationInput) -> dict[str, Any]:
        self._total = spec.replications

        async def one(r: int) -> ReplicationResult:
            result = await workflow.execute_activity(
                simulate_replication,
                ReplicationInput(spec.baseline, spec.proposed, spec.scenario, spec.seed, r),
                start_to_close_timeout=REPLICATION_TIMEOUT,
                heartbeat_timeout=REPLICATION_HEARTBEAT,
                retry_policy=RETRY,
            )
            self._done += 1
            if spec.run_id is not None:
                await self._report_progress(spec.run_id)
            return result

        results = list(await asyncio.gather(*(one(r) for r in range(spec.replications))))
        self._stage = "summarising"
        # The summary needs only the totals of the changed decisions: merge them here so its
        # input stays small however many replications ran.
        changes, texts = merge_details(results)
        summary: dict[str, Any] = await workflow.execute_activity(
            summarise_simulation,
            SummaryInput(
                spec.baseline,
                spec.proposed,
                spec.scenario,
                spec.seed,
                spec.sources,
                [without_details(r) for r in results],
                changes,
                texts,
            ),
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RETRY,
        )
        if spec.run_id is None:
            self._stage = "finished"
        return summary

    async def _record_end(self, run_id: int, status: str, reason: str) -> None:
        """Mark the row failed or cancelled. Shielded, as the SDK recommends for cleanup, so a
        cancellation arriving while it runs cannot stop the record being written."""
        await asyncio.shield(
            workflow.execute_activity(
                record_simulation_ended,
                RunEndedInput(run_id, status, reason),
                start_to_close_timeout=BOOKKEEPING_TIMEOUT,
                retry_policy=BOOKKEEPING_RETRY,
            )
        )

    async def _report_progress(self, run_id: int) -> None:
        """Write the progress to the row; a failed write only leaves the runs list behind."""
        try:
            await workflow.execute_activity(
                record_simulation_progress,
                RunProgressInput(run_id, self._done, self._total),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=3),
            )
        except ActivityError:
            workflow.logger.warning("progress of simulation run %s not recorded", run_id)

    @workflow.query
    def progress(self) -> SimulationProgress:
        return SimulationProgress(self._done, self._total, self._stage)
