"""A roll-out test world: partner operations (two people, one also a VP so four-eyes shows), a VP
who approves, two partners with a user each; a worker of the test's own on a database of its own
(a roll-out changes which rulebook governs, which no other test may see)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from parley.clients.rollout import RolloutClient
from store import crud
from store.crud import rulebooks as runs_crud
from store.engine import engine_for
from store.models import SimulationStatus, utcnow
from tests.fixtures_temporal import TemporalServer
from tests.workflows.harness import (
    FAST_RULEBOOK,
    Stack,
    World,
    add_user,
    fast_rulebook_dir,
    seed_world,
    start_stack,
)


@contextmanager
def rollout_stack(
    server: TemporalServer, database_url: str, folder: Path, substitutions: dict[str, str] | None = None
) -> Iterator[Stack]:
    rulebooks = fast_rulebook_dir(folder / "rulebooks", substitutions)
    stack = start_stack(server, database_url, f"parley-test-{uuid.uuid4().hex[:12]}", rulebooks, folder)
    try:
        yield stack
    finally:
        stack.worker.stop()
        engine_for(database_url).dispose()


@dataclass
class RolloutWorld:
    first: World
    second: World
    author: str  # partner operations, also a VP: may never approve its own draft
    vp: str


def seed_rollout_world(database_url: str) -> RolloutWorld:
    first, second = seed_world(database_url), seed_world(database_url)
    author = f"author-{first.suffix}"
    add_user(database_url, author, ["partner_ops", "vp_channel"])
    return RolloutWorld(first, second, author, first.approvers["vp_channel"])


def draft_text(version: str, effective_from: datetime, **replace: str) -> str:
    """The second-scale test rulebook as a new version taking effect at ``effective_from``;
    ``replace`` swaps whole lines by key, as ``fast_rulebook_dir`` does."""
    lines = FAST_RULEBOOK.read_text().splitlines()
    stamp = effective_from.isoformat().replace("+00:00", "Z")
    replace = {"version": f'"{version}"', "effective_from": stamp, **replace}
    for key, value in replace.items():
        [index] = [i for i, line in enumerate(lines) if line.strip().startswith(f"{key}:")]
        indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
        lines[index] = f"{indent}{key}: {value}"
    return "\n".join(lines) + "\n"


def new_version() -> str:
    return f"rollout-{uuid.uuid4().hex[:8]}"


def completed_what_if(
    database_url: str, version: str, baseline: str = "testing-fast", by: str = "ops"
) -> int:
    """A finished what-if of ``version`` against ``baseline`` as the sandbox records one."""
    with Session(engine_for(database_url), expire_on_commit=False) as session:
        run = crud.create_simulation_run(
            session=session,
            data={
                "baseline_version": baseline,
                "proposed_label": version,
                "scenario": {"name": "test"},
                "replications": 2,
                "seed": 7,
                "created_by": by,
                "proposed_version": version,
            },
        )
        assert run.id is not None
        runs_crud.close_simulation_run(
            session=session,
            run_id=run.id,
            status=SimulationStatus.COMPLETED,
            results={"headlines": ["Shorter protection: 12 registrations decided differently"]},
        )
        session.commit()
        return run.id


def soon(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


async def client_of(stack: Stack) -> RolloutClient:
    return await RolloutClient.connect(stack.settings)
