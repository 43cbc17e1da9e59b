"""Submitting a what-if to Temporal instead of running it locally (``parley simulate --temporal``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from temporalio.client import Client

from parley.settings import Settings, get_settings
from parley.temporal_client import connect
from simulation.runner import WhatIf
from workflows.simulation import SimulationInput, SimulationProgress, SimulationWorkflow

OnProgress = Callable[[SimulationProgress], None]


def workflow_input(what_if: WhatIf) -> SimulationInput:
    info = what_if.info
    return SimulationInput(
        baseline=what_if.baseline_text,
        proposed=what_if.proposed_text,
        scenario=what_if.scenario_text,
        replications=info.replications,
        seed=info.seed,
        sources=[info.baseline_source, info.proposed_source, info.scenario_source],
    )


async def run_on_temporal(
    what_if: WhatIf,
    on_progress: OnProgress | None = None,
    *,
    client: Client | None = None,
    settings: Settings | None = None,
    poll_seconds: float = 0.5,
) -> dict[str, Any]:
    """Start the workflow, report progress from its query until it finishes, return the results."""
    settings = settings or get_settings()
    client = client or await connect(settings)
    handle = await client.start_workflow(
        SimulationWorkflow.run,
        workflow_input(what_if),
        id=f"simulation-{uuid.uuid4().hex[:12]}",
        task_queue=settings.task_queue,
    )
    outcome = asyncio.ensure_future(handle.result())
    while not outcome.done():
        await asyncio.wait({outcome}, timeout=poll_seconds)
        if on_progress is not None and not outcome.done():
            on_progress(await handle.query(SimulationWorkflow.progress))
    result: dict[str, Any] = outcome.result()
    if on_progress is not None:
        on_progress(SimulationProgress(what_if.info.replications, what_if.info.replications, "finished"))
    return result
