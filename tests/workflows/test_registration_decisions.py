"""Registration paths up to the decision: automatic outcomes, human decisions and refusals,
request-more-info, and escalation through every level to the rulebook's default action."""

from __future__ import annotations

import asyncio

import pytest

from parley.clients import DecisionInput, DecisionOutcome, EscalateInput, ProvideInfoInput, RegistrationClient
from parley.errors import DecisionRefused, ValidationFailed
from tests.workflows.harness import (
    Stack,
    World,
    add_user,
    audit_of,
    delegate,
    notifications_of,
    registration_row,
    seed_world,
    tasks_of,
)

CAM = "channel_account_manager"


async def test_automatic_outcomes_and_idempotent_resubmission(sqlite_stack: Stack, world: World) -> None:
    client = await sqlite_stack.client()
    approve = world.submission()
    too_small = world.submission(deal_value=1_000, account_name="Tiny Co", account_domain="tiny-co.example")
    wrong_territory = world.submission(
        territory="latam", account_name="Far Away", account_domain="far.example"
    )
    approved, rejected, ineligible = await asyncio.gather(
        client.start(approve), client.start(too_small), client.start(wrong_territory)
    )
    assert approved.state == "approved" and approved.reason_codes == ["auto.approved"]
    assert approved.expires_at is not None and approved.decided_at is not None
    assert rejected.state == "rejected" and "auto.rejected" in rejected.reason_codes
    assert ineligible.state == "rejected"
    assert ineligible.reason_codes == ["eligibility.territory_not_authorised"]

    again = await client.start(approve)  # a retried submission finds the same process
    assert again.workflow_id == approved.workflow_id and again.history == approved.history

    url = sqlite_stack.database_url
    row = registration_row(url, approved.workflow_id)
    assert (row.state, row.rulebook_version, row.last_reason_codes) == (
        "approved",
        "testing-fast",
        ["auto.approved"],
    )
    [event] = audit_of(url, rejected.workflow_id)
    assert event.actor == "rule:auto.rejected" and event.rulebook_version == "testing-fast"
    assert (event.before_state, event.after_state) == ("submitted", "rejected")
    assert tasks_of(url, approved.workflow_id) == []


async def test_bad_submission_names_the_field(sqlite_stack: Stack, world: World) -> None:
    client = await sqlite_stack.client()
    with pytest.raises(ValidationFailed) as refused:
        await client.start(
            world.submission(request_key="has spaces", deal_value=-1, account_name=" ", notes="n\x00")
        )
    assert {p.path for p in refused.value.problems} == {"request_key", "deal_value", "account_name", "notes"}
    with pytest.raises(ValidationFailed, match="partner_id"):
        await client.start(world.submission(partner_id=999_999))


async def test_first_to_register_conflict_names_the_holder(sqlite_stack: Stack, world: World) -> None:
    client = await sqlite_stack.client()
    rival = seed_world(sqlite_stack.database_url)
    first = await client.start(world.submission())
    second = await client.start(
        rival.submission(
            account_name=world.submission().account_name, account_domain=f"www.initech-{world.suffix}.com"
        )
    )
    assert second.state == "rejected"
    assert second.holder_workflow_id == first.workflow_id
    [conflict] = [r for r in second.reasons if r.code == "conflict.first_to_register"]
    assert conflict.facts["registration_id"] == first.workflow_id
    assert first.submitted_at is not None
    assert conflict.facts["since"] == first.submitted_at.isoformat()


async def _pending(client: RegistrationClient, world: World, **overrides: object) -> str:
    view = await client.start(world.submission(deal_value=300_000, **overrides))
    assert view.state == "pending_approval", view
    return view.workflow_id


async def test_approve_and_reject_with_refusals(sqlite_stack: Stack, world: World) -> None:
    client = await sqlite_stack.client()
    url = sqlite_stack.database_url
    cam = world.approvers[CAM]
    to_approve, to_reject = await asyncio.gather(
        _pending(client, world),
        _pending(client, world, account_name="Other Corp", account_domain="other.example"),
    )
    task = (await client.get(to_approve)).open_task
    assert task is not None and task.role == CAM

    refusals = {
        "wrong role": DecisionInput(task.task_id, world.approvers["vp_channel"], DecisionOutcome.APPROVE),
        "stale task": DecisionInput(task.task_id + 1000, cam, DecisionOutcome.APPROVE),
        "no comment": DecisionInput(task.task_id, cam, DecisionOutcome.REJECT),
        "partner": DecisionInput(task.task_id, world.partner_user, DecisionOutcome.APPROVE),
        "unknown user": DecisionInput(task.task_id, "nobody-at-all", DecisionOutcome.APPROVE),
    }
    for case, decision in refusals.items():
        with pytest.raises(DecisionRefused):
            await client.decide(to_approve, decision)
        assert (await client.get(to_approve)).state == "pending_approval", case
    assert len(audit_of(url, to_approve)) == 1  # refused updates left no trace

    approved = await client.decide(
        to_approve, DecisionInput(task.task_id, cam, DecisionOutcome.APPROVE, "fine")
    )
    assert approved.state == "approved" and approved.open_task is None
    with pytest.raises(DecisionRefused, match="approved"):
        await client.decide(to_approve, DecisionInput(task.task_id, cam, DecisionOutcome.APPROVE))

    reject_task = (await client.get(to_reject)).open_task
    assert reject_task is not None
    # Another process's closed task named by mistake: refused without telling its decision.
    with pytest.raises(DecisionRefused) as foreign:
        await client.decide(to_reject, DecisionInput(task.task_id, cam, DecisionOutcome.APPROVE))
    assert "already decided" not in str(foreign.value)
    rejected = await client.decide(
        to_reject,
        DecisionInput(reject_task.task_id, cam, DecisionOutcome.REJECT, "customer already with direct"),
    )
    assert rejected.state == "rejected"

    [review] = tasks_of(url, to_approve)
    assert (review.state, review.outcome, review.closed_by) == ("closed", "approved", cam)
    last = audit_of(url, to_reject)[-1]
    assert (last.actor, last.after_state, last.detail["comment"]) == (
        cam,
        "rejected",
        "customer already with direct",
    )
    events = [n.event_type for n in notifications_of(url, to_reject)]
    assert events == ["task.assigned", "registration.decided"]


