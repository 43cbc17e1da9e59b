from datetime import timedelta

import pytest

from rules import DiscountRequest, decide_discount, load_rulebook, quote_valid_until, standard_discount
from rules.approval import start
from rules.discount import StandingApproval, revision_reasons, standing_roles
from tests.rules.helpers import DEFAULT, T0

DESK, VP, FIN = "deal_desk", "vp_channel", "finance"


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(DEFAULT)


def chain(decision):
    return [step.roles for step in decision.path.chain] if decision.path else []


@pytest.mark.parametrize(
    ("discount", "deal", "expected", "codes"),
    [
        (0.0, 50_000, [], ["discount.within_standard"]),
        (0.08, 50_000, [], ["discount.automatic_band"]),
        (0.10, 50_000, [], ["discount.automatic_band"]),
        (0.15, 50_000, [(DESK,)], ["discount.approval_required"]),
        (0.25, 50_000, [(DESK, FIN)], ["discount.approval_required"]),
        (0.25, 600_000, [(DESK, FIN)], ["discount.approval_required"]),
        (0.35, 50_000, [(DESK, FIN), (VP,)], ["discount.approval_required"]),
        # deal-size bumps: one band up from 1M, two from 2.5M; automatic band stays automatic
        (0.15, 1_200_000, [(DESK, FIN)], ["discount.approval_required", "discount.deal_size_bump"]),
        (0.15, 2_500_000, [(DESK, FIN), (VP,)], ["discount.approval_required", "discount.deal_size_bump"]),
        (0.05, 2_500_000, [], ["discount.automatic_band"]),
        (0.45, 2_500_000, [(DESK, FIN), (VP,)], ["discount.approval_required"]),
    ],
)
def test_ladder(rulebook, discount, deal, expected, codes):
    decision = decide_discount(rulebook, DiscountRequest("gold", deal, discount, "meet competitor X"), T0)
    assert chain(decision) == expected
    assert [r.code for r in decision.reasons] == codes
    assert decision.automatic is (not expected)
    assert not decision.refused
    assert decision.rulebook_version == "2026.1"


def test_automatic_pricing_is_valid_for_thirty_days(rulebook):
    decision = decide_discount(rulebook, DiscountRequest("silver", 10_000, 0.05), T0)
    assert decision.valid_until == T0 + timedelta(days=30)
    assert quote_valid_until(rulebook, T0) == T0 + timedelta(days=30)


def test_approval_chain_carries_slas_and_escalation(rulebook):
    decision = decide_discount(rulebook, DiscountRequest("silver", 10_000, 0.25, "competitor"), T0)
    assert decision.path is not None
    assert [s.sla_seconds for s in decision.path.chain] == [86400.0]
    assert decision.valid_until is None
    escalations = [s for s in decision.path.steps if s.escalation]
    assert [(s.roles, s.sla_seconds) for s in escalations] == [(("vp_channel",), 86400.0)]
    assert decision.path.default_action == "reject"
    assert decision.approvals == 2 and decision.band == 2


def test_justification_required_above_twenty_percent(rulebook):
    decision = decide_discount(rulebook, DiscountRequest("gold", 10_000, 0.25, "  "), T0)
    assert decision.refused and not decision.automatic
    assert decision.reasons[0].code == "discount.justification_required"
    assert chain(decision) == [(DESK, FIN)]  # still says who would decide
    ok = decide_discount(rulebook, DiscountRequest("gold", 10_000, 0.20, ""), T0)
    assert not ok.refused


def test_above_the_matrix_is_refused(rulebook):
    decision = decide_discount(rulebook, DiscountRequest("gold", 10_000, 0.6, "x"), T0)
    assert decision.refused
    assert [r.code for r in decision.reasons] == ["discount.above_maximum"]


def test_standard_pricing_is_tier_plus_volume(rulebook):
    assert standard_discount(rulebook, "gold", 50_000) == pytest.approx(0.15)
    assert standard_discount(rulebook, "gold", 600_000) == pytest.approx(0.19)
    decision = decide_discount(rulebook, DiscountRequest("gold", 600_000, 0.05), T0)
    assert decision.total_discount == pytest.approx(0.24)
    with pytest.raises(ValueError, match="unknown partner tier"):
        standard_discount(rulebook, "diamond", 1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        decide_discount(rulebook, DiscountRequest("gold", 1, -0.1), T0)


def _decide(rulebook, discount, deal=50_000):
    return decide_discount(rulebook, DiscountRequest("gold", deal, discount, "meet competitor X"), T0)


def test_a_revision_asks_again_only_those_whose_approval_it_goes_beyond(rulebook):
    approved_at_25 = [StandingApproval(DESK, 0.25, 2), StandingApproval(FIN, 0.25, 2)]
    # Lower: everything stands, nothing to ask (the path is approved at once).
    lower = _decide(rulebook, 0.15)
    assert standing_roles(approved_at_25, lower, 0.15) == {DESK, FIN}
    assert start(lower.path, 0.0, standing_roles(approved_at_25, lower, 0.15)).end == "approved"
    assert [r.code for r in revision_reasons(approved_at_25, lower, 0.15)] == ["discount.revision_covered"]
    # Deeper, same band: both approved only 25%, so both are asked again.
    deeper = _decide(rulebook, 0.28)
    assert standing_roles(approved_at_25, deeper, 0.28) == frozenset()
    # Deeper into the next band: deal desk and finance again, then the VP who was never asked.
    deepest = _decide(rulebook, 0.35)
    [why] = revision_reasons(approved_at_25, deepest, 0.35)
    assert why.code == "discount.revision_reapproval"
    assert "deal_desk (approved up to 25.0% in band 2)" in why.text
    assert "vp_channel (not asked before)" in why.text
    # A bigger deal that crosses a bump: the band rises, so approvals of the lower band lapse.
    bigger = _decide(rulebook, 0.25, deal=1_200_000)
    assert bigger.band == 3 and standing_roles(approved_at_25, bigger, 0.25) == frozenset()


def test_standing_approvals_carry_step_by_step(rulebook):
    # Deal desk and finance approved 35% (band 3) before the VP was asked; a revision to 32%
    # keeps their step and asks only the VP.
    given = [StandingApproval(DESK, 0.35, 3), StandingApproval(FIN, 0.35, 3)]
    revised = _decide(rulebook, 0.32)
    carried = standing_roles(given, revised, 0.32)
    position = start(revised.path, 0.0, carried)
    assert position.end is None and revised.path.steps[position.step].roles == (VP,)
    [why] = revision_reasons(given, revised, 0.32)
    assert "vp_channel (not asked before)" in why.text and "deal_desk, finance still stand" in why.text


def test_a_rulebook_pinned_before_the_quote_reminder_existed_still_loads(rulebook):
    from rules.schema import Rulebook

    document = rulebook.model_dump(mode="json")
    del document["discount"]["reminder_lead_time"]
    older = Rulebook.model_validate(document)
    assert older.discount.reminder_lead_time is None
    document["discount"]["reminder_lead_time"] = "40d"
    with pytest.raises(ValueError, match="reminder_lead_time"):
        Rulebook.model_validate(document)
