"""Every outcome of a dispute on the real dev server, with the second-scale test rulebook: upheld,
awarded (the holder released and the claimant approved, through both registrations' workflows),
co-sold, returned to direct; contested against direct sales and by direct sales; the parties'
statements, withdrawal, and what cannot be contested."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.errors import DecisionRefused, ValidationFailed
from store.crud.claims import get_claim
from store.crud.disputes import thread
from store.crud.partners import active_direct_engagements, find_accounts
from store.models import utcnow
from tests.fixtures_temporal import TemporalServer
from tests.workflows.dispute_harness import (
    DECIDING,
    DisputeWorld,
    account,
    clients,
    contested_pair,
    decide_level,
    direct_engaged,
    hear_both,
    heard_case,
    seed_dispute_world,
    sqlite_dispute_stack,
)
from tests.workflows.harness import Stack, audit_of, registration_row, tasks_of
from workflows.human.updates import DecisionInput

pytestmark = pytest.mark.temporal


@pytest.fixture(scope="module")
def stack(
    temporal_server: TemporalServer, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    with sqlite_dispute_stack(
        temporal_server, sqlite_template, tmp_path_factory.mktemp("dispute"), DECIDING
    ) as s:
        yield s


@pytest.fixture
def dw(stack: Stack) -> DisputeWorld:
    return seed_dispute_world(stack.database_url)


async def test_an_award_moves_the_account_through_both_registrations(stack: Stack, dw: DisputeWorld) -> None:
    disputes, registrations = await clients(stack.settings)
    held, refused = await contested_pair(stack.settings, dw)
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours."
    )
    assert view.state == "hearing"
    assert {(t.kind, t.slot) for t in view.open_tasks} == {
        ("dispute.party", "claimant"),
        ("dispute.party", "respondent"),
    }
    assert [e.side for e in view.thread] == ["claimant"]
    view = await hear_both(disputes, view.workflow_id, dw)
    assert view.level == 0 and [t.role for t in view.open_tasks] == ["channel_account_manager"]
    view = await decide_level(
        disputes, view.workflow_id, dw.approvers["channel_account_manager"], "award_claimant"
    )
    assert view.state == "resolved" and view.resolution == "award_claimant" and not view.resolved_by_default
    assert view.outcome is not None and view.outcome.code == "dispute.awarded_to_claimant"
    winner = await registrations.get(refused.workflow_id)
    loser = await registrations.get(held.workflow_id)
    assert winner.state == "approved" and winner.expires_at is not None
    assert loser.state == "released" and loser.finished
    assert [h.action for h in loser.history][-1] == "registration.released"
    assert [h.action for h in winner.history][-2:] == ["registration.contested", "registration.approved"]
    row = registration_row(stack.database_url, refused.workflow_id)
    with stack.session() as session:
        claim = get_claim(session=session, account_key=row.account_key, product_line=row.product_line)
    assert (
        claim is not None
        and claim.workflow_id == refused.workflow_id
        and claim.partner_id == dw.late.partner_id
    )
    # Both partners read a reason that names sides, never the other partner.
    for text in (winner.history[-1].comment, loser.history[-1].comment):
        assert "contesting partner" in text
        assert "Acme" not in text and f"partner {dw.holder.partner_id}" not in text
    actions = [e.action for e in audit_of(stack.database_url, view.workflow_id)]
    assert actions == [
        "dispute.opened",
        "dispute.statement",
        "dispute.statement",
        "review.opened",
        "dispute.resolved",
    ]


async def test_upheld_the_refusal_ends_and_the_holder_keeps_the_account(
    stack: Stack, dw: DisputeWorld
) -> None:
    disputes, registrations, held, refused, view = await heard_case(stack.settings, dw)
    view = await decide_level(disputes, view.workflow_id, dw.approvers["channel_account_manager"], "uphold")
    assert view.state == "resolved" and view.resolution == "uphold"
    late = await registrations.wait_until(
        refused.workflow_id, lambda v: v.finished and v.appeal_until is None, 10
    )
    assert late.state == "rejected" and late.history[-1].action == "registration.dispute_resolved"
    holder = await registrations.get(held.workflow_id)
    assert holder.state == "approved" and holder.history[-1].action == "registration.dispute_resolved"


async def test_co_sell_protects_both_and_records_the_split(stack: Stack, dw: DisputeWorld) -> None:
    disputes, registrations, held, refused, view = await heard_case(stack.settings, dw)
    view = await decide_level(disputes, view.workflow_id, dw.approvers["channel_account_manager"], "co_sell")
    late = await registrations.get(refused.workflow_id)
    holder = await registrations.get(held.workflow_id)
    assert late.state == "approved" and holder.state == "approved"
    assert late.co_sell_share == pytest.approx(0.5) and holder.co_sell_share == pytest.approx(0.5)
    assert view.outcome is not None and view.outcome.facts["claimant_share"] == "0.5"


async def test_return_to_direct_releases_the_holder_and_records_direct_sales(
    stack: Stack, dw: DisputeWorld
) -> None:
    disputes, registrations, held, refused, view = await heard_case(stack.settings, dw)
    view = await decide_level(
        disputes, view.workflow_id, dw.approvers["channel_account_manager"], "return_to_direct"
    )
    assert (await registrations.get(held.workflow_id)).state == "released"
    assert (await registrations.get(refused.workflow_id)).state == "rejected"
    row = registration_row(stack.database_url, held.workflow_id)
    with stack.session() as session:
        [acct] = [a for a in find_accounts(session=session, name=row.account_name, domain=row.account_domain)]
        assert acct.id is not None
        engaged = active_direct_engagements(
            session=session, account_id=acct.id, product_line=row.product_line, at=utcnow()
        )
        assert engaged and "dispute" in engaged[0].owner
        assert get_claim(session=session, account_key=row.account_key, product_line=row.product_line) is None


async def test_against_direct_sales_an_award_ends_its_engagement(stack: Stack, dw: DisputeWorld) -> None:
    disputes, registrations = await clients(stack.settings)
    where = account(dw)
    direct_engaged(stack, where)
    refused = await registrations.start(dw.late.submission(**where))
    assert refused.state == "rejected" and "conflict.direct_engaged" in refused.reason_codes
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours."
    )
    assert view.opening.respondent.side == "direct"
    await disputes.statement(view.workflow_id, dw.late.partner_user, "We brought them in.")
    await disputes.statement(view.workflow_id, dw.direct, "We have met them twice.")
    view = await disputes.wait_until(view.workflow_id, lambda v: v.state == "in_review", timeout=15)
    with pytest.raises(DecisionRefused, match="not a resolution of this dispute"):
        await decide_level(
            disputes, view.workflow_id, dw.approvers["channel_account_manager"], "return_to_direct"
        )
    view = await decide_level(
        disputes, view.workflow_id, dw.approvers["channel_account_manager"], "award_claimant"
    )
    assert (await registrations.get(refused.workflow_id)).state == "approved"
    with stack.session() as session:
        [acct] = find_accounts(session=session, name=where["account_name"], domain=where["account_domain"])
        assert acct.id is not None
        assert (
            active_direct_engagements(
                session=session, account_id=acct.id, product_line="core-platform", at=utcnow()
            )
            == []
        )


async def test_direct_sales_contests_a_partners_registration_and_wins_it_back(
    stack: Stack, dw: DisputeWorld
) -> None:
    disputes, registrations = await clients(stack.settings)
    held = await registrations.start(dw.holder.submission(**account(dw)))
    view = await disputes.open(
        actor=dw.direct, registration_id=held.workflow_id, statement="Our account since 2024."
    )
    assert (
        view.opening.claimant.side == "direct" and view.opening.respondent.registration_id == held.workflow_id
    )
    await disputes.statement(view.workflow_id, dw.direct, "Signed NDA attached.")
    await disputes.statement(view.workflow_id, dw.holder.partner_user, "We registered it properly.")
    view = await disputes.wait_until(view.workflow_id, lambda v: v.state == "in_review", timeout=15)
    view = await decide_level(
        disputes, view.workflow_id, dw.approvers["channel_account_manager"], "award_claimant"
    )
    assert (await registrations.get(held.workflow_id)).state == "released"


async def test_the_parties_speak_only_as_themselves_and_the_thread_is_stored(
    stack: Stack, dw: DisputeWorld
) -> None:
    disputes, _ = await clients(stack.settings)
    _, refused = await contested_pair(stack.settings, dw)
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours."
    )
    with pytest.raises(DecisionRefused, match="only the parties"):
        await disputes.statement(view.workflow_id, dw.third.partner_user, "I want it too.")
    with pytest.raises(ValidationFailed) as empty:
        await disputes.statement(view.workflow_id, dw.holder.partner_user, "   ")
    assert [p.path for p in empty.value.problems] == ["statement"]
    with pytest.raises(DecisionRefused, match="no open review"):
        await decide_level_anyway(disputes, view.workflow_id, dw.approvers["channel_account_manager"])
    view = await hear_both(disputes, view.workflow_id, dw)
    await disputes.statement(
        view.workflow_id, dw.approvers["channel_account_manager"], "Asked both for contracts."
    )
    with stack.session() as session:
        entries = thread(session=session, dispute_workflow_id=view.workflow_id)
    assert [(e.side, e.author) for e in entries] == [
        ("claimant", dw.late.partner_user),
        ("claimant", dw.late.partner_user),
        ("respondent", dw.holder.partner_user),
        ("path", dw.approvers["channel_account_manager"]),
    ]
    outcomes = {
        t.slot: t.outcome for t in tasks_of(stack.database_url, view.workflow_id) if t.kind == "dispute.party"
    }
    assert outcomes == {"claimant": "statement_given", "respondent": "statement_given"}


async def decide_level_anyway(disputes, dispute_id: str, actor: str) -> None:
    await disputes.decide(dispute_id, DecisionInput(1, actor, "uphold", "too early"))


async def test_withdrawn_the_refusal_stands(stack: Stack, dw: DisputeWorld) -> None:
    disputes, registrations = await clients(stack.settings)
    _, refused = await contested_pair(stack.settings, dw)
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours."
    )
    with pytest.raises(DecisionRefused, match="only the contesting party"):
        await disputes.withdraw(view.workflow_id, dw.holder.partner_user)
    view = await disputes.withdraw(view.workflow_id, dw.late.partner_user, "Settled between us.")
    assert view.state == "withdrawn" and view.open_tasks == []
    late = await registrations.wait_until(refused.workflow_id, lambda v: v.appeal_until is None, 10)
    assert late.state == "rejected"
    with pytest.raises(ValidationFailed, match=r"disputed already \(withdrawn\); a dispute over it is final"):
        await disputes.open(
            actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Again."
        )


async def test_what_cannot_be_contested_is_refused_naming_the_field(stack: Stack, dw: DisputeWorld) -> None:
    disputes, registrations = await clients(stack.settings)
    held, refused = await contested_pair(stack.settings, dw)

    async def refused_with(actor: str, registration_id: str, statement: str = "Ours.") -> list[str]:
        with pytest.raises(ValidationFailed) as caught:
            await disputes.open(actor=actor, registration_id=registration_id, statement=statement)
        return [f"{p.path}: {p.message}" for p in caught.value.problems]

    assert (await refused_with(dw.late.partner_user, refused.workflow_id, "  ")) == [
        "statement: must not be empty"
    ]
    # Someone else's registration looks like no registration at all.
    [problem] = await refused_with(dw.third.partner_user, refused.workflow_id)
    assert problem == "registration_id: no such registration of yours"
    # An approval is not a conflict decision.
    [problem] = await refused_with(dw.holder.partner_user, held.workflow_id)
    assert problem.startswith("registration_id: cannot be contested: its decision was not a conflict")
    await disputes.open(actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours.")
    [problem] = await refused_with(dw.late.partner_user, refused.workflow_id)
    assert problem == "registration_id: this decision is already disputed"
    ineligible = await registrations.start(dw.late.submission(territory="canada", **account(dw)))
    assert ineligible.state == "rejected"
    [problem] = await refused_with(dw.late.partner_user, ineligible.workflow_id)
    assert "not a conflict" in problem


async def test_the_approver_who_judged_it_the_same_account_may_not_hear_its_dispute(
    stack: Stack, dw: DisputeWorld
) -> None:
    disputes, registrations = await clients(stack.settings)
    suffix = dw.holder.suffix
    held = await registrations.start(
        dw.holder.submission(
            account_name=f"Zyntrax{suffix} Systems", account_domain=f"zyntrax{suffix}-systems.com"
        )
    )
    flagged = await registrations.start(
        dw.late.submission(account_name=f"zyntrax{suffix}.io", account_domain=None)
    )
    assert held.state == "approved" and flagged.reason_codes == ["duplicate.fuzzy_match", "approval.required"]
    judge = dw.approvers["channel_account_manager"]
    task = flagged.open_task
    assert task is not None
    judged = await registrations.decide(
        flagged.workflow_id, DecisionInput(task.task_id, judge, "reject", "Same customer as the holder.")
    )
    assert judged.state == "rejected"
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=flagged.workflow_id, statement="Not them."
    )
    assert view.opening.contested_codes == ["duplicate.judged_same_account"]
    assert view.opening.respondent.registration_id == held.workflow_id and view.opening.decided_by == judge
    view = await hear_both(disputes, view.workflow_id, dw)
    with pytest.raises(DecisionRefused, match="you made the contested decision"):
        await decide_level(disputes, view.workflow_id, judge, "uphold")
    view = await decide_level(
        disputes, view.workflow_id, dw.holder.approvers["channel_account_manager"], "uphold"
    )
    assert view.state == "resolved"
