"""One paired replication: the same synthetic channel run under both rulebooks.

Inputs and outputs are plain dataclasses of JSON types, so a replication runs the same way in a
local worker process and in a Temporal activity. Documents travel as YAML text and are parsed
(and cached) where the replication runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from rules import Rulebook, parse_rulebook
from simulation.attribution import compare
from simulation.channel import generate_channel
from simulation.kpis import HOUR, compute
from simulation.ledger import Final, First, Ledger
from simulation.model import account_neighbours, simulate
from simulation.scenario import Scenario, check_against, scenario_from_text

# Approval latency histogram edges, in hours (the last bin is open-ended).
LATENCY_EDGES: tuple[float, ...] = (0, 1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 144, 240, 480)


@dataclass(frozen=True)
class ReplicationInput:
    baseline: str  # rulebook YAML
    proposed: str  # rulebook YAML
    scenario: str  # scenario YAML
    seed: int
    replication: int


@dataclass
class ReplicationResult:
    replication: int
    leads: int
    baseline: dict[str, float | None]
    proposed: dict[str, float | None]
    # (kind, before, after, cause, cited, count): every way a registration was treated differently
    changes: list[tuple[str, str, str, str, str, int]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # one example text per reason code
    latency_baseline: list[int] = field(default_factory=list)  # counts per LATENCY_EDGES bin
    latency_proposed: list[int] = field(default_factory=list)


@lru_cache(maxsize=8)
def _rulebook(text: str) -> Rulebook:
    return parse_rulebook(text)


@lru_cache(maxsize=4)
def _scenario(text: str) -> Scenario:
    return scenario_from_text(text)


def route_levels(*rulebooks: Rulebook) -> int:
    """The longest registration approval route among the rulebooks compared."""
    return max(len(rb.registration.approval_route) for rb in rulebooks)


def _latency_histogram(ledger: Ledger) -> list[int]:
    a = ledger.arrays()
    human = (a["first"] == First.NEEDS_APPROVAL) & (a["final"] != Final.PENDING)
    hours = (a["decided_at"][human] - a["arrival"][human]) / HOUR
    counts, _ = np.histogram(hours, bins=[*LATENCY_EDGES, math.inf])
    return [int(c) for c in counts]


def _clean(values: dict[str, float]) -> dict[str, float | None]:
    return {k: (None if math.isnan(v) else v) for k, v in values.items()}


def run_replication(job: ReplicationInput) -> ReplicationResult:
    """Generate replication ``job.replication`` of the channel and run it under both rulebooks."""
    baseline, proposed = _rulebook(job.baseline), _rulebook(job.proposed)
    scenario = _scenario(job.scenario)
    check_against(scenario, baseline, "baseline")
    check_against(scenario, proposed, "proposed")
    channel = generate_channel(scenario, job.seed, job.replication)
    levels = route_levels(baseline, proposed)
    accounts = account_neighbours(channel, baseline, proposed)
    base_ledger = simulate(baseline, scenario, channel, accounts)
    prop_ledger = simulate(proposed, scenario, channel, accounts)
    changes = compare(base_ledger, prop_ledger)
    texts = {**prop_ledger.texts, **base_ledger.texts}
    return ReplicationResult(
        replication=job.replication,
        leads=channel.leads,
        baseline=_clean(compute(base_ledger, levels)),
        proposed=_clean(compute(prop_ledger, levels)),
        changes=sorted(
            (k.kind, k.before, k.after, k.cause, k.cited, n) for k, n in changes.items()
        ),
        texts=dict(sorted(texts.items())),
        latency_baseline=_latency_histogram(base_ledger),
        latency_proposed=_latency_histogram(prop_ledger),
    )


Change = tuple[str, str, str, str, str, int]


def merge_details(reps: list[ReplicationResult]) -> tuple[list[Change], dict[str, str]]:
    """Every replication's changed decisions summed into one list, and one text per reason code.

    The summary only needs these totals, so a scaled-out run merges them before the summary
    activity, which then receives the replications without their details (a small payload).
    """
    totals: dict[tuple[str, str, str, str, str], int] = {}
    texts: dict[str, str] = {}
    for rep in sorted(reps, key=lambda r: r.replication):
        for kind, before, after, cause, cited, count in rep.changes:
            key = (kind, before, after, cause, cited)
            totals[key] = totals.get(key, 0) + int(count)
        for code, text in rep.texts.items():
            texts.setdefault(code, text)
    return [(*key, count) for key, count in totals.items()], texts


def without_details(rep: ReplicationResult) -> ReplicationResult:
    return ReplicationResult(
        rep.replication, rep.leads, rep.baseline, rep.proposed, [], {},
        rep.latency_baseline, rep.latency_proposed,
    )  # fmt: skip

