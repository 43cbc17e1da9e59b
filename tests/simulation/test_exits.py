"""Partner exits in the sandbox: drawn at their rate, disposed of as ``rules.exit_plan`` says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from rules import exit_plan, parse_rulebook
from rules.enums import Disposition, ExitType
from simulation.channel import generate_channel
from simulation.exits import draw_exits
from simulation.ledger import ExitFate, Fate
from simulation.model import ProgramModel
from simulation.runner import from_texts, run_local, summarise
from simulation.scenario import ScenarioInvalid, check_against, default_scenario, parse_scenario
from tests.simulation.conftest import dump

YEAR = 365 * 86_400.0
# What the ledger records for each of the rules' dispositions.
RECORDED = {
    Disposition.HONOUR_UNTIL_EXPIRY: {ExitFate.HONOURED},
    Disposition.TRANSFER: {ExitFate.TRANSFERRED, ExitFate.UNCLAIMED},
    Disposition.RETURN_TO_DIRECT: {ExitFate.RETURNED},
}


def _leaving(scenario: dict[str, Any], rate: float, **types: float) -> dict[str, Any]:
    """Every tier leaves at ``rate`` a year, by the given mix; the exit approver always agrees."""
    scenario["exits"] = {
        "per_year": dict.fromkeys(scenario["channel"]["tiers"], rate),
        "types": {"voluntary": 0.0, "for_cause": 0.0, "program_change": 0.0, **types},
    }
    scenario["approvers"]["vp_channel"]["approve_rate"] = 1.0
    return scenario


def _model(scenario: dict[str, Any], rulebook_text: str, seed: int = 5) -> ProgramModel:
    parsed = parse_scenario(scenario)
    model = ProgramModel(parse_rulebook(rulebook_text), parsed, generate_channel(parsed, seed, 0))
    model.run()
    return model


def test_exits_are_drawn_at_their_tiers_yearly_rate(tiny_scenario: dict[str, Any]) -> None:
    tiny_scenario["horizon"] = "365d"
    tiny_scenario["exits"] = {"per_year": {"registered": 0.2, "gold": 1.0}}
    scenario = parse_scenario(tiny_scenario)
    tiers = ["registered"] * 3000 + ["silver"] * 1000 + ["gold"] * 1000
    draws = draw_exits(scenario, tiers, np.random.default_rng(11))
    left = np.isfinite(np.array(draws.at))
    assert left[:3000].mean() == pytest.approx(1 - np.exp(-0.2), abs=0.025)
    assert not left[3000:4000].any()  # a tier without a rate never leaves
    assert left[4000:].mean() == pytest.approx(1 - np.exp(-1.0), abs=0.04)
    kinds = [k for k in draws.exit_type if k is not None]
    assert len(kinds) == int(left.sum())
    assert kinds.count(ExitType.VOLUNTARY) / len(kinds) == pytest.approx(0.6, abs=0.05)


def test_every_drawn_exit_starts_and_the_default_scenario_has_some(
    tiny_scenario: dict[str, Any], default_rulebook_text: str
) -> None:
    shipped = default_scenario()
    assert shipped.exits.happen()
    check_against(shipped, parse_rulebook(default_rulebook_text))
    model = _model(_leaving(tiny_scenario, 1.0, voluntary=1.0, for_cause=1.0), default_rulebook_text)
    drawn = sum(1 for t in model.channel.exits.at if np.isfinite(t))
    assert drawn > 5  # 30 partners over 150 days at one exit a partner-year: about ten
    ledger = model.ledger
    # A for-cause exit still before its approver at the horizon is neither given nor refused.
    assert drawn - 1 <= len(ledger.exits_given) + len(ledger.exits_refused) <= drawn


def test_a_for_cause_exit_returns_everything_to_direct(
    tiny_scenario: dict[str, Any], default_rulebook_text: str
) -> None:
    model = _model(_leaving(tiny_scenario, 2.0, for_cause=1.0), default_rulebook_text)
    fates = {ExitFate(f) for f in model.ledger.exit} - {ExitFate.NONE}
    assert fates == {ExitFate.RETURNED}
    returned = [row for row, f in enumerate(model.ledger.exit) if f == ExitFate.RETURNED]
    assert all(model.ledger.fate[row] == Fate.RETURNED for row in returned)
    # Direct sales now works each returned account: later registrations of it meet it.
    first = model.channel.requests[returned[0]]
    engaged = [e for es in model.engaged.values() for e in es]
    assert any(e.account_name == first.account_name and e.product_line == first.product_line for e in engaged)


@pytest.mark.parametrize("approved", ["honour_until_expiry", "transfer"])
def test_the_sandbox_disposes_of_each_registration_as_exit_plan_says(
    approved: str, tiny_scenario: dict[str, Any], variant: Callable[..., str]
) -> None:
    policy = {"notice": "10d", "access_revoked": "at_notice_end", "pending": "transfer",
              "approved": approved, "commission_wind_down": "30d", "mdf_wind_down": "1d"}  # fmt: skip
    rulebook = variant("short-notice", (("exit", "voluntary"), policy))
    model = _model(_leaving(tiny_scenario, 2.0, voluntary=1.0), rulebook)
    assert model.exits.records
    disposed = 0
    for record in model.exits.records:
        given = record.plan.notice_given_at
        assert exit_plan(model.rulebook, record.exit_type, record.open_registrations, given) == record.plan
        partner = model.partner_facts[record.partner].partner_id
        assert all(r.partner_id == partner for r in record.open_registrations)
        for d in record.plan.dispositions:
            assert ExitFate(model.ledger.exit[record.rows[d.registration_id]]) in RECORDED[d.disposition]
            disposed += 1
    assert disposed == sum(1 for f in model.ledger.exit if f != ExitFate.NONE)
    assert disposed > 5
    if approved == "transfer":
        # Most accounts have nobody else to take them; those that do pass to another partner.
        moved = [row for row, f in enumerate(model.ledger.exit) if f == ExitFate.TRANSFERRED]
        assert moved
        assert all(model.exits.holder[row] != model.channel.partner[row] for row in moved)


def test_returning_approved_registrations_to_direct_costs_the_channel_revenue(
    tiny_scenario: dict[str, Any], default_rulebook_text: str, variant: Callable[..., str]
) -> None:
    _leaving(tiny_scenario, 1.5, voluntary=1.0)
    tiny_scenario["horizon"] = "200d"
    policy = {"notice": "30d", "access_revoked": "at_notice_end", "pending": "return_to_direct",
              "approved": "honour_until_expiry", "commission_wind_down": "30d",
              "mdf_wind_down": "1d"}  # fmt: skip
    honour = variant("honour", (("exit", "voluntary"), policy))
    to_direct = variant("to-direct", (("exit", "voluntary"), {**policy, "approved": "return_to_direct"}))
    what_if = from_texts(honour, to_direct, dump(tiny_scenario), replications=2, seed=4)
    results = summarise(what_if, run_local(what_if, workers=1))
    kpis = {k["key"]: k for k in results["kpis"]}
    assert kpis["exits"]["difference"] == 0  # the same partners leave under both
    assert kpis["exit_honoured"]["baseline"] > 0 == kpis["exit_honoured"]["proposed"]
    assert kpis["exit_returned"]["difference"] == kpis["exit_honoured"]["baseline"]
    assert kpis["exit_value_to_direct"]["difference"] > 0
    assert kpis["exit_revenue_kept"]["proposed"] == 0 < kpis["exit_revenue_kept"]["baseline"]
    assert any(r["kind"] == "disposition" and r["cause"] == "exit" for r in results["decision_changes"])


def test_the_scenario_names_exit_tiers_and_staffs_the_exit_approver(
    tiny_scenario: dict[str, Any], default_rulebook_text: str
) -> None:
    tiny_scenario["exits"] = {"per_year": {"diamond": 0.1}, "types": {"for_cause": 1.0}}
    del tiny_scenario["approvers"]["vp_channel"]
    tiny_scenario["approvers"]["regional_channel_director"]["staff"] = 1
    with pytest.raises(ScenarioInvalid) as refused:
        check_against(parse_scenario(tiny_scenario), parse_rulebook(default_rulebook_text))
    paths = {p.path for p in refused.value.problems}
    assert {"exits.per_year.diamond", "approvers.vp_channel"} <= paths
    tiny_scenario["exits"]["types"] = {"voluntary": 0, "for_cause": 0, "program_change": 0}
    with pytest.raises(ScenarioInvalid) as refused:
        parse_scenario(tiny_scenario)
    assert [p.path for p in refused.value.problems] == ["exits.types"]
