"""Durability: the worker process is killed while an approval is open, a new one takes over, and
the process finishes with nothing lost or doubled. While no worker runs, a decision is refused
quickly as "not available" and is not applied later either."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.clients import DecisionInput, DecisionOutcome, RegistrationClient, RegistrationView
from parley.errors import ServiceUnavailable
from parley.settings import Settings
from tests.fixtures_temporal import TemporalServer, free_port
from tests.workflows.harness import (
    Stack,
    audit_of,
    fast_rulebook_dir,
    notifications_of,
    registration_row,
    seed_world,
    start_stack,
    tasks_of,
)

CAM = "channel_account_manager"


@pytest.fixture
def slow_sla_stack(
    temporal_server: TemporalServer, database_url: str, task_queue: str, tmp_path: Path
) -> Iterator[Stack]:
    """SLAs of a minute: the approval must still be open at the first level after the restart."""
    rulebooks = fast_rulebook_dir(tmp_path / "rulebooks", {"sla: 2s}": "sla: 60s}"})
    stack = start_stack(temporal_server, database_url, task_queue, rulebooks, tmp_path)
    yield stack
    stack.worker.stop()


async def test_worker_killed_during_an_open_approval(slow_sla_stack: Stack) -> None:
    db_stack = slow_sla_stack
    url = db_stack.database_url
    world = seed_world(url)
    client = await RegistrationClient.connect(db_stack.settings, rpc_timeout=3)
    view = await client.start(world.submission(deal_value=300_000))
    assert view.state == "pending_approval" and view.open_task is not None
    wid, task_id = view.workflow_id, view.open_task.task_id

    db_stack.worker.kill()
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="approval service"):
        await client.decide(
            wid, DecisionInput(task_id, world.approvers[CAM], DecisionOutcome.APPROVE, "while down")
        )
    assert time.monotonic() - started < 10

    db_stack.worker.start()
    # The dead worker's sticky queue holds the next task until its schedule-to-start timeout
    # (5s) passes; until then the new worker cannot answer, and the client says so.
    current = await _when_answering(client, wid)
    assert all(h.comment != "while down" for h in current.history)  # the late update was refused
    assert current.open_task is not None
    role = current.open_task.role
    decided = await client.decide(
        wid,
        DecisionInput(
            current.open_task.task_id, world.approvers[role], DecisionOutcome.APPROVE, "after restart"
        ),
    )
    assert decided.state == "approved"

    events = audit_of(url, wid)
    assert [(e.actor, e.action, e.after_state) for e in events] == [
        (h.actor, h.action, h.after) for h in decided.history
    ]
    assert [e.action for e in events] == ["review.opened", "registration.approved"]
    [task] = tasks_of(url, wid)
    assert (task.id, task.state, task.outcome, task.closed_by) == (
        task_id,
        "closed",
        "approved",
        world.approvers[role],
    )
    notified = [n.event_type for n in notifications_of(url, wid)]
    assert notified == ["task.assigned", "registration.decided"]
    assert registration_row(url, wid).state == "approved"


async def _when_answering(client: RegistrationClient, workflow_id: str) -> RegistrationView:
    deadline = time.monotonic() + 30
    while True:
        try:
            return await client.get(workflow_id)
        except ServiceUnavailable:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def test_temporal_down_is_a_quick_clear_error(tmp_path: object) -> None:
    settings = Settings(temporal_address=f"127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="PARLEY_TEMPORAL_ADDRESS"):
        await RegistrationClient.connect(settings)
    assert time.monotonic() - started < 10
