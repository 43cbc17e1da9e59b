"""Discount requests on their timers (second-scale SLAs and quote validity), a worker killed in the
middle of a parallel step, and two approvers of one role deciding the same task at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.errors import DecisionRefused, ServiceUnavailable, ValidationFailed
from tests.fixtures_temporal import TemporalServer
from tests.workflows.discount_harness import (
    LONG_PROTECTION,
    SUBSTITUTIONS,
    DiscountWorld,
    approved_registration,
    decide,
    discount_client,
    seed_discount_world,
    sqlite_discount_stack,
    submission,
)
from tests.workflows.harness import (
    Stack,
    add_user,
    audit_of,
    fast_rulebook_dir,
    notifications_of,
    start_stack,
    tasks_of,
)
from workflows.human.updates import DecisionInput

pytestmark = pytest.mark.temporal

# Quotes valid 6 seconds with a reminder 3 seconds before they lapse; 2-second approval steps.
TIMERS = {"reminder_lead_time: 2s": "reminder_lead_time: 10m", "quote_validity: 10s": "quote_validity: 6s"}


@pytest.fixture(scope="module")
def stack(
    temporal_server: TemporalServer, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    with sqlite_discount_stack(
        temporal_server, sqlite_template, tmp_path_factory.mktemp("discount-timers"), TIMERS
    ) as stack:
        yield stack


@pytest.fixture
def dw(stack: Stack) -> DiscountWorld:
    return seed_discount_world(stack)


async def test_a_silent_step_escalates_once_then_the_default_rejects(stack: Stack, dw: DiscountWorld) -> None:
    client = await discount_client(stack)
    registration = await approved_registration(stack, dw)
    view = await client.request(submission(dw, registration, requested_discount=0.15))
    assert [t.role for t in view.open_tasks] == ["deal_desk"]
    view = await client.wait_until(view.workflow_id, lambda v: v.finished, timeout=20)
    assert view.state == "rejected" and "default action" in view.ended_because
    assert [h.action for h in view.history] == ["review.opened", "review.escalated", "discount.rejected"]
    assert view.history[-1].actor == "rule:sla.default_action"
    outcomes = [(t.role, t.outcome) for t in tasks_of(stack.database_url, view.workflow_id)]
    assert outcomes == [("deal_desk", "escalated"), ("vp_channel", "expired")]
    events = [n.event_type for n in notifications_of(stack.database_url, view.workflow_id)]
    assert "task.escalated" in events


async def test_one_role_silent_in_a_parallel_step_is_stood_in_for(stack: Stack, dw: DiscountWorld) -> None:
    client = await discount_client(stack)
    registration = await approved_registration(stack, dw)
    view = await client.request(submission(dw, registration, requested_discount=0.25))
    await decide(client, view.workflow_id, dw, "finance", "approve")
    view = await client.wait_until(
        view.workflow_id, lambda v: any(t.role == "vp_channel" for t in v.open_tasks), 10
    )
    assert [t.role for t in view.open_tasks] == ["vp_channel"]
    view = await decide(client, view.workflow_id, dw, "vp_channel", "approve")
    assert view.state == "approved"
    outcomes = {(t.role, t.outcome) for t in tasks_of(stack.database_url, view.workflow_id)}
    assert outcomes == {("finance", "approved"), ("deal_desk", "escalated"), ("vp_channel", "approved")}


async def test_a_quote_is_reminded_expires_and_is_renewed(stack: Stack, dw: DiscountWorld) -> None:
    client = await discount_client(stack)
    registration = await approved_registration(stack, dw)
    view = await client.request(submission(dw, registration, requested_discount=0.05))
    assert view.state == "approved"
    first_until = view.valid_until
    view = await client.wait_until(view.workflow_id, lambda v: v.state == "expired", timeout=15)
    assert [h.action for h in view.history][-2:] == ["discount.quote_reminder", "discount.expired"]
    events = [n.event_type for n in notifications_of(stack.database_url, view.workflow_id)]
    assert events.count("discount.expiring") == 1
    view = await client.renew(view.workflow_id, dw.partner, "the customer signs next week")
    assert view.state == "approved" and view.valid_until is not None and first_until is not None
    assert view.valid_until > first_until
    assert "discount.renewal_requested" in [h.action for h in view.history]
    view = await client.withdraw(view.workflow_id, dw.partner)
    assert view.state == "withdrawn"
    with pytest.raises(DecisionRefused, match=r"already ended|only approved or expired"):
        await client.renew(view.workflow_id, dw.partner)


async def test_two_approvers_of_one_role_deciding_at_once_make_one_decision(
    stack: Stack, dw: DiscountWorld
) -> None:
    second = f"finance2-{dw.world.suffix}"
    add_user(stack.database_url, second, ["finance"])
    client = await discount_client(stack)
    registration = await approved_registration(stack, dw)
    view = await client.request(submission(dw, registration, requested_discount=0.25))
    [task] = [t for t in view.open_tasks if t.role == "finance"]
    results = await asyncio.gather(
        client.decide(view.workflow_id, DecisionInput(task.task_id, dw.approvers["finance"], "approve")),
        client.decide(view.workflow_id, DecisionInput(task.task_id, second, "approve")),
        return_exceptions=True,
    )
    assert sum(isinstance(r, DecisionRefused) for r in results) == 1, results
    view = await client.get(view.workflow_id)
    assert [a.role for a in view.approvals] == ["finance"]
    assert [e.action for e in audit_of(stack.database_url, view.workflow_id)].count(
        "review.approval_recorded"
    ) == 1


async def test_a_worker_killed_in_a_half_approved_parallel_step_finishes_it_once(
    temporal_server: TemporalServer, database_url: str, task_queue: str, tmp_path: Path
) -> None:
    rulebooks = fast_rulebook_dir(tmp_path / "rulebooks", SUBSTITUTIONS, **LONG_PROTECTION)
    stack = start_stack(temporal_server, database_url, task_queue, rulebooks, tmp_path)
    try:
        dw = seed_discount_world(stack)
        client = await discount_client(stack)
        registration = await approved_registration(stack, dw)
        view = await client.request(submission(dw, registration, requested_discount=0.25))
        await decide(client, view.workflow_id, dw, "finance", "approve")
        stack.worker.kill()
        stack.worker.start()
        # The dead worker's sticky queue holds the next task until its schedule-to-start timeout
        # passes (5s); until then nobody answers and the client says so.
        deadline = time.monotonic() + 30
        while True:
            try:
                view = await client.get(view.workflow_id)
                break
            except ServiceUnavailable:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.5)
        assert [t.role for t in view.open_tasks] == ["deal_desk"]
        view = await decide(client, view.workflow_id, dw, "deal_desk", "approve")
        assert view.state == "approved" and [a.role for a in view.approvals] == ["finance", "deal_desk"]
        actions = [e.action for e in audit_of(stack.database_url, view.workflow_id)]
        assert actions == ["review.opened", "review.approval_recorded", "discount.approved"]
    finally:
        stack.worker.stop()


async def test_requests_racing_the_registrations_end_are_all_ended_with_it(
    temporal_server: TemporalServer, database_url: str, task_queue: str, tmp_path: Path
) -> None:
    """The stored request is the registration's link to it: whichever commits first, no request
    opened around the registration's end is left approved on an ended registration."""
    from parley.clients.registration import RegistrationClient

    rulebooks = fast_rulebook_dir(tmp_path / "rulebooks", SUBSTITUTIONS, **LONG_PROTECTION)
    stack = start_stack(temporal_server, database_url, task_queue, rulebooks, tmp_path)
    try:
        dw = seed_discount_world(stack)
        client = await discount_client(stack)
        registrations = await RegistrationClient.connect(stack.settings)
        registration = await approved_registration(stack, dw)

        async def one_request() -> str | None:
            try:
                view = await client.request(submission(dw, registration, requested_discount=0.05))
            except ValidationFailed:
                return None  # it came after the end: refused before anything was stored
            return view.workflow_id

        async def close_soon() -> None:
            await asyncio.sleep(0.15)
            await registrations.close(registration, dw.partner, "won")

        started, _ = await asyncio.gather(asyncio.gather(*(one_request() for _ in range(8))), close_soon())
        opened = [workflow_id for workflow_id in started if workflow_id is not None]
        ended = [await client.wait_until(w, lambda v: v.finished, timeout=20) for w in opened]
        assert opened, "every request came after the end: nothing raced it"
        assert all(view.state in {"closed", "refused"} for view in ended), [v.state for v in ended]
    finally:
        stack.worker.stop()
