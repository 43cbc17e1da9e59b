"""A round trip through server, worker and database, used by ``parley doctor`` and the smoke test."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.diagnostics import DatabaseProbeResult, probe_database


@workflow.defn
class RoundTripWorkflow:
    """Asks a worker to reach the database and reports what it saw."""

    @workflow.run
    async def run(self) -> DatabaseProbeResult:
        return await workflow.execute_activity(probe_database, start_to_close_timeout=timedelta(seconds=10))
