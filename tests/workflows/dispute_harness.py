"""A dispute test world: two partners who both want one account, the escalation path's people,
direct sales and partner operations; and the registrations a dispute is about."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from parley.clients.dispute import DisputeClient
from parley.clients.registration import RegistrationClient
from parley.settings import Settings
from store import crud
from store.engine import engine_for
from tests.fixtures_temporal import TemporalServer
from tests.workflows.harness import Stack, World, add_user, fast_rulebook_dir, seed_world, start_stack
from workflows.dispute.types import DisputeView
from workflows.human.updates import DecisionInput
from workflows.registration.types import RegistrationView

# Levels slow enough for a test to decide at the one it wants; statements close the hearing early.
DECIDING = {"response_sla: 2s": "response_sla: 30s", "party_response: 2s": "party_response: 20s"}
# Levels that pass while a test waits: the path runs to its default in seconds; a refusal can be
# contested for a few seconds only.
LAPSING = {"appeal_window: 1h": "appeal_window: 5s"}
LONG_PROTECTION = {"protection_period": "1h", "request_window": "30m"}


@contextmanager
def dispute_stack(
    server: TemporalServer, database_url: str, folder: Path, substitutions: dict[str, str]
) -> Iterator[Stack]:
    rulebooks = fast_rulebook_dir(folder / "rulebooks", substitutions, **LONG_PROTECTION)
    stack = start_stack(server, database_url, f"parley-test-{uuid.uuid4().hex[:12]}", rulebooks, folder)
    try:
        yield stack
    finally:
        stack.worker.stop()


@contextmanager
def sqlite_dispute_stack(
    server: TemporalServer, template: Path, folder: Path, substitutions: dict[str, str]
) -> Iterator[Stack]:
    database = folder / "parley.db"
    shutil.copyfile(template, database)
    with dispute_stack(server, f"sqlite:///{database}", folder, substitutions) as stack:
        yield stack


@dataclass
class DisputeWorld:
    """``holder`` registers first; ``late`` is refused and contests."""

    holder: World
    late: World
    direct: str  # a direct-sales user
    third: World  # a partner that tries the same account while the dispute runs

    @property
    def approvers(self) -> dict[str, str]:
        return self.late.approvers


def seed_dispute_world(database_url: str) -> DisputeWorld:
    holder = seed_world(database_url)
    late = seed_world(database_url)
    third = seed_world(database_url)
    direct = f"direct-{late.suffix}"
    add_user(database_url, direct, ["direct_sales"])
    return DisputeWorld(holder, late, direct, third)


def account(dw: DisputeWorld) -> dict[str, Any]:
    word = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:12])
    return {"account_name": f"{word[:6].title()} {word[6:].title()}", "account_domain": f"{word}.example"}


async def contested_pair(settings: Settings, dw: DisputeWorld) -> tuple[RegistrationView, RegistrationView]:
    """The holder's approved registration and the late partner's, refused as first-to-register."""
    registrations = await RegistrationClient.connect(settings)
    where = account(dw)
    held = await registrations.start(dw.holder.submission(**where))
    assert held.state == "approved", held
    refused = await registrations.start(dw.late.submission(**where))
    assert refused.state == "rejected" and "conflict.first_to_register" in refused.reason_codes, refused
    return held, refused


def direct_engaged(stack: Stack, where: dict[str, Any], product_line: str = "core-platform") -> None:
    from datetime import timedelta

    from store.models import utcnow

    with Session(engine_for(stack.database_url), expire_on_commit=False) as session:
        row = crud.create_account(
            session=session,
            data={
                "name": where["account_name"],
                "web_domain": where["account_domain"],
                "territory": "us-west",
                "vertical": "healthcare",
            },
        )
        crud.add_direct_engagement(
            session=session,
            data={
                "account_id": row.id,
                "product_line": product_line,
                "owner": "enterprise team",
                "since": utcnow() - timedelta(days=1),
            },
        )
        session.commit()


async def clients(settings: Settings) -> tuple[DisputeClient, RegistrationClient]:
    return await DisputeClient.connect(settings), await RegistrationClient.connect(settings)


async def decide_level(
    client: DisputeClient, dispute_id: str, actor: str, outcome: str, comment: str = "Heard both sides."
) -> DisputeView:
    view = await client.get(dispute_id)
    [task] = [t for t in view.open_tasks if t.kind == "dispute.level"]
    return await client.decide(dispute_id, DecisionInput(task.task_id, actor, outcome, comment))


async def hear_both(client: DisputeClient, dispute_id: str, dw: DisputeWorld) -> DisputeView:
    """Both partners give their statements: the hearing closes and the first level opens."""
    await client.statement(dispute_id, dw.late.partner_user, "We met the customer in March.")
    await client.statement(dispute_id, dw.holder.partner_user, "Our registration came first.")
    return await client.wait_until(dispute_id, lambda v: v.state == "in_review", timeout=15)


async def heard_case(
    settings: Settings, dw: DisputeWorld
) -> tuple[DisputeClient, RegistrationClient, RegistrationView, RegistrationView, DisputeView]:
    """A first-to-register refusal contested by the late partner, both parties heard: the clients,
    the holder's and the refused registration, and the dispute waiting at its first level."""
    disputes, registrations = await clients(settings)
    held, refused = await contested_pair(settings, dw)
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours."
    )
    return disputes, registrations, held, refused, await hear_both(disputes, view.workflow_id, dw)
