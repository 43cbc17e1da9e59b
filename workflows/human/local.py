"""How a process's workflow calls its activities: as local activities, bounded and retried.

A process's activities are short database reads and writes, so they run as *local* activities:
in the worker, recorded as markers in the history, without a round trip through the server for
each (several times the throughput on the embedded dev server). They are idempotent, so a retry
or a re-run after a worker crash writes nothing twice. Each try is bounded; they retry until the
database answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

ACTIVITY_TIMEOUT = timedelta(seconds=30)
ACTIVITY_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=10))

Arg = TypeVar("Arg")
Result = TypeVar("Result")


async def run_local(activity: Callable[[Arg], Result], arg: Arg) -> Result:
    """Run one of the process's activities with the shared bounds."""
    return await workflow.execute_local_activity(
        activity, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY
    )
