"""A version's roll-out in the database: drafts, the order of states, acknowledgements."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlmodel import Session

from parley.errors import ValidationFailed
from store import crud
from store.crud import rollouts
from store.models import RulebookState
from tests.store.factories import NOW, make_partner, pk


def _draft(session: Session, version: str, effective: timedelta) -> None:
    rollouts.create_draft(
        session=session,
        data={
            "version": version,
            "effective_from": NOW + effective,
            "source": f"{rollouts.DRAFT_SOURCE}ops",
            "sha256": hashlib.sha256(f"{version} {effective}".encode()).hexdigest(),
            "document": {"version": version},
            "text": f"version: {version}\n",
            "created_by": "ops",
        },
        comment="why",
        now=NOW,
    )


def _publish(session: Session, version: str, at: timedelta = timedelta(0)) -> None:
    for state in (RulebookState.APPROVED, RulebookState.SCHEDULED):
        rollouts.move_version(session=session, version=version, state=state, at=NOW + at, by="vp")


def _state(session: Session, version: str) -> str:
    row = crud.get_rulebook_version(session=session, version=version)
    assert row is not None
    return row.state


def test_a_draft_needs_a_future_date_and_an_unused_id(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="effective_from"):
        _draft(session, "v-past", timedelta(seconds=-1))
    _draft(session, "v2", timedelta(days=1))
    _draft(session, "v2", timedelta(days=1))  # the same draft again (a retried activity): no change
    with pytest.raises(ValidationFailed, match="version"):
        _draft(session, "v2", timedelta(days=2))  # another text under a used id
    assert _state(session, "v2") == RulebookState.DRAFT


def test_states_follow_the_roll_out_and_repeats_change_nothing(session: Session) -> None:
    _draft(session, "v2", timedelta(days=1))
    rollouts.attach_simulation(session=session, version="v2", run_id=7)
    with pytest.raises(ValidationFailed, match="state"):
        rollouts.move_version(session=session, version="v2", state=RulebookState.IN_FORCE, at=NOW)
    _publish(session, "v2")
    rollouts.move_version(session=session, version="v2", state=RulebookState.SCHEDULED, at=NOW)  # a retry
    row = crud.get_rulebook_version(session=session, version="v2")
    assert row is not None and row.state == RulebookState.SCHEDULED and row.simulation_run_id == 7
    assert row.approved_by == "vp"
    rollouts.move_version(
        session=session, version="v2", state=RulebookState.IN_FORCE, at=NOW + timedelta(days=1)
    )
    assert _state(session, "v2") == RulebookState.IN_FORCE
    with pytest.raises(ValidationFailed, match="state"):
        rollouts.move_version(session=session, version="v2", state=RulebookState.WITHDRAWN, at=NOW, by="ops")


def test_a_version_overtaken_by_a_later_one_is_superseded_not_stuck(session: Session) -> None:
    """v3 (dated after v2) is handled first: v2 is then superseded already, and its own move to
    in force, when its timer is handled late, changes nothing instead of failing for ever."""
    _draft(session, "v2", timedelta(hours=1))
    _draft(session, "v3", timedelta(hours=2))
    _publish(session, "v2")
    _publish(session, "v3")
    late = NOW + timedelta(hours=3)
    rollouts.move_version(session=session, version="v3", state=RulebookState.IN_FORCE, at=late)
    assert (_state(session, "v2"), _state(session, "v3")) == (
        RulebookState.SUPERSEDED,
        RulebookState.IN_FORCE,
    )
    rollouts.move_version(session=session, version="v2", state=RulebookState.IN_FORCE, at=late)
    assert (_state(session, "v2"), _state(session, "v3")) == (
        RulebookState.SUPERSEDED,
        RulebookState.IN_FORCE,
    )


def test_acknowledgements_once_per_partner(session: Session) -> None:
    partner = pk(make_partner(session))
    _draft(session, "v2", timedelta(days=1))
    assert not rollouts.unacknowledged(session=session, partner_id=partner, version="v2")  # nobody asked yet
    rollouts.move_version(
        session=session, version="v2", state=RulebookState.APPROVED, at=NOW, by="vp",
        acknowledge_by=NOW + timedelta(days=14),
    )  # fmt: skip
    assert rollouts.unacknowledged(session=session, partner_id=partner, version="v2")
    assert rollouts.record_acknowledgement(
        session=session, version="v2", partner_id=partner, by="pat", at=NOW
    )
    assert not rollouts.record_acknowledgement(
        session=session, version="v2", partner_id=partner, by="x", at=NOW
    )
    [only] = rollouts.acknowledgements(session=session, version="v2")
    assert (only.partner_id, only.acknowledged_by) == (partner, "pat")
    assert not rollouts.unacknowledged(session=session, partner_id=partner, version="v2")
