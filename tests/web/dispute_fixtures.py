"""What the dispute tests of the web app share: a live stack whose dispute path waits for a
person, the contested pair of registrations (Fabrikam first, Northwind refused), opening a
dispute as Northwind, and the check that an answer or page carries nothing of the other side."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask.testing import FlaskClient

from store.engine import engine_for
from tests.fixtures_temporal import TemporalServer
from tests.web.live import DisputePeople, Live, LiveWorld, registration_body, start_live
from web.api.dispute_schemas import DisputeOut

if TYPE_CHECKING:
    from werkzeug.test import TestResponse


@pytest.fixture
def dispute_live(
    monkeypatch: pytest.MonkeyPatch,
    temporal_server: TemporalServer,
    parley_database: str,
    task_queue: str,
    tmp_path: Path,
) -> Iterator[Live]:
    """The parties have a minute, each level five: a test acts at the step it wants."""
    stack = start_live(
        monkeypatch,
        temporal_server,
        parley_database,
        task_queue,
        tmp_path,
        party_response="60s",
        dispute_slas=("300s", "300s", "300s"),
    )
    try:
        yield stack
    finally:
        stack.worker.stop()
        engine_for(parley_database).dispose()


# tests.web.conftest re-exports this module's fixture, so its helpers are imported when called.


def bearer(username: str) -> dict[str, str]:
    from tests.web.conftest import api_token

    return {"Authorization": f"Bearer {api_token(username)}"}


def js(response: TestResponse) -> Any:
    from tests.web.conftest import js as body

    return body(response)


@dataclass
class Pair:
    """Fabrikam's approved registration of an account and Northwind's, refused as second."""

    held: dict[str, Any]
    refused: dict[str, Any]
    held_spelling: str
    refused_spelling: str


def contested_pair(client: FlaskClient, people: DisputePeople) -> Pair:
    word = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8]).title()
    domain = f"{word.lower()}.example"
    spellings = (f"{word} Holdings Group", f"{word} Holdings Inc")

    def register(user: str, name: str) -> dict[str, Any]:
        body = {**registration_body(f"deal-{uuid.uuid4().hex[:8]}", 200_000, name), "account_domain": domain}
        response = client.post("/api/v1/registrations", json=body, headers=bearer(user))
        assert response.status_code == 201, js(response)
        return dict(js(response))

    held = register(people.holder_user, spellings[0])
    refused = register("pat", spellings[1])
    assert held["state"] == "approved", held
    assert refused["state"] == "rejected" and "conflict.first_to_register" in [
        r["code"] for r in refused["reasons"]
    ], refused
    return Pair(held, refused, *spellings)


def open_dispute(
    client: FlaskClient, pair: Pair, statement: str = "We met the customer in March."
) -> DisputeOut:
    response = client.post(
        "/api/v1/disputes",
        json={"registration_id": pair.refused["workflow_id"], "statement": statement},
        headers=bearer("pat"),
    )
    assert response.status_code == 201, js(response)
    return DisputeOut.model_validate(js(response))


def no_trace(body: Any, *hidden: str) -> None:
    """None of ``hidden`` appears anywhere in the JSON answer (or the page's text)."""
    text = body if isinstance(body, str) else json.dumps(body)
    for secret in hidden:
        assert secret not in text, (secret, text)


def traces_of_holder(pair: Pair, people: DisputePeople) -> tuple[str, ...]:
    return (
        str(people.holder_partner_id),
        people.holder_partner_name,
        "Fabrikam",
        pair.held["workflow_id"],
        pair.held["request_key"],
        pair.held_spelling,
        f'"{people.holder_user}"',
    )


def traces_of_claimant(pair: Pair, world: LiveWorld) -> tuple[str, ...]:
    return (
        str(world.partner_id),
        "Northwind",
        pair.refused["workflow_id"],
        pair.refused["request_key"],
        pair.refused_spelling,
        '"pat"',
        "We met the customer",  # the claimant's statements
    )
