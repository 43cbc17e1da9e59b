"""Many machines, one answer: two worker processes on one database agree on which version governs,
a worker that was running before the roll-out switches at the effective date without being told,
two approvers at the same moment give one approval, and partners that have not acknowledged are
reminded and then marked overdue while the one that acknowledged is not."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from temporalio.client import WorkflowExecutionStatus

from parley.clients.registration import RegistrationClient, RegistrationSubmission
from parley.errors import DecisionRefused
from store.engine import engine_for
from store.models import Notification
from tests.fixtures_temporal import TemporalServer
from tests.workflows.harness import audit_of, seed_world, start_stack, tasks_of
from tests.workflows.rollout_harness import (
    client_of,
    completed_what_if,
    draft_text,
    new_version,
    rollout_stack,
    seed_rollout_world,
    soon,
)
from workflows.human.updates import DecisionInput
from workflows.registration.types import RegistrationView
from workflows.rollout.types import RolloutState

pytestmark = pytest.mark.temporal


async def _pinned(client: RegistrationClient, submission: RegistrationSubmission) -> str:
    view: RegistrationView = await client.start(submission)
    assert view.rulebook_version is not None
    return view.rulebook_version


async def test_two_workers_agree_and_one_of_two_approvals_counts(
    temporal_server: TemporalServer, database_url: str, tmp_path: Path
) -> None:
    with rollout_stack(temporal_server, database_url, tmp_path) as first:
        # A second worker process on its own task queue and the same database, running (and
        # caching the library) before anything is drafted: nobody tells it about the roll-out.
        second = start_stack(
            temporal_server,
            database_url,
            f"parley-test-{uuid.uuid4().hex[:12]}",
            first.rulebook_dir,
            tmp_path,
        )
        try:
            world = seed_rollout_world(database_url)
            via_first, via_second = await first.client(), await second.client()
            assert await _pinned(via_second, world.first.submission()) == "testing-fast"

            rollouts = await client_of(first)
            version, effective = new_version(), soon(10)
            await rollouts.submit(actor=world.author, text=draft_text(version, effective), comment="v2")
            view = await rollouts.attach_what_if(
                version, world.author, completed_what_if(database_url, version)
            )
            [task] = view.open_tasks

            # Two VPs press approve at the same moment: one approval, the other told who decided.
            results = await asyncio.gather(
                rollouts.decide(view.workflow_id, DecisionInput(task.task_id, world.vp, "approve")),
                rollouts.decide(
                    view.workflow_id,
                    DecisionInput(task.task_id, world.second.approvers["vp_channel"], "approve"),
                ),
                return_exceptions=True,
            )
            refused = [r for r in results if isinstance(r, DecisionRefused)]
            assert len(refused) == 1 and len(results) == 2, results
            actions = [e.action for e in audit_of(database_url, view.workflow_id)]
            assert actions.count("rulebook.approved") == 1

            # Before the effective date both workers still decide under v1 ...
            assert await _pinned(via_first, world.second.submission()) == "testing-fast"
            assert await _pinned(via_second, world.second.submission()) == "testing-fast"
            await rollouts.wait_until(view.workflow_id, lambda v: v.state == RolloutState.IN_FORCE, 30)
            # ... and after it both decide under v2, the second worker having only the database.
            assert await _pinned(via_first, world.first.submission()) == version
            assert await _pinned(via_second, world.second.submission()) == version
        finally:
            second.worker.stop()


async def test_acknowledgements_are_reminded_overdue_then_superseded(
    temporal_server: TemporalServer, sqlite_database_url: str, tmp_path: Path
) -> None:
    """The test rulebook asks for acknowledgement within 6 s, reminding 3 s before; when a newer
    version comes into force the older one's open acknowledgements close."""
    database_url = sqlite_database_url  # workflow logic only: both databases run in the other tests
    with rollout_stack(temporal_server, database_url, tmp_path) as stack:
        world = seed_rollout_world(database_url)
        silent = seed_world(database_url)  # a partner that never acknowledges
        rollouts = await client_of(stack)
        version = new_version()
        await rollouts.submit(actor=world.author, text=draft_text(version, soon(12)), comment="v2")
        view = await rollouts.attach_what_if(version, world.author, completed_what_if(database_url, version))
        [task] = view.open_tasks
        view = await rollouts.decide(view.workflow_id, DecisionInput(task.task_id, world.vp, "approve"))
        view = await rollouts.acknowledge(version, world.first.partner_user)

        view = await rollouts.wait_until(
            view.workflow_id, lambda v: any(a.overdue for a in v.acknowledgements), 20
        )
        overdue = {a.partner_id for a in view.acknowledgements if a.overdue}
        assert world.second.partner_id in overdue and world.first.partner_id not in overdue
        events = {e.action: e for e in audit_of(database_url, view.workflow_id)}
        reminded = events["rulebook.acknowledgement_reminded"].detail["reminded_partners"]
        assert world.second.partner_id in reminded and world.first.partner_id not in reminded
        assert events["rulebook.acknowledgement_overdue"].reason_codes == ["rollout.acknowledgement_overdue"]

        # The reminder went to the partners that had not acknowledged, and to no one else.
        with Session(engine_for(database_url)) as session:
            reminders = session.exec(
                select(Notification).where(
                    col(Notification.event_type) == "rulebook.acknowledgement_due",
                    col(Notification.process_id) == view.workflow_id,
                )
            ).all()
        assert {n.partner_id for n in reminders} == set(reminded)
        assert all(n.recipient_role == "partner" for n in reminders)

        # A late acknowledgement is still taken.
        view = await rollouts.acknowledge(version, world.second.partner_user)
        assert world.second.partner_id in {a.partner_id for a in view.acknowledgements if a.acknowledged_by}
        first_rollout = await rollouts.wait_until(
            view.workflow_id, lambda v: v.state == RolloutState.IN_FORCE, 30
        )
        still = first_rollout.acknowledgement_of(silent.partner_id)
        assert still is not None and still.acknowledged_by is None  # the silent partner is still asked

        # A newer version comes into force: the silent partner is no longer asked to acknowledge v2.
        newer = new_version()
        await rollouts.submit(actor=world.author, text=draft_text(newer, soon(8)), comment="v3")
        later = await rollouts.attach_what_if(
            newer, world.author, completed_what_if(database_url, newer, version)
        )
        [task] = later.open_tasks
        later = await rollouts.decide(later.workflow_id, DecisionInput(task.task_id, world.vp, "approve"))
        await rollouts.wait_until(later.workflow_id, lambda v: v.state == RolloutState.IN_FORCE, 30)
        ended = await rollouts.wait_until(view.workflow_id, lambda v: bool(v.superseded_by), 15)
        assert ended.superseded_by == newer
        closed = [t for t in tasks_of(database_url, view.workflow_id) if t.partner_id == silent.partner_id]
        assert [(t.state, t.outcome) for t in closed] == [("closed", "cancelled")]
        superseded = [
            e for e in audit_of(database_url, view.workflow_id) if e.action == "rulebook.superseded"
        ]
        assert [e.reason_codes for e in superseded] == [["rollout.superseded"]]
        assert silent.partner_id in superseded[0].detail["no_longer_asked"]


