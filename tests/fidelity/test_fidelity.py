"""Issue 21: one lead stream through the live workers and through the sandbox, compared lead by
lead, with the discount exceptions its deals ask for and the disputes of its refusals; identical
rule decisions, the live KPIs inside the sandbox's interval over replications of the channel, and
a rulebook altered on one side only (a registration and a discount threshold) is caught."""

from __future__ import annotations

from pathlib import Path

import yaml

from simulation.fidelity.compare import DiscountVerdict, Verdict
from simulation.fidelity.harness import Plan, run
from simulation.fidelity.kpis import failed, table
from tests.fixtures_temporal import TemporalServer

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "rulebooks" / "default.yaml"


def test_live_and_sandbox_decide_every_lead_alike(temporal_server: TemporalServer, tmp_path: Path) -> None:
    # Every contestable refusal disputed: the scenario's share (0.3) leaves one or two on this run.
    plan = Plan(DEFAULT, partners=40, days=14, replications=5, dispute_share=1.0)
    outcome = run(plan, temporal_server.address, tmp_path)
    assert outcome.unsettled == 0, outcome.summary()
    assert not outcome.differences, "\n".join(
        [outcome.summary(), *(d.describe() for d in outcome.differences)]
    )
    verdicts = list(outcome.live.values())
    assert outcome.leads >= 80, outcome.summary()
    # The sample exercises every kind of decision the comparison covers.
    assert {v.decided_by for v in verdicts} >= {"rule", "person"}, outcome.summary()
    assert {v.outcome for v in verdicts} == {"approved", "rejected"}, outcome.summary()
    assert any(v.level for v in verdicts), "no approval escalated"
    assert any("conflict.direct_engaged" in v.codes for v in verdicts), "no lead met direct sales"
    # Every discount exception the scenario asks for on an approved registration, decided alike.
    assert not outcome.undecided and not outcome.errors, outcome.summary()
    assert not outcome.discount_differences, "\n".join(
        [outcome.summary(), *(d.describe() for d in outcome.discount_differences)]
    )
    discounts = list(outcome.discounts.values())
    assert len(discounts) >= 15, outcome.summary()
    assert {d.decided_by for d in discounts} >= {"rule", "person"}, outcome.summary()
    assert any(d.step is not None and d.outcome == "approved" for d in discounts), outcome.summary()
    # Every dispute of a refusal, heard alike: resolution, level, who decided, both registrations.
    assert not outcome.unresolved and not outcome.dispute_errors, outcome.summary()
    assert not outcome.dispute_differences, "\n".join(
        [outcome.summary(), *(d.describe() for d in outcome.dispute_differences)]
    )
    disputes = list(outcome.disputes.values())
    assert len(disputes) >= 3, outcome.summary()
    assert all(d.decided_by for d in disputes), outcome.summary()
    # Target 3: every KPI held is inside the interval one sandbox run of the channel falls in,
    # when the bots kept the scenario's times (no answer reached its workflow after the deadline).
    assert outcome.kpis_judged, "\n".join(["bot answers arrived late:", *outcome.late])
    held = {c.kpi.key for c in outcome.kpis if c.held and c.inside is not None}
    assert held >= {"approved_rate", "auto_decision_rate", "sla_breach_rate"}, table(outcome.kpis)
    assert not failed(outcome.kpis), table(outcome.kpis)


def test_a_threshold_changed_on_one_side_is_caught(temporal_server: TemporalServer, tmp_path: Path) -> None:
    document = yaml.safe_load(DEFAULT.read_text())
    document["registration"]["auto_approve"]["max_deal_value"] = 50_000  # sandbox: 250000
    document["discount"]["matrix"][0]["max_discount"] = 0.15  # sandbox: 0.10
    altered = tmp_path / "altered.yaml"
    altered.write_text(yaml.safe_dump(document, sort_keys=False))
    plan = Plan(DEFAULT, live_rulebook=altered, partners=30, days=4)
    outcome = run(plan, temporal_server.address, tmp_path)
    assert outcome.differences, outcome.summary()
    for difference in outcome.differences:
        assert isinstance(difference.sandbox, Verdict) and isinstance(difference.live, Verdict)
        # Auto-approved in the sandbox, sent to people live: the altered threshold, nothing else.
        assert difference.sandbox.decided_by == "rule" and difference.sandbox.outcome == "approved"
        assert difference.live.level is not None, difference.describe()
        assert "codes" in difference.fields, difference.describe()
    # Exceptions of 10-15% are automatic live, sent to the deal desk in the sandbox; any other
    # request differs only with its lead's registration.
    differing = {d.lead for d in outcome.differences}
    automatic = 0
    for difference in outcome.discount_differences:
        live, sandbox = difference.live, difference.sandbox
        if not (isinstance(live, DiscountVerdict) and isinstance(sandbox, DiscountVerdict)):
            assert difference.lead in differing, difference.describe()
            continue
        assert live.decided_by == "rule" and live.step is None, difference.describe()
        assert sandbox.step is not None and "codes" in difference.fields, difference.describe()
        automatic += 1
    assert automatic, outcome.summary()
