"""A dispute's clocks on the real dev server with the second-scale rulebook: the parties'
deadline passing without statements, every level's response time passing up to the rulebook's
default resolution, an escalation by hand, and four-eyes on who may hear the case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.errors import DecisionRefused, ValidationFailed
from store.crud.disputes import list_disputes
from tests.fixtures_temporal import TemporalServer
from tests.workflows.dispute_harness import (
    LAPSING,
    DisputeWorld,
    clients,
    contested_pair,
    seed_dispute_world,
    sqlite_dispute_stack,
)
from tests.workflows.harness import Stack, audit_of, notifications_of, tasks_of
from workflows.human.updates import DecisionInput, EscalateInput

pytestmark = pytest.mark.temporal
LEVELS = ["channel_account_manager", "regional_channel_director", "vp_channel"]


@pytest.fixture(scope="module")
def stack(
    temporal_server: TemporalServer, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    with sqlite_dispute_stack(
        temporal_server, sqlite_template, tmp_path_factory.mktemp("lapse"), LAPSING
    ) as s:
        yield s


@pytest.fixture
def dw(stack: Stack) -> DisputeWorld:
    return seed_dispute_world(stack.database_url)


async def test_silence_everywhere_ends_in_the_default_resolution(stack: Stack, dw: DisputeWorld) -> None:
    disputes, registrations = await clients(stack.settings)
    held, refused = await contested_pair(stack.settings, dw)
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours."
    )
    view = await disputes.wait_until(view.workflow_id, lambda v: v.finished, timeout=30)
    assert view.state == "resolved" and view.resolution == "uphold" and view.resolved_by_default
    assert view.outcome is not None and "default" in view.outcome.text
    tasks = tasks_of(stack.database_url, view.workflow_id)
    assert [(t.kind, t.slot, t.outcome) for t in tasks if t.kind == "dispute.party"] == [
        ("dispute.party", "claimant", "expired"),
        ("dispute.party", "respondent", "expired"),
    ]
    levels = [(t.role, t.escalation_level, t.outcome) for t in tasks if t.kind == "dispute.level"]
    assert levels == [
        (LEVELS[0], 0, "escalated"),
        (LEVELS[1], 1, "escalated"),
        (LEVELS[2], 2, "expired"),
    ]
    events = audit_of(stack.database_url, view.workflow_id)
    assert [(e.action, e.reason_codes) for e in events] == [
        ("dispute.opened", ["dispute.opened", "conflict.first_to_register"]),
        ("review.opened", ["dispute.party_deadline_passed"]),
        ("review.escalated", ["sla.escalated"]),
        ("review.escalated", ["sla.escalated"]),
        ("dispute.resolved", ["sla.default_action", "dispute.upheld", "dispute.default_resolution"]),
    ]
    assert all(e.rulebook_version == "testing-fast" for e in events)
    notified = notifications_of(stack.database_url, view.workflow_id)
    escalations = [n for n in notified if n.event_type == "dispute.escalated"]
    assert {n.recipient_role for n in escalations} >= {LEVELS[1], LEVELS[2]}
    late = await registrations.wait_until(refused.workflow_id, lambda v: v.appeal_until is None, 10)
    assert late.state == "rejected" and late.history[-1].action == "registration.dispute_resolved"
    assert (await registrations.get(held.workflow_id)).state == "approved"


async def test_a_level_can_send_the_case_up_by_hand(stack: Stack, dw: DisputeWorld) -> None:
    disputes, _ = await clients(stack.settings)
    _, refused = await contested_pair(stack.settings, dw)
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours."
    )
    await disputes.statement(view.workflow_id, dw.late.partner_user, "More.")
    await disputes.statement(view.workflow_id, dw.holder.partner_user, "First.")
    view = await disputes.wait_until(view.workflow_id, lambda v: v.state == "in_review", timeout=10)
    [task] = view.open_tasks
    view = await disputes.escalate(
        view.workflow_id, EscalateInput(task.task_id, dw.approvers[LEVELS[0]], "Big account.")
    )
    assert view.level == 1 and [t.role for t in view.open_tasks] == [LEVELS[1]]


async def test_whoever_opened_it_or_made_the_decision_may_not_hear_it(stack: Stack, dw: DisputeWorld) -> None:
    """Four-eyes: the approver who opened the dispute for the partner is refused on the level task
    (another of the role decides); a decision without the comment both parties read is refused."""
    disputes, _ = await clients(stack.settings)
    _, refused = await contested_pair(stack.settings, dw)
    cam = dw.approvers[LEVELS[0]]
    view = await disputes.open(
        actor=cam, registration_id=refused.workflow_id, statement="The partner asked me to."
    )
    assert view.opening.opened_by == cam and view.opening.claimant.partner_id == dw.late.partner_id
    await disputes.statement(view.workflow_id, dw.late.partner_user, "Evidence.")
    await disputes.statement(view.workflow_id, dw.holder.partner_user, "First.")
    view = await disputes.wait_until(view.workflow_id, lambda v: v.state == "in_review", timeout=10)
    [task] = view.open_tasks
    with pytest.raises(DecisionRefused, match="four-eyes"):
        await disputes.decide(view.workflow_id, DecisionInput(task.task_id, cam, "uphold", "Mine."))
    with pytest.raises(DecisionRefused, match="needs a comment"):
        await disputes.decide(
            view.workflow_id, DecisionInput(task.task_id, dw.holder.approvers[LEVELS[0]], "uphold")
        )


async def test_after_the_appeal_window_the_refusal_cannot_be_contested(
    stack: Stack, dw: DisputeWorld
) -> None:
    disputes, registrations = await clients(stack.settings)
    _, refused = await contested_pair(stack.settings, dw)
    assert refused.appeal_until is not None
    ended = await registrations.wait_until(refused.workflow_id, lambda v: v.appeal_until is None, timeout=20)
    assert ended.state == "rejected"
    with pytest.raises(ValidationFailed) as caught:
        await disputes.open(
            actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Late."
        )
    [problem] = caught.value.problems
    assert problem.path == "registration_id" and "appeal window closed" in problem.message
    with stack.session() as session:
        assert list_disputes(session=session, partner_id=dw.late.partner_id).total == 0
