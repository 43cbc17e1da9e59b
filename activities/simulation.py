"""Simulation activities: one paired replication, the summary of them all, and the run's record.

Replications are CPU-bound and independent, so every worker polling the task queue takes its
share, heartbeating while SimPy runs so a replication on a worker that died is retried elsewhere
within seconds; the summary (paired statistics, attribution) is computed once at the end. A run
started for a ``simulation_runs`` row then stores its own outcome: the files under the data dir
and the closed row, or the row marked failed/cancelled with the reason.
"""

from __future__ import annotations

import contextvars
import threading
from dataclasses import dataclass
from typing import Any

from temporalio import activity

from simulation.replication import Change, ReplicationInput, ReplicationResult, run_replication
from simulation.runner import from_texts, summarise
from store.crud import rulebooks as runs_crud
from store.engine import session_scope
from store.models import SimulationStatus

# Seconds between heartbeat calls. The SDK sends the first at once and then throttles to 80% of
# the workflow's heartbeat timeout, so calling often costs nothing.
HEARTBEAT_EVERY = 2.0


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


@dataclass
class RunProgressInput:
    run_id: int
    done: int
    total: int


@dataclass
class RunOutcomeInput:
    run_id: int
    results: dict[str, Any]  # the results.json document


@dataclass
class RunEndedInput:
    run_id: int
    status: str  # "failed" or "cancelled"
    reason: str


def _heartbeat_until(stop: threading.Event) -> None:
    activity.heartbeat()  # at once: the server knows which worker started the attempt
    while not stop.wait(HEARTBEAT_EVERY):
        activity.heartbeat()


@activity.defn
def simulate_replication(job: ReplicationInput) -> ReplicationResult:
    """Run replication ``job.replication`` of the channel under both rulebooks.

    SimPy holds the thread for the whole run, so a companion thread (in this activity's context)
    heartbeats meanwhile: Temporal then notices a dead worker after the heartbeat timeout instead
    of the start-to-close timeout, and a cancelled workflow's replication is interrupted.
    """
    stop = threading.Event()
    beating = threading.Thread(
        target=contextvars.copy_context().run, args=(_heartbeat_until, stop), daemon=True
    )
    beating.start()
    try:
        return run_replication(job)
    finally:
        stop.set()
        beating.join()


@activity.defn
def summarise_simulation(summary: SummaryInput) -> dict[str, Any]:
    """The ``results.json`` document of a finished run (see docs/simulation.md)."""
    base, prop, scen = summary.sources
    what_if = from_texts(summary.baseline, summary.proposed, summary.scenario,
                         replications=len(summary.replications), seed=summary.seed,
                         sources=(base, prop, scen))  # fmt: skip
    return summarise(what_if, summary.replications, (summary.changes, summary.texts))


@activity.defn
def record_simulation_progress(progress: RunProgressInput) -> None:
    """Write the share of replications done to the run's row (forward steps only)."""
    if progress.total <= 0:
        return
    with session_scope() as db:
        runs_crud.advance_simulation_progress(
            session=db, run_id=progress.run_id, progress=min(progress.done / progress.total, 1.0)
        )


def store_run_outcome(outcome: RunOutcomeInput) -> bool:
    """Close the run's row as completed with its results (the report is rendered from them by
    whichever web process shows it: no file is shared between services); False if the row was
    closed already."""
    with session_scope() as db:
        return runs_crud.close_simulation_run(
            session=db, run_id=outcome.run_id, status=SimulationStatus.COMPLETED, results=outcome.results
        )


@activity.defn
def store_simulation_outcome(outcome: RunOutcomeInput) -> None:
    """The workflow's last step: the row closed with its results. Idempotent."""
    store_run_outcome(outcome)


@activity.defn
def record_simulation_ended(ended: RunEndedInput) -> None:
    """Mark the run failed or cancelled with the reason (no change if it was closed already)."""
    with session_scope() as db:
        runs_crud.close_simulation_run(
            session=db, run_id=ended.run_id, status=ended.status, error=ended.reason or ended.status
        )
