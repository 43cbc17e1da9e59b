"""The what-if sandbox for partner operations: choose, start, watch, read the report, list runs.

Only ``partner_ops`` users reach these pages. A run is a ``SimulationWorkflow`` on Temporal (its
replications are activities any worker takes) that records its progress and outcome in the run's
row itself; the pages read the row, and the run page of an unfinished run also asks Temporal for
live progress. They work without JavaScript (the run page refreshes itself).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from parley.errors import NotFound, ServiceUnavailable
from rules import RulebookInvalid
from simulation import report_words as words
from simulation.kpis import Kpi
from simulation.report import render_report
from simulation.results import results_document
from store.crud import rulebooks as runs_crud
from store.engine import session_scope
from store.models import RulebookState, SimulationRun, SimulationStatus
from web import rulebook_sources as sources
from web import sandbox_form, sandbox_runs
from web.ops_access import partner_ops_required
from web.paging import int_arg
from web.sandbox_form import Problem

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")

REFRESH_SECONDS = 2


def _form_page(values: dict[str, str], problems: list[Problem] | None = None,
               notice: str | None = None, status: int = 200) -> ResponseReturnValue:  # fmt: skip
    try:
        versions = sources.version_choices()
        governing = sources.governing_version()
        proposals = sources.proposal_choices()
    except RulebookInvalid as exc:
        return render_template("sandbox/library_broken.html", problems=exc.problems), 503
    if not values.get("baseline") and governing:
        values["baseline"] = f"{sources.VERSION_PREFIX}{governing}"
    if not values.get("proposed"):
        values["proposed"] = (
            sandbox_form.UPLOAD
            if values.get("proposed_yaml")
            else (proposals[0].ref if proposals else sandbox_form.UPLOAD)
        )
    values.setdefault("scenario", f"{sandbox_form.SHIPPED_PREFIX}default.yaml")
    values.setdefault("replications", str(sandbox_form.DEFAULT_REPLICATIONS))
    values.setdefault("seed", str(sandbox_form.DEFAULT_SEED))
    by_field: dict[str, list[Problem]] = {}
    for problem in problems or []:
        by_field.setdefault(problem.field, []).append(problem)
    page = render_template(
        "sandbox/new.html",
        values=values,
        versions=versions,
        governing=governing,
        proposals=proposals,
        scenarios=sandbox_form.shipped_scenarios(),
        problems=problems or [],
        by_field=by_field,
        notice=notice,
        max_replications=sandbox_form.MAX_REPLICATIONS,
    )
    return page, status


def _unavailable_notice(exc: ServiceUnavailable) -> str:
    if exc.service == "Temporal":
        return (
            "Nothing was started: Temporal is not reachable, so no worker could run the what-if. "
            f"Start it with `parley up` (or `parley server`). Detail: {exc.detail}"
        )
    return f"Nothing was started. {exc.detail}"


@bp.get("/new")
@partner_ops_required
def new() -> ResponseReturnValue:
    """The form, optionally prefilled from a link (``?baseline=version:X&proposed=version:Y``)."""
    values = {k: request.args[k] for k in ("baseline", "proposed", "scenario") if request.args.get(k)}
    return _form_page(values)


@bp.post("/new")
@partner_ops_required
def new_prefilled() -> ResponseReturnValue:
    """The form prefilled with pasted YAML (from the rulebook validation page); starts nothing."""
    values = {"proposed_yaml": request.form.get("proposed_yaml", ""), "proposed": sandbox_form.UPLOAD}
    return _form_page(values)


@bp.post("/runs")
@partner_ops_required
def start() -> ResponseReturnValue:
    values = {k: request.form.get(k, "") for k in
              ("baseline", "proposed", "scenario", "replications", "seed", "proposed_yaml")}  # fmt: skip
    try:
        prepared = sandbox_form.prepare(request.form, request.files)
    except RulebookInvalid as exc:  # the library itself is broken
        return render_template("sandbox/library_broken.html", problems=exc.problems), 503
    if isinstance(prepared, list):
        return _form_page(values, prepared, status=422)
    try:
        run_id = sandbox_runs.start_run(prepared, g.user.username)
    except ServiceUnavailable as exc:
        return _form_page(values, notice=_unavailable_notice(exc), status=503)
    return redirect(url_for("sandbox.run", run_id=run_id), code=303)


@bp.get("/")
@partner_ops_required
def index() -> ResponseReturnValue:
    """The runs as their rows say (the workflows keep status and progress there)."""
    page_number = int_arg("page", 1) or 1
    with session_scope() as db:
        page = runs_crud.list_simulation_runs(session=db, page=page_number, per_page=25)
    return render_template("sandbox/index.html", page=page, notice=None)


def _kpi_rows(results: dict[str, Any]) -> list[dict[str, str]]:
    """The KPI table in the report's own words (``simulation.report_words``): money with its
    currency, differences with their percentage, the material threshold, why a verdict is neutral."""
    currency = results.get("run", {}).get("currency", "")
    rows = []
    for entry in results.get("kpis", []):
        kpi = Kpi(entry["key"], entry["label"], entry["unit"], entry["better"], entry["description"])
        low, high = entry["ci95"]
        rows.append(
            {
                "label": kpi.label,
                "description": kpi.description,
                "baseline": words.show(kpi, entry["baseline"], currency),
                "proposed": words.show(kpi, entry["proposed"], currency),
                "difference": words.change(kpi, entry["difference"], entry["baseline"], currency),
                "interval": "n/a"
                if low is None or high is None
                else f"{words.show(kpi, low, currency, True)} … {words.show(kpi, high, currency, True)}",
                "threshold": entry.get("threshold_text", ""),
                "neutral_because": entry.get("neutral_because") or "",
                "verdict": entry["verdict"],
            }
        )
    return rows


@bp.get("/runs/<int:run_id>")
@partner_ops_required
def run(run_id: int) -> ResponseReturnValue:
    try:
        current = sandbox_runs.get_run(run_id)
    except NotFound:
        abort(404, "No what-if run with that number.")
    notice, seen = None, None
    try:
        seen = sandbox_runs.sync(current)
    except ServiceUnavailable as exc:
        notice = f"Cannot reach Temporal for live progress: {exc.detail}. This page keeps trying."
    current = sandbox_runs.get_run(run_id)
    finished = current.status not in sandbox_runs.UNFINISHED
    return render_template(
        "sandbox/run.html",
        run=current,
        seen=seen,
        notice=notice,
        finished=finished,
        refresh=None if finished else REFRESH_SECONDS,
        kpis=_kpi_rows(current.results or {}),
        headlines=(current.results or {}).get("headlines", []),
        rule_changes=(current.results or {}).get("rule_changes", []),
        report_ready=current.status == SimulationStatus.COMPLETED and current.results is not None,
        draft=_draft_to_attach(current),
    )


def _draft_to_attach(run: SimulationRun) -> str | None:
    """The draft a completed run simulated, while it is still a draft (its roll-out takes it)."""
    if run.status != SimulationStatus.COMPLETED or not run.proposed_version:
        return None
    try:
        row = sources.version_row(run.proposed_version)
    except NotFound:
        return None
    return run.proposed_version if row.standing == RulebookState.DRAFT else None


def _results(run_id: int) -> dict[str, Any]:
    """A completed run's results (what its report is rendered from); 404 before it completes."""
    try:
        current = sandbox_runs.get_run(run_id)
    except NotFound:
        abort(404, "No what-if run with that number.")
    if current.status != SimulationStatus.COMPLETED or current.results is None:
        abort(404, "This run has no report yet.")
    return current.results


@bp.get("/runs/<int:run_id>/report.html")
@partner_ops_required
def report(run_id: int) -> ResponseReturnValue:
    return Response(render_report(_results(run_id)), mimetype="text/html")


@bp.get("/runs/<int:run_id>/results.json")
@partner_ops_required
def results(run_id: int) -> ResponseReturnValue:
    return Response(results_document(_results(run_id)), mimetype="application/json")
