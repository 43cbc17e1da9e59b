"""The harness's shared inputs: the scaled rulebook is the source one on a faster clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from rules import load_rulebook
from simulation.fidelity.inputs import QUOTE_AFTER, Clock, fidelity_scenario, scaled_rulebook
from simulation.scenario import default_scenario

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "rulebooks" / "default.yaml"
SCALE = 21_600.0


def _in_seconds(value: object, scale: float) -> object:
    """A dumped rulebook with every duration in seconds times ``scale`` and no version."""
    if isinstance(value, timedelta):
        return round(value.total_seconds() * scale, 3)
    if isinstance(value, dict):
        return {k: _in_seconds(v, scale) for k, v in value.items() if k != "version"}
    if isinstance(value, list | tuple):
        return [_in_seconds(v, scale) for v in value]
    return value


def test_scaled_rulebook_differs_only_in_durations_and_version(tmp_path: Path) -> None:
    (tmp_path / "fast.yaml").write_text(scaled_rulebook(DEFAULT.read_text(), SCALE))
    source, scaled = load_rulebook(DEFAULT), load_rulebook(tmp_path / "fast.yaml")
    assert scaled.version == f"{source.version}-fidelity"
    assert scaled.registration.approval_route[0].sla == source.registration.approval_route[0].sla / SCALE
    assert _in_seconds(scaled.model_dump(), SCALE) == _in_seconds(source.model_dump(), 1.0)


def test_fidelity_scenario_keeps_registrations_discount_requests_and_disputes() -> None:
    base = default_scenario()
    scenario = fidelity_scenario(base, partners=12, days=10)
    assert scenario.channel.partners == 12
    assert scenario.horizon == 10 * 86_400
    assert scenario.disputes == base.disputes and not scenario.exits.happen()
    assert fidelity_scenario(base, partners=12, days=10, dispute_share=1.0).disputes.share == 1.0
    assert scenario.deals.extension_request_rate == 0
    discounts = scenario.deals.discounts
    assert discounts.exception_rate == base.deals.discounts.exception_rate
    assert discounts.depth == base.deals.discounts.depth
    assert discounts.revision_rate == 0 and discounts.renewal_rate == 0
    assert scenario.deals.cycle_time.median > 10 * scenario.horizon
    # The quote comes QUOTE_AFTER after approval in the median, well inside the run.
    quote = discounts.quote_after_share_of_cycle * scenario.deals.cycle_time.median
    assert quote == QUOTE_AFTER


def test_clock_maps_both_ways() -> None:
    clock = Clock(default_scenario().start, datetime(2030, 1, 1, tzinfo=UTC), 3600.0)
    assert clock.simulated(clock.live(86_400.0)) == 86_400.0
    assert clock.live(7200.0) == datetime(2030, 1, 1, 0, 0, 2, tzinfo=UTC)
