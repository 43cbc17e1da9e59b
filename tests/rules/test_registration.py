from datetime import timedelta

import pytest

from rules import (
    DefaultAction,
    DirectEngagement,
    Outcome,
    PartnerStatus,
    RegistrationFacts,
    RegistrationIndex,
    RegistrationStanding,
    decide_registration,
    load_rulebook,
)
from tests.rules.helpers import DEFAULT, FAST, T0, changed, existing, partner, request


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(DEFAULT)


def decide(rulebook, req=None, *, who=None, regs=(), direct=(), prior=0, now=T0):
    facts = RegistrationFacts(
        partner=who or partner(),
        existing=RegistrationIndex(regs),
        direct_engagements=direct,
        prior_submissions=prior,
    )
    return decide_registration(rulebook, req or request(), facts, now)


def test_clean_registration_is_auto_approved_with_the_version(rulebook):
    decision = decide(rulebook)
    assert decision.outcome is Outcome.AUTO_APPROVED
    assert decision.codes == ("auto.approved",)
    assert decision.path is None
    assert decision.rulebook_version == "2026.1"
    assert decision.decided_at == T0


def test_every_eligibility_failure_is_listed(rulebook):
    who = partner(status=PartnerStatus.EXITING, territories=("canada",), verticals=(), certifications=())
    decision = decide(rulebook, who=who)
    assert decision.outcome is Outcome.AUTO_REJECTED
    assert decision.codes == (
        "eligibility.partner_inactive",
        "eligibility.territory_not_authorised",
        "eligibility.vertical_not_authorised",
        "eligibility.not_certified",
    )
    assert "frozen" in decision.reasons[0].text
    assert decision.reasons[3].facts["missing"] == "platform-sales"


def test_unknown_program_values_are_named(rulebook):
    decision = decide(rulebook, request(territory="mars", vertical="mining", product_line="warp"))
    assert decision.codes == (
        "eligibility.unknown_territory",
        "eligibility.unknown_vertical",
        "eligibility.unknown_product_line",
    )


def test_large_deal_or_low_tier_needs_the_route(rulebook):
    decision = decide(rulebook, request(deal_value=400_000.0), who=partner(tier="registered"))
    assert decision.outcome is Outcome.NEEDS_APPROVAL
    assert decision.codes == ("approval.required",)
    assert "above the auto-approve limit 250,000" in decision.reasons[0].text
    assert "'registered' is below 'silver'" in decision.reasons[0].text
    assert decision.path is not None
    assert [(step.roles, step.sla_seconds) for step in decision.path.steps] == [
        (("channel_account_manager",), 48 * 3600.0),
        (("regional_channel_director",), 24 * 3600.0),
        (("vp_channel",), 24 * 3600.0),
    ]
    # An escalation ladder: a decision at any level settles it, a breach moves it one level up.
    assert [(step.then, step.on_breach) for step in decision.path.steps] == [
        (None, 1),
        (None, 2),
        (None, None),
    ]
    assert decision.default_action is DefaultAction.REJECT
    assert decision.path.default_action is DefaultAction.REJECT


def test_fast_rulebook_routes_with_second_scale_slas():
    decision = decide(load_rulebook(FAST), request(deal_value=400_000.0))
    assert decision.path is not None
    assert [step.sla_seconds for step in decision.path.steps] == [2.0, 2.0, 2.0]
    assert decision.rulebook_version == "testing-fast"


def test_resubmission_limit_and_minimum_value(rulebook):
    assert decide(rulebook, prior=2).outcome is Outcome.AUTO_APPROVED
    decision = decide(rulebook, request(deal_value=1000.0), prior=3)
    assert decision.codes == ("resubmission.limit_reached", "auto.rejected")


def test_fuzzy_name_goes_to_a_person_with_the_score(rulebook):
    held = existing("r-1", "p-other", "Northwind Trading", "northwind-trading.net")
    decision = decide(rulebook, request(account="Northwind Traders", domain="nwt.io"), regs=[held])
    assert decision.outcome is Outcome.NEEDS_APPROVAL
    assert decision.codes == ("duplicate.fuzzy_match", "approval.required")
    (match,) = decision.matches
    assert match.registration_id == "r-1" and match.partner_id == "p-other"
    assert 0.8 <= match.similarity < 0.9
    assert decision.reasons[0].facts["holder"] == "p-other"


def test_own_duplicate_is_refused(rulebook):
    decision = decide(rulebook, regs=[existing("r-1", "p-acme", "Globex Corp")])
    assert decision.codes == ("duplicate.already_registered",)


def test_direct_engagement_after_submission_does_not_block(rulebook):
    later = DirectEngagement("Globex", "globex.com", None, T0 + timedelta(hours=1))
    assert decide(rulebook, direct=[later]).outcome is Outcome.AUTO_APPROVED


def test_direct_engagement_on_another_product_line_does_not_block(rulebook):
    other = DirectEngagement("Globex", "globex.com", "security", T0 - timedelta(days=3))
    assert decide(rulebook, direct=[other]).outcome is Outcome.AUTO_APPROVED


def test_route_policy_sends_direct_conflicts_to_people(rulebook):
    routed = changed(rulebook, **{"registration.conflict.direct_engagement": "route"})
    engaged = DirectEngagement("Globex Inc", "", "core-platform", T0 - timedelta(days=3))
    decision = decide(routed, direct=[engaged])
    assert decision.outcome is Outcome.NEEDS_APPROVAL
    assert decision.codes == ("conflict.direct_engaged", "approval.required")


def test_sequence_and_index_give_the_same_decision(rulebook):
    regs = [
        existing("r-1", "p-other", "Globex Corp"),
        existing("r-2", "p-third", "Initech", "initech.com"),
        existing("r-3", "p-fourth", "Globex", state=RegistrationStanding.CLOSED_LOST),
    ]
    facts_seq = RegistrationFacts(partner=partner(), existing=regs)
    assert decide_registration(rulebook, request(), facts_seq, T0) == decide(rulebook, regs=regs)


def test_partner_mismatch_is_a_programming_error(rulebook):
    with pytest.raises(ValueError, match="facts are for partner"):
        decide(rulebook, who=partner("p-someone-else"))


def test_auto_reject_switches_send_refusals_to_people_instead(rulebook):
    lenient = changed(
        rulebook, **{"registration.auto_reject.ineligible": False, "registration.auto_reject.conflict": False}
    )
    decision = decide(lenient, who=partner(territories=("canada",)), regs=[existing("r-1", "p-other")])
    assert decision.outcome is Outcome.NEEDS_APPROVAL
    assert decision.codes == (
        "eligibility.territory_not_authorised",
        "conflict.first_to_register",
        "approval.required",
    )
    assert decision.path is not None
    assert decision.path.steps[0].roles == ("channel_account_manager",)


def test_switching_off_auto_approval_routes_everything(rulebook):
    manual = changed(rulebook, **{"registration.auto_approve.enabled": False})
    decision = decide(manual)
    assert decision.outcome is Outcome.NEEDS_APPROVAL
    assert "automatic approval is switched off" in decision.reasons[0].text
