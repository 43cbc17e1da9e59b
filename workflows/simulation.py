"""A what-if simulation as a workflow: every replication is an activity any worker may run.

Started from the web, the API or ``parley simulate --temporal``. The ``progress`` query says how
many replications are done; the result is the ``results.json`` document.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.simulation import SummaryInput, simulate_replication, summarise_simulation
    from simulation.replication import (
        ReplicationInput,
        ReplicationResult,
        merge_details,
        without_details,
    )

REPLICATION_TIMEOUT = timedelta(minutes=30)
RETRY = RetryPolicy(maximum_attempts=3, non_retryable_error_types=["RulebookInvalid", "ScenarioInvalid"])


@dataclass
class SimulationInput:
    baseline: str  # rulebook YAML
    proposed: str  # rulebook YAML
    scenario: str  # scenario YAML
    replications: int
    seed: int
    sources: list[str] = field(default_factory=lambda: ["baseline", "proposed", "scenario"])


@dataclass
class SimulationProgress:
    done: int
    total: int
    stage: str  # "replicating", "summarising" or "finished"


@workflow.defn
class SimulationWorkflow:
    def __init__(self) -> None:
        self._done = 0
        self._total = 0
        self._stage = "replicating"

    @workflow.run
    async def run(self, spec: SimulationInput) -> dict[str, Any]:
        self._total = spec.replications

        async def one(r: int) -> ReplicationResult:
            result = await workflow.execute_activity(
                simulate_replication,
                ReplicationInput(spec.baseline, spec.proposed, spec.scenario, spec.seed, r),
                start_to_close_timeout=REPLICATION_TIMEOUT,
                retry_policy=RETRY,
            )
            self._done += 1
            return result

        results = list(await asyncio.gather(*(one(r) for r in range(spec.replications))))
        self._stage = "summarising"
        # The summary needs only the totals of the changed decisions: merge them here so its
        # input stays small however many replications ran.
        changes, texts = merge_details(results)
        summary = await workflow.execute_activity(
            summarise_simulation,
            SummaryInput(
                spec.baseline, spec.proposed, spec.scenario, spec.seed, spec.sources,
                [without_details(r) for r in results], changes, texts,
            ),
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RETRY,
        )
        self._stage = "finished"
        return summary

    @workflow.query
    def progress(self) -> SimulationProgress:
        return SimulationProgress(self._done, self._total, self._stage)
