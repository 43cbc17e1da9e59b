"""A voluntary exit on each database (SQLite, and PostgreSQL when set up): the partner's status,
access, dispositions and the registrations' rows move together, whatever the backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_temporal import TemporalServer
from tests.workflows.exit_harness import PENDING_STAYS, SHORT_NOTICE, exit_client, exit_stack, partner_row
from tests.workflows.exit_scenarios import voluntary_honoured_and_returned
from tests.workflows.harness import Stack, registration_row, seed_world

pytestmark = pytest.mark.temporal


@pytest.fixture
def stack(temporal_server: TemporalServer, database_url: str, tmp_path: Path) -> Iterator[Stack]:
    with exit_stack(temporal_server, database_url, tmp_path, {**PENDING_STAYS, **SHORT_NOTICE}) as s:
        yield s


async def test_a_voluntary_exit_on_each_database(stack: Stack) -> None:
    exit_id, honoured, returned = await voluntary_honoured_and_returned(
        stack.settings, seed_world(stack.database_url)
    )
    done = await (await exit_client(stack)).get(exit_id)
    assert done.state == "completed"
    assert {d.registration_id: d.state for d in done.dispositions} == {
        honoured: "honoured",
        returned: "applied",
    }
    assert registration_row(stack.database_url, honoured).state == "expired"
    assert registration_row(stack.database_url, returned).state == "released"
    leaving = partner_row(stack.database_url, done.start.partner_id)
    assert leaving.status == "exited" and leaving.access_revoked_at is not None
