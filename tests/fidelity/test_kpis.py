"""The KPI comparison's pieces without a live run: the approvers' dice of a replication, the live
registrations read back as a ledger, and the intervals."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from rules import load_rulebook
from simulation.channel import generate_channel
from simulation.fidelity.inputs import fidelity_scenario
from simulation.fidelity.kpis import COMPARED, LiveDiscount, LiveRow, check, live_ledger, with_approvers_of
from simulation.kpis import compute
from simulation.ledger import DecidedBy, DiscountFate, Final, First
from simulation.model import simulate
from simulation.scenario import default_scenario

ROOT = Path(__file__).resolve().parents[2]
RULEBOOK = load_rulebook(ROOT / "rulebooks" / "default.yaml")
SCENARIO = fidelity_scenario(default_scenario(), partners=20, days=10)
_OUTCOME = {Final.APPROVED: "approved", Final.REJECTED: "rejected", Final.PENDING: "pending"}
_BY = {DecidedBy.RULE: "rule", DecidedBy.PERSON: "person", DecidedBy.DEFAULT: "default", DecidedBy.NOBODY: ""}


def test_replication_zero_gives_back_the_channels_own_dice() -> None:
    channel = generate_channel(SCENARIO, 7, 0)
    same = with_approvers_of(channel, 7, 0)
    assert np.array_equal(same.handling_z, channel.handling_z)
    assert np.array_equal(same.approve_u, channel.approve_u)
    other = with_approvers_of(channel, 7, 1)
    assert other.arrival == channel.arrival and other.company_name == channel.company_name
    assert not np.array_equal(other.handling_z, channel.handling_z)


def test_registrations_read_back_as_a_ledger_give_the_sandboxs_figures() -> None:
    """A sandbox run's rows written as the live run's give the same KPIs: the live ledger fills
    every column the compared KPIs read, as the model does."""
    channel = generate_channel(SCENARIO, 7, 0)
    horizon = SCENARIO.horizon + 10 * 86_400.0
    ledger = simulate(RULEBOOK, SCENARIO.model_copy(update={"horizon": horizon}), channel)
    rows = [
        LiveRow(
            submitted=ledger.arrival[i],
            decided=None if math.isnan(ledger.decided_at[i]) else ledger.decided_at[i],
            outcome=_OUTCOME[Final(ledger.final[i])],
            decided_by=_BY[DecidedBy(ledger.decided_by[i])],
            codes=ledger.codes[i],
            reviewed=ledger.first[i] == First.NEEDS_APPROVAL,
            lapsed=ledger.breaches[i],
        )
        for i in range(channel.leads)
    ]
    discounts = {
        i: LiveDiscount(
            asked=ledger.discount_asked_at[i],
            decided=None if math.isnan(ledger.discount_decided_at[i]) else ledger.discount_decided_at[i],
            reviewed=ledger.discount_reviewed[i],
            fate=DiscountFate(ledger.discount_fate[i]),
        )
        for i in range(channel.leads)
        if ledger.discount_fate[i] != DiscountFate.NONE
    }
    levels = len(RULEBOOK.registration.approval_route)
    sandbox = compute(ledger, levels)
    live = compute(live_ledger(rows, channel, SCENARIO, discounts), levels)
    keys = [*COMPARED, *(f"escalations.level_{k}" for k in range(1, levels + 1))]
    assert {k: live[k] for k in keys} == {k: sandbox[k] for k in keys}
    assert sandbox["approved_rate"] > 0 and sandbox["approval_latency_p50"] > 0
    assert sandbox["discount_latency_p50"] > 0


def test_one_run_is_held_against_the_interval_one_run_falls_in() -> None:
    levels = 3
    sandbox = [{k: float(v) for k in (*COMPARED, "escalations.level_1", "escalations.level_2",
                                     "escalations.level_3")} for v in (1, 2, 3, 4)]  # fmt: skip
    live = {k: 5.0 for k in sandbox[0]}
    by_key = {c.kpi.key: c for c in check(live, sandbox, levels)}
    c = by_key["approved_rate"]
    assert c.mean == 2.5 and c.replications == 4
    assert c.mean_low is not None and c.mean_high is not None and c.run_low is not None
    assert c.run_high is not None and c.mean_high < 5.0 < c.run_high
    assert math.isclose(c.run_high - 2.5, (c.mean_high - 2.5) * math.sqrt(5))
    assert c.inside is True
    constant = check({**live, "approved_rate": 2.0}, [{**s, "approved_rate": 2.0} for s in sandbox], levels)
    assert next(x for x in constant if x.kpi.key == "approved_rate").inside is True
    moved = check({**live, "approved_rate": 2.5}, [{**s, "approved_rate": 2.0} for s in sandbox], levels)
    assert next(x for x in moved if x.kpi.key == "approved_rate").inside is False
