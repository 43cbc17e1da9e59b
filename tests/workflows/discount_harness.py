"""A discount test world: a partner with an approved registration, deal desk, finance and the VP."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parley.clients.discount import DiscountClient
from parley.clients.registration import RegistrationClient
from tests.fixtures_temporal import TemporalServer
from tests.workflows.harness import Stack, World, add_user, fast_rulebook_dir, seed_world, start_stack
from workflows.discount.types import DiscountSubmission, DiscountTerms
from workflows.human.updates import DecisionInput

DISCOUNT_ROLES = ("deal_desk", "finance", "vp_channel")
# The fast rulebook with registrations that stay approved for the length of a test, discount steps
# slow enough for a test to decide them (the registration route is not used: it auto-approves) and
# quotes that stay valid while a test works on them.
SUBSTITUTIONS = {
    "sla: 2s}": "sla: 30s}",
    "reminder_lead_time: 2s": "reminder_lead_time: 10m",
    "quote_validity: 10s": "quote_validity: 60s",
    "reminder_lead_time: 3s": "reminder_lead_time: 20s",
}
LONG_PROTECTION = {"protection_period": "1h", "request_window": "30m"}


@contextmanager
def sqlite_discount_stack(
    server: TemporalServer, template: Path, folder: Path, substitutions: dict[str, str]
) -> Iterator[Stack]:
    """A worker of its own on a copy of the migrated SQLite template, with the fast rulebook
    changed by ``substitutions`` and registrations that stay protected (a module's shared stack)."""
    database = folder / "parley.db"
    shutil.copyfile(template, database)
    rulebooks = fast_rulebook_dir(folder / "rulebooks", substitutions, **LONG_PROTECTION)
    stack = start_stack(
        server, f"sqlite:///{database}", f"parley-test-{uuid.uuid4().hex[:12]}", rulebooks, folder
    )
    try:
        yield stack
    finally:
        stack.worker.stop()


@dataclass
class DiscountWorld:
    world: World
    approvers: dict[str, str]  # role -> username

    @property
    def partner(self) -> str:
        return self.world.partner_user


def seed_discount_world(stack: Stack) -> DiscountWorld:
    world = seed_world(stack.database_url)
    approvers = {}
    for role in DISCOUNT_ROLES:
        name = f"{role.replace('_', '')}-{world.suffix}"
        add_user(stack.database_url, name, [role])
        approvers[role] = name
    return DiscountWorld(world, approvers)


async def approved_registration(stack: Stack, dw: DiscountWorld) -> str:
    client = await RegistrationClient.connect(stack.settings)
    # A made-up account unlike any other on file, so the duplicate matcher never sends it to people.
    word = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:12])
    name = f"{word[:6].title()} {word[6:].title()}"
    view = await client.start(dw.world.submission(account_name=name, account_domain=f"{word}.example"))
    assert view.state == "approved", view
    return view.workflow_id


def submission(dw: DiscountWorld, registration_id: str, **terms: Any) -> DiscountSubmission:
    values: dict[str, Any] = {
        "requested_discount": 0.15,
        "deal_value": 200_000,
        "justification": "competitor",
    }
    values.update(terms)
    return DiscountSubmission(
        partner_id=dw.world.partner_id,
        registration_id=registration_id,
        request_key=f"q-{uuid.uuid4().hex[:10]}",
        terms=DiscountTerms(**values),
        submitted_by=dw.partner,
    )


async def discount_client(stack: Stack) -> DiscountClient:
    return await DiscountClient.connect(stack.settings)


async def decide(
    client: DiscountClient, workflow_id: str, dw: DiscountWorld, role: str, outcome: str, **kw: Any
):
    view = await client.get(workflow_id)
    [task] = [t for t in view.open_tasks if t.role == role]
    comment = kw.pop("comment", "" if outcome == "approve" else "because")
    return await client.decide(
        workflow_id, DecisionInput(task.task_id, dw.approvers[role], outcome, comment, **kw)
    )
