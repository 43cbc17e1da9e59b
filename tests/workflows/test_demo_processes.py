"""``parley up``'s demo processes: registrations, discount requests and disputes in several states,
some queued at each approval level (one discount at deal desk and finance in parallel, one dispute
at the first level and one at the director), a partner in its notice period with the plan for its
registrations, a rulebook version scheduled with partners' acknowledgements open and a draft with
its what-if waiting for approval, and started only once however often Parley starts."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from parley.demo_disputes import DISPUTES
from parley.demo_exits import DEALS, start_demo_exit
from parley.demo_processes import CASES, DISCOUNTS, start_demo_processes
from parley.demo_rollouts import VERSIONS, start_demo_rollouts
from store.demo import ensure_demo_data
from store.engine import engine_for
from store.models import (
    DiscountException,
    Exit,
    ExitDisposition,
    Partner,
    PartnerStatus,
    Registration,
    RulebookVersion,
    SimulationRun,
    Task,
    User,
)
from tests.fixtures_temporal import TemporalServer
from tests.workflows.harness import ROOT, start_stack


async def test_demo_registrations_start_once(
    temporal_server: TemporalServer, sqlite_template: Path, tmp_path: Path
) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "parley.db")
    url = f"sqlite:///{tmp_path / 'parley.db'}"
    ensure_demo_data(engine_for(url))
    stack = start_stack(temporal_server, url, f"demo-{uuid.uuid4().hex[:8]}", ROOT / "rulebooks", tmp_path)
    try:
        # Synchronous like the supervisor that calls it: run it off this test's event loop.
        started = await asyncio.to_thread(start_demo_processes, stack.settings)
        # And one exit, and the roll-outs.
        assert started == len(CASES) + len(DISCOUNTS) + len(DISPUTES) + 1 + len(VERSIONS)
        assert await asyncio.to_thread(start_demo_processes, stack.settings) == 0
        assert await start_demo_exit(stack.settings) == 0  # the partner's exit is on record
        assert await start_demo_rollouts(stack.settings) == 0  # the demo versions are on record
    finally:
        stack.worker.stop()

    with Session(engine_for(url)) as session:
        states = Counter(r.state for r in session.exec(select(Registration)).all())
        discounts = Counter(d.state for d in session.exec(select(DiscountException)).all())
        open_tasks = session.exec(select(Task).where(Task.state == "open")).all()
        [exit_] = session.exec(select(Exit)).all()
        exiting = session.get(Partner, exit_.partner_id)
        dispositions = Counter(d.disposition for d in session.exec(select(ExitDisposition)).all())
        demo_partners = {u.partner_id for u in session.exec(select(User)).all()}
        versions = {v.version: v for v in session.exec(select(RulebookVersion)).all()}
        runs = session.exec(select(SimulationRun)).all()
        active = {p.id for p in session.exec(select(Partner).where(Partner.status == PartnerStatus.ACTIVE))}
    assert sum(states.values()) == len(CASES) + 2 * len(DISPUTES) + len(DEALS)
    assert states["rejected"] >= 1 and states["info_requested"] == 1
    assert states["pending_approval"] >= 4
    levels = Counter((t.role, t.escalation_level) for t in open_tasks if t.kind == "registration.review")
    assert levels[("regional_channel_director", 1)] >= 1 and levels[("vp_channel", 2)] >= 1
    assert levels[("channel_account_manager", 0)] >= 2
    assert any(t.kind == "registration.info" and t.role == "partner" for t in open_tasks)
    assert discounts == {"approved": 1, "pending_approval": 3, "rejected": 1}
    parallel = Counter(
        t.process_id
        for t in open_tasks
        if t.kind == "discount.approval" and t.role in ("deal_desk", "finance")
    )
    assert 2 in parallel.values()  # one request waits for deal desk and finance at once
    assert any(t.kind == "discount.approval" and t.role == "vp_channel" for t in open_tasks)
    # One dispute waits at the first level, one was sent up to the director.
    disputes = Counter((t.role, t.escalation_level) for t in open_tasks if t.kind == "dispute.level")
    assert disputes == {("channel_account_manager", 0): 1, ("regional_channel_director", 1): 1}
    # One partner, not the demo users' own, in its 90-day voluntary notice, given by partner ops:
    # its approved registrations are honoured until they expire, the pending one goes to direct.
    assert exiting is not None and exiting.status == "exiting" and exit_.partner_id not in demo_partners
    assert (exit_.state, exit_.exit_type, exit_.started_by) == ("notice", "voluntary", "ops")
    assert exit_.notice_given_at is not None and exit_.notice_ends_at is not None
    assert exit_.notice_ends_at - exit_.notice_given_at == timedelta(days=90)
    assert dispositions == {"honour_until_expiry": 2, "return_to_direct": 1}

    # Roll-outs: 2026.2 approved by the VP channel and scheduled, every active partner (the demo
    # users' own among them) asked to acknowledge it; 2026.3 waits for the VP channel's approval.
    # Each was submitted by partner operations with a completed what-if of its own attached.
    scheduled, draft = (versions[v.version] for v in VERSIONS)
    assert set(versions) == {"2026.1", scheduled.version, draft.version}
    assert (scheduled.state, scheduled.created_by, scheduled.approved_by) == ("scheduled", "ops", "vpchannel")
    assert (draft.state, draft.created_by, draft.approved_by) == ("draft", "ops", None)
    assert scheduled.effective_from < draft.effective_from and scheduled.acknowledge_by is not None
    what_ifs = {r.proposed_version: r for r in runs}
    for row in (scheduled, draft):
        run = what_ifs[row.version]
        assert (run.status, run.baseline_version, run.created_by) == ("completed", "2026.1", "ops")
    assert scheduled.simulation_run_id == what_ifs[scheduled.version].id
    [approval] = [t for t in open_tasks if t.kind == "rulebook.approval"]
    assert approval.role == "vp_channel" and approval.payload["version"] == draft.version
    assert f"What-if {what_ifs[draft.version].id}:" in approval.summary
    acknowledgements = [t for t in open_tasks if t.kind == "rulebook.acknowledgement"]
    assert {t.partner_id for t in acknowledgements} == active and demo_partners - {None} <= active
    assert all(t.payload["version"] == scheduled.version and t.role == "partner" for t in acknowledgements)