async def test_four_eyes_and_delegation(sqlite_stack: Stack, world: World) -> None:
    client = await sqlite_stack.client()
    url = sqlite_stack.database_url
    cam = world.approvers[CAM]
    own = await _pending(client, world, submitted_by=cam)  # an approver registering a deal
    task = (await client.get(own)).open_task
    assert task is not None
    with pytest.raises(DecisionRefused, match="four-eyes"):
        await client.decide(own, DecisionInput(task.task_id, cam, DecisionOutcome.APPROVE))

    stand_in = f"standin-{world.suffix}"
    add_user(url, stand_in, ["deal_desk"])
    delegated = await _pending(
        client, world, account_name="Delegated Inc", account_domain="delegated.example"
    )
    dtask = (await client.get(delegated)).open_task
    assert dtask is not None
    with pytest.raises(DecisionRefused, match="role"):
        await client.decide(delegated, DecisionInput(dtask.task_id, stand_in, DecisionOutcome.APPROVE))
    delegate(url, cam, stand_in)
    view = await client.decide(
        delegated, DecisionInput(dtask.task_id, stand_in, DecisionOutcome.APPROVE, "for cam")
    )
    assert view.state == "approved" and view.history[-1].on_behalf_of == cam
    last = audit_of(url, delegated)[-1]
    assert (last.actor, last.on_behalf_of) == (stand_in, cam)
    assert tasks_of(url, delegated)[0].on_behalf_of == cam


async def test_request_info_pauses_the_sla_until_the_partner_answers(
    sqlite_stack: Stack, world: World
) -> None:
    client = await sqlite_stack.client()
    url = sqlite_stack.database_url
    cam = world.approvers[CAM]
    wid = await _pending(client, world)
    task = (await client.get(wid)).open_task
    assert task is not None
    asked = await client.decide(
        wid, DecisionInput(task.task_id, cam, DecisionOutcome.REQUEST_INFO, "Who is the buyer?")
    )
    assert asked.state == "info_requested"
    assert asked.open_task is not None and asked.open_task.role == "partner"
    assert asked.sla_paused_remaining_seconds is not None and 0 < asked.sla_paused_remaining_seconds <= 2

    await asyncio.sleep(3)  # longer than the level's SLA: paused, so no escalation
    paused = await client.get(wid)
    assert (
        paused.state == "info_requested" and [h.action for h in paused.history][-1] == "review.info_requested"
    )
    with pytest.raises(DecisionRefused, match="partner's answer"):
        await client.decide(wid, DecisionInput(task.task_id, cam, DecisionOutcome.APPROVE))
    with pytest.raises(DecisionRefused):
        await client.provide_info(wid, ProvideInfoInput(cam, "not the partner"))

    answered = await client.provide_info(wid, ProvideInfoInput(world.partner_user, "Jane Doe, CIO"))
    assert answered.state == "pending_approval" and answered.open_task is not None
    assert answered.open_task.task_id == task.task_id and answered.open_task.escalation_level == 0
    approved = await client.decide(wid, DecisionInput(task.task_id, cam, DecisionOutcome.APPROVE))
    assert approved.state == "approved"

    rows = tasks_of(url, wid)
    assert [(t.kind, t.outcome) for t in rows] == [
        ("registration.review", "approved"),
        ("registration.info", "answered"),
    ]
    assert rows[0].payload["answers"] == ["Jane Doe, CIO"]
    actions = [e.action for e in audit_of(url, wid)]
    assert actions == [
        "review.opened",
        "review.info_requested",
        "review.info_provided",
        "registration.approved",
    ]


