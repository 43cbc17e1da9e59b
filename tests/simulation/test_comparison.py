"""Paired comparisons: reproducible to the byte, zero for identical rulebooks, directions right."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rules import parse_rulebook
from rules.known_accounts import AccountNeighbours
from simulation.channel import generate_channel
from simulation.model import account_neighbours, simulate
from simulation.replication import ReplicationInput, run_replication
from simulation.runner import from_texts, run_local, summarise, write_outputs
from simulation.scenario import parse_scenario
from tests.simulation.conftest import dump


def run(baseline: str, proposed: str, scenario: dict[str, Any], reps: int = 3,
        workers: int = 1, seed: int = 11) -> dict[str, Any]:  # fmt: skip
    what_if = from_texts(baseline, proposed, dump(scenario), replications=reps, seed=seed)
    return summarise(what_if, run_local(what_if, workers))


def kpi(results: dict[str, Any], key: str) -> dict[str, Any]:
    return next(k for k in results["kpis"] if k["key"] == key)


def test_same_seed_gives_byte_identical_outputs_whatever_the_workers(
    tmp_path: Path, tiny_scenario: dict[str, Any], default_rulebook_text: str,
    variant: Callable[..., str],
) -> None:  # fmt: skip
    proposed = variant("shorter", (("registration", "protection_period"), "45d"))
    one = run(default_rulebook_text, proposed, tiny_scenario, reps=3, workers=1)
    two = run(default_rulebook_text, proposed, tiny_scenario, reps=3, workers=2)
    write_outputs(one, tmp_path / "a")
    write_outputs(two, tmp_path / "b")
    for name in ("results.json", "report.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    other_seed = run(default_rulebook_text, proposed, tiny_scenario, reps=3, seed=12)
    assert other_seed["per_replication"] != one["per_replication"]


def test_identical_rulebooks_give_exactly_zero_differences(
    tiny_scenario: dict[str, Any], default_rulebook_text: str
) -> None:
    results = run(default_rulebook_text, default_rulebook_text, tiny_scenario, reps=3)
    assert results["decision_changes"] == []
    assert results["attribution"] == []
    for entry in results["kpis"]:
        assert entry["difference"] in (0.0, None), entry
        assert entry["verdict"] == "unchanged" or entry["difference"] is None


def test_both_rulebooks_see_the_same_leads(tiny_scenario: dict[str, Any]) -> None:
    scenario = parse_scenario(tiny_scenario)
    a, b = generate_channel(scenario, 5, 2), generate_channel(scenario, 5, 2)
    assert a.arrival == b.arrival and a.company_name == b.company_name
    assert (a.handling_z == b.handling_z).all()
    assert generate_channel(scenario, 5, 3).arrival != a.arrival
    # Changing how deals behave leaves who registers what, and when, untouched (own streams).
    tiny_scenario["deals"]["win_rate"] = 0.9
    tiny_scenario["deals"]["discounts"]["exception_rate"] = 0.9
    c = generate_channel(parse_scenario(tiny_scenario), 5, 2)
    assert c.arrival == a.arrival and c.account == a.account and c.cycle == a.cycle


def test_more_approvers_lower_latency(
    tiny_scenario: dict[str, Any], default_rulebook_text: str
) -> None:
    def latency(staff: int) -> float:
        tiny_scenario["approvers"]["channel_account_manager"]["staff"] = staff
        tiny_scenario["approvers"]["channel_account_manager"]["handling"]["median"] = "5h"
        total = 0.0
        for r in range(2):
            result = run_replication(ReplicationInput(
                default_rulebook_text, default_rulebook_text, dump(tiny_scenario), 3, r))  # fmt: skip
            total += result.baseline["approval_latency_p50"] or 0.0
        return total

    assert latency(4) < latency(1)


def test_shorter_sla_escalates_more(
    tiny_scenario: dict[str, Any], default_rulebook_text: str, variant: Callable[..., str]
) -> None:
    tight = variant("tight", (("registration", "approval_route"), [
        {"role": "channel_account_manager", "sla": "4h"},
        {"role": "regional_channel_director", "sla": "4h"},
        {"role": "vp_channel", "sla": "4h"},
    ]))  # fmt: skip
    results = run(default_rulebook_text, tight, tiny_scenario)
    assert kpi(results, "escalations.level_1")["difference"] > 0
    assert kpi(results, "sla_breach_rate")["verdict"] == "worse"


def test_shorter_protection_expires_more_and_says_why(
    tiny_scenario: dict[str, Any], default_rulebook_text: str, variant: Callable[..., str]
) -> None:
    short = variant("short", (("registration", "protection_period"), "20d"),
                    (("registration", "reminder_lead_time"), "5d"),
                    (("registration", "extensions", "request_window"), "10d"))  # fmt: skip
    results = run(default_rulebook_text, short, tiny_scenario)
    expired = kpi(results, "expired")
    assert expired["difference"] > 0 and expired["verdict"] == "worse"
    assert "registration.protection_period: 90 days → 20 days" in results["rule_changes"]
    why = next(a for a in results["attribution"] if a["kpi"] == "expired")
    assert any("→ expired" not in s and "to expired" in s and "protection" in s
               for s in why["because"])  # fmt: skip


def test_rule_changes_reach_the_model_through_the_shared_decisions(
    tiny_scenario: dict[str, Any], default_rulebook_text: str, variant: Callable[..., str]
) -> None:
    """Loosen auto-approval and the discount ladder: the sandbox follows what rules decide."""
    looser = variant(
        "looser",
        (("registration", "auto_approve", "min_tier"), "registered"),
        (("discount", "matrix"), [
            {"max_discount": 0.30, "steps": []},
            {"max_discount": 0.50, "steps": [{"roles": ["regional_channel_director"], "sla": "24h"}]},
        ]),
    )  # fmt: skip
    results = run(default_rulebook_text, looser, tiny_scenario)
    assert kpi(results, "auto_decision_rate")["verdict"] == "better"
    assert kpi(results, "utilisation.channel_account_manager")["difference"] < 0
    assert any(r["kind"] == "discount" and r["to"] == "automatic" and r["cause"] == "discount"
               for r in results["decision_changes"])  # fmt: skip
    assert "registration.auto_approve.min_tier: silver → registered" in results["rule_changes"]


def test_a_longer_quote_validity_lapses_fewer_quotes(
    tiny_scenario: dict[str, Any], default_rulebook_text: str, variant: Callable[..., str]
) -> None:
    longer = variant("longer-quotes", (("discount", "quote_validity"), "90d"))
    results = run(default_rulebook_text, longer, tiny_scenario)
    expiries, renewals = kpi(results, "quote_expiries"), kpi(results, "quote_renewals")
    assert expiries["baseline"] > 0
    assert expiries["difference"] < 0 and expiries["verdict"] == "better"
    assert renewals["difference"] < 0
    assert "discount.quote_validity: 30 days → 90 days" in results["rule_changes"]
    assert any(r["kind"] == "discount" and r["from"] == "quote lapsed" and r["cause"] == "discount"
               for r in results["decision_changes"])  # fmt: skip


def test_an_account_table_built_for_a_stricter_rulebook_is_refused(
    tiny_scenario: dict[str, Any], default_rulebook_text: str
) -> None:
    """A table whose floor is above the rulebook's review threshold would hide review-level
    matches, so the model refuses it and names the setting."""
    scenario = parse_scenario(tiny_scenario)
    rulebook = parse_rulebook(default_rulebook_text)
    channel = generate_channel(scenario, 7, 0)
    strict = AccountNeighbours(zip(channel.company_name, channel.domain, strict=True), 0.95)
    with pytest.raises(ValueError, match=r"registration\.conflict\.name_review_threshold 0\.8"):
        simulate(rulebook, scenario, channel, strict)
    assert simulate(rulebook, scenario, channel, account_neighbours(channel, rulebook)).final
