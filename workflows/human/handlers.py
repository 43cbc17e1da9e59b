"""The task updates (decide, escalate, provide_info) installed on a process workflow, by composition.

Every process takes the same three updates with the same validators, so they are installed from
here in the workflow's ``@workflow.init`` rather than written again on each workflow class: a
handler queues the validated update for the run loop and answers with the process's view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.approval import ApprovalPath
    from workflows.human.authority import refusals
    from workflows.human.commands import CommandQueue
    from workflows.human.updates import DecideUpdate, EscalateUpdate, ProvideInfoUpdate
    from workflows.human.validation import (
        TaskHost,
        TaskSettings,
        validate_answer,
        validate_decide,
        validate_escalate,
    )


def install_task_updates(
    settings: TaskSettings,
    host: TaskHost,
    queue: CommandQueue[Any],
    path: Callable[[], ApprovalPath | None],
) -> None:
    """Register the three task updates; ``path`` gives the path being walked (None before).

    The workflow's module must import from ``workflows.human.updates`` (``from ... import
    TaskUpdate``) in its pass-through block: the sandbox resolves the updates' field types through
    the modules the workflow itself imported.
    """

    async def decide(update: DecideUpdate) -> Any:
        await queue.submit(update)
        return host.view

    def check_decide(update: DecideUpdate) -> None:
        with refusals():
            validate_decide(settings, host, queue, update, workflow.now())

    async def escalate(update: EscalateUpdate) -> Any:
        await queue.submit(update)
        return host.view

    def check_escalate(update: EscalateUpdate) -> None:
        with refusals():
            validate_escalate(settings, host, queue, path(), update, workflow.now())

    async def provide_info(update: ProvideInfoUpdate) -> Any:
        await queue.submit(update)
        return host.view

    def check_provide_info(update: ProvideInfoUpdate) -> None:
        with refusals():
            validate_answer(settings, host, queue, update, workflow.now())

    workflow.set_update_handler("decide", decide, validator=check_decide)
    workflow.set_update_handler("escalate", escalate, validator=check_escalate)
    workflow.set_update_handler("provide_info", provide_info, validator=check_provide_info)
