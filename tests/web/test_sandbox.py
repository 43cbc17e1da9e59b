"""Sandbox pages on SQLite and PostgreSQL: who may use them, validation before anything starts,
and a clear answer (not a hang or a 500) when Temporal or the worker is not there."""

from __future__ import annotations

import io
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient

from activities.rulebook import content_hash, rulebook_document, rulebook_library
from activities.simulation import RunOutcomeInput, store_run_outcome
from parley.settings import get_settings
from rules import parse_rulebook
from simulation.runner import from_texts, run_local, summarise
from store.crud import rulebooks as runs_crud
from store.crud.rollouts import create_draft, move_version
from store.engine import session_scope
from store.models import utcnow
from tests.fixtures_temporal import TemporalServer, free_port
from tests.web.conftest import World, csrf_token, sign_in
from tests.web.ops_fixtures import DEFAULT_RULEBOOK, OpsDirs, ops_dirs, rulebook_yaml, tiny_scenario_yaml

__all__ = ["ops_dirs"]  # the fixture, imported for pytest


def _form(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "baseline": "version:2026.1",
        "proposed": "proposal:shorter-protection.yaml",
        "scenario": "upload",
        "scenario_file": (io.BytesIO(tiny_scenario_yaml().encode()), "tiny.yaml"),
        "replications": "2",
        "seed": "11",
        "csrf_token": csrf_token(client, "/sandbox/new"),
    }
    data.update(fields)
    return data


def _runs() -> int:
    with session_scope() as db:
        return runs_crud.list_simulation_runs(session=db).total


@pytest.mark.parametrize("username", ["cam", "director", "finance", "pat_partner"])
def test_only_partner_ops_use_the_sandbox(
    client: FlaskClient, world: World, ops_dirs: OpsDirs, username: str
) -> None:
    sign_in(client, username)
    for path in ("/sandbox/", "/sandbox/new", "/sandbox/runs/1", "/sandbox/runs/1/report.html"):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/registrations/")
    response = client.post("/sandbox/runs", data={"csrf_token": token, "baseline": "version:2026.1"})
    assert response.status_code == 403
    assert "What-if" not in client.get("/registrations/").get_data(as_text=True)  # no nav link
    assert _runs() == 0


def test_form_defaults_to_the_governing_version(client: FlaskClient, world: World, ops_dirs: OpsDirs) -> None:
    sign_in(client, "ops")
    page = client.get("/sandbox/new").get_data(as_text=True)
    assert '<option value="version:2026.1" selected>' in page
    assert "shorter-protection.yaml" in page and "tighter-sla.yaml" in page
    assert '<option value="shipped:default.yaml" selected>' in page
    prefilled = client.get("/sandbox/new?proposed=version:2099.1").get_data(as_text=True)
    assert prefilled.count('<option value="version:2099.1" selected>') == 1
    pasted = client.post(
        "/sandbox/new",
        data={"proposed_yaml": "version: pasted", "csrf_token": csrf_token(client, "/sandbox/new")},
    ).get_data(as_text=True)
    assert '<option value="upload" selected>' in pasted and "version: pasted</textarea>" in pasted


