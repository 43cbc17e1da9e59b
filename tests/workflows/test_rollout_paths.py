"""The rulebook roll-out on the real dev server with second-scale durations: the simulation gate,
four-eyes approval, publication with acknowledgement tasks, the timer to the effective date,
withdrawal, and every refusal leaving nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from activities.rulebook import rulebook_library
from parley.errors import DecisionRefused, ValidationFailed
from store import crud
from store.engine import engine_for
from store.models import RulebookAcknowledgement, RulebookState, RulebookVersion, Task, utcnow
from tests.fixtures_temporal import TemporalServer
from tests.workflows.harness import audit_of
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
from workflows.rollout.types import ACKNOWLEDGEMENT_TASK, APPROVAL_TASK, RolloutState

pytestmark = pytest.mark.temporal


def _row(url: str, version: str) -> RulebookVersion | None:
    with Session(engine_for(url)) as session:
        return crud.get_rulebook_version(session=session, version=version)


def _tasks(url: str, process_id: str, kind: str) -> list[Task]:
    with Session(engine_for(url)) as session:
        query = select(Task).where(Task.process_id == process_id, Task.kind == kind).order_by(col(Task.id))
        return list(session.exec(query).all())


async def test_draft_gated_approved_published_acknowledged_and_in_force(
    temporal_server: TemporalServer, database_url: str, tmp_path: Path
) -> None:
    with rollout_stack(temporal_server, database_url, tmp_path) as stack:
        world = seed_rollout_world(database_url)
        client = await client_of(stack)
        version = new_version()
        effective = soon(12)
        view = await client.submit(
            actor=world.author, text=draft_text(version, effective), comment="Shorter reviews"
        )
        assert view.state == RolloutState.DRAFT and view.open_tasks == []
        assert _row(database_url, version).state == RulebookState.DRAFT  # type: ignore[union-attr]
        # Approving before the what-if: there is no approval task to decide yet.
        assert _tasks(database_url, view.workflow_id, APPROVAL_TASK) == []

        run_id = completed_what_if(database_url, version)
        view = await client.attach_what_if(version, world.author, run_id)
        [task] = view.open_tasks
        attached = _row(database_url, version)  # the row says which what-if, before any approval
        assert attached is not None and attached.simulation_run_id == run_id
        assert task.role == "vp_channel"

        # Four-eyes: the author holds the approving role but may not approve its own draft.
        with pytest.raises(DecisionRefused, match="four-eyes"):
            await client.decide(view.workflow_id, DecisionInput(task.task_id, world.author, "approve"))
        view = await client.decide(view.workflow_id, DecisionInput(task.task_id, world.vp, "approve"))
        view = await client.wait_until(view.workflow_id, lambda v: v.state == RolloutState.SCHEDULED, 10)
        assert view.approved_by == world.vp and view.what_if is not None and view.what_if.run_id == run_id
        row = _row(database_url, version)
        assert row is not None and row.state == RulebookState.SCHEDULED and row.approved_by == world.vp
        assert row.simulation_run_id == run_id and row.acknowledge_by is not None

        asked = {a.partner_id for a in view.acknowledgements}
        assert {world.first.partner_id, world.second.partner_id} <= asked
        acks = _tasks(database_url, view.workflow_id, ACKNOWLEDGEMENT_TASK)
        assert {t.partner_id for t in acks} == asked and all(t.role == "partner" for t in acks)

        # The library already holds the scheduled version; it governs only from its date.
        library = rulebook_library(stack.settings)
        assert library.governing(utcnow()).version == "testing-fast"
        assert library.governing(effective).version == version

        # A partner's user acknowledges for its own partner only.
        view = await client.acknowledge(version, world.first.partner_user)
        with pytest.raises(DecisionRefused, match="already acknowledged"):
            await client.acknowledge(version, world.first.partner_user)
        with Session(engine_for(database_url)) as session:
            found = session.exec(select(RulebookAcknowledgement)).all()
        assert [(a.partner_id, a.acknowledged_by) for a in found] == [
            (world.first.partner_id, world.first.partner_user)
        ]

        view = await client.wait_until(view.workflow_id, lambda v: v.state == RolloutState.IN_FORCE, 30)
        assert _row(database_url, version).state == RulebookState.IN_FORCE  # type: ignore[union-attr]
        assert _row(database_url, "testing-fast").state == RulebookState.SUPERSEDED  # type: ignore[union-attr]
        actions = [e.action for e in audit_of(database_url, view.workflow_id)]
        assert actions[:5] == [
            "rulebook.submitted",
            "rulebook.simulation_attached",
            "review.opened",
            "rulebook.approved",
            "rulebook.scheduled",
        ]
        assert "rulebook.acknowledged" in actions and "rulebook.in_force" in actions


async def test_refusals_store_nothing(
    temporal_server: TemporalServer, database_url: str, tmp_path: Path
) -> None:
    with rollout_stack(temporal_server, database_url, tmp_path) as stack:
        world = seed_rollout_world(database_url)
        client = await client_of(stack)
        version = new_version()
        with pytest.raises(ValidationFailed) as invalid:
            await client.submit(
                actor=world.author,
                text=draft_text(version, soon(60), protection_period="forever"),
                comment="",
            )
        assert {p.path for p in invalid.value.problems} >= {"comment", "registration.protection_period"}
        with pytest.raises(ValidationFailed) as past:
            await client.submit(actor=world.author, text=draft_text(version, soon(-60)), comment="Late")
        assert [p.path for p in past.value.problems] == ["effective_from"]
        with pytest.raises(ValidationFailed) as taken:
            await client.submit(
                actor=world.author, text=draft_text("testing-fast", soon(60)), comment="Again"
            )
        assert [p.path for p in taken.value.problems] == ["version"]
        with pytest.raises(DecisionRefused, match="partner operations"):
            await client.submit(actor=world.vp, text=draft_text(version, soon(60)), comment="Not mine")
        assert _row(database_url, version) is None

        # A what-if of something else does not open the gate.
        view = await client.submit(actor=world.author, text=draft_text(version, soon(60)), comment="Gate")
        other = completed_what_if(database_url, "another-draft")
        with pytest.raises(DecisionRefused, match="not " + version):
            await client.attach_what_if(version, world.author, other)
        assert (await client.get(view.workflow_id)).open_tasks == []


async def test_withdrawn_before_effect_and_declined(
    temporal_server: TemporalServer, sqlite_database_url: str, tmp_path: Path
) -> None:
    database_url = sqlite_database_url  # workflow logic only: both databases run in the other tests
    with rollout_stack(temporal_server, database_url, tmp_path) as stack:
        world = seed_rollout_world(database_url)
        client = await client_of(stack)
        scheduled, declined = new_version(), new_version()
        await client.submit(actor=world.author, text=draft_text(scheduled, soon(40)), comment="To withdraw")
        view = await client.attach_what_if(
            scheduled, world.author, completed_what_if(database_url, scheduled)
        )
        await client.decide(view.workflow_id, DecisionInput(view.open_tasks[0].task_id, world.vp, "approve"))
        await client.wait_until(view.workflow_id, lambda v: v.state == RolloutState.SCHEDULED, 10)
        with pytest.raises(DecisionRefused, match="partner operations"):
            await client.withdraw(scheduled, world.vp, "not mine to take back")
        view = await client.withdraw(scheduled, world.author, "Found a mistake in the SLA")
        view = await client.wait_until(view.workflow_id, lambda v: v.finished, 10)
        assert view.state == RolloutState.WITHDRAWN
        row = _row(database_url, scheduled)
        assert row is not None and row.state == RulebookState.WITHDRAWN and row.withdrawn_by == world.author
        assert scheduled not in rulebook_library(stack.settings).versions
        acks = _tasks(database_url, view.workflow_id, ACKNOWLEDGEMENT_TASK)
        assert acks and all(t.state == "closed" and t.outcome == "cancelled" for t in acks)

        await client.submit(actor=world.author, text=draft_text(declined, soon(40)), comment="To decline")
        view = await client.attach_what_if(declined, world.author, completed_what_if(database_url, declined))
        task_id = view.open_tasks[0].task_id
        with pytest.raises(DecisionRefused, match="comment"):
            await client.decide(view.workflow_id, DecisionInput(task_id, world.vp, "reject"))
        view = await client.decide(view.workflow_id, DecisionInput(task_id, world.vp, "reject", "Too risky"))
        view = await client.wait_until(view.workflow_id, lambda v: v.finished, 10)
        assert view.state == RolloutState.WITHDRAWN and "Too risky" in view.ended_because
        assert _row(database_url, declined).state == RulebookState.WITHDRAWN  # type: ignore[union-attr]


async def test_approval_lapses_past_its_sla(
    temporal_server: TemporalServer, sqlite_database_url: str, tmp_path: Path
) -> None:
    database_url = sqlite_database_url  # workflow logic only: both databases run in the other tests
    with rollout_stack(
        temporal_server, database_url, tmp_path, {"approval_sla: 4s": "approval_sla: 2s"}
    ) as stack:
        world = seed_rollout_world(database_url)
        client = await client_of(stack)
        version = new_version()
        await client.submit(actor=world.author, text=draft_text(version, soon(60)), comment="Nobody decides")
        view = await client.attach_what_if(version, world.author, completed_what_if(database_url, version))
        view = await client.wait_until(view.workflow_id, lambda v: v.finished, 15)
        assert view.state == RolloutState.WITHDRAWN
        assert view.ended_because == "the approval was not given in time"
