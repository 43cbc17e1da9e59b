"""What the exit tests of the web app share: a live stack whose exits are timed for a test (a
voluntary notice long enough to cancel in, a program change's short enough to wait for, a
for-cause approval that waits for a person), the people an exit needs, and a registration that
stays pending through notice (the web rulebook's reviews take minutes)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient

from store.engine import engine_for, session_scope
from tests.fixtures_temporal import TemporalServer
from tests.web.live import Live, registration_body, start_app_worker, web_rulebook

PROGRAM_CHANGE_NOTICE = 3  # seconds: a test waits this long for the transferee task


def exit_rulebook(directory: Path) -> Path:
    """The web rulebook with exits timed for a test."""
    web_rulebook(directory)
    path = directory / "web.yaml"
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    exits = document["exit"]
    exits["voluntary"]["notice"] = "600s"
    exits["for_cause"]["approval"]["sla"] = "600s"
    exits["program_change"]["notice"] = f"{PROGRAM_CHANGE_NOTICE}s"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return directory


@pytest.fixture
def exit_pages_live(
    monkeypatch: pytest.MonkeyPatch,
    temporal_server: TemporalServer,
    parley_database: str,
    task_queue: str,
    tmp_path: Path,
) -> Iterator[Live]:
    """A worker process and the app's settings on the exit rulebook."""
    rulebooks = exit_rulebook(tmp_path / "rulebooks")
    live = start_app_worker(
        monkeypatch, temporal_server, parley_database, task_queue, rulebooks, tmp_path / "worker.log"
    )
    try:
        yield live
    finally:
        live.worker.stop()
        engine_for(parley_database).dispose()


@dataclass(frozen=True)
class ExitPeople:
    """Who an exit needs besides ``seed_live_world``'s and ``seed_dispute_people``'s: partner
    operations (``ops``), a VP channel who is also partner operations (``vops``, to start a
    for-cause exit and see that they may not approve it), and Litware, a partner to be given
    notice for cause (a random id: exit ids derive from it and the server outlives the database)."""

    ops: str
    vops: str
    litware_id: int


def seed_exit_people() -> ExitPeople:
    from sqlalchemy import update
    from sqlmodel import col

    from store.crud import partners as partners_crud
    from store.crud import users as users_crud
    from store.models.partners import Partner
    from tests.web.conftest import PASSWORD

    with session_scope() as db:
        for name, roles in (("ops", ["partner_ops"]), ("vops", ["vp_channel", "partner_ops"])):
            users_crud.create_user(
                session=db,
                data={"username": name, "display_name": name.title(), "password": PASSWORD, "roles": roles},
            )
        partner = partners_crud.create_partner(
            session=db, data={"name": "Litware Inc", "tier": "silver", "territories": ["us-west"]}
        )
        fresh_id = secrets.randbelow(2_000_000_000) + 1_000
        db.execute(update(Partner).where(col(Partner.id) == partner.id).values(id=fresh_id))
    return ExitPeople("ops", "vops", fresh_id)


def pending_registration(client: FlaskClient, username: str) -> dict[str, Any]:
    """A registration of a fresh account by ``username``'s partner, waiting for a review."""
    from tests.web.dispute_fixtures import bearer, js

    word = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8]).title()
    body = registration_body(f"deal-{uuid.uuid4().hex[:8]}", 300_000, f"{word} Clinics")
    response = client.post("/api/v1/registrations", json=body, headers=bearer(username))
    assert response.status_code == 201, js(response)
    created = dict(js(response))
    assert created["state"] == "pending_approval", created
    return created
