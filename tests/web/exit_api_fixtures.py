"""One live stack for the module of exit API tests (per database backend), the people an exit
needs, and the exit read or decided through the app's own client.

The web rulebook's exits are timed for the tests: a voluntary notice long enough to cancel in, a
program change's short enough to wait out, a for-cause approval that waits for a person."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import update
from sqlmodel import col

from parley.clients.exit import ExitClient
from store.crud import partners as partners_crud
from store.crud import users as users_crud
from store.engine import session_scope
from store.models import Partner
from tests.fixtures_db import _backends
from tests.fixtures_temporal import TemporalServer
from tests.web.live import module_stack, web_rulebook
from web import runner
from web.workflow_clients import process_client
from workflows.exit.types import ExitView
from workflows.human.updates import DecisionInput

PASSWORD = "correct-horse-battery"
ELIGIBLE = {
    "tier": "gold",
    "territories": ["us-west", "us-east"],
    "verticals": ["healthcare", "retail"],
    "certifications": ["platform-sales", "analytics-specialist"],
}


def _exit_rulebook(folder: Path) -> Path:
    rulebooks = web_rulebook(folder / "rulebooks")
    path = rulebooks / "web.yaml"
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    exits = document["exit"]
    exits["voluntary"]["notice"] = "600s"
    exits["program_change"]["notice"] = "3s"
    exits["for_cause"]["approval"]["sla"] = "600s"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return rulebooks


@pytest.fixture(scope="module", params=_backends())
def exit_api_live(
    request: pytest.FixtureRequest, temporal_server: TemporalServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A worker and the app's settings on a database of the module's own; its URL."""
    folder = tmp_path_factory.mktemp("exit-api")
    with module_stack(request, temporal_server, folder, _exit_rulebook(folder)) as url:
        yield url


@dataclass(frozen=True)
class Staff:
    ops: str
    cam: str
    vp: str


@pytest.fixture(scope="module")
def exit_staff(exit_api_live: str) -> Staff:
    """Partner operations, a channel account manager and a VP channel (who approves for cause)."""
    with session_scope() as db:
        for name, roles in (
            ("opal", ["partner_ops"]),
            ("cam", ["channel_account_manager"]),
            ("vp", ["vp_channel"]),
        ):
            users_crud.create_user(
                session=db,
                data={"username": name, "display_name": name.title(), "password": PASSWORD, "roles": roles},
            )
    return Staff("opal", "cam", "vp")


@dataclass(frozen=True)
class PartnerUser:
    partner_id: int
    name: str
    user: str


def partner_with_user(name: str, **fields: Any) -> PartnerUser:
    """A partner (eligible for the live rulebook's deals unless ``fields`` say otherwise) with its
    user; a random id, since exit and registration ids derive from it and the Temporal server
    outlives each database."""
    word = uuid.uuid4().hex[:6]
    full = f"{name} {word}"
    with session_scope() as db:
        partner = partners_crud.create_partner(session=db, data={**ELIGIBLE, **fields, "name": full})
        fresh_id = secrets.randbelow(2_000_000_000) + 1_000
        db.execute(update(Partner).where(col(Partner.id) == partner.id).values(id=fresh_id))
        username = f"{name.split()[0].lower()}-{word}"
        users_crud.create_user(
            session=db,
            data={
                "username": username,
                "display_name": username,
                "password": PASSWORD,
                "roles": ["partner"],
                "partner_id": fresh_id,
            },
        )
    return PartnerUser(fresh_id, full, username)


def exit_view_now(workflow_id: str) -> ExitView:
    """The exit as its workflow reports it, through the app's own client and loop."""

    async def read() -> ExitView:
        return await (await process_client(ExitClient)).get(workflow_id)

    return runner.run(read())


def decide_now(workflow_id: str, task_id: int, actor: str, outcome: str) -> ExitView:
    """Decide the exit's approval through its client (for an inbox without an exit kind)."""

    async def decide() -> ExitView:
        client = await process_client(ExitClient)
        return await client.decide(workflow_id, DecisionInput(task_id, actor, outcome))

    return runner.run(decide())