async def test_escalation_through_every_level_to_the_default_action(
    sqlite_stack: Stack, world: World
) -> None:
    client = await sqlite_stack.client()
    url = sqlite_stack.database_url
    silent, by_hand = await asyncio.gather(
        _pending(client, world),
        _pending(client, world, account_name="Manual Ltd", account_domain="manual.example"),
    )
    task = (await client.get(by_hand)).open_task
    assert task is not None
    moved = await client.escalate(by_hand, EscalateInput(task.task_id, world.ops, "CAM is on leave"))
    assert moved.open_task is not None and moved.open_task.role == "regional_channel_director"

    view = await client.wait_until(silent, lambda v: v.finished, timeout=20)
    assert view.state == "rejected"  # the fast rulebook's default action
    assert view.history[-1].actor == "rule:sla.default_action"
    rows = tasks_of(url, silent)
    assert [(t.role, t.escalation_level, t.outcome) for t in rows] == [
        ("channel_account_manager", 0, "escalated"),
        ("regional_channel_director", 1, "escalated"),
        ("vp_channel", 2, "expired"),
    ]
    notices = notifications_of(url, silent)
    assert [(n.event_type, n.recipient_role) for n in notices[:3]] == [
        ("task.assigned", "channel_account_manager"),
        ("task.escalated", "regional_channel_director"),  # the escalation's notice tells the new level
        ("task.escalated", "vp_channel"),
    ]
    actors = [e.actor for e in audit_of(url, silent)]
    assert actors == [
        "rule:approval.required",
        "rule:sla.escalated",
        "rule:sla.escalated",
        "rule:sla.default_action",
    ]
    assert registration_row(url, silent).state == "rejected"


async def test_resubmission_limit(sqlite_stack: Stack, world: World) -> None:
    client = await sqlite_stack.client()
    account = {"account_name": "Resubmit Co", "account_domain": "resubmit.example"}
    for _ in range(3):  # the fast rulebook allows two resubmissions after the first submission
        first = await client.start(world.submission(deal_value=1_000, **account))
        assert first.state == "rejected" and "resubmission.limit_reached" not in first.reason_codes
    refused = await client.start(world.submission(**account))
    assert refused.state == "rejected" and "resubmission.limit_reached" in refused.reason_codes


async def test_human_paths_on_each_database(db_stack: Stack) -> None:
    """The writes that differ by dialect: reopening a task, releasing a claim, idempotent records."""
    url = db_stack.database_url
    world = seed_world(url)
    client = await db_stack.client()
    cam = world.approvers[CAM]
    wid = await _pending(client, world)
    task = (await client.get(wid)).open_task
    assert task is not None
    # The database could not store a NUL: refused before anything is written.
    with pytest.raises(DecisionRefused, match="NUL"):
        await client.decide(wid, DecisionInput(task.task_id, cam, DecisionOutcome.REJECT, "no\x00"))
    await client.decide(wid, DecisionInput(task.task_id, cam, DecisionOutcome.REQUEST_INFO, "Which region?"))
    with pytest.raises(DecisionRefused, match="NUL"):
        await client.provide_info(wid, ProvideInfoInput(world.partner_user, "EM\x00EA"))
    reopened = await client.provide_info(wid, ProvideInfoInput(world.partner_user, "EMEA"))
    assert reopened.open_task is not None and reopened.open_task.task_id == task.task_id
    moved = await client.escalate(wid, EscalateInput(task.task_id, world.ops))
    assert moved.open_task is not None
    approved = await client.decide(
        wid,
        DecisionInput(
            moved.open_task.task_id, world.approvers["regional_channel_director"], DecisionOutcome.APPROVE
        ),
    )
    assert approved.state == "approved"
    lost = await client.close(wid, world.partner_user, "lost", "budget cut")
    assert lost.state == "lost"
    assert [(t.kind, t.escalation_level, t.outcome) for t in tasks_of(url, wid)] == [
        ("registration.review", 0, "escalated"),
        ("registration.info", 0, "answered"),
        ("registration.review", 1, "approved"),
    ]
    assert [e.after_state for e in audit_of(url, wid)] == [
        "pending_approval", "info_requested", "pending_approval", "pending_approval", "approved", "lost",
    ]  # fmt: skip
    again = await client.start(world.submission())  # the lost account is open again
    assert again.state == "approved"


async def test_manual_escalation_stops_at_the_last_level(sqlite_stack: Stack, world: World) -> None:
    client = await sqlite_stack.client()
    wid = await _pending(client, world)
    view = await client.get(wid)
    assert view.open_task is not None
    with pytest.raises(DecisionRefused, match="role"):  # a VP does not hold the level-0 role
        await client.escalate(wid, EscalateInput(view.open_task.task_id, world.approvers["vp_channel"]))
    for expected in ("regional_channel_director", "vp_channel"):
        assert view.open_task is not None
        view = await client.escalate(wid, EscalateInput(view.open_task.task_id, world.ops))
        assert view.open_task is not None and view.open_task.role == expected
    assert view.open_task is not None
    with pytest.raises(DecisionRefused, match="last level"):
        await client.escalate(wid, EscalateInput(view.open_task.task_id, world.ops))
