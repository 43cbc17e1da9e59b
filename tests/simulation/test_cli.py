"""``parley simulate`` end to end on a tiny scenario, and its refusals naming the bad field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from parley.cli import cli
from tests.simulation.conftest import DEFAULT_RULEBOOK, dump


def test_simulate_writes_results_report_and_a_summary(
    tmp_path: Path, tiny_scenario: dict[str, Any], variant: Callable[..., str]
) -> None:
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(dump(tiny_scenario))
    proposed = tmp_path / "proposed.yaml"
    proposed.write_text(variant("cli-60d", (("registration", "protection_period"), "60d")))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "simulate", "--baseline", str(DEFAULT_RULEBOOK), "--proposed", str(proposed),
        "--scenario", str(scenario), "--replications", "2", "--seed", "5", "--workers", "2",
        "--out", str(out),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Registrations expired" in result.output and "95% CI" in result.output
    data = json.loads((out / "results.json").read_text())
    assert data["schema"] == "parley.simulation.results/1"
    assert data["run"]["replications"] == 2
    assert data["run"]["proposed"]["version"] == "cli-60d"
    html = (out / "report.html").read_text()
    assert "<svg" in html and "<script" not in html and "http://" not in html.replace(
        "http://www.w3.org", ""
    )


def test_bad_rulebook_is_refused_with_the_field_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        DEFAULT_RULEBOOK.read_text().replace("protection_period: 90d", "protection_period: -3d")
    )
    result = CliRunner().invoke(cli, [
        "simulate", "--baseline", str(DEFAULT_RULEBOOK), "--proposed", str(broken),
        "--out", str(tmp_path / "out"),
    ])  # fmt: skip
    assert result.exit_code == 1
    assert "registration.protection_period" in result.output
    assert not (tmp_path / "out").exists()


def test_bad_scenario_is_refused_with_the_field_named(
    tmp_path: Path, tiny_scenario: dict[str, Any]
) -> None:
    tiny_scenario["approvers"]["vp_channel"]["staf"] = 2
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(dump(tiny_scenario))
    result = CliRunner().invoke(cli, [
        "simulate", "--baseline", str(DEFAULT_RULEBOOK), "--proposed", str(DEFAULT_RULEBOOK),
        "--scenario", str(scenario), "--out", str(tmp_path / "out"),
    ])  # fmt: skip
    assert result.exit_code == 1
    assert "approvers.vp_channel.staf: unknown key" in result.output
