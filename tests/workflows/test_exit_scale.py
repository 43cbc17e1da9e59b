"""An exit of a partner with 200 open registrations on the real dev server: every registration is
disposed of exactly once although the worker is killed halfway through the dispositions, and
the exit's history grows with its batches, not with its registrations."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from parley.clients.exit import ExitClient
from parley.errors import ServiceUnavailable
from store.models import AuditEvent, Registration
from tests.fixtures_temporal import TemporalServer
from tests.workflows.exit_harness import SHORT_NOTICE, exit_client, exit_stack, seed_exit_world
from tests.workflows.harness import Stack
from workflows.exit.types import ExitView

pytestmark = pytest.mark.temporal

OPEN = 200
# Approved registrations protected long past notice end return to direct sales there.
RETURNED = {**SHORT_NOTICE, "beyond_honour_limit: transfer": "beyond_honour_limit: return_to_direct"}


@pytest.fixture
def stack(temporal_server: TemporalServer, sqlite_template: Path, tmp_path: Path) -> Iterator[Stack]:
    database = tmp_path / "parley.db"
    database.write_bytes(sqlite_template.read_bytes())
    with exit_stack(
        temporal_server, f"sqlite:///{database}", tmp_path, RETURNED, protection_period="1h"
    ) as s:
        yield s


def _released(stack: Stack, partner_id: int) -> int:
    with stack.session() as session:
        query = (
            select(func.count())
            .select_from(Registration)
            .where(Registration.partner_id == partner_id, Registration.state == "released")
        )
        return int(session.exec(query).one())


async def _finished(exits: ExitClient, workflow_id: str, timeout: float) -> ExitView:
    """The exit's final view; queries go unanswered while the new worker takes over."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await exits.wait_until(workflow_id, lambda v: v.finished, deadline - time.monotonic())
        except ServiceUnavailable:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)


async def test_two_hundred_registrations_each_disposed_once_across_a_worker_kill(stack: Stack) -> None:
    ew = seed_exit_world(stack.database_url)
    registrations, exits = await stack.client(), await exit_client(stack)
    gate = asyncio.Semaphore(16)

    async def one(i: int) -> str:
        async with gate:
            name = uuid.uuid4().hex[:12]  # names far apart: no registration is a fuzzy duplicate
            view = await registrations.start(
                ew.leaving.submission(account_name=f"{name} Holdings", account_domain=f"{name}.com")
            )
            assert view.state == "approved", view.reason_codes
            return view.workflow_id

    ids = await asyncio.gather(*(one(i) for i in range(OPEN)))
    view = await exits.start(
        actor=ew.ops, partner_id=ew.leaving.partner_id, exit_type="voluntary", why="Scale"
    )
    assert len(view.dispositions) == OPEN

    deadline = time.monotonic() + 120
    while not 0 < _released(stack, ew.leaving.partner_id) < OPEN and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stack.worker.kill()
    halfway = _released(stack, ew.leaving.partner_id)
    assert 0 < halfway < OPEN, halfway
    stack.worker.start()

    done = await _finished(exits, view.workflow_id, timeout=240)
    assert done.state == "completed"
    assert Counter(d.state for d in done.dispositions) == {"applied": OPEN}
    assert _released(stack, ew.leaving.partner_id) == OPEN
    with stack.session() as session:
        query = select(AuditEvent.process_id).where(
            col(AuditEvent.process_id).in_(ids), AuditEvent.action == "registration.returned_to_direct"
        )
        returned = Counter(session.exec(query).all())
    assert set(returned) == set(ids) and set(returned.values()) == {1}
    history = await exits.temporal.get_workflow_handle(view.workflow_id).fetch_history()
    # Eight batches of 25: a few events each, however many registrations a batch holds.
    assert len(history.events) < 120, len(history.events)
