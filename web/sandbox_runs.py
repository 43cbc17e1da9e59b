"""Sandbox runs: a ``simulation_runs`` row per what-if, written by its Temporal workflow.

The workflow is started with the row's id and records everything itself: progress as
replications finish, then the row closed with its results, or the row marked failed or cancelled
(see workflows/simulation.py). The pages only read the row (the report is rendered from its
results, so no file is shared between the workers and the web). While a run is unfinished the run
page still asks Temporal for live progress and whether a worker serves it; that look also closes
the rows no workflow code could: a workflow terminated, timed out, or lost by Temporal.
"""

from __future__ import annotations

import logging

from activities.simulation import RunOutcomeInput, store_run_outcome
from parley.errors import NotFound, ServiceUnavailable
from store.crud import rulebooks as runs_crud
from store.engine import session_scope
from store.models import SimulationRun, SimulationStatus, as_utc
from web import sandbox_temporal
from web.sandbox_form import Prepared
from web.sandbox_temporal import Observation
from workflows.simulation import SimulationInput

log = logging.getLogger(__name__)

UNFINISHED = (SimulationStatus.QUEUED, SimulationStatus.RUNNING)


def run_key(run: SimulationRun) -> str:
    """The run's name in Temporal: its id plus its creation time, so a database that is reset
    (ids start again at 1) never meets the workflows of the runs it forgot."""
    return f"{run.id}-{as_utc(run.created_at):%Y%m%dT%H%M%S%f}"


def start_run(prepared: Prepared, username: str) -> int:
    """Record the run and start its workflow; ``ServiceUnavailable`` leaves no row behind."""
    info = prepared.what_if.info
    with session_scope() as db:
        run = runs_crud.create_simulation_run(
            session=db,
            data={
                "baseline_version": prepared.baseline_version,
                "proposed_label": prepared.proposed_label,
                "scenario": prepared.scenario_summary,
                "replications": info.replications,
                "seed": info.seed,
                "created_by": username,
                "proposed_version": prepared.proposed_version,
            },
        )
        assert run.id is not None
        run_id = run.id
        # Running before the workflow starts: from then on only the workflow writes the row.
        runs_crud.update_simulation_run(session=db, run_id=run_id, status=SimulationStatus.RUNNING)
    stored = get_run(run_id)  # as stored, so every later page derives the same key
    key = run_key(stored)
    spec = SimulationInput(
        baseline=prepared.what_if.baseline_text,
        proposed=prepared.what_if.proposed_text,
        scenario=prepared.what_if.scenario_text,
        replications=info.replications,
        seed=info.seed,
        sources=[info.baseline_source, info.proposed_source, info.scenario_source],
        run_id=run_id,
    )
    try:
        sandbox_temporal.start(key, spec)
    except ServiceUnavailable:
        with session_scope() as db:
            db.delete(runs_crud.get_simulation_run(session=db, run_id=run_id))
        raise
    return run_id


def _close(run: SimulationRun, seen: Observation) -> None:
    """Close a row its workflow left open (closing twice is a no-op)."""
    assert run.id is not None
    if seen.state == "completed" and seen.results is not None:
        # Only a workflow started without a row id (before the workflow stored its own outcome)
        # completes with the row open: store it the way the workflow's last activity does.
        store_run_outcome(RunOutcomeInput(run.id, seen.results))
        return
    status = SimulationStatus.CANCELLED if seen.state == "cancelled" else SimulationStatus.FAILED
    with session_scope() as db:
        runs_crud.close_simulation_run(session=db, run_id=run.id, status=status, error=seen.error)


def sync(run: SimulationRun) -> Observation | None:
    """The live observation of an unfinished run; closes the row if its workflow ended without
    recording it (terminated, timed out, gone). Progress itself is written by the workflow.

    Returns None for a run that had already finished. Raises ``ServiceUnavailable`` when Temporal
    cannot be asked (the row is left as it was).
    """
    if run.status not in UNFINISHED:
        return None
    assert run.id is not None
    try:
        seen = sandbox_temporal.observe(run_key(run))
    except NotFound:
        seen = Observation("failed", error="Temporal has no record of this run's workflow")
    if seen.state == "running":
        return seen
    _close(run, seen)
    return seen


def get_run(run_id: int) -> SimulationRun:
    with session_scope() as db:
        return runs_crud.get_simulation_run(session=db, run_id=run_id)
