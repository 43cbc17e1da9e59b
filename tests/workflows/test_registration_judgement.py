"""An approver's decision on a flagged duplicate is a judgement in the audit.

A registration the rules send to review because it may be a live holder's account
(``duplicate.fuzzy_match``: "zyntrax….io" with no domain beside "Zyntrax… Systems") records,
when an approver approves it, ``duplicate.judged_different_account`` with the holder named;
when one rejects it, ``duplicate.judged_same_account``. Reviews for other reasons, and a flagged
registration the route's default action settles, record neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.clients import DecisionInput, DecisionOutcome, RegistrationClient
from store.engine import engine_for
from store.models import AuditEvent
from tests.fixtures_temporal import TemporalServer
from tests.workflows.harness import (
    Stack,
    World,
    audit_of,
    fast_rulebook_dir,
    registration_row,
    seed_world,
    start_stack,
)

pytestmark = pytest.mark.temporal

CAM = "channel_account_manager"
DIFFERENT = "duplicate.judged_different_account"
SAME = "duplicate.judged_same_account"
# Long enough that a decision never races the first level's SLA on a busy machine.
PATIENT = {"sla: 2s}": "sla: 120s}"}


@pytest.fixture
def stack(
    temporal_server: TemporalServer, database_url: str, task_queue: str, tmp_path: Path
) -> Iterator[Stack]:
    """A worker of this test's own on the test's database (SQLite, and PostgreSQL when set up)."""
    rulebooks = fast_rulebook_dir(tmp_path / "rulebooks", PATIENT)
    stack = start_stack(temporal_server, database_url, task_queue, rulebooks, tmp_path)
    yield stack
    stack.worker.stop()
    # The harness reads through the process-wide engine: close its connections with the test, so
    # none is left to be collected (a ResourceWarning) once a later test clears the engine cache.
    engine_for(database_url).dispose()


async def _holder_and_flagged(client: RegistrationClient, holder: World, rival: World) -> tuple[str, str]:
    """The holder's approved registration, and the rival's look-alike waiting for review."""
    held = await client.start(
        holder.submission(
            account_name=f"Zyntrax{holder.suffix} Systems",
            account_domain=f"zyntrax{holder.suffix}-systems.com",
        )
    )
    assert held.state == "approved", held.reasons
    flagged = await client.start(
        rival.submission(account_name=f"zyntrax{holder.suffix}.io", account_domain=None)
    )
    assert flagged.state == "pending_approval", flagged.reasons
    assert flagged.reason_codes == ["duplicate.fuzzy_match", "approval.required"]
    return held.workflow_id, flagged.workflow_id


async def _decide(
    client: RegistrationClient, world: World, workflow_id: str, outcome: str, comment: str
) -> None:
    task = (await client.get(workflow_id)).open_task
    assert task is not None and task.role == CAM
    await client.decide(workflow_id, DecisionInput(task.task_id, world.approvers[CAM], outcome, comment))


def _outcome(events: list[AuditEvent]) -> AuditEvent:
    last = events[-1]
    assert last.action in ("registration.approved", "registration.rejected")
    return last


def _named_holder(url: str, event: AuditEvent, holder: World, held_id: str) -> None:
    [named] = event.detail["judged_holders"]
    assert named == {
        "registration_id": held_id,
        "partner_id": str(holder.partner_id),
        "account_name": f"Zyntrax{holder.suffix} Systems",
        "account_domain": f"zyntrax{holder.suffix}-systems.com",
        "product_line": "core-platform",
        "since": registration_row(url, held_id).submitted_at.isoformat(),
        "similarity": 0.85,
        "basis": "name",
    }


async def test_approving_a_flagged_duplicate_records_a_different_account(stack: Stack) -> None:
    client = await stack.client()
    holder, rival = seed_world(stack.database_url), seed_world(stack.database_url)
    held_id, flagged_id = await _holder_and_flagged(client, holder, rival)

    await _decide(client, rival, flagged_id, DecisionOutcome.APPROVE, "Zyntrax Labs, a different company")

    view = await client.get(flagged_id)
    assert view.state == "approved"
    event = _outcome(audit_of(stack.database_url, flagged_id))
    assert (event.action, event.actor) == ("registration.approved", rival.approvers[CAM])
    assert event.reason_codes == ["approval.approved", DIFFERENT]
    assert event.detail["judgement"] == (
        f"a different account from Zyntrax{holder.suffix} Systems "
        f"(zyntrax{holder.suffix}-systems.com) held by partner {holder.partner_id}"
    )
    _named_holder(stack.database_url, event, holder, held_id)
    assert view.history[-1].reason_codes == ["approval.approved", DIFFERENT]
    # The holder's own registration is untouched: both partners now hold what was judged two accounts.
    assert registration_row(stack.database_url, held_id).state == "approved"


async def test_rejecting_a_flagged_duplicate_records_the_same_account(stack: Stack) -> None:
    client = await stack.client()
    holder, rival = seed_world(stack.database_url), seed_world(stack.database_url)
    held_id, flagged_id = await _holder_and_flagged(client, holder, rival)

    await _decide(client, rival, flagged_id, DecisionOutcome.REJECT, "the same Zyntrax, already registered")

    assert (await client.get(flagged_id)).state == "rejected"
    event = _outcome(audit_of(stack.database_url, flagged_id))
    assert event.action == "registration.rejected"
    assert event.reason_codes == ["approval.rejected", SAME]
    assert event.detail["judgement"].startswith(f"the same account as Zyntrax{holder.suffix} Systems ")
    _named_holder(stack.database_url, event, holder, held_id)


async def test_reviews_for_other_reasons_record_no_judgement(stack: Stack) -> None:
    client = await stack.client()
    world = seed_world(stack.database_url)
    large = [
        (await client.start(world.submission(deal_value=300_000, account_name=name, account_domain=domain)))
        for name, domain in ((f"Quietly {world.suffix} Large", None), (f"Plainly {world.suffix} Big", None))
    ]
    for view in large:
        assert view.reason_codes == ["approval.required"], view.reasons
    to_approve, to_reject = (v.workflow_id for v in large)

    await _decide(client, world, to_approve, DecisionOutcome.APPROVE, "fine")
    await _decide(client, world, to_reject, DecisionOutcome.REJECT, "no budget")

    for workflow_id, code in ((to_approve, "approval.approved"), (to_reject, "approval.rejected")):
        event = _outcome(audit_of(stack.database_url, workflow_id))
        assert event.reason_codes == [code]
        assert "judgement" not in event.detail and "judged_holders" not in event.detail


async def test_a_flagged_duplicate_the_default_action_settles_records_no_judgement(
    sqlite_stack: Stack, world: World
) -> None:
    client = await sqlite_stack.client()
    rival = seed_world(sqlite_stack.database_url)
    _, flagged_id = await _holder_and_flagged(client, world, rival)

    view = await client.wait_until(flagged_id, lambda v: v.finished, timeout=30)  # three 2s levels

    assert view.state == "rejected" and view.history[-1].actor == "rule:sla.default_action"
    event = _outcome(audit_of(sqlite_stack.database_url, flagged_id))
    assert event.reason_codes == ["sla.default_action"]
    assert "judged_holders" not in event.detail
