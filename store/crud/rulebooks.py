"""Rulebook versions as loaded, and what-if simulation runs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from parley.errors import NotFound
from store.crud._common import Page, insert_if_absent, paginate, parse, refuse, require_member, table_of
from store.models import (
    LIBRARY_STATES,
    RulebookState,
    RulebookVersion,
    RulebookVersionCreate,
    SimulationRun,
    SimulationRunCreate,
    SimulationStatus,
    as_utc,
    utcnow,
)

FINISHED = (SimulationStatus.COMPLETED, SimulationStatus.FAILED, SimulationStatus.CANCELLED)


def record_rulebook_version(
    *, session: Session, data: RulebookVersionCreate | Mapping[str, Any], now: datetime | None = None
) -> RulebookVersion:
    """Import a rulebook version straight into the library (a file imported by an operator, or
    the shipped rulebook on first start), with the state its effective date gives it at ``now``.
    Importing the same content again is a no-op; a version id already used for other content is
    refused (a version is immutable), whatever state it is in."""
    version_in = parse(RulebookVersionCreate, data)
    now = now or utcnow()
    effective = as_utc(version_in.effective_from)
    # Insert-if-absent: two processes importing the shipped rulebook on first start both succeed.
    insert_if_absent(
        session,
        table_of(RulebookVersion),
        {
            "version": version_in.version,
            "effective_from": effective,
            "source": version_in.source,
            "sha256": version_in.sha256,
            "document": version_in.document,
            "text": version_in.text,
            "created_by": version_in.created_by,
            "state": RulebookState.SCHEDULED if effective > now else RulebookState.IN_FORCE,
            "comment": "",
            "loaded_at": now,
            "updated_at": now,
        },
        ("version",),
    )
    row = get_rulebook_version(session=session, version=version_in.version)
    assert row is not None
    if row.sha256 != version_in.sha256:
        raise refuse(
            "version",
            f"{version_in.version!r} is already recorded with different content; "
            "publish a new version instead",
        )
    sync_standing(session=session, now=now)
    return row


def sync_standing(*, session: Session, now: datetime) -> None:
    """Give every library version the state its effective date gives it at ``now``: the latest
    one begun is in force, earlier ones superseded, later ones scheduled. (Which version governs
    is decided by the dates alone; this keeps the stored states telling the same.)"""
    rows = list(
        session.exec(
            select(RulebookVersion)
            .where(col(RulebookVersion.state).in_(LIBRARY_STATES))
            .order_by(col(RulebookVersion.effective_from), col(RulebookVersion.id))
        ).all()
    )
    begun = [row for row in rows if as_utc(row.effective_from) <= now]
    for row in rows:
        if as_utc(row.effective_from) > now:
            state = row.state if row.state == RulebookState.APPROVED else RulebookState.SCHEDULED
        elif row is begun[-1]:
            state = RulebookState.IN_FORCE
        else:
            state = RulebookState.SUPERSEDED
        if state != row.state:
            row.state = state
            row.updated_at = now
            if state == RulebookState.IN_FORCE and row.in_force_at is None:
                row.in_force_at = max(
                    as_utc(row.effective_from), as_utc(row.approved_at or row.effective_from)
                )
            session.add(row)
    session.flush()


def get_rulebook_version(*, session: Session, version: str) -> RulebookVersion | None:
    query = select(RulebookVersion).where(RulebookVersion.version == version)
    return session.exec(query).first()


def list_rulebook_versions(*, session: Session, library_only: bool = False) -> list[RulebookVersion]:
    """Every recorded version (or only the library's), in order of the date each takes effect."""
    query = select(RulebookVersion).order_by(col(RulebookVersion.effective_from), col(RulebookVersion.id))
    if library_only:
        query = query.where(col(RulebookVersion.state).in_(LIBRARY_STATES))
    return list(session.exec(query).all())


def rulebook_version_in_force(*, session: Session, at: datetime) -> RulebookVersion | None:
    """The library version with the latest ``effective_from`` not after ``at``."""
    query = (
        select(RulebookVersion)
        .where(col(RulebookVersion.effective_from) <= as_utc(at))
        .where(col(RulebookVersion.state).in_(LIBRARY_STATES))
        .order_by(col(RulebookVersion.effective_from).desc(), col(RulebookVersion.id).desc())
    )
    return session.exec(query).first()


def create_simulation_run(
    *, session: Session, data: SimulationRunCreate | Mapping[str, Any]
) -> SimulationRun:
    run_in = parse(SimulationRunCreate, data)
    run = SimulationRun.model_validate(run_in.model_dump())
    session.add(run)
    session.flush()
    return run


def get_simulation_run(*, session: Session, run_id: int) -> SimulationRun:
    run = session.get(SimulationRun, run_id)
    if run is None:
        raise NotFound("simulation run", run_id)
    return run


def update_simulation_run(
    *,
    session: Session,
    run_id: int,
    status: str | None = None,
    progress: float | None = None,
    results: dict[str, Any] | None = None,
    error: str | None = None,
    at: datetime | None = None,
) -> SimulationRun:
    """Report progress or an outcome; a finishing status stamps ``finished_at``."""
    run = get_simulation_run(session=session, run_id=run_id)
    if run.status in FINISHED:
        raise refuse("status", f"run {run_id} already finished ({run.status})")
    if progress is not None:
        if not 0.0 <= progress <= 1.0:
            raise refuse("progress", "must be between 0 and 1")
        run.progress = progress
    if results is not None:
        run.results = results
    if error is not None:
        run.error = error[:4000]
    if status is not None:
        run.status = require_member("status", status, SimulationStatus)
        if run.status in FINISHED:
            run.finished_at = as_utc(at) if at else utcnow()
            if run.status == SimulationStatus.COMPLETED:
                run.progress = 1.0
    session.add(run)
    session.flush()
    return run


def list_simulation_runs(
    *,
    session: Session,
    created_by: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[SimulationRun]:
    """Runs, newest first."""
    query = select(SimulationRun).order_by(col(SimulationRun.created_at).desc(), col(SimulationRun.id).desc())
    if created_by is not None:
        query = query.where(SimulationRun.created_by == created_by)
    if status is not None:
        query = query.where(SimulationRun.status == require_member("status", status, SimulationStatus))
    items, total = paginate(session, query, page, per_page)
    return Page(items, total, page, per_page)


def advance_simulation_progress(*, session: Session, run_id: int, progress: float) -> bool:
    """Raise an unfinished run's progress to ``progress`` (never lower it); False if it had
    finished already or was further on. Replications finish in any order and their reports may
    arrive out of order or twice (activity retries), so only a forward step is written."""
    run = get_simulation_run(session=session, run_id=run_id)
    if run.status in FINISHED or progress <= run.progress:
        return False
    update_simulation_run(session=session, run_id=run_id, progress=min(max(progress, 0.0), 1.0))
    return True


def close_simulation_run(
    *,
    session: Session,
    run_id: int,
    status: str,
    results: dict[str, Any] | None = None,
    error: str | None = None,
) -> bool:
    """Close an unfinished run with its outcome; False (and no change) if it was already closed,
    so the workflow's final activity and the web's fallback may both try, and retries are safe."""
    if require_member("status", status, SimulationStatus) not in FINISHED:
        raise refuse("status", f"{status} does not close a run")
    run = get_simulation_run(session=session, run_id=run_id)
    if run.status in FINISHED:
        return False
    update_simulation_run(session=session, run_id=run_id, status=status, results=results, error=error)
    return True
