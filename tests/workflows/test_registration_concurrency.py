"""First to register under concurrency: 50 partners submit the same account and product line at
once, through the workflows, on each database. Exactly one holds it; every other submission is
refused with ``conflict.first_to_register`` naming the holder and its submission time. And eight
spellings of one new account at once: the rules never approve two of them; a second holder comes
only from an approver's recorded "different account" judgement."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from parley.clients import DecisionInput, DecisionOutcome, RegistrationSubmission
from store import crud
from store.engine import engine_for
from store.models import AccountClaim
from tests.fixtures_temporal import TemporalServer
from tests.workflows.harness import Stack, add_user, audit_of, fast_rulebook_dir, start_stack

SUBMISSIONS = 50


def seed_partners(url: str, count: int) -> list[int]:
    with Session(engine_for(url), expire_on_commit=False) as session:
        partners = [
            crud.create_partner(
                session=session,
                data={
                    "name": f"Racer {n}",
                    "tier": "gold",
                    "territories": ["us-west"],
                    "verticals": ["retail"],
                    "certifications": ["platform-sales"],
                },
            )
            for n in range(count)
        ]
        session.commit()
        return [p.id for p in partners if p.id is not None]


@pytest.fixture
def long_protection_stack(
    temporal_server: TemporalServer, database_url: str, task_queue: str, tmp_path: Path
) -> Iterator[Stack]:
    """The fast rulebook with an hour of protection: the holder must not lapse mid-test."""
    # Approval SLAs of two minutes, so an approver in the test never races an escalation.
    rulebooks = fast_rulebook_dir(tmp_path / "rulebooks", {"sla: 2s}": "sla: 120s}"}, protection_period="1h")
    stack = start_stack(temporal_server, database_url, task_queue, rulebooks, tmp_path)
    yield stack
    stack.worker.stop()


async def test_fifty_concurrent_submissions_yield_exactly_one_holder(long_protection_stack: Stack) -> None:
    db_stack = long_protection_stack
    url = db_stack.database_url
    client = await db_stack.client()
    # Workflow ids derive from partner ids, which restart at 1 in each test database while the
    # Temporal server is shared by the session: a run tag keeps the processes apart.
    run = uuid.uuid4().hex[:8]
    submissions = [
        RegistrationSubmission(
            partner_id=partner_id,
            request_key=f"race-{run}-{partner_id}",
            account_name="Globex Corporation",
            account_domain="globex.com",
            territory="us-west",
            vertical="retail",
            product_line="core-platform",
            deal_value=50_000,
            submitted_by=f"seller-{partner_id}",
        )
        for partner_id in seed_partners(url, SUBMISSIONS)
    ]
    views = await asyncio.gather(*(client.start(s, settle_timeout=60) for s in submissions))

    assert Counter(v.state for v in views) == {"approved": 1, "rejected": SUBMISSIONS - 1}
    [holder] = [v for v in views if v.state == "approved"]
    with Session(engine_for(url)) as session:
        claims = session.exec(select(AccountClaim)).all()
    assert [c.workflow_id for c in claims] == [holder.workflow_id]
    assert holder.submitted_at is not None
    for view in views:
        if view is holder:
            continue
        assert view.holder_workflow_id == holder.workflow_id
        conflicts = [r for r in view.reasons if r.code == "conflict.first_to_register"]
        assert conflicts, view.reasons
        assert conflicts[0].facts["registration_id"] == holder.workflow_id
        assert conflicts[0].facts["since"] == holder.submitted_at.isoformat()
        assert view.submitted_at is not None and view.submitted_at > holder.submitted_at


# One new account written the ways partners write it: the same registrable domain (one claim key,
# so the claim lets one through), and without a domain, close enough that a person must decide.
SPELLINGS = [
    ("Zorblax Systems", "zorblax.io"),
    ("ZORBLAX SYSTEMS INC.", "https://www.zorblax.io/"),
    ("Zorblax Systems, LLC", "sales.zorblax.io"),
    ("zorblax systems", "ZORBLAX.IO"),
    ("Zorblax Sys", "zorblax.io"),
    ("zorblax.io", ""),
    ("Zorblaks Systems", ""),
    ("ZORBLAX", ""),
]


async def test_spelling_variants_at_once_never_get_two_automatic_holders(
    long_protection_stack: Stack,
) -> None:
    """Every spelling is decided against the others as the rules core would: the one claim key
    lets one holder through, the rest are refused as first-to-register or sent to a person as a
    possible duplicate naming another racer; the rules never approve two of them."""
    url = long_protection_stack.database_url
    client = await long_protection_stack.client()
    run = uuid.uuid4().hex[:8]
    partner_ids = seed_partners(url, len(SPELLINGS))
    submissions = [
        RegistrationSubmission(
            partner_id=partner_id,
            request_key=f"variant-{run}-{partner_id}",
            account_name=name,
            account_domain=domain or None,
            territory="us-west",
            vertical="retail",
            product_line="core-platform",
            deal_value=50_000,
            submitted_by=f"seller-{partner_id}",
        )
        for partner_id, (name, domain) in zip(partner_ids, SPELLINGS, strict=True)
    ]
    views = await asyncio.gather(*(client.start(s, settle_timeout=60) for s in submissions))
    racers = {v.workflow_id for v in views}

    states = Counter(v.state for v in views)
    assert set(states) <= {"approved", "rejected", "pending_approval"}, states
    assert states["approved"] <= 1, [(v.submission.account_name, v.state) for v in views]
    for view in views:
        if view.state == "approved":
            continue
        named = {r.facts.get("registration_id") for r in view.reasons} & racers
        assert named, (view.submission.account_name, view.state, [r.code for r in view.reasons])
        if view.state == "rejected":
            assert "conflict.first_to_register" in [r.code for r in view.reasons]

    # A second holder only through a person's recorded judgement: approving each flagged spelling
    # records "a different account", naming the racer it was flagged against.
    approver = f"cam-{run}"
    add_user(url, approver, ["channel_account_manager"])
    flagged = [
        v for v in views if v.state == "pending_approval" and "duplicate.fuzzy_match" in v.reason_codes
    ]
    assert flagged, [(v.submission.account_name, v.state) for v in views]
    for view in flagged:
        task = (await client.get(view.workflow_id)).open_task
        assert task is not None and task.role == "channel_account_manager", task
        await client.decide(
            view.workflow_id,
            DecisionInput(task.task_id, approver, DecisionOutcome.APPROVE, "a different company"),
        )
        event = audit_of(url, view.workflow_id)[-1]
        assert event.action == "registration.approved"
        assert "duplicate.judged_different_account" in event.reason_codes
        assert {h["registration_id"] for h in event.detail["judged_holders"]} <= racers
    approved = [await client.get(v.workflow_id) for v in views]
    assert sum(v.state == "approved" for v in approved) == states["approved"] + len(flagged)
