"""Disputes under races and faults, on SQLite and PostgreSQL: an award whose claimant withdrew
meanwhile, an award while a third partner registers the same account, both parties speaking at
once, and the worker killed between releasing the holder and approving the claimant."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.errors import DecisionRefused, ServiceUnavailable
from store.crud.claims import get_claim
from tests.fixtures_temporal import TemporalServer
from tests.workflows.dispute_harness import (
    DECIDING,
    DisputeWorld,
    account,
    clients,
    contested_pair,
    decide_level,
    dispute_stack,
    hear_both,
    heard_case,
    seed_dispute_world,
)
from tests.workflows.harness import Stack, audit_of, registration_row

pytestmark = pytest.mark.temporal
CAM = "channel_account_manager"


@pytest.fixture
def stack(temporal_server: TemporalServer, database_url: str, tmp_path: Path) -> Iterator[Stack]:
    with dispute_stack(temporal_server, database_url, tmp_path, DECIDING) as s:
        yield s


@pytest.fixture
def dw(stack: Stack) -> DisputeWorld:
    return seed_dispute_world(stack.database_url)


async def test_an_award_whose_claimant_withdrew_is_refused_and_the_level_hears_it_again(
    stack: Stack, dw: DisputeWorld
) -> None:
    disputes, registrations, held, refused, view = await heard_case(stack.settings, dw)
    await registrations.withdraw(refused.workflow_id, dw.late.partner_user, "We lost the deal anyway.")
    with pytest.raises(DecisionRefused, match=r"award could not be made: .*withdrawn"):
        await decide_level(disputes, view.workflow_id, dw.approvers[CAM], "award_claimant")
    view = await disputes.get(view.workflow_id)
    assert view.state == "in_review" and view.level == 0 and len(view.award_refusals) == 1
    assert [t.role for t in view.open_tasks] == [CAM]
    assert (await registrations.get(held.workflow_id)).state == "approved"  # nothing moved
    view = await decide_level(disputes, view.workflow_id, dw.approvers[CAM], "uphold")
    assert view.state == "resolved" and view.resolution == "uphold"
    actions = [e.action for e in audit_of(stack.database_url, view.workflow_id)]
    assert actions[-4:] == ["review.opened", "dispute.award_refused", "review.opened", "dispute.resolved"]


async def test_an_award_while_a_third_partner_registers_leaves_one_holder(
    stack: Stack, dw: DisputeWorld
) -> None:
    disputes, registrations = await clients(stack.settings)
    where = account(dw)
    held = await registrations.start(dw.holder.submission(**where))
    refused = await registrations.start(dw.late.submission(**where))
    assert refused.state == "rejected"
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours."
    )
    view = await hear_both(disputes, view.workflow_id, dw)

    async def third_tries(n: int) -> list[str]:
        states = []
        for _ in range(n):
            attempt = await registrations.start(dw.third.submission(**where))
            states.append(attempt.state)
            await asyncio.sleep(0.02)
        return states

    award = decide_level(disputes, view.workflow_id, dw.approvers[CAM], "award_claimant")
    _, states = await asyncio.gather(award, third_tries(6))
    assert set(states) == {"rejected"}, states  # the account was never free for a moment
    assert (await registrations.get(held.workflow_id)).state == "released"
    assert (await registrations.get(refused.workflow_id)).state == "approved"
    row = registration_row(stack.database_url, refused.workflow_id)
    with stack.session() as session:
        claim = get_claim(session=session, account_key=row.account_key, product_line=row.product_line)
    assert claim is not None and claim.workflow_id == refused.workflow_id


async def test_claimant_and_respondent_speaking_at_once_are_both_heard(
    stack: Stack, dw: DisputeWorld
) -> None:
    disputes, _ = await clients(stack.settings)
    _, refused = await contested_pair(stack.settings, dw)
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours."
    )
    await asyncio.gather(
        disputes.statement(view.workflow_id, dw.late.partner_user, "Evidence: the March meeting."),
        disputes.statement(view.workflow_id, dw.holder.partner_user, "We registered first."),
    )
    view = await disputes.wait_until(view.workflow_id, lambda v: v.state == "in_review", timeout=15)
    assert sorted(view.statements_given) == ["claimant", "respondent"]
    assert [e.seq for e in view.thread] == [1, 2, 3]


async def test_the_worker_killed_between_release_and_approval_finishes_both_once(
    stack: Stack, dw: DisputeWorld
) -> None:
    disputes, registrations, held, refused, view = await heard_case(stack.settings, dw)
    view_task = next(t for t in view.open_tasks if t.kind == "dispute.level")
    from workflows.human.updates import DecisionInput

    decided = asyncio.create_task(
        disputes.decide(
            view.workflow_id, DecisionInput(view_task.task_id, dw.approvers[CAM], "award_claimant", "Theirs.")
        )
    )
    deadline = time.monotonic() + 20
    while registration_row(stack.database_url, held.workflow_id).state != "released":
        assert time.monotonic() < deadline, "the holder was never released"
        await asyncio.sleep(0.002)
    stack.worker.kill()
    # At this moment the account has exactly one holder: the claim went with the release.
    row = registration_row(stack.database_url, refused.workflow_id)
    with stack.session() as session:
        claim = get_claim(session=session, account_key=row.account_key, product_line=row.product_line)
    assert claim is not None and claim.workflow_id == refused.workflow_id
    with contextlib.suppress(Exception):  # the update's answer may be lost with the worker
        await decided
    stack.worker.start()
    view = await _when_finished(disputes, view.workflow_id)
    assert view.state == "resolved" and view.resolution == "award_claimant"
    late = await registrations.get(refused.workflow_id)
    assert late.state == "approved"
    approvals = [
        e for e in audit_of(stack.database_url, refused.workflow_id) if e.action == "registration.approved"
    ]
    releases = [
        e for e in audit_of(stack.database_url, held.workflow_id) if e.action == "registration.released"
    ]
    assert len(approvals) == 1 and len(releases) == 1


async def _when_finished(disputes, dispute_id: str):
    """The dispute's view once it has ended; until the new worker answers, queries time out."""
    deadline = time.monotonic() + 60
    while True:
        try:
            view = await disputes.get(dispute_id)
            if view.finished:
                return view
        except ServiceUnavailable:
            pass
        assert time.monotonic() < deadline, "the dispute did not finish after the restart"
        await asyncio.sleep(0.5)
