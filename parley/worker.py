"""A Temporal worker with every Parley workflow and activity registered."""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Worker

from activities import all_activities
from parley.settings import Settings, get_settings
from parley.temporal_client import connect
from workflows.catalog import ALL_WORKFLOWS
from workflows.delivery import DispatchSettings, NotificationDispatchWorkflow, dispatcher_id


def build_worker(client: Client, settings: Settings, executor: concurrent.futures.Executor) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=ALL_WORKFLOWS,
        activities=all_activities(),
        activity_executor=executor,
        max_concurrent_activities=32,
    )


async def start_dispatcher(client: Client, settings: Settings) -> None:
    """Make sure the task queue's notification dispatcher runs (every worker asks; one runs)."""
    await client.start_workflow(
        NotificationDispatchWorkflow.run,
        DispatchSettings(
            poll_seconds=settings.delivery_poll_seconds,
            attempts=settings.delivery_attempts,
            first_retry_seconds=settings.delivery_first_retry_seconds,
            send_timeout_seconds=settings.webhook_timeout_seconds,
            sla_warning_share=settings.sla_warning_share,
        ),
        id=dispatcher_id(settings.task_queue),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


async def run_worker(client: Client | None = None, settings: Settings | None = None) -> None:
    """Run until SIGINT/SIGTERM, then finish in-flight tasks and stop."""
    settings = settings or get_settings()
    client = client or await connect(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as executor:
        worker = build_worker(client, settings, executor)
        async with worker:
            if settings.notification_delivery:
                await start_dispatcher(client, settings)
            print(f"worker ready on task queue {settings.task_queue!r}", flush=True)
            await stop.wait()
