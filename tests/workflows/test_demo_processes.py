"""``parley up``'s demo registrations: several states, some queued at each approval level, and
started only once however often Parley starts."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections import Counter
from pathlib import Path

from sqlmodel import Session, select

from parley.demo_processes import CASES, start_demo_processes
from store.demo import ensure_demo_data
from store.engine import engine_for
from store.models import Registration, Task
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
        assert await asyncio.to_thread(start_demo_processes, stack.settings) == len(CASES)
        assert await asyncio.to_thread(start_demo_processes, stack.settings) == 0
    finally:
        stack.worker.stop()

    with Session(engine_for(url)) as session:
        states = Counter(r.state for r in session.exec(select(Registration)).all())
        open_tasks = session.exec(select(Task).where(Task.state == "open")).all()
    assert sum(states.values()) == len(CASES)
    assert states["rejected"] >= 1 and states["info_requested"] == 1
    assert states["pending_approval"] >= 4
    levels = Counter((t.role, t.escalation_level) for t in open_tasks if t.kind == "registration.review")
    assert levels[("regional_channel_director", 1)] >= 1 and levels[("vp_channel", 2)] >= 1
    assert levels[("channel_account_manager", 0)] >= 2
    assert any(t.kind == "registration.info" and t.role == "partner" for t in open_tasks)
