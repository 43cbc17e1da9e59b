"""Grandfathering across a roll-out, on a real dev server: a registration and a discount started under
v1 finish under v1 although v2 came into force meanwhile, while those started after v2's effective
date are decided by v2; and v2's acknowledgement rule refuses a partner that has not acknowledged
it (``rollout.unacknowledged_may_register: false``) while the partner that has may register."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from parley.clients.discount import DiscountClient
from parley.clients.registration import RegistrationClient
from tests.fixtures_temporal import TemporalServer
from tests.workflows.harness import add_user
from tests.workflows.rollout_harness import (
    RolloutWorld,
    client_of,
    completed_what_if,
    draft_text,
    new_version,
    rollout_stack,
    seed_rollout_world,
    soon,
)
from workflows.discount.types import DiscountSubmission, DiscountTerms
from workflows.human.updates import DecisionInput
from workflows.registration.types import RegistrationView
from workflows.rollout.types import RolloutState

pytestmark = pytest.mark.temporal

# Reviews slow enough to stay open across v2's effective date; v1 protects for an hour.
SLOW_REVIEWS = {"sla: 2s}": "sla: 120s}", "protection_period: 6s": "protection_period: 1h"}


def _discount(world: RolloutWorld, registration_id: str) -> DiscountSubmission:
    terms = DiscountTerms(requested_discount=0.15, deal_value=100_000, competitor="Globex", justification="")
    return DiscountSubmission(
        partner_id=world.first.partner_id,
        registration_id=registration_id,
        request_key=f"disc-{uuid.uuid4().hex[:8]}",
        terms=terms,
        submitted_by=world.first.partner_user,
    )


def _protection(view: RegistrationView) -> timedelta:
    assert view.expires_at is not None and view.decided_at is not None
    return view.expires_at - view.decided_at


async def test_a_process_keeps_its_version_and_v2_asks_for_acknowledgement(
    temporal_server: TemporalServer, database_url: str, tmp_path: Path
) -> None:
    with rollout_stack(temporal_server, database_url, tmp_path, SLOW_REVIEWS) as stack:
        world = seed_rollout_world(database_url)
        registrations = await RegistrationClient.connect(stack.settings)
        rollouts = await client_of(stack)

        # Under v1: above the auto-approve ceiling, so it waits for a channel account manager;
        # and a discount on an approved registration that waits for the deal desk.
        older = await registrations.start(world.first.submission(deal_value=400_000))
        assert older.state == "pending_approval" and older.rulebook_version == "testing-fast"
        protected = await registrations.start(
            world.first.submission(account_name="Hooli Care", account_domain="hooli-care.com")
        )
        assert protected.state == "approved"
        add_user(database_url, f"desk-{world.first.suffix}", ["deal_desk"])
        discounts = await DiscountClient.connect(stack.settings)
        older_discount = await discounts.request(_discount(world, protected.workflow_id))
        assert (
            older_discount.state == "pending_approval" and older_discount.rulebook_version == "testing-fast"
        )

        v2 = new_version()
        effective = soon(15)
        text = draft_text(
            v2, effective, protection_period="2h", unacknowledged_may_register="false", approval_sla="60s"
        )
        view = await rollouts.submit(
            actor=world.author, text=text, comment="Longer protection; acknowledge first"
        )
        view = await rollouts.attach_what_if(v2, world.author, completed_what_if(database_url, v2))
        view = await rollouts.decide(
            view.workflow_id, DecisionInput(view.open_tasks[0].task_id, world.vp, "approve")
        )
        await rollouts.wait_until(view.workflow_id, lambda v: v.state == RolloutState.SCHEDULED, 10)
        await rollouts.acknowledge(v2, world.first.partner_user)
        view = await rollouts.wait_until(view.workflow_id, lambda v: v.state == RolloutState.IN_FORCE, 40)
        assert view.history[-1].action == "rulebook.in_force"

        # The older registration is decided after v2 took effect, under v1 all the same.
        [task] = older.open_tasks
        cam = world.first.approvers["channel_account_manager"]
        older = await registrations.decide(older.workflow_id, DecisionInput(task.task_id, cam, "approve"))
        older = await registrations.wait_until(older.workflow_id, lambda v: v.state == "approved", 10)
        assert older.rulebook_version == "testing-fast" and _protection(older) == timedelta(hours=1)

        [desk_task] = older_discount.open_tasks
        decided = await discounts.decide(
            older_discount.workflow_id,
            DecisionInput(desk_task.task_id, f"desk-{world.first.suffix}", "approve"),
        )
        decided = await discounts.wait_until(decided.workflow_id, lambda v: v.state == "approved", 10)
        assert decided.rulebook_version == "testing-fast"
        newer_discount = await discounts.request(_discount(world, protected.workflow_id))
        assert newer_discount.rulebook_version == v2

        # A new registration of the partner that acknowledged v2 is decided by v2.
        newer = await registrations.start(
            world.first.submission(account_name="Umbrella Health", account_domain="umbrella-health.com")
        )
        assert newer.rulebook_version == v2 and newer.state == "approved"
        assert _protection(newer) == timedelta(hours=2)

        # The partner that did not acknowledge v2 may not register under it.
        refused = await registrations.start(world.second.submission())
        assert refused.rulebook_version == v2 and refused.state == "rejected"
        codes = [r.code for r in refused.reasons]
        assert "eligibility.rulebook_not_acknowledged" in codes