def test_bad_uploads_are_refused_with_field_paths_and_nothing_starts(
    client: FlaskClient, world: World, ops_dirs: OpsDirs
) -> None:
    sign_in(client, "ops")
    proposed = yaml.safe_load(rulebook_yaml("bad-proposal", "2026-01-01T00:00:00Z"))
    proposed["registration"]["protection_period"] = "soon"
    scenario = yaml.safe_load(tiny_scenario_yaml())
    scenario["channel"]["partners"] = -3
    scenario["leads"]["per_partner_per_yaer"] = 4
    response = client.post(
        "/sandbox/runs",
        data=_form(
            client,
            proposed="upload",
            proposed_file=(io.BytesIO(yaml.safe_dump(proposed).encode()), "bad.yaml"),
            scenario_file=(io.BytesIO(yaml.safe_dump(scenario).encode()), "bad-scenario.yaml"),
            replications="0",
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was started" in page
    assert "proposed · <code>registration.protection_period</code>" in page
    assert "scenario · <code>channel.partners</code>" in page
    assert "scenario · <code>leads.per_partner_per_yaer</code> unknown key" in page
    assert "replications · <code>replications</code> must be a whole number from 1 to 100" in page
    assert _runs() == 0


def test_scenario_speaking_another_vocabulary_is_refused(
    client: FlaskClient, world: World, ops_dirs: OpsDirs
) -> None:
    sign_in(client, "ops")
    scenario = yaml.safe_load(tiny_scenario_yaml())
    scenario["channel"]["territories"] = {"atlantis": 1.0}
    response = client.post(
        "/sandbox/runs",
        data=_form(client, scenario_file=(io.BytesIO(yaml.safe_dump(scenario).encode()), "s.yaml")),
    )
    assert response.status_code == 422
    assert "<code>channel.territories.atlantis</code> not in baseline rulebook" in response.get_data(
        as_text=True
    )
    empty = client.post("/sandbox/runs", data=_form(client, proposed="upload"))
    assert "upload a rulebook file or paste its YAML" in empty.get_data(as_text=True)
    assert _runs() == 0


def test_start_without_csrf_token_is_refused(client: FlaskClient, world: World, ops_dirs: OpsDirs) -> None:
    sign_in(client, "ops")
    data = _form(client)
    del data["csrf_token"]
    response = client.post("/sandbox/runs", data=data)
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert _runs() == 0


def test_temporal_down_gives_a_clear_message(
    client: FlaskClient, world: World, ops_dirs: OpsDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    sign_in(client, "ops")
    response = client.post("/sandbox/runs", data=_form(client))
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Nothing was started: Temporal is not reachable" in page and "PARLEY_TEMPORAL_ADDRESS" in page
    assert _runs() == 0


@pytest.mark.temporal
def test_no_worker_gives_a_clear_message(
    client: FlaskClient, world: World, ops_dirs: OpsDirs, monkeypatch: pytest.MonkeyPatch,
    temporal_server: TemporalServer, task_queue: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("PARLEY_TEMPORAL_ADDRESS", temporal_server.address)
    monkeypatch.setenv("PARLEY_TASK_QUEUE", task_queue)
    get_settings.cache_clear()
    sign_in(client, "ops")
    response = client.post("/sandbox/runs", data=_form(client))
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert f"No Parley worker is serving task queue &#39;{task_queue}&#39;" in page
    assert "parley worker" in page
    assert _runs() == 0


def test_storing_a_run_outcome_twice_changes_nothing_the_second_time(world: World, ops_dirs: OpsDirs) -> None:
    """The workflow's last activity may be retried (or the run page may store a legacy run):
    the files and the closed row are written once; later progress or failure reports are no-ops."""
    rulebook = DEFAULT_RULEBOOK.read_text(encoding="utf-8")
    what_if = from_texts(rulebook, rulebook, tiny_scenario_yaml(),
                         replications=2, seed=3)  # fmt: skip
    results = summarise(what_if, run_local(what_if, workers=1))
    with session_scope() as db:
        run = runs_crud.create_simulation_run(session=db, data={
            "baseline_version": "2026.1", "proposed_label": "same", "replications": 2, "seed": 3,
            "created_by": "ops",
        })  # fmt: skip
        assert run.id is not None
        run_id = run.id
        runs_crud.update_simulation_run(session=db, run_id=run_id, status="running")
        assert runs_crud.advance_simulation_progress(session=db, run_id=run_id, progress=0.5)
        assert not runs_crud.advance_simulation_progress(session=db, run_id=run_id, progress=0.25)
        assert runs_crud.get_simulation_run(session=db, run_id=run_id).progress == 0.5

    outcome = RunOutcomeInput(run_id, results)
    assert store_run_outcome(outcome) is True
    assert store_run_outcome(outcome) is False  # a retried activity changes nothing

    with session_scope() as db:
        assert not runs_crud.close_simulation_run(session=db, run_id=run_id, status="failed", error="late")
        assert not runs_crud.advance_simulation_progress(session=db, run_id=run_id, progress=0.9)
        closed = runs_crud.get_simulation_run(session=db, run_id=run_id)
    assert closed.status == "completed" and closed.error is None and closed.progress == 1.0
    assert closed.results == results
    # Nothing is written to the data folder: the web renders the report from the row.
    assert not (ops_dirs.data / "simulations").exists()


def test_the_run_page_reads_as_the_report_does(client: FlaskClient, world: World, ops_dirs: OpsDirs) -> None:
    """A completed run's page (no Temporal needed once the row is closed): the counting rule, the
    verdict rule, thresholds, money with its currency, and headlines without reason codes."""
    rulebook = DEFAULT_RULEBOOK.read_text(encoding="utf-8")
    shorter = rulebook.replace("protection_period: 90d", "protection_period: 45d")
    what_if = from_texts(rulebook, shorter, tiny_scenario_yaml(), replications=2, seed=3)
    results = summarise(what_if, run_local(what_if, workers=1))
    with session_scope() as db:
        run = runs_crud.create_simulation_run(session=db, data={
            "baseline_version": "2026.1", "proposed_label": "shorter", "replications": 2, "seed": 3,
            "created_by": "ops",
        })  # fmt: skip
        assert run.id is not None
        run_id = run.id
        runs_crud.update_simulation_run(session=db, run_id=run_id, status="running")
    assert store_run_outcome(RunOutcomeInput(run_id, results))
    sign_in(client, "ops")
    page = " ".join(client.get(f"/sandbox/runs/{run_id}").get_data(as_text=True).split())
    counted = results["run"]["counted_per_replication"]
    assert f"the KPIs count the {counted:,.1f} registrations per run submitted after it" in page
    assert "first 10 days are a warm-up" in page
    assert "A verdict only when the 95% interval excludes zero and the change reaches" in page
    assert "Money is in USD." in page and "Material from" in page and "0.5 pp" in page
    revenue = page[page.index(">Revenue</th>") :].split("</tr>", 1)[0]
    assert revenue.count("USD ") >= 3 and "%)" in revenue
    headlines = page[page.index('data-testid="headlines"') :].split("</ul>", 1)[0]
    assert "Deal registration — protection period: 90 days → 45 days" in headlines
    assert "conflict." not in headlines and "duplicate." not in headlines


def test_a_completed_run_of_a_draft_offers_to_attach_it(
    client: FlaskClient, world: World, ops_dirs: OpsDirs
) -> None:
    """The run page of a finished what-if of a draft carries the attach form to that draft's
    roll-out; once the draft is no longer a draft (or for a run of a file) it does not."""
    text = rulebook_yaml(version="2099.7", effective_from="2099-07-01T00:00:00Z")
    draft = parse_rulebook(text, source="test")
    with session_scope() as db:
        rulebook_library()  # the shipped version first, as on a first start
        create_draft(session=db, data={
            "version": "2099.7", "effective_from": draft.effective_from, "source": "draft:ops",
            "sha256": content_hash(draft), "document": rulebook_document(draft), "text": text,
            "created_by": "ops",
        }, comment="Longer protection", now=utcnow())  # fmt: skip
        runs = []
        for proposed in ("2099.7", None):
            run = runs_crud.create_simulation_run(session=db, data={
                "baseline_version": "2026.1", "proposed_label": "2099.7", "replications": 2, "seed": 3,
                "created_by": "ops", "proposed_version": proposed,
            })  # fmt: skip
            assert run.id is not None
            runs.append(run.id)
    for run_id in runs:
        assert store_run_outcome(RunOutcomeInput(run_id, {"headlines": []}))
    sign_in(client, "ops")
    page = client.get(f"/sandbox/runs/{runs[0]}").get_data(as_text=True)
    offer = page[page.index('data-testid="attach-to-draft"') :].split("</section>", 1)[0]
    assert 'action="/rulebooks/versions/2099.7/what-if"' in offer
    assert f'name="run_id" value="{runs[0]}"' in offer
    assert 'data-testid="attach-to-draft"' not in client.get(f"/sandbox/runs/{runs[1]}").get_data(
        as_text=True
    )
    with session_scope() as db:
        move_version(session=db, version="2099.7", state="withdrawn", by="ops", at=utcnow(), reason="no")
    assert 'data-testid="attach-to-draft"' not in client.get(f"/sandbox/runs/{runs[0]}").get_data(
        as_text=True
    )
