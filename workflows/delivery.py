"""The notification dispatcher: one long-lived workflow per task queue that delivers the outbox.

Every round it warns the people whose tasks near their SLA, then picks up the pending deliveries
(written with the notifications, in the transitions' own transactions) and runs one ``deliver``
activity each, concurrently, with the retry policy's backoff between attempts. After the last
attempt a delivery is dead-lettered for partner operations to see. A worker that dies mid-way
loses nothing: the workflow resumes on another worker with the same deliveries in flight.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.delivery import (
        UNDELIVERABLE,
        DeadLetter,
        PendingQuery,
        dead_letter_delivery,
        deliver,
        pending_deliveries,
        warn_before_sla,
    )

BOOKKEEPING_TIMEOUT = timedelta(minutes=1)
BOOKKEEPING_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
MAX_IN_FLIGHT = 50


@dataclass
class DispatchSettings:
    poll_seconds: float
    attempts: int
    first_retry_seconds: float
    send_timeout_seconds: float
    sla_warning_share: float
    # Rounds before the workflow continues as new, which keeps its history short.
    rounds_per_run: int = 200


def dispatcher_id(task_queue: str) -> str:
    return f"notification-dispatch-{task_queue}"


@workflow.defn
class NotificationDispatchWorkflow:
    def __init__(self) -> None:
        # Each delivery being attempted, with its task (kept so it is not collected mid-way).
        self._in_flight: dict[int, asyncio.Task[None]] = {}

    @workflow.run
    async def run(self, settings: DispatchSettings) -> None:
        for _ in range(settings.rounds_per_run):
            await workflow.execute_activity(
                warn_before_sla,
                settings.sla_warning_share,
                start_to_close_timeout=BOOKKEEPING_TIMEOUT,
                retry_policy=BOOKKEEPING_RETRY,
            )
            room = MAX_IN_FLIGHT - len(self._in_flight)
            if room > 0:
                due = await workflow.execute_activity(
                    pending_deliveries,
                    PendingQuery(excluding=sorted(self._in_flight), limit=room),
                    start_to_close_timeout=BOOKKEEPING_TIMEOUT,
                    retry_policy=BOOKKEEPING_RETRY,
                )
                for delivery_id in due:
                    self._in_flight[delivery_id] = asyncio.create_task(self._deliver(delivery_id, settings))
            await workflow.sleep(timedelta(seconds=settings.poll_seconds))
        await workflow.wait_condition(lambda: not self._in_flight)
        workflow.continue_as_new(settings)

    async def _deliver(self, delivery_id: int, settings: DispatchSettings) -> None:
        try:
            await workflow.execute_activity(
                deliver,
                delivery_id,
                start_to_close_timeout=timedelta(seconds=2 * settings.send_timeout_seconds + 5),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(seconds=settings.first_retry_seconds),
                    backoff_coefficient=2.0,
                    maximum_interval=timedelta(hours=1),
                    maximum_attempts=settings.attempts,
                    non_retryable_error_types=[UNDELIVERABLE],
                ),
            )
        except ActivityError as failed:
            cause = failed.cause
            await workflow.execute_activity(
                dead_letter_delivery,
                DeadLetter(delivery_id, str(cause.message if isinstance(cause, FailureError) else failed)),
                start_to_close_timeout=BOOKKEEPING_TIMEOUT,
                retry_policy=BOOKKEEPING_RETRY,
            )
        finally:
            self._in_flight.pop(delivery_id, None)
