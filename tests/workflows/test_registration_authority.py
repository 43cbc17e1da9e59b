"""Who may decide, as the validators judge it (pure functions, no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflows.human.authority import (
    Acting,
    ActorAuthority,
    Delegator,
    Refusal,
    decider_for,
    require_current,
    require_partner_side,
)

CAM = "channel_account_manager"
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def authority(name: str, *roles: str, delegators: list[Delegator] | None = None, partner: int | None = None):
    return ActorAuthority(name, list(roles), partner, delegators or [])


def test_role_holder_decides_in_their_own_right() -> None:
    assert decider_for(authority("casey", CAM), CAM, "pat", None) is None


def test_delegate_decides_for_the_role_holder() -> None:
    stand_in = authority("dev", "deal_desk", delegators=[Delegator("casey", [CAM])])
    assert decider_for(stand_in, CAM, "pat", None) == "casey"
    assert decider_for(stand_in, CAM, "pat", "casey") == "casey"
    with pytest.raises(Refusal, match="not an active delegate of 'riley'"):
        decider_for(stand_in, CAM, "pat", "riley")


@pytest.mark.parametrize(
    ("actor", "submitter", "message"),
    [
        (authority("pat", CAM), "pat", "four-eyes"),
        (authority("dev", delegators=[Delegator("pat", [CAM])]), "pat", "their delegate cannot decide"),
        (authority("dev", "vp_channel"), "pat", "do not hold or stand in for"),
        (authority("dev", delegators=[Delegator("riley", ["vp_channel"])]), "pat", "do not hold"),
    ],
)
def test_refusals(actor: ActorAuthority, submitter: str, message: str) -> None:
    with pytest.raises(Refusal, match=message):
        decider_for(actor, CAM, submitter, None)


def test_requests_carry_their_own_authority_and_expire() -> None:
    acting = Acting(authority("casey", CAM), not_after=NOW)
    require_current(acting, "casey", NOW)
    with pytest.raises(Refusal, match="carries the authority"):
        require_current(acting, "riley", NOW)
    with pytest.raises(Refusal, match="too late"):
        require_current(acting, "casey", NOW + timedelta(seconds=1))


def test_partner_side() -> None:
    require_partner_side(authority("pat", "partner", partner=7), 7)
    require_partner_side(authority("omar", "partner_ops"), 7)
    with pytest.raises(Refusal, match="requesting partner") as refused:
        require_partner_side(authority("eve", "partner", partner=8), 7)
    assert "7" not in str(refused.value)  # another partner's user never learns whose it is
