"""Simulation activities: one paired replication, and the summary of them all.

Replications are CPU-bound and independent, so every worker polling the task queue takes its
share; the summary (paired statistics, attribution) is computed once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from temporalio import activity

from simulation.replication import Change, ReplicationInput, ReplicationResult, run_replication
from simulation.runner import from_texts, summarise


@dataclass
class SummaryInput:
    baseline: str
    proposed: str
    scenario: str
    seed: int
    sources: list[str]  # baseline, proposed, scenario: where each document came from
    replications: list[ReplicationResult]  # without their details (see merge_details)
    changes: list[Change]  # every replication's changed decisions, summed
    texts: dict[str, str]  # one example text per reason code


@activity.defn
def simulate_replication(job: ReplicationInput) -> ReplicationResult:
    """Run replication ``job.replication`` of the channel under both rulebooks."""
    return run_replication(job)


@activity.defn
def summarise_simulation(summary: SummaryInput) -> dict[str, Any]:
    """The ``results.json`` document of a finished run (see docs/simulation.md)."""
    base, prop, scen = summary.sources
    what_if = from_texts(summary.baseline, summary.proposed, summary.scenario,
                         replications=len(summary.replications), seed=summary.seed,
                         sources=(base, prop, scen))  # fmt: skip
    return summarise(what_if, summary.replications, (summary.changes, summary.texts))
