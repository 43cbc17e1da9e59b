"""Rulebook versions and simulation runs."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlmodel import Session

from parley.errors import NotFound, ValidationFailed
from store import crud
from tests.store.factories import NOW, pk


def _version(version: str, content: str, effective: timedelta) -> dict[str, object]:
    return {
        "version": version,
        "effective_from": NOW + effective,
        "source": f"rulebooks/{version}.yaml",
        "sha256": hashlib.sha256(content.encode()).hexdigest(),
        "document": {"version": version, "content": content},
    }


def test_versions_recorded_once_and_immutable(session: Session) -> None:
    first = crud.record_rulebook_version(session=session, data=_version("2026.1", "a", timedelta(0)))
    again = crud.record_rulebook_version(session=session, data=_version("2026.1", "a", timedelta(0)))
    assert pk(again) == pk(first)
    with pytest.raises(ValidationFailed, match="version"):
        crud.record_rulebook_version(session=session, data=_version("2026.1", "b", timedelta(0)))
    crud.record_rulebook_version(session=session, data=_version("2026.2", "c", timedelta(days=30)))
    session.commit()
    assert [v.version for v in crud.list_rulebook_versions(session=session)] == ["2026.1", "2026.2"]

    def in_force(offset: timedelta) -> str | None:
        found = crud.rulebook_version_in_force(session=session, at=NOW + offset)
        return found.version if found else None

    assert in_force(-timedelta(days=1)) is None
    assert in_force(timedelta(days=29)) == "2026.1"
    assert in_force(timedelta(days=30)) == "2026.2"
    stored = crud.get_rulebook_version(session=session, version="2026.2")
    assert stored is not None and stored.document["content"] == "c"
    with pytest.raises(ValidationFailed, match="sha256"):
        crud.record_rulebook_version(
            session=session, data={**_version("2026.3", "d", timedelta(0)), "sha256": "X" * 64}
        )


def _run(**overrides: object) -> dict[str, object]:
    run: dict[str, object] = {
        "baseline_version": "2026.1",
        "proposed_label": "shorter SLAs",
        "scenario": {"name": "default", "partners": 40},
        "replications": 20,
        "seed": 2**40,
        "created_by": "ops",
    }
    return {**run, **overrides}


def test_simulation_run_lifecycle(session: Session) -> None:
    run = crud.create_simulation_run(session=session, data=_run())
    assert (run.status, run.progress, run.results) == ("queued", 0.0, None)
    crud.update_simulation_run(session=session, run_id=pk(run), status="running", progress=0.5)
    with pytest.raises(ValidationFailed, match="progress"):
        crud.update_simulation_run(session=session, run_id=pk(run), progress=1.5)
    done = crud.update_simulation_run(
        session=session,
        run_id=pk(run),
        status="completed",
        results={"approval_rate": {"baseline": 0.8, "proposed": 0.85}},
        at=NOW,
    )
    session.commit()
    session.expunge_all()
    loaded = crud.get_simulation_run(session=session, run_id=pk(done))
    assert (loaded.status, loaded.progress, loaded.finished_at) == ("completed", 1.0, NOW)
    assert loaded.results == {"approval_rate": {"baseline": 0.8, "proposed": 0.85}}
    assert loaded.seed == 2**40
    with pytest.raises(ValidationFailed, match="status"):
        crud.update_simulation_run(session=session, run_id=pk(run), status="running")
    with pytest.raises(NotFound):
        crud.get_simulation_run(session=session, run_id=999)


def test_simulation_runs_listing_and_validation(session: Session) -> None:
    for index in range(3):
        crud.create_simulation_run(session=session, data=_run(created_by=f"user{index % 2}"))
    session.commit()
    assert crud.list_simulation_runs(session=session, created_by="user0").total == 2
    assert crud.list_simulation_runs(session=session, status="queued", per_page=2).pages == 2
    with pytest.raises(ValidationFailed, match="status"):
        crud.list_simulation_runs(session=session, status="sleeping")
    with pytest.raises(ValidationFailed, match="replications"):
        crud.create_simulation_run(session=session, data=_run(replications=0))
