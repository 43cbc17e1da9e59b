from datetime import timedelta

import pytest

from rules import DiscountRequest, decide_discount, load_rulebook, quote_valid_until, standard_discount
from tests.rules.helpers import DEFAULT, T0

RCD, VP, FIN = "regional_channel_director", "vp_channel", "finance"


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
        (0.15, 50_000, [(RCD,)], ["discount.approval_required"]),
        (0.25, 50_000, [(RCD,), (VP,)], ["discount.approval_required"]),
        (0.35, 50_000, [(RCD,), (VP, FIN)], ["discount.approval_required"]),
        # deal-size bumps: one band up from 500k, two from 2M; automatic band stays automatic
        (0.15, 600_000, [(RCD,), (VP,)], ["discount.approval_required", "discount.deal_size_bump"]),
        (0.15, 2_500_000, [(RCD,), (VP, FIN)], ["discount.approval_required", "discount.deal_size_bump"]),
        (0.05, 2_500_000, [], ["discount.automatic_band"]),
        (0.45, 2_500_000, [(RCD,), (VP, FIN)], ["discount.approval_required"]),
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
    assert [s.sla_seconds for s in decision.path.chain] == [86400.0, 172800.0]
    assert decision.valid_until is None
    escalations = [s for s in decision.path.steps if s.escalation]
    assert [(s.roles, s.sla_seconds) for s in escalations] == [
        (("vp_channel",), 86400.0),
        (("vp_channel",), 172800.0),
    ]
    assert decision.path.default_action == "reject"
    assert decision.approvals == 2


def test_justification_required_above_twenty_percent(rulebook):
    decision = decide_discount(rulebook, DiscountRequest("gold", 10_000, 0.25, "  "), T0)
    assert decision.refused and not decision.automatic
    assert decision.reasons[0].code == "discount.justification_required"
    assert chain(decision) == [(RCD,), (VP,)]  # still says who would decide
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
