"""Sandbox runs: a ``simulation_runs`` row per what-if, kept in step with its Temporal workflow.

The workflow returns the ``results.json`` document; whichever page first sees it finished writes
``results.json`` and ``report.html`` under ``<data_dir>/simulations/run-<id>/`` (into a scratch
folder renamed into place, so a reader never sees half a report) and closes the row.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import uuid
from pathlib import Path

from parley.errors import NotFound, ServiceUnavailable, ValidationFailed
from parley.settings import get_settings
from simulation.runner import write_outputs
from store.crud import rulebooks as runs_crud
from store.engine import session_scope
from store.models import SimulationRun, SimulationStatus, as_utc
from web import sandbox_temporal
from web.sandbox_form import Prepared
from web.sandbox_temporal import Observation
from workflows.simulation import SimulationInput

log = logging.getLogger(__name__)

UNFINISHED = (SimulationStatus.QUEUED, SimulationStatus.RUNNING)


def outputs_root() -> Path:
    return get_settings().data_dir / "simulations"


def run_key(run: SimulationRun) -> str:
    """The run's name in Temporal and in the data dir: its id plus its creation time, so a
    database that is reset (ids start again at 1) never meets the workflows or reports of the
    runs it forgot."""
    return f"{run.id}-{as_utc(run.created_at):%Y%m%dT%H%M%S%f}"


def run_folder(run: SimulationRun) -> Path:
    return outputs_root() / f"run-{run_key(run)}"


def report_file(run: SimulationRun) -> Path | None:
    """The run's report, only if it lies inside the outputs folder and exists."""
    if not run.report_path:
        return None
    root = outputs_root().resolve()
    path = (get_settings().data_dir / run.report_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


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
            },
        )
        assert run.id is not None
        run_id = run.id
    key = run_key(get_run(run_id))  # as stored, so every later page derives the same key
    spec = SimulationInput(
        baseline=prepared.what_if.baseline_text,
        proposed=prepared.what_if.proposed_text,
        scenario=prepared.what_if.scenario_text,
        replications=info.replications,
        seed=info.seed,
        sources=[info.baseline_source, info.proposed_source, info.scenario_source],
    )
    try:
        sandbox_temporal.start(key, spec)
    except ServiceUnavailable:
        with session_scope() as db:
            db.delete(runs_crud.get_simulation_run(session=db, run_id=run_id))
        raise
    with session_scope() as db:
        runs_crud.update_simulation_run(session=db, run_id=run_id, status=SimulationStatus.RUNNING)
    return run_id


def _write_outputs(run: SimulationRun, results: dict[str, object]) -> str:
    """Write the outputs atomically; the path of report.html relative to the data dir."""
    final = run_folder(run)
    if not (final / "report.html").is_file():
        scratch = outputs_root() / f".{final.name}-{uuid.uuid4().hex[:8]}"
        write_outputs(results, scratch)
        try:
            scratch.rename(final)
        except OSError:  # another request finished it first: theirs is the same document
            shutil.rmtree(scratch, ignore_errors=True)
    return str((final / "report.html").relative_to(get_settings().data_dir))


def _close(run: SimulationRun, seen: Observation) -> None:
    assert run.id is not None
    run_id = run.id
    with session_scope() as db:
        try:
            if seen.state == "completed" and seen.results is not None:
                report = _write_outputs(run, seen.results)
                runs_crud.update_simulation_run(
                    session=db, run_id=run_id, status=SimulationStatus.COMPLETED,
                    results=seen.results, report_path=report,
                )  # fmt: skip
            else:
                status = SimulationStatus.CANCELLED if seen.state == "cancelled" else SimulationStatus.FAILED
                runs_crud.update_simulation_run(session=db, run_id=run_id, status=status, error=seen.error)
        except ValidationFailed:
            pass  # already closed by a concurrent request


def sync(run: SimulationRun) -> Observation | None:
    """Bring an unfinished run's row up to date; the live observation while it is running.

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
        progress = seen.progress
        if progress is not None and progress.total:
            # suppress: the run may have finished meanwhile
            with session_scope() as db, contextlib.suppress(ValidationFailed):
                runs_crud.update_simulation_run(
                    session=db, run_id=run.id, progress=min(progress.done / progress.total, 1.0)
                )
        return seen
    _close(run, seen)
    return seen


def get_run(run_id: int) -> SimulationRun:
    with session_scope() as db:
        return runs_crud.get_simulation_run(session=db, run_id=run_id)
