"""A fixed-seed what-if checked against a stored expectation (tests/simulation/golden/).

A deliberate change to the model, the scenario generator or the shared rules moves these
figures: rerun with ``PARLEY_UPDATE_GOLDEN=1`` and review the diff of the JSON file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulation.runner import from_texts, run_local, summarise
from tests.simulation.conftest import dump

GOLDEN = Path(__file__).parent / "golden"
# The scenario sections set per stored expectation. Without disputes the run is the one from
# before they were modelled (their stream is drawn apart), so its other figures never moved; the
# tiny scenario has no exits (no ``exits`` section) except in the last.
CASES: dict[str, dict[str, Any]] = {
    "tiny_seed3_protection45d.json": {"disputes": {"share": 0.0}},
    "tiny_seed3_protection45d_disputes.json": {},  # the default dispute parameters
    "tiny_seed3_protection45d_exits.json": {  # and partners leaving, by the default mix
        "exits": {"per_year": {"registered": 1.0, "silver": 0.6, "gold": 0.3}},
    },
}


@pytest.mark.parametrize("name", CASES)
def test_fixed_seed_matches_the_stored_expectation(
    name: str, tiny_scenario: dict[str, Any], default_rulebook_text: str, variant: Callable[..., str]
) -> None:
    tiny_scenario.update(CASES[name])
    golden = GOLDEN / name
    proposed = variant("golden-45d", (("registration", "protection_period"), "45d"))
    what_if = from_texts(default_rulebook_text, proposed, dump(tiny_scenario),
                         replications=2, seed=3)  # fmt: skip
    results = summarise(what_if, run_local(what_if, workers=1))
    observed = {
        "leads_per_replication": results["run"]["leads_per_replication"],
        "kpis": {k["key"]: [k["baseline"], k["proposed"], k["difference"]] for k in results["kpis"]},
        "decision_changes": [[r["kind"], r["from"], r["to"], r["cause"], r["total"]]
                             for r in results["decision_changes"]],
    }  # fmt: skip
    if os.environ.get("PARLEY_UPDATE_GOLDEN") == "1":
        golden.write_text(json.dumps(observed, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert observed["leads_per_replication"] == expected["leads_per_replication"]
    assert observed["decision_changes"] == expected["decision_changes"]
    assert observed["kpis"].keys() == expected["kpis"].keys()
    for key, values in expected["kpis"].items():
        assert observed["kpis"][key] == pytest.approx(values, rel=1e-9, abs=1e-12, nan_ok=True), key
