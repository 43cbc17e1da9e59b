"""Partner exits on the real dev server, with the second-scale test rulebook: each exit type,
the dispositions of pending and approved registrations (honoured, returned to direct,
transferred to the next eligible partner, or chosen by partner operations), the freeze on new
registrations, access revoked, cancellation while notice runs, and what is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.errors import ValidationFailed
from store.crud.partners import active_direct_engagements, find_accounts
from store.crud.users import authenticate, create_api_token, user_for_token
from store.models import utcnow
from tests.fixtures_temporal import TemporalServer
from tests.workflows.exit_harness import (
    PENDING_STAYS,
    SHORT_NOTICE,
    ExitWorld,
    actions_of,
    exit_client,
    exit_row,
    exit_stack,
    partner_row,
    register,
    seed_exit_world,
)
from tests.workflows.harness import Stack, registration_row

pytestmark = pytest.mark.temporal

ALL_DONE = 40.0


@pytest.fixture(scope="module")
def stack(
    temporal_server: TemporalServer, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("exit")
    database = folder / "parley.db"
    database.write_bytes(sqlite_template.read_bytes())
    with exit_stack(temporal_server, f"sqlite:///{database}", folder, {**PENDING_STAYS, **SHORT_NOTICE}) as s:
        yield s


@pytest.fixture
def ew(stack: Stack) -> ExitWorld:
    return seed_exit_world(stack.database_url)


async def test_a_voluntary_exit_freezes_honours_returns_and_revokes(stack: Stack, ew: ExitWorld) -> None:
    registrations, exits = await stack.client(), await exit_client(stack)
    leaving = ew.leaving
    approved = await register(registrations, leaving)
    pending = await register(
        registrations,
        leaving,
        deal_value=400_000,
        account_name="Globex Intl",
        account_domain="globex-intl.com",
    )
    assert (approved.state, pending.state) == ("approved", "pending_approval")
    with stack.session() as session:
        token = create_api_token(session=session, user_id=_user_id(session, leaving.partner_user))[1]
        session.commit()

    view = await exits.start(
        actor=ew.ops, partner_id=leaving.partner_id, exit_type="voluntary", why="Contract not renewed"
    )
    assert view.state == "notice"
    assert {d.registration_id: d.disposition for d in view.dispositions} == {
        approved.workflow_id: "honour_until_expiry",
        pending.workflow_id: "return_to_direct",
    }
    assert partner_row(stack.database_url, leaving.partner_id).status == "exiting"
    frozen = await register(
        registrations, leaving, account_name="Hooli Labs", account_domain="hooli-labs.com"
    )
    assert frozen.state == "rejected" and "eligibility.partner_inactive" in frozen.reason_codes
    with stack.session() as session:  # access stays until notice ends (voluntary)
        assert user_for_token(session=session, token=token) is not None
        session.commit()
    with pytest.raises(ValidationFailed, match=r"partner_id: .* exiting"):
        await exits.start(actor=ew.ops, partner_id=leaving.partner_id, exit_type="voluntary", why="again")

    done = await exits.wait_until(view.workflow_id, lambda v: v.state == "completed", ALL_DONE)
    assert done.state == "completed", done.state
    states = {d.registration_id: d.state for d in done.dispositions}
    assert states[pending.workflow_id] == "applied"
    assert registration_row(stack.database_url, pending.workflow_id).state == "released"
    assert states[approved.workflow_id] == "honoured"
    assert registration_row(stack.database_url, approved.workflow_id).state == "expired"
    assert partner_row(stack.database_url, leaving.partner_id).status == "exited"
    with stack.session() as session:
        assert user_for_token(session=session, token=token) is None
        assert authenticate(session=session, username=leaving.partner_user, password="correct-horse") is None
        direct = find_accounts(session=session, name="Globex Intl")
        assert direct and direct[0].id is not None
        assert active_direct_engagements(
            session=session, account_id=direct[0].id, product_line="core-platform", at=utcnow()
        )
    row = exit_row(stack.database_url, view.workflow_id)
    assert row.commission_ends_at is not None and row.mdf_ends_at is not None and row.live_partner_id is None
    assert actions_of(stack.database_url, view.workflow_id) == [
        "exit.notice_given",
        "exit.notice_ended",
        "exit.dispositions_applied",
        "exit.mdf_ended",
        "exit.commission_ended",
        "exit.completed",
    ]
    assert "registration.returned_to_direct" in actions_of(stack.database_url, pending.workflow_id)
    assert "registration.exit_honoured" in actions_of(stack.database_url, approved.workflow_id)


def _user_id(session: object, username: str) -> int:
    from store.crud.users import get_user_by_username

    user = get_user_by_username(session=session, username=username)  # type: ignore[arg-type]
    assert user is not None and user.id is not None
    return user.id
