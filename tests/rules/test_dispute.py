from datetime import timedelta

import pytest

from rules import load_rulebook
from rules.checks import check_sections
from rules.dispute import (
    Contest,
    Resolution,
    Side,
    appeal_closes_at,
    contest_refusal,
    default_resolution,
    effects,
    holder_registration,
    holder_releasable,
    outcome_reason,
    party_deadline,
    resolutions,
    respondent_of,
)
from rules.schema import Escalation
from tests.rules.helpers import DEFAULT, FAST, T0

PARTNERS = Contest(Side.PARTNER, Side.PARTNER)
AGAINST_DIRECT = Contest(Side.PARTNER, Side.DIRECT)
BY_DIRECT = Contest(Side.DIRECT, Side.PARTNER)


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(DEFAULT)


def test_the_appeal_window_and_party_deadline_come_from_the_rulebook(rulebook):
    assert appeal_closes_at(rulebook, T0) == T0 + timedelta(days=14)
    assert party_deadline(rulebook, T0) == T0 + timedelta(days=3)
    fast = load_rulebook(FAST)
    assert party_deadline(fast, T0) == T0 + timedelta(seconds=2)


def test_only_conflict_decisions_within_the_window_can_be_contested(rulebook):
    first = ["conflict.first_to_register"]
    assert contest_refusal(rulebook, reason_codes=first, decided_at=T0, now=T0 + timedelta(days=1)) is None
    late = contest_refusal(rulebook, reason_codes=first, decided_at=T0, now=T0 + timedelta(days=15))
    assert late is not None and "appeal window closed" in late
    own = contest_refusal(rulebook, reason_codes=["eligibility.not_certified"], decided_at=T0, now=T0)
    assert own is not None and "not a conflict" in own
    assert contest_refusal(rulebook, reason_codes=first, decided_at=None, now=T0) is not None
    # Refused for its own reasons too: an award could only approve an ineligible registration.
    ineligible = ["eligibility.vertical_not_authorised", "conflict.first_to_register"]
    own_too = contest_refusal(rulebook, reason_codes=ineligible, decided_at=T0, now=T0)
    assert own_too is not None and "its own reasons (eligibility.vertical_not_authorised)" in own_too
    judged = ["duplicate.fuzzy_match", "duplicate.judged_same_account"]
    assert contest_refusal(rulebook, reason_codes=judged, decided_at=T0, now=T0) is None


def test_the_respondent_is_direct_sales_only_when_direct_sales_alone_decided():
    assert respondent_of(["conflict.direct_engaged", "auto.rejected"]) is Side.DIRECT
    assert respondent_of(["conflict.first_to_register"]) is Side.PARTNER
    assert respondent_of(["conflict.direct_engaged", "conflict.first_to_register"]) is Side.PARTNER


def test_the_holder_is_the_first_reason_citing_one_and_only_some_holders_can_be_released():
    from rules import RegistrationStanding
    from rules.reasons import Reason

    reasons = [
        Reason("eligibility.unknown_vertical", "x"),
        Reason("duplicate.fuzzy_match", "y", {"registration_id": "registration-7-a"}),
        Reason("conflict.first_to_register", "z", {"registration_id": "registration-8-b"}),
    ]
    assert holder_registration(reasons) == "registration-7-a"
    assert holder_registration(reasons[:1]) is None
    assert holder_releasable(RegistrationStanding.APPROVED)
    assert holder_releasable(RegistrationStanding.EXPIRED)  # ended: nothing left to release
    assert not holder_releasable(RegistrationStanding.CLOSED_WON)
    assert not holder_releasable(RegistrationStanding.PENDING)


def test_what_each_resolution_moves():
    assert not effects(Resolution.UPHOLD, PARTNERS).moves
    award = effects(Resolution.AWARD_CLAIMANT, PARTNERS)
    assert award.release_holder and award.approve_claimant and not award.co_sell
    assert not award.record_direct and not award.end_direct
    co = effects(Resolution.CO_SELL, PARTNERS)
    assert co.approve_claimant and co.co_sell and not co.release_holder
    back = effects(Resolution.RETURN_TO_DIRECT, PARTNERS)
    assert back.release_holder and back.record_direct and not back.approve_claimant
    over_direct = effects(Resolution.AWARD_CLAIMANT, AGAINST_DIRECT)
    assert over_direct.approve_claimant and over_direct.end_direct and not over_direct.release_holder
    direct_wins = effects(Resolution.AWARD_CLAIMANT, BY_DIRECT)
    assert direct_wins.release_holder and direct_wins.record_direct and not direct_wins.approve_claimant
    assert not effects(Resolution.CO_SELL, BY_DIRECT).approve_claimant


def test_levels_offer_only_resolutions_that_mean_something_for_the_sides():
    assert resolutions(PARTNERS) == tuple(Resolution)
    assert Resolution.RETURN_TO_DIRECT not in resolutions(AGAINST_DIRECT)
    assert Resolution.RETURN_TO_DIRECT not in resolutions(BY_DIRECT)


def test_a_default_never_awards_and_falls_back_to_uphold_where_it_means_nothing(rulebook):
    assert default_resolution(rulebook, PARTNERS) is Resolution.UPHOLD
    returning = rulebook.model_copy(
        update={
            "escalation": rulebook.escalation.model_copy(update={"default_resolution": "return_to_direct"})
        }
    )
    assert default_resolution(returning, PARTNERS) is Resolution.RETURN_TO_DIRECT
    assert default_resolution(returning, BY_DIRECT) is Resolution.UPHOLD
    document = rulebook.escalation.model_dump(mode="json") | {"default_resolution": "award_claimant"}
    problems = check_sections(None, None, None, Escalation.model_validate(document), None)
    assert [p.path for p in problems] == ["escalation.default_resolution"]
    with pytest.raises(ValueError, match="greater than zero"):
        Escalation.model_validate(rulebook.escalation.model_dump(mode="json") | {"party_response": "0s"})


def test_a_rulebook_pinned_before_disputes_opened_still_loads(rulebook):
    document = rulebook.escalation.model_dump(mode="json")
    for key in ("appeal_window", "party_response", "default_resolution", "co_sell_split"):
        document.pop(key)
    old = Escalation.model_validate(document)
    assert old.appeal_window == timedelta(days=14) and old.default_resolution is Resolution.UPHOLD


def test_the_outcome_reason_names_sides_never_partners(rulebook):
    reason = outcome_reason(rulebook, Resolution.CO_SELL, PARTNERS, by_default=False, comment="Both engaged.")
    assert reason.code == "dispute.co_sell"
    assert "the contesting partner 50%, the other partner 50%" in reason.text
    assert reason.text.endswith("Both engaged.")
    lapsed = outcome_reason(rulebook, Resolution.UPHOLD, AGAINST_DIRECT, by_default=True)
    assert "direct sales keeps the account" in lapsed.text and "default" in lapsed.text
    assert lapsed.facts["by_default"] == "true"


def test_direct_sales_contests_only_a_protected_registration_within_the_window(rulebook):
    from rules import RegistrationStanding
    from rules.dispute import direct_contest_refusal

    approved = RegistrationStanding.APPROVED
    assert (
        direct_contest_refusal(rulebook, standing=approved, decided_at=T0, now=T0 + timedelta(days=1)) is None
    )
    late = direct_contest_refusal(rulebook, standing=approved, decided_at=T0, now=T0 + timedelta(days=15))
    assert late is not None and "appeal window closed" in late
    pending = direct_contest_refusal(rulebook, standing=RegistrationStanding.PENDING, decided_at=None, now=T0)
    assert pending is not None and "only a protected registration" in pending
