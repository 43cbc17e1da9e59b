"""An exit test world: an exiting partner, another partner that wants the same accounts, the
people who approve, partner operations; a worker on a second-scale rulebook whose exit timeline
fits in a test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from parley.clients.exit import ExitClient
from parley.clients.registration import RegistrationClient
from store.engine import engine_for
from store.models import Exit, Partner
from tests.fixtures_temporal import TemporalServer
from tests.workflows.harness import (
    Stack,
    World,
    add_user,
    audit_of,
    fast_rulebook_dir,
    seed_world,
    start_stack,
)
from workflows.registration.types import RegistrationView

# Reviews slow enough to stay pending through notice; a short voluntary notice.
PENDING_STAYS = {"sla: 2s}": "sla: 60s}"}
SHORT_NOTICE = {"notice: 4s": "notice: 2s"}


@contextmanager
def exit_stack(
    server: TemporalServer, database_url: str, folder: Path, substitutions: dict[str, str], **lines: str
) -> Iterator[Stack]:
    rulebooks = fast_rulebook_dir(folder / "rulebooks", substitutions, **lines)
    stack = start_stack(server, database_url, f"parley-test-{uuid.uuid4().hex[:12]}", rulebooks, folder)
    try:
        yield stack
    finally:
        stack.worker.stop()
        # The clients and helpers pooled connections through the cached engine: close them now,
        # not when a later test's fixture clears the cache and the collector finds them open.
        engine_for(database_url).dispose()


@dataclass
class ExitWorld:
    leaving: World
    other: World
    vp: str  # a second VP channel, so a test can show four-eyes with the first

    @property
    def ops(self) -> str:
        return self.leaving.ops


def seed_exit_world(database_url: str) -> ExitWorld:
    leaving, other = seed_world(database_url), seed_world(database_url)
    vp = f"vp2-{leaving.suffix}"
    add_user(database_url, vp, ["vp_channel", "partner_ops"])
    return ExitWorld(leaving, other, vp)


async def register(client: RegistrationClient, world: World, **overrides: object) -> RegistrationView:
    return await client.start(world.submission(**overrides))


async def approved_and_pending(
    client: RegistrationClient, world: World
) -> tuple[RegistrationView, RegistrationView]:
    """One registration approved at once and one waiting for its (slow) review, of two accounts."""
    approved = await register(client, world)
    pending = await register(
        client, world, deal_value=400_000, account_name="Globex Intl", account_domain="globex-intl.com"
    )
    assert (approved.state, pending.state) == ("approved", "pending_approval")
    return approved, pending


def partner_row(database_url: str, partner_id: int) -> Partner:
    with Session(engine_for(database_url), expire_on_commit=False) as session:
        row = session.get(Partner, partner_id)
        assert row is not None
        return row


def exit_row(database_url: str, workflow_id: str) -> Exit:
    with Session(engine_for(database_url), expire_on_commit=False) as session:
        return session.exec(select(Exit).where(Exit.workflow_id == workflow_id)).one()


def actions_of(database_url: str, process_id: str) -> list[str]:
    return [event.action for event in audit_of(database_url, process_id)]


async def exit_client(stack: Stack) -> ExitClient:
    return await ExitClient.connect(stack.settings)
