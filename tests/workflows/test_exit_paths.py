"""Partner exits on the real dev server, with the second-scale test rulebook: each exit type,
the dispositions of pending and approved registrations (honoured, returned to direct,
transferred to the next eligible partner, or chosen by partner operations), the freeze on new
registrations, access revoked, cancellation while notice runs, and what is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.errors import DecisionRefused, ValidationFailed
from store.crud.claims import get_claim
from store.crud.partners import active_direct_engagements, find_accounts, update_partner
from store.crud.users import authenticate, create_api_token, user_for_token
from store.models import utcnow
from tests.fixtures_temporal import TemporalServer
from tests.workflows.exit_harness import (
    PENDING_STAYS,
    SHORT_NOTICE,
    ExitWorld,
    actions_of,
    approved_and_pending,
    exit_client,
    exit_row,
    exit_stack,
    partner_row,
    register,
    seed_exit_world,
)
from tests.workflows.harness import Stack, audit_of, registration_row, seed_world, tasks_of
from workflows.exit.dispositions import TRANSFERRED
from workflows.human.updates import DecisionInput

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
    approved, pending = await approved_and_pending(registrations, leaving)
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


async def test_a_program_change_transfers_to_the_next_partner_or_asks_partner_ops(
    stack: Stack, ew: ExitWorld
) -> None:
    registrations, exits = await stack.client(), await exit_client(stack)
    leaving, other = ew.leaving, ew.other
    wanted = await register(registrations, leaving, deal_value=400_000)
    same = wanted.submission
    late = await register(
        registrations,
        other,
        deal_value=90_000,
        account_name=same.account_name,
        account_domain=same.account_domain,
    )
    assert (wanted.state, late.state) == ("pending_approval", "rejected")
    alone = await register(
        registrations,
        leaving,
        deal_value=400_000,
        account_name="Umbrella Bio",
        account_domain="umbrella-bio.com",
    )
    dropped = await register(
        registrations, leaving, deal_value=400_000, account_name="Soylent Foods", account_domain="soylent.com"
    )
    view = await exits.start(
        actor=ew.ops, partner_id=leaving.partner_id, exit_type="program_change", why="Program retired"
    )
    assert view.state == "notice" and view.approval_role is None
    assert {d.disposition for d in view.dispositions} == {"transfer"}
    # Withdrawn during notice: nothing left to dispose of, shown with the state it ended in.
    withdrawn = await registrations.withdraw(dropped.workflow_id, leaving.partner_user, "lost interest")
    assert withdrawn.state == "withdrawn", withdrawn.state

    asking = await exits.wait_until(view.workflow_id, lambda v: bool(v.open_tasks), ALL_DONE)
    assert asking.state == "winding_down"
    with pytest.raises(DecisionRefused, match="notice has ended"):
        await exits.cancel(view.workflow_id, ew.ops, "changed our mind")
    by_id = {d.registration_id: d for d in asking.dispositions}
    moved = by_id[wanted.workflow_id]
    assert (moved.state, moved.transferee_partner_id) == ("applied", other.partner_id)
    assert registration_row(stack.database_url, wanted.workflow_id).state == "released"
    assert moved.transferee_registration_id is not None
    with stack.session() as session:
        row = registration_row(stack.database_url, wanted.workflow_id)
        claim = get_claim(session=session, account_key=row.account_key, product_line=row.product_line)
        assert claim is not None and claim.workflow_id == moved.transferee_registration_id
    taken = await registrations.wait_until(
        moved.transferee_registration_id, lambda v: v.state != "submitted", ALL_DONE
    )
    assert taken.submission.partner_id == other.partner_id and taken.state in ("pending_approval", "approved")
    gone = await registrations.get(wanted.workflow_id)  # what the exiting partner reads: the rule, nobody
    assert (gone.reasons[-1].code, gone.reasons[-1].text, gone.reasons[-1].facts) == (
        "exit.transfer",
        TRANSFERRED.text,
        {},
    )
    assert by_id[alone.workflow_id].state == "awaiting_choice"
    assert (by_id[dropped.workflow_id].state, by_id[dropped.workflow_id].registration_state) == (
        "ended",
        "withdrawn",
    )
    [task] = asking.open_tasks
    assert task.kind == "exit.transferee" and task.role == "partner_ops"

    outsider = seed_world(stack.database_url)
    with stack.session() as session:
        update_partner(session=session, partner_id=outsider.partner_id, verticals=["retail"])
        session.commit()
    with pytest.raises(ValidationFailed, match="partner_id: may not take this registration over"):
        await exits.choose_transferee(view.workflow_id, ew.ops, alone.workflow_id, outsider.partner_id)
    with pytest.raises(DecisionRefused, match="only partner operations"):
        await exits.choose_transferee(view.workflow_id, leaving.partner_user, alone.workflow_id, None)
    chosen = await exits.choose_transferee(view.workflow_id, ew.ops, alone.workflow_id, None, "nobody fits")
    assert not chosen.open_tasks
    assert {d.registration_id: d.state for d in chosen.dispositions}[alone.workflow_id] == "applied"
    assert registration_row(stack.database_url, alone.workflow_id).state == "released"
    assert "registration.returned_to_direct" in actions_of(stack.database_url, alone.workflow_id)
    [closed] = [t for t in tasks_of(stack.database_url, view.workflow_id) if t.kind == "exit.transferee"]
    assert closed.state == "closed" and closed.closed_by == ew.ops

    done = await exits.wait_until(view.workflow_id, lambda v: v.state == "completed", ALL_DONE)
    assert done.state == "completed"
    assert "exit.transferee_chosen" in actions_of(stack.database_url, view.workflow_id)


async def test_for_cause_needs_a_second_person_then_revokes_at_once(stack: Stack, ew: ExitWorld) -> None:
    registrations, exits = await stack.client(), await exit_client(stack)
    leaving = ew.leaving
    approved = await register(registrations, leaving)
    with stack.session() as session:
        token = create_api_token(session=session, user_id=_user_id(session, leaving.partner_user))[1]
        session.commit()
    view = await exits.start(
        actor=ew.vp, partner_id=leaving.partner_id, exit_type="for_cause", why="Breach of contract"
    )
    assert view.state == "awaiting_approval" and view.approval_role == "vp_channel"
    [task] = view.open_tasks
    assert partner_row(stack.database_url, leaving.partner_id).status == "active"  # not yet in effect
    with pytest.raises(DecisionRefused, match=r"four-eyes|requested|asked"):
        await exits.decide(view.workflow_id, DecisionInput(task.task_id, ew.vp, "approve"))
    decided = await exits.decide(
        view.workflow_id, DecisionInput(task.task_id, leaving.approvers["vp_channel"], "approve")
    )
    assert decided.approved_by == leaving.approvers["vp_channel"]
    assert partner_row(stack.database_url, leaving.partner_id).access_revoked_at is not None
    with stack.session() as session:
        assert user_for_token(session=session, token=token) is None
        session.commit()
    done = await exits.wait_until(view.workflow_id, lambda v: v.state == "completed", ALL_DONE)
    assert {d.registration_id: (d.disposition, d.state) for d in done.dispositions} == {
        approved.workflow_id: ("return_to_direct", "applied")
    }
    assert actions_of(stack.database_url, view.workflow_id)[:3] == [
        "review.opened",
        "exit.approved",
        "exit.notice_given",
    ]


async def test_an_unanswered_for_cause_exit_never_takes_effect(stack: Stack, ew: ExitWorld) -> None:
    exits = await exit_client(stack)
    view = await exits.start(
        actor=ew.ops, partner_id=ew.leaving.partner_id, exit_type="for_cause", why="Audit"
    )
    refused = await exits.wait_until(view.workflow_id, lambda v: v.finished, ALL_DONE)
    assert refused.state == "refused" and refused.notice_given_at is None
    assert partner_row(stack.database_url, ew.leaving.partner_id).status == "active"
    assert exit_row(stack.database_url, view.workflow_id).live_partner_id is None
    again = await exits.start(
        actor=ew.ops, partner_id=ew.leaving.partner_id, exit_type="voluntary", why="Agreed"
    )
    assert again.state == "notice" and again.workflow_id != view.workflow_id


async def test_cancelled_while_notice_runs_the_partner_is_restored(stack: Stack, ew: ExitWorld) -> None:
    registrations, exits = await stack.client(), await exit_client(stack)
    leaving = ew.leaving
    pending = await register(registrations, leaving, deal_value=400_000)
    view = await exits.start(
        actor=ew.ops, partner_id=leaving.partner_id, exit_type="program_change", why="Merger"
    )
    with pytest.raises(ValidationFailed, match="reason"):
        await exits.cancel(view.workflow_id, ew.ops, " ")
    with pytest.raises(DecisionRefused, match="only partner operations"):
        await exits.cancel(view.workflow_id, leaving.partner_user, "we stay")
    cancelled = await exits.cancel(view.workflow_id, ew.ops, "Merger called off")
    assert cancelled.state == "cancelled" and cancelled.ended_because == "Merger called off"
    assert partner_row(stack.database_url, leaving.partner_id).status == "active"
    assert registration_row(stack.database_url, pending.workflow_id).state == "pending_approval"
    [event] = [e for e in audit_of(stack.database_url, view.workflow_id) if e.action == "exit.cancelled"]
    assert "stays" in event.detail and event.reason_codes == ["exit.cancelled"]
    with pytest.raises(DecisionRefused):
        await exits.cancel(view.workflow_id, ew.ops, "twice")


async def test_refusals_name_the_field_and_store_nothing(stack: Stack, ew: ExitWorld) -> None:
    exits = await exit_client(stack)
    with pytest.raises(ValidationFailed, match="exit_type"):
        await exits.start(actor=ew.ops, partner_id=ew.leaving.partner_id, exit_type="amicable", why="x")
    with pytest.raises(ValidationFailed, match="why"):
        await exits.start(actor=ew.ops, partner_id=ew.leaving.partner_id, exit_type="voluntary", why=" ")
    with pytest.raises(ValidationFailed, match="partner_id"):
        await exits.start(actor=ew.ops, partner_id=999_999, exit_type="voluntary", why="x")
    with pytest.raises(DecisionRefused, match="only partner operations"):
        await exits.start(
            actor=ew.leaving.approvers["channel_account_manager"],
            partner_id=ew.leaving.partner_id,
            exit_type="voluntary",
            why="x",
        )
    assert exits.list(partner_id=ew.leaving.partner_id)[1] == 0
