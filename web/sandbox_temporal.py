"""The sandbox's conversation with Temporal: start a what-if, watch it, collect its results.

A run's workflow id is derived from its ``simulation_runs`` row (``simulation-run-<key>``, see
``web.sandbox_runs.run_key``), so the row is all the web needs to find it again. Before starting,
the task queue is asked whether a worker has polled it lately: with no worker the run would wait
silently, so the user is told instead. Every call is bounded; an unreachable Temporal becomes
``ServiceUnavailable``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError

from parley.clients.base import root_cause, temporal_errors
from parley.errors import ServiceUnavailable
from parley.settings import get_settings
from web import runner
from web.workflow_clients import temporal_client
from workflows.simulation import SimulationInput, SimulationProgress, SimulationWorkflow

# An idle worker re-polls about once a minute, so a poller older than this has gone away.
POLLER_FRESH = timedelta(minutes=2)
CALL_TIMEOUT = 10.0
QUERY_TIMEOUT = 4.0
NOUN = "simulation workflow"

T = TypeVar("T")


def workflow_id(key: str) -> str:
    return f"simulation-run-{key}"


@dataclass(frozen=True)
class Observation:
    """What Temporal says about a run right now."""

    state: str  # "running", "completed", "failed" or "cancelled"
    progress: SimulationProgress | None = None
    results: dict[str, Any] | None = None
    error: str | None = None
    worker_missing: str | None = None  # a sentence when no worker serves the queue


async def _worker_problem(client: Client) -> str | None:
    settings = get_settings()
    cutoff = datetime.now(UTC) - POLLER_FRESH
    for kind, label in (
        (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, "workflow"),
        (TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, "activity"),
    ):
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=settings.temporal_namespace,
                task_queue=TaskQueue(name=settings.task_queue),
                task_queue_type=kind,
            )
        )
        if not any(p.last_access_time.ToDatetime(tzinfo=UTC) >= cutoff for p in response.pollers):
            return (
                f"No Parley worker is serving task queue {settings.task_queue!r} ({label} tasks "
                "have no poller). Start one with `parley worker` (or `parley up`)."
            )
    return None


async def _start(key: str, spec: SimulationInput) -> None:
    client = await temporal_client()
    with temporal_errors(NOUN, workflow_id(key)):
        problem = await _worker_problem(client)
        if problem:
            raise ServiceUnavailable("the simulation worker", problem)
        await client.start_workflow(
            SimulationWorkflow.run, spec, id=workflow_id(key), task_queue=get_settings().task_queue
        )


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run on the web app's shared loop; a call that hangs is reported as Temporal not answering."""
    try:
        return runner.run(asyncio.wait_for(coro, CALL_TIMEOUT), timeout=CALL_TIMEOUT + 2)
    except TimeoutError as exc:
        raise ServiceUnavailable("Temporal", f"no answer within {CALL_TIMEOUT:.0f}s") from exc
    except ServiceUnavailable as exc:
        if exc.service == "Temporal" or exc.service == "the simulation worker":
            raise
        raise ServiceUnavailable("Temporal", exc.detail) from exc


def start(key: str, spec: SimulationInput) -> None:
    """Start the workflow of the run ``key``; ``ServiceUnavailable`` if nothing could run it."""
    _run(_start(key, spec))


def worker_problem() -> str | None:
    """A sentence when no worker serves the task queue, else None."""

    async def ask() -> str | None:
        with temporal_errors(NOUN):
            return await _worker_problem(await temporal_client())

    return _run(ask())


async def _observe(key: str) -> Observation:
    client = await temporal_client()
    handle = client.get_workflow_handle(workflow_id(key))
    with temporal_errors(NOUN, workflow_id(key)):
        description = await handle.describe()
        status = description.status
        if status == WorkflowExecutionStatus.RUNNING:
            missing = await _worker_problem(client)
            if missing:
                return Observation("running", worker_missing=missing)
            try:
                # A query is answered by a worker: a worker that just died must not stall the page.
                progress = await asyncio.wait_for(handle.query(SimulationWorkflow.progress), QUERY_TIMEOUT)
            except TimeoutError:
                return Observation("running", worker_missing=(
                    f"No worker answered within {QUERY_TIMEOUT:.0f}s; it may have stopped. "
                    "Start one with `parley worker` (or `parley up`)."
                ))  # fmt: skip
            return Observation("running", progress)
        if status == WorkflowExecutionStatus.COMPLETED:
            return Observation("completed", results=await handle.result())
        if status in (WorkflowExecutionStatus.CANCELED, WorkflowExecutionStatus.TERMINATED):
            return Observation("cancelled", error=f"the workflow was {status.name.lower()}")
        try:
            await handle.result()
        except WorkflowFailureError as exc:
            return Observation("failed", error=root_cause(exc))
        return Observation("failed", error=f"the workflow ended as {status.name.lower() if status else '?'}")


def observe(key: str) -> Observation:
    """Ask Temporal how run ``key`` stands (progress while running, results once completed)."""
    return _run(_observe(key))
