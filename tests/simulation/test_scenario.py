"""Scenario files are validated like rulebooks: every bad field is named, unknown keys refused."""

from __future__ import annotations

from typing import Any

import pytest

from rules import parse_rulebook
from simulation.scenario import (
    ScenarioInvalid,
    check_against,
    default_scenario,
    parse_scenario,
    scenario_from_text,
)
from tests.simulation.conftest import DEFAULT_RULEBOOK


def paths(exc: pytest.ExceptionInfo[ScenarioInvalid]) -> dict[str, str]:
    return {p.path: p.message for p in exc.value.problems}


def test_default_scenario_is_a_mid_size_program_of_one_year() -> None:
    scenario = default_scenario()
    assert 150 <= scenario.channel.partners <= 250
    assert scenario.horizon == 365 * 86_400
    check_against(scenario, parse_rulebook(DEFAULT_RULEBOOK.read_text()))


def test_every_problem_is_named_at_once(tiny_scenario: dict[str, Any]) -> None:
    tiny_scenario["channel"]["partnres"] = 3
    tiny_scenario["warm_up"] = "0d"
    tiny_scenario["approvers"]["finance"]["staff"] = 0
    tiny_scenario["approvers"]["finance"]["weekdays"] = ["mon", "funday"]
    tiny_scenario["deals"]["cycle_time"]["median"] = "soon"
    with pytest.raises(ScenarioInvalid) as exc:
        parse_scenario(tiny_scenario)
    found = paths(exc)
    assert found["channel.partnres"].startswith("unknown key")
    assert "greater than zero" in found["warm_up"]
    assert "greater than or equal to 1" in found["approvers.finance.staff"]
    assert "funday" in found["approvers.finance.weekdays"]
    assert "not a duration" in found["deals.cycle_time.median"]


def test_warm_up_must_end_before_the_horizon(tiny_scenario: dict[str, Any]) -> None:
    tiny_scenario["warm_up"] = "200d"
    with pytest.raises(ScenarioInvalid) as exc:
        parse_scenario(tiny_scenario)
    assert "shorter than the horizon" in paths(exc)["warm_up"]


def test_start_needs_a_time_zone(tiny_scenario: dict[str, Any]) -> None:
    tiny_scenario["start"] = "2026-01-05T00:00:00"
    with pytest.raises(ScenarioInvalid) as exc:
        parse_scenario(tiny_scenario)
    assert "timezone" in paths(exc)["start"]


def test_not_yaml_is_refused() -> None:
    with pytest.raises(ScenarioInvalid) as exc:
        scenario_from_text("name: [unclosed")
    assert "<file>" in paths(exc)


def test_vocabulary_and_staffing_are_checked_against_the_rulebook(
    tiny_scenario: dict[str, Any],
) -> None:
    tiny_scenario["channel"]["tiers"]["diamond"] = 0.1
    del tiny_scenario["approvers"]["vp_channel"]
    scenario = parse_scenario(tiny_scenario)
    with pytest.raises(ScenarioInvalid) as exc:
        check_against(scenario, parse_rulebook(DEFAULT_RULEBOOK.read_text()), "proposed")
    found = paths(exc)
    assert "not in proposed rulebook" in found["channel.tiers.diamond"]
    assert "does not staff it" in found["approvers.vp_channel"]


def test_revision_and_renewal_parameters_are_checked(tiny_scenario: dict[str, Any]) -> None:
    discounts = tiny_scenario["deals"]["discounts"]
    discounts["revision_rate"] = 1.5
    discounts["revision_after"] = {"median": "never", "sigma": 1.0}
    discounts["renewal_rat"] = 0.5
    with pytest.raises(ScenarioInvalid) as exc:
        parse_scenario(tiny_scenario)
    found = paths(exc)
    assert "less than or equal to 1" in found["deals.discounts.revision_rate"]
    assert "not a duration" in found["deals.discounts.revision_after.median"]
    assert found["deals.discounts.renewal_rat"].startswith("unknown key")


def test_the_default_scenario_revises_and_renews() -> None:
    discounts = default_scenario().deals.discounts
    assert 0 < discounts.revision_rate < 1 and 0 < discounts.renewal_rate < 1
    assert discounts.revision_after.median == 3 * 86_400
