"""Client side of the round trip check (see workflows/diagnostics.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from activities.diagnostics import DatabaseProbeResult
from parley.settings import Settings
from parley.temporal_client import connect
from workflows.diagnostics import RoundTripWorkflow


async def round_trip(settings: Settings, *, timeout: float = 30.0) -> DatabaseProbeResult:
    client = await connect(settings)
    return await client.execute_workflow(
        RoundTripWorkflow.run,
        id=f"parley-doctor-{uuid.uuid4()}",
        task_queue=settings.task_queue,
        execution_timeout=timedelta(seconds=timeout),
    )