async def test_everyone_acknowledging_early_ends_the_roll_out_quietly(
    temporal_server: TemporalServer, sqlite_database_url: str, tmp_path: Path
) -> None:
    """Every partner acknowledges before the 6 s deadline: at the deadline nothing is overdue and
    nothing is recorded (once, not over and over), and at the effective date the roll-out ends."""
    database_url = sqlite_database_url
    with rollout_stack(temporal_server, database_url, tmp_path) as stack:
        world = seed_rollout_world(database_url)
        rollouts = await client_of(stack)
        version = new_version()
        await rollouts.submit(actor=world.author, text=draft_text(version, soon(14)), comment="v2")
        view = await rollouts.attach_what_if(version, world.author, completed_what_if(database_url, version))
        [task] = view.open_tasks
        view = await rollouts.decide(view.workflow_id, DecisionInput(task.task_id, world.vp, "approve"))
        for partner in (world.first, world.second):
            view = await rollouts.acknowledge(version, partner.partner_user)
        assert view.acknowledge_by is not None and view.effective_from is not None
        assert view.acknowledge_by < view.effective_from  # the deadline passes while scheduled
        view = await rollouts.wait_until(view.workflow_id, lambda v: v.state == RolloutState.IN_FORCE, 30)
        assert view.deadline_passed and not any(a.overdue for a in view.acknowledgements)
        handle = rollouts.temporal.get_workflow_handle(view.workflow_id)
        await asyncio.wait_for(handle.result(), 15)  # it ends: nobody is left to ask
        described = await handle.describe()
        assert described.status == WorkflowExecutionStatus.COMPLETED
        assert described.raw_description.workflow_execution_info.history_length < 150
        actions = [e.action for e in audit_of(database_url, view.workflow_id)]
        assert "rulebook.acknowledgement_overdue" not in actions
